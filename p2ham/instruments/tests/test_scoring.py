"""The scoring engine: hand-computed examples from the 2018-style default instrument, bad input, and
properties that must hold for any instrument (bounds, monotonicity, order and scale invariance, N/A)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p2ham.instruments.scoring import (
    NOT_APPLICABLE,
    Adjustment,
    Breakdown,
    CriterionSpec,
    IndicatorSpec,
    PredicateRule,
    Scorer,
    ScoringInputError,
    score,
)

D = Decimal

# The 2018 annex scales with the suggested default scores (CRITERIA.md).
ADA, PROSES, TIDAK = D(100), D(50), D(0)
PATUH, CUKUP_PATUH, KURANG_PATUH = D(100), D(60), D(20)


def instrument() -> list[CriterionSpec]:
    """Three criteria weighted 40/30/30, as a Lapas instrument of the 2018 annex might look."""
    return [
        CriterionSpec(
            "K1",
            "Aksesibilitas dan ketersediaan fasilitas",
            D(40),
            (  # Ada / Proses / Tidak
                IndicatorSpec("K1.1", D(1)),  # ramp
                IndicatorSpec("K1.2", D(1)),  # toilet for persons with disabilities
                IndicatorSpec("K1.3", D(1)),  # guiding block
                IndicatorSpec("K1.4", D(1)),  # nursing room
            ),
        ),
        CriterionSpec(
            "K2",
            "Ketersediaan petugas yang siaga",
            D(30),
            (  # Ada / Tidak
                IndicatorSpec("K2.1", D(2), mandatory=True),  # staff on standby for vulnerable groups
                IndicatorSpec("K2.2", D(1)),  # staff trained to serve priority groups
            ),
        ),
        CriterionSpec(
            "K3",
            "Kepatuhan terhadap standar pelayanan",
            D(30),
            (  # Patuh / Cukup patuh / Kurang patuh
                IndicatorSpec("K3.1", D(1)),  # visiting service
                IndicatorSpec("K3.2", D(1)),  # remission service
                IndicatorSpec("K3.3", D(1)),  # parole service
            ),
        ),
    ]


def all_best() -> dict[str, Any]:
    return {code: ADA for code in ("K1.1", "K1.2", "K1.3", "K1.4", "K2.1", "K2.2")} | {
        "K3.1": PATUH,
        "K3.2": PATUH,
        "K3.3": PATUH,
    }


def by_code(breakdown: Breakdown) -> dict[str, Any]:
    return {c.code: c for c in breakdown.criteria}


def indicator(breakdown: Breakdown, code: str) -> Any:
    return next(i for c in breakdown.criteria for i in c.indicators if i.code == code)


ONE = D(1)


def one(weight: Any = ONE, criterion_weight: Any = ONE, code: str = "K.1") -> list[CriterionSpec]:
    """One criterion with one indicator."""
    return [CriterionSpec("K", "Kriteria", criterion_weight, (IndicatorSpec(code, weight),))]


# --- Hand-computed examples ---------------------------------------------------------------------------


def test_default_instrument_example() -> None:
    answers = {
        "K1.1": ADA,
        "K1.2": PROSES,
        "K1.3": TIDAK,
        "K1.4": ADA,
        "K2.1": ADA,
        "K2.2": TIDAK,
        "K3.1": PATUH,
        "K3.2": CUKUP_PATUH,
        "K3.3": KURANG_PATUH,
    }
    result = score(criteria=instrument(), answers=answers)
    criteria = by_code(result)
    # K1 = (100 + 50 + 0 + 100) / 4 = 62.5
    assert criteria["K1"].score == D("62.50")
    # K2 = (2×100 + 1×0) / (2 + 1) = 66.666… → 66.67
    assert criteria["K2"].score == D("66.67")
    # K3 = (100 + 60 + 20) / 3 = 60
    assert criteria["K3"].score == D("60.00")
    # shares: 40×62.5/100 = 25; 30×(200/3)/100 = 20 (exact, not 30×66.67/100 = 20.001); 30×60/100 = 18
    assert [c.share for c in result.criteria] == [D("25.00"), D("20.00"), D("18.00")]
    # base = 25 + 20 + 18 = 63.00 < 80; K2.1 (mandatory) is Ada
    assert result.base_total == result.total == D("63.00")
    assert (result.predicate, result.decided_by, result.below_threshold) == (False, "below_threshold", True)
    assert result.failed_mandatory == ()
    assert [str(i.score) for i in criteria["K1"].indicators] == ["100.00", "50.00", "0.00", "100.00"]
    assert {i.status for c in result.criteria for i in c.indicators} == {"answered"}


def test_everything_best_is_granted() -> None:
    result = score(criteria=instrument(), answers=all_best())
    # every criterion 100 → base (40×100 + 30×100 + 30×100) / 100 = 100
    assert result.total == D("100.00")
    assert (result.predicate, result.decided_by, result.below_threshold) == (True, "granted", False)


def test_mandatory_indicator_answered_tidak_refuses_a_total_above_the_threshold() -> None:
    answers = all_best() | {"K2.1": TIDAK}
    result = score(criteria=instrument(), answers=answers)
    # K2 = (2×0 + 1×100) / 3 = 33.333… → 33.33; total = (40×100 + 30×100/3 + 30×100) / 100
    #    = (4000 + 1000 + 3000) / 100 = 80.00 ≥ 80, but the mandatory K2.1 scores 0
    assert by_code(result)["K2"].score == D("33.33")
    assert result.total == D("80.00")
    assert (result.predicate, result.decided_by) == (False, "mandatory_failed")
    assert result.below_threshold is False
    assert result.failed_mandatory == ("K2.1",)
    assert indicator(result, "K2.1").failed_mandatory is True
    assert indicator(result, "K2.2").failed_mandatory is False


def test_mandatory_failure_and_low_total_report_both() -> None:
    answers = {"K2.1": TIDAK, "K1.1": PROSES}  # the rest unanswered
    result = score(criteria=instrument(), answers=answers)
    # K1 = 50/4 = 12.5, K2 = 0, K3 = 0 → total = 40×12.5/100 = 5.00
    assert result.total == D("5.00")
    assert result.decided_by == "mandatory_failed"
    assert result.below_threshold is True
    assert result.failed_mandatory == ("K2.1",)


def test_unanswered_indicators_score_zero_and_an_unanswered_mandatory_one_fails() -> None:
    answers = all_best()
    del answers["K2.1"]
    answers["K1.4"] = None
    result = score(criteria=instrument(), answers=answers)
    # K1 = (100 + 100 + 100 + 0) / 4 = 75 (K1.4 stays in the denominator)
    # K2 = (2×0 + 1×100) / 3 = 33.333…; total = (40×75 + 30×100/3 + 30×100) / 100 = (3000 + 1000 + 3000) / 100 = 70
    assert by_code(result)["K1"].score == D("75.00")
    assert result.total == D("70.00")
    assert result.decided_by == "mandatory_failed"
    assert result.failed_mandatory == ("K2.1",)
    for code in ("K2.1", "K1.4"):
        assert (indicator(result, code).status, indicator(result, code).score) == ("unanswered", D("0.00"))


def test_not_applicable_indicator_leaves_the_denominator_and_is_not_checked_when_mandatory() -> None:
    answers = all_best() | {"K1.3": NOT_APPLICABLE, "K1.4": TIDAK, "K2.1": NOT_APPLICABLE}
    result = score(criteria=instrument(), answers=answers)
    # K1 = (100 + 100 + 0) / 3 = 66.666… (not / 4); K2 = 100 (only K2.2 counts)
    # total = (40×200/3 + 30×100 + 30×100) / 100 = (2666.66… + 6000) / 100 = 86.666… → 86.67
    assert by_code(result)["K1"].score == D("66.67")
    assert by_code(result)["K2"].score == D("100.00")
    assert result.total == D("86.67")
    assert result.decided_by == "granted"
    na = indicator(result, "K2.1")
    assert (na.status, na.score, na.mandatory, na.failed_mandatory) == ("not_applicable", None, True, False)


def test_a_criterion_with_nothing_applicable_leaves_the_total() -> None:
    answers = {"K1.1": NOT_APPLICABLE, "K1.2": NOT_APPLICABLE, "K1.3": NOT_APPLICABLE, "K1.4": NOT_APPLICABLE}
    answers |= {"K2.1": ADA, "K2.2": TIDAK, "K3.1": PATUH, "K3.2": CUKUP_PATUH, "K3.3": KURANG_PATUH}
    result = score(criteria=instrument(), answers=answers)
    # K1 not applicable; total = (30×200/3 + 30×60) / (30 + 30) = 3800 / 60 = 63.333… → 63.33
    k1 = by_code(result)["K1"]
    assert (k1.score, k1.share) == (None, None)
    assert result.total == D("63.33")
    # shares: 30×(200/3)/60 = 33.333… and 30×60/60 = 30
    assert [c.share for c in result.criteria] == [None, D("33.33"), D("30.00")]


def test_nothing_applicable_gives_no_score_and_no_predicate() -> None:
    answers = {i.code: NOT_APPLICABLE for c in instrument() for i in c.indicators}
    adjustments = [Adjustment("wbk", "Predikat WBK", D(5))]
    result = score(criteria=instrument(), answers=answers, adjustments=adjustments)
    assert (result.total, result.base_total, result.bonus, result.penalty) == (D("0.00"),) * 4
    assert (result.predicate, result.decided_by, result.below_threshold) == (False, "not_applicable", False)
    assert all(c.score is None and c.share is None for c in result.criteria)
    assert [(a.points, a.counted) for a in result.adjustments] == [(D("5.00"), D("0.00"))]
    assert score(criteria=[], answers={}).decided_by == "not_applicable"


def test_bonus_and_penalty_caps_count_each_adjustment_in_proportion() -> None:
    answers = all_best() | {"K1.2": PROSES, "K1.3": TIDAK, "K2.2": TIDAK, "K3.2": CUKUP_PATUH, "K3.3": KURANG_PATUH}
    adjustments = [
        Adjustment("wbk", "Predikat WBK", D(6)),
        Adjustment("ikm", "IKM sangat baik", D(5)),
        Adjustment("ombudsman", "Laporan Ombudsman", D(-15)),
        Adjustment("isu_aktual", "Pemberitaan negatif", D(-10)),
    ]
    result = score(criteria=instrument(), answers=answers, adjustments=adjustments)
    assert result.base_total == D("63.00")  # the first example's answers
    # bonuses 6 + 5 = 11 > cap 10: each counts ×10/11 → 5.4545… → 5.45 and 4.5454… → 4.55
    # penalties 15 + 10 = 25 > cap 20: each counts ×20/25 → 12 and 8
    assert [(a.points, a.counted) for a in result.adjustments] == [
        (D("6.00"), D("5.45")),
        (D("5.00"), D("4.55")),
        (D("-15.00"), D("-12.00")),
        (D("-10.00"), D("-8.00")),
    ]
    assert (result.bonus, result.penalty) == (D("10.00"), D("20.00"))
    # total = 63 + 10 − 20 = 53
    assert result.total == D("53.00")


def test_adjustments_under_their_caps_count_in_full() -> None:
    answers = all_best() | {"K1.2": PROSES, "K1.3": TIDAK, "K2.2": TIDAK, "K3.2": CUKUP_PATUH, "K3.3": KURANG_PATUH}
    adjustments = [Adjustment("ikm", "IKM", D("3.5")), Adjustment("elapor", "e-Lapor", D(-4)), Adjustment("x", "", 0)]
    result = score(criteria=instrument(), answers=answers, adjustments=adjustments)
    # 63 + 3.5 − 4 = 62.5
    assert result.total == D("62.50")
    assert [a.counted for a in result.adjustments] == [D("3.50"), D("-4.00"), D("0.00")]


def test_caps_come_from_the_rule() -> None:
    answers = all_best()
    del answers["K1.1"]
    # base = (40×75 + 30×100 + 30×100) / 100 = 90; a bonus cap of 0 ignores bonuses; penalty cap 2
    rule = PredicateRule(threshold=D(89), bonus_cap=D(0), penalty_cap=D(2))
    adjustments = [Adjustment("wbk", "WBK", D(5)), Adjustment("ombudsman", "Ombudsman", D(-5))]
    result = score(criteria=instrument(), answers=answers, adjustments=adjustments, rule=rule)
    # 90 + 0 − 2 = 88 < 89
    assert (result.bonus, result.penalty, result.total) == (D("0.00"), D("2.00"), D("88.00"))
    assert result.decided_by == "below_threshold"
    assert (result.threshold, result.bonus_cap, result.penalty_cap) == (D(89), D(0), D(2))


def test_total_is_kept_within_0_and_100() -> None:
    top = score(criteria=instrument(), answers=all_best(), adjustments=[Adjustment("wbk", "WBK", D(5))])
    assert (top.base_total, top.bonus, top.total) == (D("100.00"), D("5.00"), D("100.00"))  # 105 → 100
    single = [CriterionSpec("K", "Kriteria", D(1), (IndicatorSpec("K.1", D(1)),))]
    low = score(criteria=single, answers={"K.1": D(10)}, adjustments=[Adjustment("omb", "Ombudsman", D(-15))])
    assert (low.base_total, low.penalty, low.total) == (D("10.00"), D("15.00"), D("0.00"))  # −5 → 0


def two_indicators(a: Decimal, b: Decimal) -> Breakdown:
    criteria = [CriterionSpec("K", "Kriteria", D(1), (IndicatorSpec("K.1", D(1)), IndicatorSpec("K.2", D(1))))]
    return score(criteria=criteria, answers={"K.1": a, "K.2": b})


def test_rounding_is_half_up_from_the_exact_value() -> None:
    # (4.69 + 0) / 2 = 2.345 → 2.35 (banker's rounding would give 2.34)
    assert two_indicators(D("4.69"), D(0)).total == D("2.35")
    # (0.25 + 0) / 2 = 0.125 → 0.13
    assert two_indicators(D("0.25"), D(0)).total == D("0.13")
    # an option score with more places is shown rounded the same way: 12.345 → 12.35, 12.344 → 12.34
    shown = two_indicators(D("12.345"), D("12.344"))
    assert [i.score for i in shown.criteria[0].indicators] == [D("12.35"), D("12.34")]
    # (12.345 + 12.344) / 2 = 12.3445 → 12.34: rounded once from the exact value, not from 12.35 and 12.34
    assert shown.total == D("12.34")
    # adjustments are negative half away from zero: −1.235 → −1.24
    result = score(criteria=instrument(), answers=all_best(), adjustments=[Adjustment("omb", "Omb", D("-1.235"))])
    assert (result.adjustments[0].points, result.penalty, result.total) == (D("-1.24"), D("1.24"), D("98.77"))


def test_the_threshold_is_compared_with_the_rounded_total() -> None:
    # (100 + 59.99) / 2 = 79.995 → shown 80.00 ≥ 80 → granted
    granted = two_indicators(D(100), D("59.99"))
    assert (granted.total, granted.decided_by, granted.below_threshold) == (D("80.00"), "granted", False)
    # (100 + 59.98) / 2 = 79.99 → below
    refused = two_indicators(D(100), D("59.98"))
    assert (refused.total, refused.decided_by, refused.below_threshold) == (D("79.99"), "below_threshold", True)


def test_no_rounding_along_the_way() -> None:
    criteria = [
        CriterionSpec(
            "A", "A", D(1), (IndicatorSpec("A.1", D(1)), IndicatorSpec("A.2", D(1)), IndicatorSpec("A.3", D(1)))
        ),
        CriterionSpec(
            "B", "B", D(1), (IndicatorSpec("B.1", D(1)), IndicatorSpec("B.2", D(1)), IndicatorSpec("B.3", D(1)))
        ),
    ]
    answers = {"A.1": D(100), "A.2": D(0), "A.3": D(0), "B.1": D(100), "B.2": D(100), "B.3": D("0.03")}
    result = score(criteria=criteria, answers=answers, rule=PredicateRule(threshold=D("50.01")))
    # A = 100/3, B = 200.03/3; total = (100/3 + 200.03/3) / 2 = 300.03/6 = 50.005 exactly → 50.01
    # (in binary floating point 100/3 + 200.03/3 gives 100.00999999999999 and the total would round to 50.00)
    assert [c.score for c in result.criteria] == [D("33.33"), D("66.68")]
    assert result.total == D("50.01")
    assert result.decided_by == "granted"


def test_a_mandatory_indicator_fails_on_its_shown_score() -> None:
    criteria = [CriterionSpec("K", "K", D(1), (IndicatorSpec("K.1", D(1), mandatory=True),))]
    assert score(criteria=criteria, answers={"K.1": D("0.004")}).failed_mandatory == ("K.1",)  # shows 0.00
    assert score(criteria=criteria, answers={"K.1": D("0.005")}).failed_mandatory == ()  # shows 0.01


def test_answers_for_codes_outside_the_instrument_are_ignored() -> None:
    with_extra = all_best() | {"K9.9": D(0), "OLD-1": "not even a number"}
    assert score(criteria=instrument(), answers=with_extra) == score(criteria=instrument(), answers=all_best())


def test_int_answers_and_weights_are_the_same_as_decimals() -> None:
    criteria = [CriterionSpec("K", "K", 3, (IndicatorSpec("K.1", 2), IndicatorSpec("K.2", 1)))]  # type: ignore[arg-type]
    as_int = score(criteria=criteria, answers={"K.1": 100, "K.2": 50})  # type: ignore[dict-item]
    # (2×100 + 50) / 3 = 83.333…
    assert as_int.total == D("83.33")
    assert as_int.criteria[0].weight == D(3)


def test_weights_are_shown_as_written() -> None:
    # equal weights written differently are kept apart by the memo of checked indicators
    first = score(criteria=one(weight=D("1.0")), answers={"K.1": D(70)})
    second = score(criteria=one(weight=D(1)), answers={"K.1": D(70)})
    assert (str(first.criteria[0].indicators[0].weight), str(second.criteria[0].indicators[0].weight)) == ("1.0", "1")
    assert first.total == second.total == D("70.00")


def test_as_dict_is_plain_json() -> None:
    adjustments = [Adjustment("wbk", "Predikat WBK", D(6)), Adjustment("ombudsman", "Laporan Ombudsman", D(-3))]
    answers = all_best() | {"K2.1": TIDAK, "K1.3": NOT_APPLICABLE, "K1.4": None}
    data = score(criteria=instrument(), answers=answers, adjustments=adjustments).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["decided_by"] == "mandatory_failed"
    assert data["failed_mandatory"] == ["K2.1"]
    assert data["threshold"] == "80"
    assert isinstance(data["total"], str)
    assert D(data["total"]) == D(data["base_total"]) + D(data["bonus"]) - D(data["penalty"])
    k1 = data["criteria"][0]
    assert (k1["code"], k1["weight"], k1["score"]) == ("K1", "40", "66.67")
    assert [(i["code"], i["score"], i["status"]) for i in k1["indicators"][2:]] == [
        ("K1.3", None, "not_applicable"),
        ("K1.4", "0.00", "unanswered"),
    ]
    assert data["adjustments"][0] == {"kind": "wbk", "label": "Predikat WBK", "points": "6.00", "counted": "6.00"}


# --- Bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("criteria", "answers", "message"),
    [
        (one(weight=D(0)), {}, "Weight of indicator 'K.1' .* greater than 0, got 0"),
        (one(weight=D("-1")), {}, "Weight of indicator 'K.1' .* greater than 0"),
        (one(criterion_weight=D(0)), {}, "Weight of criterion 'K' must be greater than 0"),
        (one(criterion_weight=D(-30)), {}, "Weight of criterion 'K' must be greater than 0"),
        (one(weight=0.5), {}, r"must be a Decimal, got float 0.5 \(write Decimal\('0.5'\)"),
        (one(weight=D("NaN")), {}, "must be a finite number"),
        (one(), {"K.1": D(101)}, "Answer for indicator 'K.1' must be between 0 and 100, got 101"),
        (one(), {"K.1": D("100.001")}, "between 0 and 100"),
        (one(), {"K.1": D(-1)}, "Answer for indicator 'K.1' must be between 0 and 100, got -1"),
        (one(), {"K.1": 50.0}, "must be a Decimal, got float"),
        (one(), {"K.1": True}, "must be a Decimal, got bool"),
        (one(), {"K.1": "100"}, "must be a Decimal, got str"),
        (one(), {"K.1": D("NaN")}, "finite"),
        (one(), {"K.1": D("sNaN")}, "finite"),
        (one(), {"K.1": D("Infinity")}, "finite"),
        (one(code=""), {}, "Indicator code in criterion 'K' must be a non-empty string"),
        ([CriterionSpec("K", None, D(1), ())], {}, "Name of criterion 'K' must be a string"),
        (
            [
                CriterionSpec("K1", "A", D(1), (IndicatorSpec("X.1", D(1)),)),
                CriterionSpec("K2", "B", D(1), (IndicatorSpec("X.1", D(1)),)),
            ],
            {},
            r"Indicator code 'X.1' appears more than once \(criteria 'K1' and 'K2'\)",
        ),
        (
            [CriterionSpec("K", "A", D(1), (IndicatorSpec("X.1", D(1)), IndicatorSpec("X.1", D(2))))],
            {},
            "Indicator code 'X.1' appears more than once",
        ),
        (
            [CriterionSpec("K", "A", D(1), ()), CriterionSpec("K", "B", D(1), ())],
            {},
            "Criterion code 'K' appears more than once",
        ),
        (CriterionSpec("K", "A", D(1), ()), {}, "criteria must be a sequence of CriterionSpec"),
        (one(), [("K.1", D(1))], "answers must be a mapping"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(criteria: Any, answers: Any, message: str) -> None:
    with pytest.raises(ScoringInputError, match=message):
        score(criteria=criteria, answers=answers)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (PredicateRule(threshold=D(101)), "threshold must be between 0 and 100"),
        (PredicateRule(threshold=D(-1)), "threshold must be between 0 and 100"),
        (PredicateRule(bonus_cap=D(-1)), "Bonus cap must not be negative"),
        (PredicateRule(penalty_cap=D(-5)), "Penalty cap must not be negative"),
        (PredicateRule(threshold=80.0), "Predicate threshold must be a Decimal"),  # type: ignore[arg-type]
    ],
)
def test_bad_rule_is_refused(rule: PredicateRule, message: str) -> None:
    with pytest.raises(ScoringInputError, match=message):
        score(criteria=one(), answers={}, rule=rule)


@pytest.mark.parametrize(
    ("adjustments", "message"),
    [
        ([Adjustment("ikm", "IKM", 2.5)], "Points of adjustment 'IKM' must be a Decimal, got float"),  # type: ignore[arg-type]
        ([Adjustment("ikm", "IKM", D("Infinity"))], "finite"),
        ([("ikm", "IKM", D(2))], "Every adjustment must be an Adjustment"),
        (Adjustment("ikm", "IKM", D(2)), "adjustments must be a sequence"),
    ],
)
def test_bad_adjustments_are_refused(adjustments: Any, message: str) -> None:
    with pytest.raises(ScoringInputError, match=message):
        score(criteria=one(), answers={}, adjustments=adjustments)


def test_a_float_is_refused_even_when_an_equal_decimal_was_scored_before() -> None:
    scorer = Scorer(one())
    assert scorer.score({"K.1": D("0.5")}).total == D("0.50")
    assert scorer.score({"K.1": D(1)}).total == D("1.00")
    with pytest.raises(ScoringInputError, match="got float"):
        scorer.score({"K.1": 0.5})  # type: ignore[dict-item]
    with pytest.raises(ScoringInputError, match="got bool"):
        scorer.score({"K.1": True})  # type: ignore[dict-item]


# --- Reuse: Scorer and the scorers score() keeps ------------------------------------------------------


def test_a_scorer_gives_each_assessment_its_own_result() -> None:
    scorer = Scorer(instrument())
    first = all_best() | {"K2.1": TIDAK}
    second = all_best() | {"K1.1": NOT_APPLICABLE}
    assert scorer.score(first) == score(criteria=instrument(), answers=first)
    assert scorer.score(second) == score(criteria=instrument(), answers=second)
    assert scorer.score(first).decided_by == "mandatory_failed"
    assert scorer.score(second).decided_by == "granted"


def test_score_follows_a_criteria_list_that_changed_since_the_last_call() -> None:
    criteria = instrument()
    answers = all_best()
    assert score(criteria=criteria, answers=answers).total == D("100.00")
    criteria.append(CriterionSpec("K4", "Inovasi", D(100), (IndicatorSpec("K4.1", D(1)),)))
    # K4 unanswered: (40 + 30 + 30) × 100 / (40 + 30 + 30 + 100) = 50
    assert score(criteria=criteria, answers=answers).total == D("50.00")


def test_an_instrument_with_indicators_in_a_list_is_scored_too() -> None:
    criteria = [CriterionSpec("K", "K", D(1), [IndicatorSpec("K.1", D(1))])]  # type: ignore[arg-type]
    assert score(criteria=criteria, answers={"K.1": D(70)}).total == D("70.00")


# --- Properties ---------------------------------------------------------------------------------------

PROPERTIES = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
OMIT = object()  # in a generated case: leave the indicator out of the answers
weights = st.decimals(min_value=D("0.01"), max_value=D(1000), places=2)
scores = st.decimals(min_value=0, max_value=100, places=2)
answer_values = st.one_of(
    scores, scores, scores, st.sampled_from([D(0), D(50), D(100)]), st.none(), st.just(NOT_APPLICABLE), st.just(OMIT)
)
adjustment_lists = st.lists(
    st.builds(
        Adjustment,
        kind=st.sampled_from(["wbk", "ikm", "ombudsman", "elapor", "isu_aktual"]),
        label=st.text(max_size=8),
        points=st.decimals(min_value=-25, max_value=15, places=2),
    ),
    max_size=4,
)
rules = st.builds(
    PredicateRule,
    threshold=st.one_of(st.just(D(80)), scores),
    bonus_cap=st.decimals(min_value=0, max_value=15, places=1),
    penalty_cap=st.decimals(min_value=0, max_value=25, places=1),
)


@dataclass(frozen=True)
class Case:
    criteria: tuple[CriterionSpec, ...]
    answers: dict[str, Any]
    adjustments: tuple[Adjustment, ...]
    rule: PredicateRule

    def run(self, **changes: Any) -> Breakdown:
        case = replace(self, **changes)
        return score(criteria=case.criteria, answers=case.answers, adjustments=case.adjustments, rule=case.rule)


@st.composite
def cases(draw: st.DrawFn, min_criteria: int = 0) -> Case:
    criteria = []
    answers: dict[str, Any] = {}
    for c in range(draw(st.integers(min_criteria, 4))):
        indicators = []
        for i in range(draw(st.integers(min_criteria, 5))):
            code = f"K{c}.{i}"
            indicators.append(IndicatorSpec(code, draw(weights), mandatory=draw(st.booleans())))
            value = draw(answer_values)
            if value is not OMIT:
                answers[code] = value
        criteria.append(CriterionSpec(f"K{c}", f"Kriteria {c}", draw(weights), tuple(indicators)))
    return Case(tuple(criteria), answers, tuple(draw(adjustment_lists)), draw(rules))


def essence(result: Breakdown) -> dict[str, Any]:
    """Everything a result says except the weights as given and the order of things."""
    return {
        "numbers": (result.total, result.base_total, result.bonus, result.penalty),
        "predicate": (result.predicate, result.decided_by, result.below_threshold, frozenset(result.failed_mandatory)),
        "criteria": {
            c.code: (c.score, c.share, {i.code: (i.score, i.status, i.failed_mandatory) for i in c.indicators})
            for c in result.criteria
        },
        "adjustments": sorted((a.kind, a.label, a.points, a.counted) for a in result.adjustments),
    }


def half_up(value: Fraction) -> Decimal:
    """Reference rounding for values >= 0, written differently from the engine's."""
    return Decimal(math.floor(value * 100 + Fraction(1, 2))) / 100


