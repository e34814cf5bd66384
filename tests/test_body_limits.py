"""One limit on request bodies, ``STEWARD_MAX_BODY_BYTES`` (1 MiB by default, as shipped): a body
of exactly the limit gets the endpoint's normal answer, one byte more a 413 with the JSON error
body — on every kind of endpoint, with or without ``Content-Length``, in the test client, in a
WSGI call as a server makes it, and under granian for real. Nothing here overrides the limit
except the one test that shows the setting is the only one."""

from __future__ import annotations

import gzip
import http.client
import io
import json
import socket
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, override_settings

from registry.api.bodylimit import ChunkedBodyLength
from registry.core.checks import body_limit
from registry.inventory.models import AISystem
from registry.people import services as people_services
from registry.people.models import APIToken
from tests.api_checks import nothing_written
from tests.server_support import granian, production_env

LIMIT = 1024 * 1024
TEN_MB = 10 * 1024 * 1024


def test_the_shipped_limit_is_one_mebibyte_and_djangos_own_is_off():
    assert settings.STEWARD_MAX_BODY_BYTES == LIMIT
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE is None


# --- Bodies of an exact size ------------------------------------------------------------------


def json_of_size(data: dict, size: int) -> bytes:
    """``data`` as JSON of exactly ``size`` bytes, padded by a key no endpoint reads."""
    empty = len(json.dumps({**data, "pad": ""}).encode())
    body = json.dumps({**data, "pad": "x" * (size - empty)}).encode()
    assert len(body) == size
    return body


def form_of_size(data: dict, size: int) -> bytes:
    empty = len(urllib.parse.urlencode({**data, "pad": ""}))
    body = urllib.parse.urlencode({**data, "pad": "x" * (size - empty)}).encode()
    assert len(body) == size
    return body


SYSTEM = {
    "name": "Credit decisioning",
    "purpose": "Decide consumer credit applications.",
    "risk_tier": "high",
    "lifecycle": "development",
    "owning_team": "fraud-ml",
}
EVENT = {
    "eventType": "COMPLETE",
    "eventTime": "2026-11-20T10:00:00.000Z",
    "producer": "https://example.com/pipelines",
    "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    "run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8", "facets": {}},
    "job": {"namespace": "airflow", "name": "build"},
    "inputs": [{"namespace": "s3://ol", "name": "raw"}],
    "outputs": [{"namespace": "s3://ol", "name": "features"}],
}


@dataclass(frozen=True)
class Endpoint:
    """One kind of endpoint: how to send it a body and what it answers one within the limit."""

    name: str
    method: str
    path: str
    data: dict = field(default_factory=dict)
    ok: int = 200
    form: bool = False  # the sign-in page takes a form, everything else JSON
    token: bool = True
    mlflow: bool = False  # answers in MLflow's error shape

    def body(self, size: int, slug: str = "none") -> bytes:
        data = json.loads(json.dumps(self.data).replace("{slug}", slug))
        return (form_of_size if self.form else json_of_size)(data, size)

    @property
    def content_type(self) -> str:
        return "application/x-www-form-urlencoded" if self.form else "application/json"


ENDPOINTS = [
    # needs no token: anyone can send it a body
    Endpoint(
        "token-issue",
        "POST",
        "/api/v1/auth/tokens/",
        {"username": "erin", "password": "pw-erin", "name": "ci"},
        ok=201,
        token=False,
    ),
    Endpoint("rest-create", "POST", "/api/v1/systems/", SYSTEM, ok=201),
    Endpoint("rest-update", "PATCH", "/api/v1/systems/{system}/", {"purpose": "Score."}),
    Endpoint(
        "mlflow",
        "POST",
        "/api/2.0/mlflow/registered-models/create",
        {"name": "big-model", "tags": [{"key": "steward.system", "value": "{slug}"}]},
        mlflow=True,
    ),
    Endpoint("openlineage", "POST", "/api/v1/lineage", EVENT, ok=201),
    Endpoint(
        "sign-in",
        "POST",
        "/accounts/login/",
        {"username": "erin", "password": "pw-erin"},
        ok=302,
        form=True,
        token=False,
    ),
]


