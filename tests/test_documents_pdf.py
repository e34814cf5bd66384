"""The documents' PDFs (WeasyPrint) and pages: the background job with its progress, the PDF's
cover, contents, page numbers and digests (read back with poppler's pdftotext), the dossier and
version pages with their forms, and the story of the issue: compliance downloads the technical
documentation PDF with completeness per section."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase

from governance.documents.models import DocumentJob, ModelCard
from registry.audit.models import AuditChainHead
from registry.evidence import services as evidence_services
from registry.inventory import services
from registry.inventory.models import ModelVersion
from tests.governance_support import celery_eager
from tests.helpers import check

pytestmark = pytest.mark.django_db

S = "/api/v1"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_text(content: bytes, tmp_path, first: int | None = None, last: int | None = None) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is missing: run .ci/pdf.sh")
    path = tmp_path / "doc.pdf"
    path.write_bytes(content)
    pages = (["-f", str(first)] if first else []) + (["-l", str(last)] if last else [])
    out = subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"], capture_output=True, check=True
    )
    return out.stdout.decode()


def page_count(content: bytes, tmp_path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


def attach(actor, subject_type, subject_id, kind, title):
    return evidence_services.evidence_attach(
        actor=actor,
        subject_type=subject_type,
        subject_id=subject_id,
        title=title,
        kind=kind,
        file=SimpleUploadedFile(
            f"{title}.pdf", PDF_BYTES + title.encode(), content_type="application/pdf"
        ),
    )


def test_compliance_downloads_the_technical_documentation_pdf_with_completeness(
    api, compliance_officer, engineer, system, version, tmp_path, audit_log
):
    """The issue's story: compliance asks for the dossier's PDF (202, a job), follows it to done
    and downloads a PDF whose cover and contents give each section's completeness, whose pages
    are numbered, and which lists the digest and audit sequence of the evidence it cites and the
    ledger head it was built from."""
    report = attach(
        engineer, "model_version", version.pk, "validation_report", "Validation report Q3"
    )
    audit_log.mark()
    client = api(compliance_officer)
    with celery_eager(), TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(f"{S}/systems/{system.pk}/technical-documentation/pdf/")
    body = check(response, 202)
    assert response["Location"] == f"/api/v1/document-jobs/{body['id']}/"
    job = check(client.get(response["Location"]), 200)
    assert job["status"] == "done" and job["progress"] == 100, job
    assert job["download_url"] == f"/api/v1/document-jobs/{body['id']}/pdf/"
    events = [e.action for e in audit_log.new()]
    assert (
        events[0] == "governance.document.requested"
        and events[-1] == "governance.document.generated"
    )
    download = client.get(job["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF-")
    import hashlib

    assert hashlib.sha256(content).hexdigest() == job["sha256"]
    assert page_count(content, tmp_path) == job["pages"] >= 10
    cover = pdf_text(content, tmp_path, 1, 1)
    assert "Technical documentation" in cover and "Fraud scoring" in cover
    assert "Completeness:" in cover and "Risk management system" in cover and "Missing" in cover
    assert f"sequence #{job['ledger_sequence']}" in cover and job["ledger_hash"][
        :32
    ] in cover.replace("\n", "")
    toc = pdf_text(content, tmp_path, 2, 2)
    assert "Contents" in toc and "1. General description of the AI system" in toc
    assert "9. Post-market monitoring plan" in toc and "Evidence cited" in toc
    everything = pdf_text(content, tmp_path)
    assert "Page 3 of" in everything
    assert "No risk review by security completed in the last 90 days." in everything
    flat = everything.replace("\n", " ")
    assert report.sha256 in flat.replace(" ", "") or report.sha256[:40] in flat.replace(" ", "")
    assert "Validation report Q3" in everything


def test_job_is_read_only_by_those_who_read_the_documents(
    api, compliance_officer, other_engineer, system
):
    with celery_eager(), TestCase.captureOnCommitCallbacks(execute=True):
        job_id = check(
            api(compliance_officer).post(f"{S}/systems/{system.pk}/technical-documentation/pdf/"),
            202,
        )["id"]
    check(api(other_engineer).get(f"{S}/document-jobs/{job_id}/"), 404)
    check(api(other_engineer).get(f"{S}/document-jobs/{job_id}/pdf/"), 404)
    check(api(other_engineer).post(f"{S}/systems/{system.pk}/technical-documentation/pdf/"), 404)


def test_a_queued_job_is_not_ready(api, compliance_officer, system):
    response = api(compliance_officer).post(f"{S}/systems/{system.pk}/technical-documentation/pdf/")
    job = check(response, 202)
    assert job["status"] == "queued" and job["download_url"] is None
    response = api(compliance_officer).get(f"{S}/document-jobs/{job['id']}/pdf/")
    check(response, 409)


def test_model_card_and_fria_pdfs_render_at_once(api, engineer, version, tmp_path):
    check(
        api(engineer).patch(
            f"{S}/model-versions/{version.pk}/model-card/",
            {"intended_users": "Fraud analysts."},
            format="json",
        ),
        200,
    )
    response = api(engineer).get(f"{S}/model-versions/{version.pk}/model-card/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "Model card" in text and "fraud-xgb v1.0.0" in text and "Fraud analysts." in text
    assert "Training and evaluation data" in text and "holdout" in text


def test_job_progress_page_polls_with_htmx_until_done(compliance_officer, system):
    client = Client()
    client.force_login(compliance_officer)
    response = client.post(f"/systems/{system.slug}/dossier/pdf/")
    job = DocumentJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/documents/jobs/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<script>" not in page
    partial = client.get(f"/documents/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.strip().startswith("<div") and 'hx-get="/documents/jobs/' in partial
    from governance.documents import tasks

    with celery_eager():
        tasks.render_document.delay(job.pk)
    partial = client.get(f"/documents/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "Download the PDF" in partial
    download = client.get(f"/documents/jobs/{job.pk}/pdf/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


# --- Pages ------------------------------------------------------------------------------------


def test_dossier_page_shows_completeness_and_links_to_fix(compliance_officer, system, version):
    client = Client()
    client.force_login(compliance_officer)
    page = client.get(f"/systems/{system.slug}/dossier/").content.decode()
    assert "Dossier of Fraud scoring" in page
    assert "No evidence of kind &#x27;test results&#x27; for fraud-xgb v1.0.0." in page
    assert f'href="/versions/{version.pk}/#evidence"' in page
    assert f'href="/versions/{version.pk}/#model-card"' in page
    assert "Technical documentation (PDF)" in page and "Registration data (JSON)" in page


def test_dossier_page_is_a_404_for_others_and_read_only_for_auditors(
    other_engineer, auditor, system
):
    client = Client()
    client.force_login(other_engineer)
    assert client.get(f"/systems/{system.slug}/dossier/").status_code == 404
    assert (
        client.post(
            f"/systems/{system.slug}/dossier/narrative/",
            {"section": "standards", "text": "x", "etag": "*"},
        ).status_code
        == 404
    )
    client.force_login(auditor)
    page = client.get(f"/systems/{system.slug}/dossier/").content.decode()
    assert "Map evidence to this section" not in page
    assert (
        client.post(
            f"/systems/{system.slug}/dossier/narrative/",
            {"section": "standards", "text": "x", "etag": "*"},
        ).status_code
        == 403
    )


def test_dossier_page_query_count_is_constant(
    compliance_officer, engineer, system, model, django_assert_max_num_queries
):
    client = Client()
    client.force_login(compliance_officer)

    def grow(n):
        for _ in range(n):
            v = services.version_create(
                actor=None, model=model, version=f"3.{ModelVersion.objects.count()}"
            )
            attach(engineer, "model_version", v.pk, "test_results", f"results {v.pk}")
            services.system_update(
                actor=None, system=system, data={"business_unit": f"unit {v.pk}"}
            )

    counts = []
    for n in (1, 8):
        grow(n)
        with django_assert_max_num_queries(45) as ctx:
            assert client.get(f"/systems/{system.slug}/dossier/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_model_card_form_on_the_version_page(engineer, version, audit_log):
    client = Client()
    client.force_login(engineer)
    page = client.get(f"/versions/{version.pk}/").content.decode()
    assert 'id="model-card"' in page and 'name="csrfmiddlewaretoken"' in page
    etag = page.split('name="etag" value="', 1)[1].split('"', 1)[0]
    response = client.post(
        f"/versions/{version.pk}/model-card/",
        {
            "etag": etag.replace("&quot;", '"'),
            "intended_use": "Score transactions.",
            "metrics": "auc | | 0.91\nauc | age<25 | 0.84 | holdout",
            "contacts": "Erin | Technical owner | erin@example.com",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("#model-card")
    card = ModelCard.objects.get()
    assert card.metrics[1] == {
        "name": "auc",
        "value": 0.84,
        "slice": "age<25",
        "dataset": "holdout",
    }
    audit_log.assert_one("governance.model_card.created")
    # A stale form (the draft's ETag) is refused with a message; nothing changes.
    client.post(
        f"/versions/{version.pk}/model-card/",
        {"etag": etag.replace("&quot;", '"'), "intended_use": "y"},
    )
    audit_log.assert_none()


def test_model_card_form_refuses_bad_metrics(engineer, version):
    client = Client()
    client.force_login(engineer)
    response = client.post(
        f"/versions/{version.pk}/model-card/", {"etag": "*", "metrics": "auc | | high"}, follow=True
    )
    assert "Line 1: &#x27;high&#x27; is not a number." in response.content.decode()
    assert not ModelCard.objects.exists()


def test_model_card_form_needs_csrf(engineer, version):
    client = Client(enforce_csrf_checks=True)
    client.force_login(engineer)
    assert client.post(f"/versions/{version.pk}/model-card/", {"etag": "*"}).status_code == 403


def test_fria_form_and_signoffs_on_the_dossier(engineer, compliance_officer, system, version):
    services.system_update(actor=None, system=system, data={"ai_act_role": "deployer"})
    client = Client()
    client.force_login(engineer)
    client.post(f"/systems/{system.slug}/fria/")
    page = client.get(f"/systems/{system.slug}/dossier/").content.decode()
    assert "FRIA #1" in page and "Save and submit for sign-off" in page
    client.force_login(compliance_officer)
    page = client.get(f"/systems/{system.slug}/dossier/").content.decode()
    assert "The assessment is draft, not submitted." in page


def test_ledger_head_is_what_the_documents_cite(api, compliance_officer, system):
    body = check(
        api(compliance_officer).get(f"{S}/systems/{system.pk}/technical-documentation/"), 200
    )
    head = AuditChainHead.objects.get()
    assert body["ledger_head"] == {"sequence": head.sequence, "hash": head.hash}
