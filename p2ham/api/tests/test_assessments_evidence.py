"""API v1 evidence (data dukung): upload checked by content, metadata, streamed download, removal, and the
resumable upload in chunks — each with its refusals."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from p2ham.api.tests.helpers import assert_error
from p2ham.assessments import services
from p2ham.assessments.models import Evidence, EvidenceBlob, UploadSession
from p2ham.assessments.tests.fixtures import PDF_BYTES, WINDOWS, pdf_upload, png_upload
from p2ham.periods.models import Stage

pytestmark = pytest.mark.django_db

CODE = "K1.01"  # accepts JPEG, PNG, WebP and PDF
OTHER = "K1.02"


def evidence_url(assessment, code=CODE):
    return f"/api/v1/periods/{assessment.period.year}/assessments/{assessment.unit.code}/answers/{code}/evidence"


def upload(client, assessment, file, code=CODE, **extra):
    return client.post(evidence_url(assessment, code), {"file": file, **extra}, format="multipart")


def attach(assessment, operator, file, code=CODE):
    return services.evidence_add(actor=operator, assessment=assessment, indicator_code=code, uploaded=file)


def past_the_deadline():
    closes = WINDOWS[Stage.PENILAIAN_MANDIRI][1]
    return time_machine.travel(timezone.now() + dt.timedelta(days=closes + 2), tick=False)


# --- upload ----------------------------------------------------------------------------------------------------


def test_operator_uploads_a_pdf(client_for, operator, assessment):
    response = upload(client_for(operator), assessment, pdf_upload("SOP Pelayanan.pdf"))

    assert response.status_code == 201, response.json()
    body = response.json()
    evidence = Evidence.objects.select_related("blob").get()
    assert body["id"] == evidence.pk and body["indicator"] == CODE
    assert body["name"] == "SOP Pelayanan.pdf" and body["kind"] == "pdf"
    assert body["content_type"] == "application/pdf" and body["size"] == len(PDF_BYTES)
    assert body["sha256"] == evidence.blob.sha256 and body["current"] is True
    assert body["uploaded_by"]["username"] == "operator_ambon"
    assert body["download_url"].endswith(f"/api/v1/evidence/{evidence.pk}/download")


def test_a_path_like_name_is_only_a_label(client_for, operator, assessment):
    response = upload(client_for(operator), assessment, pdf_upload("../../etc/passwd.pdf"))

    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "passwd.pdf"
    blob = EvidenceBlob.objects.get()
    assert blob.storage_name.startswith(f"evidence/{assessment.period.year}/{assessment.unit_id}/")
    assert ".." not in blob.storage_name and "passwd" not in blob.storage_name
    assert default_storage.exists(blob.storage_name)


def test_a_forbidden_kind_renamed_to_pdf_is_415(client_for, operator, assessment):
    exe = SimpleUploadedFile("laporan.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")

    response = upload(client_for(operator), assessment, exe)

    assert_error(response, 415)
    assert not Evidence.objects.exists() and not EvidenceBlob.objects.exists()


def test_a_kind_the_indicator_does_not_accept_is_415(client_for, operator, assessment):
    # K1.03 takes photos and video only.
    response = upload(client_for(operator), assessment, pdf_upload(), code="K1.03")

    assert_error(response, 415)


@override_settings(EVIDENCE_MAX_FILE_MB=1)
def test_an_oversized_file_is_413(client_for, operator, assessment):
    big = SimpleUploadedFile("besar.pdf", PDF_BYTES + b"0" * (1536 * 1024), content_type="application/pdf")

    response = upload(client_for(operator), assessment, big)

    assert_error(response, 413)
    assert not EvidenceBlob.objects.exists()


def test_the_same_file_twice_on_one_indicator_is_400(client_for, operator, assessment):
    api = client_for(operator)
    assert upload(api, assessment, pdf_upload("a.pdf")).status_code == 201

    response = upload(api, assessment, pdf_upload("b.pdf"))

    assert "file" in assert_error(response, 400)["errors"]
    assert Evidence.objects.count() == 1


def test_the_same_content_on_another_indicator_is_stored_once(client_for, operator, assessment):
    api = client_for(operator)
    first = upload(api, assessment, pdf_upload("a.pdf")).json()

    response = upload(api, assessment, pdf_upload("a-again.pdf"), code=OTHER)

    assert response.status_code == 201, response.json()
    assert response.json()["sha256"] == first["sha256"]
    assert Evidence.objects.count() == 2 and EvidenceBlob.objects.count() == 1


def test_replacing_a_file_keeps_the_old_one_in_the_history(client_for, operator, assessment):
    api = client_for(operator)
    old = upload(api, assessment, pdf_upload("v1.pdf")).json()

    response = upload(api, assessment, pdf_upload("v2.pdf", extra=b"v2"), replaces=old["id"])

    assert response.status_code == 201, response.json()
    assert response.json()["replaces"] == old["id"]
    metadata = api.get(f"/api/v1/evidence/{old['id']}").json()
    assert metadata["current"] is False and metadata["superseded_at"]


def test_replacing_a_file_one_cannot_see_is_400(client_for, operator, sibling_operator, assessment, sibling_assessment):
    theirs = attach(sibling_assessment, sibling_operator, pdf_upload())

    response = upload(client_for(operator), assessment, pdf_upload(), replaces=theirs.pk)

    assert "replaces" in assert_error(response, 400)["errors"]


def test_upload_without_a_file_is_400(client_for, operator, assessment):
    response = client_for(operator).post(evidence_url(assessment), {"note": "x"}, format="multipart")

    assert "file" in assert_error(response, 400)["errors"]


@pytest.mark.parametrize("actor", ["kepala", "kanwil"])
def test_only_the_units_operator_uploads(client_for, request, assessment, actor):
    assert_error(upload(client_for(request.getfixturevalue(actor)), assessment, pdf_upload()), 403)
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("actor", ["sibling_operator", "other_kanwil"])
def test_upload_outside_the_scope_is_404(client_for, request, assessment, actor):
    assert_error(upload(client_for(request.getfixturevalue(actor)), assessment, pdf_upload()), 404)


def test_no_upload_after_the_deadline(client_for, operator, assessment):
    with past_the_deadline():
        response = upload(client_for(operator), assessment, pdf_upload())

    assert_error(response, 409, "deadline_passed")
    assert not EvidenceBlob.objects.exists()


def test_upload_to_an_unknown_indicator_is_404(client_for, operator, assessment):
    assert_error(upload(client_for(operator), assessment, pdf_upload(), code="K9.99"), 404)


# --- metadata and download -------------------------------------------------------------------------------------


@pytest.fixture
def evidence(assessment, operator):
    return attach(assessment, operator, pdf_upload("Laporan Survei.pdf", extra=b"survei"))


@pytest.mark.parametrize("actor", ["operator", "kepala", "kanwil", "verifier", "ditjen"])
def test_metadata_in_scope(client_for, request, evidence, actor):
    response = client_for(request.getfixturevalue(actor)).get(f"/api/v1/evidence/{evidence.pk}")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["name"] == "Laporan Survei.pdf" and body["unit"] == "LAPAS-AMBON" and body["indicator"] == CODE
    assert body["year"] == evidence.answer.assessment.period.year


def test_download_streams_the_stored_bytes(client_for, kanwil, evidence):
    response = client_for(kanwil).get(f"/api/v1/evidence/{evidence.pk}/download")

    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == PDF_BYTES + b"survei"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Laporan Survei.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_download_answers_an_accept_header_of_the_files_type(client_for, operator, evidence):
    response = client_for(operator).get(f"/api/v1/evidence/{evidence.pk}/download", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_png_is_served_as_png(client_for, operator, assessment):
    png = attach(assessment, operator, png_upload("ramp.png"))

    response = client_for(operator).get(f"/api/v1/evidence/{png.pk}/download")

    assert response["Content-Type"] == "image/png"


@pytest.mark.parametrize("actor", ["sibling_operator", "other_kanwil", "medan_operator"])
def test_files_of_others_are_404(client_for, request, evidence, actor):
    api = client_for(request.getfixturevalue(actor))

    assert_error(api.get(f"/api/v1/evidence/{evidence.pk}"), 404)
    assert_error(api.get(f"/api/v1/evidence/{evidence.pk}/download"), 404)
    assert_error(api.get(f"/api/v1/evidence/{evidence.pk}/download", HTTP_ACCEPT="application/pdf"), 404)
    assert_error(api.delete(f"/api/v1/evidence/{evidence.pk}"), 404)


def test_files_refused_to_an_account_without_a_role(client_for, outsider, evidence):
    assert_error(client_for(outsider).get(f"/api/v1/evidence/{evidence.pk}/download"), 403)


def test_unknown_file_is_404(client_for, operator, assessment):
    assert_error(client_for(operator).get("/api/v1/evidence/999999"), 404)


# --- removal ---------------------------------------------------------------------------------------------------


def test_operator_removes_a_file(client_for, operator, evidence):
    api = client_for(operator)

    response = api.delete(f"/api/v1/evidence/{evidence.pk}")

    assert response.status_code == 204
    evidence.refresh_from_db()
    assert evidence.removed_at is not None and evidence.removed_by == operator
    assert api.get(f"/api/v1/evidence/{evidence.pk}").json()["current"] is False
    assert_error(api.delete(f"/api/v1/evidence/{evidence.pk}"), 409, "illegal_transition")


@pytest.mark.parametrize("actor", ["kepala", "kanwil", "ditjen"])
def test_only_the_units_operator_removes_files(client_for, request, evidence, actor):
    assert_error(client_for(request.getfixturevalue(actor)).delete(f"/api/v1/evidence/{evidence.pk}"), 403)
    evidence.refresh_from_db()
    assert evidence.current


def test_no_removal_after_the_deadline(client_for, operator, evidence):
    with past_the_deadline():
        response = client_for(operator).delete(f"/api/v1/evidence/{evidence.pk}")

    assert_error(response, 409, "deadline_passed")


# --- resumable uploads -----------------------------------------------------------------------------------------


def uploads_url(assessment, code=CODE):
    return f"/api/v1/periods/{assessment.period.year}/assessments/{assessment.unit.code}/answers/{code}/uploads"


def chunk(client, url, data, offset, content_type="application/offset+octet-stream"):
    return client.generic("PATCH", url, data, content_type=content_type, HTTP_UPLOAD_OFFSET=str(offset))


@override_settings(UPLOAD_CHUNK_BYTES=16)
def test_a_file_arrives_in_chunks_and_resumes(client_for, operator, assessment):
    api, data = client_for(operator), PDF_BYTES + b"resumable"

    response = api.post(uploads_url(assessment), {"name": "Notulen.pdf", "size": len(data)}, format="json")
    assert response.status_code == 201, response.json()
    session = response.json()
    assert session["offset"] == 0 and session["chunk_size"] == 16 and session["size"] == len(data)
    assert response["Location"] == session["url"]
    url = session["url"]

    response = chunk(api, url, data[:16], 0)
    assert response.status_code == 200, response.json()
    assert response.json()["offset"] == 16 and response["Upload-Offset"] == "16"

    # The connection dropped: the client asks where the upload stands and resends from there.
    response = chunk(api, url, data[:16], 0)
    assert response.status_code == 409 and response["Upload-Offset"] == "16"
    assert response.json() == {**response.json(), "code": "offset_mismatch", "errors": {}, "expected_offset": 16}
    assert api.get(url).json()["offset"] == 16
    assert api.head(url)["Upload-Offset"] == "16"

    offset = 16
    while offset + 16 < len(data):
        assert chunk(api, url, data[offset : offset + 16], offset, "application/octet-stream").status_code == 200
        offset += 16
    response = chunk(api, url, data[offset:], offset)

    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "Notulen.pdf" and response.json()["size"] == len(data)
    blob = EvidenceBlob.objects.get()
    with default_storage.open(blob.storage_name, "rb") as stored:
        assert stored.read() == data
    # The finished session stays, pointing at its evidence, for a client whose last response was lost.
    assert UploadSession.objects.get().evidence.blob == blob
    assert api.get(url).json()["offset"] == len(data)
    # The last response was lost: the same last chunk again gives the same file back, not a second one.
    again = chunk(api, url, data[offset:], offset)
    assert again.status_code in (200, 201) and again.json()["id"] == response.json()["id"]
    assert EvidenceBlob.objects.count() == 1


def test_an_upload_is_seen_only_by_who_started_it(client_for, operator, kanwil, assessment):
    from p2ham.accounts.models import Role
    from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory

    colleague = UserFactory(username="operator_ambon_2")
    RoleAssignmentFactory(user=colleague, role=Role.OPERATOR, unit=assessment.unit)
    started = client_for(operator).post(uploads_url(assessment), {"name": "a.pdf", "size": 100}, format="json")
    url = started.json()["url"]

    for other in (colleague, kanwil):
        assert_error(client_for(other).get(url), 404)
        assert_error(chunk(client_for(other), url, PDF_BYTES, 0), 404)


@override_settings(UPLOAD_CHUNK_BYTES=16)
def test_a_chunk_larger_than_allowed_is_413(client_for, operator, assessment):
    api = client_for(operator)
    url = api.post(uploads_url(assessment), {"name": "a.pdf", "size": 100}, format="json").json()["url"]

    assert_error(chunk(api, url, b"x" * 17, 0), 413)
    assert api.get(url).json()["offset"] == 0


def test_a_chunk_needs_its_offset_and_a_binary_body(client_for, operator, assessment):
    api = client_for(operator)
    url = api.post(uploads_url(assessment), {"name": "a.pdf", "size": 100}, format="json").json()["url"]

    response = api.generic("PATCH", url, PDF_BYTES, content_type="application/octet-stream")
    assert "Upload-Offset" in assert_error(response, 400)["errors"]
    assert_error(api.patch(url, {"data": "x"}, format="json", HTTP_UPLOAD_OFFSET="0"), 415)
    assert "chunk" in assert_error(chunk(api, url, b"", 0), 400)["errors"]


@override_settings(EVIDENCE_MAX_FILE_MB=1)
def test_starting_an_oversized_upload_is_413(client_for, operator, assessment):
    response = client_for(operator).post(
        uploads_url(assessment), {"name": "a.pdf", "size": 2 * 1024 * 1024}, format="json"
    )

    assert_error(response, 413)
    assert not UploadSession.objects.exists()


def test_starting_an_upload_is_the_operators(client_for, kepala, sibling_operator, assessment):
    assert_error(client_for(kepala).post(uploads_url(assessment), {"name": "a.pdf", "size": 10}, format="json"), 403)
    response = client_for(sibling_operator).post(uploads_url(assessment), {"name": "a.pdf", "size": 10}, format="json")
    assert_error(response, 404)


@override_settings(UPLOAD_CHUNK_BYTES=16)
def test_a_finished_upload_leaves_no_chunks_in_storage(
    client_for, operator, assessment, django_capture_on_commit_callbacks
):
    api, data = client_for(operator), PDF_BYTES
    session = api.post(uploads_url(assessment), {"name": "a.pdf", "size": len(data)}, format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        for offset in range(0, len(data), 16):
            response = chunk(api, session["url"], data[offset : offset + 16], offset)
    assert response.status_code == 201

    parts = [f"uploads/{session['id']}/{index:06d}.part" for index in range(-(-len(data) // 16))]
    assert not any(default_storage.exists(part) for part in parts)
