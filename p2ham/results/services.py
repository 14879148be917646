"""Writes of determination and follow-up: the decree that freezes the scored results, corrections by an
amending decree, certificates and their revocation, and the life of every follow-up action.

Every write checks the policy, locks what it changes, writes the audit log and notifies after commit (the
assessment moves go through the one transition table in ``p2ham.assessments.services``).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from p2ham.accounts.models import Role, RoleAssignment
from p2ham.assessments.models import Assessment
from p2ham.assessments.services import S, StaleVersion, _kanwil_people, _lock, _move, _move_many, _people
from p2ham.audit.services import audit_log
from p2ham.core import policy
from p2ham.core.files import check_upload, store_private
from p2ham.core.policy import Action
from p2ham.instruments.models import Indicator
from p2ham.notifications.services import notify, notify_many
from p2ham.periods.models import Period
from p2ham.periods.services import TransitionError
from p2ham.results.models import (
    FOLLOW_UP_OPEN,
    Certificate,
    Determination,
    FollowUpAction,
    FollowUpEvidence,
    Result,
    ResultRevision,
)
from p2ham.results.ranking import RankInput, rank
from p2ham.reviews.models import Adjustment, ModeratedScore, PanelResult, Verification

F_ = FollowUpAction.Status
TEXT_MAX = 4000
DECREE_MAX = 120
FOLLOW_UP_FILE_KINDS = ("pdf", "jpeg", "png", "webp", "docx", "xlsx")
FOLLOW_UP_FILE_MB = 20
FOLLOW_UP_FILES_MAX = 10


class AlreadyDetermined(TransitionError):
    """The period already has its decree: a change is a re-determination of named units."""


# ---------------------------------------------------------------- helpers


def _require(actor: Any, action: Action, obj: Any = None, message: str = "") -> None:
    if not policy.can(actor, action, obj):
        raise PermissionDenied(message or _("You are not allowed to do this."))


def _text(value: str, *, field: str, required: bool = True, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: [_("This field is required.")]})
    if len(value) > limit:
        raise ValidationError({field: [_("Keep it to %(n)s characters.") % {"n": limit}]})
    return value


def _decree(number: str, date: Any) -> tuple[str, dt.date]:
    errors: dict[str, list[str]] = {}
    number = (number or "").strip()
    if not number:
        errors["decree_number"] = [_("Enter the decree number.")]
    elif len(number) > DECREE_MAX:
        errors["decree_number"] = [_("Keep it to %(n)s characters.") % {"n": DECREE_MAX}]
    if not isinstance(date, dt.date):
        errors["decree_date"] = [_("Enter the decree date.")]
    elif date > timezone.localdate() + dt.timedelta(days=31):
        errors["decree_date"] = [_("The decree date is too far in the future.")]
    if errors:
        raise ValidationError(errors)
    return number, date


def new_certificate_code() -> str:
    """80 random bits in base32 (no 0/1/8/9 confusion), grouped for reading aloud: ``ABCD-EFGH-IJKL-MNOP``."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _issue_certificate(result: Result, actor: Any, now: dt.datetime) -> Certificate:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Certificate.objects.create(
                    result=result, code=new_certificate_code(), issued_at=now, issued_by=actor
                )
        except IntegrityError:  # a code collision (practically never) or a valid certificate already exists
            existing = Certificate.objects.filter(result=result, revoked_at__isnull=True).first()
            if existing is not None:
                return existing
    raise RuntimeError("could not generate a unique certificate code")


def _full_count(scores: dict[str, Any]) -> int:
    count = 0
    for value in scores.values():
        try:
            if Decimal(value) >= 100:
                count += 1
        except (ArithmeticError, TypeError, ValueError):
            continue  # "not_applicable"
    return count


def _snapshot(result: Result) -> dict[str, Any]:
    return {
        "total": str(result.total),
        "base_total": str(result.base_total),
        "predicate": result.predicate,
        "vetoed": result.vetoed,
        "rank": result.rank,
        "province_rank": result.province_rank,
        "breakdown": result.breakdown,
        "scores": result.scores,
    }


