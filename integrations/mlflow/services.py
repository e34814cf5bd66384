"""State changes made through MLflow's vocabulary: registered models, versions, tags, aliases
and stages, mapped onto the registry's own services.

Every function here takes the acting user, runs in one transaction and leaves its audit events
in it. Registry records (models, versions, deployments) are only ever changed through
``registry.inventory.services`` and ``governance.approvals.services``; what only MLflow has
(tags, aliases, stages, a version's description) lives in this app's models and is audited
here, with the model or version as the audited object so it shows in that object's history.

Governance in MLflow's words: an alias named in ``STEWARD_MLFLOW_PRODUCTION_ALIASES`` or the
stage ``Production`` is a production deployment. It goes through
``governance.approvals.services.deployment_record`` (the approval gate) and is refused with the
gate's reasons unless the version has a valid production approval.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, router, transaction

from governance.approvals import services as governance
from integrations.choices import MlflowStage
from integrations.models import (
    IntakeSystem,
    MlflowVersionInfo,
    ModelAlias,
    ModelVersionTag,
    RegisteredModelTag,
)
from registry.audit import services as audit
from registry.core import roles
from registry.core.exceptions import ConflictError
from registry.core.rawrows import Columns, sql_per_vendor
from registry.inventory import permissions
from registry.inventory import services as registry
from registry.inventory.choices import Environment, Lifecycle, RiskTier, VersionStatus
from registry.inventory.models import AIModel, AISystem, ModelVersion
from registry.people.models import Team

SYSTEM_TAG = "steward.system"
# MLflow reserves these alias shapes: "latest" and "v<number>" name versions already.
_RESERVED_ALIAS = re.compile(r"^(latest|v\d+)$", re.IGNORECASE)
_ALIAS = re.compile(r"^[\w\-]{1,255}$")
_INTEGER = r"^[0-9]{1,18}$"


def is_production_alias(alias: str) -> bool:
    """Is setting this alias a production deployment (``STEWARD_MLFLOW_PRODUCTION_ALIASES``)?"""
    return alias.lower() in {a.lower() for a in settings.STEWARD_MLFLOW_PRODUCTION_ALIASES}


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError({field: message})


# --- Which system a registered model belongs to ---------------------------------------------


def system_from_tag(value: str) -> AISystem:
    """The system a ``steward.system`` tag names, by slug or by id."""
    value = value.strip()
    system = AISystem.objects.filter(slug=value).first()
    if system is None and value.isdigit():
        system = AISystem.objects.filter(pk=int(value)).first()
    if system is None:
        raise _invalid("tags", f"Tag {SYSTEM_TAG}='{value}' names no system (use its slug or id).")
    return system


def _only_team_of(actor: Any) -> Team:
    teams = list(Team.objects.filter(group__user=actor).order_by("name")[:5])
    if not teams:
        raise PermissionDenied(
            f"You belong to no team, so there is no intake system to register under: set the "
            f"{SYSTEM_TAG} tag to a system you own."
        )
    if len(teams) > 1:
        names = ", ".join(t.slug for t in teams)
        raise _invalid(
            "tags",
            f"You belong to several teams ({names}): set the {SYSTEM_TAG} tag to say which "
            f"system the model belongs to.",
        )
    return teams[0]


@transaction.atomic
def intake_system_for(*, actor: Any, team: Team) -> AISystem:
    """The team's intake system, created on first use.

    An intake system holds models registered without a ``steward.system`` tag until someone
    classifies them. It is created ``proposed`` and **high** risk: an unclassified system is
    treated as the strictest approvable tier (every function signs a production deployment), so
    skipping classification never makes deploying easier. Its rationale says it needs
    classification, and its ``IntakeSystem`` row is the flag."""
    Team.objects.select_for_update().get(pk=team.pk)  # one intake system per team, even racing
    existing = IntakeSystem.objects.select_related("system").filter(team=team).first()
    if existing is not None:
        return existing.system
    system = registry.system_create(
        actor=actor,
        owning_team=team,
        name=f"{team.name} intake (needs classification)",
        purpose=(
            "Models registered from MLflow without a steward.system tag. Move each model to the "
            "system it serves, or classify this system."
        ),
        risk_tier=RiskTier.HIGH,
        risk_rationale=(
            "Not yet classified: treated as high risk until someone classifies it, so that an "
            "unclassified model needs every sign-off before production."
        ),
        lifecycle=Lifecycle.PROPOSED,
    )
    IntakeSystem.objects.create(team=team, system=system, created_by=actor)
    return system


# --- Registered models ------------------------------------------------------------------------


def _tag_audit(tags: Mapping[str, str]) -> dict[str, Any]:
    return {"mlflow.tags": dict(sorted(tags.items()))} if tags else {}


@transaction.atomic
def registered_model_create(
    *, actor: Any, name: str, description: str = "", tags: Mapping[str, str] | None = None
) -> AIModel:
    """MLflow's create-registered-model: an ``AIModel`` under the system its ``steward.system``
    tag names, or under the caller's team's intake system. One audit event (the model's
    ``created``, carrying the tags)."""
    tags = dict(tags or {})
    if not name or not name.strip():
        raise _invalid("name", "Registered model name must be a non-empty string.")
    if SYSTEM_TAG in tags:
        system = system_from_tag(tags[SYSTEM_TAG])
    else:
        roles.require_write_registry(actor)
        system = intake_system_for(actor=actor, team=_only_team_of(actor))
    if AIModel.objects.filter(name=name).exists():
        raise ConflictError(
            f"Registered Model (name={name}) already exists.", field="name", code="unique"
        )
    model = registry.model_create(
        actor=actor, system=system, name=name, description=description, audit_extra=_tag_audit(tags)
    )
    RegisteredModelTag.objects.bulk_create(
        [RegisteredModelTag(model=model, key=k, value=v) for k, v in tags.items()]
    )
    return model


@transaction.atomic
def registered_model_update(*, actor: Any, model: AIModel, description: str) -> AIModel:
    """MLflow's update-registered-model: only the description changes."""
    return registry.model_update(actor=actor, model=model, data={"description": description})


