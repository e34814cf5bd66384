from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation, Northbridge Bank: a document (``organisation.yaml``) and the
    seeder that loads it (``manage.py seed_demo``). No models of its own."""

    name = "demo"
    verbose_name = "Demo organisation"
