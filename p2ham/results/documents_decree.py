"""The annex of the Minister's decree (Lampiran Keputusan Menteri): the awarded units of each cohort, numbered,
with their province and total. Before the decree it is a draft (RANCANGAN) with the number left blank, for
the legal drafters; after it, it carries the decree's number and date. Always in Indonesian, as an A4 PDF
(WeasyPrint) and as a Word document (python-docx) that the drafters edit."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from weasyprint import HTML

from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import Period
from p2ham.results.models import Determination

DEFAULT_TITLE = "Menteri Hak Asasi Manusia Republik Indonesia"
BLANK = "……………………………………"
HEADER = ("No.", "Nama Unit Kerja", "Provinsi", "Nilai Akhir")


@dataclass(frozen=True)
class AnnexRow:
    number: int
    unit: str
    code: str
    province: str
    total: Decimal


@dataclass(frozen=True)
class AnnexGroup:
    label: str
    rows: list[AnnexRow]


def _total(value: Decimal) -> str:
    return formats.number_format(value, 2)  # 98,57 under Indonesian formats


def annex_groups(rows: Iterable[Any], labels: dict[str, str]) -> list[AnnexGroup]:
    """The awarded rows of a ranking (``selectors.RankRow``, sorted by cohort and rank) numbered per cohort."""
    groups: dict[str, list[AnnexRow]] = {}
    for row in rows:
        members = groups.setdefault(row.cohort, [])
        members.append(
            AnnexRow(
                number=len(members) + 1,
                unit=row.unit.name,
                code=row.unit.code,
                province=row.unit.province.name,
                total=row.total,
            )
        )
    return [AnnexGroup(labels.get(cohort, cohort), members) for cohort, members in groups.items()]


def _context(
    *, period: Period, determination: Determination | None, groups: Sequence[AnnexGroup], now: dt.datetime | None
) -> dict[str, Any]:
    title = (determination.signatory_title if determination else "") or getattr(
        settings, "P2HAM_DECREE_SIGNATORY_TITLE", ""
    )
    name = (determination.signatory_name if determination else "") or getattr(
        settings, "P2HAM_DECREE_SIGNATORY_NAME", ""
    )
    today = timezone.localtime(now or timezone.now(), REFERENCE_TZ).date()
    return {
        "period": period,
        "draft": determination is None,
        "title": (title or DEFAULT_TITLE).strip(),
        "number": determination.decree_number if determination else "",
        "date": formats.date_format(determination.decree_date, "j F Y") if determination else "",
        "signatory_name": name.strip(),
        "groups": list(groups),
        "total": sum(len(g.rows) for g in groups),
        "prepared": formats.date_format(today, "j F Y"),
        "blank": BLANK,
        "header": HEADER,
    }


def decree_annex_pdf(
    *,
    period: Period,
    determination: Determination | None,
    groups: Sequence[AnnexGroup],
    now: dt.datetime | None = None,
) -> bytes:
    """The annex as an A4 PDF: a table per cohort whose header repeats on every page."""
    with translation.override("id"):
        context = _context(period=period, determination=determination, groups=groups, now=now)
        html = render_to_string("results/pdf/decree_annex.html", context)
        return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def _heading(context: dict[str, Any]) -> list[str]:
    """The lines of the annex heading, as the PDF template writes them."""
    lines = []
    if context["draft"]:
        lines.append("RANCANGAN")
    lines += [
        f"LAMPIRAN KEPUTUSAN {context['title'].upper()}",
        f"NOMOR {context['number'] or context['blank']}",
        f"TANGGAL {(context['date'] or context['blank']).upper()}",
        "TENTANG",
        "PENETAPAN UNIT KERJA PELAYANAN PUBLIK BERBASIS HAK ASASI MANUSIA",
        f"TAHUN {context['period'].year}",
    ]
    return lines


def _repeat_header(row: Any) -> None:
    """Mark a table row as a header row that Word repeats at the top of every page."""
    properties = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    properties.append(marker)


def _shade(cell: Any, fill: str = "EEEEEE") -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def decree_annex_docx(
    *,
    period: Period,
    determination: Determination | None,
    groups: Sequence[AnnexGroup],
    now: dt.datetime | None = None,
) -> bytes:
    """The annex as a Word document: a real table per cohort, its header row repeated on every page."""
    with translation.override("id"):
        return _docx(_context(period=period, determination=determination, groups=groups, now=now))


def _docx(context: dict[str, Any]) -> bytes:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(2.4), Cm(2)
    section.top_margin, section.bottom_margin = Cm(1.8), Cm(2.2)
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(11)

    for line in _heading(context):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)
        run = paragraph.add_run(line)
        run.bold = True
    if context["draft"]:
        note = document.add_paragraph()
        note.paragraph_format.space_before = Pt(8)
        run = note.add_run(
            f"Rancangan disusun dari hasil Tim Penilai per {context['prepared']}; belum final sampai ditetapkan."
        )
        run.italic = True

    if not context["groups"]:
        document.add_paragraph("Belum ada unit kerja yang memenuhi syarat predikat.")
    for group in context["groups"]:
        heading = document.add_paragraph()
        heading.paragraph_format.space_before = Pt(12)
        heading.paragraph_format.keep_with_next = True
        heading.add_run(f"Kelompok {group.label}").bold = True
        table = document.add_table(rows=1, cols=len(HEADER))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        header = table.rows[0]
        _repeat_header(header)
        for cell, text in zip(header.cells, HEADER, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
            _shade(cell)
        for row in group.rows:
            cells = table.add_row().cells
            cells[0].text = f"{row.number}."
            cells[1].text = row.unit
            cells[2].text = row.province
            cells[3].text = _total(row.total)
            cells[0].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            cells[3].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for row in table.rows:
            row.cells[0].width, row.cells[1].width = Cm(1.3), Cm(8.5)
            row.cells[2].width, row.cells[3].width = Cm(4.5), Cm(2.3)

    total = document.add_paragraph()
    total.paragraph_format.space_before = Pt(10)
    total.add_run(f"Jumlah unit kerja yang memperoleh predikat: {context['total']} unit kerja.").bold = True

    sign = document.add_paragraph()
    sign.paragraph_format.space_before = Pt(18)
    sign.paragraph_format.left_indent = Cm(9)
    sign.add_run(f"{context['title'].upper()},")
    sign.add_run().add_break()
    for _line in range(3):
        sign.add_run().add_break()
    sign.add_run(context["signatory_name"].upper() or context["blank"]).bold = True

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