def _rank_inputs(results: Iterable[Result]) -> list[RankInput]:
    return [
        RankInput(
            key=r.assessment_id,
            cohort=r.cohort,
            province=r.province_id,
            total=r.total,
            base_total=r.base_total,
            full_count=r.full_count,
            submitted_at=r.assessment.submitted_at,
            unit_code=r.unit.code,
        )
        for r in results
    ]


def _rerank(period: Period, cohorts: set[str]) -> dict[int, tuple[int, int]]:
    """Rank again the results of these cohorts; returns {assessment id: (old rank, new rank)} of those that moved."""
    results = list(
        Result.objects.select_for_update(of=("self",))
        .filter(period=period, cohort__in=cohorts)
        .select_related("assessment", "unit")
    )
    ranks = rank(_rank_inputs(results))
    moved: dict[int, tuple[int, int]] = {}
    changed = []
    for r in results:
        new_rank, new_province_rank = ranks[r.assessment_id]
        if (r.rank, r.province_rank) != (new_rank, new_province_rank):
            if r.rank != new_rank:
                moved[r.assessment_id] = (r.rank, new_rank)
            r.rank, r.province_rank = new_rank, new_province_rank
            changed.append(r)
    Result.objects.bulk_update(changed, ["rank", "province_rank"])
    return moved


def _findings(assessment_ids: Sequence[int]) -> dict[tuple[int, str], str]:
    """What the verifier and the chair wrote about each indicator: the finding of a follow-up action."""
    notes: dict[tuple[int, str], list[str]] = defaultdict(list)
    verdicts = (
        Verification.objects.filter(assessment_id__in=assessment_ids)
        .filter(Q(reason__isnull=False) | ~Q(note=""))
        .values_list("assessment_id", "indicator_code", "reason__label", "note")
    )
    for assessment_id, code, reason, note in verdicts.iterator(chunk_size=2000):
        parts = notes[(assessment_id, code)]
        if reason:
            parts.append(reason)
        if note.strip():
            parts.append(note.strip())
    moderation = (
        ModeratedScore.objects.filter(assessment_id__in=assessment_ids)
        .exclude(note="")
        .values_list("assessment_id", "indicator_code", "note")
    )
    for assessment_id, code, note in moderation.iterator(chunk_size=2000):
        notes[(assessment_id, code)].append(note.strip())
    return {key: " — ".join(parts) for key, parts in notes.items()}


def _propose_follow_ups(results: Sequence[Result]) -> int:
    """A proposed follow-up action for every applicable indicator of these results not fully met (score < 100);
    indicators that already have one keep it."""
    if not results:
        return 0
    instrument_ids = {r.assessment.instrument_id for r in results}
    indicators: dict[tuple[int | None, str], Indicator] = {
        (i.instrument_id, i.code): i
        for i in Indicator.objects.filter(instrument_id__in=instrument_ids).select_related("criterion")
    }
    findings = _findings([r.assessment_id for r in results])
    existing = set(FollowUpAction.objects.filter(result__in=results).values_list("result_id", "indicator_code"))
    rows = []
    for r in results:
        for code, value in r.scores.items():
            try:
                score = Decimal(value)
            except (ArithmeticError, TypeError, ValueError):
                continue  # not applicable
            if score >= 100 or (r.pk, code) in existing:
                continue
            indicator = indicators.get((r.assessment.instrument_id, code))
            with translation.override("id"):  # stored text, read by the unit: in Indonesian
                finding = findings.get((r.assessment_id, code)) or _(
                    "The indicator scored %(score)s of 100 in the panel's assessment."
                ) % {"score": f"{score:.2f}"}
            rows.append(
                FollowUpAction(
                    result=r,
                    unit_id=r.unit_id,
                    period_id=r.period_id,
                    indicator_code=code,
                    criterion_name=indicator.criterion.name if indicator else "",
                    indicator_question=indicator.question if indicator else code,
                    score=score,
                    finding=finding[:TEXT_MAX],
                )
            )
    FollowUpAction.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _justifications(assessment_ids: Sequence[int]) -> dict[int, list[str]]:
    """The chair's justification of each counted adjustment, in the breakdown's order (kept with the result, so
    the report explains the decreed adjustments even if a correction later changes the panel's records)."""
    found: dict[int, list[str]] = defaultdict(list)
    rows = (
        Adjustment.objects.filter(assessment_id__in=assessment_ids, removed_at__isnull=True)
        .order_by("created_at", "pk")
        .values_list("assessment_id", "justification")
    )
    for assessment_id, justification in rows:
        found[assessment_id].append(justification)
    return found