@given(cases())
@PROPERTIES
def test_matches_a_plain_fraction_model(case: Case) -> None:
    criterion_scores: dict[str, Fraction] = {}
    for criterion in case.criteria:
        counted = [
            (Fraction(i.weight), Fraction(case.answers.get(i.code) or 0))
            for i in criterion.indicators
            if case.answers.get(i.code) is not NOT_APPLICABLE
        ]
        if counted:
            criterion_scores[criterion.code] = sum(w * s for w, s in counted) / sum(w for w, _ in counted)
    result = case.run()
    assert {c.code: c.score for c in result.criteria} == {
        c.code: half_up(criterion_scores[c.code]) if c.code in criterion_scores else None for c in case.criteria
    }
    if not criterion_scores:
        assert (result.decided_by, result.total) == ("not_applicable", D(0))
        return
    weight = {c.code: Fraction(c.weight) for c in case.criteria}
    base = sum(weight[k] * s for k, s in criterion_scores.items()) / sum(weight[k] for k in criterion_scores)
    bonus = min(sum(Fraction(a.points) for a in case.adjustments if a.points > 0), Fraction(case.rule.bonus_cap))
    penalty = min(-sum(Fraction(a.points) for a in case.adjustments if a.points < 0), Fraction(case.rule.penalty_cap))
    total = half_up(min(max(base + bonus - penalty, Fraction(0)), Fraction(100)))
    assert (result.base_total, result.bonus, result.penalty, result.total) == (
        half_up(base),
        half_up(bonus),
        half_up(penalty),
        total,
    )
    failing = [
        i.code
        for c in case.criteria
        for i in c.indicators
        if i.mandatory
        and case.answers.get(i.code) is not NOT_APPLICABLE
        and half_up(Fraction(case.answers.get(i.code) or 0)) == 0
    ]
    assert list(result.failed_mandatory) == failing
    assert result.predicate is (total >= case.rule.threshold and not failing)
    assert result.below_threshold is (total < case.rule.threshold)
    expected = "mandatory_failed" if failing else "below_threshold" if total < case.rule.threshold else "granted"
    assert result.decided_by == expected


