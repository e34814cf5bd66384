"""Evidence in an S3-compatible store, through django-storages, against a real S3 HTTP server:
moto's server, started on the loopback for these tests. The same API as on the filesystem:
attach, download, a new version, and a rolled-back upload that leaves no object."""

from __future__ import annotations

import hashlib

import boto3
import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from moto.server import ThreadedMotoServer

from registry.evidence import services as evidence_services
from registry.evidence import storage
from tests.evidence_support import PDF, attached, office, upload
from tests.helpers import check

BUCKET = "steward-evidence"
CREDENTIALS = {"aws_access_key_id": "steward", "aws_secret_access_key": "steward-secret"}


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    yield endpoint, client
    server.stop()


@pytest.fixture
def s3(s3_server, settings):
    endpoint, client = s3_server
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "location": "evidence",
                "default_acl": None,
                "file_overwrite": True,
                "max_memory_size": 1024 * 1024,
            },
        },
    }
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    return client


def objects(client) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=BUCKET, Key=o["Key"])["Body"].read() for o in listed}


@pytest.mark.django_db
def test_attach_download_and_correct_in_s3(api, engineer, version, s3):
    data = office("docx")
    body = attached(api(engineer), "model_version", version.pk, name="card.docx", data=data)
    [(key, stored)] = objects(s3).items()
    assert key.startswith("evidence/") and key.endswith(".docx") and "card" not in key
    assert stored == data and body["sha256"] == hashlib.sha256(data).hexdigest()
    response = api(engineer).get(body["download_url"])
    assert response.status_code == 200 and b"".join(response.streaming_content) == data
    new = check(
        api(engineer).post(
            f"/api/v1/evidence/{body['id']}/versions/", {"file": upload("card.pdf", PDF)}
        ),
        201,
    )
    assert sorted(objects(s3).values()) == sorted([data, PDF])
    old = api(engineer).get(body["download_url"])
    assert b"".join(old.streaming_content) == data  # the old version is still there
    assert new["content_type"] == "application/pdf"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_upload_leaves_no_object_in_s3(engineer, version, s3):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        evidence_services.evidence_attach(
            actor=engineer,
            subject_type="model_version",
            subject_id=version.pk,
            title="Validation report",
            kind="validation_report",
            file=ContentFile(PDF, name="report.pdf"),
        )
        assert len(objects(s3)) == 1
        1 / 0  # noqa: B018
    assert storage.discard_uncommitted() == 1
    assert objects(s3) == {}
