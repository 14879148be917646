"""The documents of a determined result: the Laporan Hasil Penilaian and the piagam open as PDFs with what they
must say, the piagam is landscape, and its QR code decodes to the public verification address — from the PNG
the module draws, and from the PDF page itself rendered to an image."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
import zxingcpp
from django.test import override_settings
from PIL import Image
from pypdf import PdfReader

from p2ham.results import documents, selectors, services
from p2ham.results.models import Certificate, Result, ResultRevision
from p2ham.reviews.models import Adjustment, AdjustmentKind, FieldVisit

pytestmark = pytest.mark.django_db

DECREE = "M.HH-12.HA.01.01 TAHUN 2026"


def text_of(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() or "" for page in reader.pages)


def flat(text: str) -> str:
    """The extracted text with its line breaks undone (long names wrap in the PDF)."""
    return " ".join(text.split())


def decoded(image: Image.Image) -> list[str]:
    return [barcode.text for barcode in zxingcpp.read_barcodes(image)]


@pytest.fixture
def result(determined) -> Result:
    return Result.objects.select_related("unit__province", "unit__unit_type", "period", "determination").get()


@pytest.fixture
def certificate(result) -> Certificate:
    certificate = Certificate.objects.select_related(
        "result__unit__province", "result__unit__unit_type", "result__period", "result__determination"
    ).get(result=result)
    return certificate


# ---------------------------------------------------------------- the QR code


@override_settings(SITE_URL="https://p2ham.kemenham.go.id")
def test_certificate_url_is_absolute_on_the_site():
    assert (
        documents.certificate_url("ABCD-EFGH-IJKL-MNOP")
        == "https://p2ham.kemenham.go.id/verifikasi/ABCD-EFGH-IJKL-MNOP"
    )


def test_qr_png_decodes_to_the_url():
    url = "https://p2ham.kemenham.go.id/verifikasi/ABCD-EFGH-IJKL-MNOP"
    image = Image.open(io.BytesIO(documents.qr_png(url)))
    assert decoded(image) == [url]
    # Another address gives another symbol (the test could fail).
    assert decoded(Image.open(io.BytesIO(documents.qr_png(url + "X")))) == [url + "X"]


def test_qr_svg_is_a_data_uri():
    svg = documents.qr_svg("https://example.org/verifikasi/X")
    assert svg.startswith("data:image/svg+xml")


# ---------------------------------------------------------------- the piagam


@override_settings(SITE_URL="https://p2ham.kemenham.go.id")
def test_certificate_pdf_is_one_landscape_page_with_what_it_must_say(certificate):
    data = documents.certificate_pdf(certificate)
    reader, text = text_of(data)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    assert abs(float(box.width) - 841.89) < 2 and abs(float(box.height) - 595.28) < 2  # A4
    text = flat(text)
    unit = certificate.result.unit
    assert "PIAGAM PENGHARGAAN" in text
    assert "Predikat Unit Kerja Pelayanan Publik Berbasis HAM" in text
    assert unit.name in text
    assert str(certificate.result.period.year) in text
    assert DECREE in text
    assert "3 Desember 2026" in text  # the decree's date, in Indonesian
    assert "Natalius Pigai" in text and "Menteri Hak Asasi Manusia" in text
    assert certificate.code in text
    assert f"https://p2ham.kemenham.go.id/verifikasi/{certificate.code}" in text.replace(" ", "")


@override_settings(SITE_URL="https://p2ham.kemenham.go.id")
def test_certificate_pdf_qr_decodes_to_the_verification_url(certificate, tmp_path):
    """The QR code as printed: the PDF page rendered at 150 dpi, then decoded."""
    pdf = tmp_path / "piagam.pdf"
    pdf.write_bytes(documents.certificate_pdf(certificate))
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "poppler-utils (pdftoppm) is missing: `make test` installs it with chromium"
    subprocess.run([pdftoppm, "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)  # noqa: S603
    image = Image.open(tmp_path / "page.png")
    assert image.width > image.height
    assert decoded(image) == [f"https://p2ham.kemenham.go.id/verifikasi/{certificate.code}"]


# ---------------------------------------------------------------- the Laporan Hasil Penilaian


def test_report_pdf_explains_the_result_in_indonesian(result, assessors):
    FieldVisit.objects.create(
        assessment=result.assessment,
        visited_on=result.determined_at.date(),
        participants="Tim Penilai",
        findings="Ramp di pintu samping terlalu curam.",
        created_by=assessors[0],
    )
    report = selectors.result_report(result)
    reader, text = text_of(documents.report_pdf(report))
    page = reader.pages[0].mediabox
    assert float(page.height) > float(page.width)  # portrait
    text = flat(text)
    assert "LAPORAN HASIL PENILAIAN" in text
    assert result.unit.name in text
    assert DECREE in text
    assert f"Halaman 1 dari {len(reader.pages)}" in text
    assert "MERAIH Predikat" in text
    assert f"{result.total:.2f}".replace(".", ",") in text  # Indonesian decimal comma
    for criterion in report.criteria:
        assert criterion.code in text
        for indicator in criterion.indicators:
            assert indicator.code in text
    assert "Sesuai" in text  # the verifier's verdicts, in Indonesian whatever the reader's language
    assert "Ramp di pintu samping terlalu curam." in text
    finding = report.findings[0]
    assert "Temuan untuk Ditindaklanjuti" in text and finding.code in text
    assert "Diusulkan" in text  # the follow-up action's status


def test_report_pdf_of_a_revoked_predicate_says_so(result, certificate, ditjen):
    services.certificate_revoke(actor=ditjen, certificate=certificate, reason="Pungutan liar terbukti")
    result.refresh_from_db()
    _reader, text = text_of(documents.report_pdf(selectors.result_report(result)))
    text = flat(text)
    assert "DICABUT" in text
    assert "Pungutan liar terbukti" in text
    assert "MERAIH Predikat" not in text


# ---------------------------------------------------------------- shared facts


def test_peer_counts_and_decree(result):
    assert documents.peer_counts(result) == documents.PeerCounts(cohort=1, province=1)
    decree = documents.decree_of(result)
    assert (decree.number, decree.amending) == (DECREE, False)


def test_an_amending_decree_is_the_one_the_result_stands_on(result, certificate, ditjen):
    ResultRevision.objects.create(
        result=result,
        kind=ResultRevision.Kind.REDETERMINE,
        reason="Koreksi nilai",
        decree_number="M.HH-30.HA.01.01 TAHUN 2027",
        decree_date=dt.date(2027, 2, 1),
        actor=ditjen,
    )
    Result.objects.filter(pk=result.pk).update(revision=1)
    result.refresh_from_db(fields=["revision"])
    decree = documents.decree_of(result)
    assert (decree.number, decree.date, decree.amending) == ("M.HH-30.HA.01.01 TAHUN 2027", dt.date(2027, 2, 1), True)
    certificate.result = result
    _reader, text = text_of(documents.certificate_pdf(certificate))
    assert "M.HH-30.HA.01.01 TAHUN 2027" in flat(text) and "1 Februari 2027" in flat(text)


def test_adjustments_carry_the_justification_only_when_they_match_the_breakdown(result, assessors):
    report = selectors.result_report(result)
    report.breakdown = {
        **report.breakdown,
        "adjustments": [{"kind": "wbk_wbbm", "label": "WBK", "points": "6.00", "counted": "5.00"}],
    }
    adjustment = Adjustment(
        assessment=result.assessment, kind=AdjustmentKind.WBK_WBBM, points=Decimal(6), justification="SK WBK 2026"
    )
    report.adjustments = [adjustment]
    [line] = documents.adjustment_lines(report)
    assert (line.kind, line.points, line.counted, line.justification) == ("wbk_wbbm", "6.00", "5.00", "SK WBK 2026")
    # Withdrawn or changed since the decree: the frozen numbers stay, without a justification that may not fit.
    report.adjustments = [
        Adjustment(assessment=result.assessment, kind=AdjustmentKind.IKM, points=Decimal(6), justification="IKM")
    ]
    [line] = documents.adjustment_lines(report)
    assert (line.points, line.justification) == ("6.00", "")


def test_safe_filename():
    assert documents.safe_filename("piagam", 2026, "LAPAS-AMBON") == "piagam-2026-LAPAS-AMBON.pdf"
    assert documents.safe_filename("laporan", 2026, 'a"b/c\r\nd') == "laporan-2026-a-b-c-d.pdf"
