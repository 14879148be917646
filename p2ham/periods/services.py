"""Writes to periods: creation with default windows, the status pipeline, windows and extensions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from p2ham.audit.services import audit_log
from p2ham.notifications.services import notify
from p2ham.periods.deadlines import REFERENCE_TZ, local_instant
from p2ham.periods.models import STAGE_ORDER, DeadlineExtension, Period, Stage, StageWindow


class TransitionError(ValidationError):
    """A status change that the pipeline does not allow (HTTP 409 in the API)."""


# (month, day) opening and closing of each stage in the calendar seen in practice (CRITERIA.md); the
# administrator edits them. The last two stages run into the next year.
DEFAULT_CALENDAR: dict[Stage, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    # stage: ((year offset, month, day) opens at 00.00, (year offset, month, day) closes at 23.59)
    Stage.PENCANANGAN: ((0, 2, 1), (0, 5, 31)),
    Stage.PEMBANGUNAN: ((0, 5, 1), (0, 8, 31)),
    Stage.EVALUASI: ((0, 7, 1), (0, 7, 31)),
    Stage.PENILAIAN_MANDIRI: ((0, 7, 15), (0, 9, 30)),
    Stage.REVIU_KANWIL: ((0, 10, 1), (0, 10, 10)),
    Stage.VERIFIKASI: ((0, 10, 1), (0, 10, 31)),
    Stage.PENILAIAN_PANEL: ((0, 11, 1), (0, 11, 25)),
    Stage.PENETAPAN: ((0, 12, 1), (0, 12, 10)),
    Stage.PEMBINAAN: ((0, 12, 11), (1, 11, 30)),
}

# The one table of legal status moves: (from, to) -> audit action.
PERIOD_TRANSITIONS: dict[tuple[str, str], str] = {
    (Period.Status.DRAFT, Period.Status.OPEN): "period.open",
    (Period.Status.OPEN, Period.Status.CLOSED): "period.close",
    (Period.Status.CLOSED, Period.Status.OPEN): "period.reopen",
    (Period.Status.CLOSED, Period.Status.ARCHIVED): "period.archive",
}


def default_windows(year: int) -> dict[Stage, tuple[dt.datetime, dt.datetime]]:
    """The suggested stage windows of a year, in Jakarta time."""
    windows = {}
    for stage, ((oy, om, od), (cy, cm, cd)) in DEFAULT_CALENDAR.items():
        opens = dt.datetime(year + oy, om, od, 0, 0, tzinfo=REFERENCE_TZ)
        closes = dt.datetime(year + cy, cm, cd, 23, 59, tzinfo=REFERENCE_TZ)
        windows[stage] = (opens, closes)
    return windows


@transaction.atomic
def period_create(*, actor: Any, year: int, regulation_label: str) -> Period:
    """Create a draft period with the default stage windows; audited."""
    if Period.objects.filter(year=year).exists():
        raise ValidationError({"year": _("A period for %(year)s already exists.") % {"year": year}})
    period = Period(year=year, regulation_label=regulation_label)
    period.full_clean()
    period.save()
    StageWindow.objects.bulk_create(
        StageWindow(period=period, stage=stage, order=STAGE_ORDER[stage], opens_at=opens, closes_at=closes)
        for stage, (opens, closes) in default_windows(year).items()
    )
    audit_log(actor=actor, action="period.create", target=period, data={"year": year})
    return period


@transaction.atomic
def stage_window_set(
    *, actor: Any, period: Period, stage: Stage, opens_at: dt.datetime, closes_at: dt.datetime
) -> StageWindow:
    """Change when a stage opens and closes; refused once the period is closed or archived."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status in (Period.Status.CLOSED, Period.Status.ARCHIVED):
        raise TransitionError(_("The stage windows of a closed period cannot be changed."))
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("A stage must close after it opens.")})
    window, _created = StageWindow.objects.get_or_create(
        period=period,
        stage=stage,
        defaults={"order": STAGE_ORDER[stage], "opens_at": opens_at, "closes_at": closes_at},
    )
    before = [window.opens_at.isoformat(), window.closes_at.isoformat()]
    window.opens_at, window.closes_at = opens_at, closes_at
    window.save(update_fields=["opens_at", "closes_at", "updated_at"])
    after = [opens_at.isoformat(), closes_at.isoformat()]
    if before != after or _created:
        audit_log(
            actor=actor, action="period.window", target=period, data={"stage": stage, "from": before, "to": after}
        )
    return window


