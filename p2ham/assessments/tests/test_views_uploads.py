"""The resumable upload as assessment.js drives it: a JSON start, then raw PUTs with an ``Upload-Offset``
header, resuming from where the server stands; refusals end the upload."""

from __future__ import annotations

import json
import os

import pytest
from django.urls import reverse

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments import services
from p2ham.assessments.models import Assessment, Evidence, UploadSession
from p2ham.assessments.tests.fixtures import PDF_BYTES, pdf_upload
from p2ham.assessments.tests.test_views import english, force_status, url

pytestmark = pytest.mark.django_db

S = Assessment.Status
CODE = "K1.01"
CHUNK = 4096


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.UPLOAD_CHUNK_BYTES = CHUNK


@pytest.fixture(autouse=True)
def _english(client):
    english(client)


@pytest.fixture
def content() -> bytes:
    return PDF_BYTES + os.urandom(2 * CHUNK + 100)  # three chunks, the last one short


def _start(client, assessment, body, code=CODE):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(url("upload_start", assessment, code), raw, content_type="application/json")


def _put(client, chunk_url, data: bytes, offset: int | None):
    headers = {} if offset is None else {"Upload-Offset": str(offset)}
    return client.put(chunk_url, data, content_type="application/octet-stream", headers=headers)


def _started(client, assessment, content, **extra) -> str:
    response = _start(client, assessment, {"name": "Foto ramp.pdf", "size": len(content), **extra})
    assert response.status_code == 201, response.content
    return response.json()["url"]


def test_a_full_upload_creates_the_evidence_and_returns_the_block(client, assessment, operator, content):
    client.force_login(operator)
    response = _start(client, assessment, {"name": "Foto ramp.pdf", "size": len(content), "replaces": None})
    assert response.status_code == 201
    started = response.json()
    session = UploadSession.objects.get()
    assert started == {"url": reverse("assessments:upload_chunk", args=[session.pk]), "offset": 0, "chunk_size": CHUNK}

    offset = 0
    while True:
        response = _put(client, started["url"], content[offset : offset + CHUNK], offset)
        body = response.json()
        if "html" in body:
            break
        assert response.status_code == 200
        assert body == {"offset": offset + CHUNK, "size": len(content)}
        offset = body["offset"]
    assert response.status_code == 201
    evidence = Evidence.objects.get(pk=body["evidence"])
    assert (body["offset"], body["size"]) == (len(content), len(content))
    assert (evidence.original_name, evidence.blob.size, evidence.uploaded_by) == (
        "Foto ramp.pdf",
        len(content),
        operator,
    )
    assert evidence.answer.assessment_id == assessment.pk
    assert '<div id="evidence-K1-01"' in body["html"]
    assert "Foto ramp.pdf" in body["html"]
    assert 'hx-swap-oob="true"' in body["html"]  # the badges and the progress too
    # The file reads back whole.
    download = client.get(reverse("assessments:evidence_download", args=[evidence.pk]))
    assert b"".join(download.streaming_content) == content


def test_a_resent_last_chunk_gets_the_same_evidence(client, assessment, operator, content):
    client.force_login(operator)
    chunk_url = _started(client, assessment, content)
    for offset in range(0, len(content), CHUNK):
        last = _put(client, chunk_url, content[offset : offset + CHUNK], offset)
    again = _put(client, chunk_url, content[offset : offset + CHUNK], offset)
    assert again.status_code == 201
    assert again.json()["evidence"] == last.json()["evidence"]
    assert Evidence.objects.count() == 1


def test_get_tells_where_the_upload_stands(client, assessment, operator, content):
    client.force_login(operator)
    chunk_url = _started(client, assessment, content)
    assert client.get(chunk_url).json() == {"offset": 0, "size": len(content)}
    _put(client, chunk_url, content[:CHUNK], 0)
    assert client.get(chunk_url).json() == {"offset": CHUNK, "size": len(content)}


def test_a_chunk_at_the_wrong_offset_is_refused_with_the_right_one(client, assessment, operator, content):
    client.force_login(operator)
    chunk_url = _started(client, assessment, content)
    _put(client, chunk_url, content[:CHUNK], 0)
    response = _put(client, chunk_url, content[2 * CHUNK : 3 * CHUNK], 2 * CHUNK)
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["offset"]) == ("offset", CHUNK)
    assert "continue from there" in body["detail"]
    # The client resumes from there.
    assert _put(client, chunk_url, content[CHUNK : 2 * CHUNK], CHUNK).json()["offset"] == 2 * CHUNK


def test_a_missing_offset_header_is_refused(client, assessment, operator, content):
    client.force_login(operator)
    chunk_url = _started(client, assessment, content)
    response = _put(client, chunk_url, content[:CHUNK], None)
    assert response.status_code == 400
    assert response.json()["detail"] == "The Upload-Offset header is missing."
    assert UploadSession.objects.get().received == 0


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"name"', {"name": "a.pdf", "size": "besar"}])
def test_a_bad_start_request_is_refused(client, assessment, operator, body):
    client.force_login(operator)
    response = _start(client, assessment, body)
    assert response.status_code == 400
    assert response.json() == {"detail": "The upload request is not valid.", "code": "invalid"}
    assert not UploadSession.objects.exists()


