"""Writes of stage 7, the panel (Tim Penilai): each assessor scores the verified indicators independently and
submits; the chair moderates where the assessors disagree, records adjustments, a veto and field visits, and
finishes — the assessment is then *scored* with the scoring engine's breakdown stored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from p2ham.accounts.models import Role
from p2ham.assessments.models import Assessment
from p2ham.assessments.services import NOTE_MAX, StaleVersion, _indicator, _lock, _move, clean_file_name
from p2ham.audit.services import audit_log
from p2ham.core.files import check_upload, store_private
from p2ham.core.templatetags.p2ham import local_datetime
from p2ham.instruments.models import AnswerOption
from p2ham.notifications.services import notify
from p2ham.periods.services import TransitionError
from p2ham.reviews import selectors
from p2ham.reviews.models import (
    Adjustment,
    AdjustmentKind,
    AdjustmentRule,
    FieldVisit,
    FieldVisitChange,
    FieldVisitPhoto,
    ModeratedScore,
    PanelAssignment,
    PanelResult,
    PanelScore,
    Verdict,
    Verification,
    Veto,
)
from p2ham.reviews.services import _ensure_no_conflict, _panel_url

S = Assessment.Status
MB = 1024 * 1024
DOCUMENT_KINDS = ("pdf", "jpeg", "png", "webp", "docx", "xlsx")
PHOTO_KINDS = ("jpeg", "png", "webp")
MAX_DOCUMENT_MB = 20
MAX_PHOTOS = 10


def _lock_seat(actor: Any, assessment: Assessment, *, chair: bool = False) -> tuple[Assessment, PanelAssignment]:
    """Lock the assessment for a panel write by ``actor``: an active seat (the chair's, if asked) and the
    assessment with the panel (verified but not yet scored)."""
    seat = selectors.panel_seat(actor, assessment)
    if seat is None:
        raise PermissionDenied(_("Only the assessors of this panel score this assessment."))
    if chair and not seat.chair:
        raise PermissionDenied(_("Only the chair of the panel can do this."))
    # A role taken in the unit's regional subtree after seating disqualifies as much as one before.
    _ensure_no_conflict(actor, assessment)
    assessment = _lock(assessment)
    if assessment.status != S.IN_PANEL:
        if assessment.status in (S.IN_VERIFICATION, S.RETURNED, S.VERIFIED):
            raise TransitionError(_("The panel scores an assessment once it is verified and its panel is complete."))
        raise TransitionError(
            _("This assessment is not with the panel (status: %(status)s).")
            % {"status": assessment.get_status_display()}
        )
    seat = PanelAssignment.objects.select_for_update(of=("self",)).get(pk=seat.pk)
    return assessment, seat


def _verified(assessment: Assessment, code: str) -> Verification:
    verification = Verification.objects.filter(assessment=assessment, indicator_code=code).first()
    if verification is None or not verification.final:
        raise TransitionError(_("Indicator %(code)s has not been verified.") % {"code": code})
    if verification.verdict == Verdict.NOT_APPLICABLE:
        raise TransitionError(
            _("Indicator %(code)s was accepted as not applicable; it is not scored.") % {"code": code}
        )
    return verification


def _option(indicator: Any, option_id: int | None) -> AnswerOption:
    option = (
        AnswerOption.objects.filter(pk=option_id, scale_id=indicator.scale_id).first()
        if option_id is not None
        else None
    )
    if option is None:
        raise ValidationError({"option": [_("Choose one of the answers offered for this indicator.")]})
    return option


def _clean_note(note: str, *, required: bool = False, field: str = "note") -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({field: [_("This note is required.")]})
    if len(note) > NOTE_MAX:
        raise ValidationError({field: [_("The note is longer than %(n)s characters.") % {"n": NOTE_MAX}]})
    return note


@transaction.atomic
def panel_score_save(
    *,
    actor: Any,
    assessment: Assessment,
    indicator_code: str,
    option_id: int | None,
    note: str = "",
    version: int | None = None,
) -> PanelScore:
    """An assessor's own score of one verified indicator; ``version`` is the score's version they saw (0: none)."""
    assessment, seat = _lock_seat(actor, assessment)
    if seat.submitted_at is not None:
        raise TransitionError(_("You have submitted your scores; they can no longer change."))
    indicator = _indicator(assessment, indicator_code)
    _verified(assessment, indicator.code)
    option = _option(indicator, option_id)
    note = _clean_note(note)
    score = (
        PanelScore.objects.select_for_update(of=("self",))
        .select_related("option")
        .filter(assignment=seat, indicator_code=indicator.code)
        .first()
    )
    if version is not None and version != (score.version if score else 0):
        if score is None:
            raise StaleVersion(_("This score changed meanwhile. Reload the page and try again."))
        raise StaleVersion(
            _("You saved this score in another window at %(when)s: “%(answer)s”. That is shown; this was not saved.")
            % {"when": local_datetime(score.updated_at, assessment.unit), "answer": score.option.label},
            current=score,
        )
    if score is None:
        score = PanelScore(assignment=seat, indicator_code=indicator.code, option=option, note=note, version=0)
    elif score.option_id == option.pk and score.note == note:
        return score
    score.option, score.note = option, note
    score.version += 1
    score.save()
    audit_log(
        actor=actor,
        action="panel.score.save",
        target=assessment,
        unit=assessment.unit,
        data={"indicator": indicator.code, "option": option.label, "score": str(option.score)},
    )
    return score


@transaction.atomic
def panel_submit(*, actor: Any, assessment: Assessment) -> PanelAssignment:
    """An assessor submits their scores (every verified indicator scored); then they see the others'."""
    assessment, seat = _lock_seat(actor, assessment)
    if seat.submitted_at is not None:
        raise TransitionError(_("You have already submitted your scores."))
    needed = set(
        Verification.objects.filter(
            assessment=assessment, verdict__in=[Verdict.ACCEPTED, Verdict.REJECTED]
        ).values_list("indicator_code", flat=True)
    )
    scored = set(PanelScore.objects.filter(assignment=seat).values_list("indicator_code", flat=True))
    missing = sorted(needed - scored)
    if missing:
        raise ValidationError(
            _("Score every verified indicator first: %(n)s left (%(codes)s).")
            % {"n": len(missing), "codes": ", ".join(missing[:10])},
            code="incomplete",
        )
    seat.submitted_at = timezone.now()
    seat.save(update_fields=["submitted_at"])
    audit_log(actor=actor, action="panel.submit", target=assessment, unit=assessment.unit, data={"seat": seat.pk})
    panel = selectors.active_panel(assessment)
    if all(s.submitted_at is not None for s in panel):
        chair = next((s for s in panel if s.chair), None)
        if chair is not None:
            notify(
                recipient=chair.assessor,
                title=_("%(unit)s: every assessor has submitted; the panel awaits your moderation")
                % {"unit": assessment.unit},
                url=_panel_url(assessment),
            )
    return seat


def _ready_for_chair(assessment: Assessment) -> None:
    panel = selectors.active_panel(assessment)
    waiting = [s.assessor.full_name for s in panel if s.submitted_at is None]
    if waiting:
        raise TransitionError(
            _("The chair moderates once every assessor has submitted; still waiting for: %(names)s.")
            % {"names": ", ".join(waiting)}
        )


@transaction.atomic
def panel_moderate(
    *,
    actor: Any,
    assessment: Assessment,
    indicator_code: str,
    option_id: int | None,
    note: str,
    version: int | None = None,
) -> ModeratedScore:
    """The chair sets the final value of an indicator on which the assessors disagree, with a note."""
    assessment, _seat = _lock_seat(actor, assessment, chair=True)
    _ready_for_chair(assessment)
    indicator = _indicator(assessment, indicator_code)
    _verified(assessment, indicator.code)
    option = _option(indicator, option_id)
    note = _clean_note(note, required=True)
    current = (
        ModeratedScore.objects.select_for_update(of=("self",))
        .select_related("option", "set_by")
        .filter(assessment=assessment, indicator_code=indicator.code)
        .first()
    )
    if version is not None and version != (current.version if current else 0):
        if current is None:
            raise StaleVersion(_("This value changed meanwhile. Reload the page and try again."))
        raise StaleVersion(
            _("%(who)s set this value at %(when)s: “%(answer)s”. Their change is shown; yours was not saved.")
            % {
                "who": current.set_by.full_name,
                "when": local_datetime(current.updated_at, assessment.unit),
                "answer": current.option.label,
            },
            current=current,
        )
    if current is None:
        current = ModeratedScore(assessment=assessment, indicator_code=indicator.code, version=0)
    current.option, current.note, current.set_by = option, note, actor
    current.version += 1
    current.save()
    audit_log(
        actor=actor,
        action="panel.moderate",
        target=assessment,
        unit=assessment.unit,
        data={"indicator": indicator.code, "option": option.label, "score": str(option.score), "note": note},
    )
    return current


def _points(raw: Any) -> Decimal:
    try:
        points = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({"points": [_("Enter the points as a number, e.g. 2.5 or -3.")]}) from None
    if not points.is_finite() or points != points.quantize(Decimal("0.01")):
        raise ValidationError({"points": [_("Enter the points with at most two decimals.")]})
    return points


def _store_document(uploaded: Any, *, assessment: Assessment, kinds: tuple[str, ...], folder: str) -> tuple[str, Any]:
    checked = check_upload(uploaded, allowed=kinds, max_bytes=MAX_DOCUMENT_MB * MB)
    return store_private(
        uploaded, folder=f"{folder}/{assessment.period.year}/{assessment.unit_id}", checked=checked
    ), checked


def adjustment_add(
    *,
    actor: Any,
    assessment: Assessment,
    kind: str,
    points: Any,
    justification: str,
    document: Any = None,
) -> Adjustment:
    """The chair records a bonus or penalty within the kind's configured range, justified, with an optional
    document (checked by content, stored privately)."""
    errors: dict[str, list[str]] = {}
    if kind not in AdjustmentKind.values:
        errors["kind"] = [_("Choose the kind of adjustment.")]
    try:
        value = _points(points)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        value = Decimal(0)
    justification = (justification or "").strip()
    if not justification:
        errors["justification"] = [_("Justify the adjustment.")]
    if not errors:
        rule = AdjustmentRule.objects.filter(kind=kind).first()
        if rule is None:
            errors["kind"] = [_("This kind of adjustment has no configured range; ask the administrator.")]
        elif not rule.min_points <= value <= rule.max_points:
            errors["points"] = [
                _("%(kind)s may carry from %(min)s to %(max)s points.")
                % {"kind": AdjustmentKind(kind).label, "min": rule.min_points, "max": rule.max_points}
            ]
        elif value == 0:
            errors["points"] = [_("An adjustment of 0 points changes nothing.")]
    if errors:
        raise ValidationError(errors)
    if selectors.panel_seat(actor, assessment) is None:
        raise PermissionDenied(_("Only the assessors of this panel score this assessment."))
    stored, checked = ("", None)
    if document is not None:
        stored, checked = _store_document(document, assessment=assessment, kinds=DOCUMENT_KINDS, folder="adjustments")
    try:
        with transaction.atomic():
            assessment, _seat = _lock_seat(actor, assessment, chair=True)
            adjustment = Adjustment.objects.create(
                assessment=assessment,
                kind=kind,
                points=value,
                justification=justification[:NOTE_MAX],
                document_name=stored,
                document_original=clean_file_name(checked.original_name) if checked else "",
                document_kind=checked.kind if checked else "",
                created_by=actor,
            )
            audit_log(
                actor=actor,
                action="panel.adjustment.add",
                target=assessment,
                unit=assessment.unit,
                data={"adjustment": adjustment.pk, "kind": kind, "points": str(value), "document": bool(stored)},
            )
    except BaseException:
        if stored:
            default_storage.delete(stored)
        raise
    return adjustment


@transaction.atomic
def adjustment_remove(*, actor: Any, adjustment: Adjustment) -> Adjustment:
    """The chair withdraws an adjustment (kept in the record, no longer counted)."""
    assessment, _seat = _lock_seat(actor, adjustment.assessment, chair=True)
    adjustment = Adjustment.objects.select_for_update(of=("self",)).get(pk=adjustment.pk)
    if adjustment.removed_at is not None:
        raise TransitionError(_("This adjustment was already withdrawn."))
    adjustment.removed_at, adjustment.removed_by = timezone.now(), actor
    adjustment.save(update_fields=["removed_at", "removed_by"])
    audit_log(
        actor=actor,
        action="panel.adjustment.remove",
        target=assessment,
        unit=assessment.unit,
        data={"adjustment": adjustment.pk, "kind": adjustment.kind, "points": str(adjustment.points)},
    )
    return adjustment


@transaction.atomic
def veto_set(*, actor: Any, assessment: Assessment, reasons: str) -> Veto:
    """The chair strikes the unit out (coret): it gets no predicate whatever its score."""
    reasons = _clean_note(reasons, required=True, field="reasons")
    assessment, _seat = _lock_seat(actor, assessment, chair=True)
    veto, created = Veto.objects.update_or_create(
        assessment=assessment, defaults={"reasons": reasons, "created_by": actor}
    )
    audit_log(
        actor=actor,
        action="panel.veto.set" if created else "panel.veto.change",
        target=assessment,
        unit=assessment.unit,
        data={"reasons": reasons},
    )
    return veto


@transaction.atomic
def veto_remove(*, actor: Any, assessment: Assessment) -> None:
    """The chair lifts the veto before the panel finishes."""
    assessment, _seat = _lock_seat(actor, assessment, chair=True)
    deleted, _rows = Veto.objects.filter(assessment=assessment).delete()
    if not deleted:
        raise TransitionError(_("This unit has not been struck out."))
    audit_log(actor=actor, action="panel.veto.remove", target=assessment, unit=assessment.unit, data={})


def field_visit_record(
    *,
    actor: Any,
    assessment: Assessment,
    visited_on: dt.date | None,
    participants: str,
    findings: str,
    photos: list[Any] | None = None,
    changes: list[tuple[str, int | None, str]] | None = None,
) -> FieldVisit:
    """The chair records a field visit (uji petik): date, who, findings, photos, and any verified answers it
    changed — each with a note."""
    errors: dict[str, list[str]] = {}
    if visited_on is None:
        errors["visited_on"] = [_("Give the date of the visit.")]
    elif visited_on > timezone.localdate(timezone=assessment.unit.province.tzinfo):
        errors["visited_on"] = [_("A visit cannot be recorded before it has happened.")]
    participants, findings = (participants or "").strip(), (findings or "").strip()
    if not participants:
        errors["participants"] = [_("Say who took part in the visit.")]
    if not findings:
        errors["findings"] = [_("Write down what the visit found.")]
    photos = photos or []
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("Attach at most %(n)s photos.") % {"n": MAX_PHOTOS}]
    for code, _option_id, note in changes or []:
        if not (note or "").strip():
            errors.setdefault("changes", []).append(_("Explain the change to indicator %(code)s.") % {"code": code})
    if errors or visited_on is None:
        raise ValidationError(errors)
    if selectors.panel_seat(actor, assessment) is None:
        raise PermissionDenied(_("Only the assessors of this panel score this assessment."))
    stored: list[tuple[str, Any]] = []
    try:
        for photo in photos:
            stored.append(_store_document(photo, assessment=assessment, kinds=PHOTO_KINDS, folder="field-visits"))
        with transaction.atomic():
            assessment, _seat = _lock_seat(actor, assessment, chair=True)
            visit = FieldVisit.objects.create(
                assessment=assessment,
                visited_on=visited_on,
                participants=participants[:NOTE_MAX],
                findings=findings[:NOTE_MAX],
                created_by=actor,
            )
            FieldVisitPhoto.objects.bulk_create(
                [
                    FieldVisitPhoto(
                        visit=visit,
                        storage_name=name,
                        original_name=clean_file_name(checked.original_name),
                        kind=checked.kind,
                        size=checked.size,
                    )
                    for name, checked in stored
                ]
            )
            changed = []
            for code, option_id, note in changes or []:
                indicator = _indicator(assessment, code)
                verification = (
                    Verification.objects.select_for_update(of=("self",))
                    .filter(assessment=assessment, indicator_code=code)
                    .first()
                )
                if verification is None or not verification.final:
                    raise TransitionError(_("Indicator %(code)s has not been verified.") % {"code": code})
                option = _option(indicator, option_id)
                FieldVisitChange.objects.create(
                    visit=visit,
                    indicator_code=code,
                    option_before=verification.option,
                    option_after=option,
                    note=note.strip()[:NOTE_MAX],
                )
                verification.option = option
                verification.note = (f"{verification.note}\n\n" if verification.note else "") + _(
                    "Changed after the field visit of %(date)s: %(note)s"
                ) % {
                    "date": visited_on,
                    "note": note.strip(),
                }
                if verification.verdict == Verdict.NOT_APPLICABLE:
                    verification.verdict = Verdict.ACCEPTED
                verification.version += 1
                verification.save()
                changed.append({"indicator": code, "option": option.label})
            audit_log(
                actor=actor,
                action="panel.field_visit",
                target=assessment,
                unit=assessment.unit,
                data={"visit": visit.pk, "date": str(visited_on), "photos": len(stored), "changes": changed},
            )
    except BaseException:
        for name, _checked in stored:
            default_storage.delete(name)
        raise
    return visit


