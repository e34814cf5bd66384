"""Reads for the MLflow endpoints: lookups by MLflow's names, MLflow's search filter language
(the subset its registry clients send), and paging.

MLflow clients see every registered model and every version that is not deprecated: reading the
inventory is open to everyone signed in, and a deprecated version is what MLflow calls deleted.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import (
    BigIntegerField,
    Case,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Length

from integrations.choices import MlflowStage
from integrations.mlflow.errors import invalid, not_found
from integrations.mlflow.mapping import ModelRecord, VersionRecord
from integrations.models import MlflowVersionInfo, ModelAlias, ModelVersionTag, RegisteredModelTag
from registry.core.rawrows import Columns, sql_per_vendor
from registry.inventory.choices import VersionStatus
from registry.inventory.models import AIModel, ModelVersion

_INTEGER = r"^[0-9]{1,18}$"


def versions() -> QuerySet[ModelVersion]:
    """Versions as MLflow clients see them (not deprecated), to filter, order and page; their
    JSON is read by ``version_records``."""
    return ModelVersion.objects.exclude(status=VersionStatus.DEPRECATED)


def registered_model_get(name: str, *, queryset: QuerySet[AIModel] | None = None) -> AIModel:
    if not name:
        raise invalid("Missing value for required parameter 'name'.")
    model = (queryset if queryset is not None else AIModel.objects).filter(name=name).first()
    if model is None:
        raise not_found(f"Registered Model with name={name} not found")
    return model


def version_get(name: str, version: Any, *, queryset: QuerySet | None = None) -> ModelVersion:
    if not name:
        raise invalid("Missing value for required parameter 'name'.")
    if version in (None, ""):
        raise invalid("Missing value for required parameter 'version'.")
    qs = (
        queryset
        if queryset is not None
        else ModelVersion.objects.exclude(status=VersionStatus.DEPRECATED)
    )
    mv = qs.filter(model__name=name, version=str(version)).first()
    if mv is None:
        raise not_found(f"Model Version (name={name}, version={version}) not found")
    return mv


_V = Columns(ModelVersion, "v")
_M = Columns(AIModel, "m")
_U = Columns(get_user_model(), "u")
_I = Columns(MlflowVersionInfo, "i")
_USERNAME = get_user_model().USERNAME_FIELD


def _millis(connection: Any, column: str) -> str:
    """MLflow's timestamps, milliseconds since the epoch, computed by the database: a search
    answers hundreds of versions, and parsing two datetimes each was a third of its CPU.
    Floored, as ``mapping.millis`` floors. On SQLite, Django stores UTC datetimes as text
    (``2026-12-05 10:41:32.123456``, the fraction left out when it is zero)."""
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column}) * 1000) AS BIGINT)"
    # Whole seconds from the text before the fraction (strftime would round the fraction in).
    return (
        f"(CAST(strftime('%%s', substr({column}, 1, 19)) AS INTEGER) * 1000 "
        f"+ CAST(substr({column}, 21, 3) AS INTEGER))"
    )


def _detail_query(connection: Any, where: str) -> str:
    """Versions with everything their MLflow JSON shows (``_records`` reads the columns in
    this order), one row per tag or alias (or one row for a version with neither), for the
    versions ``where`` selects."""
    q = connection.ops.quote_name
    v, m, u, i = _V, _M, _U, _I
    tags, aliases = ModelVersionTag._meta, ModelAlias._meta
    columns = [
        v.column(connection, "id"),
        v.column(connection, "version"),
        v.column(connection, "artifact_uri"),
        v.column(connection, "run_id"),
        _millis(connection, v.column(connection, "created_at")),
        _millis(connection, v.column(connection, "updated_at")),
        m.column(connection, "name"),
        u.column(connection, _USERNAME),
        i.column(connection, "version"),
        i.column(connection, "stage"),
        i.column(connection, "description"),
        i.column(connection, "run_link"),
        f"{q('x')}.{q('kind')}",
        f"{q('x')}.{q('key')}",
        f"{q('x')}.{q('value')}",
    ]
    return (
        f"SELECT {', '.join(columns)} "  # noqa: S608 (names only)
        f"FROM {v.table(connection)} "
        f"INNER JOIN {m.table(connection)} "
        f"ON {m.column(connection, 'id')} = {v.column(connection, 'model')} "
        f"LEFT OUTER JOIN {u.table(connection)} "
        f"ON {u.column(connection, 'id')} = {v.column(connection, 'registered_by')} "
        f"LEFT OUTER JOIN {i.table(connection)} "
        f"ON {i.column(connection, 'version')} = {v.column(connection, 'id')} "
        f"LEFT OUTER JOIN ("
        f"SELECT 't' AS {q('kind')}, {q(tags.get_field('version').column)} AS {q('version_id')}, "
        f"{q(tags.get_field('key').column)} AS {q('key')}, "
        f"{q(tags.get_field('value').column)} AS {q('value')} FROM {q(tags.db_table)} "
        f"UNION ALL "
        f"SELECT 'a', {q(aliases.get_field('version').column)}, "
        f"{q(aliases.get_field('alias').column)}, '' FROM {q(aliases.db_table)}"
        f") {q('x')} ON {q('x')}.{q('version_id')} = {v.column(connection, 'id')} "
        f"WHERE {where} AND NOT ({v.column(connection, 'status')} = %s)"
    )


@sql_per_vendor
def _detail_sql(connection: Any) -> str:
    m, v = _M, _V
    return _detail_query(
        connection,
        f"{m.column(connection, 'name')} = %s AND {v.column(connection, 'version')} = %s",
    )


@sql_per_vendor
def _alias_detail_sql(connection: Any) -> str:
    q = connection.ops.quote_name
    m, v, al = _M, _V, ModelAlias._meta
    alias_version = (
        f"SELECT {q(al.get_field('version').column)} FROM {q(al.db_table)} "  # noqa: S608 (names only)
        f"WHERE {q(al.get_field('model').column)} = {m.column(connection, 'id')} "
        f"AND {q(al.get_field('alias').column)} = %s"
    )
    return _detail_query(
        connection,
        f"{m.column(connection, 'name')} = %s AND {v.column(connection, 'id')} = ({alias_version})",
    )


def _in_list_param(connection: Any, expression: str) -> str:
    """``expression`` among the values passed as one parameter (``_list_param``): an array on
    PostgreSQL, a JSON list on SQLite, so that the statement's text (and PostgreSQL's prepared
    plan) is the same for any number of values."""
    if connection.vendor == "postgresql":
        return f"{expression} = ANY(%s)"
    return f"{expression} IN (SELECT value FROM json_each(%s))"  # noqa: S608 (names only)


def _ids_condition(connection: Any, table: Columns, field: str = "id") -> str:
    """The table's ``field`` among the ids passed as one parameter."""
    return _in_list_param(connection, table.column(connection, field))


