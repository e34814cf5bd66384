"""What one MLflow API request costs Steward, in process: CPU time and queries of a
``create_model_version`` and a ``get_model_version``, through Django's WSGI handler (as the
server calls it: every middleware, a real Bearer token, DEBUG off), with no HTTP server or client.

On a machine shared with other work, CPU time per request is a steadier measure than throughput;
this is what to run after changing the MLflow endpoints (a script, not a test)::

    .venv/bin/python bench/mlflow_request_cost.py
    .venv/bin/python bench/mlflow_request_cost.py --database-url postgres://…/other --n 500

The database (``--database-url``, PostgreSQL) is dropped, recreated and migrated, with the same
engineer, team, system and token as ``bench/mlflow_bench.py``. Medians are over the last 80 % of
``--n`` calls of each.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

M = "/api/2.0/mlflow"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/steward_mlflow_cost"
        ),
    )
    parser.add_argument("--n", type=int, default=300, help="calls of each endpoint")
    args = parser.parse_args()

    from mlflow_bench import prepare_steward

    _, secret = prepare_steward(args.database_url)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=args.database_url,
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        LOG_LEVEL="WARNING",
    )
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    app = WSGIHandler()

    def call(method: str, path: str, query: str = "", body: dict | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_AUTHORIZATION": f"Bearer {secret}",
            "HTTP_USER_AGENT": "mlflow-python-client",
            "HTTP_ACCEPT": "*/*",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
        }
        status: list[str] = []
        out = app(environ, lambda s, h, e=None: status.append(s))
        body_out = b"".join(out)
        out.close()
        if not status[0].startswith("200"):
            raise RuntimeError(f"{method} {path}: {status[0]} {body_out[:300]!r}")

    name = "cost-model"
    call(
        "POST",
        f"{M}/registered-models/create",
        body={"name": name, "tags": [{"key": "steward.system", "value": "bench-system"}]},
    )

    def measure(label: str, fn: Callable[[int], None]) -> None:
        cpu: list[float] = []
        statements = [0]

        def count(execute, sql, params, many, context):
            statements[0] += 1
            return execute(sql, params, many, context)

        for i in range(args.n):
            # Counted by an execute wrapper: the handler's request_started signal empties
            # connection.queries, so capturing them would count nothing.
            statements[0] = 0
            with connection.execute_wrapper(count):
                started = time.process_time()
                fn(i)
                cpu.append(time.process_time() - started)
        queries = statements[0]
        kept = cpu[args.n // 5 :]
        print(
            f"{label:<22} CPU median {statistics.median(kept) * 1000:6.2f} ms, "
            f"mean {statistics.mean(kept) * 1000:6.2f} ms, {queries} statements "
            "(SAVEPOINT and RELEASE included)"
        )

    def write(i: int) -> None:
        call(
            "POST",
            f"{M}/model-versions/create",
            body={"name": name, "source": f"s3://bench/{i}", "run_id": f"run{i}"},
        )

    def read(i: int) -> None:
        call("GET", f"{M}/model-versions/get", f"name={name}&version={i % args.n + 1}")

    measure("create_model_version", write)
    measure("get_model_version", read)
    print(f"load average {[round(x, 2) for x in os.getloadavg()]} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
