"""The daily digest of review work waiting too long: one e-mail and one in-app notification per person, at
most once a day, and none for someone with nothing waiting.

An item waits since the assessment's last status change; it is listed once it has waited longer than
``settings.REVIEW_WAIT_DAYS`` days:

- verifiers: the assessments assigned to them in verification, and those returned for repair whose due date
  has passed (the verifier resumes verification);
- assessors: the assessments with the panel whose scores they have not submitted;
- chairs: the assessments with the panel where every assessor has submitted, not yet finished;
- Ditjen HAM: the assessments in verification without a verifier, and the verified or with-the-panel ones
  whose panel is incomplete or has a declared conflict of interest nobody has replaced.

The operators and the head of a unit are reminded of a repair due within two days, however long it has been
with them: that is a deadline of theirs, not work waiting on someone else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from p2ham.accounts.models import Role, RoleAssignment, User
from p2ham.assessments.models import Assessment
from p2ham.assessments.services import _assessment_url
from p2ham.core.templatetags.p2ham import local_datetime
from p2ham.notifications.services import notify
from p2ham.notifications.tasks import send_notification_email
from p2ham.reviews import selectors
from p2ham.reviews.models import DigestLog, PanelAssignment, RevisionRequest, VerifierAssignment
from p2ham.reviews.services import _panel_url, _verification_url

S = Assessment.Status
UNIT_REMINDER = dt.timedelta(days=2)  # a repair due this soon is brought to the unit's attention


@dataclass(frozen=True)
class DigestItem:
    text: str  # what waits, for whom to do what
    detail: str  # how long it has waited, or when it is due
    url: str  # a local path
    since: dt.datetime  # when it started waiting (the order of the list)


@dataclass
class Digest:
    person: User
    items: list[DigestItem] = field(default_factory=list)


def _waited(since: dt.datetime, now: dt.datetime) -> str:
    days = (now - since).days
    return ngettext("waiting %(days)s day", "waiting %(days)s days", days) % {"days": days}


def _assign_url(assessment: Assessment) -> str:
    return f"/penugasan/{assessment.period.year}/?q={assessment.unit.code}"


def unreplaced_conflicts(seats: list[PanelAssignment]) -> int:
    """How many declared conflicts of interest no seat added after them has replaced."""
    declared = sorted(s.conflict_declared_at for s in seats if s.conflict_declared_at is not None)
    later = sorted(s.created_at for s in seats if s.active)
    missing = 0
    for when in declared:
        # The earliest seat added after this declaration replaces it; later ones stay for later declarations.
        match = next((i for i, created in enumerate(later) if created > when), None)
        if match is None:
            missing += 1
        else:
            later.pop(match)
    return missing


def _waiting_assessments(now: dt.datetime) -> list[Assessment]:
    """The assessments in a review step whose last status change is older than the waiting limit."""
    limit = now - dt.timedelta(days=settings.REVIEW_WAIT_DAYS)
    return list(
        Assessment.objects.filter(status__in=[S.IN_VERIFICATION, S.RETURNED, S.VERIFIED, S.IN_PANEL])
        .annotate(waiting_since=selectors._waiting_since())
        .filter(waiting_since__lt=limit)
        .select_related("unit__province", "period")
        .prefetch_related(
            Prefetch(
                "verifiers",
                queryset=VerifierAssignment.objects.filter(verifier__is_active=True).select_related("verifier"),
            ),
            Prefetch("panel", queryset=PanelAssignment.objects.select_related("assessor")),
            Prefetch(
                "revisions", queryset=RevisionRequest.objects.filter(closed_at__isnull=True), to_attr="open_rounds"
            ),
        )
        .order_by("waiting_since", "pk")
    )


def digest_collect(*, now: dt.datetime | None = None) -> dict[int, Digest]:
    """Everyone's digest as of ``now``, keyed by user id: only people with something waiting."""
    now = now or timezone.now()
    digests: dict[int, Digest] = {}
    ditjen_items: list[DigestItem] = []

    def add(person: User, item: DigestItem) -> None:
        digests.setdefault(person.pk, Digest(person)).items.append(item)

    for a in _waiting_assessments(now):
        since = a.waiting_since  # type: ignore[attr-defined]
        waited = _waited(since, now)
        unit = a.unit
        verifiers = [v.verifier for v in a.verifiers.all()]
        if a.status == S.IN_VERIFICATION:
            if not verifiers:
                ditjen_items.append(
                    DigestItem(
                        _("%(unit)s (%(year)s) is in verification without a verifier")
                        % {"unit": unit, "year": a.period.year},
                        waited,
                        _assign_url(a),
                        since,
                    )
                )
            for person in verifiers:
                text = _("%(unit)s (%(year)s) waits for your verification") % {"unit": unit, "year": a.period.year}
                add(person, DigestItem(text, waited, _verification_url(a), since))
        elif a.status == S.RETURNED:
            overdue = [r for r in a.open_rounds if r.due_at <= now]  # type: ignore[attr-defined]
            for revision in overdue[:1]:
                text = _("%(unit)s (%(year)s): the repair was due on %(when)s; resume the verification") % {
                    "unit": unit,
                    "year": a.period.year,
                    "when": local_datetime(revision.due_at, unit),
                }
                for person in verifiers:
                    add(person, DigestItem(text, waited, _verification_url(a), since))
        else:
            seats = list(a.panel.all())
            active = [s for s in seats if s.active]
            if not selectors.panel_complete(active):
                ditjen_items.append(
                    DigestItem(
                        _("%(unit)s (%(year)s): the panel is incomplete (two assessors or more, one the chair)")
                        % {"unit": unit, "year": a.period.year},
                        waited,
                        _assign_url(a),
                        since,
                    )
                )
            elif unreplaced_conflicts(seats):
                ditjen_items.append(
                    DigestItem(
                        _("%(unit)s (%(year)s): an assessor declared a conflict of interest and was not replaced")
                        % {"unit": unit, "year": a.period.year},
                        waited,
                        _assign_url(a),
                        since,
                    )
                )
            if a.status == S.IN_PANEL and active:
                pending = [s for s in active if s.submitted_at is None]
                for seat in pending:
                    if seat.assessor.is_active:
                        text = _("%(unit)s (%(year)s) waits for your scores") % {"unit": unit, "year": a.period.year}
                        add(seat.assessor, DigestItem(text, waited, _panel_url(a), since))
                chair = next((s for s in active if s.chair), None)
                if not pending and chair is not None and chair.assessor.is_active:
                    text = _(
                        "%(unit)s (%(year)s): every assessor has submitted; the panel waits for your moderation"
                    ) % {"unit": unit, "year": a.period.year}
                    add(chair.assessor, DigestItem(text, waited, _panel_url(a), since))

    if ditjen_items:
        for person in selectors.people_with_role(Role.DITJEN):
            for item in ditjen_items:
                add(person, item)

    _add_unit_reminders(now, add)
    for digest in digests.values():
        digest.items.sort(key=lambda item: item.since)
    return digests


