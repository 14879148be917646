"""A published instrument correction moves the open assessments to the new version: answers follow their
indicator by code and their option by label; an answer to a removed indicator stays, out of sight."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from p2ham.assessments import selectors, services
from p2ham.assessments.models import Answer, Assessment
from p2ham.assessments.tests.fixtures import pdf_upload
from p2ham.audit.models import AuditEntry
from p2ham.instruments import services as instrument_services
from p2ham.instruments.models import AnswerOption, Instrument

pytestmark = pytest.mark.django_db


def answer(actor, assessment, code: str, label: str, note: str = "") -> Answer:
    indicator = assessment.instrument.indicators.get(code=code)
    return services.answer_save(
        actor=actor,
        assessment=assessment,
        indicator_code=code,
        option_id=indicator.scale.options.get(label=label).pk,
        note=note,
    )


@pytest.fixture
def answered(assessment, operator) -> Assessment:
    answer(operator, assessment, "K1.01", "Proses", note="Ramp sedang dibangun")
    answer(operator, assessment, "K1.02", "Ada")
    answer(operator, assessment, "K1.09", "Ada")
    answer(operator, assessment, "K3.04", "Cukup patuh")
    answer(operator, assessment, "K3.05", "Patuh")
    services.evidence_add(actor=operator, assessment=assessment, indicator_code="K1.01", uploaded=pdf_upload())
    services.evidence_add(
        actor=operator, assessment=assessment, indicator_code="K1.09", uploaded=pdf_upload(extra=b"k109")
    )
    return assessment


@pytest.fixture
def corrected(answered, admin_user) -> tuple[Instrument, Instrument]:
    """Version 2: "Proses" scores 60 instead of 50, K1.02 asks differently, K1.09 is gone, and the
    compliance scale renames "Cukup patuh" to "Sebagian patuh"."""
    v1 = answered.instrument
    v2 = instrument_services.instrument_new_version(
        actor=admin_user, instrument=v1, change_note="Koreksi bobot dan redaksi"
    )
    scale = v2.scales.get(code="ada_proses_tidak")
    instrument_services.scale_save(
        actor=admin_user,
        instrument=v2,
        scale=scale,
        code=scale.code,
        name=scale.name,
        options=[("Ada", Decimal("100")), ("Proses", Decimal("60")), ("Tidak", Decimal("0"))],
    )
    compliance = v2.scales.get(code="kepatuhan")
    instrument_services.scale_save(
        actor=admin_user,
        instrument=v2,
        scale=compliance,
        code=compliance.code,
        name=compliance.name,
        options=[("Patuh", Decimal("100")), ("Sebagian patuh", Decimal("60")), ("Kurang patuh", Decimal("20"))],
    )
    k102 = v2.indicators.get(code="K1.02")
    instrument_services.indicator_save(
        actor=admin_user, criterion=k102.criterion, indicator=k102, question="Pertanyaan K1.02 yang diperbaiki?"
    )
    instrument_services.item_delete(actor=admin_user, item=v2.indicators.get(code="K1.09"))
    instrument_services.instrument_publish_version(actor=admin_user, draft=v2)
    return v1, v2


def test_the_assessment_moves_to_the_published_version(corrected, answered):
    _v1, v2 = corrected
    answered.refresh_from_db()
    assert answered.instrument == v2
    assert AuditEntry.objects.get(action="instrument.version.publish").data["assessments_moved"] == 1
    for answer_row in Answer.objects.filter(assessment=answered).exclude(indicator_code="K1.09"):
        assert answer_row.indicator.instrument_id == v2.pk
        if answer_row.option_id is not None:
            assert answer_row.option.scale.instrument_id == v2.pk


def test_answers_keep_their_option_by_label_with_the_new_score(corrected, answered):
    answers = {a.indicator_code: a for a in Answer.objects.filter(assessment=answered).select_related("option")}
    assert (answers["K1.01"].option.label, answers["K1.01"].option.score) == ("Proses", Decimal("60"))
    assert answers["K1.01"].note == "Ramp sedang dibangun"
    assert answers["K1.02"].option.label == "Ada"
    assert answers["K3.05"].option.label == "Patuh"
    # A label that no longer exists cannot be matched: the indicator must be answered again.
    assert answers["K3.04"].option is None
    page = selectors.assessment_page(assessment=Assessment.objects.get(pk=answered.pk))
    assert page.row("K1.02").indicator.question == "Pertanyaan K1.02 yang diperbaiki?"
    assert page.row("K1.01").answer.option.score == Decimal("60")
    assert len(page.row("K1.01").evidence) == 1  # the files follow the answer


def test_a_removed_indicator_keeps_its_answer_out_of_the_page(corrected, answered, operator):
    v1, _v2 = corrected
    kept = Answer.objects.get(assessment=answered, indicator_code="K1.09")
    assert kept.indicator.instrument_id == v1.pk and kept.option.label == "Ada"
    assert kept.evidence.count() == 1
    assessment = Assessment.objects.get(pk=answered.pk)
    page = selectors.assessment_page(assessment=assessment)
    assert page.row("K1.09") is None
    assert page.total == v1.indicators.count() - 1
    assert page.answered == 3  # K1.01, K1.02, K3.05 (K3.04 lost its label, K1.09 is gone)
    assert "K1.09" not in {g.indicator.code for g in selectors.submission_gaps(assessment, page)}
    # The lists count only what the page shows.
    listed = selectors.assessment_list(user=operator, period=assessment.period).get(pk=assessment.pk)
    assert (listed.indicator_total, listed.answered_total, listed.evidence_files) == (page.total, 3, 1)
    # The removed indicator can no longer be answered.
    with pytest.raises(ValidationError):
        services.answer_save(
            actor=operator, assessment=assessment, indicator_code="K1.09", option_id=kept.option_id, note=""
        )


def test_the_unit_answers_with_the_new_options_only(corrected, answered, operator):
    v1, _v2 = corrected
    assessment = Assessment.objects.get(pk=answered.pk)
    old_option = AnswerOption.objects.get(scale__instrument=v1, scale__code="kepatuhan", label="Patuh")
    with pytest.raises(ValidationError):
        services.answer_save(
            actor=operator, assessment=assessment, indicator_code="K3.04", option_id=old_option.pk, note=""
        )
    saved = answer(operator, assessment, "K3.04", "Sebagian patuh")
    assert saved.option.scale.instrument_id == assessment.instrument_id


def test_other_instruments_assessments_stay_where_they_are(corrected, sa_period, declared, tree, ditjen):
    kanwil_assessment = services.evaluation_decide(
        actor=ditjen, period=sa_period, unit=tree.kanwil_maluku, eligible=True
    )
    _v1, v2 = corrected
    assert kanwil_assessment.instrument.code != v2.code
    assert kanwil_assessment.instrument.current


def test_a_second_correction_moves_the_assessment_again(corrected, answered, admin_user):
    _v1, v2 = corrected
    v3 = instrument_services.instrument_new_version(actor=admin_user, instrument=v2, change_note="Lagi")
    instrument_services.instrument_publish_version(actor=admin_user, draft=v3)
    assessment = Assessment.objects.get(pk=answered.pk)
    assert assessment.instrument == v3
    k101 = Answer.objects.get(assessment=assessment, indicator_code="K1.01")
    assert k101.indicator.instrument_id == v3.pk and k101.option.scale.instrument_id == v3.pk
    assert k101.option.score == Decimal("60")
