"""The P2HAM scoring engine: from a unit's verified answers to its score, its predicate and the reasons.

This module is pure: no database, no files, no settings. Give it the instrument (criteria and
indicators with their weights), the answers and the adjustments; it returns a :class:`Breakdown` that
every screen, export and API response uses, and that the unit sees as "why this score".

How a score is made
===================

1. **Indicator.** An indicator scores the score of the option chosen for it, from 0 to 100 (for
   example Ada 100 / Proses 50 / Tidak 0).

   - An indicator without an answer is *unanswered*: it scores 0 and still counts.
   - An indicator the verifier accepted as *not applicable* (``NOT_APPLICABLE``) does not count at all:
     it is left out of its criterion, as if it were not in the instrument.

2. **Criterion.** A criterion scores the weighted average of its indicators that count: add up
   weight × score, divide by the sum of their weights. A criterion whose indicators are all not
   applicable is itself not applicable and is left out of the total.

3. **Base total.** The weighted average of the criteria that count, by criterion weight; always 0–100.
   Only the proportions between weights matter: criterion weights 40/30/30 give the same result as
   4/3/3, and indicator weights 1/1/2 the same as 5/5/10. A criterion's *share* is the number of points
   it brings to the base total (its weight × its score ÷ the sum of the weights that count); the shares
   add up to the base total.

4. **Adjustments.** Bonuses (points > 0: WBK/WBBM status, a good IKM) are added up and capped at the
   bonus cap (default 10 points). Penalties (points < 0: Ombudsman or e-Lapor complaints, *isu aktual*)
   are added up and capped at the penalty cap (default 20 points). When a cap bites, every adjustment of
   that sign counts in proportion to its points (bonuses of 6 and 5 under a cap of 10 count 5.45 and
   4.55), so the order in which they were entered does not matter. Each adjustment shows its points and
   how much of them counted.
   **Total** = base total + bonus − penalty, kept within 0–100.

5. **Predicate.** Granted when the total, as shown (rounded), reaches the threshold (default 80) AND
   every mandatory indicator that counts scores more than 0 (an unanswered mandatory indicator fails; a
   not-applicable one is not checked). ``decided_by`` names the rule that decided:

   - ``granted`` — both conditions hold;
   - ``mandatory_failed`` — a mandatory indicator scored 0; ``failed_mandatory`` lists their codes. If the
     total is also below the threshold, ``below_threshold`` is true as well;
   - ``below_threshold`` — every mandatory indicator passed but the total is below the threshold;
   - ``not_applicable`` — nothing in the instrument applies to the unit: total 0, no predicate;
     adjustments are listed but nothing of them counts (there is no score to adjust).

Rounding — the one rule
=======================

Nothing is rounded along the way: sums and products are exact decimals, averages and proportional caps
are exact fractions. Only the numbers that are shown — indicator scores, criterion scores and shares,
base total, adjustment points and counted points, bonus, penalty, total — are rounded, each once and
from its own exact value, to 2 decimal places, with halves rounded away from zero (``ROUND_HALF_UP``):
79.995 → 80.00, 2.345 → 2.35, −1.235 → −1.24. The rules use what the unit sees: the threshold is
compared with the rounded total (79.995 shows as 80.00 and reaches a threshold of 80), and a mandatory
indicator fails when its rounded score is 0.00. Because every shown number is rounded from its own
exact value, shown parts can differ by 0.01 from the shown whole (three criteria of equal weight that
all score 100 have shares of 33.33 each and a base total of 100.00). With adjustments in whole points
or cents, total = base total + bonus − penalty holds exactly in the shown numbers too.

Inputs
======

Weights are numbers greater than 0; scores are numbers from 0 to 100. Numbers are ``Decimal`` (``int``
is accepted too); ``float`` is refused because a binary float cannot hold 0.1 exactly — write
``Decimal("0.1")``. Indicator codes are unique across the whole instrument and criterion codes are
unique; the threshold is within 0–100 and the caps are not negative; adjustment points are any number
(above 0 a bonus, below 0 a penalty, 0 counts nothing). Anything else raises
:class:`ScoringInputError` with a message naming the offending item. Answers for codes that are not in
the instrument are ignored (for example an answer kept from an indicator removed in a later version).

Use :func:`score` for one assessment. To score many assessments against one instrument, build a
:class:`Scorer` once and call :meth:`Scorer.score`: the instrument is then checked only once. Either
way, what an answer value contributes to an indicator is worked out once and remembered (a bounded,
process-wide memo of checked indicators), which is what makes thousands of assessments cheap.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum, StrEnum
from fractions import Fraction
from typing import Any, Final, TypeAlias

__all__ = [
    "NOT_APPLICABLE",
    "Adjustment",
    "AdjustmentResult",
    "Answer",
    "Breakdown",
    "CriterionResult",
    "CriterionSpec",
    "Decision",
    "IndicatorResult",
    "IndicatorSpec",
    "IndicatorStatus",
    "NotApplicable",
    "PredicateRule",
    "Scorer",
    "ScoringInputError",
    "score",
]


class ScoringInputError(ValueError):
    """The instrument, the answers, the adjustments or the rule cannot be scored as given."""


class NotApplicable(Enum):
    """The type of :data:`NOT_APPLICABLE`."""

    NOT_APPLICABLE = "not_applicable"

    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


NOT_APPLICABLE: Final = NotApplicable.NOT_APPLICABLE
"""An answer accepted by the verifier as not applicable: the indicator leaves its criterion's denominator."""

