"""MLflow's Model Registry REST API (the subset ``MlflowClient`` uses), served by Steward.

Thin views: read MLflow's parameters (query string for GET, JSON body otherwise), look records
up through ``selectors``, change them through ``services``, answer in MLflow's JSON
(``mapping``). Errors come out in MLflow's shape (``errors``).

They are plain Django views, not REST framework ones: MLflow's protocol has its own parameters,
errors and authentication, and none of the framework's serializers, negotiation or pagination;
the framework's layers cost about a sixth of a version read, the call registry clients make
most. Authentication is ``authentication.authenticate`` (tokens as on the rest of the API, or
the session with a CSRF check); permissions are the services' own checks, as everywhere.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from governance.approvals import services as governance
from integrations.mlflow import selectors, services
from integrations.mlflow.authentication import WWW_AUTHENTICATE, authenticate
from integrations.mlflow.errors import (
    MlflowError,
    error_body,
    error_response,
    invalid,
    json_response,
)
from integrations.mlflow.mapping import VersionRecord, registered_model_json, version_json
from integrations.models import MlflowVersionInfo
from registry.inventory.models import AIModel

SEARCH_MODELS_MAX = 1000
SEARCH_VERSIONS_MAX = 10_000


def _json_body(request: HttpRequest) -> Any:
    """The request's JSON body (``{}`` when empty); one over ``STEWARD_MAX_BODY_BYTES`` was
    refused before the view ran (``MlflowView.answer_refusal``)."""
    raw = request.body
    if not raw.strip():
        return {}
    try:  # as MLflow's server does, whatever the content type says
        return orjson.loads(raw)
    except (orjson.JSONDecodeError, RecursionError) as exc:
        raise invalid(f"Malformed JSON body: {exc}") from exc


class Params:
    """MLflow's request parameters: the query string of a GET, the JSON body otherwise."""

    def __init__(self, request: HttpRequest):
        self.query = request.method == "GET"
        self.request = request
        data = request.GET if self.query else _json_body(request)
        if not self.query and not isinstance(data, dict):
            raise invalid("The request body must be a JSON object.")
        self.data = data

    def str(self, name: str, *, required: bool = True, default: str = "") -> str:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                raise invalid(f"Missing value for required parameter '{name}'.")
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise invalid(f"Parameter '{name}' must be a string.")
        return value

    def list(self, name: str) -> list[str]:
        if self.query:
            return [v for v in self.data.getlist(name) if v]
        value = self.data.get(name) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise invalid(f"Parameter '{name}' must be a list of strings.")
        return value

    def int(self, name: str, *, default: int, maximum: int) -> int:
        raw = self.data.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except (TypeError, ValueError) as exc:
            raise invalid(f"Parameter '{name}' must be an integer.") from exc
        if not 1 <= value <= maximum:
            raise invalid(f"Invalid value {value} for parameter '{name}': 1 to {maximum}.")
        return value

    def bool(self, name: str) -> bool:
        raw = self.data.get(name)
        if isinstance(raw, bool):
            return raw
        return str(raw).lower() == "true"

    def tags(self) -> dict[str, str]:
        tags = self.data.get("tags") or []
        if not isinstance(tags, list):
            raise invalid("Parameter 'tags' must be a list of {key, value} objects.")
        out: dict[str, str] = {}
        for tag in tags:
            if not isinstance(tag, dict) or not isinstance(tag.get("key"), str):
                raise invalid("Each tag needs a string 'key' and a string 'value'.")
            value = tag.get("value", "")
            out[tag["key"]] = value if isinstance(value, str) else str(value)
        return out


