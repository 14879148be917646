"""Quick builders of the rows the dashboard and the exports read (the flows that make them are tested in their
own apps): assessments in any status, the panel's result and the determined result, with breakdowns shaped as
the scoring engine stores them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from p2ham.assessments.models import Assessment
from p2ham.instruments.models import Instrument
from p2ham.results.models import Determination, Result
from p2ham.reviews.models import PanelResult

S = Assessment.Status


def instrument_for(period: Any, unit: Any) -> Instrument:
    return Instrument.objects.get(period=period, current=True, unit_types=unit.unit_type)


def assessment_in(period: Any, unit: Any, status: str = S.DRAFT) -> Assessment:
    return Assessment.objects.create(
        period=period,
        unit=unit,
        instrument=instrument_for(period, unit) if status != S.NOT_ELIGIBLE else None,
        status=status,
        submitted_at=timezone.now() if status not in (S.DRAFT, S.NOT_ELIGIBLE, S.WITHDRAWN) else None,
    )


def breakdown_of(instrument: Instrument, scores: dict[str, str], total: Decimal, bonus: str = "0.00") -> dict[str, Any]:
    criteria = []
    for criterion in instrument.criteria.prefetch_related("indicators").order_by("order"):
        given = [scores.get(i.code) or "not_applicable" for i in criterion.indicators.all()]
        values = [Decimal(v) for v in given if v != "not_applicable"]
        criteria.append(
            {
                "code": criterion.code,
                "name": criterion.name,
                "weight": str(criterion.weight),
                "score": str((sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.01"))) if values else None,
                "share": None,
                "indicators": [
                    {
                        "code": i.code,
                        "weight": str(i.weight),
                        "score": scores.get(i.code),
                        "status": "scored",
                        "mandatory": i.mandatory,
                        "failed_mandatory": False,
                    }
                    for i in criterion.indicators.all()
                ],
            }
        )
    return {
        "total": str(total),
        "base_total": str(total - Decimal(bonus)),
        "bonus": bonus,
        "penalty": "0.00",
        "predicate": total >= 80,
        "criteria": criteria,
        "adjustments": [],
    }


def scored(
    period: Any,
    unit: Any,
    by: Any,
    *,
    total: str = "85.00",
    low: dict[str, str] | None = None,
    determination: Determination | None = None,
    rank: int = 1,
    bonus: str = "0.00",
) -> Assessment:
    """The unit's assessment scored by its panel (every indicator 100 but ``low``); with ``determination`` also
    determined, with its frozen result."""
    instrument = instrument_for(period, unit)
    scores = {i.code: "100.00" for i in instrument.indicators.all()}
    scores.update(low or {})
    value = Decimal(total)
    breakdown = breakdown_of(instrument, scores, value, bonus)
    assessment = assessment_in(period, unit, S.DETERMINED if determination else S.SCORED)
    PanelResult.objects.create(
        assessment=assessment,
        total=value,
        predicate=value >= 80,
        breakdown=breakdown,
        scores=scores,
        scored_by=by,
        scored_at=timezone.now(),
    )
    if determination is not None:
        Result.objects.create(
            assessment=assessment,
            determination=determination,
            period=period,
            unit=unit,
            province=unit.province,
            unit_type=unit.unit_type,
            cohort=unit.unit_type.cohort,
            total=value,
            base_total=Decimal(breakdown["base_total"]),
            full_count=sum(1 for v in scores.values() if v == "100.00"),
            predicate=value >= 80,
            rank=rank,
            province_rank=1,
            breakdown=breakdown,
            scores=scores,
            determined_at=timezone.now(),
        )
    return assessment


def scored_plain(period: Any, unit: Any, by: Any, total: str) -> Assessment:
    """A scored assessment without an instrument (an earlier year's, for the year-over-year table)."""
    assessment = Assessment.objects.create(period=period, unit=unit, status=S.SCORED, submitted_at=timezone.now())
    PanelResult.objects.create(
        assessment=assessment,
        total=Decimal(total),
        predicate=Decimal(total) >= 80,
        breakdown={"total": total},
        scores={},
        scored_by=by,
        scored_at=timezone.now(),
    )
    return assessment


def decree(period: Any, by: Any) -> Determination:
    return Determination.objects.create(
        period=period,
        decree_number=f"M.HH-{period.year}",
        decree_date=dt.date(period.year, 12, 3),
        signatory_name="Menteri",
        signatory_title="Menteri Hak Asasi Manusia",
        determined_by=by,
        determined_at=timezone.now(),
    )
