"""Resumable uploads: chunks in order, a client that lost a response resumes, only the uploader pushes, and
the assembled file becomes evidence with its parts deleted once the transaction commits."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments import services
from p2ham.assessments.models import Evidence, EvidenceBlob, UploadSession
from p2ham.assessments.tests.fixtures import PDF_BYTES, pdf_upload
from p2ham.audit.models import AuditEntry
from p2ham.core.files import UploadKindNotAllowed, UploadTooLarge

pytestmark = pytest.mark.django_db

CHUNK = 4096


@pytest.fixture(autouse=True)
def _small_chunks(settings):
    settings.UPLOAD_CHUNK_BYTES = CHUNK


@pytest.fixture
def content() -> bytes:
    return PDF_BYTES + os.urandom(3 * CHUNK + 123)  # four chunks, the last one short


def start(actor, assessment, content: bytes, code="K1.01", name="video-ramp.pdf", replaces=None) -> UploadSession:
    return services.upload_start(
        actor=actor, assessment=assessment, indicator_code=code, name=name, size=len(content), replaces=replaces
    )


def push(actor, session, content: bytes, offset: int):
    return services.upload_chunk(actor=actor, session=session, offset=offset, data=content[offset : offset + CHUNK])


def part_names(session: UploadSession) -> list[str]:
    return [services._part_name(session, i) for i in range(session.parts)]


def read(evidence: Evidence) -> bytes:
    with default_storage.open(evidence.blob.storage_name, "rb") as handle:
        return handle.read()


def test_chunks_in_order_become_evidence_and_the_parts_are_deleted_after_commit(
    assessment, operator, content, django_capture_on_commit_callbacks
):
    session = start(operator, assessment, content, name="../Foto Ramp.pdf")
    assert (session.original_name, session.received, session.parts) == ("Foto Ramp.pdf", 0, 0)
    offset = 0
    while offset + CHUNK < len(content):
        session = push(operator, session, content, offset)
        offset += CHUNK
        assert isinstance(session, UploadSession) and session.received == offset
    names = part_names(session)
    assert len(names) == 3 and all(default_storage.exists(n) for n in names)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        evidence = push(operator, session, content, offset)
    assert isinstance(evidence, Evidence)
    assert callbacks, "the parts are deleted only once the evidence is committed"
    assert read(evidence) == content
    assert (evidence.original_name, evidence.blob.size, evidence.blob.kind) == ("Foto Ramp.pdf", len(content), "pdf")
    # The finished session stays, pointing at its evidence, for a client whose last response was lost.
    assert UploadSession.objects.get().evidence_id == evidence.pk
    assert not any(default_storage.exists(n) for n in [*names, services._part_name(session, 3)])
    assert AuditEntry.objects.filter(action="assessment.evidence.add").count() == 1


def test_a_chunk_at_the_wrong_offset_is_refused_with_the_expected_one(assessment, operator, content):
    session = start(operator, assessment, content)
    session = push(operator, session, content, 0)
    for wrong in (0, CHUNK + 1, 3 * CHUNK):
        with pytest.raises(services.UploadOffsetMismatch) as caught:
            push(operator, session, content, wrong)
        assert caught.value.expected == CHUNK
    session.refresh_from_db()
    assert (session.received, session.parts) == (CHUNK, 1)


def test_a_client_that_lost_the_response_resends_and_resumes(assessment, operator, content):
    session = start(operator, assessment, content)
    push(operator, session, content, 0)
    # The server stored the chunk but the answer never reached the client: it sends the same chunk again,
    # hears where the upload stands, and goes on from there.
    with pytest.raises(services.UploadOffsetMismatch) as caught:
        push(operator, session, content, 0)
    offset = caught.value.expected
    while offset < len(content):
        result = push(operator, session, content, offset)
        offset += CHUNK
    assert isinstance(result, Evidence) and read(result) == content


def test_resending_the_last_chunk_after_a_lost_commit_works(
    assessment, operator, content, django_capture_on_commit_callbacks
):
    session = start(operator, assessment, content)
    last = (len(content) // CHUNK) * CHUNK
    for offset in range(0, last, CHUNK):
        push(operator, session, content, offset)

    # The connection drops while the last chunk is processed: its part was written to the storage, but the
    # request's transaction never commits.
    class Dropped(Exception):
        pass

    with pytest.raises(Dropped), transaction.atomic():
        assert isinstance(push(operator, session, content, last), Evidence)
        raise Dropped
    session.refresh_from_db()
    assert session.received == last
    assert not Evidence.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        evidence = push(operator, session, content, last)
    assert isinstance(evidence, Evidence) and read(evidence) == content
    assert Evidence.objects.count() == 1 and EvidenceBlob.objects.count() == 1
    assert not any(default_storage.exists(services._part_name(session, i)) for i in range(4))


def test_only_the_uploader_pushes_chunks(assessment, operator, tree, content, kepala, sibling_operator):
    colleague = UserFactory(username="operator_ambon_2")
    RoleAssignmentFactory(user=colleague, role=Role.OPERATOR, unit=tree.lapas_ambon)
    session = start(operator, assessment, content)
    for intruder in (colleague, kepala, sibling_operator):
        with pytest.raises(PermissionDenied):
            push(intruder, session, content, 0)
    session.refresh_from_db()
    assert (session.received, session.parts) == (0, 0)
    with pytest.raises(PermissionDenied):
        start(sibling_operator, assessment, content)


def test_chunks_that_do_not_fit_are_refused(assessment, operator, content):
    session = start(operator, assessment, content)
    with pytest.raises(ValidationError):
        services.upload_chunk(actor=operator, session=session, offset=0, data=b"")
    with pytest.raises(ValidationError):
        services.upload_chunk(actor=operator, session=session, offset=0, data=content[: CHUNK + 1])
    small = start(operator, assessment, content[:100])
    with pytest.raises(ValidationError):
        services.upload_chunk(actor=operator, session=small, offset=0, data=content[:101])


def test_the_declared_size_is_checked_when_the_upload_starts(assessment, operator, settings):
    settings.EVIDENCE_MAX_FILE_MB = 1
    with pytest.raises(UploadTooLarge):
        services.upload_start(
            actor=operator, assessment=assessment, indicator_code="K1.01", name="a.pdf", size=1024 * 1024 + 1
        )
    with pytest.raises(ValidationError) as empty:
        services.upload_start(actor=operator, assessment=assessment, indicator_code="K1.01", name="a.pdf", size=0)
    assert "size" in empty.value.message_dict
    with pytest.raises(ValidationError):
        services.upload_start(actor=operator, assessment=assessment, indicator_code="K9.99", name="a.pdf", size=10)
    assert not UploadSession.objects.exists()


def test_a_file_of_a_forbidden_kind_is_refused_at_its_first_chunk_and_the_upload_ends(
    assessment, operator, django_capture_on_commit_callbacks
):
    content = b"MZ" + os.urandom(CHUNK)
    session = start(operator, assessment, content, name="program.pdf")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(UploadKindNotAllowed):
        push(operator, session, content, 0)
    # Nothing of it is kept, and the rest of the file never has to travel.
    assert not UploadSession.objects.filter(pk=session.pk).exists()
    assert not default_storage.exists(services._part_name(session, 0))
    assert not Evidence.objects.exists()


def test_a_whole_file_refused_at_the_end_ends_the_upload(assessment, operator, django_capture_on_commit_callbacks):
    """The same file already on the indicator: resending cannot help, so the upload is given up."""
    content = b"%PDF-1.4\n" + os.urandom(2 * CHUNK)
    first = start(operator, assessment, content)
    with django_capture_on_commit_callbacks(execute=True):
        for offset in range(0, len(content), CHUNK):
            evidence = push(operator, first, content, offset)
    assert isinstance(evidence, Evidence)
    again = start(operator, assessment, content)
    push(operator, again, content, 0)
    push(operator, again, content, CHUNK)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError, match="already attached"):
        push(operator, again, content, 2 * CHUNK)
    assert not UploadSession.objects.filter(pk=again.pk).exists()
    assert not any(default_storage.exists(services._part_name(again, i)) for i in range(3))
    assert Evidence.objects.count() == 1


def test_a_resent_last_chunk_after_a_lost_response_gets_the_same_evidence(
    assessment, operator, django_capture_on_commit_callbacks
):
    content = b"%PDF-1.4\n" + os.urandom(CHUNK)
    session = start(operator, assessment, content)
    push(operator, session, content, 0)
    with django_capture_on_commit_callbacks(execute=True):
        evidence = push(operator, session, content, CHUNK)
    # The response never arrived; the client sends the last chunk once more.
    assert push(operator, session, content, CHUNK) == evidence
    assert Evidence.objects.count() == 1


def test_a_chunked_upload_can_replace_a_file(assessment, operator, content, django_capture_on_commit_callbacks):
    old = services.evidence_add(
        actor=operator,
        assessment=assessment,
        indicator_code="K1.01",
        uploaded=pdf_upload(),
    )
    session = start(operator, assessment, content, replaces=old)
    with django_capture_on_commit_callbacks(execute=True):
        for offset in range(0, len(content), CHUNK):
            result = push(operator, session, content, offset)
    assert isinstance(result, Evidence) and result.replaces == old
    old.refresh_from_db()
    assert old.superseded_at is not None


def test_a_chunk_after_the_deadline_is_refused(assessment, operator, content, sa_period):
    session = start(operator, assessment, content)
    later = timezone.now() + dt.timedelta(days=40)
    with time_machine.travel(later, tick=False), pytest.raises(services.DeadlinePassed):
        push(operator, session, content, 0)


def test_abandoned_uploads_are_purged_with_their_parts(assessment, operator, content):
    session = start(operator, assessment, content)
    push(operator, session, content, 0)
    session.refresh_from_db()
    names = part_names(session)
    assert services.uploads_purge(older_than_hours=48) == 0
    with time_machine.travel(timezone.now() + dt.timedelta(hours=49), tick=False):
        assert services.uploads_purge(older_than_hours=48) == 1
    assert not UploadSession.objects.exists()
    assert not any(default_storage.exists(n) for n in names)


@override_settings(EVIDENCE_MAX_ASSESSMENT_MB=1)
def test_a_chunked_upload_respects_the_assessment_limit(assessment, operator, settings):
    settings.UPLOAD_CHUNK_BYTES = 2 * 1024 * 1024
    content = PDF_BYTES + b"0" * (1024 * 1024)
    session = start(operator, assessment, content)
    with pytest.raises(UploadTooLarge):
        services.upload_chunk(actor=operator, session=session, offset=0, data=content)
    assert not EvidenceBlob.objects.exists()
