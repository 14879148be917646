"""The documents of a determined result, as PDFs (WeasyPrint): the Laporan Hasil Penilaian (A4 portrait: the
result explained criterion by criterion and indicator by indicator) and the piagam (A4 landscape, with a QR
code that opens the public verification page). Both are official documents: always in Indonesian, whatever
language the reader uses.

The QR code is drawn by segno as SVG and embedded as a data URI, so it stays sharp at any print size and the
PDF needs no file besides itself.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import segno
from django.conf import settings
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from weasyprint import HTML

from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.results.models import Certificate, Result, ResultRevision
from p2ham.results.selectors import ResultReport
from p2ham.reviews.models import AdjustmentKind

# The decree is signed, and the piagam dated, in the capital.
PLACE = "Jakarta"
# ``M`` recovers from 15% damage: enough for a framed paper that gets scratched, still a small symbol.
QR_ERROR = "m"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")

# The official documents are written in Indonesian whatever the state of the translation catalogue: the labels
# they print are spelt out here (the screens use the models' translated labels).
VERDICTS_ID = {
    "accepted": "Sesuai",
    "needs_repair": "Perlu perbaikan",
    "rejected": "Tidak sesuai",
    "not_applicable": "Tidak berlaku",
}
ADJUSTMENT_KINDS_ID = {
    "wbk_wbbm": "Predikat WBK/WBBM",
    "ikm": "Indeks Kepuasan Masyarakat (IKM)",
    "complaints": "Pengaduan Ombudsman / e-Lapor yang terbukti",
    "negative_news": "Isu aktual negatif",
}
FOLLOW_UP_STATUSES_ID = {
    "proposed": "Diusulkan",
    "confirmed": "Ditetapkan, menunggu laporan unit",
    "reported": "Dilaporkan unit, menunggu verifikasi",
    "closed": "Selesai",
    "dismissed": "Tidak diperlukan",
}


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def safe_filename(*parts: Any) -> str:
    """``laporan-hasil-penilaian-2026-LAPAS-AMBON.pdf``: only letters, digits, dots, dashes and underscores, so
    the name is safe in a Content-Disposition header and on every file system."""
    stem = "-".join(_UNSAFE.sub("-", str(p)).strip("-") for p in parts if str(p).strip())
    return (stem[:150] or "dokumen") + ".pdf"


# ---------------------------------------------------------------- QR and verification


def certificate_url(code: str) -> str:
    """The absolute address of the public verification page of a certificate code (what the QR encodes)."""
    return settings.SITE_URL + reverse("public:verify", args=[code])


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI (for an ``<img>`` in HTML or in a PDF)."""
    return str(segno.make(url, error=QR_ERROR).svg_data_uri(scale=4, border=4, dark="#000", light="#fff"))


def qr_png(url: str, *, scale: int = 8) -> bytes:
    """The QR code of ``url`` as PNG bytes (for screens, and for tests that decode it)."""
    out = io.BytesIO()
    segno.make(url, error=QR_ERROR).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


# ---------------------------------------------------------------- shared facts of a result


@dataclass(frozen=True)
class Decree:
    number: str
    date: dt.date
    amending: bool  # an amending decree (re-determination), not the period's first decree


def decree_of(result: Result) -> Decree:
    """The decree the result stands on: the last amending decree that determined it again, else the period's."""
    if result.revision:
        revision = (
            ResultRevision.objects.filter(result=result, kind=ResultRevision.Kind.REDETERMINE)
            .exclude(decree_number="")
            .order_by("-created_at", "-pk")
            .first()
        )
        if revision is not None and revision.decree_date is not None:
            return Decree(revision.decree_number, revision.decree_date, amending=True)
    determination = result.determination
    return Decree(determination.decree_number, determination.decree_date, amending=False)


@dataclass(frozen=True)
class PeerCounts:
    cohort: int  # units determined in the same cohort in the same year
    province: int  # units determined in the same cohort and province in the same year


