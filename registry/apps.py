from django.apps import AppConfig


class RegistryConfig(AppConfig):
    """The record: teams and people, AI systems, models, versions, datasets, lineage,
    deployments, incidents, and the append-only audit ledger."""

    name = "registry"
    verbose_name = "Registry"

    def ready(self) -> None:
        from django.core.signals import request_finished

        from registry.core import checks  # noqa: F401 (registers the system checks)
        from registry.evidence import storage

        # Evidence files stored by a transaction that then rolled back go once it has ended.
        request_finished.connect(storage.discard_uncommitted, dispatch_uid="evidence-discard")