@given(cases())
@PROPERTIES
def test_every_score_is_within_0_and_100(case: Case) -> None:
    result = case.run()
    for number in (result.total, result.base_total):
        assert D(0) <= number <= D(100)
    for criterion in result.criteria:
        for number in (criterion.score, criterion.share):
            assert number is None or D(0) <= number <= D(100)
        for item in criterion.indicators:
            assert item.score is None or D(0) <= item.score <= D(100)
    assert D(0) <= result.bonus <= case.rule.bonus_cap
    assert D(0) <= result.penalty <= case.rule.penalty_cap


@given(cases(min_criteria=1), st.data())
@PROPERTIES
def test_raising_one_answer_never_lowers_the_score_nor_refuses_a_granted_predicate(case: Case, data: Any) -> None:
    numeric = sorted(code for code, value in case.answers.items() if isinstance(value, Decimal) and value < 100)
    if not numeric:
        return
    code = data.draw(st.sampled_from(numeric))
    higher = data.draw(st.decimals(min_value=case.answers[code], max_value=100, places=2))
    before = case.run()
    after = case.run(answers=case.answers | {code: higher})
    assert after.base_total >= before.base_total
    assert after.total >= before.total
    raised = next(c for c in after.criteria if any(i.code == code for i in c.indicators))
    assert raised.score is not None
    assert raised.score >= by_code(before)[raised.code].score
    if before.predicate:
        assert after.predicate