@transaction.atomic
def registered_model_rename(*, actor: Any, model: AIModel, new_name: str) -> AIModel:
    """MLflow's rename-registered-model. Names stay unique across the registry."""
    if not new_name or not new_name.strip():
        raise _invalid("new_name", "The new name must be a non-empty string.")
    if new_name != model.name and AIModel.objects.filter(name=new_name).exists():
        raise ConflictError(
            f"Registered Model (name={new_name}) already exists.", field="name", code="unique"
        )
    return registry.model_update(actor=actor, model=model, data={"name": new_name})


def _locked_model(actor: Any, model: AIModel) -> AIModel:
    model = (
        AIModel.objects.select_for_update(of=("self",)).select_related("system").get(pk=model.pk)
    )
    if actor is not None:
        permissions.require_register_under(actor, model.system)
    return model


def _validate_tag(key: str, value: str) -> None:
    if not key or len(key) > 250:
        raise _invalid("key", "Tag keys are 1 to 250 characters.")
    if len(value) > 5000:
        raise _invalid("value", "Tag values are at most 5000 characters.")


# --- Tags of registered models and versions ---------------------------------------------------


def _tag_set(*, actor: Any, obj: AIModel | ModelVersion, key: str, value: str, action: str) -> None:
    """Set tag ``key`` of a model or version (its ``mlflow_tags``) and audit it; setting the
    value it already has changes nothing and records nothing."""
    tag = obj.mlflow_tags.filter(key=key).first()
    old = tag.value if tag else None
    if old == value:
        return
    obj.mlflow_tags.update_or_create(key=key, defaults={"value": value})
    audit.record(actor=actor, action=action, obj=obj, changes={"key": key, "value": [old, value]})