def _dismiss_met_follow_ups(results: Sequence[Result], *, actor: Any, number: str) -> int:
    """After a re-determination: open actions on indicators the corrected result now fully meets (or no longer
    has) are dismissed, each audited."""
    now = timezone.now()
    count = 0
    by_pk = {r.pk: r for r in results}
    for action in FollowUpAction.objects.select_for_update(of=("self",)).filter(
        result__in=results, status__in=FOLLOW_UP_OPEN
    ):
        value = by_pk[action.result_id].scores.get(action.indicator_code)
        try:
            met = value is None or Decimal(value) >= 100
        except (ArithmeticError, TypeError, ValueError):
            met = True  # not applicable after the correction
        if not met:
            continue
        with translation.override("id"):
            action.review_note = _("Fully met after the re-determination by decree %(number)s.") % {"number": number}
        action.closed_by, action.closed_at = actor, now
        _follow_up_move(actor, action, F_.DISMISSED, "followup.dismiss", {"reason": action.review_note})
        count += 1
    return count


def _result_from_panel(
    assessment: Assessment, panel: PanelResult, justifications: dict[int, list[str]] | None = None
) -> dict[str, Any]:
    unit = assessment.unit
    breakdown = dict(panel.breakdown)
    given = (justifications or {}).get(assessment.pk, [])
    if len(given) == len(breakdown.get("adjustments") or []):
        breakdown["justifications"] = given
    return {
        "period_id": assessment.period_id,
        "unit_id": unit.pk,
        "province_id": unit.province_id,
        "unit_type_id": unit.unit_type_id,
        "cohort": unit.unit_type.cohort,
        "total": panel.total,
        "base_total": Decimal(str(panel.breakdown.get("base_total", panel.total))),
        "full_count": _full_count(panel.scores),
        "predicate": panel.predicate,
        "vetoed": panel.vetoed,
        "breakdown": breakdown,
        "scores": panel.scores,
    }


def _notify_units(assessments: Sequence[Assessment], title: Callable[[Assessment], str]) -> None:
    """Tell each unit's operators and head, and its Kanwil, about its result (people read in two queries)."""
    unit_ids = {a.unit_id for a in assessments}
    ancestor_ids = {int(p) for a in assessments for p in a.unit.path.split("/") if p.isdigit()} - unit_ids
    own: dict[int | None, list[Any]] = defaultdict(list)
    kanwil: dict[int | None, list[Any]] = defaultdict(list)
    for ra in RoleAssignment.objects.filter(
        user__is_active=True, role__in=[Role.OPERATOR, Role.KEPALA_UNIT], unit_id__in=unit_ids
    ).select_related("user"):
        own[ra.unit_id].append(ra.user)
    for ra in RoleAssignment.objects.filter(
        user__is_active=True, role=Role.KANWIL, unit_id__in=ancestor_ids | unit_ids
    ).select_related("user"):
        kanwil[ra.unit_id].append(ra.user)
    items: list[tuple[Any, str, str, str]] = []
    for a in assessments:
        people = {u.pk: u for u in own[a.unit_id]}
        for ancestor in (int(p) for p in a.unit.path.split("/") if p.isdigit()):
            people.update({u.pk: u for u in kanwil[ancestor]})
        url = f"/hasil/{a.period.year}/{a.unit.code}/"
        items.extend((person, title(a), "", url) for person in people.values())
    notify_many(items)


# ---------------------------------------------------------------- determination


