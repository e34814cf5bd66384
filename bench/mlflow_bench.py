"""Benchmark: registering and reading model versions through Steward's MLflow API and through a
real MLflow tracking server, with the same client code on the same machine, at the same
concurrency, in one run (a script, not a test). The client is ``MlflowClient`` (``--client
mlflow``, what an engineer's script runs) or the same REST calls from a lean HTTP client
(``--client http``, which leaves the CPU to the servers; see ``RestClient``).

What runs:

* **Steward** as README runs it in production: granian's WSGI server (``--workers`` processes
  of ``--threads`` Python threads, by default 2 x 2: one process per core; more threads only
  added switching here, and gunicorn's gthread workers spent ~25 % more CPU per read) on
  PostgreSQL (``--database-url``; the database is dropped and recreated), authenticated with a
  real API token (Bearer), every write checked against the registry's permissions and recorded
  in the audit ledger;
* **MLflow** ``mlflow server`` with a SQLite backend store in a temporary folder, its default
  server and worker count (uvicorn, 4 workers), started from ``--mlflow`` (an ``mlflow``
  executable of the full package; ``mlflow-skinny`` has no server). Install it in a venv of its
  own, so the project's venv stays small::

      python3 -m venv var/bench-mlflow && var/bench-mlflow/bin/pip install mlflow==3.17.2

For each server: 8 registered models, then ``--writes`` ``create_model_version`` calls spread
over them from ``--concurrency`` threads, then ``--reads`` ``get_model_version`` calls of random
versions. Each phase starts after ``--warmup`` untimed calls. Throughput is calls / wall time of
the phase; latencies are per call as the client sees them. The CPU time per call of the server
(all its processes, from /proc), of PostgreSQL (all its processes) and of the client (this
process) is recorded too: on a machine shared with other work it is steadier than throughput,
and where client, server and database share the cores, every process's share bounds the ratio.
Both servers are started on 127.0.0.1 ports and stopped at the end; request counts are bounded.
The whole is repeated ``--rounds`` times, the two servers in alternating order, and the median
of each figure reported (of p99, the worst round's), since one run of either server can be
thrown off by other work on the machine.

Usage (from the repository root)::

    .venv/bin/python bench/mlflow_bench.py --mlflow var/bench-mlflow/bin/mlflow
    .venv/bin/python bench/mlflow_bench.py --mlflow var/bench-mlflow/bin/mlflow --client http
    .venv/bin/python bench/mlflow_bench.py --only steward --workers 2 --threads 4  # one server

Results are printed and written to ``var/bench/mlflow_bench.json`` (``mlflow_bench_<server>.json``
with ``--only``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import operator
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODELS = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up within {timeout:.0f} s")


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of the live processes of a process group, from /proc: what a
    server's master and workers have spent so far. Linux only; 0.0 elsewhere."""
    return _cpu_seconds(lambda comm, fields: int(fields[2]) == pgid)


def postgres_cpu_seconds() -> float:
    """CPU time of every PostgreSQL process of the machine (its backends serve Steward's
    statements; MLflow's SQLite store runs inside MLflow's own processes)."""
    return _cpu_seconds(lambda comm, fields: comm == "postgres")


def _cpu_seconds(match: Callable[[str, list[str]], bool]) -> float:
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = entry.read_text().rsplit(")", 1)
        except OSError:
            continue  # gone meanwhile
        fields = tail.split()  # after "(comm)": state, ppid, pgrp, …
        if match(head.split("(", 1)[1], fields):
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