def _tag_delete(*, actor: Any, obj: AIModel | ModelVersion, key: str, action: str) -> None:
    """Remove tag ``key`` of a model or version and audit it; an absent tag changes nothing."""
    tag = obj.mlflow_tags.filter(key=key).first()
    if tag is None:
        return
    tag.delete()
    changes = {"key": key, "value": [tag.value, None]}
    audit.record(actor=actor, action=action, obj=obj, changes=changes)


@transaction.atomic
def registered_model_tag_set(*, actor: Any, model: AIModel, key: str, value: str) -> None:
    """Set a tag on a registered model; setting the value it already has changes nothing.
    ``steward.system`` cannot move a model to another system here: it only restates the one it
    is in."""
    _validate_tag(key, value)
    model = _locked_model(actor, model)
    if key == SYSTEM_TAG and system_from_tag(value).pk != model.system_id:
        raise _invalid(
            "key",
            f"{SYSTEM_TAG} is read when a model is registered; move '{model.name}' to another "
            f"system in Steward: POST /api/v1/models/{model.pk}/move/ with the system's id.",
        )
    _tag_set(actor=actor, obj=model, key=key, value=value, action="integrations.model_tag.set")


@transaction.atomic
def registered_model_tag_delete(*, actor: Any, model: AIModel, key: str) -> None:
    """Remove a tag from a registered model; removing an absent tag changes nothing."""
    model = _locked_model(actor, model)
    _tag_delete(actor=actor, obj=model, key=key, action="integrations.model_tag.deleted")


# --- Versions ---------------------------------------------------------------------------------


_MODEL_COLUMNS = Columns(AIModel, "m")
_SYSTEM_COLUMNS = Columns(AISystem, "s")


@sql_per_vendor
def _next_number_sql(connection: Any) -> str:
    q = connection.ops.quote_name
    meta = ModelVersion._meta
    version = q(meta.get_field("version").column)
    return (
        f"SELECT {version} FROM {q(meta.db_table)} "  # noqa: S608 (names only)
        f"WHERE {q(meta.get_field('model').column)} = %s "
        f"AND {version} {connection.operators['regex'] % '%s'} "
        f"ORDER BY LENGTH({version}) DESC, {version} DESC "
        f"{connection.ops.limit_offset_sql(None, 1)}"
    )


def next_version_number(model: AIModel) -> int:
    """MLflow numbers a model's versions 1, 2, 3…: one more than the highest number-shaped
    version (versions registered through Steward's own API may be named otherwise). Call it with
    the model row locked, so that two writers cannot take the same number. Written by hand, as
    the lock below: the ORM's query building cost more than the database's work."""
    connection = connections[router.db_for_read(ModelVersion)]
    with connection.cursor() as cursor:
        cursor.execute(_next_number_sql(connection), [model.pk, _INTEGER])
        row = cursor.fetchone()
    return int(row[0]) + 1 if row else 1


@sql_per_vendor
def _lock_by_name_sql(connection: Any) -> str:
    q = connection.ops.quote_name
    m, s = _MODEL_COLUMNS, _SYSTEM_COLUMNS
    sql = (
        f"SELECT {m.select(connection)}, {s.select(connection)} "  # noqa: S608 (names only)
        f"FROM {m.table(connection)} JOIN {s.table(connection)} "
        f"ON {s.column(connection, 'id')} = {m.column(connection, 'system')} "
        f"WHERE {m.column(connection, 'name')} = %s"
    )
    if connection.features.has_select_for_update_of:
        sql += " " + connection.ops.for_update_sql(of=(q(m.alias),))
    elif connection.features.has_select_for_update:
        sql += " " + connection.ops.for_update_sql()
    return sql


def _lock_model_named(name: str) -> AIModel:
    """The registered model with this name, its row locked until the transaction ends, and its
    system (read in the same statement: ``version_create`` checks the actor's grant on it)."""
    connection = connections[router.db_for_write(AIModel)]
    sql = _lock_by_name_sql(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [name])
        row = cursor.fetchone()
    if row is None:
        raise AIModel.DoesNotExist(f"Registered Model with name={name} not found")
    model = _MODEL_COLUMNS.instance(connection, row, 0)
    system = _SYSTEM_COLUMNS.instance(connection, row, len(_MODEL_COLUMNS))
    AIModel.system.field.set_cached_value(model, system)
    return model