@transaction.atomic
def determine(
    *,
    actor: Any,
    period: Period,
    decree_number: str,
    decree_date: Any,
    signatory_name: str,
    signatory_title: str,
    expected_count: int | None = None,
) -> Determination:
    """Record the decree and freeze every scored result of the period: ranked per cohort and province, the
    assessments *determined*, certificates issued to the awarded units, follow-up actions proposed.

    ``expected_count`` is the number of scored units the reviewer saw: if it changed meanwhile, the
    determination is refused so nobody determines a list they did not review."""
    _require(actor, Action.RESULTS_DETERMINE, message=_("Only Ditjen HAM determines the results."))
    period = Period.objects.select_for_update().get(pk=period.pk)
    if Determination.objects.filter(period=period).exists():
        raise AlreadyDetermined(
            _("The results of %(year)s are already determined; correct named units by re-determination.")
            % {"year": period.year}
        )
    number, date = _decree(decree_number, decree_date)
    errors: dict[str, list[str]] = {}
    signatory_name = (signatory_name or "").strip()
    signatory_title = (signatory_title or "").strip()
    if not signatory_name:
        errors["signatory_name"] = [_("Enter who signed the decree.")]
    if not signatory_title:
        errors["signatory_title"] = [_("Enter the signatory's position.")]
    if errors:
        raise ValidationError(errors)
    assessments = list(
        Assessment.objects.select_for_update(of=("self",))
        .filter(period=period, status=S.SCORED)
        .select_related("unit__unit_type", "unit__province", "period", "panel_result")
        .order_by("pk")
    )
    if not assessments:
        raise TransitionError(_("No assessment of %(year)s has been scored yet.") % {"year": period.year})
    if expected_count is not None and expected_count != len(assessments):
        raise StaleVersion(
            _(
                "The number of scored units changed since you reviewed the ranking (%(then)s, now %(now)s). "
                "Review it again."
            )
            % {"then": expected_count, "now": len(assessments)}
        )
    now = timezone.now()
    determination = Determination.objects.create(
        period=period,
        decree_number=number,
        decree_date=date,
        signatory_name=signatory_name[:120],
        signatory_title=signatory_title[:200],
        determined_by=actor,
        determined_at=now,
    )
    justifications = _justifications([a.pk for a in assessments])
    results = [
        Result(
            assessment=a,
            determination=determination,
            determined_at=now,
            rank=0,
            province_rank=0,
            **_result_from_panel(a, a.panel_result, justifications),
        )
        for a in assessments
    ]
    by_assessment = {a.pk: a for a in assessments}
    for r in results:
        r.assessment = by_assessment[r.assessment_id]
    ranks = rank(_rank_inputs(results))
    for r in results:
        r.rank, r.province_rank = ranks[r.assessment_id]
    Result.objects.bulk_create(results, batch_size=1000)
    results = list(Result.objects.filter(determination=determination).select_related("assessment", "unit"))
    awarded = [
        Certificate(result=r, code=new_certificate_code(), issued_at=now, issued_by=actor)
        for r in results
        if r.predicate
    ]
    Certificate.objects.bulk_create(awarded, batch_size=1000)
    certificates = len(awarded)
    proposed = _propose_follow_ups(results)
    _move_many(actor=actor, assessments=assessments, to=S.DETERMINED, note=number, data={"decree": number})
    audit_log(
        actor=actor,
        action="determination.create",
        target=determination,
        data={
            "period": period.year,
            "decree_number": number,
            "decree_date": date.isoformat(),
            "results": len(results),
            "awarded": certificates,
            "follow_ups": proposed,
        },
    )
    _notify_units(
        assessments,
        lambda a: _("The result of %(unit)s for %(year)s has been determined") % {"unit": a.unit, "year": period.year},
    )
    return determination


@transaction.atomic
def correction_open(*, actor: Any, result: Result, reason: str) -> Result:
    """Reopen a determined result for correction: the assessment goes back to its panel (whose chair
    corrects and finishes again); the result stays as decreed until it is re-determined."""
    _require(actor, Action.RESULTS_DETERMINE, message=_("Only Ditjen HAM corrects determined results."))
    reason = _text(reason, field="reason")
    result = Result.objects.select_for_update(of=("self",)).select_related("assessment").get(pk=result.pk)
    if result.correction_opened_at is not None:
        raise TransitionError(_("This result is already open for correction."))
    assessment = _lock(result.assessment)
    panel = PanelResult.objects.filter(assessment=assessment).first()
    ResultRevision.objects.create(
        result=result,
        kind=ResultRevision.Kind.REOPEN,
        reason=reason,
        before={
            **_snapshot(result),
            "panel": {
                "total": str(panel.total),
                "predicate": panel.predicate,
                "scored_by": panel.scored_by_id,
                "scored_at": panel.scored_at.isoformat(),
            }
            if panel
            else None,
        },
        actor=actor,
    )
    if panel is not None:
        panel.delete()  # the chair finishes the panel again; its earlier result is kept in the revision
    result.correction_opened_at = timezone.now()
    result.save(update_fields=["correction_opened_at"])
    _move(actor=actor, assessment=assessment, to=S.IN_PANEL, note=reason, data={"result": result.pk})
    chairs = [p.assessor for p in assessment.panel.filter(chair=True).select_related("assessor")]
    for person in chairs:
        notify(
            recipient=person,
            title=_("Ditjen HAM reopened the result of %(unit)s for correction") % {"unit": assessment.unit},
            body=reason,
            url=f"/penilaian/{assessment.period.year}/{assessment.unit.code}/panel/",
        )
    return result


