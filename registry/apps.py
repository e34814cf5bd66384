from django.apps import AppConfig


class RegistryConfig(AppConfig):
    """The record: teams and people, AI systems, models, versions, datasets, lineage,
    deployments, incidents, and the append-only audit ledger."""

    name = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        from registry.core import checks  # noqa: F401 (registers the system checks)