@given(cases(), st.data())
@PROPERTIES
def test_order_of_criteria_indicators_and_adjustments_does_not_matter(case: Case, data: Any) -> None:
    shuffled = tuple(
        replace(c, indicators=tuple(data.draw(st.permutations(c.indicators))))
        for c in data.draw(st.permutations(case.criteria))
    )
    adjustments = tuple(data.draw(st.permutations(case.adjustments)))
    assert essence(case.run(criteria=shuffled, adjustments=adjustments)) == essence(case.run())


@given(cases(), st.decimals(min_value=D("0.001"), max_value=D(1000), places=3))
@PROPERTIES
def test_scaling_all_criterion_weights_changes_nothing(case: Case, factor: Decimal) -> None:
    if factor == 0:
        return
    scaled = tuple(replace(c, weight=c.weight * factor) for c in case.criteria)
    assert essence(case.run(criteria=scaled)) == essence(case.run())


@given(cases(min_criteria=1), st.decimals(min_value=D("0.001"), max_value=D(1000), places=3), st.data())
@PROPERTIES
def test_scaling_the_indicator_weights_of_one_criterion_changes_nothing(case: Case, factor: Decimal, data: Any) -> None:
    if factor == 0:
        return
    target = data.draw(st.integers(0, len(case.criteria) - 1))
    scaled = list(case.criteria)
    scaled[target] = replace(
        scaled[target], indicators=tuple(replace(i, weight=i.weight * factor) for i in scaled[target].indicators)
    )
    assert essence(case.run(criteria=tuple(scaled))) == essence(case.run())


