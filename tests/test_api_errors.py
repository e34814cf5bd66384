"""Bad input across the API: always a 4xx with the standard JSON error body naming the field
where there is one, never a 500, and never a partial write."""

import pytest
from django.test import override_settings

from registry.inventory.models import (
    AIModel,
    AISystem,
    Dataset,
    DatasetLineage,
    Deployment,
    Incident,
    ModelVersion,
    ModelVersionDataset,
)
from registry.people.models import APIToken, Team
from tests.api_checks import nothing_written
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

EVERYTHING = (
    AIModel,
    AISystem,
    APIToken,
    Dataset,
    DatasetLineage,
    Deployment,
    Incident,
    ModelVersion,
    ModelVersionDataset,
    Team,
)
WRITE_ENDPOINTS = [
    "/api/v1/systems/",
    "/api/v1/models/",
    "/api/v1/model-versions/",
    "/api/v1/datasets/",
    "/api/v1/lineage-edges/",
    "/api/v1/deployments/",
    "/api/v1/incidents/",
    "/api/v1/teams/",
    "/api/v1/auth/tokens/",
]


def post_raw(client, path, body, content_type="application/json"):
    return client.generic("POST", path, body, content_type=content_type)


def assert_error_body(resp, type_, code=None):
    body = resp.json()
    assert body["type"] == type_
    assert body["errors"], body
    for error in body["errors"]:
        assert set(error) == {"code", "detail", "attr"}
    if code is not None:
        assert body["errors"][0]["code"] == code


# --- Body size and syntax ---------------------------------------------------------------------


@pytest.mark.parametrize("path", WRITE_ENDPOINTS)
def test_oversized_body_gets_413_json(api, admin_user, system, path):
    with override_settings(STEWARD_MAX_BODY_BYTES=256), nothing_written(*EVERYTHING):
        resp = api(admin_user).post(path, {"name": "x", "description": "y" * 1000}, format="json")
        check(resp, 413)
    assert resp["Content-Type"] == "application/json"
    assert_error_body(resp, "client_error", "payload_too_large")


def test_oversized_patch_gets_413(api, engineer, system):
    with override_settings(STEWARD_MAX_BODY_BYTES=256), nothing_written(*EVERYTHING):
        resp = api(engineer).patch(
            f"/api/v1/systems/{system.pk}/", {"human_oversight": "y" * 1000}, format="json"
        )
        check(resp, 413)
    system.refresh_from_db()
    assert system.human_oversight == ""


def test_anonymous_oversized_token_request_gets_413(api, engineer):
    with override_settings(STEWARD_MAX_BODY_BYTES=256), nothing_written(APIToken):
        resp = api().post(
            "/api/v1/auth/tokens/",
            {"name": "x" * 1000, "username": "erin", "password": "pw-erin"},
            format="json",
        )
        check(resp, 413)


def test_body_under_the_limit_is_accepted(api, engineer, team):
    with override_settings(STEWARD_MAX_BODY_BYTES=256):
        check(
            api(engineer).post(
                "/api/v1/datasets/", {"namespace": "n", "name": "small"}, format="json"
            ),
            201,
        )


@pytest.mark.parametrize("path", WRITE_ENDPOINTS)
@pytest.mark.parametrize(
    "body",
    ['{"name": "x",', "{'name': 'x'}", "name=x", '{"name": NaN}', b'{"name": "\xff"}', ""],
    ids=["truncated", "single-quotes", "form", "nan", "not-utf8", "empty"],
)
def test_malformed_json_gets_400_json(api, admin_user, system, path, body):
    with nothing_written(*EVERYTHING):
        resp = post_raw(api(admin_user), path, body)
        assert 400 <= resp.status_code < 500, resp.content
    assert resp["Content-Type"] == "application/json"
    if body:
        check(resp, 400)
        assert_error_body(resp, "client_error", "parse_error")


@pytest.mark.parametrize("path", WRITE_ENDPOINTS)
def test_json_nested_too_deeply_gets_400_not_500(api, admin_user, path):
    with nothing_written(*EVERYTHING):
        resp = post_raw(api(admin_user), path, "[" * 100_000 + "]" * 100_000)
        check(resp, 400)
    assert_error_body(resp, "client_error", "parse_error")


