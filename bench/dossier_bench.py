"""Benchmark: the technical documentation of one system with 50 versions, 500 evidence items
and 10,000 audit events.

    .venv/bin/python bench/dossier_bench.py [--versions 50] [--evidence 500] [--events 10000]
                                            [--runs 10] [--quick]

Builds a throwaway SQLite database, a high-risk system with one model, then grows it in two
steps — a tenth of the sizes first, then the full ones — through the services (versions with
datasets, evidence files attached to versions and the system, system updates for the audit
trail, a completed review and an approval). At each size it renders the dossier page
(/systems/<slug>/dossier/) through Django's test Client as compliance ``--runs`` times and
reports p50/p95 and the query count (CaptureQueriesContext), then builds the PDF once with
WeasyPrint and reports its time and pages. Targets: the page p50 < 500 ms with the same query
count at both sizes; the PDF < 10 s. ``--quick`` (for CI) runs a tenth of the sizes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(db_path: str, files: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ["STEWARD_EVIDENCE_DIR"] = files
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)


class World:
    def __init__(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from registry.inventory import services
        from registry.people import services as people

        users = get_user_model().objects
        self.engineer = users.create_user("erin", "erin@example.com", "pw", first_name="Erin")
        self.engineer.groups.add(Group.objects.get(name="engineer"))
        self.compliance = users.create_user("cora", "cora@example.com", "pw")
        self.compliance.groups.add(Group.objects.get(name="compliance"))
        team = people.team_create(
            actor=None,
            name="Fraud ML",
            slug="fraud-ml",
            function="engineering",
            lead=self.engineer,
            members=[self.engineer],
        )
        self.system = services.system_create(
            actor=None,
            owning_team=team,
            name="Fraud scoring",
            purpose="Score transactions.",
            intended_use="Card authorisation.",
            risk_tier="high",
            technical_owner=self.engineer,
        )
        self.model = services.model_create(actor=None, system=self.system, name="fraud-xgb")
        self.train = services.dataset_create(
            actor=None, namespace="s3://lake", name="train", owner_team=team
        )
        self.holdout = services.dataset_create(
            actor=None, namespace="s3://lake", name="holdout", owner_team=team
        )
        self.versions: list = []
        self.evidence = 0
        self.events = 0

    def grow(self, versions: int, evidence: int, events: int) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.db import transaction

        from registry.audit import services as audit
        from registry.evidence import services as evidence_services
        from registry.inventory import services

        while len(self.versions) < versions:
            n = len(self.versions)
            self.versions.append(
                services.version_create(
                    actor=None,
                    model=self.model,
                    version=f"1.{n}.0",
                    artifact_sha256=f"{n:064x}",
                    metrics={"auc": 0.9, "recall": {"age<25": 0.8}},
                    datasets=[(self.train, "training"), (self.holdout, "evaluation")],
                )
            )
        kinds = ("validation_report", "test_results", "dpia", "monitoring_report", "policy")
        while self.evidence < evidence:
            i = self.evidence
            subject = self.versions[i % len(self.versions)]
            evidence_services.evidence_attach(
                actor=self.engineer,
                subject_type="model_version" if i % 5 else "system",
                subject_id=subject.pk if i % 5 else self.system.pk,
                title=f"Evidence {i}",
                kind=kinds[i % len(kinds)],
                file=SimpleUploadedFile(
                    f"e{i}.pdf", b"%PDF-1.4\n%" + str(i).encode() + b"\n%%EOF\n"
                ),
            )
            self.evidence += 1
        with transaction.atomic():
            while self.events < events:
                audit.record(
                    actor=self.engineer,
                    action="registry.system.updated",
                    obj=self.system,
                    changes={"business_unit": [str(self.events), str(self.events + 1)]},
                )
                self.events += 1


def measure_page(world: World, runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(world.compliance)
    url = f"/systems/{world.system.slug}/dossier/"
    assert client.get(url).status_code == 200  # warm
    times, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
        queries = len(ctx.captured_queries)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], queries


def measure_pdf(world: World) -> tuple[float, int, int]:
    from governance.documents import build

    start = time.perf_counter()
    pdf, _, _ = build.build("technical_documentation", world.system.pk, world.compliance)
    return time.perf_counter() - start, pdf.pages, len(pdf.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--versions", type=int, default=50)
    parser.add_argument("--evidence", type=int, default=500)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes (CI)")
    args = parser.parse_args()
    if args.quick:
        args.versions, args.evidence, args.events = (
            max(5, args.versions // 10),
            max(10, args.evidence // 10),
            max(100, args.events // 10),
        )
    with tempfile.TemporaryDirectory() as tmp:
        setup(str(Path(tmp) / "bench.sqlite3"), str(Path(tmp) / "evidence"))
        import logging

        logging.getLogger("weasyprint").setLevel(logging.WARNING)
        world = World()
        figures = []
        for share in (10, 1):
            sizes = (
                max(1, args.versions // share),
                max(1, args.evidence // share),
                args.events // share,
            )
            started = time.perf_counter()
            world.grow(*sizes)
            built = time.perf_counter() - started
            p50, p95, queries = measure_page(world, args.runs)
            seconds, pages, size = measure_pdf(world)
            figures.append(queries)
            print(
                f"{sizes[0]:>3} versions, {sizes[1]:>4} evidence, {world.events:>6} events "
                f"(built in {built:.1f} s): page p50 {p50:.0f} ms, p95 {p95:.0f} ms, "
                f"{queries} queries; PDF {seconds:.2f} s, {pages} pages, {size / 1024:.0f} KiB"
            )
        same = "the same" if len(set(figures)) == 1 else "DIFFERENT"
        print(f"query count at both sizes: {same} ({figures[0]} and {figures[1]})")


if __name__ == "__main__":
    main()