@transaction.atomic
def panel_finish(*, actor: Any, assessment: Assessment, note: str = "", version: int | None = None) -> PanelResult:
    """The chair closes the panel: every assessor submitted, every flagged indicator moderated (and a note when
    the totals disagree). The scoring engine's breakdown is stored and the assessment is *scored*."""
    _lock_seat(actor, assessment, chair=True)
    assessment = _lock(assessment, version)
    _ready_for_chair(assessment)
    page = selectors.panel_page(assessment=assessment, user=actor)
    if page.unmoderated:
        raise ValidationError(
            _("Set the final value of every indicator on which the assessors disagree: %(codes)s.")
            % {"codes": ", ".join(r.indicator.code for r in page.unmoderated)},
            code="unmoderated",
        )
    note = _clean_note(note)
    if page.total_flagged and not note:
        raise ValidationError(
            {
                "note": [
                    _("The assessors' totals differ by more than %(n)s points: explain the final result.")
                    % {"n": page.margin_total}
                ]
            }
        )
    breakdown = selectors.panel_breakdown(page)
    veto = Veto.objects.filter(assessment=assessment).first()
    answers = selectors.final_answers(page)
    result = PanelResult.objects.create(
        assessment=assessment,
        total=breakdown.total,
        predicate=breakdown.predicate and veto is None,
        vetoed=veto is not None,
        breakdown={**breakdown.as_dict(), "veto": veto.reasons if veto else None, "note": note},
        scores={code: ("not_applicable" if not isinstance(v, Decimal) else str(v)) for code, v in answers.items()},
        scored_by=actor,
        scored_at=timezone.now(),
    )
    _move(
        actor=actor,
        assessment=assessment,
        to=S.SCORED,
        note=note,
        data={"total": str(result.total), "predicate": result.predicate, "vetoed": result.vetoed},
    )
    for person in selectors.people_with_role(Role.DITJEN):
        notify(
            recipient=person,
            title=_("%(unit)s has been scored by its panel: %(total)s")
            % {"unit": assessment.unit, "total": result.total},
            url=_panel_url(assessment),
        )
    return result