@transaction.atomic
def version_register(
    *,
    actor: Any,
    model_name: str,
    source: str,
    run_id: str = "",
    tags: Mapping[str, str] | None = None,
    description: str = "",
    run_link: str = "",
) -> ModelVersion:
    """MLflow's create-model-version: the next version number of the model named
    ``model_name``, ``source`` as the artifact URI, the run id kept, tags and description beside
    it. One audit event (the version's ``created``, carrying the MLflow-only fields)."""
    tags = dict(tags or {})
    for key, value in tags.items():
        _validate_tag(key, value)
    if len(source) > 1000:
        raise _invalid("source", "source is at most 1000 characters.")
    if len(run_id or "") > 100:
        raise _invalid("run_id", "run_id is at most 100 characters.")
    # Find and lock the model in one statement, so that two writers cannot take the same
    # number; version_create checks that the actor may register under its system.
    model = _lock_model_named(model_name)
    extra = _tag_audit(tags)
    if description:
        extra["mlflow.description"] = description
    if run_link:
        extra["mlflow.run_link"] = run_link
    mv = registry.version_create(
        actor=actor,
        model=model,
        version=str(next_version_number(model)),
        artifact_uri=source,
        run_id=run_id or "",
        audit_extra=extra,
    )
    if tags:
        ModelVersionTag.objects.bulk_create(
            [ModelVersionTag(version=mv, key=k, value=v) for k, v in tags.items()]
        )
    if description or run_link:
        MlflowVersionInfo.objects.create(version=mv, description=description, run_link=run_link)
    return mv


def _locked_version(actor: Any, version: ModelVersion) -> ModelVersion:
    mv = (
        ModelVersion.objects.select_for_update(of=("self",))
        .select_related("model__system")
        .get(pk=version.pk)
    )
    if actor is not None:
        permissions.require_register_under(actor, mv.model.system)
    return mv


@transaction.atomic
def version_describe(*, actor: Any, version: ModelVersion, description: str) -> ModelVersion:
    """MLflow's update-model-version: set the version's description."""
    mv = _locked_version(actor, version)
    info = MlflowVersionInfo.objects.filter(version=mv).first() or MlflowVersionInfo(version=mv)
    if info.description == description:
        return mv
    old, info.description = info.description, description
    info.save()
    audit.record(
        actor=actor,
        action="integrations.version.described",
        obj=mv,
        changes={"description": [old, description]},
    )
    return mv


@transaction.atomic
def version_delete(*, actor: Any, version: ModelVersion) -> ModelVersion:
    """MLflow's delete-model-version. Steward keeps the record: the version is deprecated (so
    it can never be approved or deployed again) and MLflow clients no longer see it."""
    return registry.version_update(
        actor=actor, version=version, data={"status": VersionStatus.DEPRECATED}
    )


@transaction.atomic
def version_tag_set(*, actor: Any, version: ModelVersion, key: str, value: str) -> None:
    """Set a tag on a version; setting the value it already has changes nothing."""
    _validate_tag(key, value)
    mv = _locked_version(actor, version)
    _tag_set(actor=actor, obj=mv, key=key, value=value, action="integrations.version_tag.set")


@transaction.atomic
def version_tag_delete(*, actor: Any, version: ModelVersion, key: str) -> None:
    """Remove a tag from a version; removing an absent tag changes nothing."""
    mv = _locked_version(actor, version)
    _tag_delete(actor=actor, obj=mv, key=key, action="integrations.version_tag.deleted")


# --- Governance: aliases and stages -----------------------------------------------------------


def _deploy(actor: Any, mv: ModelVersion, environment: str, why: str) -> None:
    """Record a deployment through the approval gate; ``DeploymentRefused`` if it says no."""
    governance.deployment_record(
        actor=actor, model_version=mv, environment=environment, notes=f"MLflow: {why}"
    )


