"""Benchmark of evidence uploads (a script, not a test): memory must not grow with the file.

Uploads a generated PDF of ``--size`` megabytes (default 20; the issue's figure is 200) through
``POST /api/v1/evidence/`` — the real request path: Django's WSGI handler, token authentication,
the multipart parser, ``EvidenceUploadHandler`` (digest, sniffing, spooling to disk), the service,
storage and the audit event — and reports throughput and memory, for a file a tenth of the size
and for the whole, so that "flat in the file's size" is visible:

* the peak of Python allocations during the request (tracemalloc), and
* the growth of the process's resident high-water mark (``ru_maxrss``) over the request.

The body is never held whole anywhere: it is generated block by block as the server reads it
(a WSGI input stream), and the upload handler hashes and spools each chunk as it comes. In the
default mode the request runs in this process against a fresh SQLite database, so the server's
memory is this process's. With ``--url`` it goes over HTTP to a running server (``make run``)
with ``--token``, streamed from here; then watch the server's memory yourself, e.g. with
``grep VmHWM /proc/<pid>/status`` before and after.

Usage (from the repository root)::

    .venv/bin/python bench/evidence_bench.py                 # 2 MB and 20 MB, in process
    .venv/bin/python bench/evidence_bench.py --size 200      # the issue's 200 MB
    .venv/bin/python bench/evidence_bench.py --size 200 --url http://127.0.0.1:8000 \\
        --token TOKEN --version-id 1
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1000 * 1000
BLOCK = 1024 * 1024
BOUNDARY = "steward-bench-boundary"


# The same pseudo-random block every run, so the expected digest can be computed apart.
_BLOCK = random.Random(18).randbytes(BLOCK)


class GeneratedPDF(io.RawIOBase):
    """``size`` bytes of a PDF-looking file, made block by block as they are read: a PDF
    header, then a pseudo-random block repeated (random enough that nothing compresses it)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.sent = 0
        self.block = _BLOCK
        self.head = b"%PDF-1.7\n% Steward benchmark\n"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.sent)
        if n <= 0:
            return 0
        out = bytearray()
        while len(out) < n:
            at = self.sent + len(out)
            if at < len(self.head):
                piece = self.head[at : at + n - len(out)]
            else:
                offset = (at - len(self.head)) % BLOCK
                piece = self.block[offset : offset + n - len(out)]
            out += piece
        buffer[:n] = out
        self.sent += n
        return n


