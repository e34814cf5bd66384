"""PostgreSQL as Steward configures it (``config.postgresql``): a reused connection is checked
without a round trip and still replaced when the server has ended it; statements that requests
repeat are prepared by the server."""

from __future__ import annotations

import select
import time
from unittest import mock

import psycopg
import pytest
from django.conf import settings
from django.db import close_old_connections, connection

from registry.people import services as tokens
from tests.conftest import REQUIRE_SERVICES

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql") and not REQUIRE_SERVICES,
        reason="needs PostgreSQL: set DATABASE_URL=postgres://…",
    ),
]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def terminate(pid: int) -> None:
    """End a session from another connection, as a restart or an administrator would."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db(transaction=True)
def test_a_healthy_idle_connection_is_usable_without_a_statement():
    connection.ensure_connection()
    raw = type(connection.connection)
    with mock.patch.object(raw, "cursor", side_effect=AssertionError("a round trip")) as cursor:
        assert connection.is_usable()
    assert cursor.call_count == 0


@pytest.fixture
def persistent_connection(monkeypatch):
    """The connection as production keeps it between requests (the test run closes it after
    each request, see conftest), for this test only."""
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.ensure_connection()
    yield
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_at_the_next_request(persistent_connection):
    old = backend_pid()
    close_old_connections()  # a request starts: the connection is kept
    assert backend_pid() == old
    terminate(old)
    # PostgreSQL sends its FATAL error and closes the socket: wait until it has arrived.
    deadline = time.monotonic() + 5
    while not select.select([connection.connection.fileno()], [], [], 0.05)[0]:
        assert time.monotonic() < deadline, "the terminated session sent nothing"
    assert not connection.is_usable()

    close_old_connections()  # what Django does when a request starts
    assert backend_pid() != old  # the next statement ran on a new connection, without an error


@pytest.mark.django_db(transaction=True)
def test_statements_a_request_repeats_are_prepared_by_the_server():
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    digest = tokens.token_digest("stw_not-a-token")
    for _ in range(6):
        assert tokens._token_with_user(digest) is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    token_sql = tokens._token_sql(connection).replace("%s", "$1")
    assert token_sql in prepared