def _list_param(values: list[Any]) -> Any:
    """A list as one statement parameter: an array on PostgreSQL, JSON for SQLite's
    ``json_each``."""
    connection = connections[router.db_for_read(ModelVersion)]
    return list(values) if connection.vendor == "postgresql" else json.dumps(list(values))


@sql_per_vendor
def _ids_detail_sql(connection: Any) -> str:
    return _detail_query(connection, _ids_condition(connection, _V))


def _records(sql: Callable[[Any], str], params: list[Any]) -> dict[int, VersionRecord]:
    """Run a detail statement; the versions it finds, by id, built from the rows as values
    (no model instances: a search answers hundreds of versions)."""
    connection = connections[router.db_for_read(ModelVersion)]
    with connection.cursor() as cursor:
        cursor.execute(sql(connection), [*params, VersionStatus.DEPRECATED])
        rows = cursor.fetchall()
    found: dict[int, VersionRecord] = {}
    for row in rows:
        pk = row[0]
        record = found.get(pk)
        if record is None:
            has_info = row[8] is not None
            record = found[pk] = VersionRecord(
                pk=pk,
                version=row[1],
                source=row[2],
                run_id=row[3],
                created_ms=row[4],
                updated_ms=row[5],
                name=row[6],
                user_id=row[7] or "",
                stage=(row[9] if has_info else "") or MlflowStage.NONE.value,
                description=row[10] if has_info else "",
                run_link=row[11] if has_info else "",
            )
        kind, key, value = row[12:15]
        if kind == "t":
            record.tags[key] = value
        elif kind == "a":
            record.aliases.append(key)
    return found


def version_records(ids: list[int]) -> list[VersionRecord]:
    """The versions with these ids (deprecated ones left out), in the order given, in one
    statement whatever their number."""
    if not ids:
        return []
    found = _records(_ids_detail_sql, [_list_param(ids)])
    return [found[pk] for pk in ids if pk in found]


