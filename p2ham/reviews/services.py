"""Writes of stage 6 (verification) and of the panel's assignment: Ditjen HAM assigns verifiers and panels
(never someone from the unit's own regional subtree), the verifier records a verdict per indicator, sends
back only what needs repair in numbered rounds with a due date, and closes verification.

Status changes go through ``assessments.services._move`` (the one transition table); every write is
audited; the people concerned are notified after the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from p2ham.accounts.models import Role, User
from p2ham.assessments.models import Answer, Assessment, Evidence
from p2ham.assessments.services import (
    NOTE_MAX,
    StaleVersion,
    _assessment_url,
    _indicator,
    _kanwil_people,
    _lock,
    _move,
    _people,
)
from p2ham.audit.services import audit_log
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.core.templatetags.p2ham import local_datetime
from p2ham.instruments.models import AnswerOption
from p2ham.notifications.services import notify
from p2ham.periods.models import Period
from p2ham.periods.services import TransitionError
from p2ham.reviews import selectors
from p2ham.reviews.models import (
    PanelAssignment,
    ReasonCode,
    RevisionItem,
    RevisionRequest,
    Verdict,
    Verification,
    VerifierAssignment,
)

S = Assessment.Status
ASSIGNABLE = (S.IN_VERIFICATION, S.RETURNED, S.VERIFIED, S.IN_PANEL)
MAX_REPAIR_DAYS = 60


class ConflictOfInterest(TransitionError):
    """The person holds a role in the unit's own regional subtree."""


def _verification_url(assessment: Assessment) -> str:
    return f"{_assessment_url(assessment)}verifikasi/"


def _panel_url(assessment: Assessment) -> str:
    return f"{_assessment_url(assessment)}panel/"


def _ensure_assigner(actor: Any) -> None:
    if not policy.can(actor, Action.REVIEW_ASSIGN):
        raise PermissionDenied(_("Only Ditjen HAM assigns verifiers and assessors."))


def _ensure_no_conflict(person: User, assessment: Assessment) -> None:
    if selectors.conflict_of_interest(person, assessment.unit):
        raise ConflictOfInterest(
            _("%(person)s holds a role in the regional office of %(unit)s and cannot judge it (conflict of interest).")
            % {"person": person.full_name, "unit": assessment.unit}
        )


# ---------------------------------------------------------------- assignment


def _assign_verifier(*, actor: Any, assessment: Assessment, verifier: User) -> VerifierAssignment | None:
    if assessment.status not in ASSIGNABLE:
        raise TransitionError(
            _("%(unit)s has not been forwarded to verification (status: %(status)s).")
            % {"unit": assessment.unit, "status": assessment.get_status_display()}
        )
    if not verifier.is_active or not policy.can(verifier, Action.VERIFICATION_PERFORM, assessment.unit):
        raise ValidationError({"verifier": [_("%(person)s is not a verifier.") % {"person": verifier.full_name}]})
    _ensure_no_conflict(verifier, assessment)
    assignment, created = VerifierAssignment.objects.get_or_create(
        assessment=assessment, verifier=verifier, defaults={"assigned_by": actor}
    )
    if not created:
        return None
    audit_log(
        actor=actor,
        action="review.verifier.assign",
        target=assessment,
        unit=assessment.unit,
        data={"verifier": verifier.pk, "name": verifier.full_name},
    )
    return assignment


@transaction.atomic
def verifier_assign(*, actor: Any, assessment: Assessment, verifier: User) -> VerifierAssignment:
    """Ditjen HAM assigns a verifier to one assessment (refused on a conflict of interest)."""
    _ensure_assigner(actor)
    assessment = _lock(assessment)
    assignment = _assign_verifier(actor=actor, assessment=assessment, verifier=verifier)
    if assignment is None:
        raise ValidationError(
            {"verifier": [_("%(person)s already verifies this assessment.") % {"person": verifier.full_name}]}
        )
    notify(
        recipient=verifier,
        title=_("You verify %(unit)s (%(year)s)") % {"unit": assessment.unit, "year": assessment.period.year},
        url=_verification_url(assessment),
    )
    return assignment