def multipart(version_id: int, size: int) -> tuple[bytes, bytes, int]:
    """The parts before and after the file, and the body's total length."""
    fields = {
        "subject_type": "model_version",
        "subject_id": str(version_id),
        "title": f"Bench {size // MB} MB",
        "kind": "test_results",
    }
    before = b""
    for name, value in fields.items():
        before += (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    before += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="bench.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    after = f"\r\n--{BOUNDARY}--\r\n".encode()
    return before, after, len(before) + size + len(after)


class Body(io.RawIOBase):
    """The whole multipart body as a stream: fields, the generated file, the closing boundary."""

    def __init__(self, before: bytes, size: int, after: bytes) -> None:
        self.parts = [io.BytesIO(before), GeneratedPDF(size), io.BytesIO(after)]

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self.parts:
            n = self.parts[0].readinto(buffer)
            if n:
                return n
            self.parts.pop(0)
        return 0


def expected_digest(size: int) -> str:
    pdf, digest = GeneratedPDF(size), hashlib.sha256()
    while chunk := pdf.read(BLOCK):
        digest.update(chunk)
    return digest.hexdigest()


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- In process ---------------------------------------------------------------------------------


def setup_django(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["STEWARD_VAR_DIR"] = str(workdir)
    os.environ["STEWARD_EVIDENCE_DIR"] = str(workdir / "evidence")
    os.environ["DEBUG"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.FILE_UPLOAD_TEMP_DIR = str(workdir)
    call_command("migrate", verbosity=0)


def organisation() -> tuple[str, int]:
    """An engineer with a token, owning a system with one model version."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from registry.inventory import services
    from registry.people import services as people_services

    user = get_user_model().objects.create_user("bench", password="x")
    user.groups.add(Group.objects.get(name="engineer"))
    team = people_services.team_create(
        actor=None, name="Bench", slug="bench", function="engineering", members=[user]
    )
    system = services.system_create(
        actor=None,
        owning_team=team,
        name="Bench system",
        purpose="p",
        risk_tier="minimal",
        technical_owner=user,
    )
    model = services.model_create(actor=None, system=system, name="bench-model")
    version = services.version_create(actor=None, model=model, version="1")
    _, secret = people_services.token_create(actor=None, user=user, name="bench")
    return secret, version.pk


def upload_in_process(token: str, version_id: int, size: int) -> dict:
    import json

    from django.core.handlers.wsgi import WSGIHandler

    before, after, length = multipart(version_id, size)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/evidence/",
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
        "CONTENT_LENGTH": str(length),
        "HTTP_AUTHORIZATION": f"Token {token}",
        "wsgi.input": io.BufferedReader(Body(before, size, after), buffer_size=64 * 1024),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    status = {}

    def start_response(line, headers, exc_info=None):
        status["line"] = line

    handler = WSGIHandler()
    rss_before = rss_mib()
    tracemalloc.start()
    started = time.perf_counter()
    response = handler(environ, start_response)
    body = b"".join(response)
    response.close()  # as a WSGI server does: closes (and deletes) the spooled upload
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if not status["line"].startswith("201"):
        raise SystemExit(f"upload refused: {status['line']} {body[:500]!r}")
    return {
        "size": size,
        "seconds": elapsed,
        "peak_mib": peak / 2**20,
        "rss_growth_mib": rss_mib() - rss_before,
        "sha256": json.loads(body)["sha256"],
    }


# --- Over HTTP ----------------------------------------------------------------------------------


def upload_over_http(url: str, token: str, version_id: int, size: int) -> dict:
    import http.client
    import json
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    before, after, length = multipart(version_id, size)
    body = Body(before, size, after)
    connection_class = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    connection = connection_class(parts.hostname, parts.port, timeout=600)
    headers = {
        "Authorization": f"Token {token}",
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(length),
    }
    rss_before = rss_mib()
    started = time.perf_counter()
    connection.request("POST", "/api/v1/evidence/", body=body, headers=headers)
    response = connection.getresponse()
    text = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 201:
        raise SystemExit(f"upload refused: {response.status} {text[:500]!r}")
    return {
        "size": size,
        "seconds": elapsed,
        "peak_mib": float("nan"),
        "rss_growth_mib": rss_mib() - rss_before,
        "sha256": json.loads(text)["sha256"],
    }


def report(result: dict) -> None:
    mb = result["size"] / MB
    print(
        f"{mb:8.1f} MB  {result['seconds']:7.2f} s  {mb / result['seconds']:7.1f} MB/s  "
        f"peak Python allocations {result['peak_mib']:6.2f} MiB  "
        f"RSS high-water growth {result['rss_growth_mib']:6.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=float, default=20, help="file size in MB (default 20)")
    parser.add_argument("--url", help="a running Steward (else: in this process)")
    parser.add_argument("--token", help="with --url: an API token of an owner of the version")
    parser.add_argument("--version-id", type=int, help="with --url: the model version's id")
    args = parser.parse_args()
    sizes = [int(args.size * MB / 10), int(args.size * MB)]
    if args.url:
        if not (args.token and args.version_id):
            parser.error("--url needs --token and --version-id")
        print(f"Evidence upload over HTTP to {args.url} (client side memory)")
        for size in sizes:
            result = upload_over_http(args.url, args.token, args.version_id, size)
            assert result["sha256"] == expected_digest(size), "digest mismatch"
            report(result)
        return
    workdir = Path(tempfile.mkdtemp(prefix="steward-evidence-bench-"))
    try:
        setup_django(workdir)
        from django.conf import settings

        settings.STEWARD_EVIDENCE_MAX_BYTES = max(sizes) + MB
        import sqlite3

        token, version_id = organisation()
        print(
            f"Evidence upload through Django's WSGI handler, in process (SQLite "
            f"{sqlite3.sqlite_version}, filesystem storage under {workdir})"
        )
        # One small upload first: the first request imports and builds what every later one
        # reuses (URL resolvers, serializers, the schema of the SQL), which is not the upload.
        upload_in_process(token, version_id, 100_000)
        for size in sizes:
            result = upload_in_process(token, version_id, size)
            assert result["sha256"] == expected_digest(size), "digest mismatch"
            report(result)
        print("Flat memory: the peak and the RSS growth do not follow the file's size.")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
