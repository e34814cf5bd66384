"""The evidence panel on the system, version and approval pages: a plain multipart form that
works without JavaScript (CSRF-checked after the upload handler is installed), downloads, new
versions and withdrawal through the same services as the API, and page query counts that do not
grow with the evidence."""

from __future__ import annotations

import pytest
from django.test import Client

from registry.evidence import services as evidence_services
from registry.evidence.models import EvidenceItem
from tests.api_checks import nothing_written
from tests.evidence_support import CLEAN_HTML, PDF, stored_files, upload
from tests.ui_support import pending_approval

pytestmark = pytest.mark.django_db


def client_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _form(version, **fields):
    return {
        "subject_type": "model_version",
        "subject_id": version.pk,
        "title": "Validation report",
        "kind": "validation_report",
        "file": upload("report.pdf", PDF),
        **fields,
    }


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_an_engineer_attaches_a_report_through_the_version_page(engineer, version, evidence_dir):
    client = client_for(engineer, enforce_csrf_checks=True)
    page = client.get(f"/versions/{version.pk}/")
    html = page.content.decode()
    assert 'enctype="multipart/form-data"' in html and 'type="file"' in html
    assert "js/evidence-upload.js" in html and "<script>" not in html  # no inline script
    token = page.cookies["csrftoken"].value
    next_url = f"/versions/{version.pk}/"
    response = client.post(
        f"/evidence/attach/?next={next_url}", {**_form(version), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 303 and response["Location"] == next_url
    item = EvidenceItem.objects.get()
    assert (item.subject_type, item.subject_id, item.file_name) == (
        "model_version",
        version.pk,
        "report.pdf",
    )
    page = client.get(next_url)
    html = page.content.decode()
    assert "Validation report" in html and f"/evidence/{item.pk}/download/" in html
    assert any(item.sha256 in m for m in _messages(page))


def test_an_upload_without_the_csrf_token_is_refused_and_stores_nothing(
    engineer, version, evidence_dir
):
    client = client_for(engineer, enforce_csrf_checks=True)
    with nothing_written(EvidenceItem):
        response = client.post("/evidence/attach/", _form(version))
    assert response.status_code == 403
    assert stored_files(evidence_dir) == []


def test_a_refused_file_says_why_on_the_page(engineer, version, evidence_dir):
    client = client_for(engineer)
    next_url = f"/versions/{version.pk}/"
    with nothing_written(EvidenceItem):
        response = client.post(
            f"/evidence/attach/?next={next_url}",
            _form(version, file=upload("report.pdf", b"MZ\x90\x00")),
            follow=True,
        )
    assert response.redirect_chain[-1] == (next_url, 303)
    assert any("evidence cannot be executable" in m for m in _messages(response))
    with nothing_written(EvidenceItem):
        response = client.post(
            f"/evidence/attach/?next={next_url}",
            _form(version, file=upload("setup.exe", PDF)),
            follow=True,
        )
    assert any("Not attached" in m for m in _messages(response))
    assert stored_files(evidence_dir) == []


def test_a_file_over_the_limit_gets_the_413_page(engineer, version, evidence_dir, settings):
    settings.STEWARD_EVIDENCE_MAX_BYTES = 1000
    with nothing_written(EvidenceItem):
        response = client_for(engineer).post(
            f"/evidence/attach/?next=/versions/{version.pk}/", _form(version)
        )
    assert response.status_code == 413
    assert "over the limit" in response.content.decode()
    assert stored_files(evidence_dir) == []


def test_the_upload_script_is_told_where_to_go(engineer, version):
    response = client_for(engineer).post(
        f"/evidence/attach/?next=/versions/{version.pk}/",
        _form(version),
        HTTP_X_REQUESTED_WITH="XMLHttpRequest",
    )
    assert response.status_code == 200
    assert response.json() == {"location": f"/versions/{version.pk}/"}


def test_next_must_be_a_page_of_ours(engineer, version):
    response = client_for(engineer).post(
        "/evidence/attach/?next=https://evil.example.com/", _form(version)
    )
    assert response["Location"] == "/"


def test_someone_who_may_not_attach_sees_no_form_and_is_refused(other_engineer, version):
    client = client_for(other_engineer)
    html = client.get(f"/versions/{version.pk}/").content.decode()
    assert "Attach evidence" not in html
    with nothing_written(EvidenceItem):
        response = client.post("/evidence/attach/", _form(version))
    assert response.status_code == 403


def test_a_subject_the_user_may_not_see_is_404_on_the_page_too(other_engineer, finding):
    form = {
        "subject_type": "finding",
        "subject_id": finding.pk,
        "title": "x",
        "kind": "other",
        "link_url": "https://x.test/",
    }
    with nothing_written(EvidenceItem):
        response = client_for(other_engineer).post("/evidence/attach/", form)
    assert response.status_code == 404


def test_download_version_and_withdraw_from_the_page(engineer, teammate, version, evidence_dir):
    item = evidence_services.evidence_attach(
        actor=engineer,
        subject_type="model_version",
        subject_id=version.pk,
        title="Notebook",
        kind="test_results",
        file=upload("nb.html", CLEAN_HTML),
    )
    client = client_for(teammate)
    download = client.get(f"/evidence/{item.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == CLEAN_HTML
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    next_url = f"/versions/{version.pk}/"
    response = client.post(
        f"/evidence/{item.pk}/versions/?next={next_url}",
        {"file": upload("nb-v2.html", CLEAN_HTML + b"<p>v2</p>")},
    )
    assert response.status_code == 303
    new = EvidenceItem.objects.get(supersedes=item)
    assert (new.version, new.title, new.uploaded_by) == (2, "Notebook", teammate)
    html = client.get(next_url).content.decode()
    assert "Earlier versions of Notebook (1)" in html
    assert f"/evidence/{item.pk}/download/" in html  # the old version stays downloadable
    client.post(f"/evidence/{new.pk}/withdraw/?next={next_url}", {"reason": "Wrong run."})
    new.refresh_from_db()
    assert (new.status, new.withdrawal_reason) == ("withdrawn", "Wrong run.")


def test_restricted_evidence_is_not_shown_to_outsiders(engineer, other_engineer, version):
    item = evidence_services.evidence_attach(
        actor=engineer,
        subject_type="model_version",
        subject_id=version.pk,
        title="DPIA for scoring",
        kind="dpia",
        restricted=True,
        link_url="https://privacy.example.com/dpia",
    )
    assert (
        "DPIA for scoring"
        not in client_for(other_engineer).get(f"/versions/{version.pk}/").content.decode()
    )
    assert client_for(other_engineer).get(f"/evidence/{item.pk}/download/").status_code == 404
    assert (
        "DPIA for scoring" in client_for(engineer).get(f"/versions/{version.pk}/").content.decode()
    )


def test_the_approval_page_shows_the_versions_and_the_requests_evidence(
    engineer, compliance_officer, version
):
    approval = pending_approval(engineer, version)
    for subject_type, subject_id, title in (
        ("model_version", version.pk, "Validation report"),
        ("approval", approval.pk, "Rollback plan"),
    ):
        evidence_services.evidence_attach(
            actor=engineer,
            subject_type=subject_type,
            subject_id=subject_id,
            title=title,
            kind="other",
            link_url="https://x.test/",
        )
    html = client_for(compliance_officer).get(f"/approvals/{approval.pk}/").content.decode()
    assert "Validation report" in html and "Rollback plan" in html
    assert "(on the model version)" in html


def _add_evidence(engineer, subject_type, subject_id, n: int) -> None:
    for i in range(n):
        item = evidence_services.evidence_attach(
            actor=engineer,
            subject_type=subject_type,
            subject_id=subject_id,
            title=f"Report {i}",
            kind="test_results",
            file=upload(f"r{i}.pdf", PDF + str(i).encode()),
            restricted=i % 2 == 0,
        )
        evidence_services.evidence_supersede(
            actor=engineer, item=item, link_url=f"https://ci.example.com/{i}"
        )


@pytest.mark.parametrize("page", ["system", "version", "approval"])
def test_page_query_counts_do_not_grow_with_evidence(
    engineer, teammate, system, version, page, django_assert_max_num_queries
):
    approval = pending_approval(engineer, version)
    subject_type, subject_id, url = {
        "system": ("system", system.pk, f"/systems/{system.slug}/"),
        "version": ("model_version", version.pk, f"/versions/{version.pk}/"),
        "approval": ("approval", approval.pk, f"/approvals/{approval.pk}/"),
    }[page]
    client = client_for(teammate)
    _add_evidence(engineer, subject_type, subject_id, 1)
    with django_assert_max_num_queries(60) as few:
        assert client.get(url).status_code == 200
    _add_evidence(engineer, subject_type, subject_id, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["evidence"].entries) == 7


def test_a_link_is_attached_from_the_page_with_no_file_chosen(engineer, system):
    # A browser sends the unused file input as a part with an empty file name: it is no file.
    fields = {
        "subject_type": "system",
        "subject_id": str(system.pk),
        "title": "Vendor contract",
        "kind": "vendor_documentation",
        "link_url": "https://contracts.example.com/7",
    }
    boundary = "----browser"
    body = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    )
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename=""\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n\r\n--{boundary}--\r\n"
    )
    response = client_for(engineer).generic(
        "POST",
        f"/evidence/attach/?next=/systems/{system.slug}/",
        data=body.encode(),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 303
    assert EvidenceItem.objects.get().link_url == "https://contracts.example.com/7"
