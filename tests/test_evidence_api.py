"""The evidence API: attaching files and links, what is refused and what it leaves (nothing),
who sees and downloads what (404 for what they may not see, 403 for what they may not do),
versions and withdrawal, and the list's query count."""

from __future__ import annotations

import hashlib

import pytest
from django.db import transaction

from registry.audit.models import AuditEvent
from registry.evidence import hooks, storage
from registry.evidence import services as evidence_services
from registry.evidence.models import EvidenceImmutableError, EvidenceItem
from tests.api_checks import assert_list_queries_flat, nothing_written
from tests.conftest import make_user
from tests.evidence_support import (
    CLEAN_HTML,
    PDF,
    PNG,
    attach,
    attached,
    office,
    stored_files,
    upload,
    zip_bomb,
)
from tests.helpers import check, error_attrs

pytestmark = pytest.mark.django_db
URL = "/api/v1/evidence/"


# --- Attaching --------------------------------------------------------------------------------


def test_engineer_attaches_a_file_to_a_version(api, engineer, version, evidence_dir, audit_log):
    body = attached(api(engineer), "model_version", version.pk, name="Validation Report.pdf")
    digest = hashlib.sha256(PDF).hexdigest()
    assert body["sha256"] == digest and body["size"] == len(PDF)
    assert (
        body["content_type"] == "application/pdf" and body["file_name"] == "Validation Report.pdf"
    )
    assert (body["version"], body["status"], body["subject_repr"]) == (1, "current", str(version))
    # Stored under a generated key, not the name it came with.
    [path] = stored_files(evidence_dir)
    assert path.read_bytes() == PDF and "Validation" not in str(path)
    event = audit_log.assert_one("registry.evidence.attached", actor_id=engineer.pk)
    assert event.changes["sha256"] == digest and event.changes["size"] == len(PDF)
    assert event.changes["content_type"] == "application/pdf"
    assert (event.changes["subject_type"], event.changes["subject_id"]) == (
        "model_version",
        version.pk,
    )


def test_a_link_is_attached_with_json(api, engineer, system, audit_log):
    body = check(
        api(engineer).post(
            URL,
            {
                "subject_type": "system",
                "subject_id": system.pk,
                "title": "Vendor contract",
                "kind": "vendor_documentation",
                "link_url": "https://contracts.example.com/123",
                "author": "Legal",
                "document_date": "2026-11-01",
            },
            format="json",
        ),
        201,
    )
    assert body["link_url"] == "https://contracts.example.com/123"
    assert body["download_url"] is None and body["sha256"] == ""
    audit_log.assert_one("registry.evidence.attached")


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://files.example.com/x", "file:///etc/passwd", "nope"]
)
def test_a_link_must_be_http_or_https(api, engineer, system, url):
    with nothing_written(EvidenceItem):
        response = api(engineer).post(
            URL,
            {
                "subject_type": "system",
                "subject_id": system.pk,
                "title": "x",
                "kind": "other",
                "link_url": url,
            },
            format="json",
        )
    check(response, 400)
    assert error_attrs(response) == {"link_url"}


def test_a_file_and_a_link_at_once_or_neither_is_refused(api, engineer, system):
    client = api(engineer)
    with nothing_written(EvidenceItem):
        both = attach(client, "system", system.pk, link_url="https://x.test/")
        neither = client.post(
            URL, {"subject_type": "system", "subject_id": system.pk, "title": "x", "kind": "other"}
        )
    for response in (both, neither):
        check(response, 400)
        assert error_attrs(response) == {"file"}


@pytest.mark.parametrize(
    ("subject_type", "fixture"),
    [("system", "system"), ("dataset", "datasets"), ("incident", None), ("finding", "finding")],
)
def test_evidence_attaches_to_each_kind_of_subject(
    api, engineer, request, subject_type, fixture, system
):
    if subject_type == "incident":
        from registry.inventory import services

        subject = services.incident_create(actor=None, system=system, title="t", severity="low")
    else:
        subject = request.getfixturevalue(fixture)
        subject = subject["raw"] if subject_type == "dataset" else subject
    body = attached(api(engineer), subject_type, subject.pk)
    assert body["subject_id"] == subject.pk


