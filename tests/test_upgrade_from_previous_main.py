"""An existing database upgrades with ``manage.py migrate`` and nothing else.

The code at ``BASE`` — main before the capability packages (issue 15) — builds a database with
the whole demo organisation in it and signs a checkpoint of its audit ledger. Today's code then
migrates that database forward, and the test shows that every row of every table is still there,
that no migration was left to apply, and that the audit chain and its signed checkpoint still
verify. Moving a model between Python packages must never change its app label or its table.

Both sides run as ``manage.py`` subprocesses against one database — a SQLite file, and on the
PostgreSQL pass a database of its own on that server — each with its own code and the same
virtualenv, so nothing of one leaks into the other.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# main before the move to capability packages.
BASE = "b2a3bbe727ec298bc1b0c20bd7a57dac118352dd"

# Every row of every table the apps and their dependencies own, counted by the models Django
# knows: the same query on both sides, so a table lost or renamed shows up as a difference.
COUNT_ROWS = (
    "import json; from django.apps import apps; "
    "print(json.dumps({m._meta.db_table: m._base_manager.count() "
    "for m in apps.get_models(include_auto_created=True)}, sort_keys=True))"
)


def _base_commit() -> str:
    """``BASE``, after checking that this clone has it."""
    done = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", f"{BASE}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"the commit {BASE[:7]} is not in this clone's history: {done.stderr}")
    return done.stdout.strip()


def _checkout(commit: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _manage(code: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=code,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, (
        f"manage.py {' '.join(args)} in {code}:\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'steward.sqlite3'}"


@pytest.fixture
def postgres_url():
    """A database of its own on the test run's PostgreSQL server, dropped afterwards."""
    import psycopg
    from django.db import connection

    settings = connection.settings_dict
    name = f"steward_upgrade_{os.getpid()}"
    server = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
        "password": settings["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{server['password']}" if server["password"] else ""
    yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(
    params=[
        pytest.param("sqlite_url", id="sqlite"),
        pytest.param("postgres_url", id="postgresql", marks=pytest.mark.postgres),
    ]
)
def environment(request, tmp_path) -> dict[str, str]:
    database_url = request.getfixturevalue(request.param)
    var = tmp_path / "var"
    var.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CELERY_", "STEWARD_", "DJANGO_"))
    }
    env |= {
        "DATABASE_URL": database_url,
        "STEWARD_VAR_DIR": str(var),
        "CELERY_BROKER_URL": "memory://",
        "EMAIL_URL": "consolemail://",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return env


def test_a_database_of_the_previous_main_migrates_with_every_row_and_a_verifying_chain(
    tmp_path, environment
):
    old = _checkout(_base_commit(), tmp_path / "old")

    _manage(old, environment, "migrate", "--noinput", "-v0")
    _manage(old, environment, "seed_demo")
    _manage(old, environment, "seed_governance_demo")
    _manage(old, environment, "audit_checkpoint")
    before = json.loads(_manage(old, environment, "shell", "-v0", "-c", COUNT_ROWS))

    _manage(REPO, environment, "migrate", "--noinput", "-v0")
    plan = _manage(REPO, environment, "showmigrations", "--plan")
    after = json.loads(_manage(REPO, environment, "shell", "-v0", "-c", COUNT_ROWS))
    verified = _manage(REPO, environment, "audit_verify")

    assert "[ ]" not in plan, plan
    assert (
        before["registry_auditevent"] > 300
    )  # the demo's history (401 events), not an empty ledger
    # Tables of models added since are there, empty; each such model brings its content type
    # and its four default permissions. Every other table holds exactly what it held.
    added = sorted(set(after) - set(before))
    assert {table: after[table] for table in added} == dict.fromkeys(added, 0)
    assert after["django_content_type"] == before["django_content_type"] + len(added)
    assert after["auth_permission"] == before["auth_permission"] + 4 * len(added)
    kept = {table: after[table] for table in before}
    for table in ("django_content_type", "auth_permission"):
        kept[table] = before[table]
    assert kept == before
    assert verified.startswith("OK"), verified
    assert "checkpoint" in verified.lower(), verified