@method_decorator(csrf_exempt, name="dispatch")
class MlflowView(View):
    """Base of every MLflow endpoint: the caller authenticated (a Steward token as Bearer or
    Basic, or the browser session), every error in MLflow's shape."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            request.user = authenticate(request)
            return super().dispatch(request, *args, **kwargs)
        except Exception as exc:  # every error is answered; error_response logs unexpected ones
            return error_response(exc, www_authenticate=WWW_AUTHENTICATE)

    @staticmethod
    def answer_refusal(*, status: int, message: str) -> HttpResponse:
        """A body refused by its size (413) or unknown length (411), before the view ran
        (``registry.api.bodylimit``). MLflow has no error code of its own for it and its server
        sets no limit; ``INVALID_PARAMETER_VALUE`` is what its client raises for a value too
        large, and a 4xx is not one of the statuses the client retries (408, 429, 5xx)."""
        code = "INVALID_PARAMETER_VALUE" if status == 413 else "BAD_REQUEST"
        return json_response(error_body(code, message), status=status)

    def http_method_not_allowed(self, request: HttpRequest, *args: Any, **kwargs: Any):
        raise MlflowError(
            "BAD_REQUEST",
            f"Method {request.method} is not allowed on {request.path}.",
            status=405,
        )


def _ok(body: dict[str, Any] | None = None) -> HttpResponse:
    return json_response(body or {})


def _model_body(model_pk: int) -> dict[str, Any]:
    (model,) = selectors.model_records([model_pk])
    return registered_model_json(model, selectors.latest_versions([model_pk])[model_pk])


def _version_body(version_pk: int) -> dict[str, Any]:
    return version_json(selectors.version_records([version_pk])[0])


def _governed(request: HttpRequest, action) -> Any:
    """Run an action that may deploy; a refused deployment is recorded (after the refused
    attempt rolled back, so the record survives it) and answered PERMISSION_DENIED."""
    try:
        return action()
    except governance.DeploymentRefused as refused:
        governance.gate_refusal_record(
            actor=request.user,
            model_version=refused.decision.model_version,
            environment=refused.decision.environment,
            decision=refused.decision,
        )
        raise


# --- Registered models ------------------------------------------------------------------------


class RegisteredModelCreate(MlflowView):
    def post(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        model = services.registered_model_create(
            actor=request.user,
            name=p.str("name"),
            description=p.str("description", required=False),
            tags=p.tags(),
        )
        return _ok({"registered_model": _model_body(model.pk)})


class RegisteredModelGet(MlflowView):
    def get(self, request: HttpRequest) -> HttpResponse:
        model = selectors.model_record(Params(request).str("name"))
        latest = selectors.latest_versions([model.pk])[model.pk]
        return _ok({"registered_model": registered_model_json(model, latest)})


class RegisteredModelUpdate(MlflowView):
    def patch(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        model = selectors.registered_model_get(p.str("name"))
        if "description" in p.data:
            services.registered_model_update(
                actor=request.user, model=model, description=p.str("description", required=False)
            )
        return _ok({"registered_model": _model_body(model.pk)})


class RegisteredModelRename(MlflowView):
    def post(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        model = selectors.registered_model_get(p.str("name"))
        model = services.registered_model_rename(
            actor=request.user, model=model, new_name=p.str("new_name")
        )
        return _ok({"registered_model": _model_body(model.pk)})


class RegisteredModelDelete(MlflowView):
    def delete(self, request: HttpRequest) -> HttpResponse:
        model = selectors.registered_model_get(Params(request).str("name"))
        raise MlflowError(
            "PERMISSION_DENIED",
            f"Steward keeps registered models as part of the record: '{model.name}' cannot be "
            "deleted. Delete (deprecate) its versions instead.",
        )


class RegisteredModelSearch(MlflowView):
    def get(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        qs = selectors.filter_models(AIModel.objects.all(), p.str("filter", required=False))
        qs = selectors.order_models(qs, p.list("order_by"))
        ids, token = selectors.page(
            qs.values_list("pk", flat=True),
            max_results=p.int("max_results", default=100, maximum=SEARCH_MODELS_MAX),
            page_token=p.str("page_token", required=False),
        )
        latest = selectors.latest_versions(ids)
        body: dict[str, Any] = {
            "registered_models": [
                registered_model_json(m, latest[m.pk]) for m in selectors.model_records(ids)
            ]
        }
        if token:
            body["next_page_token"] = token
        return _ok(body)


class GetLatestVersions(MlflowView):
    def _answer(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        model = selectors.registered_model_get(p.str("name"))
        stages = p.list("stages")
        for stage in stages:
            services.parse_stage(stage)
        latest = selectors.latest_versions([model.pk], stages)[model.pk]
        return _ok({"model_versions": [version_json(mv) for mv in latest]})

    def post(self, request: HttpRequest) -> HttpResponse:
        return self._answer(request)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._answer(request)


class RegisteredModelSetTag(MlflowView):
    def post(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        model = selectors.registered_model_get(p.str("name"))
        services.registered_model_tag_set(
            actor=request.user, model=model, key=p.str("key"), value=p.str("value", required=False)
        )
        return _ok()


class RegisteredModelDeleteTag(MlflowView):
    def delete(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        model = selectors.registered_model_get(p.str("name"))
        services.registered_model_tag_delete(actor=request.user, model=model, key=p.str("key"))
        return _ok()


class RegisteredModelAlias(MlflowView):
    """POST sets an alias (a production alias goes through the gate), DELETE removes it, GET
    returns the version it points at."""

    def post(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        name, alias = p.str("name"), p.str("alias")
        model = selectors.registered_model_get(name)
        version = selectors.version_get(name, p.str("version"))
        _governed(
            request,
            lambda: services.alias_set(
                actor=request.user, model=model, alias=alias, version=version
            ),
        )
        return _ok()

    def delete(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        model = selectors.registered_model_get(p.str("name"))
        services.alias_delete(actor=request.user, model=model, alias=p.str("alias"))
        return _ok()

    def get(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        record = selectors.version_detail_by_alias(p.str("name"), p.str("alias"))
        return _ok({"model_version": version_json(record)})


# --- Model versions ---------------------------------------------------------------------------


class ModelVersionCreate(MlflowView):
    def post(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        tags = p.tags()
        info = MlflowVersionInfo(
            description=p.str("description", required=False),
            run_link=p.str("run_link", required=False),
        )
        mv = services.version_register(
            actor=request.user,
            model_name=p.str("name"),
            source=p.str("source"),
            run_id=p.str("run_id", required=False),
            tags=tags,
            description=info.description,
            run_link=info.run_link,
        )
        # Answered from what was just written (the version holds its model and registering
        # user): a new version has these tags, this description and run link, stage None and
        # no alias.
        record = VersionRecord.of(mv, tags=tags, aliases=[], info=info)
        return _ok({"model_version": version_json(record)})


class ModelVersionGet(MlflowView):
    def get(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        record = selectors.version_detail(p.str("name"), p.str("version"))
        return _ok({"model_version": version_json(record)})


class ModelVersionUpdate(MlflowView):
    def patch(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        mv = selectors.version_get(p.str("name"), p.str("version"))
        if "description" in p.data:
            services.version_describe(
                actor=request.user, version=mv, description=p.str("description", required=False)
            )
        return _ok({"model_version": _version_body(mv.pk)})


class ModelVersionDelete(MlflowView):
    def delete(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        mv = selectors.version_get(p.str("name"), p.str("version"))
        services.version_delete(actor=request.user, version=mv)
        return _ok()


class ModelVersionSearch(MlflowView):
    def get(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        qs = selectors.filter_versions(selectors.versions(), p.str("filter", required=False))
        qs = selectors.order_versions(qs, p.list("order_by"))
        ids, token = selectors.page(
            qs.values_list("pk", flat=True),
            max_results=p.int("max_results", default=SEARCH_VERSIONS_MAX, maximum=200_000),
            page_token=p.str("page_token", required=False),
        )
        records = selectors.version_records(ids)
        body: dict[str, Any] = {"model_versions": [version_json(r) for r in records]}
        if token:
            body["next_page_token"] = token
        return _ok(body)


class ModelVersionDownloadUri(MlflowView):
    def get(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        record = selectors.version_detail(p.str("name"), p.str("version"))
        return _ok({"artifact_uri": record.source})


class ModelVersionSetTag(MlflowView):
    def post(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        mv = selectors.version_get(p.str("name"), p.str("version"))
        services.version_tag_set(
            actor=request.user, version=mv, key=p.str("key"), value=p.str("value", required=False)
        )
        return _ok()


class ModelVersionDeleteTag(MlflowView):
    def delete(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        mv = selectors.version_get(p.str("name"), p.str("version"))
        services.version_tag_delete(actor=request.user, version=mv, key=p.str("key"))
        return _ok()


class ModelVersionTransitionStage(MlflowView):
    def post(self, request: HttpRequest) -> HttpResponse:
        p = Params(request)
        mv = selectors.version_get(p.str("name"), p.str("version"))
        stage = p.str("stage")
        archive = p.bool("archive_existing_versions")
        _governed(
            request,
            lambda: services.version_stage_transition(
                actor=request.user, version=mv, stage=stage, archive_existing_versions=archive
            ),
        )
        return _ok({"model_version": _version_body(mv.pk)})
