"""Models and model versions over the API: registering under a system one owns, the frozen
content of approved versions, bad input, ETags and the cost of the lists."""

import itertools

import pytest

from registry.inventory import services
from registry.inventory.choices import DatasetRole, VersionStatus
from registry.inventory.models import AIModel, ModelVersion, ModelVersionDataset
from tests.api_checks import assert_list_queries_flat, nothing_written
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

_n = itertools.count(1)


def version_payload(model_, datasets=None, **overrides):
    data = {
        "model": model_.pk,
        "version": "2.0.0",
        "artifact_uri": "s3://models/fraud-xgb/2.0.0",
        "artifact_sha256": "c" * 64,
        "metrics": {"auc": 0.93, "threshold": 0.5, "notes": "ok", "calibrated": True},
        "model_card": {"intended_use": "Card fraud", "limitations": "Not for wire transfers"},
    }
    if datasets is not None:
        data["training_datasets"] = [
            {"dataset": datasets["features"].pk, "role": "training"},
            {"dataset": datasets["holdout"].pk, "role": "evaluation"},
        ]
    data.update(overrides)
    return data


def set_status(version, status):
    """Simulate the approvals workflow (or a deployment) moving the version on."""
    ModelVersion.objects.filter(pk=version.pk).update(status=status)
    version.refresh_from_db()


# --- Models: allowed --------------------------------------------------------------------------


def test_engineer_registers_model_under_own_system(api, engineer, system, audit_log):
    body = check(
        api(engineer).post(
            "/api/v1/models/",
            {"system": system.pk, "name": "fraud-gbm", "framework": "lightgbm"},
            format="json",
        ),
        201,
    )
    assert body["system"] == system.pk
    assert body["provider"] == "in_house"
    audit_log.assert_one("registry.model.created", actor=engineer, object_id=str(body["id"]))


def test_teammate_updates_model_but_not_its_identity(api, teammate, model, audit_log):
    body = check(
        api(teammate).patch(
            f"/api/v1/models/{model.pk}/",
            {"description": "Gradient boosting", "name": "renamed", "system": 999},
            format="json",
        ),
        200,
    )
    assert body["description"] == "Gradient boosting"
    assert body["name"] == "fraud-xgb"
    event = audit_log.assert_one("registry.model.updated", actor=teammate)
    assert set(event.changes) == {"description"}


def test_everyone_signed_in_reads_models(api, model, other_engineer, legal_reviewer, auditor):
    for user in (other_engineer, legal_reviewer, auditor):
        assert check(api(user).get("/api/v1/models/"), 200)["count"] == 1
        check(api(user).get(f"/api/v1/models/{model.pk}/"), 200)


# --- Models: denied ---------------------------------------------------------------------------


def test_anonymous_cannot_touch_models(api, model):
    check(api().get("/api/v1/models/"), 401)
    check(api().get(f"/api/v1/models/{model.pk}/"), 401)
    check(api().post("/api/v1/models/", {"system": 1, "name": "x"}, format="json"), 401)


def test_engineer_of_other_team_cannot_register_model_under_system(
    api, other_engineer, other_team, system
):
    with nothing_written(AIModel):
        resp = api(other_engineer).post(
            "/api/v1/models/", {"system": system.pk, "name": "sneaky"}, format="json"
        )
        check(resp, 403)
    assert error_attrs(resp) == {"system"}


def test_engineer_of_other_team_cannot_change_model(api, other_engineer, other_team, model):
    with nothing_written(AIModel):
        check(
            api(other_engineer).patch(
                f"/api/v1/models/{model.pk}/", {"description": "mine now"}, format="json"
            ),
            403,
        )
    model.refresh_from_db()
    assert model.description == ""


@pytest.mark.parametrize("role", ["legal_reviewer", "executive", "auditor"])
def test_reviewers_executives_auditors_cannot_write_models(request, api, role, model):
    client = api(request.getfixturevalue(role))
    with nothing_written(AIModel):
        check(
            client.post("/api/v1/models/", {"system": model.system_id, "name": "x"}, format="json"),
            403,
        )
        check(client.patch(f"/api/v1/models/{model.pk}/", {"task": "x"}, format="json"), 403)


