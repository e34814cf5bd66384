"""Every uniqueness conflict is a 409 in the one error shape, naming the field, whichever layer
finds it (the serializer, ``full_clean``, the service or the database) — and writes nothing.
A request with other errors besides is a 400 listing them all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from governance.approvals import services as gov
from governance.approvals.models import ApprovalRequest, Signoff
from governance.reviews import services as reviews
from governance.reviews.models import RiskReview
from registry.inventory.models import AIModel, AISystem, CostRecord, Dataset, ModelVersion
from registry.people.models import Team
from tests.api_checks import nothing_written
from tests.conftest import make_user
from tests.governance_support import function_team
from tests.helpers import check

pytestmark = pytest.mark.django_db

S = "/api/v1"
SYSTEM = {
    "purpose": "p",
    "risk_tier": "high",
    "lifecycle": "development",
    "owning_team": "fraud-ml",
}


def assert_conflict(resp, attr: str, code: str = "unique") -> None:
    body = check(resp, 409)
    assert body["type"] == "client_error"
    assert body["errors"] == [{"code": code, "detail": body["errors"][0]["detail"], "attr": attr}]
    assert body["errors"][0]["detail"]


def test_a_team_name_taken(api, admin_user, team):
    payload = {"name": "Fraud ML", "slug": "fraud-2", "function": "engineering"}
    with nothing_written(Team):
        assert_conflict(api(admin_user).post(f"{S}/teams/", payload, format="json"), "name")


def test_a_team_slug_taken(api, admin_user, team):
    payload = {"name": "Fraud two", "slug": "fraud-ml", "function": "engineering"}
    with nothing_written(Team):
        assert_conflict(api(admin_user).post(f"{S}/teams/", payload, format="json"), "slug")


def test_a_team_renamed_to_a_name_taken(api, admin_user, team, other_team):
    resp = api(admin_user).patch(f"{S}/teams/{other_team.pk}/", {"name": "Fraud ML"}, format="json")
    assert_conflict(resp, "name")
    other_team.refresh_from_db()
    assert other_team.name == "Support AI"


def test_an_explicit_system_slug_taken(api, engineer, system):
    payload = SYSTEM | {"name": "Another", "slug": "fraud-scoring"}
    with nothing_written(AISystem):
        assert_conflict(api(engineer).post(f"{S}/systems/", payload, format="json"), "slug")


def test_a_model_name_taken(api, engineer, model):
    payload = {"system": model.system_id, "name": "fraud-xgb"}
    with nothing_written(AIModel):
        assert_conflict(api(engineer).post(f"{S}/models/", payload, format="json"), "name")


def test_a_version_taken(api, engineer, version):
    payload = {"model": version.model_id, "version": "1.0.0"}
    with nothing_written(ModelVersion):
        assert_conflict(
            api(engineer).post(f"{S}/model-versions/", payload, format="json"), "version"
        )


def test_a_dataset_name_taken(api, engineer, datasets):
    payload = {"namespace": "s3://lake", "name": "transactions/raw"}
    with nothing_written(Dataset):
        assert_conflict(api(engineer).post(f"{S}/datasets/", payload, format="json"), "name")


def test_a_second_open_request_for_a_version(api, engineer, version):
    payload = {"model_version": version.pk, "environment": "production", "justification": "j"}
    check(api(engineer).post(f"{S}/approvals/", payload, format="json"), 201)
    with nothing_written(ApprovalRequest):
        resp = api(engineer).post(f"{S}/approvals/", payload, format="json")
    assert_conflict(resp, "model_version", code="duplicate_request")


def test_a_second_signoff_for_a_function(api, engineer, version, legal_reviewer):
    approval = gov.approval_request(
        actor=engineer, model_version=version, environment="production", justification="j"
    )
    signoff = {"function": "legal", "decision": "approve"}
    url = f"{S}/approvals/{approval.pk}/signoffs/"
    check(api(legal_reviewer).post(url, signoff, format="json"), 201)
    second = make_user("lou", "legal")
    with nothing_written(Signoff):
        resp = api(second).post(url, signoff, format="json")
    assert_conflict(resp, "function", code="already_signed")


def test_a_second_active_review_of_a_function(api, compliance_officer, system, legal_reviewer):
    function_team("legal", legal_reviewer)
    reviews.review_create(
        actor=None, system=system, function="legal", due_at=timezone.now() + dt.timedelta(days=3)
    )
    payload = {"system": system.pk, "function": "legal"}
    with nothing_written(RiskReview):
        resp = api(compliance_officer).post(f"{S}/reviews/", payload, format="json")
    assert_conflict(resp, "function", code="duplicate_review")


def test_a_month_recorded_again_replaces_the_figure_rather_than_conflicting(
    api, system, finance_reviewer
):
    # One figure per system, month and source: the second post is the correction (200).
    body = {"period": "2026-05", "amount": "10.00", "currency": "EUR", "source": "cloud_bill"}
    url = f"{S}/systems/{system.pk}/costs/"
    check(api(finance_reviewer).post(url, body, format="json"), 201)
    check(api(finance_reviewer).post(url, body | {"amount": "12.00"}, format="json"), 200)
    assert CostRecord.objects.get(system=system).amount == 12


def test_a_conflict_with_other_errors_is_a_400_listing_them_all(api, engineer, system):
    payload = SYSTEM | {"name": "Another", "slug": "fraud-scoring", "risk_tier": "extreme"}
    with nothing_written(AISystem):
        body = check(api(engineer).post(f"{S}/systems/", payload, format="json"), 400)
    assert {(e["attr"], e["code"]) for e in body["errors"]} == {
        ("slug", "unique"),
        ("risk_tier", "invalid_choice"),
    }