def test_evidence_attaches_to_an_approval_and_a_review(api, engineer, version, compliance_officer):
    from governance.reviews import services as reviews
    from tests.ui_support import pending_approval

    approval = pending_approval(engineer, version)
    attached(api(engineer), "approval", approval.pk)
    review = reviews.review_create(
        actor=compliance_officer, system=version.model.system, function="compliance"
    )
    attached(api(compliance_officer), "review", review.pk, kind="test_results")


def test_a_subject_the_user_may_not_see_is_404(api, other_engineer, finding, evidence_dir):
    # Findings are need-to-know: an engineer of another team does not see this one.
    with nothing_written(EvidenceItem):
        response = attach(api(other_engineer), "finding", finding.pk)
    check(response, 404)
    assert stored_files(evidence_dir) == []


def test_a_subject_that_does_not_exist_is_404(api, engineer):
    check(attach(api(engineer), "model_version", 999999), 404)


def test_an_unknown_subject_type_is_400(api, engineer, version):
    response = attach(api(engineer), "spaceship", version.pk)
    check(response, 400)
    assert error_attrs(response) == {"subject_type"}


@pytest.mark.parametrize("who", ["other_engineer", "executive", "auditor"])
def test_only_owners_and_reviewers_attach(api, request, who, version, evidence_dir):
    with nothing_written(EvidenceItem):
        response = attach(api(request.getfixturevalue(who)), "model_version", version.pk)
    check(response, 403)
    assert stored_files(evidence_dir) == []


def test_a_reviewer_attaches_to_a_system_they_do_not_own(api, security_reviewer, system):
    attached(api(security_reviewer), "system", system.pk, kind="security_assessment")


def test_unauthenticated_is_refused(api, version):
    check(attach(api(), "model_version", version.pk), 401)
    check(api().get(URL), 401)


# --- Bad files --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("report.pdf", PNG, "type_mismatch"),
        ("report.docx", PDF, "type_mismatch"),
        ("slides.txt", CLEAN_HTML, "type_mismatch"),
        ("installer.exe", PDF, "executable"),
        ("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, "executable"),
        ("notebook.html", b"<html><body><script>steal()</script></body></html>", "html_script"),
        ("notebook.html", b"<html><body><img src=x onerror=steal()></body></html>", "html_script"),
        ("card.docx", zip_bomb(), "zip_bomb"),
        ("card.docm", office("docx"), "executable"),
        ("model.pkl", b"\x80\x04binary", "unsupported_type"),
        ("empty.pdf", b"", None),
    ],
)
def test_refused_files_leave_nothing(
    api, engineer, version, evidence_dir, name, data, code, tmp_path, settings
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    before = set(tmp_path.iterdir())
    with nothing_written(EvidenceItem):
        response = attach(api(engineer), "model_version", version.pk, name=name, data=data)
    check(response, 400)
    errors = response.json()["errors"]
    assert {e["attr"] for e in errors} == {"file"}
    if code:
        assert {e["code"] for e in errors} == {code}
    assert stored_files(evidence_dir) == []
    assert set(tmp_path.iterdir()) == before  # the spooled upload is gone too


def test_path_traversal_and_unicode_tricks_in_names_are_neutralised(
    api, engineer, version, evidence_dir
):
    body = attached(api(engineer), "model_version", version.pk, name="../../../etc/report.pdf")
    assert body["file_name"] == "report.pdf"
    body = attached(api(engineer), "model_version", version.pk, name="rep\u200bort\u202e.pdf")
    assert body["file_name"] == "report.pdf"
    for path in stored_files(evidence_dir):
        assert path.resolve().is_relative_to(evidence_dir.resolve())
    # A program disguised by a right-to-left override ("…exe.pdf" on screen) is refused.
    response = attach(api(engineer), "model_version", version.pk, name="cv\u202efdp.exe")
    check(response, 400)


def test_a_file_over_the_limit_is_413_and_nothing_is_stored(
    api, engineer, version, evidence_dir, settings
):
    settings.STEWARD_EVIDENCE_MAX_BYTES = 10_000
    with nothing_written(EvidenceItem):
        response = attach(api(engineer), "model_version", version.pk, data=PDF * 20)
    check(response, 413)
    assert error_attrs(response) == {"file"}
    assert stored_files(evidence_dir) == []


def test_a_body_declared_over_the_limit_is_413_before_it_is_read(
    api, engineer, version, settings, evidence_dir
):
    settings.STEWARD_EVIDENCE_MAX_BYTES = 10_000
    client = api(engineer)
    boundary = "BoUnDaRy"
    # Declares 50 MB but sends a few bytes: refused on the declaration alone.
    response = client.generic(
        "POST",
        URL,
        data=f"--{boundary}\r\n".encode(),
        content_type=f"multipart/form-data; boundary={boundary}",
        CONTENT_LENGTH=str(50 * 1000 * 1000),
    )
    check(response, 413)
    assert stored_files(evidence_dir) == []


def _multipart(boundary: str, version, data: bytes, *, close: bool = True) -> bytes:
    fields = {
        "subject_type": "model_version",
        "subject_id": str(version.pk),
        "title": "Validation report",
        "kind": "validation_report",
    }
    body = b""
    for name, value in fields.items():
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        ).encode()
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="report.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode() + data
    if close:
        body += f"\r\n--{boundary}--\r\n".encode()
    return body