def version_detail(name: str, version: Any) -> VersionRecord:
    """One version with its model's name, the user who registered it, its MLflow info, tags
    and aliases, in one statement: the hot read of registry clients. Written by hand (see
    ``registry.rawrows``): the ORM spent several times the database's time building it."""
    if not name:
        raise invalid("Missing value for required parameter 'name'.")
    if version in (None, ""):
        raise invalid("Missing value for required parameter 'version'.")
    found = _records(_detail_sql, [name, str(version)])
    if not found:
        raise not_found(f"Model Version (name={name}, version={version}) not found")
    return next(iter(found.values()))


def version_detail_by_alias(name: str, alias: str) -> VersionRecord:
    """The version an alias points at, read as ``version_detail`` reads one (one statement):
    what ``models:/<name>@<alias>`` URIs resolve through when a model is loaded or served."""
    if not name:
        raise invalid("Missing value for required parameter 'name'.")
    if not alias:
        raise invalid("Missing value for required parameter 'alias'.")
    found = _records(_alias_detail_sql, [name, alias])
    if not found:
        registered_model_get(name)  # MLflow's message for a model that does not exist
        raise not_found(f"Registered model alias {alias} not found.")
    return next(iter(found.values()))


def _model_query(connection: Any, where: str) -> str:
    """Registered models with what their MLflow JSON shows (``_model_rows`` reads the columns in
    this order), one row per tag or live alias (or one for a model with neither). Parameters:
    the deprecated status, then ``where``'s."""
    q = connection.ops.quote_name
    m, u, v = _M, _U, _V
    tags, aliases = RegisteredModelTag._meta, ModelAlias._meta
    columns = [
        m.column(connection, "id"),
        m.column(connection, "name"),
        _millis(connection, m.column(connection, "created_at")),
        _millis(connection, m.column(connection, "updated_at")),
        u.column(connection, _USERNAME),
        m.column(connection, "description"),
        f"{q('x')}.{q('kind')}",
        f"{q('x')}.{q('key')}",
        f"{q('x')}.{q('value')}",
    ]
    return (
        f"SELECT {', '.join(columns)} "  # noqa: S608 (names only)
        f"FROM {m.table(connection)} "
        f"LEFT OUTER JOIN {u.table(connection)} "
        f"ON {u.column(connection, 'id')} = {m.column(connection, 'created_by')} "
        f"LEFT OUTER JOIN ("
        f"SELECT 't' AS {q('kind')}, {q(tags.get_field('model').column)} AS {q('model_id')}, "
        f"{q(tags.get_field('key').column)} AS {q('key')}, "
        f"{q(tags.get_field('value').column)} AS {q('value')} FROM {q(tags.db_table)} "
        f"UNION ALL "
        f"SELECT 'a', {q('al')}.{q(aliases.get_field('model').column)}, "
        f"{q('al')}.{q(aliases.get_field('alias').column)}, {v.column(connection, 'version')} "
        f"FROM {q(aliases.db_table)} {q('al')} INNER JOIN {v.table(connection)} "
        f"ON {v.column(connection, 'id')} = {q('al')}.{q(aliases.get_field('version').column)} "
        f"WHERE NOT ({v.column(connection, 'status')} = %s)"
        f") {q('x')} ON {q('x')}.{q('model_id')} = {m.column(connection, 'id')} "
        f"WHERE {where}"
    )


@sql_per_vendor
def _model_ids_sql(connection: Any) -> str:
    return _model_query(connection, _ids_condition(connection, _M))


@sql_per_vendor
def _model_name_sql(connection: Any) -> str:
    return _model_query(connection, f"{_M.column(connection, 'name')} = %s")


def _model_rows(sql: Callable[[Any], str], param: Any) -> dict[int, ModelRecord]:
    connection = connections[router.db_for_read(AIModel)]
    with connection.cursor() as cursor:
        cursor.execute(sql(connection), [VersionStatus.DEPRECATED, param])
        rows = cursor.fetchall()
    found: dict[int, ModelRecord] = {}
    for pk, name, created_ms, updated_ms, user, description, kind, key, value in rows:
        record = found.get(pk)
        if record is None:
            record = found[pk] = ModelRecord(
                pk=pk,
                name=name,
                created_ms=created_ms,
                updated_ms=updated_ms,
                user_id=user or "",
                description=description,
            )
        if kind == "t":
            record.tags[key] = value
        elif kind == "a":
            record.aliases[key] = value
    return found