def assert_refused(status: int, content_type: str, content: bytes, endpoint: Endpoint, code=413):
    assert status == code, content[:500]
    assert content_type == "application/json"
    body = json.loads(content)
    if endpoint.mlflow:
        # MLflow's shape; the client raises the code and does not retry a 4xx.
        assert set(body) == {"error_code", "message"}
        assert body["error_code"] == ("INVALID_PARAMETER_VALUE" if code == 413 else "BAD_REQUEST")
        return
    assert body["type"] == "client_error"
    (error,) = body["errors"]
    assert error["code"] == ("payload_too_large" if code == 413 else "length_required")
    assert error["attr"] is None
    if code == 413:
        assert f"over {LIMIT} bytes" in error["detail"]


@pytest.fixture
def send(engineer, system):
    """``send(endpoint, size)`` → the test client's response to a body of ``size`` bytes, with
    the engineer's token."""
    _, secret = people_services.token_create(actor=None, user=engineer, name="limits")

    def make(endpoint: Endpoint, size: int):
        headers = {"HTTP_AUTHORIZATION": f"Token {secret}"} if endpoint.token else {}
        path = endpoint.path.format(system=system.pk)
        body = endpoint.body(size, slug=system.slug)
        return Client().generic(
            endpoint.method, path, body, content_type=endpoint.content_type, **headers
        )

    return make


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_a_body_of_exactly_the_limit_gets_the_normal_answer(send, endpoint):
    resp = send(endpoint, LIMIT)
    assert resp.status_code == endpoint.ok, resp.content[:500]


