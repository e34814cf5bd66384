"""``registry.rawrows``: rows read with raw SQL become model values as the ORM would make them,
without keeping anything per thread."""

import datetime as dt
import gc
import threading
import weakref

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connections

from registry.core.rawrows import Columns, sql_per_vendor, user_groups_table
from registry.people.models import Team


def test_values_are_converted_as_the_orm_converts_them():
    columns = Columns(Team, "t", ["id", "slug", "created_at"])
    assert columns.attnames == ["id", "created_at", "slug"]  # the model's field order
    when = dt.datetime(2026, 12, 5, 9, 30, tzinfo=dt.UTC)
    # As the database driver hands it over: SQLite stores text, PostgreSQL's driver converts.
    raw = when if connections["default"].vendor == "postgresql" else "2026-12-05 09:30:00"
    row = ("ignored", 7, raw, "fraud-ml")
    assert columns.values(connections["default"], row, 1) == [7, when, "fraud-ml"]


def test_rows_converted_in_many_threads_keep_their_connections_alive_at_most_once():
    # Each thread has its own connection object; a development server or live server starts a
    # thread per client connection, so a cache that kept them would grow without end.
    # created_at has a converter on SQLite: a bound method of the connection's operations.
    columns = Columns(Team, "t", ["id", "created_at"])
    refs: list[weakref.ref] = []

    def convert() -> None:
        connection = connections["default"]
        refs.append(weakref.ref(connection))
        when = dt.datetime(2026, 12, 5, 9, 30, tzinfo=dt.UTC)
        raw = when if connection.vendor == "postgresql" else "2026-12-05 09:30:00"
        assert columns.values(connection, (1, raw), 0) == [1, when]
        connection.close()

    for _ in range(5):
        thread = threading.Thread(target=convert)
        thread.start()
        thread.join()
    gc.collect()
    assert len(refs) == 5
    # The converters are made once per database alias, from the first connection that needed
    # them, which they keep; no other thread's connection is kept.
    assert sum(ref() is not None for ref in refs) <= 1


def test_a_statement_is_written_once_per_vendor_and_read_back_for_every_connection():
    calls: list[str] = []

    @sql_per_vendor
    def statement(connection) -> str:
        calls.append(connection.vendor)
        return f"SELECT 1 -- {connection.vendor}"

    here = connections["default"]
    assert statement(here) == statement(here) == f"SELECT 1 -- {here.vendor}"

    class OtherBackend:
        vendor = "other"

    assert statement(OtherBackend()) == "SELECT 1 -- other"
    assert calls == [here.vendor, "other"]


@pytest.mark.django_db
def test_the_user_groups_table_is_the_one_the_orm_joins():
    table, user_column, group_column = user_groups_table()
    user = get_user_model().objects.create_user("grouped")
    group = Group.objects.create(name="g-rawrows")
    user.groups.add(group)
    with connections["default"].cursor() as cursor:
        q = connections["default"].ops.quote_name
        cursor.execute(
            f"SELECT {q(group_column)} FROM {q(table)} WHERE {q(user_column)} = %s",
            [user.pk],
        )
        assert cursor.fetchall() == [(group.pk,)]