def test_an_empty_or_oversized_file_is_refused_at_the_start(client, assessment, operator):
    client.force_login(operator)
    assert _start(client, assessment, {"name": "a.pdf", "size": 0}).status_code == 400
    response = _start(client, assessment, {"name": "a.pdf", "size": 21 * 1024 * 1024})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not UploadSession.objects.exists()


def test_a_forbidden_kind_is_refused_at_the_first_chunk(client, assessment, operator):
    fake = b"MZ\x90\x00" + os.urandom(2 * CHUNK)
    client.force_login(operator)
    response = _start(client, assessment, {"name": "laporan.pdf", "size": len(fake)})
    chunk_url = response.json()["url"]
    response = _put(client, chunk_url, fake[:CHUNK], 0)
    assert response.status_code == 415
    assert response.json()["code"] == "kind_not_allowed"
    # The upload is over: resending cannot help.
    assert not UploadSession.objects.exists()
    assert client.get(chunk_url).status_code == 404
    assert not Evidence.objects.exists()


def test_replacing_through_the_resumable_upload(client, assessment, operator, content):
    old = services.evidence_add(actor=operator, assessment=assessment, indicator_code=CODE, uploaded=pdf_upload())
    client.force_login(operator)
    chunk_url = _started(client, assessment, content, replaces=old.pk)
    for offset in range(0, len(content), CHUNK):
        response = _put(client, chunk_url, content[offset : offset + CHUNK], offset)
    assert response.status_code == 201
    assert Evidence.objects.get(pk=response.json()["evidence"]).replaces == old
    assert "History: 1 earlier file" in response.json()["html"]


def test_replacing_an_unknown_file_is_refused(client, assessment, sibling_assessment, operator, sibling_operator):
    foreign = services.evidence_add(
        actor=sibling_operator, assessment=sibling_assessment, indicator_code=CODE, uploaded=pdf_upload()
    )
    client.force_login(operator)
    for replaces in (foreign.pk, 999999):
        response = _start(client, assessment, {"name": "a.pdf", "size": 100, "replaces": replaces})
        assert response.status_code == 400
        assert response.json()["detail"] == "The file to replace was not found."
    assert not UploadSession.objects.exists()


@pytest.fixture
def second_operator(tree):
    user = UserFactory(username="operator_ambon_2", full_name="Operator Kedua")
    RoleAssignmentFactory(user=user, role=Role.OPERATOR, unit=tree.lapas_ambon)
    return user


@pytest.mark.parametrize("who", ["second_operator", "kanwil", "sibling_operator", "outsider"])
def test_another_users_session_is_not_found(request, client, assessment, operator, content, who):
    client.force_login(operator)
    chunk_url = _started(client, assessment, content)
    client.force_login(request.getfixturevalue(who))
    assert client.get(chunk_url).status_code == 404
    assert _put(client, chunk_url, content[:CHUNK], 0).status_code == 404
    assert UploadSession.objects.get().received == 0


@pytest.mark.parametrize("who", ["kepala", "kanwil"])
def test_people_who_only_read_cannot_start_an_upload(request, client, assessment, operator, who):
    old = services.evidence_add(actor=operator, assessment=assessment, indicator_code=CODE, uploaded=pdf_upload())
    client.force_login(request.getfixturevalue(who))
    assert _start(client, assessment, {"name": "a.pdf", "size": 100}).status_code == 403
    assert _start(client, assessment, {"name": "a.pdf", "size": 100, "replaces": old.pk}).status_code == 403
    assert _start(client, assessment, {"name": "a.pdf", "size": 100, "replaces": 999999}).status_code == 403
    assert not UploadSession.objects.exists()


@pytest.mark.parametrize("who", ["sibling_operator", "other_kanwil", "outsider"])
def test_people_outside_the_scope_cannot_start_an_upload(request, client, assessment, who):
    client.force_login(request.getfixturevalue(who))
    assert _start(client, assessment, {"name": "a.pdf", "size": 100}).status_code == 404
    assert not UploadSession.objects.exists()


def test_no_upload_after_the_submission(client, assessment, operator, content):
    client.force_login(operator)
    chunk_url = _started(client, assessment, content)
    force_status(assessment, S.SUBMITTED)
    response = _put(client, chunk_url, content[:CHUNK], 0)
    assert response.status_code == 409
    assert _start(client, assessment, {"name": "a.pdf", "size": 100}).status_code == 409
    assert not Evidence.objects.exists()


def test_only_get_and_put_reach_a_session(client, assessment, operator, content):
    client.force_login(operator)
    chunk_url = _started(client, assessment, content)
    assert client.post(chunk_url, content[:CHUNK], content_type="application/octet-stream").status_code == 405
    assert client.get(url("upload_start", assessment, CODE)).status_code == 405
