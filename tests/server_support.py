"""Support for tests that run Steward in a process of its own: a clean production environment,
``manage.py`` in a fresh process, and granian serving ``config.wsgi`` on a free loopback port
(the command README gives)."""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)


def production_env(tmp_path, **overrides) -> dict[str, str]:
    """A clean production environment: nothing inherited from the test run but PATH and HOME.
    An override of None removes the variable."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "STEWARD_ENV": "production",
        "STEWARD_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "steward.example.com",
        "EMAIL_URL": "smtp://mail.example.com:587",
        "CACHE_URL": "rediscache://127.0.0.1:6379/1",
        "STEWARD_AUDIT_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """``manage.py *args`` in a fresh process under ``env``, its output captured."""
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def granian(env: dict[str, str], log: Path) -> Iterator[int]:
    """granian serving ``config.wsgi:application`` under ``env``; yields its port once it
    accepts connections, stops it on exit. ``log`` gets its output."""
    port = free_port()
    cmd = [str(Path(sys.executable).parent / "granian"), "--interface", "wsgi"]
    cmd += ["config.wsgi:application", "--no-ws", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", "1", "--blocking-threads", "2", "--backpressure", "16"]
    with log.open("wb") as out:
        server = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "granian did not listen within 60 s"
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)
