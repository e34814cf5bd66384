"""Steward's records in MLflow's JSON (the proto3 JSON of ``model_registry.proto``): a registered
model is an ``AIModel``, a version a ``ModelVersion`` (``source`` is its artifact URI), plus the
tags, aliases, stage and description this app keeps beside them.

Versions come as ``VersionRecord`` and models as ``ModelRecord``, each read in one statement
(``selectors.version_records``, ``selectors.model_records``), so serialising a page costs no
query per row and no model instance.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from integrations.choices import MlflowStage
from integrations.models import MlflowVersionInfo
from registry.inventory.models import ModelVersion

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MILLISECOND = dt.timedelta(milliseconds=1)


def millis(value: dt.datetime | None) -> int:
    """MLflow's timestamps: milliseconds since the epoch, floored in exact arithmetic (as the
    reads compute them in SQL, ``selectors._millis``; a float could round across a millisecond)."""
    return (value - _EPOCH) // _MILLISECOND if value else 0


def _user(user: Any) -> str:
    return user.get_username() if user is not None else ""


@dataclass(frozen=True, slots=True)
class VersionRecord:
    """A version as MLflow's JSON shows it. The reads build it straight from their rows
    (``selectors.version_records``), without model instances: a search answers hundreds of
    versions; a write builds it from the version it holds (``of``)."""

    pk: int
    name: str
    version: str
    created_ms: int
    updated_ms: int
    user_id: str
    stage: str
    description: str
    run_link: str
    source: str
    run_id: str
    tags: dict[str, str] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)

    @classmethod
    def of(
        cls,
        mv: ModelVersion,
        *,
        tags: dict[str, str],
        aliases: list[str],
        info: MlflowVersionInfo | None,
    ) -> VersionRecord:
        """The record of a version just written (its model and registering user in hand)."""
        return cls(
            pk=mv.pk,
            name=mv.model.name,
            version=mv.version,
            created_ms=millis(mv.created_at),
            updated_ms=millis(mv.updated_at),
            user_id=_user(mv.registered_by),
            stage=info.stage if info else MlflowStage.NONE.value,
            description=info.description if info else "",
            run_link=info.run_link if info else "",
            source=mv.artifact_uri,
            run_id=mv.run_id,
            tags=tags,
            aliases=aliases,
        )


def version_json(record: VersionRecord) -> dict[str, Any]:
    """A version in MLflow's JSON."""
    body: dict[str, Any] = {
        "name": record.name,
        "version": record.version,
        "creation_timestamp": record.created_ms,
        "last_updated_timestamp": record.updated_ms,
        "user_id": record.user_id,
        "current_stage": record.stage,
        "description": record.description,
        "source": record.source,
        "run_id": record.run_id,
        "status": "READY",
        "tags": [{"key": k, "value": v} for k, v in sorted(record.tags.items())],
        "aliases": sorted(record.aliases),
    }
    if record.run_link:
        body["run_link"] = record.run_link
    return body


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """A registered model as MLflow's JSON shows it, read in one statement with its tags and
    live aliases (``selectors.model_records``)."""

    pk: int
    name: str
    created_ms: int
    updated_ms: int
    user_id: str
    description: str
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> version number


def registered_model_json(
    model: ModelRecord, latest: Iterable[VersionRecord] | None = None
) -> dict[str, Any]:
    """A registered model in MLflow's JSON, with its latest version per stage when given."""
    body: dict[str, Any] = {
        "name": model.name,
        "creation_timestamp": model.created_ms,
        "last_updated_timestamp": model.updated_ms,
        "user_id": model.user_id,
        "description": model.description,
        "tags": [{"key": k, "value": v} for k, v in sorted(model.tags.items())],
        "aliases": [{"alias": a, "version": v} for a, v in sorted(model.aliases.items())],
    }
    if latest:
        body["latest_versions"] = [version_json(mv) for mv in latest]
    return body
