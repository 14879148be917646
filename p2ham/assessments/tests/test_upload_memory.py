"""A 50 MB file goes through the service, the resumable upload and the multipart form without growing the
process by more than ~20 MB: files stream between disk and storage, never wholly in memory."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django_htmx.middleware import HtmxDetails

from p2ham.assessments import services, views
from p2ham.assessments.models import Assessment, Evidence, UploadSession
from p2ham.instruments.models import Indicator

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
SIZE = 50 * MB
LIMIT = 20 * MB
CODE = "K1.01"
T = TypeVar("T")


@pytest.fixture(scope="module")
def big_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """50 MB of a valid PDF on disk (random bytes after the header), and its SHA-256."""
    path = tmp_path_factory.mktemp("big") / "besar.pdf"
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        head = b"%PDF-1.4\n"
        handle.write(head)
        digest.update(head)
        remaining = SIZE - len(head)
        while remaining:
            block = os.urandom(min(MB, remaining))
            handle.write(block)
            digest.update(block)
            remaining -= len(block)
    return path, digest.hexdigest()


@pytest.fixture
def disk_storage(tmp_path: Path, assessment: Assessment) -> Iterator[Path]:
    """Files on disk (the in-memory test storage would hold them in memory by design), limits at 100 MB."""
    location = tmp_path / "private"
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    Indicator.objects.filter(instrument=assessment.instrument, code=CODE).update(evidence_max_mb=100)
    with override_settings(STORAGES=storages, EVIDENCE_MAX_FILE_MB=100, FILE_UPLOAD_TEMP_DIR=str(tmp_path)):
        yield location


def traced(call: Callable[[], T]) -> tuple[T, int]:
    """Run ``call`` and return its result with the peak of Python memory allocated meanwhile."""
    tracemalloc.start()
    try:
        result = call()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def stored_digest(evidence: Evidence) -> str:
    digest = hashlib.sha256()
    with default_storage.open(evidence.blob.storage_name, "rb") as handle:
        for block in handle.chunks(MB):
            digest.update(block)
    return digest.hexdigest()


def test_evidence_add_of_a_50_mb_file_stays_small(disk_storage, big_pdf, assessment, operator):
    path, sha = big_pdf
    uploaded = TemporaryUploadedFile("besar.pdf", "application/pdf", SIZE, None)
    with path.open("rb") as source:
        while block := source.read(MB):
            uploaded.write(block)
    uploaded.flush()
    uploaded.seek(0)
    try:
        evidence, peak = traced(
            lambda: services.evidence_add(actor=operator, assessment=assessment, indicator_code=CODE, uploaded=uploaded)
        )
    finally:
        uploaded.close()
    assert peak < LIMIT, f"peak {peak / MB:.1f} MB"
    assert (evidence.blob.size, evidence.blob.sha256) == (SIZE, sha)
    assert stored_digest(evidence) == sha


def test_a_chunked_50_mb_upload_stays_small(
    disk_storage, big_pdf, assessment, operator, settings, django_capture_on_commit_callbacks
):
    path, sha = big_pdf
    step = settings.UPLOAD_CHUNK_BYTES
    assert step == 2 * MB

    def upload() -> Any:
        session = services.upload_start(
            actor=operator, assessment=assessment, indicator_code=CODE, name="besar.pdf", size=SIZE
        )
        result: Any = session
        with path.open("rb") as source:
            offset = 0
            while data := source.read(step):
                result = services.upload_chunk(actor=operator, session=session, offset=offset, data=data)
                offset += len(data)
                del data
        return result

    with django_capture_on_commit_callbacks(execute=True):
        evidence, peak = traced(upload)
    assert peak < LIMIT, f"peak {peak / MB:.1f} MB"
    assert isinstance(evidence, Evidence)
    assert (evidence.blob.size, evidence.blob.sha256) == (SIZE, sha)
    assert stored_digest(evidence) == sha
    assert UploadSession.objects.get().evidence_id == evidence.pk  # finished, kept for a lost response
    assert not (disk_storage / "uploads").exists() or not any((disk_storage / "uploads").rglob("*.part"))


def test_a_50_mb_multipart_post_to_the_view_stays_small(disk_storage, big_pdf, tmp_path, assessment, operator):
    path, sha = big_pdf
    boundary = "----p2ham-batas-7b3c9f"
    body = tmp_path / "body.bin"
    with body.open("wb") as out, path.open("rb") as source:
        out.write(
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="besar.pdf"\r\n'
                "Content-Type: application/pdf\r\n\r\n"
            ).encode()
        )
        while block := source.read(MB):
            out.write(block)
        out.write(f"\r\n--{boundary}--\r\n".encode())
    url = reverse(
        "assessments:evidence_upload",
        kwargs={"year": assessment.period.year, "unit_code": assessment.unit.code, "indicator_code": CODE},
    )

    with body.open("rb") as stream:
        environ = RequestFactory()._base_environ(
            PATH_INFO=url,
            REQUEST_METHOD="POST",
            CONTENT_TYPE=f"multipart/form-data; boundary={boundary}",
            CONTENT_LENGTH=str(body.stat().st_size),
            **{"wsgi.input": stream},
        )
        request = WSGIRequest(environ)
        request.user = operator
        request.session = SessionStore()
        request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
        request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]
        request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]

        try:
            response, peak = traced(
                lambda: views.evidence_upload(
                    request, year=assessment.period.year, unit_code=assessment.unit.code, indicator_code=CODE
                )
            )
        finally:
            request.close()  # the handler does this after the response: it closes the parser's temporary file
    assert response.status_code in (200, 302), response.content[:500]
    assert peak < LIMIT, f"peak {peak / MB:.1f} MB"
    evidence = Evidence.objects.get(answer__assessment=assessment, answer__indicator_code=CODE)
    assert (evidence.original_name, evidence.blob.size, evidence.blob.sha256) == ("besar.pdf", SIZE, sha)
    assert stored_digest(evidence) == sha