@transaction.atomic
def redetermine(
    *,
    actor: Any,
    period: Period,
    assessments: Sequence[Assessment],
    decree_number: str,
    decree_date: Any,
    reason: str,
) -> list[Result]:
    """Determine again the named units (reopened results corrected by their panel, or units scored after
    the decree) by an amending decree. Each change is kept as a revision with before and after; ranks of
    their cohorts are recomputed; certificates follow the predicate (revoked when lost, issued when won)."""
    _require(actor, Action.RESULTS_DETERMINE, message=_("Only Ditjen HAM determines the results."))
    determination = Determination.objects.filter(period=period).first()
    if determination is None:
        raise TransitionError(_("The results of %(year)s have not been determined yet.") % {"year": period.year})
    number, date = _decree(decree_number, decree_date)
    reason = _text(reason, field="reason")
    if not assessments:
        raise ValidationError({"units": [_("Choose the units to determine again.")]})
    locked = list(
        Assessment.objects.select_for_update(of=("self",))
        .filter(pk__in=[a.pk for a in assessments], period=period)
        .select_related("unit__unit_type", "unit__province", "period", "panel_result")
        .order_by("pk")
    )
    not_ready = [a.unit.name for a in locked if a.status != S.SCORED]
    if not_ready or len(locked) != len(assessments):
        raise TransitionError(
            _("Only units whose panel has scored them again can be determined again: %(units)s.")
            % {"units": ", ".join(not_ready) or "—"}
        )
    now = timezone.now()
    existing = {
        r.assessment_id: r for r in Result.objects.select_for_update(of=("self",)).filter(assessment__in=locked)
    }
    changed: list[Result] = []
    cohorts: set[str] = set()
    justifications = _justifications([a.pk for a in locked])
    certificate_changes: dict[int, dict[str, Any]] = {}
    for a in locked:
        values = _result_from_panel(a, a.panel_result, justifications)
        result = existing.get(a.pk)
        before = _snapshot(result) if result else {}
        if result is None:
            result = Result(assessment=a, determination=determination, determined_at=now, rank=0, province_rank=0)
        else:
            cohorts.add(result.cohort)  # the cohort it leaves (its unit type may have moved) is ranked again too
        for field, value in values.items():
            setattr(result, field, value)
        result.revision = (result.revision or 0) + 1
        result.correction_opened_at = None
        result.determined_at = now
        result.save()
        result.assessment = a
        cohorts.add(result.cohort)
        changed.append(result)
        _move(actor=actor, assessment=a, to=S.DETERMINED, note=reason, data={"decree": number, "redetermination": True})
        change: dict[str, Any] = {}
        if result.predicate and result.revoked_at is None:
            had = Certificate.objects.filter(result=result, revoked_at__isnull=True).first()
            issued = _issue_certificate(result, actor, now)
            if had is None:
                change["issued"] = issued.code
        elif not result.predicate:
            for cert in Certificate.objects.select_for_update().filter(result=result, revoked_at__isnull=True):
                cert.revoked_at, cert.revoked_by = now, actor
                with translation.override("id"):
                    cert.revoke_reason = _("Re-determined by decree %(number)s: %(reason)s") % {
                        "number": number,
                        "reason": reason,
                    }
                cert.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
                change.setdefault("revoked", []).append(cert.code)
        certificate_changes[result.pk] = change
        ResultRevision.objects.create(
            result=result,
            kind=ResultRevision.Kind.REDETERMINE,
            reason=reason,
            decree_number=number,
            decree_date=date,
            before=before,
            after=_snapshot(result),
            actor=actor,
        )
    moved = _rerank(period, cohorts)
    for result in changed:
        result.refresh_from_db(fields=["rank", "province_rank"])
        revision = result.revisions.filter(kind=ResultRevision.Kind.REDETERMINE).last()
        if revision is not None:
            revision.after = _snapshot(result)
            revision.save(update_fields=["after"])
        audit_log(
            actor=actor,
            action="determination.redetermine",
            target=result,
            unit=result.assessment.unit,
            data={
                "decree_number": number,
                "decree_date": date.isoformat(),
                "reason": reason,
                "before": {
                    k: v for k, v in (revision.before if revision else {}).items() if k not in ("breakdown", "scores")
                },
                "after": {k: v for k, v in _snapshot(result).items() if k not in ("breakdown", "scores")},
                "ranks_moved": {str(k): list(v) for k, v in moved.items()},
                "certificates": certificate_changes.get(result.pk, {}),
            },
        )
    proposed = _propose_follow_ups(changed)
    dismissed = _dismiss_met_follow_ups(changed, actor=actor, number=number)
    audit_log(
        actor=actor,
        action="determination.redetermine.follow_ups",
        target=determination,
        data={"decree_number": number, "proposed": proposed, "dismissed": dismissed},
    )
    _notify_units(
        [r.assessment for r in changed],
        lambda a: (
            _("The result of %(unit)s for %(year)s has been determined again") % {"unit": a.unit, "year": period.year}
        ),
    )
    return changed


