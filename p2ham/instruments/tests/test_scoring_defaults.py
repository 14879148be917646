"""Hand-computed scores on the shipped default instrument for Pemasyarakatan units (K1 40, K2 35, K3 25)."""

from decimal import Decimal

import pytest

from p2ham.instruments.defaults import load_default_instruments
from p2ham.instruments.scoring import NOT_APPLICABLE
from p2ham.instruments.selectors import instrument_for_unit_type, instrument_scorer, instrument_with_tree
from p2ham.periods.services import period_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def lapas_instrument():
    period = period_create(actor=None, year=2027, regulation_label="Permenkumham 25/2023")
    load_default_instruments(actor=None, period=period)
    return instrument_with_tree(pk=instrument_for_unit_type(period=period, unit_type_code="lapas").pk)


def answers_all(instrument, score):
    return {i.code: Decimal(score) for c in instrument.criteria.all() for i in c.indicators.all()}


def test_everything_present_scores_100_and_earns_the_predicate(lapas_instrument):
    breakdown = instrument_scorer(lapas_instrument).score(answers_all(lapas_instrument, "100"))
    assert breakdown.total == Decimal("100.00") and breakdown.decided_by == "granted"


def test_k1_half_done_gives_80_and_still_passes(lapas_instrument):
    # K1 (weight 40) all "Proses" = 50; K2 and K3 all 100.
    # total = (40·50 + 35·100 + 25·100) / 100 = (2000 + 3500 + 2500) / 100 = 80.00 → meets the threshold of 80.
    answers = answers_all(lapas_instrument, "100")
    k1 = lapas_instrument.criteria.get(code="K1")
    answers.update({i.code: Decimal("50") for i in k1.indicators.all()})
    breakdown = instrument_scorer(lapas_instrument).score(answers)
    assert breakdown.total == Decimal("80.00")
    assert breakdown.decided_by == "granted"
    assert [c.share for c in breakdown.criteria] == [Decimal("20.00"), Decimal("35.00"), Decimal("25.00")]


def test_a_missing_ramp_refuses_the_predicate_even_with_a_high_total(lapas_instrument):
    # K1.03 (jalan landai) is mandatory: "Tidak" = 0 refuses the predicate.
    # K1 has 9 indicators of weight 1: K1 = 8·100/9 = 88.888…; total = (40·88.888… + 35·100 + 25·100)/100 = 95.56
    answers = answers_all(lapas_instrument, "100")
    answers["K1.03"] = Decimal("0")
    breakdown = instrument_scorer(lapas_instrument).score(answers)
    assert breakdown.total == Decimal("95.56")
    assert breakdown.decided_by == "mandatory_failed" and breakdown.failed_mandatory == ("K1.03",)


def test_not_applicable_inmate_items_leave_the_denominator(lapas_instrument):
    # A Bapas has no inmate blocks: K1.08 and K1.09 accepted as not applicable, K1 then has 7 indicators.
    # The others at 100 and K1.01 "Proses" (50): K1 = (6·100 + 50)/7 = 92.857…; total = (40·92.857… + 6000)/100
    # = 97.142… → 97.14
    answers = answers_all(lapas_instrument, "100")
    answers.update({"K1.08": NOT_APPLICABLE, "K1.09": NOT_APPLICABLE, "K1.01": Decimal("50")})
    breakdown = instrument_scorer(lapas_instrument).score(answers)
    assert breakdown.total == Decimal("97.14")