Answer: TypeAlias = Decimal | NotApplicable | None


class IndicatorStatus(StrEnum):
    """How an indicator was answered (``IndicatorResult.status``)."""

    ANSWERED = "answered"
    UNANSWERED = "unanswered"
    NOT_APPLICABLE = "not_applicable"


class Decision(StrEnum):
    """Which rule decided the predicate (``Breakdown.decided_by``)."""

    GRANTED = "granted"
    BELOW_THRESHOLD = "below_threshold"
    MANDATORY_FAILED = "mandatory_failed"
    NOT_APPLICABLE = "not_applicable"


# --- Inputs -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    code: str
    weight: Decimal
    mandatory: bool = False


@dataclass(frozen=True, slots=True)
class CriterionSpec:
    code: str
    name: str
    weight: Decimal
    indicators: tuple[IndicatorSpec, ...]


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A bonus (points > 0, e.g. WBK/WBBM status, good IKM) or a penalty (points < 0, e.g. complaints)."""

    kind: str
    label: str
    points: Decimal


@dataclass(frozen=True, slots=True)
class PredicateRule:
    threshold: Decimal = Decimal("80")  # total (rounded) needed for the predicate
    bonus_cap: Decimal = Decimal("10")  # the sum of positive adjustments is capped at this
    penalty_cap: Decimal = Decimal("20")  # the sum of negative adjustments is capped at this (absolute value)


DEFAULT_RULE: Final = PredicateRule()


# --- Results ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    code: str
    weight: Decimal
    score: Decimal | None  # rounded; 0.00 when unanswered, None when not applicable
    status: IndicatorStatus
    mandatory: bool
    failed_mandatory: bool  # mandatory, applicable and scoring 0.00: refuses the predicate

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "weight": str(self.weight),
            "score": _str_or_none(self.score),
            "status": self.status.value,
            "mandatory": self.mandatory,
            "failed_mandatory": self.failed_mandatory,
        }


@dataclass(frozen=True, slots=True)
class CriterionResult:
    code: str
    name: str
    weight: Decimal
    score: Decimal | None  # rounded weighted mean of the applicable indicators; None when not applicable
    share: Decimal | None  # rounded points this criterion brings to the base total; None when not applicable
    indicators: tuple[IndicatorResult, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "weight": str(self.weight),
            "score": _str_or_none(self.score),
            "share": _str_or_none(self.share),
            "indicators": [indicator.as_dict() for indicator in self.indicators],
        }


@dataclass(frozen=True, slots=True)
class AdjustmentResult:
    kind: str
    label: str
    points: Decimal  # rounded points as entered (negative for a penalty)
    counted: Decimal  # rounded points that counted after the cap (same sign as points)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "label": self.label, "points": str(self.points), "counted": str(self.counted)}


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A score and everything needed to explain it. All numbers are rounded as the module docstring says."""

    total: Decimal  # base_total + bonus - penalty, kept within 0-100
    base_total: Decimal  # weighted mean of the applicable criteria
    criteria: tuple[CriterionResult, ...]
    adjustments: tuple[AdjustmentResult, ...]
    bonus: Decimal  # counted bonus points (after the cap), >= 0
    penalty: Decimal  # counted penalty points (after the cap), >= 0, subtracted
    predicate: bool
    decided_by: Decision
    failed_mandatory: tuple[str, ...]  # codes of the applicable mandatory indicators scoring 0, in instrument order
    below_threshold: bool  # total < threshold (False when nothing is applicable: nothing was compared)
    threshold: Decimal
    bonus_cap: Decimal
    penalty_cap: Decimal

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data (numbers as decimal strings) for the API and for stored results."""
        return {
            "total": str(self.total),
            "base_total": str(self.base_total),
            "bonus": str(self.bonus),
            "penalty": str(self.penalty),
            "predicate": self.predicate,
            "decided_by": self.decided_by.value,
            "failed_mandatory": list(self.failed_mandatory),
            "below_threshold": self.below_threshold,
            "threshold": str(self.threshold),
            "bonus_cap": str(self.bonus_cap),
            "penalty_cap": str(self.penalty_cap),
            "criteria": [criterion.as_dict() for criterion in self.criteria],
            "adjustments": [adjustment.as_dict() for adjustment in self.adjustments],
        }


# --- Arithmetic ---------------------------------------------------------------------------------------

# Additions and multiplications in this context never round (the precision is as large as decimal
# allows); divisions are done on exact fractions instead. Inexact is trapped so that a rounding we did
# not mean to do would raise instead of silently changing a score.
_EXACT: Final = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    rounding=ROUND_HALF_UP,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow, decimal.Inexact],
)
_ZERO: Final = Decimal(0)
_SHOWN_ZERO: Final = Decimal("0.00")
_HUNDRED: Final = Decimal(100)
_F_ZERO: Final = Fraction(0)
_F_HUNDRED: Final = Fraction(100)
_CACHE_LIMIT: Final = 32  # distinct answer values remembered per indicator (an answer scale has a handful)


def _round_ratio(numerator: int, denominator: int) -> Decimal:
    """The one rounding rule: numerator / denominator (> 0), exactly, to 2 decimal places, halves away from
    zero (what decimal calls ROUND_HALF_UP)."""
    cents, remainder = divmod(abs(numerator) * 100, denominator)
    if 2 * remainder >= denominator:
        cents += 1
    return Decimal(-cents if numerator < 0 else cents).scaleb(-2, _EXACT)


def _round(value: Fraction | Decimal) -> Decimal:
    return _round_ratio(*value.as_integer_ratio())


def _str_or_none(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _number(value: object, what: str) -> Decimal:
    """``value`` as a finite Decimal, or a ScoringInputError naming ``what``."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ScoringInputError(f"{what} must be a finite number, got {value}.")
        return Decimal(value) if type(value) is not Decimal else value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    hint = f" (write Decimal({str(value)!r}): a float is not exact)" if isinstance(value, float) else ""
    raise ScoringInputError(f"{what} must be a Decimal, got {type(value).__name__} {value!r}{hint}.")


