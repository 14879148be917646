"""Follow-up actions below the screens: the whole life of an action through the services (each step audited),
who may take which step, the overdue check (task and command) that tells the unit and its Kanwil once, and the
open actions of earlier years attached to next year's indicators."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from p2ham.assessments.models import Assessment
from p2ham.assessments.selectors import assessment_page, attach_open_follow_ups
from p2ham.assessments.services import StaleVersion
from p2ham.assessments.tests.fixtures import pdf_upload
from p2ham.audit.models import AuditEntry
from p2ham.notifications.models import Notification
from p2ham.periods.models import Period
from p2ham.periods.services import TransitionError
from p2ham.results import services
from p2ham.results.models import FollowUpAction
from p2ham.results.tasks import OVERDUE_AUDIT, flag_overdue_follow_ups, follow_ups_flag_overdue

pytestmark = pytest.mark.django_db

S = FollowUpAction.Status
JAKARTA_NOON = dt.time(12, 0)


@pytest.fixture
def action(determined) -> FollowUpAction:
    """The one action the determination proposed for Lapas Ambon (its last indicator scored below 100)."""
    return FollowUpAction.objects.select_related("unit__province", "period").get()


def due(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def at(days: int) -> dt.datetime:
    """Noon in Jakarta, ``days`` from today: the overdue rule reads Jakarta's date."""
    return dt.datetime.combine(due(days), JAKARTA_NOON, tzinfo=timezone.get_current_timezone())


def audit_codes(action: FollowUpAction) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_type="results.followupaction", target_id=str(action.pk))
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )


def confirm(action: FollowUpAction, actor, days: int = 30) -> FollowUpAction:
    return services.follow_up_confirm(
        actor=actor, action=action, action_text="Pasang lantai pemandu", due_date=due(days), version=action.version
    )


# ---------------------------------------------------------------- the life of an action


def test_the_whole_life_of_an_action_is_audited_step_by_step(action, kanwil, operator, kepala):
    assert action.status == S.PROPOSED
    action = confirm(action, kanwil)
    assert (action.status, action.due_date, action.confirmed_by) == (S.CONFIRMED, due(30), kanwil)
    assert Notification.objects.filter(recipient=operator, url=f"/tindak-lanjut/{action.pk}/").exists()

    action = services.follow_up_report(
        actor=operator, action=action, report="Sudah dipasang", files=[pdf_upload()], version=action.version
    )
    assert action.status == S.REPORTED and action.evidence.count() == 1
    assert Notification.objects.filter(recipient=kanwil, url=f"/tindak-lanjut/{action.pk}/").exists()

    with pytest.raises(ValidationError) as refused:  # sending back needs the note that says what is missing
        services.follow_up_review(actor=kanwil, action=action, accept=False, note=" ", version=action.version)
    assert "note" in refused.value.message_dict
    action = services.follow_up_review(
        actor=kanwil, action=action, accept=False, note="Foto belum jelas", version=action.version
    )
    assert action.status == S.CONFIRMED and action.review_note == "Foto belum jelas"

    # Reported again: the earlier file still counts, so no new file is required.
    action = services.follow_up_report(actor=kepala, action=action, report="Foto baru", version=action.version)
    action = services.follow_up_review(actor=kanwil, action=action, accept=True, version=action.version)
    assert action.status == S.CLOSED and action.closed_by == kanwil
    assert audit_codes(action) == [
        "followup.confirm",
        "followup.report",
        "followup.send_back",
        "followup.report",
        "followup.close",
    ]
    assert action.version == 6


def test_dismissal_needs_a_reason_and_is_audited(action, ditjen):
    with pytest.raises(ValidationError):
        services.follow_up_dismiss(actor=ditjen, action=action, reason="", version=action.version)
    action = services.follow_up_dismiss(actor=ditjen, action=action, reason="Tidak relevan", version=action.version)
    assert action.status == S.DISMISSED
    assert audit_codes(action) == ["followup.dismiss"]


def test_the_unit_cannot_confirm_or_close_and_the_kanwil_cannot_report(action, operator, kepala, kanwil):
    for person in (operator, kepala):
        with pytest.raises(PermissionDenied):
            confirm(action, person)
    action = confirm(action, kanwil)
    with pytest.raises(PermissionDenied):
        services.follow_up_report(actor=kanwil, action=action, report="x", files=[pdf_upload()])
    action = services.follow_up_report(actor=operator, action=action, report="x", files=[pdf_upload()])
    with pytest.raises(PermissionDenied):
        services.follow_up_review(actor=operator, action=action, accept=True)
    assert audit_codes(action) == ["followup.confirm", "followup.report"]


def test_another_province_and_the_kanwil_on_its_own_actions_are_refused(action, other_kanwil, kanwil, tree):
    with pytest.raises(PermissionDenied):
        confirm(action, other_kanwil)
    # The Kanwil's own assessment is judged by Ditjen HAM: the Kanwil does not manage its own follow-up.
    own = FollowUpAction.objects.create(
        result=action.result,
        unit=tree.kanwil_maluku,
        period=action.period,
        indicator_code="K9.99",
        indicator_question="Maklumat pelayanan",
        finding="Belum ada",
    )
    with pytest.raises(PermissionDenied):
        confirm(own, kanwil)
    assert FollowUpAction.objects.get(pk=own.pk).status == S.PROPOSED