@transaction.atomic
def verifiers_assign_many(
    *, actor: Any, period: Period, verifier: User, assessments: Iterable[Assessment]
) -> tuple[int, list[str]]:
    """Assign one verifier to many assessments (a province, a unit type); returns (assigned, skipped with why)."""
    _ensure_assigner(actor)
    assigned, skipped = 0, []
    for assessment in assessments:
        if assessment.period_id != period.pk:
            continue
        assessment = _lock(assessment)
        try:
            with transaction.atomic():
                if _assign_verifier(actor=actor, assessment=assessment, verifier=verifier) is not None:
                    assigned += 1
        except (TransitionError, ValidationError) as exc:
            skipped.append(f"{assessment.unit}: {_message(exc)}")
    if assigned:
        notify(
            recipient=verifier,
            title=_("%(n)s assessment(s) assigned to you for verification (%(year)s)")
            % {"n": assigned, "year": period.year},
            url=f"/penugasan/{period.year}/saya/",
        )
    return assigned, skipped


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


@transaction.atomic
def verifier_unassign(*, actor: Any, assignment: VerifierAssignment) -> None:
    """Take a verifier off an assessment (their recorded verdicts stay, signed with their name)."""
    _ensure_assigner(actor)
    assessment = _lock(assignment.assessment)
    audit_log(
        actor=actor,
        action="review.verifier.unassign",
        target=assessment,
        unit=assessment.unit,
        data={"verifier": assignment.verifier_id},
    )
    assignment.delete()


def _maybe_start_panel(*, actor: Any, assessment: Assessment) -> None:
    """A verified assessment whose panel is complete goes to the panel (and the assessors are told)."""
    if assessment.status != S.VERIFIED:
        return
    panel = selectors.active_panel(assessment)
    if not selectors.panel_complete(panel):
        return
    _move(actor=actor, assessment=assessment, to=S.IN_PANEL)
    for seat in panel:
        notify(
            recipient=seat.assessor,
            title=_("%(unit)s is verified: your scores are awaited") % {"unit": assessment.unit},
            url=_panel_url(assessment),
        )


def _assign_assessor(*, actor: Any, assessment: Assessment, assessor: User, chair: bool) -> PanelAssignment:
    if assessment.status not in ASSIGNABLE:
        raise TransitionError(
            _("%(unit)s has not been forwarded to verification (status: %(status)s).")
            % {"unit": assessment.unit, "status": assessment.get_status_display()}
        )
    if not assessor.is_active or not policy.can(assessor, Action.PANEL_SCORE, assessment.unit):
        raise ValidationError({"assessor": [_("%(person)s is not an assessor.") % {"person": assessor.full_name}]})
    _ensure_no_conflict(assessor, assessment)
    seat = PanelAssignment.objects.filter(assessment=assessment, assessor=assessor).first()
    if seat is not None:
        if not seat.active:
            raise ConflictOfInterest(
                _("%(person)s declared a conflict of interest with this unit.") % {"person": assessor.full_name}
            )
        if seat.chair == chair:
            raise ValidationError(
                {"assessor": [_("%(person)s already sits on this panel.") % {"person": assessor.full_name}]}
            )
    if chair:
        # One chair: the present chair (if any) stays on the panel as an assessor.
        PanelAssignment.objects.filter(assessment=assessment, chair=True, conflict_declared_at__isnull=True).exclude(
            assessor=assessor
        ).update(chair=False)
    if seat is None:
        seat = PanelAssignment.objects.create(assessment=assessment, assessor=assessor, chair=chair, assigned_by=actor)
    else:
        seat.chair = chair
        seat.save(update_fields=["chair"])
    audit_log(
        actor=actor,
        action="review.panel.assign",
        target=assessment,
        unit=assessment.unit,
        data={"assessor": assessor.pk, "name": assessor.full_name, "chair": chair},
    )
    return seat


