"""The decree annex: the awarded units per cohort, in Indonesian whatever the reader's language; a draft with
the number left blank before the decree, the decree's number and date after it; as a PDF whose text can be
read back, and as a Word document with a real table whose header row repeats on every page."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from p2ham.assessments.tests.test_views import english
from p2ham.results import documents_decree, selectors, views_ranking
from p2ham.results.tests.fixtures import determine
from p2ham.results.tests.test_services import quick_period, quick_scored
from p2ham.results.tests.test_views_ranking import YEAR, board, pimpinan  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    """The PDF's text with its line breaks read as spaces (a long heading wraps)."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def docx_tables(data: bytes) -> list[list[list[str]]]:
    document = Document(io.BytesIO(data))
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def docx_text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def _annex(period, user):
    board_ = selectors.ranking(period=period, user=user, awarded_only=True)
    return board_.determination, documents_decree.annex_groups(board_.rows, views_ranking.cohort_labels())


def test_the_draft_annex_as_pdf(board, ditjen):  # noqa: F811
    determination, groups = _annex(board, ditjen)
    data = documents_decree.decree_annex_pdf(period=board, determination=determination, groups=groups)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "RANCANGAN" in text
    assert "LAMPIRAN KEPUTUSAN MENTERI HAK ASASI MANUSIA REPUBLIK INDONESIA" in text
    assert "NOMOR ……" in text and "TAHUN 2026" in text
    assert "Lapas Kelas IIA Ambon" in text and "Lapas Kelas I Medan" in text and "92,50" in text
    assert "Rutan Kelas IIA Ambon" not in text  # no predicate
    assert "Kelompok Pemasyarakatan" in text and "Jumlah unit kerja yang memperoleh predikat: 2" in text


def test_the_determined_annex_carries_the_decree(board, ditjen):  # noqa: F811
    determine(board, ditjen)
    determination, groups = _annex(board, ditjen)
    text = pdf_text(documents_decree.decree_annex_pdf(period=board, determination=determination, groups=groups))
    assert "RANCANGAN" not in text
    assert "NOMOR M.HH-12.HA.01.01 TAHUN 2026" in text and "TANGGAL 3 DESEMBER 2026" in text
    assert "NATALIUS PIGAI" in text


def test_the_annex_as_docx_has_a_real_table(board, ditjen):  # noqa: F811
    quick_scored(board, ditjen, code="KANIM-AMBON", name="Kantor Imigrasi Ambon", total="91.00", unit_type="kanim")
    determination, groups = _annex(board, ditjen)
    data = documents_decree.decree_annex_docx(period=board, determination=determination, groups=groups)
    tables = docx_tables(data)
    assert tables == [
        [["No.", "Nama Unit Kerja", "Provinsi", "Nilai Akhir"], ["1.", "Kantor Imigrasi Ambon", "Maluku", "91,00"]],
        [
            ["No.", "Nama Unit Kerja", "Provinsi", "Nilai Akhir"],
            ["1.", "Lapas Kelas IIA Ambon", "Maluku", "92,50"],
            ["2.", "Lapas Kelas I Medan", "Sumatera Utara", "88,00"],
        ],
    ]
    document = Document(io.BytesIO(data))
    for table in document.tables:
        properties = table.rows[0]._tr.trPr
        assert properties is not None
        header = properties.find(qn("w:tblHeader"))
        assert header is not None and header.get(qn("w:val")) == "true"
        body = table.rows[1]._tr.trPr
        assert body is None or body.find(qn("w:tblHeader")) is None
    text = docx_text(data)
    assert "RANCANGAN" in text and "LAMPIRAN KEPUTUSAN MENTERI HAK ASASI MANUSIA" in text
    assert "Kelompok Imigrasi" in text and "Kelompok Pemasyarakatan" in text


def test_an_empty_annex_says_so(tree, ditjen):
    period = quick_period(YEAR)
    text = pdf_text(documents_decree.decree_annex_pdf(period=period, determination=None, groups=[]))
    assert "Belum ada unit kerja yang memenuhi syarat predikat." in text
    assert "Belum ada unit kerja" in docx_text(
        documents_decree.decree_annex_docx(period=period, determination=None, groups=[])
    )


@pytest.mark.parametrize("who", ["ditjen", "pimpinan"])
def test_the_annex_downloads_in_indonesian(request, client, board, who):  # noqa: F811
    english(client)
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("ranking:annex_pdf", args=[YEAR]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="rancangan-lampiran-keputusan-p2ham-2026.pdf"' in response["Content-Disposition"]
    assert "Lapas Kelas IIA Ambon" in pdf_text(response.content) and "RANCANGAN" in pdf_text(response.content)
    response = client.get(reverse("ranking:annex_docx", args=[YEAR]))
    assert response.status_code == 200 and response["Content-Type"].endswith("wordprocessingml.document")
    assert "attachment" in response["Content-Disposition"]
    assert docx_tables(response.content)[0][1][1] == "Lapas Kelas IIA Ambon"


@pytest.mark.parametrize("who", ["kanwil", "operator", "verifier"])
def test_the_annex_is_refused_to_others(request, client, board, who):  # noqa: F811
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("ranking:annex_pdf", args=[YEAR])).status_code == 403
    assert client.get(reverse("ranking:annex_docx", args=[YEAR])).status_code == 403
