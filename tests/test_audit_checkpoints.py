"""Signed checkpoints and the commands and task around them: ``audit_checkpoint``,
``audit_verify`` and the daily Celery task."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from registry.audit import checkpoints as audit_checkpoints
from registry.audit.checkpoints import signing_key, write_checkpoint
from registry.audit.models import AuditEvent
from registry.audit.tasks import audit_checkpoint
from registry.audit.verify import verify_ledger
from registry.people import services
from registry.people.choices import TeamFunction

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(db):
    for i in range(5):
        services.team_create(actor=None, name=f"Team {i}", function=TeamFunction.DATA)
    return AuditEvent.objects.order_by("sequence")


def _run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def _files() -> list[Path]:
    return sorted(Path(settings.STEWARD_AUDIT_CHECKPOINT_DIR).glob("checkpoint-*.json"))


def test_checkpoint_command_writes_a_signed_checkpoint_of_the_head(events):
    out = _run("audit_checkpoint")
    head = events.last()
    assert f"event 5, hash {head.hash}" in out
    [path] = _files()
    data = json.loads(path.read_text())
    assert data["format"] == "steward.audit-checkpoint/1"
    assert (data["sequence"], data["hash"]) == (5, head.hash)
    assert data["created_at"].endswith("Z")
    public = signing_key().public_key()
    assert data["key_id"] == audit_checkpoints.key_id(public)
    signed = {k: data[k] for k in ("format", "sequence", "hash", "created_at", "key_id")}
    public.verify(
        base64.b64decode(data["signature"]),
        json.dumps(signed, sort_keys=True, separators=(",", ":")).encode(),
    )


def test_verify_command_prints_ok_with_count_and_head(events):
    _run("audit_checkpoint")
    out = _run("audit_verify")
    assert out.splitlines()[0] == f"OK 5 events, head {events.last().hash}"
    assert "1 checkpoints verified" in out


def test_verify_of_an_empty_ledger(db):
    assert _run("audit_verify", no_checkpoints=True).strip() == f"OK 0 events, head {'0' * 64}"


def test_an_auditor_verifies_with_the_public_key_alone(events, tmp_path):
    _run("audit_checkpoint")
    pem = (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (tmp_path / "steward.pub").write_bytes(pem)
    out = _run("audit_verify", public_key=[str(tmp_path / "steward.pub")])
    assert out.startswith("OK 5 events")

    stranger = Ed25519PrivateKey.generate().public_key()
    raw = stranger.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    (tmp_path / "other.pub").write_bytes(base64.b64encode(raw))
    with pytest.raises(CommandError, match=r"first bad sequence 5: .*unknown key"):
        _run("audit_verify", public_key=[str(tmp_path / "other.pub")])


def test_checkpoints_from_an_earlier_key_stay_trusted_after_rotation(events, settings, tmp_path):
    _run("audit_checkpoint")
    old = signing_key()
    old_pub = tmp_path / "old.pub"
    old_pub.write_bytes(
        old.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    settings.STEWARD_AUDIT_SIGNING_KEY = base64.b64encode(os.urandom(32)).decode()
    assert not verify_ledger(checkpoint_dir=settings.STEWARD_AUDIT_CHECKPOINT_DIR).ok
    settings.STEWARD_AUDIT_TRUSTED_KEY_FILES = [str(old_pub)]
    assert verify_ledger(checkpoint_dir=settings.STEWARD_AUDIT_CHECKPOINT_DIR).ok


def test_the_task_signs_once_and_is_safe_to_run_twice(events):
    first = audit_checkpoint.apply().get()
    assert first["sequence"] == 5
    assert first["created"] is True
    second = audit_checkpoint.apply().get()
    assert second["created"] is False
    assert second["file"] == first["file"]
    services.team_create(actor=None, name="Later", function=TeamFunction.DATA)
    third = audit_checkpoint.apply().get()
    assert (third["sequence"], third["created"]) == (6, True)
    assert len(_files()) == 2


def test_the_task_is_scheduled_daily():
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["audit-checkpoint"]
    assert entry["task"] == "registry.audit_checkpoint"
    assert entry["schedule"] == dt.timedelta(days=1)
    app.loader.import_default_modules()
    assert "registry.audit_checkpoint" in app.tasks


def test_a_checkpoint_that_goes_backwards_means_the_ledger_got_shorter(events):
    head = events.last()
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    write_checkpoint(sequence=5, hash=head.hash, now=t0)
    earlier = events.get(sequence=3)
    # Signed later, but for an earlier head: someone rolled the ledger back in between.
    write_checkpoint(sequence=3, hash=earlier.hash, now=t0 + dt.timedelta(days=1))
    result = verify_ledger(checkpoint_dir=settings.STEWARD_AUDIT_CHECKPOINT_DIR)
    assert not result.ok
    assert result.first_bad_sequence == 4
    assert "got shorter" in result.reason


def test_an_unreadable_checkpoint_file_fails_verification(events):
    _run("audit_checkpoint")
    (Path(settings.STEWARD_AUDIT_CHECKPOINT_DIR) / "checkpoint-junk.json").write_text("{")
    result = verify_ledger(checkpoint_dir=settings.STEWARD_AUDIT_CHECKPOINT_DIR)
    assert not result.ok
    assert result.first_bad_sequence is None
    assert "cannot be read" in result.reason


def test_development_generates_a_key_file_on_first_use(settings, tmp_path):
    path = tmp_path / "keys" / "audit.pem"
    settings.STEWARD_AUDIT_SIGNING_KEY = ""
    settings.STEWARD_AUDIT_SIGNING_KEY_FILE = str(path)
    settings.STEWARD_AUDIT_GENERATE_KEY = True
    key = signing_key()
    assert path.stat().st_mode & 0o777 == 0o600
    assert audit_checkpoints.key_id(signing_key().public_key()) == audit_checkpoints.key_id(
        key.public_key()
    )


def test_without_generation_a_missing_key_is_a_configuration_error(settings, tmp_path):
    settings.STEWARD_AUDIT_SIGNING_KEY = ""
    settings.STEWARD_AUDIT_SIGNING_KEY_FILE = str(tmp_path / "missing.pem")
    settings.STEWARD_AUDIT_GENERATE_KEY = False
    with pytest.raises(ImproperlyConfigured):
        signing_key()
    with pytest.raises(CommandError, match="does not exist"):
        _run("audit_checkpoint")


def test_production_refuses_to_start_without_a_signing_key():
    env = {
        **os.environ,
        "STEWARD_ENV": "production",
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": "postgres://u@localhost/db",
        "CELERY_BROKER_URL": "redis://localhost",
        "ALLOWED_HOSTS": "steward.example.com",
        "EMAIL_URL": "smtp://localhost",
        "STEWARD_AUDIT_SIGNING_KEY": "",
        "STEWARD_AUDIT_SIGNING_KEY_FILE": "",
    }
    code = "import config.settings"
    refused = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0
    assert "STEWARD_AUDIT_SIGNING_KEY" in refused.stderr
    env["STEWARD_AUDIT_SIGNING_KEY_FILE"] = "/run/secrets/steward-audit.pem"
    accepted = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert accepted.returncode == 0, accepted.stderr