@transaction.atomic
def panel_assign(*, actor: Any, assessment: Assessment, assessor: User, chair: bool = False) -> PanelAssignment:
    """Ditjen HAM puts an assessor (or the chair) on an assessment's panel."""
    _ensure_assigner(actor)
    assessment = _lock(assessment)
    seat = _assign_assessor(actor=actor, assessment=assessment, assessor=assessor, chair=chair)
    notify(
        recipient=assessor,
        title=(
            _("You chair the panel of %(unit)s (%(year)s)")
            if chair
            else _("You sit on the panel of %(unit)s (%(year)s)")
        )
        % {"unit": assessment.unit, "year": assessment.period.year},
        url=_panel_url(assessment),
    )
    _maybe_start_panel(actor=actor, assessment=assessment)
    return seat


@transaction.atomic
def panels_assign_many(
    *, actor: Any, period: Period, chair: User, assessors: list[User], assessments: Iterable[Assessment]
) -> tuple[int, list[str]]:
    """Give many assessments the same panel (a chair and assessors); returns (panels set, skipped with why)."""
    _ensure_assigner(actor)
    members = [chair, *[a for a in assessors if a.pk != chair.pk]]
    if len({m.pk for m in members}) < 2:
        raise ValidationError({"assessors": [_("A panel needs at least two assessors, one of them the chair.")]})
    done, skipped = 0, []
    for assessment in assessments:
        if assessment.period_id != period.pk:
            continue
        assessment = _lock(assessment)
        try:
            with transaction.atomic():
                for member in members:
                    seat = PanelAssignment.objects.filter(assessment=assessment, assessor=member).first()
                    if seat is not None and seat.active and seat.chair == (member.pk == chair.pk):
                        continue
                    _assign_assessor(actor=actor, assessment=assessment, assessor=member, chair=member.pk == chair.pk)
                _maybe_start_panel(actor=actor, assessment=assessment)
            done += 1
        except (TransitionError, ValidationError) as exc:
            skipped.append(f"{assessment.unit}: {_message(exc)}")
    if done:
        for member in members:
            notify(
                recipient=member,
                title=_("You sit on %(n)s panel(s) of %(year)s") % {"n": done, "year": period.year},
                url=f"/penugasan/{period.year}/saya/",
            )
    return done, skipped


@transaction.atomic
def panel_unassign(*, actor: Any, seat: PanelAssignment) -> None:
    """Take an assessor off a panel before the panel is scored (their scores go with them)."""
    _ensure_assigner(actor)
    assessment = _lock(seat.assessment)
    if assessment.status in (S.SCORED, S.DETERMINED):
        raise TransitionError(_("The panel has scored this assessment; its members can no longer change."))
    audit_log(
        actor=actor,
        action="review.panel.unassign",
        target=assessment,
        unit=assessment.unit,
        data={"assessor": seat.assessor_id, "chair": seat.chair},
    )
    seat.delete()