def model_records(ids: list[int]) -> list[ModelRecord]:
    """The registered models with these ids, in the order given, in one statement."""
    if not ids:
        return []
    found = _model_rows(_model_ids_sql, _list_param(ids))
    return [found[pk] for pk in ids if pk in found]


def model_record(name: str) -> ModelRecord:
    """The registered model with this name, in one statement; MLflow's errors otherwise."""
    if not name:
        raise invalid("Missing value for required parameter 'name'.")
    found = _model_rows(_model_name_sql, name)
    if not found:
        raise not_found(f"Registered Model with name={name} not found")
    return next(iter(found.values()))


def _latest_query(connection: Any, *, by_stage: bool) -> str:
    """The latest live version of each model in each stage, with its model: the highest number
    (numbers compare as numbers and rank above any other name; other names compare character
    by character). Parameters: the models (as ``_list_param``), the deprecated status and, with
    ``by_stage``, the stages wanted, lower-cased (likewise). The database ranks, so a model's
    thousands of versions are not read to pick a few."""
    q = connection.ops.quote_name
    v, i = _V, _I
    version = v.column(connection, "version")
    stage = f"COALESCE({i.column(connection, 'stage')}, '{MlflowStage.NONE.value}')"
    if connection.vendor == "postgresql":
        is_number = f"{version} ~ '^[0-9]+$'"
        as_text = f'{version} COLLATE "C"'  # code-point order, as Python's, not the locale's
    else:
        is_number = f"({version} <> '' AND {version} NOT GLOB '*[^0-9]*')"
        as_text = version  # SQLite compares text byte by byte
    where = (
        f"{_ids_condition(connection, _V, 'model')} AND NOT ({v.column(connection, 'status')} = %s)"
    )
    if by_stage:
        where += f" AND {_in_list_param(connection, f'LOWER({stage})')}"
    return (
        f"SELECT {q('id')}, {q('model_id')} FROM ("  # noqa: S608 (names only)
        f"SELECT {v.column(connection, 'id')} AS {q('id')}, "
        f"{v.column(connection, 'model')} AS {q('model_id')}, "
        f"ROW_NUMBER() OVER (PARTITION BY {v.column(connection, 'model')}, {stage} "
        f"ORDER BY CASE WHEN {is_number} THEN LENGTH({version}) ELSE 0 END DESC, "
        f"{as_text} DESC) AS {q('rank')} "
        f"FROM {v.table(connection)} LEFT OUTER JOIN {i.table(connection)} "
        f"ON {i.column(connection, 'version')} = {v.column(connection, 'id')} "
        f"WHERE {where}) {q('ranked')} WHERE {q('rank')} = 1"
    )


@sql_per_vendor
def _latest_sql(connection: Any) -> str:
    return _latest_query(connection, by_stage=False)


@sql_per_vendor
def _latest_in_stages_sql(connection: Any) -> str:
    return _latest_query(connection, by_stage=True)


def latest_versions(
    model_ids: Iterable[int], stages: Iterable[str] | None = None
) -> dict[int, list[VersionRecord]]:
    """For each model, its latest version in each stage (only the given stages, if any): one
    statement ranks them, one reads them."""
    model_ids = list(model_ids)
    params: list[Any] = [_list_param(model_ids), VersionStatus.DEPRECATED]
    sql = _latest_sql
    if stages:
        params.append(_list_param(sorted({s.lower() for s in stages})))
        sql = _latest_in_stages_sql
    connection = connections[router.db_for_read(ModelVersion)]
    with connection.cursor() as cursor:
        cursor.execute(sql(connection), params)
        model_of = dict(cursor.fetchall())
    by_model: dict[int, list[VersionRecord]] = {pk: [] for pk in model_ids}
    for record in version_records(sorted(model_of)):
        by_model[model_of[record.pk]].append(record)
    return by_model


