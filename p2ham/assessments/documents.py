"""The two documents of the evaluation, as A4 PDFs (WeasyPrint): the Berita Acara Hasil Evaluasi (the units
that passed, per province) and the Surat Keterangan Hasil Evaluasi (to a unit that did not pass, with the
reasons). Both are official letters: always in Indonesian, whatever language the reader uses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from weasyprint import HTML

from p2ham.assessments.models import Assessment
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import Period

# The Berita Acara is made by Ditjen HAM in Jakarta: its date is Jakarta's.
MINUTES_PLACE = "Jakarta"


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    html = render_to_string(template, context)
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def _signer(user: Any) -> dict[str, str]:
    if user is None:
        return {"name": "", "nip": ""}
    return {"name": user.full_name or user.get_username(), "nip": getattr(user, "nip", "") or ""}


def evaluation_minutes_pdf(
    *,
    period: Period,
    groups: Sequence[tuple[Any, Sequence[Assessment]]],
    signer: Any,
    province: Any = None,
    now: dt.datetime | None = None,
) -> bytes:
    """The Berita Acara Hasil Evaluasi: the units that passed, one table per province, and the signature."""
    today = timezone.localtime(now or timezone.now(), REFERENCE_TZ).date()
    with translation.override("id"):
        context = {
            "period": period,
            "groups": [(p, list(rows)) for p, rows in groups],
            "total": sum(len(rows) for _p, rows in groups),
            "province": province,
            "weekday": formats.date_format(today, "l"),
            "date": formats.date_format(today, "j F Y"),
            "place": MINUTES_PLACE,
            "signer": _signer(signer),
        }
        return _pdf("assessments/pdf/evaluation_minutes.html", context)


def ineligibility_letter_pdf(*, assessment: Assessment) -> bytes:
    """The Surat Keterangan Hasil Evaluasi to a unit that did not pass, dated in the unit's own time zone."""
    unit = assessment.unit
    evaluated = timezone.localtime(assessment.evaluated_at or timezone.now(), unit.province.tzinfo)
    with translation.override("id"):
        context = {
            "assessment": assessment,
            "period": assessment.period,
            "unit": unit,
            "reasons": assessment.eligibility_reasons.strip(),
            "date": formats.date_format(evaluated.date(), "j F Y"),
            "place": MINUTES_PLACE,
            "signer": _signer(assessment.evaluated_by),
        }
        return _pdf("assessments/pdf/ineligibility_letter.html", context)