@transaction.atomic
def panel_declare_conflict(*, actor: Any, assessment: Assessment, reason: str) -> PanelAssignment:
    """An assessor declares a conflict of interest: they leave the panel and Ditjen HAM is asked to replace them."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say what the conflict of interest is.")]})
    assessment = _lock(assessment)
    seat = (
        PanelAssignment.objects.select_for_update(of=("self",))
        .filter(assessment=assessment, assessor=actor, conflict_declared_at__isnull=True)
        .first()
    )
    if seat is None:
        raise PermissionDenied(_("You do not sit on this panel."))
    if assessment.status in (S.SCORED, S.DETERMINED):
        raise TransitionError(_("The panel has scored this assessment; its members can no longer change."))
    seat.conflict_declared_at, seat.conflict_reason = timezone.now(), reason[:NOTE_MAX]
    was_chair, seat.chair = seat.chair, False
    seat.save(update_fields=["conflict_declared_at", "conflict_reason", "chair"])
    audit_log(
        actor=actor,
        action="review.panel.conflict",
        target=assessment,
        unit=assessment.unit,
        data={"assessor": actor.pk, "chair": was_chair, "reason": seat.conflict_reason},
    )
    for person in selectors.people_with_role(Role.DITJEN):
        notify(
            recipient=person,
            title=_("%(person)s declared a conflict of interest with %(unit)s: a replacement is needed")
            % {"person": actor.full_name, "unit": assessment.unit},
            body=seat.conflict_reason,
            url=f"/penugasan/{assessment.period.year}/?q={assessment.unit.code}",
        )
    return seat


# ---------------------------------------------------------------- verification


def _lock_for_verification(actor: Any, assessment: Assessment, version: int | None = None) -> Assessment:
    if not selectors.is_assigned_verifier(actor, assessment):
        raise PermissionDenied(_("Only a verifier assigned to this assessment verifies it."))
    # A role taken in the unit's regional subtree after the assignment disqualifies as much as one before.
    _ensure_no_conflict(actor, assessment)
    assessment = _lock(assessment, version)
    if assessment.status != S.IN_VERIFICATION:
        if assessment.status == S.RETURNED:
            raise TransitionError(
                _("The assessment is with the unit for repair; verification continues when it comes back.")
            )
        raise TransitionError(
            _("This assessment is not in verification (status: %(status)s).")
            % {"status": assessment.get_status_display()}
        )
    return assessment


def _verdict_text(v: Verification) -> str:
    text = str(Verdict(v.verdict).label)
    if v.option is not None:
        text += f" — {v.option.label}"
    return text


@transaction.atomic
def verification_save(
    *,
    actor: Any,
    assessment: Assessment,
    indicator_code: str,
    verdict: str,
    option_id: int | None = None,
    reason_code: str = "",
    note: str = "",
    version: int | None = None,
) -> Verification:
    """Record the verdict on one indicator; ``version`` is the verification's version the verifier saw (0 for
    none). A save based on an older version is refused with the other's change."""
    assessment = _lock_for_verification(actor, assessment)
    indicator = _indicator(assessment, indicator_code)
    errors: dict[str, list[str]] = {}
    if verdict not in Verdict.values:
        errors["verdict"] = [_("Choose a verdict.")]
    note = note.strip()
    if len(note) > NOTE_MAX:
        errors["note"] = [_("The note is longer than %(n)s characters.") % {"n": NOTE_MAX}]
    option = None
    if verdict == Verdict.NOT_APPLICABLE:
        option_id = None
    elif option_id is not None:
        option = AnswerOption.objects.filter(pk=option_id, scale_id=indicator.scale_id).first()
        if option is None:
            errors["option"] = [_("Choose one of the answers offered for this indicator.")]
    elif verdict in (Verdict.ACCEPTED, Verdict.REJECTED):
        errors["option"] = [_("Choose the verified answer.")]
    reason = None
    if reason_code:
        reason = ReasonCode.objects.filter(code=reason_code, active=True).first()
        if reason is None:
            errors["reason"] = [_("Choose a reason from the list.")]
    elif verdict in (Verdict.NEEDS_REPAIR, Verdict.REJECTED):
        errors["reason"] = [_("Choose the reason for this verdict.")]
    if verdict == Verdict.NEEDS_REPAIR and not note:
        errors["note"] = [_("Tell the unit what to repair.")]
    if errors:
        raise ValidationError(errors)
    current = (
        Verification.objects.select_for_update(of=("self",))
        .select_related("option", "verified_by")
        .filter(assessment=assessment, indicator_code=indicator.code)
        .first()
    )
    if version is not None and version != (current.version if current else 0):
        if current is None:
            raise StaleVersion(_("This verdict changed meanwhile. Reload the indicator and try again."))
        raise StaleVersion(
            _("%(who)s saved this verdict at %(when)s: “%(verdict)s”. Their change is shown; yours was not saved.")
            % {
                "who": current.verified_by.full_name,
                "when": local_datetime(current.updated_at, assessment.unit),
                "verdict": _verdict_text(current),
            },
            current=current,
        )
    revision = selectors.last_revision(assessment)
    round_no = revision.round if revision is not None else 0
    if current is None:
        current = Verification(assessment=assessment, indicator_code=indicator.code, version=0)
    elif (
        current.verdict == verdict
        and current.option_id == (option.pk if option else None)
        and current.reason_id == (reason.pk if reason else None)
        and current.note == note
    ):
        return current
    current.verdict, current.option, current.reason, current.note = verdict, option, reason, note
    current.verified_by, current.round = actor, round_no
    current.version += 1
    current.save()
    audit_log(
        actor=actor,
        action="verification.save",
        target=assessment,
        unit=assessment.unit,
        data={
            "indicator": indicator.code,
            "verdict": verdict,
            "option": option.label if option else None,
            "reason": reason.code if reason else None,
            "round": round_no,
        },
    )
    return current


