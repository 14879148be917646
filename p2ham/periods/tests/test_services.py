import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from p2ham.audit.models import AuditEntry
from p2ham.instruments.defaults import load_default_instruments
from p2ham.instruments.models import Instrument
from p2ham.notifications.models import Notification
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import DeadlineExtension, Period, Stage
from p2ham.periods.services import (
    TransitionError,
    deadline_extension_grant,
    period_create,
    period_transition,
    stage_window_set,
)

pytestmark = pytest.mark.django_db


def make_open_period(admin, year=2027):
    period = period_create(actor=admin, year=year, regulation_label="Permenkumham 25/2023")
    load_default_instruments(actor=admin, period=period)
    return period_transition(actor=admin, period=period, to=Period.Status.OPEN)


def test_new_period_is_a_draft_with_the_usual_calendar(admin_user):
    period = period_create(actor=admin_user, year=2027, regulation_label="Permenkumham 25/2023")
    assert period.status == Period.Status.DRAFT
    windows = {w.stage: w for w in period.windows.all()}
    assert set(windows) == {s.value for s in Stage}
    self_assessment = windows[Stage.PENILAIAN_MANDIRI].closes_at.astimezone(REFERENCE_TZ)
    assert (self_assessment.month, self_assessment.day, self_assessment.hour, self_assessment.minute) == (9, 30, 23, 59)
    assert AuditEntry.objects.filter(action="period.create", actor=admin_user).exists()


def test_a_year_has_one_period(admin_user):
    period_create(actor=admin_user, year=2027, regulation_label="x")
    with pytest.raises(ValidationError):
        period_create(actor=admin_user, year=2027, regulation_label="y")
    assert Period.objects.filter(year=2027).count() == 1


def test_a_window_closing_before_it_opens_is_refused_and_nothing_changes(admin_user):
    period = period_create(actor=admin_user, year=2027, regulation_label="x")
    before = period.windows.get(stage=Stage.EVALUASI).closes_at
    opens = dt.datetime(2027, 8, 1, tzinfo=REFERENCE_TZ)
    with pytest.raises(ValidationError):
        stage_window_set(
            actor=admin_user,
            period=period,
            stage=Stage.EVALUASI,
            opens_at=opens,
            closes_at=opens - dt.timedelta(days=1),
        )
    assert period.windows.get(stage=Stage.EVALUASI).closes_at == before


def test_opening_needs_instruments_and_freezes_them(admin_user):
    period = period_create(actor=admin_user, year=2027, regulation_label="x")
    with pytest.raises(TransitionError):
        period_transition(actor=admin_user, period=period, to=Period.Status.OPEN)
    period.refresh_from_db()
    assert period.status == Period.Status.DRAFT
    load_default_instruments(actor=admin_user, period=period)
    period_transition(actor=admin_user, period=period, to=Period.Status.OPEN)
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN and period.opened_at is not None
    assert not Instrument.objects.filter(period=period, frozen=False).exists()
    assert AuditEntry.objects.filter(action="period.open").exists()
    assert AuditEntry.objects.filter(action="instrument.freeze").exists()


@pytest.mark.parametrize(("start", "target"), [("draft", "closed"), ("draft", "archived"), ("open", "archived")])
def test_illegal_moves_raise_and_change_nothing(admin_user, start, target):
    period = period_create(actor=admin_user, year=2027, regulation_label="x")
    if start == "open":
        period = make_open_period(admin_user, year=2028)
    with pytest.raises(TransitionError):
        period_transition(actor=admin_user, period=period, to=target)
    period.refresh_from_db()
    assert period.status == start


def test_the_full_pipeline_and_reopening(admin_user):
    period = make_open_period(admin_user)
    period_transition(actor=admin_user, period=period, to=Period.Status.CLOSED)
    period_transition(actor=admin_user, period=period, to=Period.Status.OPEN)
    period_transition(actor=admin_user, period=period, to=Period.Status.CLOSED)
    period_transition(actor=admin_user, period=period, to=Period.Status.ARCHIVED)
    period.refresh_from_db()
    assert period.status == Period.Status.ARCHIVED
    assert list(
        AuditEntry.objects.filter(action__startswith="period.")
        .exclude(action__in=["period.create", "period.window"])
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["period.open", "period.close", "period.reopen", "period.close", "period.archive"]


def test_only_one_period_is_open(admin_user):
    make_open_period(admin_user, year=2027)
    other = period_create(actor=admin_user, year=2028, regulation_label="x")
    load_default_instruments(actor=admin_user, period=other)
    with pytest.raises(TransitionError):
        period_transition(actor=admin_user, period=other, to=Period.Status.OPEN)
    other.refresh_from_db()
    assert other.status == Period.Status.DRAFT


def test_windows_of_a_closed_period_cannot_change(admin_user):
    period = make_open_period(admin_user)
    period_transition(actor=admin_user, period=period, to=Period.Status.CLOSED)
    opens = dt.datetime(2027, 8, 1, tzinfo=REFERENCE_TZ)
    with pytest.raises(TransitionError):
        stage_window_set(
            actor=admin_user,
            period=period,
            stage=Stage.EVALUASI,
            opens_at=opens,
            closes_at=opens + dt.timedelta(days=3),
        )


def test_extension_is_audited_and_tells_the_unit(
    ditjen, admin_user, operator, kepala, tree, django_capture_on_commit_callbacks
):
    period = make_open_period(admin_user)
    later = dt.datetime(2027, 10, 10, 23, 59, tzinfo=tree.lapas_ambon.province.tzinfo)
    with django_capture_on_commit_callbacks(execute=True):
        deadline_extension_grant(
            actor=ditjen,
            period=period,
            unit=tree.lapas_ambon,
            stage=Stage.PENILAIAN_MANDIRI,
            closes_at=later,
            reason="Gangguan listrik selama sepekan",
        )
    extension = DeadlineExtension.objects.get(unit=tree.lapas_ambon)
    assert extension.closes_at == later and extension.granted_by == ditjen
    entry = AuditEntry.objects.get(action="period.extension")
    assert entry.unit == tree.lapas_ambon and entry.data["reason"] == "Gangguan listrik selama sepekan"
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"operator_ambon", "kepala_ambon"}
    assert len(mail.outbox) == 2


def test_extension_must_be_later_and_have_a_reason(ditjen, admin_user, tree):
    period = make_open_period(admin_user)
    regular = period.windows.get(stage=Stage.PENILAIAN_MANDIRI).closes_at
    with pytest.raises(ValidationError):
        deadline_extension_grant(
            actor=ditjen,
            period=period,
            unit=tree.lapas_medan,
            stage=Stage.PENILAIAN_MANDIRI,
            closes_at=regular - dt.timedelta(days=1),
            reason="x",
        )
    with pytest.raises(ValidationError):
        deadline_extension_grant(
            actor=ditjen,
            period=period,
            unit=tree.lapas_medan,
            stage=Stage.PENILAIAN_MANDIRI,
            closes_at=regular + dt.timedelta(days=3),
            reason="  ",
        )
    assert not DeadlineExtension.objects.exists()


def test_extension_only_in_an_open_period(ditjen, admin_user, tree):
    period = period_create(actor=admin_user, year=2027, regulation_label="x")
    with pytest.raises(TransitionError):
        deadline_extension_grant(
            actor=ditjen,
            period=period,
            unit=tree.lapas_medan,
            stage=Stage.PENILAIAN_MANDIRI,
            closes_at=dt.datetime(2027, 12, 1, tzinfo=REFERENCE_TZ),
            reason="x",
        )
