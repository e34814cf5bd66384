"""Benchmark of the auditor pack (a script, not a test).

    .venv/bin/python bench/pack_bench.py                          # CI size: quick
    .venv/bin/python bench/pack_bench.py --events 10000 --files 500   # the issue's size

Builds, in a throwaway SQLite database, two systems of different sizes — a fifth of
``--events``/``--files``, then all of them — each with its events interleaved with as many
events of another system (so the chain segment a pack carries is twice its events), a signed
checkpoint half-way, and ``--files`` evidence files of ``--file-kb`` each attached through the
evidence service, and one of ``--big-mb`` (a quarter of it for the smaller system). For each
it reports:

* planning the pack (reading and verifying the chain segment, sealing) and streaming it,
  in seconds, and the pack's size;
* the peak memory while streaming — of Python's allocations (tracemalloc) and of the process
  (peak RSS, Linux) — which must not grow with the pack: entries go out as they are produced;
* verifying the pack with ``tools/verify_pack.py`` (in this process, and as ``python
  verify_pack.py`` in a fresh interpreter, start-up included). Target: under 5 s at 10,000
  events and 500 files.

The events are real ledger events (``audit.record_many``, as a chase run writes them); the
evidence is real evidence (``evidence_attach``: inspected, stored, its digest in the chain).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORK = Path(tempfile.mkdtemp(prefix="steward-pack-bench-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "0"  # Django would keep every query, which would dominate the timings
os.environ["CELERY_BROKER_URL"] = "memory://"
os.environ["STEWARD_VAR_DIR"] = str(WORK)

import django

django.setup()

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from registry.audit import services as audit
from registry.audit.verify import checkpoint_ledger
from registry.core.roles import Role
from registry.evidence import services as evidence_services
from registry.inventory import services
from registry.inventory.choices import Lifecycle, RiskTier
from registry.pack import builder
from registry.people import services as people_services
from registry.people.choices import TeamFunction
from tools import verify_pack

BATCH = 100  # events of one system between events of the other


def _pdf(size: int, n: int) -> bytes:
    body = f"%PDF-1.4\n% evidence {n}\n".encode()
    filler = (b"validation figures 0123456789 " * (size // 30 + 1))[: max(0, size - len(body) - 6)]
    return body + filler + b"\n%%EOF"


def populate(label: str, events: int, files: int, file_kb: int, big_mb: int, team, owner):
    """A system with ``events`` events of its own interleaved with as many of another, a
    checkpoint half-way, and ``files`` evidence files (plus one of ``big_mb``)."""
    system, other = (
        services.system_create(
            actor=None,
            owning_team=team,
            name=name,
            purpose="Benchmark.",
            risk_tier=RiskTier.HIGH,
            lifecycle=Lifecycle.PRODUCTION,
            technical_owner=owner,
        )
        for name in (f"Bench system {label}", f"Neighbour {label}")
    )
    uploads = [(f"report-{i}.pdf", file_kb * 1024) for i in range(files)]
    if big_mb:
        uploads.append(("large.pdf", big_mb * 1024 * 1024))
    for n, (name, size) in enumerate(uploads):
        evidence_services.evidence_attach(
            actor=owner,
            subject_type="system",
            subject_id=system.pk,
            title=name,
            kind="validation_report",
            file=SimpleUploadedFile(name, _pdf(size, n)),
        )
    written = files + 1 + int(bool(big_mb))
    n = 0
    checkpointed = False
    while written < events:
        todo = min(BATCH, events - written)
        with transaction.atomic():
            audit.record_many(
                actor=owner,
                action="bench.system.noted",
                entries=[audit.AuditEntry.of(system, {"n": n + j}) for j in range(todo)],
            )
            audit.record_many(
                actor=None,
                action="bench.system.noted",
                entries=[audit.AuditEntry.of(other, {"n": n + j}) for j in range(todo)],
            )
        written += todo
        n += todo
        if not checkpointed and written >= events // 2:
            checkpoint_ledger()
            checkpointed = True
    return system


def _peak_rss(reset: bool = False) -> int | None:
    """The process's peak resident set (bytes), on Linux; ``reset`` starts a new peak."""
    try:
        if reset:
            Path("/proc/self/clear_refs").write_text("5")
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def measure(system, auditor, out: Path) -> dict:
    started = time.perf_counter()
    pack = builder.plan_pack(system=system, user=auditor)
    planned = time.perf_counter()
    size = 0
    with out.open("wb") as handle:
        for chunk in builder.stream_pack(pack):
            handle.write(chunk)
            size += len(chunk)
    streamed = time.perf_counter()
    # Again, without writing it anywhere: the peak resident memory of the process while the
    # pack is produced (Linux: clear_refs resets the peak), then the peak of Python's own
    # allocations (tracemalloc, which slows it down).
    rss_peak = _peak_rss(reset=True)
    for _ in builder.stream_pack(pack):
        pass
    rss_peak = _peak_rss() if rss_peak is not None else None
    tracemalloc.start()
    for _ in builder.stream_pack(pack):
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    verify_started = time.perf_counter()
    result = verify_pack.verify_pack(out)
    verified = time.perf_counter()
    if not result.ok:
        raise SystemExit(result.summary())
    script = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "verify_pack.py"), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    script_seconds = time.perf_counter() - verified
    if script.returncode != 0:
        raise SystemExit(script.stderr)
    return {
        "events": result.events,
        "chain": result.chain_entries,
        "files": result.evidence_files,
        "bytes": size,
        "plan": planned - started,
        "stream": streamed - planned,
        "peak": peak,
        "rss": rss_peak,
        "verify": verified - verify_started,
        "script": script_seconds,
        "summary": script.stdout.splitlines()[0],
    }