def _weight(value: object, what: Callable[[], str]) -> Decimal:
    """A weight: a Decimal (or int) greater than 0. ``what`` names it, for the message only."""
    if type(value) is Decimal and value.is_finite() and value > 0:
        return value  # the usual case, without building a message
    number = _number(value, what())
    if number <= 0:
        raise ScoringInputError(f"{what()} must be greater than 0, got {number}.")
    return number


def _code(value: object, what: str, criterion: str | None = None) -> str:
    if not isinstance(value, str) or not value.strip():
        where = f" in criterion {criterion!r}" if criterion else ""
        raise ScoringInputError(f"{what}{where} must be a non-empty string, got {value!r}.")
    return value


# --- Preparation --------------------------------------------------------------------------------------

# What one answer value contributes: (result shown, weight × score, weight counted, fails the predicate).
_Entry: TypeAlias = tuple[IndicatorResult, Decimal, Decimal, bool]


class _Indicator:
    """A checked indicator, remembering what each answer value it has seen contributes.

    Shared by every Scorer whose instrument has an indicator with the same code, weight and mandatory flag
    (see _indicator), so that an instrument rebuilt for every call does not start from nothing each time.
    """

    __slots__ = ("cache", "code", "mandatory", "weight")

    def __init__(self, code: str, weight: Decimal, mandatory: bool) -> None:
        self.code = code
        self.weight = weight
        self.mandatory = mandatory
        # Keyed by None, NOT_APPLICABLE or a Decimal score; Decimal("50") and Decimal("50.0") are equal and
        # share an entry (same score). Filled on first sight so that preparing an instrument stays cheap.
        self.cache: dict[object, _Entry] = {}

    def entry(self, value: object) -> _Entry:
        """What ``value`` contributes; checks it (the fast path in Scorer.score only reads the cache)."""
        if value is None:
            key: object = None
            result = IndicatorResult(
                self.code, self.weight, _SHOWN_ZERO, IndicatorStatus.UNANSWERED, self.mandatory, self.mandatory
            )
            entry = (result, _ZERO, self.weight, self.mandatory)  # scores 0 and stays in the denominator
        elif value is NOT_APPLICABLE:
            key = NOT_APPLICABLE
            result = IndicatorResult(
                self.code, self.weight, None, IndicatorStatus.NOT_APPLICABLE, self.mandatory, False
            )
            entry = (result, _ZERO, _ZERO, False)  # leaves the denominator
        else:
            key = number = _number(value, f"Answer for indicator {self.code!r}")
            if not _ZERO <= number <= _HUNDRED:
                raise ScoringInputError(f"Answer for indicator {self.code!r} must be between 0 and 100, got {number}.")
            cached = self.cache.get(number)  # an int answer, or a Decimal subclass, equal to one seen before
            if cached is not None:
                return cached
            shown = _round(number)
            fails = self.mandatory and not shown  # the rule uses the shown score: 0.004 shows as 0.00 and fails
            result = IndicatorResult(self.code, self.weight, shown, IndicatorStatus.ANSWERED, self.mandatory, fails)
            entry = (result, _EXACT.multiply(self.weight, number), self.weight, fails)
        if len(self.cache) < _CACHE_LIMIT:
            self.cache[key] = entry
        return entry