@transaction.atomic
def certificate_revoke(*, actor: Any, certificate: Certificate, reason: str) -> Certificate:
    """Revoke a predicate: the certificate answers *revoked* (with the date) on the public page from now on."""
    _require(actor, Action.RESULTS_DETERMINE, message=_("Only Ditjen HAM revokes a predicate."))
    reason = _text(reason, field="reason")
    certificate = Certificate.objects.select_for_update().select_related("result__unit").get(pk=certificate.pk)
    if certificate.revoked_at is not None:
        raise TransitionError(_("This certificate was already revoked."))
    now = timezone.now()
    certificate.revoked_at, certificate.revoked_by, certificate.revoke_reason = now, actor, reason
    certificate.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    Result.objects.filter(pk=certificate.result_id).update(revoked_at=now)
    audit_log(
        actor=actor,
        action="certificate.revoke",
        target=certificate,
        unit=certificate.result.unit,
        data={"code": certificate.code, "reason": reason},
    )
    result = certificate.result
    for person in _people(result.unit, Role.OPERATOR, Role.KEPALA_UNIT) + _kanwil_people(result.unit):
        notify(
            recipient=person,
            title=_("The P2HAM predicate of %(unit)s has been revoked") % {"unit": result.unit},
            body=reason,
            url=f"/hasil/{result.period.year}/{result.unit.code}/",
        )
    return certificate


# ---------------------------------------------------------------- follow-up


def _lock_action(action: FollowUpAction, version: int | None) -> FollowUpAction:
    locked = (
        FollowUpAction.objects.select_for_update(of=("self",))
        .select_related("unit__province", "period", "result")
        .get(pk=action.pk)
    )
    if version is not None and version != locked.version:
        raise StaleVersion(_("Someone changed this follow-up action in the meantime. Reload it and try again."))
    return locked


def _follow_up_move(actor: Any, action: FollowUpAction, to: str, audit: str, data: dict[str, Any]) -> None:
    before = action.status
    action.status = to
    action.version = F("version") + 1
    action.save()
    action.refresh_from_db(fields=["version"])
    audit_log(
        actor=actor,
        action=audit,
        target=action,
        unit=action.unit,
        data={"indicator": action.indicator_code, "from": before, "to": to, **data},
    )


def _follow_up_url(action: FollowUpAction) -> str:
    return f"/tindak-lanjut/{action.pk}/"


def _check_state(action: FollowUpAction, *allowed: str) -> None:
    if action.status not in allowed:
        raise TransitionError(
            _("This follow-up action is “%(status)s”; that step is not possible now.")
            % {"status": action.get_status_display()}
        )


