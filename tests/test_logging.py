"""Quiet, useful logs: one line per refused request (status, method, path, user, request id), a
traceback only for a server error, JSON lines with ``LOG_FORMAT=json``, and development emails
as INFO lines."""

from __future__ import annotations

import json
import logging
import os
import sys

import pytest
from django.core.mail import send_mail
from django.test import override_settings

from registry.audit.logs import JSONFormatter, RequestLogFilter
from registry.audit.services import audit_context
from tests.server_support import manage

pytestmark = pytest.mark.django_db


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def refusals(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "steward.request"]


def assert_one_refusal(caplog, response, status: int, path: str, user: str) -> None:
    (line,) = refusals(caplog)
    assert line.levelno == logging.WARNING
    assert (line.status, line.method, line.path, line.user) == (status, line.method, path, user)
    assert line.request_id == response["X-Request-ID"]
    assert line.getMessage() == f"{status} {line.method} {path} user={user}"
    assert not [r for r in caplog.records if r.exc_info], "a refusal printed a traceback"
    louder = [r for r in caplog.records if r.levelno >= logging.WARNING and r is not line]
    assert not louder, [(r.name, r.getMessage()) for r in louder]


def test_a_refused_api_request_is_one_line(api, auditor, logs):
    resp = api(auditor).post("/api/v1/systems/", {"name": "x"}, format="json")
    assert resp.status_code == 403
    assert_one_refusal(logs, resp, 403, "/api/v1/systems/", "aud")


def test_a_page_refused_by_permission_denied_is_one_line_without_its_traceback(
    client, engineer, logs
):
    client.force_login(engineer)
    resp = client.get("/audit/")
    assert resp.status_code == 403
    assert_one_refusal(logs, resp, 403, "/audit/", "erin")


def test_an_anonymous_refusal_and_a_missing_page_say_who(client, logs):
    resp = client.get("/api/v1/systems/", HTTP_X_REQUEST_ID="ci-run-7")
    assert resp.status_code == 401
    assert_one_refusal(logs, resp, 401, "/api/v1/systems/", "anonymous")
    assert refusals(logs)[0].request_id == "ci-run-7"
    logs.clear()
    resp = client.get("/api/v1/nothing-here/")
    assert_one_refusal(logs, resp, 404, "/api/v1/nothing-here/", "anonymous")


def test_a_body_refused_by_its_size_is_one_line(client, logs):
    resp = client.generic("POST", "/api/v1/auth/tokens/", b"x" * (1024 * 1024 + 1))
    assert resp.status_code == 413
    assert_one_refusal(logs, resp, 413, "/api/v1/auth/tokens/", "anonymous")


def test_a_server_error_keeps_its_traceback(api, auditor, logs, monkeypatch):
    from registry.inventory.api import views

    def broken(self):
        raise RuntimeError("the selector broke")

    monkeypatch.setattr(views.SystemViewSet, "get_queryset", broken)
    client = api(auditor)
    client.raise_request_exception = False
    resp = client.get("/api/v1/systems/")
    assert resp.status_code == 500
    (error,) = [r for r in logs.records if r.levelno >= logging.ERROR]
    assert error.name == "django.request"
    assert error.exc_info and "the selector broke" in str(error.exc_info[1])
    assert not refusals(logs)  # a 5xx is Django's line, with its traceback


def _record(name: str, level=logging.WARNING, exc=True, **extra) -> logging.LogRecord:
    try:
        raise ValueError("boom")
    except ValueError:
        exc_info = sys.exc_info() if exc else None
    record = logging.LogRecord(name, level, __file__, 1, "msg", (), exc_info)
    record.__dict__.update(extra)
    return record


def test_the_console_filter_strips_refusals_tracebacks_and_adds_the_request_id():
    keep = RequestLogFilter()
    forbidden = _record("django.request", status_code=403)
    assert keep.filter(forbidden) and forbidden.exc_info is None
    suspicious = _record("django.security.DisallowedHost", level=logging.ERROR)
    assert keep.filter(suspicious) and suspicious.exc_info is None
    server_error = _record("django.request", level=logging.ERROR, status_code=500)
    assert keep.filter(server_error) and server_error.exc_info is not None
    assert server_error.request_id == "-"
    with audit_context(request_id="task-42"):
        inside = _record("governance.chasing", exc=False)
        assert keep.filter(inside) and inside.request_id == "task-42"
    # The development server's access line: kept for a success, dropped for a refusal (which
    # steward.request has logged).
    assert keep.filter(_record("django.server", level=logging.INFO, exc=False, status_code=200))
    assert not keep.filter(_record("django.server", exc=False, status_code=404))


def test_json_lines_carry_the_fields():
    record = _record(
        "steward.request", exc=False, status=403, path="/x/", user="aud", request_id="r-1"
    )
    record.request = object()  # Django attaches the request; it is not written out
    line = json.loads(JSONFormatter().format(record))
    assert line["level"] == "WARNING" and line["name"] == "steward.request"
    assert (line["status"], line["path"], line["user"], line["request_id"]) == (
        403,
        "/x/",
        "aud",
        "r-1",
    )
    assert "request" not in line and line["time"]


def _django(code: str, tmp_path, **env: str):
    """``code`` run by ``manage.py shell`` in a fresh process, development settings."""
    base = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", str(tmp_path))}
    return manage(base | {"STEWARD_VAR_DIR": str(tmp_path)} | env, "shell", "-c", code)


def test_log_format_json_writes_one_json_object_a_line(tmp_path):
    code = (
        "from django.test import Client\n"
        "r = Client().get('/api/v1/nothing-here/', HTTP_HOST='localhost')\n"
        "print(r['X-Request-ID'])\n"
    )
    result = _django(code, tmp_path, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    (refusal,) = [line for line in lines if line["name"] == "steward.request"]
    assert refusal["status"] == 404
    assert refusal["path"] == "/api/v1/nothing-here/"
    assert refusal["user"] == "anonymous"
    assert refusal["request_id"] == result.stdout.strip().splitlines()[-1]


def test_an_unknown_log_format_is_refused(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", ""),
        "STEWARD_VAR_DIR": str(tmp_path),
        "LOG_FORMAT": "xml",
    }
    result = manage(env, "check")
    assert result.returncode != 0 and "LOG_FORMAT" in result.stderr


def test_development_email_is_an_info_line(logs, tmp_path):
    with override_settings(EMAIL_BACKEND="registry.core.mail.LoggingEmailBackend"):
        assert send_mail("Review overdue", "Please review.", "steward@localhost", ["a@x"]) == 1
    (line,) = [r for r in logs.records if r.name == "steward.mail"]
    assert line.levelno == logging.INFO
    assert "Review overdue" in line.getMessage() and "Please review." in line.getMessage()
    assert line.email_to == "a@x"
    # ... and it is the default where Django's console backend was.
    result = _django("from django.conf import settings; print(settings.EMAIL_BACKEND)", tmp_path)
    assert result.stdout.strip().splitlines()[-1] == "registry.core.mail.LoggingEmailBackend"