# Checked indicators by (code, weight as written, mandatory): the key holds only checked values of exact
# types, so a float can never be taken for an equal Decimal, and Decimal("1") and Decimal("1.0") stay apart
# (the breakdown shows the weight as written). Bounded: a few periods of instruments fit many times over.
_INDICATORS: dict[tuple[str, str, bool], _Indicator] = {}
_INDICATORS_LIMIT: Final = 5_000


def _indicator(spec: IndicatorSpec, criterion_code: str) -> _Indicator:
    code = _code(spec.code, "Indicator code", criterion_code)
    weight = _weight(spec.weight, lambda: f"Weight of indicator {code!r} (criterion {criterion_code!r})")
    mandatory = bool(spec.mandatory)
    key = (code, str(weight), mandatory)
    found = _INDICATORS.get(key)
    if found is None:
        found = _Indicator(code, weight, mandatory)
        if len(_INDICATORS) >= _INDICATORS_LIMIT:
            _INDICATORS.clear()
        _INDICATORS[key] = found
    return found


class _Criterion:
    __slots__ = ("code", "indicators", "name", "weight", "weight_fraction", "weight_ratio")

    def __init__(self, spec: CriterionSpec, indicators: tuple[_Indicator, ...]) -> None:
        self.code = spec.code
        self.name = spec.name
        self.weight = _weight(spec.weight, lambda: f"Weight of criterion {spec.code!r}")
        self.weight_fraction = Fraction(self.weight)
        self.weight_ratio = self.weight_fraction.as_integer_ratio()
        self.indicators = indicators


def _check_rule(rule: PredicateRule) -> tuple[Decimal, Decimal, Decimal]:
    if not isinstance(rule, PredicateRule):
        raise ScoringInputError(f"rule must be a PredicateRule, got {type(rule).__name__}.")
    threshold = _number(rule.threshold, "Predicate threshold")
    if not _ZERO <= threshold <= _HUNDRED:
        raise ScoringInputError(f"Predicate threshold must be between 0 and 100, got {threshold}.")
    bonus_cap = _number(rule.bonus_cap, "Bonus cap")
    penalty_cap = _number(rule.penalty_cap, "Penalty cap")
    for cap, what in ((bonus_cap, "Bonus cap"), (penalty_cap, "Penalty cap")):
        if cap < 0:
            raise ScoringInputError(f"{what} must not be negative, got {cap}.")
    return threshold, bonus_cap, penalty_cap


# --- Scoring ------------------------------------------------------------------------------------------


# A criterion after the indicator loop: its indicator results and its exact score as numerator and
# denominator (0 and 0 when no indicator applies).
_Scored: TypeAlias = tuple[_Criterion, tuple[IndicatorResult, ...], int, int]