def test_an_interrupted_upload_leaves_no_file_and_no_event(
    api, engineer, version, evidence_dir, tmp_path, settings
):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    boundary = "cut-off"
    # The client went away half-way through the file: the body ends without its last boundary.
    body = _multipart(boundary, version, PDF * 50, close=False)
    body = body[: len(body) - 500]
    with nothing_written(EvidenceItem):
        response = api(engineer).generic(
            "POST", URL, data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )
    check(response, 400)
    assert stored_files(evidence_dir) == []
    assert list(tmp_path.glob("*.upload*")) == []


def test_a_raw_multipart_upload_streams_through_the_handler(api, engineer, version, evidence_dir):
    boundary = "whole"
    body = _multipart(boundary, version, PDF)
    response = api(engineer).generic(
        "POST", URL, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert check(response, 201)["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_a_second_file_in_the_request_is_refused(api, engineer, version, evidence_dir):
    response = api(engineer).post(
        URL,
        {
            "subject_type": "model_version",
            "subject_id": version.pk,
            "title": "x",
            "kind": "other",
            "file": upload("a.pdf", PDF),
            "other": upload("b.pdf", PDF),
        },
        format="multipart",
    )
    check(response, 400)
    assert stored_files(evidence_dir) == []


@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_rolls_back_after_the_file_was_stored_leaves_no_file(
    engineer, version, evidence_dir
):
    from django.core.files.base import ContentFile

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        evidence_services.evidence_attach(
            actor=engineer,
            subject_type="model_version",
            subject_id=version.pk,
            title="Validation report",
            kind="validation_report",
            file=ContentFile(PDF, name="report.pdf"),
        )
        assert len(stored_files(evidence_dir)) == 1  # stored inside the transaction…
        raise Boom
    # …and gone once the connection has left it (the end of every request does this).
    assert storage.discard_uncommitted() == 1
    assert stored_files(evidence_dir) == []
    assert not EvidenceItem.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="registry.evidence").exists()


@pytest.mark.django_db(transaction=True)
def test_a_correction_whose_transaction_fails_leaves_no_file_and_no_event(
    api, engineer, version, evidence_dir
):
    first = attached(api(engineer), "model_version", version.pk)

    def refuse(**kwargs):
        raise RuntimeError("a hook refused the change")

    hooks.on_evidence_changed(refuse)
    try:
        events = AuditEvent.objects.count()
        with pytest.raises(RuntimeError):
            api(engineer).post(
                f"{URL}{first['id']}/versions/", {"file": upload("v2.pdf", PDF + b"v2")}
            )
    finally:
        hooks.evidence_changed.unregister(refuse)
    assert len(stored_files(evidence_dir)) == 1  # the first version's file only
    assert AuditEvent.objects.count() == events
    assert EvidenceItem.objects.get().status == "current"


def test_a_file_handed_to_the_service_is_inspected_too(engineer, version):
    from django.core.exceptions import ValidationError
    from django.core.files.base import ContentFile

    with pytest.raises(ValidationError):
        evidence_services.evidence_attach(
            actor=engineer,
            subject_type="model_version",
            subject_id=version.pk,
            title="x",
            kind="other",
            file=ContentFile(b"MZ\x90", name="report.pdf"),
        )
    item = evidence_services.evidence_attach(
        actor=engineer,
        subject_type="model_version",
        subject_id=version.pk,
        title="x",
        kind="other",
        file=ContentFile(office("xlsx"), name="m.xlsx"),
    )
    assert item.content_type.endswith("spreadsheetml.sheet")


def test_idempotency_key_replays_an_upload(api, engineer, version, evidence_dir):
    client = api(engineer)
    first = attach(
        client, "model_version", version.pk, headers={"HTTP_IDEMPOTENCY_KEY": "upload-1"}
    )
    again = attach(
        client, "model_version", version.pk, headers={"HTTP_IDEMPOTENCY_KEY": "upload-1"}
    )
    assert check(again, 201) == check(first, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert EvidenceItem.objects.count() == 1 and len(stored_files(evidence_dir)) == 1
    # The same key with other content is another request.
    other = attach(
        client,
        "model_version",
        version.pk,
        data=PDF + b"x",
        headers={"HTTP_IDEMPOTENCY_KEY": "upload-1"},
    )
    check(other, 422)


# --- Reading and downloading ------------------------------------------------------------------


def test_download_is_an_attachment_with_the_sniffed_type(api, engineer, executive, version):
    body = attached(api(engineer), "model_version", version.pk, name="report.pdf")
    response = api(executive).get(body["download_url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["ETag"] == f'"{body["sha256"]}"'


def test_html_evidence_is_only_ever_a_sandboxed_download(api, engineer, version):
    body = attached(api(engineer), "model_version", version.pk, name="nb.html", data=CLEAN_HTML)
    response = api(engineer).get(body["download_url"])
    assert response["Content-Type"] == "text/html"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_link_has_nothing_to_download(api, engineer, system):
    item = evidence_services.evidence_attach(
        actor=engineer,
        subject_type="system",
        subject_id=system.pk,
        title="x",
        kind="other",
        link_url="https://x.test/",
    )
    check(api(engineer).get(f"{URL}{item.pk}/download/"), 409)


def _restricted(api, engineer, version, **fields):
    return attached(
        api(engineer),
        "model_version",
        version.pk,
        title="DPIA",
        kind="dpia",
        restricted="true",
        **fields,
    )


def test_restricted_evidence_names_the_functions_of_its_kind(api, engineer, version):
    body = _restricted(api, engineer, version)
    assert body["restricted"] is True and body["functions"] == ["legal", "privacy"]
    body = _restricted(api, engineer, version, functions=["security"])
    assert body["functions"] == ["security"]


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("engineer", True),  # the technical owner, who uploaded it
        ("teammate", True),  # the owning team
        ("executive", True),  # the system's accountable executive
        ("compliance_officer", True),
        ("auditor", True),
        ("privacy_reviewer", True),  # a named function
        ("legal_reviewer", True),
        ("security_reviewer", False),  # a reviewer, but not named
        ("other_engineer", False),
    ],
)
def test_restricted_evidence_is_only_for_owners_compliance_auditors_and_named_functions(
    api, request, engineer, version, who, sees, audit_log
):
    body = _restricted(api, engineer, version)
    audit_log.mark()
    user = request.getfixturevalue(who)
    client = api(user)
    detail = client.get(f"{URL}{body['id']}/")
    download = client.get(body["download_url"])
    listed = check(client.get(f"{URL}?subject_type=model_version&subject_id={version.pk}"), 200)
    if sees:
        check(detail, 200)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF
        assert download["Cache-Control"] == "private, no-store"
        assert [i["id"] for i in listed["results"]] == [body["id"]]
        # Every download of restricted evidence is recorded: who, when, which digest.
        event = audit_log.assert_one("registry.evidence.downloaded", actor_id=user.pk)
        assert event.changes["sha256"] == body["sha256"]
    else:
        check(detail, 404)
        check(download, 404)
        assert listed["results"] == []
        audit_log.assert_none()


def test_an_executive_of_another_system_does_not_read_restricted_evidence(api, engineer, version):
    other_exec = make_user("xena", "executive")
    body = _restricted(api, engineer, version)
    check(api(other_exec).get(f"{URL}{body['id']}/"), 404)


def test_downloads_of_unrestricted_evidence_are_not_recorded(api, engineer, version, audit_log):
    body = attached(api(engineer), "model_version", version.pk)
    audit_log.mark()
    assert api(engineer).get(body["download_url"]).status_code == 200
    audit_log.assert_none()


def test_evidence_on_a_need_to_know_subject_is_need_to_know(
    api, engineer, finding, other_engineer, security_reviewer
):
    body = attached(api(security_reviewer), "finding", finding.pk, kind="security_assessment")
    check(api(engineer).get(f"{URL}{body['id']}/"), 200)  # the finding's owner
    check(api(other_engineer).get(f"{URL}{body['id']}/"), 404)
    check(api(other_engineer).get(body["download_url"]), 404)


def test_list_filters_by_subject_and_kind(api, engineer, version, system):
    client = api(engineer)
    on_version = attached(client, "model_version", version.pk)
    attached(client, "system", system.pk, kind="policy", title="Policy")

    def ids(query: str) -> list[int]:
        return [i["id"] for i in check(client.get(URL + query), 200)["results"]]

    assert ids(f"?subject_type=model_version&subject_id={version.pk}") == [on_version["id"]]
    assert len(ids("?kind=policy")) == 1
    assert len(ids("")) == 2
    for query in ("?subject_type=nope", "?subject_id=abc", "?kind=nope", "?subject_id=1.5"):
        check(client.get(URL + query), 400)


def test_list_query_count_is_flat(
    token_client, engineer, teammate, version, django_assert_max_num_queries
):
    def add(n: int) -> None:
        for i in range(n):
            evidence_services.evidence_attach(
                actor=engineer,
                subject_type="model_version",
                subject_id=version.pk,
                title=f"Report {i}",
                kind="test_results",
                link_url=f"https://ci.example.com/{i}",
                restricted=i % 2 == 0,
                functions=["security"] if i % 3 == 0 else [],
            )

    client = token_client(teammate)
    client.get(URL)  # the token's first use records last_used_at: one write, once
    assert_list_queries_flat(
        client,
        f"{URL}?subject_type=model_version",
        django_assert_max_num_queries,
        6,
        add,
    )


# --- Versions and withdrawal ------------------------------------------------------------------


def test_a_correction_is_a_new_version_and_the_old_one_stays_downloadable(
    api, engineer, teammate, version, audit_log
):
    first = attached(api(engineer), "model_version", version.pk, author="QA")
    audit_log.mark()
    response = api(teammate).post(
        f"{URL}{first['id']}/versions/", {"file": upload("report-v2.pdf", PDF + b"% fixed\n")}
    )
    second = check(response, 201)
    assert (second["version"], second["supersedes"], second["lineage"]) == (
        2,
        first["id"],
        first["lineage"],
    )
    assert (second["title"], second["author"]) == ("Validation report", "QA")  # carried over
    event = audit_log.assert_one("registry.evidence.superseded", actor_id=teammate.pk)
    assert event.changes["supersedes_sha256"] == first["sha256"]
    assert event.changes["sha256"] == second["sha256"] != first["sha256"]
    old = check(api(engineer).get(f"{URL}{first['id']}/"), 200)
    assert (old["status"], old["superseded_by"]) == ("superseded", second["id"])
    assert b"".join(api(engineer).get(old["download_url"]).streaming_content) == PDF
    # The superseded version cannot be corrected again: the current one is.
    again = api(engineer).post(f"{URL}{first['id']}/versions/", {"file": upload("x.pdf", PDF)})
    check(again, 409)
    lineage = check(api(engineer).get(f"{URL}?lineage={first['lineage']}"), 200)
    assert {i["version"] for i in lineage["results"]} == {1, 2}


def test_a_new_version_is_inspected_like_the_first(api, engineer, version, evidence_dir):
    first = attached(api(engineer), "model_version", version.pk)
    with nothing_written(EvidenceItem):
        response = api(engineer).post(
            f"{URL}{first['id']}/versions/", {"file": upload("v2.pdf", b"MZ\x90\x00")}
        )
    check(response, 400)
    assert len(stored_files(evidence_dir)) == 1


def test_withdrawn_evidence_stays_in_the_record(api, engineer, version, audit_log):
    first = attached(api(engineer), "model_version", version.pk)
    audit_log.mark()
    check(api(engineer).post(f"{URL}{first['id']}/withdraw/", {}, format="json"), 400)
    body = check(
        api(engineer).post(
            f"{URL}{first['id']}/withdraw/", {"reason": "Wrong model."}, format="json"
        ),
        200,
    )
    assert (body["status"], body["withdrawal_reason"], body["withdrawn_by"]) == (
        "withdrawn",
        "Wrong model.",
        "erin",
    )
    audit_log.assert_one("registry.evidence.withdrawn")
    assert api(engineer).get(body["download_url"]).status_code == 200
    check(api(engineer).post(f"{URL}{first['id']}/withdraw/", {"reason": "x"}, format="json"), 409)


def test_only_owners_and_reviewers_correct_or_withdraw(api, engineer, other_engineer, version):
    first = attached(api(engineer), "model_version", version.pk)
    client = api(other_engineer)
    with nothing_written(EvidenceItem):
        check(client.post(f"{URL}{first['id']}/versions/", {"file": upload("x.pdf", PDF)}), 403)
        check(client.post(f"{URL}{first['id']}/withdraw/", {"reason": "x"}, format="json"), 403)


def test_evidence_cannot_be_edited_or_deleted(api, engineer, version):
    first = attached(api(engineer), "model_version", version.pk)
    client = api(engineer)
    check(client.patch(f"{URL}{first['id']}/", {"title": "x"}, format="json"), 405)
    check(client.delete(f"{URL}{first['id']}/"), 405)
    item = EvidenceItem.objects.get(pk=first["id"])
    item.title = "Changed"
    with pytest.raises(EvidenceImmutableError):
        item.save()
    with pytest.raises(EvidenceImmutableError):
        item.save(update_fields=["sha256"])


def test_an_upload_may_be_larger_than_other_bodies_and_a_json_link_may_not(
    api, engineer, version, system, evidence_dir, settings
):
    # The body-limit middleware asks the evidence view for its own limit: a multipart upload
    # up to STEWARD_EVIDENCE_MAX_BYTES passes, while JSON keeps the API's usual limit.
    settings.STEWARD_MAX_BODY_BYTES = 50_000
    big = PDF * 40  # ~80 kB: over the usual limit, within the evidence limit
    assert len(big) > settings.STEWARD_MAX_BODY_BYTES
    body = attached(api(engineer), "model_version", version.pk, name="big.pdf", data=big)
    assert body["size"] == len(big)
    response = api(engineer).post(
        "/api/v1/evidence/",
        {
            "subject_type": "system",
            "subject_id": system.pk,
            "title": "x" * 60_000,
            "kind": "other",
            "link_url": "https://example.test/report",
        },
        format="json",
    )
    check(response, 413)