def _due_at(assessment: Assessment, due_date: dt.date) -> dt.datetime:
    """The end of the due day in the unit's own time zone."""
    return dt.datetime.combine(due_date, dt.time(23, 59, 59), tzinfo=assessment.unit.province.tzinfo)


@transaction.atomic
def verification_return(
    *, actor: Any, assessment: Assessment, due_date: dt.date | None, note: str = "", version: int | None = None
) -> RevisionRequest:
    """Send back only the indicators marked "needs repair", with their reasons, until ``due_date`` (a new round)."""
    assessment = _lock_for_verification(actor, assessment, version)
    if due_date is None:
        raise ValidationError({"due_date": [_("Give the date by which the unit must repair.")]})
    today = timezone.localdate(timezone=assessment.unit.province.tzinfo)
    if due_date < today:
        raise ValidationError({"due_date": [_("The due date cannot be in the past.")]})
    if due_date > today + dt.timedelta(days=MAX_REPAIR_DAYS):
        raise ValidationError({"due_date": [_("Give at most %(n)s days for the repair.") % {"n": MAX_REPAIR_DAYS}]})
    flagged = list(
        Verification.objects.filter(assessment=assessment, verdict=Verdict.NEEDS_REPAIR).select_related("reason")
    )
    if not flagged:
        raise TransitionError(_("No indicator is marked “needs repair”: there is nothing to send back."))
    last = selectors.last_revision(assessment)
    request = RevisionRequest.objects.create(
        assessment=assessment,
        round=(last.round if last else 0) + 1,
        due_at=_due_at(assessment, due_date),
        note=note.strip()[:NOTE_MAX],
        created_by=actor,
    )
    codes = [v.indicator_code for v in flagged]
    answers = {a.indicator_code: a for a in Answer.objects.filter(assessment=assessment, indicator_code__in=codes)}
    files: dict[str, list[int]] = {}
    for code, pk in Evidence.objects.filter(
        answer__assessment=assessment, answer__indicator_code__in=codes, superseded_at=None, removed_at=None
    ).values_list("answer__indicator_code", "pk"):
        files.setdefault(code, []).append(pk)
    RevisionItem.objects.bulk_create(
        [
            RevisionItem(
                request=request,
                indicator_code=v.indicator_code,
                reason=v.reason,
                note=v.note,
                option_before_id=answers[v.indicator_code].option_id if v.indicator_code in answers else None,
                note_before=answers[v.indicator_code].note if v.indicator_code in answers else "",
                evidence_before=sorted(files.get(v.indicator_code, [])),
            )
            for v in flagged
        ]
    )
    when = local_datetime(request.due_at, assessment.unit)
    _move(
        actor=actor,
        assessment=assessment,
        to=S.RETURNED,
        note=request.note,
        data={"round": request.round, "indicators": codes, "due": request.due_at.isoformat()},
    )
    lines = [f"{v.indicator_code}: {v.reason.label if v.reason else ''} — {v.note}" for v in flagged]
    for person in _people(assessment.unit, Role.OPERATOR, Role.KEPALA_UNIT) + _kanwil_people(assessment.unit):
        notify(
            recipient=person,
            title=_("%(unit)s: %(n)s indicator(s) returned for repair, due %(when)s")
            % {"unit": assessment.unit, "n": len(flagged), "when": when},
            body="\n".join([request.note, *lines]).strip(),
            url=_assessment_url(assessment),
        )
    return request