@pytest.mark.django_db
@pytest.mark.parametrize("size", [LIMIT + 1, TEN_MB], ids=["limit+1", "10MB"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_a_body_over_the_limit_gets_413_and_writes_nothing(send, endpoint, size):
    systems = AISystem.objects.count()
    with nothing_written(APIToken):
        resp = send(endpoint, size)
    assert_refused(resp.status_code, resp["Content-Type"], resp.content, endpoint)
    assert AISystem.objects.count() == systems
    assert resp["X-Request-ID"]


@pytest.mark.django_db
def test_the_one_setting_moves_every_limit(send):
    # Django's own limit no longer fires first: past the old 1 MiB, still a normal answer.
    token_issue = ENDPOINTS[0]
    with override_settings(STEWARD_MAX_BODY_BYTES=2 * LIMIT):
        answer = send(token_issue, 2 * LIMIT)
        assert answer.status_code == 201, answer.content[:300]
        refused = send(token_issue, 2 * LIMIT + 1)
        assert refused.status_code == 413


# --- Without Content-Length: a WSGI call as the server makes it --------------------------------

APPLICATION = ChunkedBodyLength(WSGIHandler())  # config/wsgi.py's application, without gc.freeze


@pytest.fixture(autouse=True)
def _connections_kept_across_requests():
    """As the test client does: a request's end does not close the database connection the
    test holds (in its transaction, or none at all for a refusal)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def wsgi_call(endpoint: Endpoint, body: io.BytesIO, *, terminated: bool = True):
    """Call the WSGI application with a chunked body, as granian (``wsgi.input_terminated``)
    or Django's development server (not terminated) passes one: no ``CONTENT_LENGTH``."""
    environ = {
        "REQUEST_METHOD": endpoint.method,
        "PATH_INFO": endpoint.path.format(system=1),
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "CONTENT_TYPE": endpoint.content_type,
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.input_terminated": terminated,
    }
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    content = b"".join(APPLICATION(environ, start_response))
    return answer["status"], answer["headers"].get("Content-Type"), content


# No database: the refusal comes before anything would read one.
@pytest.mark.parametrize("size", [LIMIT + 1, TEN_MB], ids=["limit+1", "10MB"])
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_a_chunked_body_over_the_limit_gets_413_having_read_one_byte_past_it(endpoint, size):
    body = io.BytesIO(endpoint.body(size))
    status, content_type, content = wsgi_call(endpoint, body)
    assert_refused(status, content_type, content, endpoint)
    assert body.tell() == LIMIT + 1  # the rest is never read


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_a_chunked_body_the_server_cannot_measure_gets_411(endpoint):
    # Django's development server passes a chunked body undecoded and unreadable; read as
    # empty it would be answered as if nothing had been sent.
    body = io.BytesIO(endpoint.body(1000))
    status, content_type, content = wsgi_call(endpoint, body, terminated=False)
    assert_refused(status, content_type, content, endpoint, code=411)


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_within_the_limit_is_read_whole(engineer):
    token_issue = ENDPOINTS[0]
    status, _, content = wsgi_call(token_issue, io.BytesIO(token_issue.body(LIMIT)))
    assert status == 201, content[:300]
    assert APIToken.objects.filter(user=engineer, name="ci").exists()


# --- Under granian, for real -------------------------------------------------------------------


def raw_post(port: int, path: str, body: bytes, *, chunked: bool) -> http.client.HTTPResponse:
    """POST ``body`` on a plain socket and read the answer while it is still being sent: the
    server answers a refused body without reading it and closes the connection, so a client
    that waits to finish sending (http.client does) only sees a broken pipe."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
    head += "Content-Type: application/json\r\nConnection: close\r\n"
    head += (
        "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {len(body)}\r\n\r\n"
    )

    def send() -> None:
        try:
            sock.sendall(head.encode())
            if not chunked:
                sock.sendall(body)
                return
            for start in range(0, len(body), 64 * 1024):
                piece = body[start : start + 64 * 1024]
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # answered and closed before the whole body was read

    sender = threading.Thread(target=send)
    sender.start()
    received = bytearray()
    try:
        while part := sock.recv(65536):
            received += part
    except ConnectionResetError:
        pass
    sender.join()
    sock.close()

    class Received:
        def makefile(self, *args, **kwargs):
            return io.BytesIO(bytes(received))

    response = http.client.HTTPResponse(Received())  # type: ignore[arg-type]
    response.begin()
    return response


def test_granian_answers_the_reproducer_with_413_json_with_and_without_content_length(tmp_path):
    # The issue's reproducer: 1,048,577 bytes to the token endpoint (no token needed) and to
    # systems. Refused before authentication, so no database is needed either.
    env = production_env(tmp_path, ALLOWED_HOSTS="127.0.0.1", CACHE_URL="locmemcache://")
    log = tmp_path / "granian.log"
    token_issue, rest_create = ENDPOINTS[0], ENDPOINTS[1]
    with granian(env, log) as port:
        for endpoint in (token_issue, rest_create):
            for size in (LIMIT + 1, TEN_MB):
                for chunked in (False, True):
                    resp = raw_post(port, endpoint.path, endpoint.body(size), chunked=chunked)
                    content = resp.read()
                    where = (endpoint.name, size, chunked, log.read_text()[-2000:])
                    assert resp.status == 413, where
                    assert_refused(resp.status, resp.getheader("Content-Type"), content, endpoint)
                    assert resp.getheader("X-Request-ID"), where
        # Exactly the limit is read whole, with or without Content-Length: a 400 naming the
        # field too long (the name), not a 413 — and no database reached.
        too_long_name = Endpoint("token", "POST", token_issue.path, {"name": "x" * 300})
        for chunked in (False, True):
            resp = raw_post(port, too_long_name.path, too_long_name.body(LIMIT), chunked=chunked)
            body = json.loads(resp.read())
            assert resp.status == 400, (body, log.read_text()[-2000:])
            assert [e["attr"] for e in body["errors"]] == ["name"]


def test_the_system_check_wants_the_middleware_before_the_csrf_check():
    assert body_limit() == []
    without = [m for m in settings.MIDDLEWARE if not m.endswith("BodyLimitMiddleware")]
    after_csrf = [*without, "registry.api.bodylimit.BodyLimitMiddleware"]
    for middleware in (without, after_csrf):
        with override_settings(MIDDLEWARE=middleware):
            assert [e.id for e in body_limit()] == ["steward.E001"]


@pytest.mark.django_db
def test_a_compressed_lineage_event_is_held_to_the_limit_once_decompressed(engineer):
    # A few kilobytes of gzip inflate to 10 MB: the wire size passes, the parser refuses.
    _, secret = people_services.token_create(actor=None, user=engineer, name="gzip")
    bomb = gzip.compress(json_of_size(EVENT, TEN_MB))
    assert len(bomb) < LIMIT
    resp = Client().post(
        "/api/v1/lineage",
        bomb,
        content_type="application/json",
        HTTP_CONTENT_ENCODING="gzip",
        HTTP_AUTHORIZATION=f"Token {secret}",
    )
    assert_refused(resp.status_code, resp["Content-Type"], resp.content, ENDPOINTS[4])
