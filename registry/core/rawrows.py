"""Model instances from hand-written SQL, for the few reads every API request makes.

Building a query through the ORM costs about a millisecond of CPU per query (compiling
lookups, joins and the select list), several times what the database spends answering it. For
the reads on the hot path of every API call (the token and its user) and of the MLflow
version read, the SQL is written by hand instead, as ``registry.audit.services.record`` does
for the ledger.

It is not written blind: table and column names come from the models' metadata, and values
pass through the converters the ORM itself applies (datetimes and booleans on SQLite, JSON…),
so the instances are those a queryset would have built, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


def sql_per_vendor(
    build: Callable[[BaseDatabaseWrapper], str],
) -> Callable[[BaseDatabaseWrapper], str]:
    """Decorate a function that writes a statement for a connection, so that it is written once
    per database vendor and reused: the text depends on the backend's quoting and the models,
    not on the connection (each thread has its own) or the values, which are parameters."""
    cache: dict[str, str] = {}

    @functools.wraps(build)
    def sql(connection: BaseDatabaseWrapper) -> str:
        text = cache.get(connection.vendor)
        if text is None:
            text = cache[connection.vendor] = build(connection)
        return text

    return sql


def user_groups_table() -> tuple[str, str, str]:
    """The table linking users to their groups, and its user and group columns."""
    user_model = get_user_model()
    through = user_model._meta.get_field("groups").remote_field.through._meta
    links = {f.related_model: f.column for f in through.concrete_fields if f.is_relation}
    return through.db_table, links[user_model], links[Group]


class Columns:
    """Some (or all) concrete columns of one model under a table alias: their SQL select list,
    and the conversion of a row's values into a model instance."""

    def __init__(self, model: type[models.Model], alias: str, fields: Iterable[str] = ()):
        wanted = set(fields)
        self.model = model
        self.alias = alias
        self.fields = [
            f
            for f in model._meta.concrete_fields
            if not wanted or f.name in wanted or f.attname in wanted
        ]
        if wanted and len(self.fields) != len(wanted):
            missing = wanted - {f.name for f in self.fields} - {f.attname for f in self.fields}
            raise ValueError(f"{model.__name__} has no concrete fields {sorted(missing)}")
        self.attnames = [f.attname for f in self.fields]
        # By database alias, not by connection: each thread has its own connection object, and
        # the converters (bound methods of ``connection.ops``) would keep every one of them
        # alive. Django's converters depend on the backend and settings, not on the thread.
        self._converters: dict[str, list[tuple[Any, list[Converter]]]] = {}

    def __len__(self) -> int:
        return len(self.fields)

    def column(self, connection: BaseDatabaseWrapper, name: str) -> str:
        """One column, qualified by the alias: ``"t"."user_id"``."""
        field = self.model._meta.get_field(name)
        quote = connection.ops.quote_name
        return f"{quote(self.alias)}.{quote(field.column)}"

    def select(self, connection: BaseDatabaseWrapper) -> str:
        """The select list, in the model's field order."""
        quote = connection.ops.quote_name
        return ", ".join(f"{quote(self.alias)}.{quote(f.column)}" for f in self.fields)

    def table(self, connection: BaseDatabaseWrapper) -> str:
        """``"registry_apitoken" "t"``: the table under its alias, for a FROM or JOIN clause."""
        quote = connection.ops.quote_name
        return f"{quote(self.model._meta.db_table)} {quote(self.alias)}"

    def values(self, connection: BaseDatabaseWrapper, row: Sequence[Any], start: int) -> list:
        """The converted values of this model's columns in ``row`` from position ``start``."""
        converters = self._converters.get(connection.alias)
        if converters is None:
            converters = []
            for f in self.fields:
                col = f.get_col(self.alias)
                fns = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                converters.append((col, fns))
            self._converters[connection.alias] = converters
        out = []
        end = start + len(self.fields)
        for value, (col, fns) in zip(row[start:end], converters, strict=True):
            for fn in fns:
                value = fn(value, col, connection)
            out.append(value)
        return out

    def instance(
        self, connection: BaseDatabaseWrapper, row: Sequence[Any], start: int
    ) -> models.Model:
        """The model instance for this model's columns in ``row`` (fields not selected are
        deferred, as with ``.only()``)."""
        return self.model.from_db(
            connection.alias, self.attnames, self.values(connection, row, start)
        )