@pytest.mark.parametrize("path", WRITE_ENDPOINTS)
@pytest.mark.parametrize("body", ["[]", "[1, 2]", '"system"', "42", "null", "true"])
def test_body_that_is_not_an_object_is_refused(api, admin_user, path, body):
    with nothing_written(*EVERYTHING):
        resp = post_raw(api(admin_user), path, body)
        check(resp, 400)
    assert_error_body(resp, "validation_error")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_other_media_types_get_415(api, engineer, team, content_type):
    with nothing_written(*EVERYTHING):
        resp = post_raw(api(engineer), "/api/v1/datasets/", "namespace=n&name=x", content_type)
        check(resp, 415)
    assert_error_body(resp, "client_error", "unsupported_media_type")


# --- Wrong types and unknown references, endpoint by endpoint ---------------------------------


@pytest.fixture
def refs(system, model, version, datasets):
    return {"system": system, "model": model, "version": version, "datasets": datasets}


BAD_INPUT = [
    # (path, payload builder, attr)
    ("/api/v1/systems/", lambda r: {"name": 1, "purpose": [], "risk_tier": "high"}, "purpose"),
    ("/api/v1/systems/", lambda r: {"owning_team": "nope"}, "owning_team"),
    ("/api/v1/systems/", lambda r: {"monthly_budget": {"eur": 1}}, "monthly_budget"),
    ("/api/v1/models/", lambda r: {"system": 99999, "name": "m"}, "system"),
    ("/api/v1/models/", lambda r: {"system": [r["system"].pk], "name": "m"}, "system"),
    ("/api/v1/models/", lambda r: {"system": True, "name": "m"}, "system"),
    ("/api/v1/models/", lambda r: {"system": 2**70, "name": "m"}, "system"),
    ("/api/v1/model-versions/", lambda r: {"model": 99999, "version": "1"}, "model"),
    ("/api/v1/model-versions/", lambda r: {"model": 1.5, "version": "1"}, "model"),
    (
        "/api/v1/model-versions/",
        lambda r: {"model": r["model"].pk, "version": "9", "metrics": [1]},
        "metrics",
    ),
    (
        "/api/v1/model-versions/",
        lambda r: {"model": r["model"].pk, "version": "9", "artifact_sha256": "xyz"},
        "artifact_sha256",
    ),
    (
        "/api/v1/model-versions/",
        lambda r: {
            "model": r["model"].pk,
            "version": "9",
            "training_datasets": [{"dataset": 99999, "role": "training"}],
        },
        "training_datasets.0.dataset",
    ),
    ("/api/v1/datasets/", lambda r: {"namespace": "n", "name": "x", "owner_team": 7}, "owner_team"),
    (
        "/api/v1/datasets/",
        lambda r: {"namespace": "n", "name": "x", "contains_personal_data": True},
        "legal_basis",
    ),
    (
        "/api/v1/lineage-edges/",
        lambda r: {"source": 99999, "target": r["datasets"]["raw"].pk},
        "source",
    ),
    (
        "/api/v1/lineage-edges/",
        lambda r: {"source": r["datasets"]["raw"].pk, "target": "holdout"},
        "target",
    ),
    (
        "/api/v1/deployments/",
        lambda r: {"model_version": 99999, "environment": "staging"},
        "model_version",
    ),
    (
        "/api/v1/lineage-edges/",
        lambda r: {"source": r["datasets"]["raw"].pk + 0.5, "target": r["datasets"]["raw"].pk},
        "source",
    ),
    (
        "/api/v1/deployments/",
        lambda r: {"model_version": r["version"].pk, "environment": 1},
        "environment",
    ),
    ("/api/v1/incidents/", lambda r: {"system": 99999, "title": "t", "severity": "low"}, "system"),
    (
        "/api/v1/incidents/",
        lambda r: {"system": r["system"].pk, "title": "t", "severity": "low", "model_version": 0},
        "model_version",
    ),
    ("/api/v1/teams/", lambda r: {"name": "T", "function": "data", "lead": 1}, "lead"),
    ("/api/v1/teams/", lambda r: {"name": "T", "function": "data", "parent": "nope"}, "parent"),
    ("/api/v1/auth/tokens/", lambda r: {"name": "t", "days": "forever"}, "days"),
]