# --- MLflow's search filter language ----------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op><=|>=|!=|<>|=|<|>)
      | (?P<punct>[(),])
      | (?P<ident>(?:[A-Za-z_][\w]*)(?:\.(?:`[^`]+`|"[^"]+"|[\w.\-]+))?)
    )""",
    re.VERBOSE,
)


_OPERATORS = frozenset({"=", "!=", "<>", "<", ">", "<=", ">=", "LIKE", "ILIKE", "IN", "NOT IN"})


@dataclass(frozen=True)
class Clause:
    """One ``<field> <op> <value>`` condition; ``value`` is a list for IN."""

    field: str
    key: str | None
    op: str
    value: Any


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise invalid(f"Invalid filter '{text}': cannot parse at '{text[pos : pos + 20]}'.")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _literal(kind: str, raw: str, text: str) -> Any:
    if kind == "string":
        return re.sub(r"\\(.)", r"\1", raw[1:-1])
    if kind == "number":
        return raw
    raise invalid(f"Invalid filter '{text}': expected a value, got '{raw}'.")


def parse_filter(text: str | None, fields: set[str]) -> list[Clause]:
    """Parse ``name = 'x' AND tags.k LIKE 'v%' AND run_id IN ('a', 'b')`` into clauses. Field
    names outside ``fields`` (and ``tags.<key>``) are refused, as MLflow refuses them."""
    if not text or not text.strip():
        return []
    tokens = _tokens(text)
    clauses: list[Clause] = []
    i = 0

    def take() -> tuple[str, str]:
        nonlocal i
        if i >= len(tokens):
            raise invalid(f"Invalid filter '{text}': incomplete expression.")
        i += 1
        return tokens[i - 1]

    while True:
        kind, raw = take()
        if kind != "ident":
            raise invalid(f"Invalid filter '{text}': expected a field name, got '{raw}'.")
        field, _, key = raw.partition(".")
        field = field.lower()
        if field in ("tag", "tags") and key:
            field, key = "tags", key.strip('`"')
        elif field not in fields or key:
            allowed = ", ".join(sorted(fields | {"tags.<key>"}))
            raise invalid(f"Invalid filter '{text}': unknown field '{raw}' (use {allowed}).")
        kind, raw = take()
        op = raw.upper()
        if kind == "ident" and op == "NOT":
            kind, raw = take()
            op = "NOT " + raw.upper()
        if kind not in ("op", "ident") or op not in _OPERATORS:
            raise invalid(f"Invalid filter '{text}': unknown operator '{raw}'.")
        op = "!=" if op == "<>" else op
        if op in ("IN", "NOT IN"):
            if take() != ("punct", "("):
                raise invalid(f"Invalid filter '{text}': IN needs a parenthesised list.")
            values = []
            while True:
                values.append(_literal(*take(), text))
                sep = take()
                if sep == ("punct", ")"):
                    break
                if sep != ("punct", ","):
                    raise invalid(f"Invalid filter '{text}': expected ',' or ')' in IN list.")
            value: Any = values
        else:
            value = _literal(*take(), text)
        clauses.append(Clause(field, key or None, op, value))
        if i >= len(tokens):
            return clauses
        kind, raw = take()
        if kind != "ident" or raw.upper() != "AND":
            raise invalid(f"Invalid filter '{text}': only AND joins conditions, got '{raw}'.")


def _like_regex(pattern: str) -> str:
    out = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return f"^{out}$"


def _text_q(column: str, op: str, value: Any, text: str) -> Q:
    if op == "=":
        return Q(**{column: value})
    if op == "!=":
        return ~Q(**{column: value})
    if op == "LIKE":
        return Q(**{f"{column}__regex": _like_regex(str(value))})
    if op == "ILIKE":
        return Q(**{f"{column}__iregex": _like_regex(str(value))})
    if op == "IN":
        return Q(**{f"{column}__in": value})
    if op == "NOT IN":
        return ~Q(**{f"{column}__in": value})
    raise invalid(f"Invalid filter '{text}': operator {op} does not apply to {column}.")


def _tag_q(tag_model: type, owner: str, clause: Clause, text: str) -> Q:
    if clause.op in ("<", ">", "<=", ">="):
        raise invalid(f"Invalid filter '{text}': tags compare with =, !=, LIKE or ILIKE.")
    tags = tag_model.objects.filter(**{owner: OuterRef("pk")}, key=clause.key)
    if clause.op == "!=":
        # As MLflow reads it (its client adds ``tags.`mlflow.prompt.is_prompt` != 'true'`` to
        # every model search): no tag with that value, including no tag at all.
        return ~Exists(tags.filter(value=clause.value))
    return Exists(tags.filter(_text_q("value", clause.op, clause.value, text)))


def filter_models(qs: QuerySet[AIModel], text: str | None) -> QuerySet[AIModel]:
    for clause in parse_filter(text, {"name"}):
        if clause.field == "tags":
            qs = qs.filter(_tag_q(RegisteredModelTag, "model", clause, text or ""))
        else:
            qs = qs.filter(_text_q("name", clause.op, clause.value, text or ""))
    return qs


def with_version_number(qs: QuerySet[ModelVersion]) -> QuerySet[ModelVersion]:
    """Annotate ``version_number``: the version as an integer when it is one, else NULL (the
    CASE keeps PostgreSQL from casting '1.0.0')."""
    return qs.annotate(
        version_number=Case(
            When(version__regex=_INTEGER, then=Cast("version", BigIntegerField())),
            default=Value(None, output_field=BigIntegerField()),
        )
    )


_VERSION_COLUMNS = {"name": "model__name", "run_id": "run_id", "source_path": "artifact_uri"}


def filter_versions(qs: QuerySet[ModelVersion], text: str | None) -> QuerySet[ModelVersion]:
    for clause in parse_filter(text, {"name", "run_id", "source_path", "version_number"}):
        if clause.field == "tags":
            qs = qs.filter(_tag_q(ModelVersionTag, "version", clause, text or ""))
        elif clause.field == "version_number":
            try:
                value = (
                    [int(v) for v in clause.value]
                    if isinstance(clause.value, list)
                    else int(clause.value)
                )
            except ValueError as exc:
                raise invalid(f"Invalid filter '{text}': version_number is an integer.") from exc
            lookups = {"=": "", "<": "__lt", ">": "__gt", "<=": "__lte", ">=": "__gte"}
            qs = with_version_number(qs)
            if clause.op in lookups:
                qs = qs.filter(**{f"version_number{lookups[clause.op]}": value})
            elif clause.op == "!=":
                qs = qs.exclude(version_number=value)
            elif clause.op == "IN":
                qs = qs.filter(version_number__in=value)
            else:
                raise invalid(f"Invalid filter '{text}': {clause.op} on version_number.")
        else:
            qs = qs.filter(
                _text_q(_VERSION_COLUMNS[clause.field], clause.op, clause.value, text or "")
            )
    return qs


# --- Ordering and paging ----------------------------------------------------------------------

_MODEL_ORDER = {
    "name": ["name"],
    "timestamp": ["created_at"],
    "creation_timestamp": ["created_at"],
    "last_updated_timestamp": ["updated_at"],
}
_VERSION_ORDER = {
    "name": ["model__name"],
    "version_number": ["_vlen", "version"],
    "creation_timestamp": ["created_at"],
    "timestamp": ["created_at"],
    "last_updated_timestamp": ["updated_at"],
    "run_id": ["run_id"],
}


def _order(order_by: Iterable[str] | None, columns: dict[str, list[str]]) -> list[str]:
    out: list[str] = []
    for item in order_by or []:
        parts = item.split()
        if not parts or len(parts) > 2:
            raise invalid(f"Invalid order_by clause '{item}'.")
        name = parts[0].lower()
        direction = parts[1].upper() if len(parts) == 2 else "ASC"
        if name not in columns or direction not in ("ASC", "DESC"):
            allowed = ", ".join(sorted(columns))
            raise invalid(f"Invalid order_by clause '{item}' (order by {allowed}, ASC or DESC).")
        out += [("-" if direction == "DESC" else "") + c for c in columns[name]]
    return out


def order_models(qs: QuerySet[AIModel], order_by: Iterable[str] | None) -> QuerySet[AIModel]:
    return qs.order_by(*_order(order_by, _MODEL_ORDER), "name")


def order_versions(
    qs: QuerySet[ModelVersion], order_by: Iterable[str] | None
) -> QuerySet[ModelVersion]:
    keys = _order(order_by, _VERSION_ORDER) or ["model__name", "-_vlen", "-version"]
    return qs.annotate(_vlen=Length("version")).order_by(*keys, "pk")


def _decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()).decode())["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise invalid("Invalid page_token.") from exc
    if not isinstance(offset, int) or offset < 0:
        raise invalid("Invalid page_token.")
    return offset


def page(qs: QuerySet, *, max_results: int, page_token: str | None) -> tuple[list, str]:
    """One page of ``qs`` and the token for the next (empty when there is none)."""
    offset = _decode_token(page_token)
    rows = list(qs[offset : offset + max_results + 1])
    if len(rows) <= max_results:
        return rows, ""
    token = base64.urlsafe_b64encode(json.dumps({"offset": offset + max_results}).encode())
    return rows[:max_results], token.decode()
