"""``manage.py audit_verify [--checkpoints DIR] [--public-key FILE]...``: check the audit ledger;
``manage.py audit_verify --pack FILE [--public-key FILE]...``: check an auditor pack offline, with
the standalone verifier's core (``tools/verify_pack.py``)."""

import os
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from registry.audit.checkpoints import load_public_key
from registry.audit.choices import AuditSource
from registry.audit.services import audit_context
from registry.audit.verify import add_jobs_argument, verify_ledger
from tools import verify_pack


class Command(BaseCommand):
    help = (
        "Walk the audit hash chain in constant memory and check every event, every checkpoint's "
        "signature, that the chain still matches every checkpoint and never got shorter. "
        "Prints 'OK <count> events, head <hash>', or the first bad sequence and why (exit 1). "
        "With --pack, verifies an auditor pack instead (nothing of the database is read)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints",
            metavar="DIR",
            default=None,
            help="Checkpoint directory (default: STEWARD_AUDIT_CHECKPOINT_DIR).",
        )
        parser.add_argument("--no-checkpoints", action="store_true", help="Check the chain alone.")
        parser.add_argument(
            "--public-key",
            metavar="FILE",
            action="append",
            default=None,
            help="Trust checkpoints signed by this key (PEM or base64); repeatable. Default: "
            "the configured signing key and STEWARD_AUDIT_TRUSTED_KEY_FILES.",
        )
        parser.add_argument("--chunk-size", type=int, default=5000, help="Events read per query.")
        add_jobs_argument(parser)
        parser.add_argument(
            "--pack",
            metavar="FILE",
            default=None,
            help="Verify this auditor pack (zip) offline, as verify_pack.py does: with the keys "
            "given by --public-key, or else the keys in the pack (the output says which).",
        )

    def handle(self, *args, checkpoints, no_checkpoints, public_key, chunk_size, jobs, **options):
        if options.get("pack"):
            return self._verify_pack(options["pack"], public_key or [])
        if chunk_size < 1 or jobs < 0:
            raise CommandError("--chunk-size must be at least 1 and --jobs at least 0.")
        directory = None if no_checkpoints else checkpoints or settings.STEWARD_AUDIT_CHECKPOINT_DIR
        try:
            keys = None
            if public_key:
                keys = [load_public_key(Path(path).read_bytes()) for path in public_key]
            with audit_context(source=AuditSource.COMMAND):
                result = verify_ledger(
                    checkpoint_dir=directory,
                    public_keys=keys,
                    chunk_size=chunk_size,
                    jobs=jobs or os.cpu_count() or 1,
                )
        except (ImproperlyConfigured, OSError) as exc:
            raise CommandError(str(exc)) from exc
        if not result.ok:
            for problem in result.problems[1:]:
                self.stderr.write(f"also: sequence {problem.sequence}: {problem.reason}")
            raise CommandError(result.summary())
        self.stdout.write(result.summary())
        if directory:
            self.stdout.write(f"{result.checkpoints_checked} checkpoints verified in {directory}")

    def _verify_pack(self, path: str, key_files: list[str]) -> None:
        try:
            keys = [Path(name).read_bytes() for name in key_files]
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        result = verify_pack.verify_pack(path, trusted_keys=keys)
        if not result.ok:
            raise CommandError(result.summary())
        self.stdout.write(result.summary())