@transaction.atomic
def alias_set(*, actor: Any, model: AIModel, alias: str, version: ModelVersion) -> None:
    """MLflow's set-registered-model-alias. A production alias is a production deployment: the
    gate decides, and the deployment is recorded (its own audit event) before the alias moves.
    Pointing an alias where it already points changes nothing."""
    if not _ALIAS.match(alias or "") or _RESERVED_ALIAS.match(alias):
        raise _invalid(
            "alias",
            f"Invalid alias '{alias}': use letters, digits, '_' and '-', and not 'latest' or "
            "'v<number>', which MLflow reserves.",
        )
    model = _locked_model(actor, model)
    if version.model_id != model.pk:
        raise _invalid("version", "The version belongs to another registered model.")
    current = ModelAlias.objects.filter(model=model, alias=alias).first()
    old_version = current.version_id if current else None
    if old_version == version.pk:
        return
    if is_production_alias(alias):
        _deploy(actor, version, Environment.PRODUCTION, f"alias '{alias}' set")
    ModelAlias.objects.update_or_create(model=model, alias=alias, defaults={"version": version})
    audit.record(
        actor=actor,
        action="integrations.alias.set",
        obj=model,
        object_repr=f"{model.name}@{alias}",
        changes={"alias": alias, "version": [old_version, version.pk]},
    )


@transaction.atomic
def alias_delete(*, actor: Any, model: AIModel, alias: str) -> None:
    """MLflow's delete-registered-model-alias. Removing an alias records no undeployment: the
    deployment stays on the record until it is rolled back or retired in Steward."""
    model = _locked_model(actor, model)
    current = ModelAlias.objects.filter(model=model, alias=alias).first()
    if current is None:
        return
    current.delete()
    audit.record(
        actor=actor,
        action="integrations.alias.deleted",
        obj=model,
        object_repr=f"{model.name}@{alias}",
        changes={"alias": alias, "version": [current.version_id, None]},
    )


_STAGE_ENVIRONMENT = {
    MlflowStage.STAGING: Environment.STAGING,
    MlflowStage.PRODUCTION: Environment.PRODUCTION,
}


def parse_stage(stage: str) -> str:
    """MLflow's stage names, case-insensitively."""
    for choice in MlflowStage:
        if (stage or "").strip().lower() == choice.value.lower():
            return choice.value
    allowed = ", ".join(c.value for c in MlflowStage)
    raise _invalid(
        "stage", f"Invalid Model Version stage: {stage}. Value must be one of {allowed}."
    )


@transaction.atomic
def version_stage_transition(
    *, actor: Any, version: ModelVersion, stage: str, archive_existing_versions: bool = False
) -> ModelVersion:
    """MLflow's transition-model-version-stage. ``Staging`` and ``Production`` are deployments
    to those environments, through the gate (production needs a valid approval). With
    ``archive_existing_versions`` the model's other versions in that stage move to ``Archived``.
    One audit event for the stage change (plus the deployment's own)."""
    stage = parse_stage(stage)
    if archive_existing_versions and stage not in _STAGE_ENVIRONMENT:
        raise _invalid(
            "archive_existing_versions",
            "archive_existing_versions is only allowed with stage Staging or Production.",
        )
    mv = _locked_version(actor, version)
    info = MlflowVersionInfo.objects.filter(version=mv).first() or MlflowVersionInfo(version=mv)
    if info.stage == stage:
        return mv
    if stage in _STAGE_ENVIRONMENT:
        _deploy(actor, mv, _STAGE_ENVIRONMENT[stage], f"stage set to {stage}")
    archived: list[str] = []
    if archive_existing_versions:
        others = MlflowVersionInfo.objects.filter(version__model_id=mv.model_id, stage=stage)
        archived = sorted(others.values_list("version__version", flat=True))
        others.update(stage=MlflowStage.ARCHIVED)
    old, info.stage = info.stage, stage
    info.save()
    changes: dict[str, Any] = {"stage": [old, stage]}
    if archived:
        changes["archived_versions"] = archived
    audit.record(actor=actor, action="integrations.version.stage_changed", obj=mv, changes=changes)
    return mv