class Scorer:
    """An instrument and a predicate rule, checked once, ready to score any number of assessments.

    Safe to share between threads: its only mutable state is the memo of answer values already seen.
    """

    __slots__ = ("_bonus_cap", "_criteria", "_penalty_cap", "_threshold", "_weight_sum")

    def __init__(self, criteria: Sequence[CriterionSpec], rule: PredicateRule = DEFAULT_RULE) -> None:
        if isinstance(criteria, CriterionSpec | str) or not isinstance(criteria, Sequence):
            raise ScoringInputError(f"criteria must be a sequence of CriterionSpec, got {type(criteria).__name__}.")
        self._threshold, self._bonus_cap, self._penalty_cap = _check_rule(rule)
        criterion_codes: set[str] = set()
        indicator_codes: dict[str, str] = {}  # indicator code -> criterion code, for the duplicate message
        prepared = []
        for spec in criteria:
            if not isinstance(spec, CriterionSpec):
                raise ScoringInputError(f"Every criterion must be a CriterionSpec, got {type(spec).__name__}.")
            code = _code(spec.code, "Criterion code")
            if not isinstance(spec.name, str):
                raise ScoringInputError(f"Name of criterion {code!r} must be a string, got {type(spec.name).__name__}.")
            if code in criterion_codes:
                raise ScoringInputError(
                    f"Criterion code {code!r} appears more than once; criterion codes must be unique."
                )
            criterion_codes.add(code)
            if not isinstance(spec.indicators, Sequence):
                raise ScoringInputError(f"Indicators of criterion {code!r} must be a sequence of IndicatorSpec.")
            indicators = []
            for indicator in spec.indicators:
                if not isinstance(indicator, IndicatorSpec):
                    raise ScoringInputError(
                        f"Every indicator of criterion {code!r} must be an IndicatorSpec, "
                        f"got {type(indicator).__name__}."
                    )
                prepared_indicator = _indicator(indicator, code)
                indicator_code = prepared_indicator.code
                if indicator_code in indicator_codes:
                    raise ScoringInputError(
                        f"Indicator code {indicator_code!r} appears more than once (criteria "
                        f"{indicator_codes[indicator_code]!r} and {code!r}); indicator codes must be unique "
                        "across the instrument."
                    )
                indicator_codes[indicator_code] = code
                indicators.append(prepared_indicator)
            prepared.append(_Criterion(spec, tuple(indicators)))
        self._criteria: tuple[_Criterion, ...] = tuple(prepared)
        self._weight_sum = sum((c.weight_fraction for c in prepared), _F_ZERO).as_integer_ratio()

    def score(self, answers: Mapping[str, Answer], adjustments: Sequence[Adjustment] = ()) -> Breakdown:
        """Score one assessment: ``answers`` maps indicator codes to scores, None or NOT_APPLICABLE."""
        if not isinstance(answers, Mapping):
            raise ScoringInputError(
                f"answers must be a mapping of indicator code to score, got {type(answers).__name__}."
            )
        get = answers.get
        failed: list[str] = []
        scored: list[_Scored] = []
        with decimal.localcontext(_EXACT):
            # The hot loop: one dict lookup and one exact addition per indicator once a value has been seen.
            for criterion in self._criteria:
                numerator = _ZERO
                denominator = _ZERO
                results = []
                for indicator in criterion.indicators:
                    value = get(indicator.code)
                    # The type test keeps 1.0 (float) and True out of the entry of Decimal("1"): they are refused.
                    if type(value) is Decimal or value is None or value is NOT_APPLICABLE:
                        try:
                            entry = indicator.cache[value]
                        except (KeyError, TypeError):  # not seen yet; TypeError: a signalling NaN is unhashable
                            entry = indicator.entry(value)
                    else:
                        entry = indicator.entry(value)
                    result, weighted, weight, fails = entry
                    numerator += weighted
                    denominator += weight
                    results.append(result)
                    if fails:
                        failed.append(indicator.code)
                # The exact criterion score as a ratio of integers (0 / 0 when not applicable).
                top, bottom = numerator.as_integer_ratio()
                top_d, bottom_d = denominator.as_integer_ratio()
                scored.append((criterion, tuple(results), top * bottom_d, bottom * top_d))
            return self._finish(scored, failed, adjustments)

    def _finish(
        self,
        scored: list[_Scored],
        failed: list[str],
        adjustments: Sequence[Adjustment],
    ) -> Breakdown:
        # Exact rationals as pairs of integers (numerator, denominator > 0): this runs for every
        # assessment, and plain integers are several times faster than Fraction objects.
        if all(d for _, _, _, d in scored):
            sum_n, sum_d = self._weight_sum  # the usual case: every criterion applies
        else:
            sum_n, sum_d = sum((c.weight_fraction for c, _, _, d in scored if d), _F_ZERO).as_integer_ratio()
        applicable = sum_n > 0
        base_n, base_d = 0, 1
        criteria = []
        for criterion, results, n, d in scored:
            if not d:
                criteria.append(CriterionResult(criterion.code, criterion.name, criterion.weight, None, None, results))
                continue
            # share = criterion weight × criterion score ÷ sum of the applicable criterion weights
            weight_n, weight_d = criterion.weight_ratio
            share_n, share_d = weight_n * n * sum_d, weight_d * d * sum_n
            base_n, base_d = base_n * share_d + share_n * base_d, base_d * share_d
            criteria.append(
                CriterionResult(
                    criterion.code,
                    criterion.name,
                    criterion.weight,
                    _round_ratio(n, d),
                    _round_ratio(share_n, share_d),
                    results,
                )
            )

        adjusted, bonus, penalty = self._adjust(adjustments, counts=applicable)
        zero = _SHOWN_ZERO
        if not applicable:
            return Breakdown(
                total=zero,
                base_total=zero,
                criteria=tuple(criteria),
                adjustments=adjusted,
                bonus=zero,
                penalty=zero,
                predicate=False,
                decided_by=Decision.NOT_APPLICABLE,
                failed_mandatory=(),
                below_threshold=False,
                threshold=self._threshold,
                bonus_cap=self._bonus_cap,
                penalty_cap=self._penalty_cap,
            )

        if bonus or penalty:
            total = _round(min(max(Fraction(base_n, base_d) + bonus - penalty, _F_ZERO), _F_HUNDRED))
        else:
            total = _round_ratio(base_n, base_d)  # a weighted mean of scores within 0-100 is within 0-100
        below = total < self._threshold
        if failed:
            decision = Decision.MANDATORY_FAILED
        elif below:
            decision = Decision.BELOW_THRESHOLD
        else:
            decision = Decision.GRANTED
        return Breakdown(
            total=total,
            base_total=_round_ratio(base_n, base_d),
            criteria=tuple(criteria),
            adjustments=adjusted,
            bonus=_round(bonus),
            penalty=_round(penalty),
            predicate=decision is Decision.GRANTED,
            decided_by=decision,
            failed_mandatory=tuple(failed),
            below_threshold=below,
            threshold=self._threshold,
            bonus_cap=self._bonus_cap,
            penalty_cap=self._penalty_cap,
        )

    def _adjust(
        self, adjustments: Sequence[Adjustment], *, counts: bool
    ) -> tuple[tuple[AdjustmentResult, ...], Fraction, Fraction]:
        """Adjustment results, and the counted bonus and penalty (both >= 0) as exact fractions."""
        if not adjustments:
            return (), _F_ZERO, _F_ZERO
        if isinstance(adjustments, Adjustment) or not isinstance(adjustments, Sequence):
            raise ScoringInputError("adjustments must be a sequence of Adjustment.")
        points = []
        for adjustment in adjustments:
            if not isinstance(adjustment, Adjustment):
                raise ScoringInputError(f"Every adjustment must be an Adjustment, got {type(adjustment).__name__}.")
            if not isinstance(adjustment.kind, str) or not isinstance(adjustment.label, str):
                raise ScoringInputError(f"Kind and label of adjustment {adjustment!r} must be strings.")
            points.append(_number(adjustment.points, f"Points of adjustment {adjustment.label!r}"))
        bonus_sum = Fraction(sum((p for p in points if p > 0), _ZERO))
        penalty_sum = Fraction(-sum((p for p in points if p < 0), _ZERO))
        bonus = min(bonus_sum, Fraction(self._bonus_cap)) if counts else _F_ZERO
        penalty = min(penalty_sum, Fraction(self._penalty_cap)) if counts else _F_ZERO
        results = []
        for adjustment, value in zip(adjustments, points, strict=True):
            # Under a cap every adjustment of that sign counts in proportion to its points.
            if value > 0:
                counted = Fraction(value) * bonus / bonus_sum
            elif value < 0:
                counted = Fraction(value) * penalty / penalty_sum
            else:
                counted = _F_ZERO
            results.append(AdjustmentResult(adjustment.kind, adjustment.label, _round(value), _round(counted)))
        return tuple(results), bonus, penalty


def score(
    *,
    criteria: Sequence[CriterionSpec],
    answers: Mapping[str, Answer],
    adjustments: Sequence[Adjustment] = (),
    rule: PredicateRule = DEFAULT_RULE,
) -> Breakdown:
    """Score one assessment against an instrument; see the module docstring for the rules."""
    return Scorer(criteria, rule).score(answers, adjustments)
