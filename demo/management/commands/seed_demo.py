"""``manage.py seed_demo [--force]``: load the demo organisation described in
``demo/organisation.yaml``: people, teams, datasets and lineage, AI systems with their models,
versions, deployments, incidents and spend, and the governance built on them (risk reviews,
some overdue; findings; deployment approvals in every state).

Idempotent, in one transaction, audited as a command (see ``demo.seeder``). Refuses to run in
production, where it would create users with a published password, unless ``--force``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo import document, seeder


class Command(BaseCommand):
    help = (
        "Load the Northbridge Bank demo organisation (people, teams, AI systems, models, "
        "versions, datasets, lineage, deployments, incidents, spend) and its governance (risk "
        "reviews, some overdue; findings; approval requests). Safe to run again: it only adds "
        "what is missing. Refuses to run in production unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load the demo even when STEWARD_ENV=production (it creates users with a "
            "published password).",
        )

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        try:
            organisation = document.load()
        except document.DocumentError as exc:
            raise CommandError(f"{document.DOCUMENT.name}: {exc}") from None
        if settings.PRODUCTION and not force:
            raise CommandError(
                "Refusing to load demo data in production: it creates users whose password is "
                f"published ({organisation.logins.password!r}). Use --force if you really mean it."
            )
        try:
            created = seeder.seed(organisation, now=timezone.now())
        except document.DocumentError as exc:
            raise CommandError(f"{document.DOCUMENT.name}: {exc}") from None
        if options["verbosity"] >= 1:
            self._report(organisation, created)

    def _report(self, organisation: document.Organisation, created: Counter[str]) -> None:
        if created:
            summary = ", ".join(f"{n} {kind}" for kind, n in created.items())
            self.stdout.write(self.style.SUCCESS(f"Demo data loaded: {summary}."))
        else:
            self.stdout.write("Demo data already loaded: nothing to do.")
        if created["overdue reviews"]:
            self.stdout.write(
                "The worker's first chase emails the overdue reviews' reminders and escalations "
                "to its console (`manage.py chase_overdue --dry-run` shows them now)."
            )
        rows = seeder.demo_logins(organisation)
        header = ("username", "name", "roles", "team")
        widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(f"Demo logins (password: {organisation.logins.password})")
        )
        for i, row in enumerate([header, *rows]):
            line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write("  " + line.rstrip())
            if i == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in widths))
