"""Evidence (data dukung): checked by content and size, stored once per content under a generated name,
replaced and removed with the history kept, and nothing left behind by a failed upload."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import override_settings

from p2ham.assessments import selectors, services
from p2ham.assessments.models import Answer, Assessment, Evidence, EvidenceBlob
from p2ham.assessments.tests.fixtures import PDF_BYTES, pdf_upload, png_upload
from p2ham.audit.models import AuditEntry
from p2ham.core.files import UploadKindNotAllowed, UploadTooLarge
from p2ham.instruments.models import Indicator

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def add(actor, assessment, uploaded, code="K1.01", replaces=None) -> Evidence:
    return services.evidence_add(
        actor=actor, assessment=assessment, indicator_code=code, uploaded=uploaded, replaces=replaces
    )


def read(blob: EvidenceBlob) -> bytes:
    with default_storage.open(blob.storage_name, "rb") as handle:
        return handle.read()


def pdf_of(size: int, seed: bytes = b"") -> ContentFile:
    body = PDF_BYTES + seed
    return ContentFile(body + b"0" * (size - len(body)), name="besar.pdf")


@pytest.fixture
def stored_names(monkeypatch):
    """Every storage name ``evidence_add`` wrote, also of uploads that failed afterwards."""
    names: list[str] = []
    original = services.store_private

    def recording(*args, **kwargs):
        name = original(*args, **kwargs)
        names.append(name)
        return name

    monkeypatch.setattr(services, "store_private", recording)
    return names


# ---------------------------------------------------------------- adding


def test_a_file_is_stored_under_a_generated_name_with_its_checks_recorded(assessment, operator):
    evidence = add(operator, assessment, pdf_upload("SOP Pelayanan.pdf"))
    blob = evidence.blob
    assert (blob.kind, blob.content_type, blob.size) == ("pdf", "application/pdf", len(PDF_BYTES))
    assert blob.storage_name.startswith(f"evidence/{assessment.period.year}/{assessment.unit_id}/")
    assert blob.storage_name.endswith(".pdf") and "SOP" not in blob.storage_name
    assert read(blob) == PDF_BYTES
    assert (evidence.original_name, evidence.uploaded_by, evidence.current) == ("SOP Pelayanan.pdf", operator, True)
    assert Assessment.objects.get(pk=assessment.pk).evidence_bytes == len(PDF_BYTES)
    entry = AuditEntry.objects.get(action="assessment.evidence.add")
    assert entry.data["sha256"] == blob.sha256 and entry.data["indicator"] == "K1.01"
    # The answer exists (without an option) so the file has somewhere to hang.
    assert Answer.objects.get(assessment=assessment, indicator_code="K1.01").option is None


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64,  # a Windows program
        b"<html><script>alert(1)</script></html>",
        b"#!/bin/sh\nrm -rf /\n",
        b"PK\x03\x04" + b"\x00" * 64,  # a zip that is no Office document
    ],
)
def test_a_forbidden_kind_renamed_to_pdf_is_refused(assessment, operator, content, stored_names):
    with pytest.raises(UploadKindNotAllowed):
        add(operator, assessment, ContentFile(content, name="laporan.pdf"))
    assert not EvidenceBlob.objects.exists() and not Evidence.objects.exists()
    assert stored_names == []


def test_an_allowed_kind_for_another_indicator_is_refused_here(assessment, operator):
    # K3.03 accepts PDF and Word only: a photo is refused whatever its name.
    with pytest.raises(UploadKindNotAllowed):
        add(operator, assessment, png_upload("sk.pdf"), code="K3.03")
    assert add(operator, assessment, pdf_upload("sk.pdf"), code="K3.03").blob.kind == "pdf"


def test_empty_files_are_refused(assessment, operator):
    with pytest.raises(UploadKindNotAllowed):
        add(operator, assessment, ContentFile(b"", name="kosong.pdf"))


@override_settings(EVIDENCE_MAX_FILE_MB=1)
def test_a_file_above_the_server_limit_is_refused(assessment, operator, stored_names):
    with pytest.raises(UploadTooLarge):
        add(operator, assessment, pdf_of(MB + 1))
    assert stored_names == [] and not EvidenceBlob.objects.exists()
    assert add(operator, assessment, pdf_of(MB)).blob.size == MB


def test_a_file_above_the_indicators_own_limit_is_refused(assessment, operator):
    Indicator.objects.filter(instrument=assessment.instrument, code="K1.01").update(evidence_max_mb=1)
    with pytest.raises(UploadTooLarge):
        add(operator, assessment, pdf_of(MB + 1))
    # Another indicator keeps the server's 20 MB.
    assert add(operator, assessment, pdf_of(MB + 1), code="K1.02").blob.size == MB + 1


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("../../x.pdf", "x.pdf"),
        ("C:\\evil\\a.pdf", "a.pdf"),
        ("/etc/passwd.pdf", "passwd.pdf"),
        ("lap\x00or\ran\n.pdf", "laporan.pdf"),
        ("foto\u202efdp.exe", "fotofdp.exe"),  # right-to-left override hides the real extension
        ("..", "berkas"),
        ("...hidden.pdf", "hidden.pdf"),
    ],
)
def test_an_uploaded_name_is_only_a_safe_label(assessment, operator, name, label):
    evidence = add(operator, assessment, ContentFile(PDF_BYTES + name.encode(), name=name))
    assert evidence.original_name == label
    storage_name = evidence.blob.storage_name
    folder = f"evidence/{assessment.period.year}/{assessment.unit_id}/"
    # Generated: the folder, a random hex name and the extension of the recognised kind; nothing of the upload.
    assert re.fullmatch(re.escape(folder) + r"[0-9a-f]{32}\.pdf", storage_name)
    assert read(evidence.blob).startswith(PDF_BYTES)


def test_a_very_long_name_is_shortened(assessment, operator):
    evidence = add(operator, assessment, ContentFile(PDF_BYTES, name="a" * 400 + ".pdf"))
    assert len(evidence.original_name) <= 200


def test_the_same_file_twice_on_one_indicator_is_refused(assessment, operator):
    add(operator, assessment, pdf_upload("sop.pdf"))
    with pytest.raises(ValidationError) as caught:
        add(operator, assessment, pdf_upload("sop-lagi.pdf"))
    assert "file" in caught.value.message_dict
    assert Evidence.objects.count() == 1


def test_the_same_content_on_two_indicators_is_stored_once(assessment, operator, stored_names):
    first = add(operator, assessment, pdf_upload("maklumat.pdf"), code="K1.01")
    second = add(operator, assessment, pdf_upload("maklumat-salinan.pdf"), code="K1.02")
    assert first.blob_id == second.blob_id
    assert EvidenceBlob.objects.count() == 1 and len(stored_names) == 1
    assert Assessment.objects.get(pk=assessment.pk).evidence_bytes == len(PDF_BYTES)
    third = add(operator, assessment, pdf_upload("lain.pdf", extra=b"lain"), code="K1.02")
    assert third.blob_id != first.blob_id
    assert Assessment.objects.get(pk=assessment.pk).evidence_bytes == 2 * len(PDF_BYTES) + len(b"lain")


def test_the_same_content_in_two_assessments_is_stored_for_each(
    assessment, sibling_assessment, operator, sibling_operator
):
    mine = add(operator, assessment, pdf_upload())
    theirs = add(sibling_operator, sibling_assessment, pdf_upload())
    assert mine.blob_id != theirs.blob_id
    assert mine.blob.storage_name != theirs.blob.storage_name


@override_settings(EVIDENCE_MAX_ASSESSMENT_MB=1)
def test_the_assessment_limit_counts_each_content_once(assessment, operator, stored_names):
    add(operator, assessment, pdf_of(600 * 1024, seed=b"satu"), code="K1.01")
    with pytest.raises(UploadTooLarge) as caught:
        add(operator, assessment, pdf_of(600 * 1024, seed=b"dua"), code="K1.02")
    assert caught.value.code == "assessment_limit"
    assert len(stored_names) == 1 and EvidenceBlob.objects.count() == 1
    # Content already stored costs nothing more.
    add(operator, assessment, pdf_of(600 * 1024, seed=b"satu"), code="K1.02")
    assert Assessment.objects.get(pk=assessment.pk).evidence_bytes == 600 * 1024


def test_an_indicator_holds_a_limited_number_of_files(assessment, operator, monkeypatch):
    monkeypatch.setattr(services, "MAX_FILES_PER_INDICATOR", 2)
    add(operator, assessment, pdf_upload(extra=b"1"))
    add(operator, assessment, pdf_upload(extra=b"2"))
    with pytest.raises(ValidationError):
        add(operator, assessment, pdf_upload(extra=b"3"))


@pytest.mark.parametrize("who", ["sibling_operator", "kepala", "kanwil", "ditjen", "outsider"])
def test_only_the_units_operators_add_files(request, assessment, who, stored_names):
    with pytest.raises(PermissionDenied):
        add(request.getfixturevalue(who), assessment, pdf_upload())
    assert stored_names == [] and not Evidence.objects.exists()


# ---------------------------------------------------------------- replacing and removing


def test_replacing_keeps_the_old_file_superseded_and_visible_in_the_history(assessment, operator):
    old = add(operator, assessment, pdf_upload("versi-1.pdf", extra=b"v1"))
    new = add(operator, assessment, pdf_upload("versi-2.pdf", extra=b"v2"), replaces=old)
    old.refresh_from_db()
    assert old.superseded_at is not None and not old.current
    assert new.replaces == old and new.current
    assert AuditEntry.objects.filter(action="assessment.evidence.replace", data__replaces=old.pk).exists()
    row = selectors.assessment_page(assessment=assessment).row("K1.01")
    assert [e.pk for e in row.evidence] == [new.pk]
    assert [e.pk for e in row.history] == [old.pk]
    assert default_storage.exists(old.blob.storage_name)  # the old content stays readable
    # A superseded file cannot be replaced again, nor can a file of another indicator.
    with pytest.raises(services.TransitionError):
        add(operator, assessment, pdf_upload("versi-3.pdf", extra=b"v3"), replaces=old)
    other = add(operator, assessment, pdf_upload("lain.pdf", extra=b"lain"), code="K1.02")
    with pytest.raises(services.TransitionError):
        add(operator, assessment, pdf_upload("versi-3.pdf", extra=b"v3"), replaces=other)


def test_removing_keeps_the_file_in_the_history(assessment, operator, sibling_operator):
    evidence = add(operator, assessment, pdf_upload())
    with pytest.raises(PermissionDenied):
        services.evidence_remove(actor=sibling_operator, evidence=evidence)
    removed = services.evidence_remove(actor=operator, evidence=evidence)
    assert (removed.removed_by, removed.current) == (operator, False)
    assert removed.removed_at is not None
    row = selectors.assessment_page(assessment=assessment).row("K1.01")
    assert row.evidence == [] and [e.pk for e in row.history] == [evidence.pk]
    assert EvidenceBlob.objects.filter(pk=evidence.blob_id).exists()
    assert default_storage.exists(evidence.blob.storage_name)
    assert AuditEntry.objects.filter(action="assessment.evidence.remove", data__evidence=evidence.pk).exists()
    with pytest.raises(services.TransitionError):
        services.evidence_remove(actor=operator, evidence=evidence)
    # The same content may be attached again (reusing the stored blob).
    again = add(operator, assessment, pdf_upload())
    assert again.blob_id == evidence.blob_id and EvidenceBlob.objects.count() == 1


# ---------------------------------------------------------------- failures leave nothing behind


def test_a_failure_after_storing_leaves_no_blob_row_and_no_stored_file(assessment, operator, stored_names, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Evidence.objects, "create", boom)
    with pytest.raises(RuntimeError):
        add(operator, assessment, pdf_upload())
    assert len(stored_names) == 1
    assert not default_storage.exists(stored_names[0])
    assert not EvidenceBlob.objects.exists()
    assert Assessment.objects.get(pk=assessment.pk).evidence_bytes == 0
    assert not AuditEntry.objects.filter(action__startswith="assessment.evidence").exists()


def test_a_failure_after_reusing_a_blob_keeps_the_blob_of_the_other_file(
    assessment, operator, stored_names, monkeypatch
):
    first = add(operator, assessment, pdf_upload(), code="K1.01")

    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Evidence.objects, "create", boom)
    with pytest.raises(RuntimeError):
        add(operator, assessment, pdf_upload(), code="K1.02")
    assert default_storage.exists(first.blob.storage_name)
    assert EvidenceBlob.objects.count() == 1