@contextlib.contextmanager
def server(cmd: list[str], env: dict[str, str], health: str, log: Path) -> Iterator[int]:
    """Start a server in its own process group (yielded, for its CPU time); stop the whole
    group on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT
        )
        try:
            wait_until_up(health)
            yield proc.pid
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# --- Steward's side: a fresh database, a user, a team, a system, a token ---------------------


def prepare_steward(database_url: str) -> tuple[str, str]:
    """Recreate the database, migrate it, and create an engineer with a token. Returns the
    username and the token secret."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(database_url)
    name = config["NAME"]
    host = config["HOST"] or config.get("OPTIONS", {}).get("host")
    admin = {"host": host, "port": config["PORT"] or None, "dbname": "postgres"}
    admin.update(user=config["USER"] or None, password=config["PASSWORD"] or None)
    with psycopg.connect(**{k: v for k, v in admin.items() if v}, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    script = """
from django.contrib.auth.models import Group, User
from registry.core.roles import Role
from registry.inventory import services
from registry.inventory.choices import RiskTier
from registry.people import services as people_services
from registry.people.choices import TeamFunction
user = User.objects.create_user("bench", password="unused-bench-password")
user.groups.add(Group.objects.get(name=Role.ENGINEER))
team = people_services.team_create(actor=None, name="Bench", slug="bench",
    function=TeamFunction.ENGINEERING, lead=user, members=[user])
services.system_create(actor=None, owning_team=team, name="Bench system", slug="bench-system",
    purpose="Benchmark.", risk_tier=RiskTier.MINIMAL, technical_owner=user)
token, secret = people_services.token_create(actor=None, user=user, name="bench")
print(secret)
"""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return "bench", out.stdout.strip().splitlines()[-1]


# --- The load --------------------------------------------------------------------------------


def run_phase(
    n: int, concurrency: int, call: Callable[[int], None], server_pgid: int | None = None
) -> dict[str, float]:
    """``n`` calls of ``call(i)`` from ``concurrency`` threads; throughput, latencies, and the
    CPU time per call of the client (this process) and of the server (its process group). On a
    machine shared with other work, CPU per call is steadier than throughput."""
    latencies: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    counter = iter(range(n))

    def worker() -> None:
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            start = time.perf_counter()
            try:
                call(i)
            except Exception as exc:  # reported below; the run fails if any call failed
                with lock:
                    errors.append(exc)
                continue
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    server_cpu = group_cpu_seconds(server_pgid) if server_pgid else 0.0
    db_cpu = postgres_cpu_seconds()
    client_cpu = time.process_time()
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    client_cpu = time.process_time() - client_cpu
    server_cpu = (group_cpu_seconds(server_pgid) - server_cpu) if server_pgid else 0.0
    db_cpu = postgres_cpu_seconds() - db_cpu
    if errors:
        raise RuntimeError(f"{len(errors)} of {n} calls failed; first: {errors[0]!r}")
    latencies.sort()
    return {
        "calls": n,
        "seconds": round(wall, 3),
        "per_second": round(n / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
        "server_cpu_ms_per_call": round(server_cpu * 1000 / n, 2),
        "client_cpu_ms_per_call": round(client_cpu * 1000 / n, 2),
        "postgres_cpu_ms_per_call": round(db_cpu * 1000 / n, 2),
    }


class RestClient:
    """The REST calls ``MlflowClient`` makes for these three operations — the same paths, JSON
    bodies, query parameters and Bearer token — sent over one keep-alive HTTP/1.1 connection per
    thread, without ``MlflowClient``'s protobuf, retry and session layers.

    ``MlflowClient`` spends 2 to 8 ms of CPU per call in this process; on a machine whose cores
    the client shares with the server, that caps how many calls per second any server can be
    shown to serve. This client writes each request in one piece on a plain socket and reads the
    response by its Content-Length (or chunks), about 0.1 ms of CPU per call — ``http.client``,
    which parses headers with the email package, spent 0.25 ms — so the figures measure the
    servers (``--client http``); ``--client mlflow`` measures what an engineer's script sees."""

    def __init__(self, url: str, token: str | None) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        headers = {
            "Host": f"{self.host}:{self.port}",
            "Content-Type": "application/json",
            "User-Agent": "steward-bench",
        }
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self.head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.local = threading.local()

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        local = self.local
        # Servers close a keep-alive connection left idle for a few seconds:
        # open a fresh one rather than retry a write that may have been received.
        if getattr(local, "sock", None) is None or time.monotonic() - local.used > 1.0:
            if getattr(local, "sock", None) is not None:
                local.sock.close()
            local.sock = socket.create_connection((self.host, self.port), timeout=60)
            local.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            local.buffer = b""
        data = json.dumps(body).encode() if body is not None else b""
        head = f"{method} /api/2.0/mlflow/{path} HTTP/1.1\r\n{self.head}"
        if body is not None:
            head += f"Content-Length: {len(data)}\r\n"
        local.sock.sendall(head.encode("latin-1") + b"\r\n" + data)
        status, payload = self._response(local)
        local.used = time.monotonic()
        if status != 200:
            raise RuntimeError(f"{method} {path}: {status} {payload[:300]!r}")
        return json.loads(payload)

    def _response(self, local: threading.local) -> tuple[int, bytes]:
        """Read one HTTP/1.1 response: its status and body (by Content-Length, or chunked)."""
        buf = local.buffer
        while b"\r\n\r\n" not in buf:
            buf += self._recv(local)
        head, buf = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        if "content-length" in headers:
            length = int(headers["content-length"])
            while len(buf) < length:
                buf += self._recv(local)
            body, local.buffer = buf[:length], buf[length:]
            return status, body
        if headers.get("transfer-encoding", "").lower() != "chunked":
            raise RuntimeError(f"no Content-Length and not chunked: {headers}")
        body = b""
        while True:
            while b"\r\n" not in buf:
                buf += self._recv(local)
            size_line, buf = buf.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(buf) < size + 2:
                buf += self._recv(local)
            body += buf[:size]
            buf = buf[size + 2 :]
            if size == 0:
                local.buffer = buf  # (no trailers are sent by either server)
                return status, body

    @staticmethod
    def _recv(local: threading.local) -> bytes:
        chunk = local.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        return chunk

    def create_registered_model(self, name: str, tags: dict[str, str]) -> None:
        body: dict = {"name": name}
        if tags:
            body["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
        self._call("POST", "registered-models/create", body)

    def create_model_version(self, name: str, source: str, run_id: str) -> str:
        body = {"name": name, "source": source, "run_id": run_id}
        return self._call("POST", "model-versions/create", body)["model_version"]["version"]

    def get_model_version(self, name: str, version: str) -> dict:
        query = urllib.parse.urlencode({"name": name, "version": version})
        return self._call("GET", f"model-versions/get?{query}")["model_version"]

    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None:
        body = {"name": name, "alias": alias, "version": version}
        self._call("POST", "registered-models/alias", body)

    def get_model_version_by_alias(self, name: str, alias: str) -> dict:
        query = urllib.parse.urlencode({"name": name, "alias": alias})
        return self._call("GET", f"registered-models/alias?{query}")["model_version"]

    def search_model_versions(self, filter_string: str) -> list[dict]:
        # MlflowClient's default page size: 10,000 (every version of a bench model).
        query = urllib.parse.urlencode({"filter": filter_string, "max_results": 10_000})
        return self._call("GET", f"model-versions/search?{query}")["model_versions"]

    def get_registered_model(self, name: str) -> dict:
        query = urllib.parse.urlencode({"name": name})
        return self._call("GET", f"registered-models/get?{query}")["registered_model"]

    def get_latest_versions(self, name: str) -> list[dict]:
        body = {"name": name}
        return self._call("POST", "registered-models/get-latest-versions", body)["model_versions"]


# The other reads registry clients make, measured with ``--op-calls`` calls each after the
# version read: what loading ``models:/<name>@<alias>`` resolves, a search of one model's
# versions (a bench model has about 130), the registered model with its latest versions, and
# the latest versions per stage.
OTHER_READS: dict[str, Callable[[Any, str], Any]] = {
    "get_model_version_by_alias": lambda c, name: c.get_model_version_by_alias(name, "candidate"),
    "search_model_versions": lambda c, name: c.search_model_versions(f"name='{name}'"),
    "get_registered_model": lambda c, name: c.get_registered_model(name),
    "get_latest_versions": lambda c, name: c.get_latest_versions(name),
}


def summarise(runs: list[dict[str, dict]]) -> dict[str, Any]:
    """One server's rounds in one figure per measure: the median, except p99 (the worst)."""
    out: dict[str, Any] = {}
    for phase in runs[0]:
        if not isinstance(runs[0][phase], dict):
            continue  # the version, the user
        figures = [run[phase] for run in runs]
        out[phase] = {
            key: (max if key == "p99_ms" else statistics.median)(f[key] for f in figures)
            for key in figures[0]
        }
    return out


def exercise(
    url: str, args: argparse.Namespace, system_tag: str | None, pgid: int
) -> dict[str, dict]:
    """The same client code against either server."""
    if args.client == "http":
        client = RestClient(url, os.environ.get("MLFLOW_TRACKING_TOKEN"))
        version_of: Callable[[Any], str] = str
    else:
        from mlflow import MlflowClient

        client = MlflowClient(tracking_uri=url, registry_uri=url)
        version_of = operator.attrgetter("version")
    names = [f"bench-model-{i}" for i in range(MODELS)]
    for name in names:
        tags = {"steward.system": system_tag} if system_tag else {}
        client.create_registered_model(name, tags=tags)
    created: list[tuple[str, str]] = []
    created_lock = threading.Lock()

    def write(i: int) -> None:
        name = names[i % MODELS]
        mv = client.create_model_version(name, f"s3://bench/{name}/{i}", run_id=f"run{i}")
        with created_lock:
            created.append((name, version_of(mv)))

    def read(i: int) -> None:
        name, version = created[random.Random(i).randrange(len(created))]
        client.get_model_version(name, version)

    run_phase(args.warmup, args.concurrency, write)
    writes = run_phase(args.writes, args.concurrency, write, pgid)
    run_phase(args.warmup, args.concurrency, read)
    reads = run_phase(args.reads, args.concurrency, read, pgid)
    result: dict[str, dict] = {"write": writes, "read": reads}
    for name in names:  # not a production alias: no approval needed on Steward
        client.set_registered_model_alias(name, "candidate", "3")
    for label, op in OTHER_READS.items():

        def other(i: int, op: Callable[[Any, str], Any] = op) -> None:
            op(client, names[i % MODELS])

        run_phase(args.warmup // 5, args.concurrency, other)
        result[label] = run_phase(args.op_calls, args.concurrency, other, pgid)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mlflow", default=os.environ.get("MLFLOW_BENCH_MLFLOW", "mlflow"))
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward_mlflow_bench"
        ),
    )
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--reads", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument(
        "--op-calls", type=int, default=400, help="calls of each of the other reads"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="runs of each server, in alternating order; the medians are reported",
    )
    parser.add_argument("--workers", type=int, default=2, help="granian workers for Steward")
    parser.add_argument("--threads", type=int, default=2, help="Python threads per granian worker")
    parser.add_argument(
        "--client",
        choices=("mlflow", "http"),
        default="mlflow",
        help="mlflow: MlflowClient, as engineers call it; http: the same REST calls from a "
        "lean keep-alive HTTP client, so that the client's own CPU time does not cap the "
        "figures (see RestClient)",
    )
    parser.add_argument(
        "--only",
        choices=("steward", "mlflow"),
        help="run one server (to compare configurations; no ratio is computed)",
    )
    args = parser.parse_args()

    out_dir = ROOT / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_URI"):
        os.environ.pop(name, None)
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "0"
    results: dict[str, Any] = {"rounds": []}
    load_before = os.getloadavg()
    for number in range(args.rounds):
        # Alternate which server goes first, so that neither always inherits the other's
        # after-effects (PostgreSQL's autovacuum after Steward's writes, a warm page cache).
        order = ("steward", "mlflow") if number % 2 == 0 else ("mlflow", "steward")
        one: dict[str, dict] = {}
        for label in order:
            if args.only in (None, label):
                one[label] = (
                    run_steward(args, out_dir) if label == "steward" else run_mlflow(args, out_dir)
                )
        results["rounds"].append(one)
    for label in ("steward", "mlflow"):
        if args.only in (None, label):
            results[label] = summarise([one[label] for one in results["rounds"]])
    if "steward" in results and "mlflow" in results:
        s, m = results["steward"], results["mlflow"]
        results["ratio"] = {
            phase: round(s[phase]["per_second"] / m[phase]["per_second"], 1)
            for phase in ("write", "read", *OTHER_READS)
        }
        # A median can hide one round that fell short; each round's own ratio shows it (to two
        # decimals, so that 4.96 does not print as the 5.0 of a target).
        results["ratio_by_round"] = {
            phase: [
                round(one["steward"][phase]["per_second"] / one["mlflow"][phase]["per_second"], 2)
                for one in results["rounds"]
            ]
            for phase in ("write", "read")
        }
    results["setup"] = {
        "client": args.client,
        "rounds": args.rounds,
        "concurrency": args.concurrency,
        "steward_server": f"granian, {args.workers} workers x {args.threads} threads",
        "writes": args.writes,
        "reads": args.reads,
        "cpus": os.cpu_count(),
        # Other work on the machine skews both servers; the load average says how much.
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    print()
    head = ("writes/s", "p50 ms", "p99 ms", "cpu ms", "reads/s", "p50 ms", "p99 ms", "cpu ms")
    print(f"{'':10}" + "".join(f"{h:>10}" for h in head))
    for label in ("steward", "mlflow"):
        if label not in results:
            continue
        row = []
        for phase in ("write", "read"):
            r = results[label][phase]
            cpu = r["server_cpu_ms_per_call"]
            if label == "steward":  # its database works in processes of its own
                cpu = round(cpu + r["postgres_cpu_ms_per_call"], 2)
            row += [r["per_second"], r["p50_ms"], r["p99_ms"], cpu]
        print(f"{label:10}" + "".join(f"{v:>10}" for v in row))
    print(
        f"(median of {args.rounds} rounds, p99 the worst round's; cpu ms: the server's CPU time "
        "per call, all its processes, and PostgreSQL's for Steward)"
    )
    if "ratio" in results:
        print(f"ratio     writes {results['ratio']['write']}x   reads {results['ratio']['read']}x")
        by_round = results["ratio_by_round"]
        print(
            "by round  writes "
            + ", ".join(f"{x}x" for x in by_round["write"])
            + "   reads "
            + ", ".join(f"{x}x" for x in by_round["read"])
        )
    print()
    servers = [x for x in ("steward", "mlflow") if x in results]
    ratio_head = "     ratio" if "ratio" in results else ""
    head = "".join(f"{x:>18}" for x in servers)
    print(f"{'other reads: calls/s (p99 ms)':34}{head}{ratio_head}")
    for op in OTHER_READS:
        cells = [f"{results[x][op]['per_second']} ({results[x][op]['p99_ms']})" for x in servers]
        ratio = f"{results['ratio'][op]:>9}x" if "ratio" in results else ""
        print(f"{op:34}" + "".join(f"{c:>18}" for c in cells) + ratio)
    print(
        f"load average before {results['setup']['loadavg_before']}, after "
        f"{results['setup']['loadavg_after']} on {os.cpu_count()} CPUs"
    )
    name = "mlflow_bench" + (f"_{args.only}" if args.only else "")
    name += "" if args.client == "mlflow" else f"_{args.client}"
    name += ".json"
    (out_dir / name).write_text(json.dumps(results, indent=2))


def run_steward(args: argparse.Namespace, out_dir: Path) -> dict[str, dict]:
    username, secret = prepare_steward(args.database_url)
    port = free_port()
    steward_env = {
        **os.environ,
        "DATABASE_URL": args.database_url,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
    }
    steward_cmd = [
        str(Path(sys.executable).parent / "granian"),
        "--interface",
        "wsgi",
        "config.wsgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(args.workers),
        "--blocking-threads",
        str(args.threads),
        "--no-ws",
        "--log-level",
        "warning",
    ]
    steward_url = f"http://127.0.0.1:{port}"
    print(
        f"Steward: granian, {args.workers} workers x {args.threads} threads, on {steward_url}, "
        f"{args.database_url}",
        flush=True,
    )
    with server(
        steward_cmd, steward_env, f"{steward_url}/api/2.0/mlflow/x", out_dir / "s.log"
    ) as pgid:
        os.environ["MLFLOW_TRACKING_TOKEN"] = secret
        try:
            result = exercise(steward_url, args, system_tag="bench-system", pgid=pgid)
        finally:
            os.environ.pop("MLFLOW_TRACKING_TOKEN")
    print(f"Steward: {result}", flush=True)
    result["user"] = username
    return result


def run_mlflow(args: argparse.Namespace, out_dir: Path) -> dict[str, dict]:
    with tempfile.TemporaryDirectory(prefix="mlflow-bench-") as tmp:
        port = free_port()
        mlflow_cmd = [
            args.mlflow,
            "server",
            "--backend-store-uri",
            f"sqlite:///{tmp}/mlflow.db",
            "--default-artifact-root",
            f"{tmp}/artifacts",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        mlflow_url = f"http://127.0.0.1:{port}"
        version = subprocess.run(
            [args.mlflow, "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
        print(f"MLflow: {version} on {mlflow_url}, SQLite store", flush=True)
        mlflow_env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_TRACKING")}
        with server(mlflow_cmd, mlflow_env, f"{mlflow_url}/health", out_dir / "m.log") as pgid:
            result = exercise(mlflow_url, args, system_tag=None, pgid=pgid)
            print(f"MLflow: {result}", flush=True)
    result["version"] = version
    return result


if __name__ == "__main__":
    main()