def test_a_report_in_the_wrong_state_and_a_stale_version_are_refused(action, kanwil, operator):
    with pytest.raises(TransitionError):
        services.follow_up_report(actor=operator, action=action, report="x", files=[pdf_upload()])
    old = action.version
    confirm(action, kanwil)
    with pytest.raises(StaleVersion):
        services.follow_up_confirm(actor=kanwil, action=action, action_text="Lain", due_date=due(40), version=old)
    assert FollowUpAction.objects.get(pk=action.pk).action == "Pasang lantai pemandu"


# ---------------------------------------------------------------- overdue


def test_an_overdue_action_is_told_once_to_the_unit_and_its_kanwil(action, kanwil, operator, kepala, other_kanwil):
    action = confirm(action, kanwil, days=10)
    assert follow_ups_flag_overdue() == 0  # not due yet
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with time_machine.travel(at(10)):
        assert follow_ups_flag_overdue() == 0  # the due date itself is not late
    with time_machine.travel(at(11)):
        out = StringIO()
        call_command("flag_overdue_follow_ups", stdout=out)
        assert "1 overdue" in out.getvalue()
        told = list(Notification.objects.filter(pk__gt=last).values_list("recipient__username", flat=True))
        # The unit's operator and head and its own Kanwil, each once; not the other province's Kanwil.
        assert sorted(told) == sorted([operator.username, kepala.username, kanwil.username])
        assert flag_overdue_follow_ups.call() == 0  # a second run tells no one again
        assert Notification.objects.filter(pk__gt=last).count() == 3
    entries = AuditEntry.objects.filter(action=OVERDUE_AUDIT, target_id=str(action.pk))
    assert [e.data["due_date"] for e in entries] == [due(10).isoformat()]
    assert entries[0].actor is None and entries[0].unit == action.unit


def test_a_due_date_moved_later_and_missed_again_is_told_again(action, kanwil, ditjen):
    action = confirm(action, kanwil, days=5)
    later = due(20)  # read before travelling: ``due`` counts from the (travelled) today
    with time_machine.travel(at(6)):
        assert follow_ups_flag_overdue() == 1
        action.refresh_from_db()
        action = services.follow_up_confirm(
            actor=ditjen, action=action, action_text="Diperpanjang", due_date=later, version=action.version
        )
        assert follow_ups_flag_overdue() == 0
    with time_machine.travel(at(21)):
        assert follow_ups_flag_overdue() == 1
    assert AuditEntry.objects.filter(action=OVERDUE_AUDIT, target_id=str(action.pk)).count() == 2


def test_reported_closed_and_proposed_actions_are_never_overdue(action, kanwil, operator):
    action = confirm(action, kanwil, days=5)
    services.follow_up_report(actor=operator, action=action, report="x", files=[pdf_upload()], version=action.version)
    with time_machine.travel(at(30)):
        assert follow_ups_flag_overdue() == 0
    assert not AuditEntry.objects.filter(action=OVERDUE_AUDIT).exists()


# ---------------------------------------------------------------- next year's assessment


def _earlier(action: FollowUpAction, year: int = 2026) -> FollowUpAction:
    """Move the action to an earlier year, as if it came from last year's determination."""
    period = Period.objects.get_or_create(year=year, defaults={"regulation_label": "Permenkumham 25/2023"})[0]
    FollowUpAction.objects.filter(pk=action.pk).update(period=period)
    action.refresh_from_db()
    return action


def test_open_actions_of_earlier_years_are_attached_by_code_and_continued_code(action, kanwil, determined):
    assessment = Assessment.objects.select_related("period", "instrument").get(pk=action.result.assessment_id)
    action = _earlier(confirm(action, kanwil))
    instrument = assessment.instrument
    assert instrument is not None
    other = instrument.indicators.exclude(code=action.indicator_code).order_by("pk").first()
    assert other is not None
    # Another indicator continues last year's K0.01: an action on K0.01 shows there.
    instrument.indicators.filter(pk=other.pk).update(continues_code="K0.01")
    continued = FollowUpAction.objects.create(
        result=action.result,
        unit=action.unit,
        period=action.period,
        indicator_code="K0.01",
        indicator_question="Lama",
        finding="Belum",
    )
    closed = FollowUpAction.objects.create(
        result=action.result,
        unit=action.unit,
        period=action.period,
        indicator_code="K0.02",
        indicator_question="Lama",
        finding="Belum",
        status=S.CLOSED,
    )
    page = assessment_page(assessment=assessment)
    with CaptureQueriesContext(connection) as queries:
        attach_open_follow_ups(assessment=assessment, rows=page.rows)
    assert len(queries) == 1
    found = {row.indicator.code: [a.pk for a in row.open_follow_ups] for row in page.rows if row.open_follow_ups}
    assert found == {action.indicator_code: [action.pk], other.code: [continued.pk]}
    assert closed.pk not in [pk for pks in found.values() for pk in pks]


def test_actions_of_the_same_year_are_not_attached(action, kanwil):
    assessment = action.result.assessment
    page = assessment_page(assessment=assessment)
    attach_open_follow_ups(assessment=assessment, rows=page.rows)
    assert not any(row.open_follow_ups for row in page.rows)
