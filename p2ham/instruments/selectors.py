"""Reads of instruments."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Prefetch, QuerySet

from p2ham.instruments.models import AnswerScale, Criterion, Indicator, Instrument
from p2ham.instruments.scoring import CriterionSpec, IndicatorSpec, PredicateRule, Scorer
from p2ham.periods.models import Period


def instrument_with_tree(*, pk: int) -> Instrument:
    """An instrument with its scales, criteria and indicators loaded (a fixed number of queries)."""
    return (
        Instrument.objects.select_related("period")
        .prefetch_related(
            "unit_types",
            Prefetch("scales", queryset=AnswerScale.objects.prefetch_related("options").order_by("code")),
            Prefetch(
                "criteria",
                queryset=Criterion.objects.order_by("order", "pk").prefetch_related(
                    Prefetch(
                        "indicators",
                        queryset=Indicator.objects.select_related("scale")
                        .prefetch_related("scale__options")
                        .order_by("order", "pk"),
                    )
                ),
            ),
        )
        .get(pk=pk)
    )


def instrument_tree(instrument: Instrument) -> dict[str, Any]:
    """The instrument as a plain tree (strings for numbers): the export, API and clone format."""
    instrument = instrument_with_tree(pk=instrument.pk)
    return {
        "code": instrument.code,
        "name": instrument.name,
        "version": instrument.version,
        "regulation": instrument.regulation_label,
        "unit_types": sorted(t.code for t in instrument.unit_types.all()),
        "predicate_threshold": str(instrument.predicate_threshold),
        "bonus_cap": str(instrument.bonus_cap),
        "penalty_cap": str(instrument.penalty_cap),
        "scales": [
            {
                "code": scale.code,
                "name": scale.name,
                "options": [{"label": o.label, "score": str(o.score)} for o in scale.options.all()],
            }
            for scale in instrument.scales.all()
        ],
        "criteria": [
            {
                "code": c.code,
                "name": c.name,
                "weight": str(c.weight),
                "indicators": [
                    {
                        "code": i.code,
                        "question": i.question,
                        "guidance_unit": i.guidance_unit,
                        "guidance_verifier": i.guidance_verifier,
                        "scale": i.scale.code,
                        "weight": str(i.weight),
                        "mandatory": i.mandatory,
                        "evidence": {
                            "required": i.evidence_required,
                            "min_files": i.evidence_min_files,
                            "kinds": list(i.evidence_kinds),
                            "max_mb": i.evidence_max_mb,
                        },
                        "continues": i.continues_code,
                    }
                    for i in c.indicators.all()
                ],
            }
            for c in instrument.criteria.all()
        ],
    }


def period_instruments(*, period: Period) -> QuerySet[Instrument]:
    """The instruments of a period, in force first, with their unit types."""
    return period.instruments.prefetch_related("unit_types").order_by("code", "-version")


def instrument_for_unit_type(*, period: Period, unit_type_code: str) -> Instrument | None:
    """The instrument in force for a unit type in a period."""
    return period.instruments.filter(current=True, unit_types__code=unit_type_code).first()


def instrument_scorer(instrument: Instrument) -> Scorer:
    """The scoring engine prepared for an instrument loaded by ``instrument_with_tree``."""
    criteria = [
        CriterionSpec(
            code=c.code,
            name=c.name,
            weight=c.weight,
            indicators=tuple(
                IndicatorSpec(code=i.code, weight=i.weight, mandatory=i.mandatory) for i in c.indicators.all()
            ),
        )
        for c in instrument.criteria.all()
    ]
    rule = PredicateRule(
        threshold=instrument.predicate_threshold, bonus_cap=instrument.bonus_cap, penalty_cap=instrument.penalty_cap
    )
    return Scorer(criteria, rule)


def instrument_fingerprint(instrument: Instrument) -> str:
    """A fingerprint of the instrument's content (its ETag): any edit, through screens or API, changes it."""
    stamp = json.dumps({"pk": instrument.pk, "tree": instrument_tree(instrument)}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(stamp.encode()).hexdigest()[:32]
