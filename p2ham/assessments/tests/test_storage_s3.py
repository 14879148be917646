"""Evidence on an S3-compatible object store (django-storages against moto's server, in-process): stored
under generated private keys, one object per content, chunked uploads assembled and their parts removed,
and files read back as a stream."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from django.db import transaction
from django.test import override_settings
from django.utils.functional import empty
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage

from p2ham.assessments import services
from p2ham.assessments.models import Evidence, EvidenceBlob
from p2ham.assessments.tests.fixtures import PDF_BYTES, pdf_upload

pytestmark = pytest.mark.django_db

REGION = "ap-southeast-3"  # Jakarta
ACCESS_KEY = "testing-access-key"
SECRET_KEY = "testing-secret-key"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server in a thread of this process, on a free port, for the tests of this module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
    )


@pytest.fixture
def bucket(s3: Any, s3_endpoint: str) -> Iterator[str]:
    """A fresh bucket, with Django's default storage pointing at it as config/settings.py builds it."""
    name = f"p2ham-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            # The same options as STORAGE_BACKEND=s3 in config/settings.py.
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_endpoint,
                "region_name": REGION,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield name


def keys(s3: Any, bucket: str, prefix: str = "") -> list[str]:
    response = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for item in response.get("Contents", []))


def body(s3: Any, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_changing_storages_resets_the_default_storage(bucket):
    # Django 5.2's setting_changed handler empties the lazy default_storage when STORAGES changes.
    assert default_storage.bucket_name == bucket
    assert isinstance(default_storage._wrapped, S3Storage)
    in_memory = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=in_memory):
        assert default_storage._wrapped is empty
        assert not default_storage.exists("x")
        assert isinstance(default_storage._wrapped, InMemoryStorage)
    assert default_storage._wrapped is empty
    assert default_storage.bucket_name == bucket


def test_evidence_is_stored_privately_under_a_generated_key(bucket, s3, assessment, operator):
    evidence = services.evidence_add(
        actor=operator, assessment=assessment, indicator_code="K1.01", uploaded=pdf_upload("Maklumat Pelayanan.pdf")
    )
    key = evidence.blob.storage_name
    assert keys(s3, bucket) == [key]
    assert key.startswith(f"evidence/{assessment.period.year}/{assessment.unit_id}/")
    assert "Maklumat" not in key
    assert body(s3, bucket, key) == PDF_BYTES
    # Private: no grant to everyone, and any URL is a signed, expiring one.
    grants = s3.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    assert not any("AllUsers" in str(g.get("Grantee", {})) for g in grants)
    assert "X-Amz-Signature" in default_storage.url(key)


def test_the_same_content_on_two_indicators_is_one_object(bucket, s3, assessment, operator):
    first = services.evidence_add(actor=operator, assessment=assessment, indicator_code="K1.01", uploaded=pdf_upload())
    second = services.evidence_add(
        actor=operator, assessment=assessment, indicator_code="K1.02", uploaded=pdf_upload("salinan.pdf")
    )
    assert first.blob_id == second.blob_id
    assert keys(s3, bucket) == [first.blob.storage_name]


def test_a_failed_upload_leaves_no_object(bucket, s3, assessment, operator, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Evidence.objects, "create", boom)
    with pytest.raises(RuntimeError):
        services.evidence_add(actor=operator, assessment=assessment, indicator_code="K1.01", uploaded=pdf_upload())
    assert keys(s3, bucket) == []
    assert not EvidenceBlob.objects.exists()


def test_a_chunked_upload_is_assembled_and_its_parts_deleted(
    bucket, s3, assessment, operator, settings, django_capture_on_commit_callbacks
):
    settings.UPLOAD_CHUNK_BYTES = 64 * 1024
    content = PDF_BYTES + os.urandom(3 * 64 * 1024 + 777)
    session = services.upload_start(
        actor=operator, assessment=assessment, indicator_code="K1.01", name="rekaman.pdf", size=len(content)
    )
    step = settings.UPLOAD_CHUNK_BYTES
    for offset in range(0, len(content) - step, step):
        services.upload_chunk(actor=operator, session=session, offset=offset, data=content[offset : offset + step])
    assert len(keys(s3, bucket, "uploads/")) == 3
    last = (len(content) // step) * step
    with django_capture_on_commit_callbacks(execute=True):
        evidence = services.upload_chunk(actor=operator, session=session, offset=last, data=content[last:])
    assert isinstance(evidence, Evidence)
    assert keys(s3, bucket, "uploads/") == []
    assert keys(s3, bucket) == [evidence.blob.storage_name]
    assert body(s3, bucket, evidence.blob.storage_name) == content


def test_a_resent_chunk_replaces_its_part_instead_of_adding_one(bucket, s3, assessment, operator, settings):
    settings.UPLOAD_CHUNK_BYTES = 1024
    content = PDF_BYTES + os.urandom(3000)
    session = services.upload_start(
        actor=operator, assessment=assessment, indicator_code="K1.01", name="a.pdf", size=len(content)
    )

    class Dropped(Exception):
        pass

    with pytest.raises(Dropped), transaction.atomic():
        services.upload_chunk(actor=operator, session=session, offset=0, data=content[:1024])
        raise Dropped  # stored in the bucket, but the request never committed
    services.upload_chunk(actor=operator, session=session, offset=0, data=content[:1024])
    assert keys(s3, bucket, "uploads/") == [f"uploads/{session.pk}/000000.part"]


def test_reading_back_streams_the_bytes(bucket, assessment, operator):
    content = PDF_BYTES + os.urandom(300 * 1024)
    evidence = services.evidence_add(
        actor=operator,
        assessment=assessment,
        indicator_code="K1.01",
        uploaded=ContentFile(content, name="besar.pdf"),
    )
    with default_storage.open(evidence.blob.storage_name, "rb") as handle:
        pieces = list(handle.chunks(chunk_size=64 * 1024))
    assert len(pieces) > 1
    assert b"".join(pieces) == content
    assert default_storage.size(evidence.blob.storage_name) == len(content)
