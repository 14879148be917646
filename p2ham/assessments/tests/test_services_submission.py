"""Submission by the head of the unit (complete, before the deadline, then read-only) and the Kanwil's
internal review (start, forward, send back with a note, only its own province, only within its window)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max

from p2ham.assessments import selectors, services
from p2ham.assessments.models import Assessment, StatusChange
from p2ham.assessments.tests.fixtures import fill_in, pdf_upload
from p2ham.audit.models import AuditEntry
from p2ham.notifications.models import Notification
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import Stage, StageWindow

pytestmark = pytest.mark.django_db

S = Assessment.Status


def window_day(period, stage: str, *, end: bool = True) -> dt.date:
    window = StageWindow.objects.get(period=period, stage=stage)
    return (window.closes_at if end else window.opens_at).astimezone(REFERENCE_TZ).date()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=REFERENCE_TZ)


def answer(actor, assessment, code="K1.01"):
    indicator = assessment.instrument.indicators.get(code=code)
    return services.answer_save(
        actor=actor,
        assessment=assessment,
        indicator_code=code,
        option_id=indicator.scale.options.order_by("-order")[0].pk,
        note="Diperbaiki",
    )


@pytest.fixture
def submitted(assessment, operator, kepala, kanwil) -> Assessment:
    fill_in(assessment, operator)
    return services.assessment_submit(actor=kepala, assessment=assessment)


# ---------------------------------------------------------------- submission


def test_gaps_block_submission_with_a_message(assessment, operator, kepala):
    total = selectors.assessment_page(assessment=assessment).total
    with pytest.raises(ValidationError) as caught:
        services.assessment_submit(actor=kepala, assessment=assessment)
    assert caught.value.code == "incomplete"
    assert f"{total} indicator(s) not answered and {total} without" in caught.value.messages[0]

    fill_in(assessment, operator, skip=("K1.01", "K2.01"))
    with pytest.raises(ValidationError) as caught:
        services.assessment_submit(actor=kepala, assessment=assessment)
    assert "2 indicator(s) not answered and 2 without" in caught.value.messages[0]
    gaps = selectors.submission_gaps(assessment)
    assert {(g.indicator.code, g.problem) for g in gaps} == {
        ("K1.01", "unanswered"),
        ("K1.01", "evidence"),
        ("K2.01", "unanswered"),
        ("K2.01", "evidence"),
    }
    # An answer alone is not enough where evidence is required (K1.01 needs two files).
    answer(operator, assessment, "K1.01")
    services.evidence_add(actor=operator, assessment=assessment, indicator_code="K1.01", uploaded=pdf_upload())
    assert {(g.indicator.code, g.problem) for g in selectors.submission_gaps(assessment)} >= {("K1.01", "evidence")}
    assessment.refresh_from_db()
    assert assessment.status == S.DRAFT
    assert not AuditEntry.objects.filter(action="assessment.submit").exists()


def test_the_head_of_unit_submits_a_complete_assessment(assessment, operator, kepala, kanwil, other_kanwil):
    fill_in(assessment, operator)
    before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0  # ids do not restart per test
    version = Assessment.objects.get(pk=assessment.pk).version
    submitted = services.assessment_submit(actor=kepala, assessment=assessment, version=version)
    assert (submitted.status, submitted.submitted_by, submitted.version) == (S.SUBMITTED, kepala, version + 1)
    assert submitted.submitted_at is not None
    change = StatusChange.objects.filter(assessment=assessment).last()
    assert (change.from_status, change.to_status, change.actor) == (S.DRAFT, S.SUBMITTED, kepala)
    assert AuditEntry.objects.filter(action="assessment.submit", actor=kepala).exists()
    told = set(Notification.objects.filter(pk__gt=before).values_list("recipient__username", flat=True))
    assert told == {kanwil.username, operator.username}


def test_a_submission_based_on_an_old_version_is_refused(assessment, operator, kepala):
    fill_in(assessment, operator)
    with pytest.raises(services.StaleVersion):
        services.assessment_submit(actor=kepala, assessment=assessment, version=assessment.version - 1)
    assert Assessment.objects.get(pk=assessment.pk).status == S.DRAFT


@pytest.mark.parametrize("who", ["operator", "kanwil", "ditjen", "sibling_operator", "outsider"])
def test_only_the_head_of_the_unit_submits(request, assessment, operator, who):
    fill_in(assessment, operator)
    with pytest.raises(PermissionDenied):
        services.assessment_submit(actor=request.getfixturevalue(who), assessment=assessment)
    assert Assessment.objects.get(pk=assessment.pk).status == S.DRAFT


def test_submission_after_the_deadline_is_refused(assessment, operator, kepala, sa_period):
    fill_in(assessment, operator)
    late = at(window_day(sa_period, Stage.PENILAIAN_MANDIRI) + dt.timedelta(days=1), hour=1)
    with time_machine.travel(late, tick=False), pytest.raises(services.DeadlinePassed):
        services.assessment_submit(actor=kepala, assessment=assessment)
    assert Assessment.objects.get(pk=assessment.pk).status == S.DRAFT


def test_a_submitted_assessment_is_read_only(submitted, operator, kepala):
    before = submitted.answers.get(indicator_code="K1.01")
    evidence = before.evidence.first()
    with pytest.raises(services.TransitionError, match="submitted"):
        answer(operator, submitted)
    with pytest.raises(services.TransitionError):
        services.evidence_add(
            actor=operator, assessment=submitted, indicator_code="K1.01", uploaded=pdf_upload(extra=b"baru")
        )
    with pytest.raises(services.TransitionError):
        services.evidence_remove(actor=operator, evidence=evidence)
    with pytest.raises(services.TransitionError):
        services.upload_start(actor=operator, assessment=submitted, indicator_code="K1.01", name="a.pdf", size=10)
    with pytest.raises(services.TransitionError):
        services.assessment_submit(actor=kepala, assessment=submitted)
    after = submitted.answers.get(indicator_code="K1.01")
    assert (after.option_id, after.note, after.version) == (before.option_id, before.note, before.version)
    assert after.evidence.filter(removed_at=None, superseded_at=None).count() == before.evidence.count()


# ---------------------------------------------------------------- the Kanwil's review


def test_sending_back_needs_a_note_and_reopens_the_assessment(submitted, kanwil, operator, kepala):
    with pytest.raises(ValidationError) as caught:
        services.assessment_send_back(actor=kanwil, assessment=submitted, note="  ")
    assert "note" in caught.value.message_dict
    assert Assessment.objects.get(pk=submitted.pk).status == S.SUBMITTED

    before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0  # ids do not restart per test
    returned = services.assessment_send_back(actor=kanwil, assessment=submitted, note=" Foto ramp buram. ")
    assert (returned.status, returned.kanwil_note) == (S.DRAFT, "Foto ramp buram.")
    assert returned.kanwil_returned_at is not None
    assert AuditEntry.objects.filter(action="assessment.kanwil.return", data__note="Foto ramp buram.").exists()
    told = set(Notification.objects.filter(pk__gt=before).values_list("recipient__username", flat=True))
    assert told == {operator.username, kepala.username}
    # The unit can edit and submit again.
    assert answer(operator, returned).note == "Diperbaiki"
    assert services.assessment_submit(actor=kepala, assessment=returned).status == S.SUBMITTED


def test_review_start_and_forward_to_verification(submitted, kanwil, ditjen, operator, kepala):
    reviewing = services.assessment_review_start(actor=kanwil, assessment=submitted)
    assert reviewing.status == S.IN_KANWIL_REVIEW
    before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0  # ids do not restart per test
    forwarded = services.assessment_forward(actor=kanwil, assessment=reviewing, note="Lengkap.")
    assert forwarded.status == S.IN_VERIFICATION
    assert [c.to_status for c in StatusChange.objects.filter(assessment=submitted)][-3:] == [
        S.SUBMITTED,
        S.IN_KANWIL_REVIEW,
        S.IN_VERIFICATION,
    ]
    assert AuditEntry.objects.filter(action="assessment.kanwil.start").count() == 1
    assert AuditEntry.objects.filter(action="assessment.kanwil.forward").count() == 1
    told = set(Notification.objects.filter(pk__gt=before).values_list("recipient__username", flat=True))
    assert told == {operator.username, kepala.username, ditjen.username}
    # Once with Ditjen HAM, the Kanwil can no longer send it back, and the unit cannot edit.
    with pytest.raises(services.TransitionError):
        services.assessment_send_back(actor=kanwil, assessment=forwarded, note="Lupa")
    with pytest.raises(services.TransitionError):
        answer(operator, forwarded)


def test_a_submitted_assessment_may_be_forwarded_directly(submitted, kanwil):
    assert services.assessment_forward(actor=kanwil, assessment=submitted).status == S.IN_VERIFICATION


def test_a_draft_cannot_be_forwarded(assessment, kanwil):
    with pytest.raises(services.TransitionError):
        services.assessment_forward(actor=kanwil, assessment=assessment)
    with pytest.raises(services.TransitionError):
        services.assessment_review_start(actor=kanwil, assessment=assessment)


@pytest.mark.parametrize("who", ["other_kanwil", "operator", "kepala", "verifier", "outsider"])
def test_only_the_units_own_kanwil_reviews(request, submitted, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.assessment_forward(actor=actor, assessment=submitted)
    with pytest.raises(PermissionDenied):
        services.assessment_send_back(actor=actor, assessment=submitted, note="Perbaiki")
    with pytest.raises(PermissionDenied):
        services.assessment_review_start(actor=actor, assessment=submitted)
    assert Assessment.objects.get(pk=submitted.pk).status == S.SUBMITTED


def test_a_review_on_an_old_version_is_refused(submitted, kanwil):
    with pytest.raises(services.StaleVersion):
        services.assessment_forward(actor=kanwil, assessment=submitted, version=submitted.version - 1)


def test_after_a_send_back_the_unit_edits_until_the_kanwil_window_closes(
    submitted, kanwil, operator, kepala, sa_period
):
    review_opens = window_day(sa_period, Stage.REVIU_KANWIL, end=False)
    review_closes = window_day(sa_period, Stage.REVIU_KANWIL)
    with time_machine.travel(at(review_opens + dt.timedelta(days=1)), tick=False):
        # The self-assessment window has closed; the Kanwil's is open.
        services.assessment_send_back(actor=kanwil, assessment=submitted, note="Lengkapi K1.01")
        returned = Assessment.objects.get(pk=submitted.pk)
        state = selectors.edit_window(returned)
        assert (state.stage, state.status) == (Stage.REVIU_KANWIL, "open")
        answer(operator, returned)
        services.assessment_submit(actor=kepala, assessment=returned)
        services.assessment_send_back(actor=kanwil, assessment=returned, note="Sekali lagi")
    # Ambon reaches 23.59 WIT at 21.59 WIB: after that, neither the unit nor the Kanwil can act.
    closed = dt.datetime.combine(review_closes, dt.time(22, 30), tzinfo=REFERENCE_TZ)
    with time_machine.travel(closed, tick=False):
        again = Assessment.objects.get(pk=submitted.pk)
        with pytest.raises(services.DeadlinePassed):
            answer(operator, again, code="K1.02")
        with pytest.raises(services.DeadlinePassed):
            services.assessment_submit(actor=kepala, assessment=again)


def test_the_kanwil_cannot_act_after_its_window_closes(submitted, kanwil, sa_period):
    late = at(window_day(sa_period, Stage.REVIU_KANWIL) + dt.timedelta(days=1))
    with time_machine.travel(late, tick=False):
        with pytest.raises(services.DeadlinePassed):
            services.assessment_forward(actor=kanwil, assessment=submitted)
        with pytest.raises(services.DeadlinePassed):
            services.assessment_send_back(actor=kanwil, assessment=submitted, note="Terlambat")
    assert Assessment.objects.get(pk=submitted.pk).status == S.SUBMITTED
