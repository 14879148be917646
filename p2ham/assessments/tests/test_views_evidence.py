"""Evidence through the page: the plain multipart upload (several files, replacing one), removal into the
history, and the permission-checked download and preview with their safety headers."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from p2ham.assessments import services
from p2ham.assessments.models import Assessment, Evidence, EvidenceBlob
from p2ham.assessments.tests.fixtures import PDF_BYTES, pdf_upload, png_upload
from p2ham.assessments.tests.test_views import HTMX, english, force_status, messages_of, page_url, url

pytestmark = pytest.mark.django_db

S = Assessment.Status
CODE = "K1.01"  # needs two files: JPEG, PNG, WEBP or PDF


@pytest.fixture(autouse=True)
def _english(client):
    english(client)


def stored_names() -> set[str]:
    """Every file in the (in-memory) storage, shared by the tests of this process: compare before and after."""
    names: set[str] = set()

    def walk(path: str) -> None:
        try:
            folders, files = default_storage.listdir(path)
        except FileNotFoundError:
            return
        names.update(f"{path}/{f}".lstrip("/") for f in files)
        for folder in folders:
            walk(f"{path}/{folder}".lstrip("/"))

    walk("")
    return names


def docx_upload(name: str = "sop.docx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/octet-stream")


def _upload(client, assessment, files, *, htmx=True, code=CODE, **data):
    return client.post(url("evidence_upload", assessment, code), {"file": files, **data}, **(HTMX if htmx else {}))


def _remove(client, evidence, *, htmx=True):
    return client.post(reverse("assessments:evidence_remove", args=[evidence.pk]), **(HTMX if htmx else {}))


def _add(assessment, operator, upload=None, code=CODE, **kwargs) -> Evidence:
    return services.evidence_add(
        actor=operator, assessment=assessment, indicator_code=code, uploaded=upload or pdf_upload(), **kwargs
    )


def _body(response) -> bytes:
    """The streamed bytes (reading them to the end also closes the file)."""
    return b"".join(response.streaming_content)


@pytest.fixture
def nothing_stored(assessment):
    """Check, after the test, that neither the database nor the storage kept anything."""
    before = stored_names()
    yield
    assert not Evidence.objects.filter(answer__assessment=assessment).exists()
    assert not EvidenceBlob.objects.filter(assessment=assessment).exists()
    assert stored_names() == before
    assert Assessment.objects.get(pk=assessment.pk).evidence_bytes == 0


# ---------------------------------------------------------------- upload


def test_an_htmx_upload_returns_the_evidence_block(client, assessment, operator):
    client.force_login(operator)
    response = _upload(client, assessment, pdf_upload("SOP layanan.pdf"))
    assert response.status_code == 200
    evidence = Evidence.objects.get(answer__assessment=assessment)
    assert (evidence.original_name, evidence.uploaded_by, evidence.blob.kind) == ("SOP layanan.pdf", operator, "pdf")
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="evidence-K1-01"')
    assert "SOP layanan.pdf" in html
    assert f'href="/penilaian/bukti/{evidence.pk}/lihat/"' in html
    assert 'id="badges-K1-01" hx-swap-oob="true"' in html
    assert "evidence 1/2" in html
    assert 'id="progress-overall" class="card mb-3" hx-swap-oob="true"' in html


def test_several_files_go_in_one_form_without_javascript(client, assessment, operator):
    client.force_login(operator)
    response = _upload(client, assessment, [pdf_upload("a.pdf", b"a"), png_upload("b.png")], htmx=False)
    assert response.status_code == 302
    assert response.url == page_url(assessment, CODE)
    assert messages_of(response) == ["File saved for K1.01."]
    names = sorted(Evidence.objects.filter(answer__assessment=assessment).values_list("original_name", flat=True))
    assert names == ["a.pdf", "b.png"]


def test_an_upload_without_a_file_is_refused(client, assessment, operator, nothing_stored):
    client.force_login(operator)
    response = client.post(url("evidence_upload", assessment, CODE), {}, **HTMX)
    assert response.status_code == 400
    assert "Choose a file to upload." in response.content.decode()


def test_a_forbidden_kind_renamed_pdf_is_refused(client, assessment, operator, nothing_stored):
    client.force_login(operator)
    fake = SimpleUploadedFile("laporan.pdf", b"MZ\x90\x00\x03" + b"\x00" * 200, content_type="application/pdf")
    response = _upload(client, assessment, fake)
    assert response.status_code == 415
    assert "laporan.pdf: This file is not one of the allowed kinds" in response.content.decode()


def test_a_kind_the_indicator_does_not_take_is_refused(client, assessment, operator, nothing_stored):
    client.force_login(operator)
    response = _upload(client, assessment, pdf_upload(), code="K1.06")  # photos only
    assert response.status_code == 415
    assert "JPEG, PNG, WEBP" in response.content.decode()


@override_settings(EVIDENCE_MAX_FILE_MB=1)
def test_an_oversized_file_is_refused(client, assessment, operator, nothing_stored):
    client.force_login(operator)
    big = pdf_upload("besar.pdf", extra=b"0" * (1024 * 1024 + 512 * 1024))
    response = _upload(client, assessment, big)
    assert response.status_code == 413
    assert "besar.pdf: The file is 1.5" in response.content.decode()


def test_the_same_file_twice_is_refused(client, assessment, operator):
    client.force_login(operator)
    assert _upload(client, assessment, pdf_upload("satu.pdf")).status_code == 200
    response = _upload(client, assessment, pdf_upload("dua.pdf"))
    assert response.status_code == 400
    assert "dua.pdf: This file is already attached to this indicator." in response.content.decode()
    assert Evidence.objects.filter(answer__assessment=assessment).count() == 1


def test_a_path_like_name_is_only_a_label(client, assessment, operator):
    client.force_login(operator)
    response = _upload(client, assessment, pdf_upload("../../etc/passwd.pdf"))
    assert response.status_code == 200
    evidence = Evidence.objects.get(answer__assessment=assessment)
    assert evidence.original_name == "passwd.pdf"
    storage_name = evidence.blob.storage_name
    assert storage_name.startswith(f"evidence/{assessment.period.year}/{assessment.unit_id}/")
    assert "passwd" not in storage_name and ".." not in storage_name and "etc" not in storage_name
    html = response.content.decode()
    assert ">passwd.pdf<" in html
    assert "../" not in html and "etc/passwd" not in html
    # The download names the file by its label, nothing more.
    download = client.get(reverse("assessments:evidence_download", args=[evidence.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="passwd.pdf"'
    _body(download)


def test_a_name_with_markup_is_escaped(client, assessment, operator):
    # A name without a slash is kept as it is (the resumable upload takes it from JSON): the page escapes it.
    _add(assessment, operator, pdf_upload('<img src=x onerror="alert(1)">.pdf'))
    client.force_login(operator)
    html = client.get(page_url(assessment)).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.pdf" in html


def test_replacing_keeps_the_old_file_in_the_history(client, assessment, operator):
    old = _add(assessment, operator, pdf_upload("versi-1.pdf", b"1"))
    client.force_login(operator)
    response = _upload(client, assessment, pdf_upload("versi-2.pdf", b"2"), replaces=old.pk)
    assert response.status_code == 200
    old.refresh_from_db()
    new = Evidence.objects.get(answer__assessment=assessment, superseded_at=None)
    assert old.superseded_at is not None
    assert (new.original_name, new.replaces) == ("versi-2.pdf", old)
    html = response.content.decode()
    assert "History: 1 earlier file" in html
    assert f'<a href="/penilaian/bukti/{old.pk}/unduh/">versi-1.pdf</a>' in html
    assert "replaced " in html
    assert "replaces an earlier version" in html
    # The old file stays readable.
    download = client.get(reverse("assessments:evidence_download", args=[old.pk]))
    assert download.status_code == 200 and _body(download).startswith(PDF_BYTES)


def test_replacing_a_file_of_another_assessment_is_refused(
    client, assessment, sibling_assessment, operator, sibling_operator
):
    foreign = _add(sibling_assessment, sibling_operator)
    client.force_login(operator)
    for replaces in (foreign.pk, 999999):
        response = _upload(client, assessment, pdf_upload("baru.pdf"), replaces=replaces)
        assert response.status_code == 400
        assert "The file to replace was not found." in response.content.decode()
    assert not Evidence.objects.filter(answer__assessment=assessment).exists()
    assert Evidence.objects.get(pk=foreign.pk).current


def test_replacing_a_file_no_longer_current_is_refused(client, assessment, operator):
    old = _add(assessment, operator, pdf_upload("versi-1.pdf", b"1"))
    _add(assessment, operator, pdf_upload("versi-2.pdf", b"2"), replaces=old)
    client.force_login(operator)
    response = _upload(client, assessment, pdf_upload("versi-3.pdf", b"3"), replaces=old.pk)
    assert response.status_code == 409
    assert Evidence.objects.filter(answer__assessment=assessment).count() == 2


@pytest.mark.parametrize("who", ["kepala", "kanwil", "ditjen"])
def test_people_who_only_read_cannot_upload(request, client, assessment, who, nothing_stored):
    client.force_login(request.getfixturevalue(who))
    assert _upload(client, assessment, pdf_upload()).status_code == 403


@pytest.mark.parametrize("who", ["sibling_operator", "other_kanwil", "outsider"])
def test_people_outside_the_scope_cannot_upload(request, client, assessment, who, nothing_stored):
    client.force_login(request.getfixturevalue(who))
    assert _upload(client, assessment, pdf_upload()).status_code == 404


def test_no_upload_after_the_submission(client, assessment, operator, nothing_stored):
    force_status(assessment, S.SUBMITTED)
    client.force_login(operator)
    response = _upload(client, assessment, pdf_upload())
    assert response.status_code == 409
    assert "This assessment has been submitted" in response.content.decode()


# ---------------------------------------------------------------- removal


def test_the_operator_removes_a_file_into_the_history(client, assessment, operator):
    evidence = _add(assessment, operator, pdf_upload("lama.pdf"))
    client.force_login(operator)
    response = _remove(client, evidence)
    assert response.status_code == 200
    evidence.refresh_from_db()
    assert (evidence.removed_by, evidence.current) == (operator, False)
    html = response.content.decode()
    assert "No file yet." in html
    assert "History: 1 earlier file" in html
    assert f'<a href="/penilaian/bukti/{evidence.pk}/unduh/">lama.pdf</a>' in html
    assert "removed " in html


def test_removing_without_javascript_goes_back_to_the_indicator(client, assessment, operator):
    evidence = _add(assessment, operator)
    client.force_login(operator)
    response = _remove(client, evidence, htmx=False)
    assert response.status_code == 302
    assert response.url == page_url(assessment, CODE)
    assert messages_of(response) == ["File removed; it stays in the history."]
    assert not Evidence.objects.get(pk=evidence.pk).current


def test_a_removed_file_cannot_be_removed_again(client, assessment, operator):
    evidence = _add(assessment, operator)
    client.force_login(operator)
    _remove(client, evidence)
    response = _remove(client, evidence)
    assert response.status_code == 409
    assert "This file is no longer current." in response.content.decode()


@pytest.mark.parametrize("who", ["kepala", "kanwil", "ditjen"])
def test_people_who_only_read_cannot_remove(request, client, assessment, operator, who):
    evidence = _add(assessment, operator)
    client.force_login(request.getfixturevalue(who))
    assert _remove(client, evidence).status_code == 403
    assert Evidence.objects.get(pk=evidence.pk).current


@pytest.mark.parametrize("who", ["sibling_operator", "other_kanwil", "outsider"])
def test_people_outside_the_scope_cannot_remove(request, client, assessment, operator, who):
    evidence = _add(assessment, operator)
    client.force_login(request.getfixturevalue(who))
    assert _remove(client, evidence).status_code == 404
    assert Evidence.objects.get(pk=evidence.pk).current


def test_no_removal_after_the_submission(client, assessment, operator):
    evidence = _add(assessment, operator)
    force_status(assessment, S.SUBMITTED)
    client.force_login(operator)
    assert _remove(client, evidence).status_code == 409
    assert Evidence.objects.get(pk=evidence.pk).current


def test_removal_is_a_post(client, assessment, operator):
    evidence = _add(assessment, operator)
    client.force_login(operator)
    assert client.get(reverse("assessments:evidence_remove", args=[evidence.pk])).status_code == 405
    assert Evidence.objects.get(pk=evidence.pk).current


# ---------------------------------------------------------------- download and preview


@pytest.mark.parametrize("who", ["operator", "kepala", "kanwil", "ditjen", "verifier", "admin_user"])
def test_the_unit_its_kanwil_and_national_roles_read_the_file(request, client, assessment, operator, who):
    evidence = _add(assessment, operator, pdf_upload("SOP.pdf"))
    client.force_login(request.getfixturevalue(who))

    download = client.get(reverse("assessments:evidence_download", args=[evidence.pk]))
    assert download.status_code == 200
    assert _body(download) == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="SOP.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Cache-Control"] == "private, no-store"

    preview = client.get(reverse("assessments:evidence_preview", args=[evidence.pk]))
    assert preview.status_code == 200
    assert _body(preview) == PDF_BYTES
    assert preview["Content-Disposition"] == 'inline; filename="SOP.pdf"'
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert preview["Cache-Control"] == "private, no-store"
    csp = preview["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp
    assert "script-src" not in csp


def test_an_image_previews_inline(client, assessment, operator):
    upload = png_upload("ramp.png")
    content = upload.read()
    upload.seek(0)
    evidence = _add(assessment, operator, upload)
    client.force_login(operator)
    preview = client.get(reverse("assessments:evidence_preview", args=[evidence.pk]))
    assert _body(preview) == content
    assert preview["Content-Type"] == "image/png"
    assert preview["Content-Disposition"].startswith("inline;")


def test_a_document_preview_downloads_instead(client, assessment, operator):
    evidence = _add(assessment, operator, docx_upload("SOP.docx"), code="K3.03")
    assert evidence.blob.kind == "docx"
    client.force_login(operator)
    preview = client.get(reverse("assessments:evidence_preview", args=[evidence.pk]))
    assert preview.status_code == 200
    _body(preview)
    assert preview["Content-Disposition"] == 'attachment; filename="SOP.docx"'
    assert preview["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" not in preview.get("Content-Security-Policy", "")


@pytest.mark.parametrize("who", ["sibling_operator", "other_kanwil", "outsider", "medan_operator"])
def test_people_outside_the_scope_cannot_read_the_file(request, client, assessment, operator, who):
    evidence = _add(assessment, operator)
    client.force_login(request.getfixturevalue(who))
    for name in ("evidence_download", "evidence_preview"):
        assert client.get(reverse(f"assessments:{name}", args=[evidence.pk])).status_code == 404


def test_anonymous_is_sent_to_the_login_page(client, assessment, operator):
    evidence = _add(assessment, operator)
    response = client.get(reverse("assessments:evidence_download", args=[evidence.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_an_unknown_file_is_not_found(client, assessment, ditjen):
    client.force_login(ditjen)
    assert client.get(reverse("assessments:evidence_download", args=[999999])).status_code == 404
    assert client.get(reverse("assessments:evidence_preview", args=[999999])).status_code == 404