def peer_counts(result: Result) -> PeerCounts:
    """How many units the ranks are out of ("rank 3 of 41"), in one query."""
    counts = Result.objects.filter(period_id=result.period_id, cohort=result.cohort).aggregate(
        cohort=Count("pk"), province=Count("pk", filter=Q(province_id=result.province_id))
    )
    return PeerCounts(cohort=counts["cohort"] or 0, province=counts["province"] or 0)


@dataclass(frozen=True)
class AdjustmentLine:
    kind: str
    label: str
    points: str
    counted: str
    justification: str


def adjustment_lines(report: ResultReport) -> list[AdjustmentLine]:
    """The adjustments as the result counted them (from its frozen breakdown), each with the chair's
    justification when the recorded adjustments still match the breakdown one to one."""
    frozen = report.breakdown.get("adjustments") or []
    kept = report.breakdown.get("justifications")
    if isinstance(kept, list) and len(kept) == len(frozen):  # kept with the result at determination
        return [
            AdjustmentLine(
                kind=str(f.get("kind", "")),
                label=_kind_label(f),
                points=str(f.get("points", "")),
                counted=str(f.get("counted", "")),
                justification=str(kept[i]),
            )
            for i, f in enumerate(frozen)
        ]
    recorded = list(report.adjustments)
    matches = len(recorded) == len(frozen) and all(
        a.kind == f.get("kind") and _same(a.points, f.get("points")) for a, f in zip(recorded, frozen, strict=True)
    )
    return [
        AdjustmentLine(
            kind=str(f.get("kind", "")),
            label=_kind_label(f),
            points=str(f.get("points", "")),
            counted=str(f.get("counted", "")),
            justification=recorded[i].justification if matches else "",
        )
        for i, f in enumerate(frozen)
    ]


def _kind_label(frozen: dict[str, Any]) -> str:
    """The kind's name in the active language (the breakdown keeps the one of the chair's language)."""
    kind = frozen.get("kind")
    if kind in AdjustmentKind.values:
        return str(AdjustmentKind(kind).label)
    return str(frozen.get("label", ""))


def _same(a: Any, b: Any) -> bool:
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except (InvalidOperation, TypeError, ValueError):
        return False


def _date(value: dt.date | None) -> str:
    return formats.date_format(value, "j F Y") if value else ""


# ---------------------------------------------------------------- the documents


def report_pdf(report: ResultReport) -> bytes:
    """The Laporan Hasil Penilaian of a determined unit: A4 portrait, page numbers, the decree in the footer."""
    result = report.result
    unit = result.unit
    with translation.override("id"):
        decree = decree_of(result)
        context = {
            "report": report,
            "result": result,
            "unit": unit,
            "period": result.period,
            "determination": result.determination,
            "decree": decree,
            "decree_date": _date(decree.date),
            "peers": peer_counts(result),
            "adjustments": adjustment_lines(report),
            "certificate": report.certificate,
            "revoked_on": _date(timezone.localtime(result.revoked_at, unit.tzinfo).date()) if result.revoked_at else "",
            "printed": _date(timezone.localtime(timezone.now(), unit.tzinfo).date()),
            "place": PLACE,
            "verdicts": VERDICTS_ID,
            "kinds": ADJUSTMENT_KINDS_ID,
            "statuses": FOLLOW_UP_STATUSES_ID,
        }
        return _pdf("results/pdf/report.html", context)


def certificate_pdf(certificate: Certificate) -> bytes:
    """The piagam of an awarded unit: A4 landscape, the decree, the signatory, the code and its QR code."""
    result = certificate.result
    unit = result.unit
    url = certificate_url(certificate.code)
    with translation.override("id"):
        decree = decree_of(result)
        determination = result.determination
        context = {
            "certificate": certificate,
            "result": result,
            "unit": unit,
            "period": result.period,
            "determination": determination,
            "decree": decree,
            "decree_date": _date(decree.date),
            "issued": _date(timezone.localtime(certificate.issued_at, REFERENCE_TZ).date()),
            "place": PLACE,
            "url": url,
            "qr": qr_svg(url),
        }
        return _pdf("results/pdf/certificate.html", context)