# --- Models: invalid --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "attr"),
    [
        ({"system": 99999, "name": "m"}, "system"),
        ({"system": "abc", "name": "m"}, "system"),
        ({"system": None, "name": "m"}, "system"),
        ({"name": ""}, "name"),
        ({"name": "m", "provider": "alien"}, "provider"),
        ({"name": ["m"]}, "name"),
    ],
)
def test_invalid_model_is_refused_naming_the_field(api, engineer, model, data, attr):
    data = {"system": model.system_id, **data}
    with nothing_written(AIModel):
        resp = api(engineer).post("/api/v1/models/", data, format="json")
        check(resp, 400)
    assert error_attrs(resp) == {attr}


def test_model_without_system_is_refused(api, engineer, model):
    with nothing_written(AIModel):
        resp = api(engineer).post("/api/v1/models/", {"name": "m"}, format="json")
        check(resp, 400)
    assert error_attrs(resp) == {"system"}


def test_model_etag(api, engineer, teammate, model):
    client = api(engineer)
    path = f"/api/v1/models/{model.pk}/"
    etag = client.get(path)["ETag"]
    assert etag
    check(api(teammate).patch(path, {"task": "classification"}, format="json"), 200)
    with nothing_written(AIModel):
        check(client.patch(path, {"task": "ranking"}, format="json", HTTP_IF_MATCH=etag), 412)
    model.refresh_from_db()
    assert model.task == "classification"
    current = client.get(path)["ETag"]
    resp = client.patch(path, {"task": "ranking"}, format="json", HTTP_IF_MATCH=current)
    check(resp, 200)
    assert resp["ETag"] not in (etag, current)