def _close_round(*, actor: Any, assessment: Assessment, resubmitted: bool) -> RevisionRequest:
    revision = selectors.open_revision(assessment)
    if revision is None:
        raise TransitionError(_("There is no repair round in progress."))
    request = revision.request
    request.closed_at, request.closed_by, request.resubmitted = timezone.now(), actor, resubmitted
    request.save(update_fields=["closed_at", "closed_by", "resubmitted"])
    return request


@transaction.atomic
def verification_resubmit(*, actor: Any, assessment: Assessment, version: int | None = None) -> RevisionRequest:
    """The head of the unit sends the repaired indicators back to verification (before the due date)."""
    if not policy.can(actor, Action.ASSESSMENT_SUBMIT, assessment.unit):
        raise PermissionDenied(_("Only the head of this unit sends the repairs back."))
    assessment = _lock(assessment, version)
    if assessment.status != S.RETURNED:
        raise TransitionError(_("This assessment is not waiting for repairs."))
    revision = selectors.open_revision(assessment)
    if revision is not None and revision.overdue:
        raise TransitionError(
            _("The repair was due on %(when)s; the returned indicators stay as they were.")
            % {"when": local_datetime(revision.due_at, assessment.unit)}
        )
    request = _close_round(actor=actor, assessment=assessment, resubmitted=True)
    _move(actor=actor, assessment=assessment, to=S.IN_VERIFICATION, data={"round": request.round, "by": "unit"})
    for person in selectors.verifiers_of(assessment):
        notify(
            recipient=person,
            title=_("%(unit)s sent back its repairs (round %(round)s)")
            % {"unit": assessment.unit, "round": request.round},
            url=_verification_url(assessment),
        )
    return request


@transaction.atomic
def verification_resume(*, actor: Any, assessment: Assessment, version: int | None = None) -> RevisionRequest:
    """After the repair due date has passed without a resubmission, the verifier continues with the indicators
    as they were."""
    if not selectors.is_assigned_verifier(actor, assessment):
        raise PermissionDenied(_("Only a verifier assigned to this assessment verifies it."))
    _ensure_no_conflict(actor, assessment)
    assessment = _lock(assessment, version)
    if assessment.status != S.RETURNED:
        raise TransitionError(_("This assessment is not waiting for repairs."))
    revision = selectors.open_revision(assessment)
    if revision is not None and not revision.overdue:
        raise TransitionError(
            _("The unit may repair until %(when)s; verification continues after that or when it resubmits.")
            % {"when": local_datetime(revision.due_at, assessment.unit)}
        )
    request = _close_round(actor=actor, assessment=assessment, resubmitted=False)
    _move(actor=actor, assessment=assessment, to=S.IN_VERIFICATION, data={"round": request.round, "by": "due_date"})
    for person in _people(assessment.unit, Role.OPERATOR, Role.KEPALA_UNIT):
        notify(
            recipient=person,
            title=_("%(unit)s: the repair period has ended; verification continues") % {"unit": assessment.unit},
            url=_assessment_url(assessment),
        )
    return request


@transaction.atomic
def verification_complete(*, actor: Any, assessment: Assessment, version: int | None = None) -> Assessment:
    """Close verification: every indicator has a final verdict (accepted, rejected or not applicable)."""
    assessment = _lock_for_verification(actor, assessment, version)
    missing, repair = selectors.verification_gaps(assessment)
    if missing or repair:
        raise ValidationError(
            _(
                "Verification cannot be closed yet: %(missing)s indicator(s) without a verdict and %(repair)s "
                "still marked “needs repair”."
            )
            % {"missing": missing, "repair": repair},
            code="incomplete",
        )
    _move(actor=actor, assessment=assessment, to=S.VERIFIED)
    recipients = {u.pk: u for u in _people(assessment.unit, Role.OPERATOR, Role.KEPALA_UNIT)}
    recipients.update({u.pk: u for u in _kanwil_people(assessment.unit)})
    recipients.update({u.pk: u for u in selectors.people_with_role(Role.DITJEN)})
    for person in recipients.values():
        notify(
            recipient=person,
            title=_("%(unit)s: verification completed") % {"unit": assessment.unit},
            url=_assessment_url(assessment),
        )
    _maybe_start_panel(actor=actor, assessment=assessment)
    return assessment
