"""Benchmark: the accountability map with 2,000 systems.

    .venv/bin/python bench/map_bench.py [--systems 2000] [--runs 20]

Builds a throwaway SQLite database (or uses DATABASE_URL if set to something else you own),
bulk-creates 2,000 systems with owners (some inactive), executives, teams, two model versions
each, staging and production deployments, approvals (valid, expired, invalidated, none),
risk reviews (some overdue), incidents (some serious with a running reporting clock), twelve
months of costs and training datasets; then renders /map/ (table), /map/?view=graph (over its
300-system limit, where it asks for a filter, and drawn for one executive's ~165 systems), the
CSV and the JSON API through Django's test Client as an executive. Reports p50/p95 render time,
the query count of each (CaptureQueriesContext) and peak Python memory (tracemalloc).
Target: the table under one second, and the same query count at any number of systems.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(db_path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)


def populate(n: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from governance.approvals.choices import ApprovalStatus
    from governance.approvals.models import ApprovalRequest, DeploymentApproval
    from governance.reviews.models import RiskReview
    from registry.core.roles import Role
    from registry.inventory.choices import Lifecycle, RiskTier
    from registry.inventory.models import (
        AIModel,
        AISystem,
        CostRecord,
        Dataset,
        Deployment,
        Incident,
        ModelVersion,
        ModelVersionDataset,
    )
    from registry.people.models import Team

    User = get_user_model()
    now = timezone.now()
    month = timezone.localdate().replace(day=1)
    User.objects.create_user("exec", password="bench-pw").groups.add(
        Group.objects.get(name=Role.EXECUTIVE)
    )
    execs = User.objects.bulk_create(
        [User(username=f"x{i}", first_name="Exec", last_name=f"{i:02d}") for i in range(12)]
    )
    owners = User.objects.bulk_create(
        [User(username=f"o{i}", is_active=i % 25 != 0) for i in range(300)]
    )
    groups = Group.objects.bulk_create([Group(name=f"team:t{i}") for i in range(60)])
    teams = Team.objects.bulk_create(
        [
            Team(name=f"Team {i:02d}", slug=f"t{i}", function="engineering", group=g)
            for i, g in enumerate(groups)
        ]
    )
    tiers = [RiskTier.MINIMAL, RiskTier.LIMITED, RiskTier.HIGH]
    systems = AISystem.objects.bulk_create(
        [
            AISystem(
                name=f"System {i:04d}",
                slug=f"system-{i:04d}",
                purpose="Benchmark.",
                risk_tier=tiers[i % 3],
                lifecycle=Lifecycle.PRODUCTION if i % 2 else Lifecycle.VALIDATION,
                owning_team=teams[i % len(teams)],
                technical_owner=None if i % 40 == 0 else owners[i % len(owners)],
                accountable_executive=None if i % 97 == 0 else execs[i % len(execs)],
                cost_centre="" if i % 30 == 0 else f"CC-{i % 50}",
                monthly_budget=Decimal(1000 + (i % 7) * 500),
            )
            for i in range(n)
        ]
    )
    models = AIModel.objects.bulk_create(
        [AIModel(system=s, name=f"model-{s.slug}") for s in systems]
    )
    versions = ModelVersion.objects.bulk_create(
        [
            ModelVersion(model=m, version=v, artifact_sha256=f"{i * 2 + k:064x}")
            for i, m in enumerate(models)
            for k, v in enumerate(("1", "2"))
        ]
    )
    datasets = Dataset.objects.bulk_create(
        [Dataset(namespace="s3://lake", name=f"ds/{i}") for i in range(200)]
    )
    ModelVersionDataset.objects.bulk_create(
        [
            ModelVersionDataset(model_version=v, dataset=datasets[(i + k) % 200], role="training")
            for i, v in enumerate(versions)
            for k in range(2)
        ]
    )
    deployments = Deployment.objects.bulk_create(
        [
            Deployment(model_version=v, environment=env, deployed_at=now)
            for v in versions[1::2]
            for env in ("staging", "production")
        ]
    )
    prod = [d for d in deployments if d.environment == "production"]
    statuses = [
        ApprovalStatus.APPROVED,
        ApprovalStatus.APPROVED,
        ApprovalStatus.EXPIRED,
        ApprovalStatus.INVALIDATED,
    ]
    requester = owners[1]
    approvals = ApprovalRequest.objects.bulk_create(
        [
            ApprovalRequest(
                model_version=d.model_version,
                environment="production",
                requested_by=requester,
                justification="Benchmark.",
                status=statuses[i % 4],
                risk_tier="minimal",
                required_functions=["security"],
                due_at=now,
                first_deployed_at=now,
            )
            for i, d in enumerate(prod)
            if i % 5 != 4
        ]
    )
    by_version = {a.model_version_id: a for a in approvals}
    DeploymentApproval.objects.bulk_create(
        [
            DeploymentApproval(deployment=d, approval=by_version[d.model_version_id])
            for d in prod
            if d.model_version_id in by_version
        ]
    )
    RiskReview.objects.bulk_create(
        [
            RiskReview(
                system=s, function=f, due_at=now + dt.timedelta(days=(-3 if i % 9 == 0 else 30))
            )
            for i, s in enumerate(systems)
            for f in ("security", "compliance")
        ]
    )
    Incident.objects.bulk_create(
        [
            Incident(
                system=s,
                title="Benchmark incident",
                severity="medium",
                opened_at=now,
                is_serious=i % 4 == 0,
                report_due_at=now + dt.timedelta(days=5) if i % 4 == 0 else None,
            )
            for i, s in enumerate(systems[::3])
        ]
    )
    periods = []
    year, mon = month.year, month.month
    for _ in range(12):
        periods.append(dt.date(year, mon, 1))
        year, mon = (year, mon - 1) if mon > 1 else (year - 1, 12)
    CostRecord.objects.bulk_create(
        [
            CostRecord(
                system=s,
                period=p,
                amount=Decimal(800 + (i * 37 + j * 11) % 2500),
                currency="EUR",
                source="cloud_bill",
            )
            for i, s in enumerate(systems)
            for j, p in enumerate(periods)
        ],
        batch_size=2000,
    )


def measure(client, url: str, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches (templates, role lookups)
    times, cpu, queries, size = [], [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        assert response.status_code == 200, (url, response.status_code)
        queries, size = len(ctx.captured_queries), len(body)
    tracemalloc.start()
    response = client.get(url)
    _ = b"".join(response.streaming_content) if response.streaming else response.content
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    times.sort()
    return {
        "p50": statistics.median(times),
        "cpu50": statistics.median(cpu),
        "p95": times[max(0, round(0.95 * len(times)) - 1)],
        "queries": queries,
        "bytes": size,
        "peak_mb": peak / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--systems", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup(str(Path(tmp) / "map_bench.sqlite3"))
        from django.db import connection
        from django.test import Client

        from registry.inventory.models import AISystem

        start = time.perf_counter()
        populate(args.systems)
        print(f"populated {args.systems} systems in {time.perf_counter() - start:.1f} s")
        client = Client()
        assert client.login(username="exec", password="bench-pw")
        print(f"database: {connection.vendor}; runs per page: {args.runs}")
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(
            f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'queries':>8} {'KB':>7} "
            f"{'peak MB':>8}"
        )
        # One executive's systems (about 165 of 2,000): a graph small enough to be drawn.
        first_executive = (
            AISystem.objects.filter(accountable_executive__isnull=False)
            .order_by("accountable_executive_id")
            .values_list("accountable_executive_id", flat=True)
            .first()
        )
        for url in (
            "/map/",
            "/map/?gaps=1",
            "/map/?view=graph",
            "/map/?view=graph&tier=high&gaps=1",
            f"/map/?view=graph&executive={first_executive}",
            "/map/export.csv",
            "/api/v1/accountability-map/",
        ):
            r = measure(client, url, args.runs)
            print(
                f"{url:34} {r['p50'] * 1000:8.0f} {r['p95'] * 1000:8.0f} "
                f"{r['cpu50'] * 1000:8.0f} {r['queries']:8d} "
                f"{r['bytes'] / 1024:7.0f} {r['peak_mb']:8.1f}"
            )
        print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