def _add_unit_reminders(now: dt.datetime, add: Callable[[User, DigestItem], None]) -> None:
    """The unit's operators and head: a repair due within two days."""
    rounds = list(
        RevisionRequest.objects.filter(
            closed_at__isnull=True,
            assessment__status=S.RETURNED,
            due_at__gt=now,
            due_at__lte=now + UNIT_REMINDER,
        ).select_related("assessment__unit__province", "assessment__period")
    )
    if not rounds:
        return
    people: dict[int, list[User]] = {}
    for grant in RoleAssignment.objects.filter(
        unit_id__in={r.assessment.unit_id for r in rounds},
        role__in=[Role.OPERATOR, Role.KEPALA_UNIT],
        user__is_active=True,
    ).select_related("user"):
        assert grant.unit_id is not None  # filtered on the unit above
        people.setdefault(grant.unit_id, []).append(grant.user)
    for revision in rounds:
        a = revision.assessment
        text = _("%(unit)s (%(year)s): the indicators returned for repair are due soon") % {
            "unit": a.unit,
            "year": a.period.year,
        }
        detail = _("due %(when)s") % {"when": local_datetime(revision.due_at, a.unit)}
        seen: set[int] = set()
        for person in people.get(a.unit_id, []):
            if person.pk not in seen:  # an operator who is also the head is told once
                seen.add(person.pk)
                add(person, DigestItem(text, detail, _assessment_url(a), revision.created_at))


def _send(digest: Digest, today: dt.date) -> bool:
    """Send one person's digest unless they already had one today; says whether it was sent."""
    person, items = digest.person, digest.items
    with transaction.atomic():
        _log, created = DigestLog.objects.get_or_create(user=person, date=today, defaults={"items": len(items)})
        if not created:
            return False
        title = ngettext(
            "Daily digest: %(n)s item waits for you", "Daily digest: %(n)s items wait for you", len(items)
        ) % {"n": len(items)}
        notify(
            recipient=person,
            title=title,
            body="\n".join(f"{item.text} ({item.detail})" for item in items),
            url=items[0].url if len(items) == 1 else "",
            email=False,
        )
        if person.email:
            body = render_to_string(
                "reviews/email/digest.txt",
                {"person": person, "items": items, "site_url": settings.SITE_URL, "days": settings.REVIEW_WAIT_DAYS},
            )
            transaction.on_commit(
                partial(send_notification_email.enqueue, to=person.email, subject=f"[P2HAM] {title}", body=body)
            )
    return True


def digest_send(*, now: dt.datetime | None = None) -> int:
    """Send today's digest to everyone with something waiting too long (once a day each); returns how many."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return sum(1 for digest in digest_collect(now=now).values() if _send(digest, today))