@transaction.atomic
def period_transition(*, actor: Any, period: Period, to: str, expected_from: str | None = None) -> Period:
    """Move a period along its status pipeline; opening freezes its instruments. Audited.

    ``expected_from`` pins the move a caller meant ("reopen" is closed → open, never draft → open).
    """
    period = Period.objects.select_for_update().get(pk=period.pk)
    action = PERIOD_TRANSITIONS.get((period.status, to))
    if expected_from is not None and period.status != expected_from:
        action = None
    if action is None:
        raise TransitionError(
            _("A period cannot go from “%(current)s” to “%(target)s”.")
            % {"current": period.get_status_display(), "target": Period.Status(to).label}
        )
    if to == Period.Status.OPEN:
        _check_ready_to_open(period)
    before = period.status
    period.status = to
    now = timezone.now()
    fields = ["status", "updated_at"]
    if to == Period.Status.OPEN and period.opened_at is None:
        period.opened_at = now
        fields.append("opened_at")
    if to == Period.Status.CLOSED:
        period.closed_at = now
        fields.append("closed_at")
    try:
        with transaction.atomic():
            period.save(update_fields=fields)
    except IntegrityError:
        raise TransitionError(_("Another period is already open. Close it first.")) from None
    if to == Period.Status.OPEN:
        from p2ham.instruments.services import instruments_freeze

        instruments_freeze(actor=actor, period=period)
    audit_log(actor=actor, action=action, target=period, data={"from": before, "to": to})
    return period


def _check_ready_to_open(period: Period) -> None:
    missing = {str(stage) for stage in Stage} - set(period.windows.values_list("stage", flat=True))
    if missing:
        raise TransitionError(_("Set the window of every stage before opening the period."))
    if not period.instruments.filter(current=True).exists():
        raise TransitionError(_("Add at least one instrument before opening the period."))
    from p2ham.instruments.selectors import instrument_tree
    from p2ham.instruments.services import check_tree

    incomplete = [
        instrument.name
        for instrument in period.instruments.filter(current=True)
        if not check_tree(instrument_tree(instrument)).valid
    ]
    if incomplete:
        # A frozen instrument must be correctable later, so it has to be complete now.
        raise TransitionError(
            _("These instruments are incomplete (e.g. a criterion without indicators): %(names)s.")
            % {"names": ", ".join(incomplete)}
        )


@transaction.atomic
def deadline_extension_grant(
    *, actor: Any, period: Period, unit: Any, stage: Stage, closes_at: dt.datetime, reason: str
) -> DeadlineExtension:
    """Give one unit a later deadline for a stage (Ditjen HAM), audited, and tell the unit's people."""
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != Period.Status.OPEN:
        raise TransitionError(_("Deadlines can be extended only while the period is open."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    window = period.windows.filter(stage=stage).first()
    if window is None:
        raise ValidationError({"stage": _("This stage has no window in the period.")})
    regular = local_instant(window.closes_at, unit.province.tzinfo)
    if closes_at <= regular:
        raise ValidationError({"closes_at": _("The new deadline must be later than the regular one.")})
    extension, created = DeadlineExtension.objects.update_or_create(
        period=period,
        unit=unit,
        stage=stage,
        defaults={"closes_at": closes_at, "reason": reason.strip(), "granted_by": actor},
    )
    audit_log(
        actor=actor,
        action="period.extension",
        target=extension,
        unit=unit,
        data={"stage": stage, "closes_at": closes_at.isoformat(), "reason": reason.strip(), "new": created},
    )
    from p2ham.accounts.models import Role, RoleAssignment

    people = RoleAssignment.objects.filter(unit=unit, role__in=[Role.OPERATOR, Role.KEPALA_UNIT]).select_related("user")
    for assignment in people:
        notify(
            recipient=assignment.user,
            title=_("Deadline extended: %(stage)s") % {"stage": Stage(stage).label},
            body=_("Ditjen HAM extended the deadline of %(unit)s to %(date)s. Reason: %(reason)s")
            % {
                "unit": unit.name,
                "date": timezone.localtime(closes_at, unit.province.tzinfo).strftime("%d-%m-%Y %H.%M"),
                "reason": reason.strip(),
            },
        )
    return extension
