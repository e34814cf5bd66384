"""``manage.py audit_checkpoint [--dir DIR] [--full] [--jobs N]``: sign a checkpoint of the
audit ledger."""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from registry.audit.choices import AuditSource
from registry.audit.services import audit_context
from registry.audit.verify import LedgerBrokenError, add_jobs_argument, checkpoint_ledger


class Command(BaseCommand):
    help = (
        "Verify the audit ledger and write a signed checkpoint (sequence, head hash, time, key "
        "id) of its head to the checkpoint directory. A broken ledger is not signed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            dest="directory",
            default=None,
            help="Checkpoint directory (STEWARD_AUDIT_CHECKPOINT_DIR).",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="Verify the whole chain, not only what follows the latest checkpoint.",
        )
        add_jobs_argument(parser)

    def handle(self, *args, directory=None, full=False, jobs=0, **options):
        if jobs < 0:
            raise CommandError("--jobs must be at least 0.")
        try:
            with audit_context(source=AuditSource.COMMAND):
                checkpoint, created = checkpoint_ledger(
                    directory=directory, full=full, jobs=jobs or os.cpu_count() or 1
                )
        except LedgerBrokenError as exc:
            raise CommandError(f"Not signed: {exc}") from exc
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        verb = "Wrote" if created else "Already recorded in"
        self.stdout.write(
            f"{verb} {checkpoint.name}: event {checkpoint.sequence}, hash {checkpoint.hash}"
        )
