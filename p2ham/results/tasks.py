"""Background work of determination and follow-up: telling the unit and its Kanwil, once, that a confirmed
follow-up action has passed its due date."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from p2ham.accounts.models import Role
from p2ham.assessments.services import _kanwil_people, _people
from p2ham.audit.models import AuditEntry
from p2ham.audit.services import audit_log
from p2ham.notifications.services import notify
from p2ham.results.models import FollowUpAction
from p2ham.results.selectors import overdue_q

OVERDUE_AUDIT = "followup.overdue"
CHUNK = 500


def _flagged(actions: list[FollowUpAction]) -> set[tuple[str, str]]:
    """(action id, due date) of the actions already flagged: the audit log is the memory of who was told."""
    label = FollowUpAction._meta.label_lower
    seen: set[tuple[str, str]] = set()
    for i in range(0, len(actions), CHUNK):
        ids = [str(a.pk) for a in actions[i : i + CHUNK]]
        for target_id, data in AuditEntry.objects.filter(
            action=OVERDUE_AUDIT, target_type=label, target_id__in=ids
        ).values_list("target_id", "data"):
            seen.add((target_id, str((data or {}).get("due_date", ""))))
    return seen


def _flag_one(action: FollowUpAction, today: dt.date) -> bool:
    """Notify and record one overdue action, unless it moved on or someone flagged it meanwhile."""
    with transaction.atomic():
        locked = (
            FollowUpAction.objects.select_for_update(of=("self",))
            .select_related("unit__province", "period")
            .filter(pk=action.pk, status=FollowUpAction.Status.CONFIRMED, due_date=action.due_date, due_date__lt=today)
            .first()
        )
        if locked is None or locked.due_date is None:
            return False
        due = locked.due_date.isoformat()
        if (str(locked.pk), due) in _flagged([locked]):  # a concurrent run got here first
            return False
        unit = locked.unit
        people = {p.pk: p for p in _people(unit, Role.OPERATOR, Role.KEPALA_UNIT) + _kanwil_people(unit)}
        title = _("Follow-up %(code)s of %(unit)s is overdue: it was due %(date)s") % {
            "code": locked.indicator_code,
            "unit": unit.name,
            "date": formats.date_format(locked.due_date, "j F Y"),
        }
        for person in people.values():
            notify(recipient=person, title=title, body=locked.action, url=f"/tindak-lanjut/{locked.pk}/")
        audit_log(
            actor=None,
            action=OVERDUE_AUDIT,
            target=locked,
            unit=unit,
            data={"indicator": locked.indicator_code, "due_date": due, "notified": len(people)},
        )
    return True


def follow_ups_flag_overdue(*, today: dt.date | None = None) -> int:
    """Tell the operators and head of the unit and its Kanwil about each confirmed action whose due date has
    passed, once per action and due date (a due date moved later and missed again is told again); returns how
    many actions were flagged. Overdue is judged by Jakarta's date, as in the follow-up lists."""
    today = today or timezone.localdate()
    candidates = list(FollowUpAction.objects.filter(overdue_q(today)).only("pk", "due_date").order_by("pk"))
    flagged = _flagged(candidates)
    fresh = [a for a in candidates if a.due_date and (str(a.pk), a.due_date.isoformat()) not in flagged]
    return sum(1 for action in fresh if _flag_one(action, today))


@task()
def flag_overdue_follow_ups() -> int:
    """The daily run (cron or the task worker): stored texts and e-mails in the platform's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return follow_ups_flag_overdue()
