"""``registry.rawrows``: rows read with raw SQL become model values as the ORM would make them,
without keeping anything per thread."""

import datetime as dt
import gc
import threading
import weakref

from django.db import connections

from registry.models import Team
from registry.rawrows import Columns


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