def test_model_list_query_count_is_flat(api, engineer, system, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            services.model_create(actor=engineer, system=system, name=f"model-{next(_n)}")

    assert_list_queries_flat(
        api(engineer), "/api/v1/models/", django_assert_max_num_queries, ceiling=2, add_rows=add
    )


# --- Versions: allowed ------------------------------------------------------------------------


def test_engineer_registers_version_with_datasets(api, engineer, model, datasets, audit_log):
    body = check(
        api(engineer).post(
            "/api/v1/model-versions/", version_payload(model, datasets), format="json"
        ),
        201,
    )
    assert body["status"] == "registered"
    assert body["system"] == model.system_id
    assert body["registered_by"] == "erin"
    assert body["metrics"]["auc"] == 0.93
    assert body["model_card"] == {
        "intended_use": "Card fraud",
        "limitations": "Not for wire transfers",
        "evaluation_summary": "",
    }
    assert {(d["name"], d["role"]) for d in body["training_datasets"]} == {
        ("transactions/features", "training"),
        ("transactions/holdout", "evaluation"),
    }
    event = audit_log.assert_one("registry.version.created", actor=engineer)
    assert event.changes["datasets"] == sorted(
        [[datasets["features"].pk, "training"], [datasets["holdout"].pk, "evaluation"]]
    )


def test_teammate_registers_version_without_datasets(api, teammate, model):
    body = check(
        api(teammate).post(
            "/api/v1/model-versions/", {"model": model.pk, "version": "0.1"}, format="json"
        ),
        201,
    )
    assert body["training_datasets"] == []
    assert body["metrics"] == {}


def test_registered_version_content_and_links_can_be_corrected(
    api, engineer, version, datasets, audit_log
):
    body = check(
        api(engineer).patch(
            f"/api/v1/model-versions/{version.pk}/",
            {
                "metrics": {"auc": 0.8},
                "training_datasets": [{"dataset": datasets["raw"].pk, "role": "training"}],
            },
            format="json",
        ),
        200,
    )
    assert body["metrics"] == {"auc": 0.8}
    assert [d["dataset"] for d in body["training_datasets"]] == [datasets["raw"].pk]
    event = audit_log.assert_one("registry.version.updated")
    assert set(event.changes) == {"metrics", "datasets"}


def test_any_version_can_be_deprecated(api, engineer, version, audit_log):
    set_status(version, VersionStatus.APPROVED)
    body = check(
        api(engineer).patch(
            f"/api/v1/model-versions/{version.pk}/", {"status": "deprecated"}, format="json"
        ),
        200,
    )
    assert body["status"] == "deprecated"
    audit_log.assert_one("registry.version.updated")


def test_version_filters(api, engineer, version, model, datasets):
    services.version_create(actor=None, model=model, version="0.9")
    client = api(engineer)

    def versions(query):
        body = check(client.get(f"/api/v1/model-versions/?{query}"), 200)
        return sorted(v["version"] for v in body["results"])

    assert versions(f"model={model.pk}") == ["0.9", "1.0.0"]
    assert versions(f"system={model.system_id}") == ["0.9", "1.0.0"]
    assert versions(f"dataset={datasets['holdout'].pk}") == ["1.0.0"]
    assert versions("status=registered") == ["0.9", "1.0.0"]
    assert versions("status=deployed") == []
    resp = client.get("/api/v1/model-versions/?model=notanumber")
    check(resp, 400)
    assert error_attrs(resp) == {"model"}


# --- Versions: denied -------------------------------------------------------------------------


def test_anonymous_cannot_touch_versions(api, version):
    check(api().get("/api/v1/model-versions/"), 401)
    check(api().get(f"/api/v1/model-versions/{version.pk}/"), 401)
    check(api().get(f"/api/v1/model-versions/{version.pk}/lineage/"), 401)


def test_version_under_a_system_one_does_not_own_is_forbidden(
    api, other_engineer, other_team, model, datasets
):
    with nothing_written(ModelVersion, ModelVersionDataset):
        resp = api(other_engineer).post(
            "/api/v1/model-versions/", version_payload(model, datasets), format="json"
        )
        check(resp, 403)
    assert error_attrs(resp) == {"model"}


def test_engineer_of_other_team_cannot_change_version(api, other_engineer, other_team, version):
    with nothing_written(ModelVersion, ModelVersionDataset):
        check(
            api(other_engineer).patch(
                f"/api/v1/model-versions/{version.pk}/",
                {"status": "deprecated"},
                format="json",
            ),
            403,
        )
    version.refresh_from_db()
    assert version.status == "registered"


@pytest.mark.parametrize("role", ["legal_reviewer", "executive", "auditor"])
def test_reviewers_executives_auditors_cannot_write_versions(request, api, role, version):
    client = api(request.getfixturevalue(role))
    with nothing_written(ModelVersion, ModelVersionDataset):
        check(
            client.post(
                "/api/v1/model-versions/",
                {"model": version.model_id, "version": "9"},
                format="json",
            ),
            403,
        )
        check(
            client.patch(f"/api/v1/model-versions/{version.pk}/", {"metrics": {}}, format="json"),
            403,
        )


# --- Versions: invalid ------------------------------------------------------------------------


def test_duplicate_model_version_is_a_conflict(api, engineer, version):
    with nothing_written(ModelVersion, ModelVersionDataset):
        resp = api(engineer).post(
            "/api/v1/model-versions/",
            {"model": version.model_id, "version": "1.0.0"},
            format="json",
        )
        check(resp, 409)
    assert error_attrs(resp) == {"version"}
    assert resp.json()["errors"][0]["code"] == "unique"


@pytest.mark.parametrize(
    ("overrides", "attr"),
    [
        ({"model": 99999}, "model"),
        ({"model": "fraud-xgb"}, "model"),
        ({"version": ""}, "version"),
        ({"version": "v" * 65}, "version"),
        ({"artifact_sha256": "abc"}, "artifact_sha256"),
        ({"artifact_sha256": "A" * 64}, "artifact_sha256"),
        ({"artifact_sha256": "g" * 64}, "artifact_sha256"),
        ({"artifact_sha256": "a" * 65}, "artifact_sha256"),
        ({"metrics": [0.9, 0.8]}, "metrics"),
        ({"metrics": "auc=0.9"}, "metrics"),
        ({"metrics": 0.9}, "metrics"),
        ({"metrics": None}, "metrics"),
        ({"metrics": {"auc": {"value": 0.9}}}, "metrics"),
        ({"metrics": {"auc": [0.9]}}, "metrics"),
        ({"model_card": "free text"}, "model_card.non_field_errors"),
        ({"model_card": {"limitations": ["a", "b"]}}, "model_card.limitations"),
        ({"training_datasets": [{"dataset": 99999, "role": "training"}]}, None),
        ({"training_datasets": [{"dataset": "raw", "role": "training"}]}, None),
        ({"training_datasets": "features"}, "training_datasets.non_field_errors"),
    ],
)
def test_invalid_version_is_refused_naming_the_field(
    api, engineer, model, datasets, overrides, attr
):
    if attr is None:
        attr = "training_datasets.0.dataset"
    with nothing_written(ModelVersion, ModelVersionDataset):
        resp = api(engineer).post(
            "/api/v1/model-versions/", version_payload(model, **overrides), format="json"
        )
        check(resp, 400)
    assert error_attrs(resp) == {attr}


def test_unknown_dataset_role_is_refused(api, engineer, model, datasets):
    links = [{"dataset": datasets["raw"].pk, "role": "pretraining"}]
    with nothing_written(ModelVersion, ModelVersionDataset):
        resp = api(engineer).post(
            "/api/v1/model-versions/",
            version_payload(model, training_datasets=links),
            format="json",
        )
        check(resp, 400)
    assert error_attrs(resp) == {"training_datasets.0.role"}


def test_dataset_listed_twice_in_one_role_is_refused(api, engineer, model, datasets):
    link = {"dataset": datasets["raw"].pk, "role": "training"}
    with nothing_written(ModelVersion, ModelVersionDataset):
        resp = api(engineer).post(
            "/api/v1/model-versions/",
            version_payload(model, training_datasets=[link, link]),
            format="json",
        )
        check(resp, 400)
    assert error_attrs(resp) == {"training_datasets"}


@pytest.mark.parametrize("status", [VersionStatus.APPROVED, VersionStatus.DEPLOYED])
@pytest.mark.parametrize(
    ("change", "attr"),
    [
        ({"metrics": {"auc": 0.99}}, "metrics"),
        ({"artifact_sha256": "d" * 64}, "artifact_sha256"),
        ({"artifact_uri": "s3://elsewhere"}, "artifact_uri"),
        ({"model_card": {"limitations": "None at all"}}, "card_limitations"),
    ],
)
def test_content_of_approved_or_deployed_version_is_frozen(
    api, engineer, version, status, change, attr
):
    set_status(version, status)
    before = ModelVersion.objects.values().get(pk=version.pk)
    with nothing_written(ModelVersion, ModelVersionDataset):
        resp = api(engineer).patch(f"/api/v1/model-versions/{version.pk}/", change, format="json")
        check(resp, 409)
    assert error_attrs(resp) == {attr}
    assert resp.json()["errors"][0]["code"] == "frozen"
    assert ModelVersion.objects.values().get(pk=version.pk) == before


@pytest.mark.parametrize("target", ["approved", "deployed", "registered"])
def test_status_cannot_be_set_to_approved_or_deployed_by_update(api, engineer, version, target):
    set_status(version, VersionStatus.DEPRECATED if target == "registered" else "registered")
    with nothing_written(ModelVersion):
        resp = api(engineer).patch(
            f"/api/v1/model-versions/{version.pk}/", {"status": target}, format="json"
        )
        check(resp, 409)
    assert error_attrs(resp) == {"status"}


def test_version_etag(api, engineer, teammate, version):
    client = api(engineer)
    path = f"/api/v1/model-versions/{version.pk}/"
    etag = client.get(path)["ETag"]
    assert etag
    check(api(teammate).patch(path, {"run_id": "run-2"}, format="json"), 200)
    with nothing_written(ModelVersion):
        check(client.patch(path, {"run_id": "run-3"}, format="json", HTTP_IF_MATCH=etag), 412)
    version.refresh_from_db()
    assert version.run_id == "run-2"
    current = client.get(path)["ETag"]
    resp = client.patch(path, {"run_id": "run-3"}, format="json", HTTP_IF_MATCH=current)
    check(resp, 200)
    assert resp["ETag"] not in (etag, current)


def test_version_list_query_count_is_flat(
    api, engineer, model, datasets, django_assert_max_num_queries
):
    links = [
        (datasets["features"], DatasetRole.TRAINING),
        (datasets["holdout"], DatasetRole.EVALUATION),
    ]

    def add(n):
        for _ in range(n):
            services.version_create(
                actor=engineer, model=model, version=f"1.{next(_n)}", datasets=links
            )

    assert_list_queries_flat(
        api(engineer),
        "/api/v1/model-versions/",
        django_assert_max_num_queries,
        ceiling=3,
        add_rows=add,
    )
