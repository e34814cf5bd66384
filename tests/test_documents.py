"""Documents: model cards, the technical documentation's completeness, evidence mapping,
registration data and the FRIA, through the API — with permissions, bad input and the audit
events each change leaves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.approvals import services as approvals
from governance.documents import assessments
from governance.documents.models import FundamentalRightsAssessment, ModelCard, SectionEvidence
from governance.policies.models import Policy
from registry.evidence import services as evidence_services
from registry.inventory import services
from registry.inventory.choices import AIActRole, Environment, VersionStatus
from registry.inventory.models import ModelVersion
from tests.api_checks import nothing_written
from tests.conftest import make_user
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db

S = "/api/v1"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def card_url(version) -> str:
    return f"{S}/model-versions/{version.pk}/model-card/"


def attach(actor, subject_type, subject_id, kind, title="Report"):
    return evidence_services.evidence_attach(
        actor=actor,
        subject_type=subject_type,
        subject_id=subject_id,
        title=title,
        kind=kind,
        file=SimpleUploadedFile(f"{title}.pdf", PDF_BYTES, content_type="application/pdf"),
    )


# --- Model cards ------------------------------------------------------------------------------


def test_card_is_prefilled_from_the_registry_until_written(api, engineer, system, version):
    ModelVersion.objects.filter(pk=version.pk).update(
        metrics={"auc": 0.91, "recall": {"age<25": 0.7}}, card_limitations="Not for loans."
    )
    body = check(api(engineer).get(card_url(version)), 200)
    assert body["stored"] is False and body["frozen"] is False
    assert body["intended_use"] == system.purpose
    assert body["limitations"] == "Not for loans."
    assert {"name": "recall", "value": 0.7, "slice": "age<25"} in body["metrics"]
    assert body["contacts"][0] == {
        "name": "Erin",
        "role": "Technical owner",
        "email": "erin@example.com",
    }
    roles = {d["name"]: d["role"] for d in body["lineage"]["datasets"]}
    assert roles == {
        "s3://lake/transactions/features": "training",
        "s3://lake/transactions/holdout": "evaluation",
    }
    assert [d["name"] for d in body["lineage"]["upstream"]] == ["s3://lake/transactions/raw"]


def test_card_put_then_patch_with_if_match(api, engineer, version, audit_log):
    client = api(engineer)
    etag = client.get(card_url(version))["ETag"]
    full = {
        "intended_use": "Score card transactions.",
        "intended_users": "Fraud analysts.",
        "out_of_scope_uses": "Credit decisions.",
        "training_data": "Twelve months of transactions.",
        "evaluation_data": "A holdout month.",
        "metrics": [{"name": "auc", "value": 0.9, "slice": ""}],
        "limitations": "Drifts in December.",
        "ethical_considerations": "False positives block cards.",
        "human_oversight": "Analysts review every block.",
        "contacts": [{"name": "Erin", "role": "Owner", "email": "erin@example.com"}],
    }
    response = client.put(card_url(version), full, format="json", HTTP_IF_MATCH=etag)
    body = check(response, 200)
    assert body["stored"] is True and body["intended_users"] == "Fraud analysts."
    audit_log.assert_one("governance.model_card.created")
    # A stale ETag (the draft's) no longer matches the written card: 412, nothing written.
    with nothing_written(ModelCard):
        check(
            client.patch(
                card_url(version), {"limitations": "x"}, format="json", HTTP_IF_MATCH=etag
            ),
            412,
        )
    response = client.patch(
        card_url(version),
        {"limitations": "Drifts at Christmas."},
        format="json",
        HTTP_IF_MATCH=response["ETag"],
    )
    assert check(response, 200)["limitations"] == "Drifts at Christmas."
    event = audit_log.assert_one("governance.model_card.updated")
    assert event.changes == {"limitations": ["Drifts in December.", "Drifts at Christmas."]}
    # Nothing changed: no event.
    check(
        client.patch(card_url(version), {"limitations": "Drifts at Christmas."}, format="json"), 200
    )
    audit_log.assert_none()


def test_card_put_needs_every_field_and_the_right_types(api, engineer, version):
    client = api(engineer)
    with nothing_written(ModelCard):
        response = client.put(card_url(version), {"intended_use": "x"}, format="json")
        check(response, 400)
        assert "metrics" in error_attrs(response) and "limitations" in error_attrs(response)
        response = client.patch(
            card_url(version), {"metrics": [{"name": "auc", "value": "high"}]}, format="json"
        )
        check(response, 400)
        assert error_attrs(response) == {"metrics"}
        assert "numeric value" in response.json()["errors"][0]["detail"]
        response = client.patch(
            card_url(version), {"contacts": [{"name": "x", "email": "nope"}]}, format="json"
        )
        assert error_attrs(check(response, 400) and response) == {"contacts"}
        response = client.patch(card_url(version), {"limitations": ["not", "text"]}, format="json")
        assert error_attrs(check(response, 400) and response) == {"limitations"}


def test_card_of_an_approved_version_is_frozen(api, engineer, version):
    ModelVersion.objects.filter(pk=version.pk).update(status=VersionStatus.APPROVED)
    with nothing_written(ModelCard):
        response = api(engineer).patch(card_url(version), {"limitations": "x"}, format="json")
        check(response, 409)
    error = response.json()["errors"][0]
    assert error["code"] == "frozen"
    assert "Version 1.0.0 is approved: its model card is frozen" in error["detail"]
    assert "Register a new version" in error["detail"]


def test_a_new_version_card_starts_from_the_previous_card(api, engineer, model, version):
    check(
        api(engineer).patch(card_url(version), {"out_of_scope_uses": "Loans."}, format="json"), 200
    )
    newer = services.version_create(actor=None, model=model, version="1.1.0")
    assert check(api(engineer).get(card_url(newer)), 200)["out_of_scope_uses"] == "Loans."


def test_card_permissions(
    api, version, other_engineer, executive, auditor, security_reviewer, teammate
):
    # Others (not owners, no reviewing function): 404, for read and write alike.
    check(api(other_engineer).get(card_url(version)), 404)
    check(api(other_engineer).patch(card_url(version), {"limitations": "x"}, format="json"), 404)
    # Executives and auditors read, never write.
    for reader in (executive, auditor):
        check(api(reader).get(card_url(version)), 200)
        check(api(reader).patch(card_url(version), {"limitations": "x"}, format="json"), 403)
    # The owning team and the reviewers write.
    check(api(teammate).patch(card_url(version), {"limitations": "a"}, format="json"), 200)
    check(api(security_reviewer).patch(card_url(version), {"limitations": "b"}, format="json"), 200)
    check(api().get(card_url(version)), 401)


# --- Technical documentation --------------------------------------------------------------------


def doc_url(system) -> str:
    return f"{S}/systems/{system.pk}/technical-documentation/"


def sections(body) -> dict:
    return {s["key"]: s for s in body["sections"]}


def test_documentation_says_what_is_missing_in_words(api, compliance_officer, system, version):
    body = check(api(compliance_officer).get(doc_url(system)), 200)
    found = sections(body)
    assert len(found) == 9
    risk = [m["text"] for m in found["risk_management"]["missing"]]
    assert "No risk review by security completed in the last 90 days." in risk
    performance = [m["text"] for m in found["performance_metrics"]["missing"]]
    assert "No evidence of kind 'test results' for fraud-xgb v1.0.0." in performance
    assert (
        found["performance_metrics"]["missing"][-1]["fix_url"]
        == f"/versions/{version.pk}/#evidence"
    )
    assert found["lifecycle_changes"]["status"] == "complete"
    assert found["standards"]["status"] == "missing"
    assert found["general_description"]["status"] == "partial"
    assert body["ledger_head"]["sequence"] > 0 and len(body["ledger_head"]["hash"]) == 64
    # 1 complete, partial sections ½, missing 0: the documented rule.
    statuses = [s["status"] for s in body["sections"]]
    points = 2 * statuses.count("complete") + statuses.count("partial")
    assert body["score"] == points * 100 // 18


def test_evidence_counts_by_kind_and_by_explicit_mapping(
    api, compliance_officer, engineer, system, version, audit_log
):
    test_results = attach(engineer, "model_version", version.pk, "test_results", "Holdout results")
    declaration = attach(engineer, "system", system.pk, "other", "EU declaration of conformity")
    client = api(compliance_officer)
    found = sections(check(client.get(doc_url(system)), 200))
    assert test_results.pk in found["performance_metrics"]["evidence"]
    assert declaration.pk not in found["declaration_of_conformity"]["evidence"]
    audit_log.mark()
    url = doc_url(system) + "evidence/"
    body = check(
        client.post(
            url, {"section": "declaration_of_conformity", "evidence": declaration.pk}, format="json"
        ),
        201,
    )
    event = audit_log.assert_one("governance.documentation.evidence_mapped")
    assert event.changes["sha256"] == declaration.sha256
    found = sections(check(client.get(doc_url(system)), 200))
    assert declaration.pk in found["declaration_of_conformity"]["evidence"]
    # A corrected version of the item stays mapped (by its lineage).
    newer = evidence_services.evidence_supersede(
        actor=engineer,
        item=declaration,
        file=SimpleUploadedFile("d.pdf", PDF_BYTES + b"%2", content_type="application/pdf"),
    )
    found = sections(check(client.get(doc_url(system)), 200))
    assert newer.pk in found["declaration_of_conformity"]["evidence"]
    cited = {e["id"]: e for e in check(client.get(doc_url(system)), 200)["evidence"]}
    assert cited[newer.pk]["sha256"] == newer.sha256 and cited[newer.pk]["audit_sequence"]
    audit_log.mark()
    check(client.delete(f"{url}{body['id']}/"), 204)
    audit_log.assert_one("governance.documentation.evidence_unmapped")
    assert not SectionEvidence.objects.exists()


def test_mapping_refuses_unknown_sections_and_foreign_evidence(
    api, compliance_officer, engineer, other_team, system
):
    other = services.system_create(
        actor=None, owning_team=other_team, name="Chat", purpose="Chat.", risk_tier="minimal"
    )
    foreign = attach(None, "system", other.pk, "policy")
    url = doc_url(system) + "evidence/"
    client = api(compliance_officer)
    with nothing_written(SectionEvidence):
        response = client.post(url, {"section": "appendix", "evidence": foreign.pk}, format="json")
        assert error_attrs(check(response, 400) and response) == {"section"}
        response = client.post(url, {"section": "standards", "evidence": foreign.pk}, format="json")
        assert error_attrs(check(response, 400) and response) == {"evidence"}
        response = client.post(url, {"section": "standards", "evidence": "x"}, format="json")
        assert error_attrs(check(response, 400) and response) == {"evidence"}


def test_narrative_is_set_per_section_with_if_match(api, compliance_officer, system, audit_log):
    client = api(compliance_officer)
    etag = client.get(doc_url(system))["ETag"]
    body = {"narrative": {"standards": "ISO/IEC 42001:2023; ISO/IEC 23894."}}
    response = client.patch(doc_url(system), body, format="json", HTTP_IF_MATCH=etag)
    assert sections(check(response, 200))["standards"]["narrative"].startswith("ISO/IEC 42001")
    audit_log.assert_one("governance.documentation.updated")
    check(client.patch(doc_url(system), body, format="json", HTTP_IF_MATCH=etag), 412)
    response = client.patch(doc_url(system), {"narrative": {"appendix": "x"}}, format="json")
    assert error_attrs(check(response, 400) and response) == {"narrative"}
    response = client.patch(doc_url(system), {"narrative": "text"}, format="json")
    assert error_attrs(check(response, 400) and response) == {"narrative"}
    audit_log.assert_none()


def test_documentation_permissions(api, system, other_engineer, executive, auditor, teammate):
    check(api(other_engineer).get(doc_url(system)), 404)
    check(
        api(other_engineer).patch(
            doc_url(system), {"narrative": {"standards": "x"}}, format="json"
        ),
        404,
    )
    for reader in (executive, auditor):
        check(api(reader).get(doc_url(system)), 200)
        response = api(reader).patch(
            doc_url(system), {"narrative": {"standards": "x"}}, format="json"
        )
        check(response, 403)
    check(
        api(teammate).patch(doc_url(system), {"narrative": {"standards": "x"}}, format="json"), 200
    )


def test_documentation_query_count_does_not_grow(
    api, compliance_officer, engineer, system, model, django_assert_max_num_queries
):
    def grow(n):
        for i in range(n):
            v = services.version_create(
                actor=None, model=model, version=f"2.{ModelVersion.objects.count()}.{i}"
            )
            attach(engineer, "model_version", v.pk, "test_results", f"r{v.pk}")
            services.system_update(actor=None, system=system, data={"business_unit": f"bu{v.pk}"})

    client = api(compliance_officer)
    check(client.get(doc_url(system)), 200)  # the user's roles are read once, then cached
    counts = []
    for n in (1, 6):
        grow(n)
        with django_assert_max_num_queries(40) as ctx:
            check(client.get(doc_url(system)), 200)
        counts.append([q["sql"][:90] for q in ctx.captured_queries])
    assert len(counts[0]) == len(counts[1]), set(counts[1]) ^ set(counts[0])


# --- Policies: documentation before a production request ---------------------------------------


def test_production_request_needs_the_documentation_the_policy_asks(engineer, system, version):
    Policy.objects.filter(risk_tier="high").update(
        documentation_min_score=50, documentation_no_missing=True
    )
    from registry.core.exceptions import ConflictError

    with pytest.raises(ConflictError) as refused:
        approvals.approval_request(
            actor=engineer,
            model_version=version,
            environment=Environment.PRODUCTION,
            justification="Go.",
        )
    message = refused.value.message
    assert refused.value.code == "prerequisites_missing"
    assert "the high-risk policy requires 50%" in message
    assert "missing: " in message and "Risk management system" in message
    assert "No risk review by security completed in the last 90 days." in message
    # Staging is not held back.
    approvals.approval_request(
        actor=engineer, model_version=version, environment=Environment.STAGING, justification="Try."
    )


def test_policy_fields_are_edited_through_the_api(api, compliance_officer):
    policy = Policy.objects.get(risk_tier="high")
    assert policy.fria_required is True and policy.documentation_min_score == 0
    response = api(compliance_officer).patch(
        f"{S}/policies/{policy.pk}/", {"documentation_min_score": 101}, format="json"
    )
    assert error_attrs(check(response, 400) and response) == {"documentation_min_score"}
    body = check(
        api(compliance_officer).patch(
            f"{S}/policies/{policy.pk}/",
            {"documentation_min_score": 50, "documentation_no_missing": True},
            format="json",
        ),
        200,
    )
    assert body["documentation_min_score"] == 50 and body["documentation_no_missing"] is True


# --- Registration data --------------------------------------------------------------------------


def test_registration_data_is_prefilled_validated_and_exported(api, engineer, system, audit_log):
    url = f"{S}/systems/{system.pk}/registration/"
    client = api(engineer)
    body = check(client.get(url), 200)
    assert body["annex_viii_section"] == "A" and body["complete"] is False
    assert body["data"]["trade_name"] == "Fraud scoring" and "trade_name" in body["prefilled"]
    assert {m["field"] for m in body["missing"]} >= {"provider_name", "member_states"}
    with nothing_written():
        response = client.patch(
            url, {"data": {"member_states": ["DE", "XX"], "colour": "red"}}, format="json"
        )
        check(response, 400)
        assert error_attrs(response) == {"data.member_states", "data.colour"}
        response = client.patch(
            url, {"data": {"instructions_for_use_url": "javascript:alert(1)"}}, format="json"
        )
        assert error_attrs(check(response, 400) and response) == {"data.instructions_for_use_url"}
    complete = {
        "provider_name": "Northbridge Bank plc",
        "provider_address": "1 Quay Street, Dublin",
        "provider_contact": "ai-register@northbridge.example",
        "intended_purpose": "Score card transactions for fraud.",
        "data_and_logic": "Transaction features; gradient-boosted trees.",
        "market_status": "in_service",
        "member_states": ["IE", "DE"],
        "declaration_of_conformity": "DoC-2026-014",
        "instructions_for_use_url": "https://docs.northbridge.example/fraud-scoring",
    }
    body = check(client.patch(url, {"data": complete}, format="json"), 200)
    assert body["complete"] is True, body["missing"]
    audit_log.assert_one("governance.registration.updated")


def test_deployer_registration_uses_section_c(api, engineer, system):
    services.system_update(actor=None, system=system, data={"ai_act_role": AIActRole.DEPLOYER})
    body = check(api(engineer).get(f"{S}/systems/{system.pk}/registration/"), 200)
    assert body["annex_viii_section"] == "C"
    assert {m["field"] for m in body["missing"]} >= {
        "deployer_name",
        "provider_database_url",
        "fria_summary",
    }


# --- FRIA ----------------------------------------------------------------------------------------

FRIA_TEXT = {
    "processes": "Card authorisation: blocked transactions go to the fraud desk.",
    "period_of_use": "Continuously, every card transaction, from March 2027.",
    "affected_persons": "Card holders; merchants.",
    "risks_of_harm": "Wrongful blocks; indirect discrimination by age.",
    "oversight_measures": "Analysts review every block within 15 minutes.",
    "mitigation_measures": "Unblock within the hour; quarterly disparity review.",
    "complaint_mechanism": "Complaints through the bank's customer service; ombudsman.",
}


@pytest.fixture
def deployer(system):
    return services.system_update(
        actor=None, system=system, data={"ai_act_role": AIActRole.DEPLOYER, "vendor": "TalentSift"}
    )


def test_fria_is_written_submitted_and_signed_with_separation_of_duties(
    api, deployer, engineer, compliance_officer, privacy_reviewer, audit_log
):
    client = api(engineer)
    body = check(
        client.post(f"{S}/frias/", {"system": deployer.pk, "processes": "x"}, format="json"), 201
    )
    audit_log.assert_one("governance.fria.created")
    url = f"{S}/frias/{body['id']}/"
    # Incomplete: 400 naming each field it lacks.
    response = client.post(url + "submit/")
    check(response, 400)
    assert {"period_of_use", "complaint_mechanism"} <= error_attrs(response)
    check(client.patch(url, FRIA_TEXT, format="json"), 200)
    check(client.post(url + "submit/"), 200)
    # The writer does not sign (and is no member of the function either way).
    writer_privacy = make_user("wendy", "privacy")
    check(
        api(writer_privacy).patch(url, {"processes": "y"}, format="json"), 409
    )  # submitted: frozen
    response = api(engineer).post(
        url + "signoffs/", {"function": "compliance", "decision": "approve"}, format="json"
    )
    check(response, 403)
    body = check(
        api(compliance_officer).post(
            url + "signoffs/", {"function": "compliance", "decision": "approve"}, format="json"
        ),
        201,
    )
    assert body["status"] == "submitted"
    # One person, one function.
    compliance_officer.groups.add(privacy_reviewer.groups.first())
    compliance_officer._steward_roles = None
    response = api(compliance_officer).post(
        url + "signoffs/", {"function": "privacy", "decision": "approve"}, format="json"
    )
    check(response, 403)
    assert "one function each" in response.json()["errors"][0]["detail"]
    audit_log.mark()
    body = check(
        api(privacy_reviewer).post(
            url + "signoffs/", {"function": "privacy", "decision": "approve"}, format="json"
        ),
        201,
    )
    assert body["status"] == "approved" and body["assessed_risk_tier"] == "high"
    audit_log.assert_one("governance.fria.signed")


def test_fria_needs_the_dpia_where_personal_data_is_processed(
    api, deployer, engineer, version, datasets
):
    services.dataset_update(
        actor=None,
        dataset=datasets["features"],
        data={"contains_personal_data": True, "legal_basis": "contract"},
    )
    fria = assessments.fria_create(actor=engineer, system=deployer, data=FRIA_TEXT)
    response = api(engineer).post(f"{S}/frias/{fria.pk}/submit/")
    check(response, 400)
    assert error_attrs(response) == {"dpia"}
    assert "s3://lake/transactions/features" in response.json()["errors"][0]["detail"]
    dpia = attach(engineer, "system", deployer.pk, "dpia", "DPIA 2026")
    check(api(engineer).patch(f"{S}/frias/{fria.pk}/", {"dpia": dpia.pk}, format="json"), 200)
    assert (
        check(api(engineer).post(f"{S}/frias/{fria.pk}/submit/"), 200)["dpia"]["sha256"]
        == dpia.sha256
    )


def _approved_fria(deployer, engineer, compliance_officer, privacy_reviewer):
    fria = assessments.fria_create(actor=engineer, system=deployer, data=FRIA_TEXT)
    assessments.fria_submit(actor=engineer, fria=fria)
    for user, function in ((compliance_officer, "compliance"), (privacy_reviewer, "privacy")):
        assessments.fria_signoff(actor=user, fria=fria, function=function, decision="approve")
    fria.refresh_from_db()
    return fria


def test_gate_refuses_a_deployer_without_a_signed_fria(
    deployer, engineer, version, compliance_officer, privacy_reviewer
):
    version = ModelVersion.objects.select_related("model__system").get(pk=version.pk)
    decision = approvals.gate_decide(model_version=version, environment=Environment.PRODUCTION)
    assert any(
        "fundamental-rights impact assessment (EU AI Act Art. 27)" in r for r in decision.reasons
    )
    fria = _approved_fria(deployer, engineer, compliance_officer, privacy_reviewer)
    decision = approvals.gate_decide(model_version=version, environment=Environment.PRODUCTION)
    assert not any("FRIA" in r or "Art. 27" in r for r in decision.reasons)
    # A substantial change (the intended use) makes it outdated: the gate says so.
    services.system_update(actor=None, system=deployer, data={"intended_use": "Also merchants."})
    version = ModelVersion.objects.select_related("model__system").get(pk=version.pk)
    fria.refresh_from_db()
    assert fria.status == "outdated" and "intended use" in fria.status_reason
    decision = approvals.gate_decide(model_version=version, environment=Environment.PRODUCTION)
    assert f"FRIA #{fria.number} of 'Fraud scoring' is outdated" in " ".join(decision.reasons)
    # The next one starts from its text.
    redo = assessments.fria_create(actor=engineer, system=deployer)
    assert redo.number == 2 and redo.processes == FRIA_TEXT["processes"]


def test_a_replaced_dpia_makes_the_fria_outdated(
    deployer, engineer, compliance_officer, privacy_reviewer
):
    dpia = attach(engineer, "system", deployer.pk, "dpia", "DPIA")
    fria = assessments.fria_create(actor=engineer, system=deployer, data=FRIA_TEXT, dpia=dpia)
    assessments.fria_submit(actor=engineer, fria=fria)
    for user, function in ((compliance_officer, "compliance"), (privacy_reviewer, "privacy")):
        assessments.fria_signoff(actor=user, fria=fria, function=function, decision="approve")
    evidence_services.evidence_supersede(
        actor=engineer,
        item=dpia,
        file=SimpleUploadedFile("d.pdf", PDF_BYTES + b"%v2", content_type="application/pdf"),
    )
    assert FundamentalRightsAssessment.objects.get(pk=fria.pk).status == "outdated"


def test_changes_requested_return_the_fria_to_draft_for_a_new_round(
    api, deployer, engineer, compliance_officer
):
    fria = assessments.fria_create(actor=engineer, system=deployer, data=FRIA_TEXT)
    assessments.fria_submit(actor=engineer, fria=fria)
    url = f"{S}/frias/{fria.pk}/signoffs/"
    response = api(compliance_officer).post(
        url, {"function": "compliance", "decision": "changes_requested"}, format="json"
    )
    assert error_attrs(check(response, 400) and response) == {"comment"}
    body = check(
        api(compliance_officer).post(
            url,
            {
                "function": "compliance",
                "decision": "changes_requested",
                "comment": "Name the merchants' risks.",
            },
            format="json",
        ),
        201,
    )
    assert body["status"] == "draft" and body["round"] == 2


def test_fria_permissions(api, deployer, engineer, other_engineer, auditor):
    fria = assessments.fria_create(actor=engineer, system=deployer, data=FRIA_TEXT)
    check(api(other_engineer).get(f"{S}/frias/{fria.pk}/"), 404)
    check(api(other_engineer).post(f"{S}/frias/", {"system": deployer.pk}, format="json"), 404)
    check(api(auditor).get(f"{S}/frias/{fria.pk}/"), 200)
    check(api(auditor).patch(f"{S}/frias/{fria.pk}/", {"processes": "x"}, format="json"), 403)
    assert [f["id"] for f in check(api(other_engineer).get(f"{S}/frias/"), 200)["results"]] == []
    check(api(engineer).get(f"{S}/frias/?system=abc"), 400)


def test_serious_incident_past_its_deadline_is_a_gap(api, compliance_officer, system):
    now = dt.datetime.now(dt.UTC)
    services.incident_create(
        actor=None,
        system=system,
        title="Wrongful blocks",
        severity="high",
        opened_at=now - dt.timedelta(days=30),
        is_serious=True,
        serious_category="harm",
        aware_at=now - dt.timedelta(days=30),
    )
    found = sections(check(api(compliance_officer).get(doc_url(system)), 200))
    texts = [m["text"] for m in found["post_market_monitoring"]["missing"]]
    assert any(
        t.startswith("Serious incident 'Wrongful blocks' was due to be reported") for t in texts
    )
