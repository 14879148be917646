"""Answers: the option must fit the indicator, no silent overwrite, only the unit's operators, only while the
unit's own self-assessment window is open (in its own time zone), and a deadline extension re-opens it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments import selectors, services
from p2ham.assessments.models import Answer
from p2ham.audit.models import AuditEntry
from p2ham.instruments.models import AnswerOption
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import Stage, StageWindow
from p2ham.periods.services import deadline_extension_grant

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")


def option_for(assessment, indicator_code: str, label: str) -> AnswerOption:
    indicator = assessment.instrument.indicators.get(code=indicator_code)
    return indicator.scale.options.get(label=label)


def save(actor, assessment, code="K1.01", label="Ada", note="", version=None) -> Answer:
    return services.answer_save(
        actor=actor,
        assessment=assessment,
        indicator_code=code,
        option_id=option_for(assessment, code, label).pk if label else None,
        note=note,
        version=version,
    )


@pytest.fixture
def second_operator(tree):
    user = UserFactory(username="operator_ambon_2", full_name="Siti Operator")
    RoleAssignmentFactory(user=user, role=Role.OPERATOR, unit=tree.lapas_ambon)
    return user


def closing_day(period):
    """The calendar day on which the self-assessment window closes (as entered, Jakarta wall-clock)."""
    window = StageWindow.objects.get(period=period, stage=Stage.PENILAIAN_MANDIRI)
    return window.closes_at.astimezone(REFERENCE_TZ).date()


# ---------------------------------------------------------------- saving


def test_an_answer_is_saved_versioned_and_audited(assessment, operator):
    answer = save(operator, assessment, note="  Ada di loket utama.  ")
    assert (answer.option.label, answer.note, answer.version, answer.updated_by) == (
        "Ada",
        "Ada di loket utama.",
        1,
        operator,
    )
    entry = AuditEntry.objects.get(action="assessment.answer.save")
    assert entry.data == {"indicator": "K1.01", "option": "Ada", "note_chars": len("Ada di loket utama.")}
    changed = save(operator, assessment, label="Proses", version=1)
    assert (changed.pk, changed.option.label, changed.version) == (answer.pk, "Proses", 2)
    cleared = save(operator, assessment, label=None, version=2)
    assert cleared.option is None
    assert Answer.objects.count() == 1


def test_the_option_must_belong_to_the_indicators_scale(assessment, operator):
    # K1.01 uses Ada / Proses / Tidak; "Patuh" belongs to another scale of the same instrument.
    foreign = option_for(assessment, "K3.04", "Patuh")
    with pytest.raises(ValidationError) as caught:
        services.answer_save(
            actor=operator, assessment=assessment, indicator_code="K1.01", option_id=foreign.pk, note=""
        )
    assert "option" in caught.value.message_dict
    # The same label in another instrument's scale is not this indicator's option either.
    other = (
        AnswerOption.objects.filter(
            label="Ada", scale__code="ada_proses_tidak", scale__instrument__period=assessment.period
        )
        .exclude(scale__instrument=assessment.instrument)
        .first()
    )
    with pytest.raises(ValidationError):
        services.answer_save(actor=operator, assessment=assessment, indicator_code="K1.01", option_id=other.pk, note="")
    with pytest.raises(ValidationError):
        services.answer_save(actor=operator, assessment=assessment, indicator_code="K1.01", option_id=999999, note="")
    assert not Answer.objects.filter(option__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="assessment.answer.save").exists()


def test_an_unknown_indicator_or_a_too_long_note_is_refused(assessment, operator):
    with pytest.raises(ValidationError) as caught:
        services.answer_save(actor=operator, assessment=assessment, indicator_code="K9.99", option_id=None, note="")
    assert "indicator" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        save(operator, assessment, note="x" * (services.NOTE_MAX + 1))
    assert "note" in caught.value.message_dict
    assert not Answer.objects.exists()


def test_a_save_based_on_a_stale_version_is_refused_with_the_others_change(assessment, operator, second_operator):
    save(operator, assessment, label="Ada", note="Versi operator pertama")  # version 0 -> 1
    with pytest.raises(services.StaleVersion) as caught:
        save(second_operator, assessment, label="Tidak", note="Versi kedua", version=0)
    current = caught.value.current
    assert (current.option.label, current.note, current.updated_by) == ("Ada", "Versi operator pertama", operator)
    assert operator.full_name in caught.value.messages[0]
    assert "Ada" in caught.value.messages[0]
    answer = Answer.objects.get()
    assert (answer.option.label, answer.note, answer.version, answer.updated_by) == (
        "Ada",
        "Versi operator pertama",
        1,
        operator,
    )
    assert AuditEntry.objects.filter(action="assessment.answer.save").count() == 1
    # Based on the version shown, the second operator's change goes through.
    assert save(second_operator, assessment, label="Tidak", version=1).version == 2


def test_saving_the_same_answer_again_writes_nothing(assessment, operator):
    first = save(operator, assessment, note="Sama")
    again = save(operator, assessment, note=" Sama ", version=first.version)
    assert again.version == first.version == 1
    assert AuditEntry.objects.filter(action="assessment.answer.save").count() == 1


@pytest.mark.parametrize("who", ["sibling_operator", "kepala", "kanwil", "ditjen", "verifier", "outsider"])
def test_only_the_units_own_operators_answer(request, assessment, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        save(actor, assessment)
    assert not Answer.objects.exists()


def test_the_kanwils_own_operator_does_not_answer_for_the_units_below(assessment, tree):
    # An operator role on the Kanwil covers the Kanwil's own assessment, not those of its prisons.
    kanwil_operator = UserFactory(username="operator_kanwil")
    RoleAssignmentFactory(user=kanwil_operator, role=Role.OPERATOR, unit=tree.kanwil_maluku)
    with pytest.raises(PermissionDenied):
        save(kanwil_operator, assessment)


def test_a_unit_that_did_not_pass_the_evaluation_cannot_answer(assessment, sa_period, tree, ditjen, operator):
    services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.lapas_ambon, eligible=False, reasons="Belum")
    with pytest.raises(services.TransitionError, match="did not pass"):
        save(operator, assessment)
    assert not Answer.objects.exists()


# ---------------------------------------------------------------- deadlines in the unit's own time zone


def test_at_2330_wib_on_the_closing_day_maluku_is_closed_while_medan_is_still_open(
    assessment, medan_assessment, operator, medan_operator, sa_period
):
    day = closing_day(sa_period)
    with time_machine.travel(dt.datetime.combine(day, dt.time(21, 58), tzinfo=WIB), tick=False):
        # 23.58 WIT in Ambon: the last minute still counts.
        assert selectors.edit_window(assessment).status == "open"
        save(operator, assessment, code="K1.02")
    with time_machine.travel(dt.datetime.combine(day, dt.time(23, 30), tzinfo=WIB), tick=False):
        # 23.30 WIB is 01.30 WIT the next day in Ambon: its 23.59 WIT passed two hours ago.
        assert selectors.edit_window(assessment).status == "closed"
        with pytest.raises(services.DeadlinePassed) as caught:
            save(operator, assessment)
        assert "WIT" in caught.value.messages[0]
        # Medan (WIB) still has until 23.59 WIB.
        assert selectors.edit_window(medan_assessment).status == "open"
        assert save(medan_operator, medan_assessment).version == 1
    with time_machine.travel(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 1), tzinfo=WIB), tick=False):
        with pytest.raises(services.DeadlinePassed):
            save(medan_operator, medan_assessment, label="Tidak")
    assert not Answer.objects.filter(assessment=assessment, indicator_code="K1.01").exists()
    assert Answer.objects.get(assessment=medan_assessment).option.label == "Ada"


def test_before_the_window_opens_nothing_is_saved(assessment, operator, sa_period):
    window = StageWindow.objects.get(period=sa_period, stage=Stage.PENILAIAN_MANDIRI)
    before = window.opens_at.astimezone(REFERENCE_TZ) - dt.timedelta(hours=12)
    with time_machine.travel(before, tick=False), pytest.raises(services.DeadlinePassed, match="opens"):
        save(operator, assessment)


def test_a_deadline_extension_re_opens_the_unit(
    assessment, medan_assessment, operator, medan_operator, sa_period, ditjen, tree
):
    day = closing_day(sa_period)
    late = dt.datetime.combine(day + dt.timedelta(days=2), dt.time(10, 0), tzinfo=WIB)
    with time_machine.travel(late, tick=False):
        with pytest.raises(services.DeadlinePassed):
            save(operator, assessment)
        deadline_extension_grant(
            actor=ditjen,
            period=sa_period,
            unit=tree.lapas_ambon,
            stage=Stage.PENILAIAN_MANDIRI,
            closes_at=dt.datetime.combine(
                day + dt.timedelta(days=5), dt.time(23, 59), tzinfo=ZoneInfo("Asia/Jayapura")
            ),
            reason="Jaringan internet terputus di Ambon.",
        )
        state = selectors.edit_window(assessment)
        assert (state.status, state.extended) == ("open", True)
        assert save(operator, assessment).version == 1
        # The extension is the unit's own: Medan stays closed.
        with pytest.raises(services.DeadlinePassed):
            save(medan_operator, medan_assessment)
    after = dt.datetime.combine(day + dt.timedelta(days=6), dt.time(0, 30), tzinfo=ZoneInfo("Asia/Jayapura"))
    with time_machine.travel(after, tick=False), pytest.raises(services.DeadlinePassed):
        save(operator, assessment, label="Tidak")