@transaction.atomic
def follow_up_confirm(
    *, actor: Any, action: FollowUpAction, action_text: str, due_date: Any, version: int | None = None
) -> FollowUpAction:
    """Ditjen HAM or the unit's Kanwil confirms a proposed action: what the unit must do, and by when."""
    _require(
        actor,
        Action.FOLLOWUP_MANAGE,
        action.unit,
        _("Only Ditjen HAM or the unit's Kanwil confirms follow-up actions."),
    )
    action = _lock_action(action, version)
    _check_state(action, F_.PROPOSED, F_.CONFIRMED)
    text = _text(action_text, field="action")
    if not isinstance(due_date, dt.date):
        raise ValidationError({"due_date": [_("Enter the due date.")]})
    if due_date <= timezone.localdate(timezone=action.unit.tzinfo):
        raise ValidationError({"due_date": [_("The due date must be after today.")]})
    action.action, action.due_date = text, due_date
    action.confirmed_by, action.confirmed_at = actor, timezone.now()
    _follow_up_move(actor, action, F_.CONFIRMED, "followup.confirm", {"due_date": due_date.isoformat()})
    for person in _people(action.unit, Role.OPERATOR, Role.KEPALA_UNIT):
        notify(
            recipient=person,
            title=_("Follow-up for indicator %(code)s: due %(date)s")
            % {"code": action.indicator_code, "date": due_date},
            body=text,
            url=_follow_up_url(action),
        )
    return action


@transaction.atomic
def follow_up_create(
    *, actor: Any, result: Result, indicator_code: str, finding: str, action_text: str, due_date: Any
) -> FollowUpAction:
    """Ditjen HAM or the unit's Kanwil adds a follow-up action of their own (e.g. from a monitoring visit) on an
    indicator of a determined result that has none yet; it starts confirmed, with the action and due date."""
    _require(
        actor, Action.FOLLOWUP_MANAGE, result.unit, _("Only Ditjen HAM or the unit's Kanwil adds follow-up actions.")
    )
    errors: dict[str, list[str]] = {}
    code = (indicator_code or "").strip()
    indicator = (
        Indicator.objects.filter(instrument=result.assessment.instrument, code=code).select_related("criterion").first()
    )
    if indicator is None:
        errors["indicator_code"] = [_("Choose an indicator of this unit's instrument.")]
    elif FollowUpAction.objects.filter(result=result, indicator_code=code).exists():
        errors["indicator_code"] = [_("Indicator %(code)s already has a follow-up action.") % {"code": code}]
    for field, value in (("finding", finding), ("action", action_text)):
        try:
            _text(value, field=field)
        except ValidationError as error:
            errors.update(error.message_dict)
    if not isinstance(due_date, dt.date):
        errors["due_date"] = [_("Enter the due date.")]
    elif due_date <= timezone.localdate(timezone=result.unit.tzinfo):
        errors["due_date"] = [_("The due date must be after today.")]
    if errors:
        raise ValidationError(errors)
    assert indicator is not None
    score = result.scores.get(code)
    try:
        score_value: Decimal | None = Decimal(score) if score is not None else None
    except (ArithmeticError, TypeError, ValueError):
        score_value = None
    now = timezone.now()
    action = FollowUpAction.objects.create(
        result=result,
        unit=result.unit,
        period=result.period,
        indicator_code=code,
        criterion_name=indicator.criterion.name,
        indicator_question=indicator.question,
        score=score_value,
        finding=finding.strip(),
        status=F_.CONFIRMED,
        action=action_text.strip(),
        due_date=due_date,
        confirmed_by=actor,
        confirmed_at=now,
    )
    audit_log(
        actor=actor,
        action="followup.create",
        target=action,
        unit=result.unit,
        data={"indicator": code, "due_date": due_date.isoformat()},
    )
    for person in _people(result.unit, Role.OPERATOR, Role.KEPALA_UNIT):
        notify(
            recipient=person,
            title=_("Follow-up for indicator %(code)s: due %(date)s") % {"code": code, "date": due_date},
            body=action.action,
            url=_follow_up_url(action),
        )
    return action


