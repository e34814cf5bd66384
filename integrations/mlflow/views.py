"""MLflow's Model Registry REST API (the subset ``MlflowClient`` uses), served by Steward.

Thin views: read MLflow's parameters (query string for GET, JSON body otherwise), look records
up through ``selectors``, change them through ``services``, answer in MLflow's JSON
(``mapping``). Errors come out in MLflow's shape (``errors.exception_handler``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance import services as governance
from registry.api.authentication import APITokenAuthentication

from ..models import MlflowVersionInfo
from . import selectors, services
from .authentication import BasicTokenAuthentication
from .errors import MlflowError, exception_handler, invalid
from .mapping import registered_model_json, version_json

SEARCH_MODELS_MAX = 1000
SEARCH_VERSIONS_MAX = 10_000


class Params:
    """MLflow's request parameters: the query string of a GET, the JSON body otherwise."""

    def __init__(self, request: Request):
        self.query = request.method == "GET"
        self.request = request
        data = request.query_params if self.query else request.data
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


class JSONOnly(DefaultContentNegotiation):
    """MLflow's API answers JSON whatever the client accepts (its client sends ``*/*``), so
    there is no renderer to negotiate: DRF's negotiation cost about a tenth of a version read.
    Request bodies are still matched to a parser by their content type."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class MlflowView(APIView):
    """Base of every MLflow endpoint: Steward tokens as Bearer or Basic (and the browser
    session), MLflow's error shape, and no content negotiation beyond JSON."""

    authentication_classes = [
        APITokenAuthentication,
        BasicTokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnly

    def get_exception_handler(self):
        return exception_handler

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="steward", Basic realm="steward"'


def _ok(body: dict[str, Any] | None = None) -> Response:
    return Response(body or {})


def _model_body(model_pk: int) -> dict[str, Any]:
    model = selectors.registered_models().get(pk=model_pk)
    latest = selectors.latest_versions([model])[model.pk]
    return registered_model_json(model, latest)


def _version_body(version_pk: int) -> dict[str, Any]:
    return version_json(selectors.versions().get(pk=version_pk))


def _governed(request: Request, action) -> Any:
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
    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        p = Params(request)
        model = services.registered_model_create(
            actor=request.user,
            name=p.str("name"),
            description=p.str("description", required=False),
            tags=p.tags(),
        )
        return _ok({"registered_model": _model_body(model.pk)})


class RegisteredModelGet(MlflowView):
    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        model = selectors.registered_model_get(Params(request).str("name"))
        return _ok({"registered_model": _model_body(model.pk)})


class RegisteredModelUpdate(MlflowView):
    @extend_schema(exclude=True)
    def patch(self, request: Request) -> Response:
        p = Params(request)
        model = selectors.registered_model_get(p.str("name"))
        if "description" in p.data:
            services.registered_model_update(
                actor=request.user, model=model, description=p.str("description", required=False)
            )
        return _ok({"registered_model": _model_body(model.pk)})


class RegisteredModelRename(MlflowView):
    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        p = Params(request)
        model = selectors.registered_model_get(p.str("name"))
        model = services.registered_model_rename(
            actor=request.user, model=model, new_name=p.str("new_name")
        )
        return _ok({"registered_model": _model_body(model.pk)})


class RegisteredModelDelete(MlflowView):
    @extend_schema(exclude=True)
    def delete(self, request: Request) -> Response:
        model = selectors.registered_model_get(Params(request).str("name"))
        raise MlflowError(
            "PERMISSION_DENIED",
            f"Steward keeps registered models as part of the record: '{model.name}' cannot be "
            "deleted. Delete (deprecate) its versions instead.",
        )


class RegisteredModelSearch(MlflowView):
    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        p = Params(request)
        qs = selectors.filter_models(selectors.registered_models(), p.str("filter", required=False))
        qs = selectors.order_models(qs, p.list("order_by"))
        rows, token = selectors.page(
            qs,
            max_results=p.int("max_results", default=100, maximum=SEARCH_MODELS_MAX),
            page_token=p.str("page_token", required=False),
        )
        latest = selectors.latest_versions(rows)
        body: dict[str, Any] = {
            "registered_models": [registered_model_json(m, latest[m.pk]) for m in rows]
        }
        if token:
            body["next_page_token"] = token
        return _ok(body)


class GetLatestVersions(MlflowView):
    def _answer(self, request: Request) -> Response:
        p = Params(request)
        model = selectors.registered_model_get(p.str("name"))
        stages = p.list("stages")
        for stage in stages:
            services.parse_stage(stage)
        latest = selectors.latest_versions([model], stages)[model.pk]
        return _ok({"model_versions": [version_json(mv) for mv in latest]})

    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        return self._answer(request)

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return self._answer(request)


class RegisteredModelSetTag(MlflowView):
    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        p = Params(request)
        model = selectors.registered_model_get(p.str("name"))
        services.registered_model_tag_set(
            actor=request.user, model=model, key=p.str("key"), value=p.str("value", required=False)
        )
        return _ok()


class RegisteredModelDeleteTag(MlflowView):
    @extend_schema(exclude=True)
    def delete(self, request: Request) -> Response:
        p = Params(request)
        model = selectors.registered_model_get(p.str("name"))
        services.registered_model_tag_delete(actor=request.user, model=model, key=p.str("key"))
        return _ok()


class RegisteredModelAlias(MlflowView):
    """POST sets an alias (a production alias goes through the gate), DELETE removes it, GET
    returns the version it points at."""

    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
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

    @extend_schema(exclude=True)
    def delete(self, request: Request) -> Response:
        p = Params(request)
        model = selectors.registered_model_get(p.str("name"))
        services.alias_delete(actor=request.user, model=model, alias=p.str("alias"))
        return _ok()

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        p = Params(request)
        mv = selectors.version_by_alias(p.str("name"), p.str("alias"))
        return _ok({"model_version": version_json(mv)})


# --- Model versions ---------------------------------------------------------------------------


class ModelVersionCreate(MlflowView):
    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
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
        return _ok({"model_version": version_json(mv, tags=tags, aliases=[], info=info)})


class ModelVersionGet(MlflowView):
    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        p = Params(request)
        mv, tags, aliases = selectors.version_detail(p.str("name"), p.str("version"))
        return _ok({"model_version": version_json(mv, tags=tags, aliases=aliases)})


class ModelVersionUpdate(MlflowView):
    @extend_schema(exclude=True)
    def patch(self, request: Request) -> Response:
        p = Params(request)
        mv = selectors.version_get(p.str("name"), p.str("version"))
        if "description" in p.data:
            services.version_describe(
                actor=request.user, version=mv, description=p.str("description", required=False)
            )
        return _ok({"model_version": _version_body(mv.pk)})


class ModelVersionDelete(MlflowView):
    @extend_schema(exclude=True)
    def delete(self, request: Request) -> Response:
        p = Params(request)
        mv = selectors.version_get(p.str("name"), p.str("version"))
        services.version_delete(actor=request.user, version=mv)
        return _ok()


class ModelVersionSearch(MlflowView):
    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        p = Params(request)
        qs = selectors.filter_versions(selectors.versions(), p.str("filter", required=False))
        qs = selectors.order_versions(qs, p.list("order_by"))
        rows, token = selectors.page(
            qs,
            max_results=p.int("max_results", default=SEARCH_VERSIONS_MAX, maximum=200_000),
            page_token=p.str("page_token", required=False),
        )
        body: dict[str, Any] = {"model_versions": [version_json(mv) for mv in rows]}
        if token:
            body["next_page_token"] = token
        return _ok(body)


class ModelVersionDownloadUri(MlflowView):
    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        p = Params(request)
        mv = selectors.version_get(p.str("name"), p.str("version"))
        return _ok({"artifact_uri": mv.artifact_uri})


class ModelVersionSetTag(MlflowView):
    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
        p = Params(request)
        mv = selectors.version_get(p.str("name"), p.str("version"))
        services.version_tag_set(
            actor=request.user, version=mv, key=p.str("key"), value=p.str("value", required=False)
        )
        return _ok()


class ModelVersionDeleteTag(MlflowView):
    @extend_schema(exclude=True)
    def delete(self, request: Request) -> Response:
        p = Params(request)
        mv = selectors.version_get(p.str("name"), p.str("version"))
        services.version_tag_delete(actor=request.user, version=mv, key=p.str("key"))
        return _ok()


class ModelVersionTransitionStage(MlflowView):
    @extend_schema(exclude=True)
    def post(self, request: Request) -> Response:
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