@pytest.mark.parametrize(("path", "build", "attr"), BAD_INPUT)
def test_wrong_types_and_unknown_references_name_the_field(
    api, admin_user, refs, path, build, attr
):
    payload = build(refs)
    with nothing_written(*EVERYTHING):
        resp = api(admin_user).post(path, payload, format="json")
        check(resp, 400)
    assert_error_body(resp, "validation_error")
    assert attr in error_attrs(resp)


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/model-versions/?system=99999999999999999999999",
        "/api/v1/model-versions/?dataset=1e30",
        "/api/v1/model-versions/?system=1.5",
        "/api/v1/model-versions/?model=99999999999999999999999",
        "/api/v1/lineage-edges/?dataset=99999999999999999999999",
        "/api/v1/lineage-edges/?source=99999999999999999999999",
        "/api/v1/deployments/?system=99999999999999999999999",
        "/api/v1/deployments/?model_version=-1",
        "/api/v1/incidents/?system=99999999999999999999999",
        "/api/v1/models/?system=abc",
        "/api/v1/systems/?risk_tier=extreme",
    ],
)
def test_bad_filter_values_get_400_naming_the_parameter(api, engineer, refs, query):
    resp = api(engineer).get(query)
    check(resp, 400)
    param = query.split("?")[1].split("=")[0]
    assert error_attrs(resp) == {param}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/systems/99999999999999999999999/",
        "/api/v1/systems/abc/",
        "/api/v1/models/-1/",
        "/api/v1/model-versions/1.5/lineage/",
        "/api/v1/datasets/99999999999999999999999/lineage/",
    ],
)
def test_unknown_or_malformed_ids_in_the_path_get_404_json(api, engineer, refs, path):
    resp = api(engineer).get(path)
    check(resp, 404)
    assert_error_body(resp, "client_error", "not_found")


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/users/a%00/", "/api/v2/systems/"])
def test_unknown_api_paths_get_404_json(api, engineer, path):
    resp = api(engineer).get(path)
    check(resp, 404)
    assert resp["Content-Type"] == "application/json"
    assert_error_body(resp, "client_error", "not_found")


def test_unknown_pages_outside_the_api_stay_html(client, db):
    resp = client.get("/no-such-page/")
    assert resp.status_code == 404
    assert resp["Content-Type"].startswith("text/html")


def test_page_past_the_end_gets_404_json(api, engineer, refs):
    resp = api(engineer).get("/api/v1/systems/?page=99")
    check(resp, 404)
    assert_error_body(resp, "client_error", "not_found")


def test_null_characters_are_refused_not_stored(api, engineer, refs):
    """PostgreSQL cannot store U+0000 in text or jsonb; the API must say so, not fail."""
    model = refs["model"]
    for metrics in ({"auc": "0.9\x00"}, {"a\x00uc": 0.9}):
        with nothing_written(*EVERYTHING):
            resp = api(engineer).post(
                "/api/v1/model-versions/",
                {"model": model.pk, "version": "nul", "metrics": metrics},
                format="json",
            )
            check(resp, 400)
        assert error_attrs(resp) == {"metrics"}
    with nothing_written(*EVERYTHING):
        resp = api(engineer).post(
            "/api/v1/datasets/", {"namespace": "n\x00", "name": "x"}, format="json"
        )
        check(resp, 400)
    assert error_attrs(resp) == {"namespace"}
    resp = api(engineer).get("/api/v1/systems/?owning_team=a%00b")
    check(resp, 400)


def test_method_not_allowed_is_json(api, engineer, refs):
    resp = api(engineer).delete(f"/api/v1/models/{refs['model'].pk}/")
    check(resp, 405)
    assert_error_body(resp, "client_error", "method_not_allowed")


def test_failed_write_in_the_middle_of_a_service_leaves_nothing(api, engineer, refs):
    """A version whose dataset link is refused after the version row was built: all or nothing."""
    model, datasets = refs["model"], refs["datasets"]
    with nothing_written(*EVERYTHING):
        resp = api(engineer).post(
            "/api/v1/model-versions/",
            {
                "model": model.pk,
                "version": "1.0.0",  # exists: refused after validation passed
                "training_datasets": [{"dataset": datasets["raw"].pk, "role": "training"}],
            },
            format="json",
        )
        check(resp, 409)