@transaction.atomic
def follow_up_dismiss(*, actor: Any, action: FollowUpAction, reason: str, version: int | None = None) -> FollowUpAction:
    """Ditjen HAM or the Kanwil decides a proposed or confirmed action is not needed (with the reason)."""
    _require(
        actor,
        Action.FOLLOWUP_MANAGE,
        action.unit,
        _("Only Ditjen HAM or the unit's Kanwil decides on follow-up actions."),
    )
    action = _lock_action(action, version)
    _check_state(action, F_.PROPOSED, F_.CONFIRMED)
    action.review_note = _text(reason, field="reason")
    action.closed_by, action.closed_at = actor, timezone.now()
    _follow_up_move(actor, action, F_.DISMISSED, "followup.dismiss", {"reason": action.review_note})
    return action


@transaction.atomic
def follow_up_report(
    *, actor: Any, action: FollowUpAction, report: str, files: Sequence[Any] = (), version: int | None = None
) -> FollowUpAction:
    """The unit reports what it did, with evidence; the Kanwil is asked to verify."""
    _require(actor, Action.FOLLOWUP_REPORT, action.unit, _("Only the unit itself reports on its follow-up actions."))
    action = _lock_action(action, version)
    _check_state(action, F_.CONFIRMED)
    text = _text(report, field="report")
    files = [f for f in files if f]
    have = action.evidence.count()
    if have + len(files) > FOLLOW_UP_FILES_MAX:
        raise ValidationError({"files": [_("At most %(n)s files per follow-up action.") % {"n": FOLLOW_UP_FILES_MAX}]})
    if not files and not have:
        raise ValidationError({"files": [_("Attach at least one file showing what was done.")]})
    checked = [
        (f, check_upload(f, allowed=FOLLOW_UP_FILE_KINDS, max_bytes=FOLLOW_UP_FILE_MB * 1024 * 1024)) for f in files
    ]
    stored: list[str] = []
    try:
        for f, c in checked:
            name = store_private(f, folder=f"follow-ups/{action.period.year}/{action.unit.code}", checked=c)
            stored.append(name)
            FollowUpEvidence.objects.create(
                action=action,
                storage_name=name,
                original_name=c.original_name[:200],
                kind=c.kind,
                size=c.size,
                sha256=c.sha256,
                uploaded_by=actor,
            )
        action.report, action.reported_by, action.reported_at = text, actor, timezone.now()
        _follow_up_move(actor, action, F_.REPORTED, "followup.report", {"files": len(stored)})
    except BaseException:
        from django.core.files.storage import default_storage

        for name in stored:
            default_storage.delete(name)
        raise
    for person in _kanwil_people(action.unit):
        notify(
            recipient=person,
            title=_("%(unit)s reported on follow-up %(code)s") % {"unit": action.unit, "code": action.indicator_code},
            url=_follow_up_url(action),
        )
    return action


@transaction.atomic
def follow_up_review(
    *, actor: Any, action: FollowUpAction, accept: bool, note: str = "", version: int | None = None
) -> FollowUpAction:
    """The Kanwil (or Ditjen HAM) verifies the unit's report: closes the action, or sends it back with a note."""
    _require(
        actor,
        Action.FOLLOWUP_MANAGE,
        action.unit,
        _("Only Ditjen HAM or the unit's Kanwil verifies follow-up reports."),
    )
    action = _lock_action(action, version)
    _check_state(action, F_.REPORTED)
    action.review_note = _text(note, field="note", required=not accept)
    if accept:
        action.closed_by, action.closed_at = actor, timezone.now()
        _follow_up_move(actor, action, F_.CLOSED, "followup.close", {"note": action.review_note})
        title = _("Follow-up %(code)s was verified and closed") % {"code": action.indicator_code}
    else:
        _follow_up_move(actor, action, F_.CONFIRMED, "followup.send_back", {"note": action.review_note})
        title = _("Follow-up %(code)s needs more work") % {"code": action.indicator_code}
    for person in _people(action.unit, Role.OPERATOR, Role.KEPALA_UNIT):
        notify(recipient=person, title=title, body=action.review_note, url=_follow_up_url(action))
    return action


__all__ = [
    "FOLLOW_UP_OPEN",
    "AlreadyDetermined",
    "certificate_revoke",
    "correction_open",
    "determine",
    "follow_up_confirm",
    "follow_up_create",
    "follow_up_dismiss",
    "follow_up_report",
    "follow_up_review",
    "new_certificate_code",
    "redetermine",
]
