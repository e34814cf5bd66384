"""Steward's records in MLflow's JSON (the proto3 JSON of ``model_registry.proto``): a registered
model is an ``AIModel``, a version a ``ModelVersion`` (``source`` is its artifact URI), plus the
tags, aliases, stage and description this app keeps beside them.

Objects must come from ``selectors.versions()`` / ``selectors.registered_models()``, which join
what these functions read, so serialising a page costs no query per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from registry.models import AIModel, ModelVersion

from ..choices import MlflowStage


def millis(value: dt.datetime | None) -> int:
    """MLflow's timestamps: milliseconds since the epoch."""
    return int(value.timestamp() * 1000) if value else 0


def _user(user: Any) -> str:
    return user.get_username() if user is not None else ""


def version_json(
    mv: ModelVersion,
    *,
    tags: dict[str, str] | None = None,
    aliases: list[str] | None = None,
    info: Any = None,
) -> dict[str, Any]:
    """A version in MLflow's JSON. ``tags``, ``aliases`` and ``info`` may be given by a caller
    that just wrote them (and so need not read them back)."""
    if info is None:
        try:
            info = mv.mlflow_info
        except ModelVersion.mlflow_info.RelatedObjectDoesNotExist:
            info = None
    if tags is None:
        tags = {t.key: t.value for t in mv.mlflow_tags.all()}
    if aliases is None:
        aliases = [a.alias for a in mv.mlflow_aliases.all()]
    body: dict[str, Any] = {
        "name": mv.model.name,
        "version": mv.version,
        "creation_timestamp": millis(mv.created_at),
        "last_updated_timestamp": millis(mv.updated_at),
        "user_id": _user(mv.registered_by),
        "current_stage": info.stage if info else MlflowStage.NONE.value,
        "description": info.description if info else "",
        "source": mv.artifact_uri,
        "run_id": mv.run_id,
        "status": "READY",
        "tags": [{"key": k, "value": v} for k, v in tags.items()],
        "aliases": sorted(aliases),
    }
    if info and info.run_link:
        body["run_link"] = info.run_link
    return body


def registered_model_json(
    model: AIModel, latest: Iterable[ModelVersion] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": model.name,
        "creation_timestamp": millis(model.created_at),
        "last_updated_timestamp": millis(model.updated_at),
        "user_id": _user(model.created_by),
        "description": model.description,
        "tags": [{"key": t.key, "value": t.value} for t in model.mlflow_tags.all()],
        "aliases": [
            {"alias": a.alias, "version": a.version.version} for a in model.mlflow_aliases.all()
        ],
    }
    if latest:
        body["latest_versions"] = [version_json(mv) for mv in latest]
    return body