def _mib(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 2**20:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="events of the larger system")
    parser.add_argument("--files", type=int, default=100, help="evidence files of the larger")
    parser.add_argument("--file-kb", type=int, default=64, help="size of each evidence file")
    parser.add_argument(
        "--big-mb", type=int, default=16, help="one larger file (a quarter of it, smaller system)"
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    User = get_user_model()
    owner = User.objects.create_user("owner", password="x")
    owner.groups.add(Group.objects.get(name=Role.ENGINEER))
    auditor = User.objects.create_user("auditor", password="x")
    auditor.groups.add(Group.objects.get(name=Role.AUDITOR))
    team = people_services.team_create(
        actor=None, name="Bench", function=TeamFunction.ENGINEERING, members=[owner]
    )
    sizes = [
        ("small", max(1, args.events // 5), max(1, args.files // 5), args.big_mb // 4),
        ("large", args.events, args.files, args.big_mb),
    ]
    print(f"Auditor pack benchmark (SQLite, {WORK})")
    header = (
        f"{'size':6} {'events':>7} {'chain':>7} {'files':>6} {'pack MB':>8} {'plan s':>7} "
        f"{'stream s':>8} {'py peak MiB':>11} {'RSS MiB':>8} {'verify s':>9} {'script s':>9}"
    )
    print(header)
    rows = []
    for label, events, files, big in sizes:
        started = time.perf_counter()
        system = populate(label, events, files, args.file_kb, big, team, owner)
        setup = time.perf_counter() - started
        row = measure(system, auditor, WORK / f"pack-{label}.zip")
        rows.append(row)
        print(
            f"{label:6} {row['events']:7d} {row['chain']:7d} {row['files']:6d} "
            f"{row['bytes'] / 1e6:8.1f} {row['plan']:7.2f} {row['stream']:8.2f} "
            f"{row['peak'] / 2**20:11.2f} {_mib(row['rss']):>8} {row['verify']:9.2f} "
            f"{row['script']:9.2f}"
            f"   (setup {setup:.1f} s)"
        )
    print(f"verify_pack.py: {rows[-1]['summary']}")
    small, large = rows
    growth = large["peak"] / small["peak"] if small["peak"] else float("inf")
    print(
        f"peak memory while streaming: {small['peak'] / 2**20:.2f} MiB for a "
        f"{small['bytes'] / 1e6:.1f} MB pack, {large['peak'] / 2**20:.2f} MiB for a "
        f"{large['bytes'] / 1e6:.1f} MB one ({growth:.2f}x for "
        f"{large['bytes'] / max(1, small['bytes']):.0f}x the bytes)"
    )
    target = "met" if large["verify"] < 5 else "MISSED"
    print(f"target: verify under 5 s -> {large['verify']:.2f} s in process ({target})")


if __name__ == "__main__":
    main()