@given(cases(min_criteria=1), weights, st.booleans(), st.data())
@PROPERTIES
def test_an_extra_not_applicable_indicator_changes_nothing(
    case: Case, weight: Decimal, mandatory: bool, data: Any
) -> None:
    target = data.draw(st.integers(0, len(case.criteria) - 1))
    extra = IndicatorSpec("EXTRA", weight, mandatory=mandatory)
    criteria = list(case.criteria)
    position = data.draw(st.integers(0, len(criteria[target].indicators)))
    indicators = list(criteria[target].indicators)
    indicators.insert(position, extra)
    criteria[target] = replace(criteria[target], indicators=tuple(indicators))
    with_extra = essence(case.run(criteria=tuple(criteria), answers=case.answers | {"EXTRA": NOT_APPLICABLE}))
    without = essence(case.run())
    # the extra indicator is listed as not applicable, and nothing else differs
    assert with_extra["criteria"][criteria[target].code][2].pop("EXTRA") == (None, "not_applicable", False)
    assert with_extra == without


@given(cases(), weights)
@PROPERTIES
def test_an_extra_criterion_with_nothing_applicable_changes_nothing(case: Case, weight: Decimal) -> None:
    extra = CriterionSpec("EXTRA", "Tidak berlaku", weight, (IndicatorSpec("EXTRA.1", D(1), mandatory=True),))
    with_extra = essence(case.run(criteria=(extra, *case.criteria), answers=case.answers | {"EXTRA.1": NOT_APPLICABLE}))
    assert with_extra["criteria"].pop("EXTRA")[:2] == (None, None)
    assert with_extra == essence(case.run())


@given(cases())
@PROPERTIES
def test_as_dict_round_trips_through_json(case: Case) -> None:
    data = case.run().as_dict()
    assert json.loads(json.dumps(data)) == data
