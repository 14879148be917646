"""Writes of the pencanangan: request, review, ceremony, statements, signatures and completion.

Every status change goes through ``_move`` with the one transition table; every write is audited; the
people concerned are notified after the transaction commits (``notify`` defers the e-mail).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from p2ham.accounts.models import Role, RoleAssignment, User
from p2ham.audit.services import audit_log
from p2ham.core import policy
from p2ham.core.files import check_upload, store_private
from p2ham.core.policy import Action
from p2ham.declarations.models import Declaration, DeclarationDocument, DeclarationUnit, ReviewRound, Witness
from p2ham.notifications.services import notify
from p2ham.organizations.models import Unit
from p2ham.periods.deadlines import window_state
from p2ham.periods.models import Period, Stage
from p2ham.periods.services import TransitionError

SCAN_KINDS = ("pdf", "jpeg", "png", "webp")
DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
S = Declaration.Status

# The one table of legal moves: (from, to) -> (audit action, review round kind).
TRANSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    (S.DRAFT, S.SUBMITTED): ("declaration.submit", ReviewRound.Action.SUBMIT),
    (S.RETURNED, S.SUBMITTED): ("declaration.resubmit", ReviewRound.Action.SUBMIT),
    (S.SUBMITTED, S.RETURNED): ("declaration.return", ReviewRound.Action.RETURN),
    (S.SUBMITTED, S.APPROVED): ("declaration.approve", ReviewRound.Action.APPROVE),
    (S.SUBMITTED, S.REJECTED): ("declaration.reject", ReviewRound.Action.REJECT),
    (S.APPROVED, S.COMPLETED): ("declaration.complete", ReviewRound.Action.COMPLETE),
}
EDITABLE = (S.DRAFT, S.RETURNED)


class StaleVersion(TransitionError):
    """The declaration changed since the caller read it."""


@dataclass(frozen=True)
class WitnessInput:
    name: str
    position: str
    institution: str
    kind: str


def _new_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper
    return "".join(secrets.choice(alphabet) for _ in range(10))


def _lock(declaration: Declaration, version: int | None = None) -> Declaration:
    locked = (
        Declaration.objects.select_for_update()
        .select_related("period", "requester_unit__province")
        .get(pk=declaration.pk)
    )
    if version is not None and version != locked.version:
        raise StaleVersion(_("Someone changed this declaration in the meantime. Reload it and try again."))
    return locked


def _requesters(declaration: Declaration) -> list[User]:
    """Who hears about the request: its author and the requesting unit's Kanwil / operators."""
    people = {declaration.created_by_id: declaration.created_by}
    for assignment in RoleAssignment.objects.filter(
        unit=declaration.requester_unit, role__in=[Role.KANWIL, Role.OPERATOR]
    ).select_related("user"):
        people[assignment.user_id] = assignment.user
    return list(people.values())


def _check_fields(
    *,
    period: Period,
    requester_unit: Unit,
    planned_date: dt.date,
    planned_venue: str,
    declarer_name: str,
    declarer_position: str,
    witnesses: list[WitnessInput],
) -> None:
    errors: dict[str, list[str]] = {}
    today = timezone.localtime(timezone.now(), requester_unit.province.tzinfo).date()
    if planned_date < today:
        errors["planned_date"] = [_("The planned date cannot be in the past.")]
    if not planned_venue.strip():
        errors["planned_venue"] = [_("Say where the ceremony will be held.")]
    if not declarer_name.strip():
        errors["declarer_name"] = [_("Give the name of the person who declares.")]
    if not declarer_position.strip():
        errors["declarer_position"] = [_("Give the position of the person who declares.")]
    for index, witness in enumerate(witnesses):
        if not witness.name.strip():
            errors.setdefault("witnesses", []).append(_("Witness %(n)s has no name.") % {"n": index + 1})
        if witness.kind not in Witness.Kind.values:
            errors.setdefault("witnesses", []).append(_("Witness %(n)s has an unknown kind.") % {"n": index + 1})
    if errors:
        raise ValidationError(errors)


def _check_units(*, actor: Any, period: Period, requester_unit: Unit, units: list[Unit], exclude: int | None) -> None:
    if not units:
        raise ValidationError({"units": [_("Choose at least one participating unit.")]})
    outside = [
        u.name
        for u in units
        if not u.is_in_subtree_of(requester_unit)
        or not policy.can(actor, Action.DECLARATION_REQUEST, u)
        or not u.active
    ]
    if outside:
        raise ValidationError(
            {
                "units": [
                    _("Not under the requesting unit, inactive, or not yours: %(names)s.")
                    % {"names": ", ".join(sorted(outside))}
                ]
            }
        )
    taken = DeclarationUnit.objects.filter(period=period, unit__in=units, active=True)
    if exclude is not None:
        taken = taken.exclude(declaration_id=exclude)
    names = sorted(taken.values_list("unit__name", flat=True))
    if names:
        raise ValidationError(
            {"units": [_("Already in another declaration of this period: %(names)s.") % {"names": ", ".join(names)}]}
        )


def _set_units_and_witnesses(declaration: Declaration, units: list[Unit], witnesses: list[WitnessInput]) -> None:
    DeclarationUnit.objects.filter(declaration=declaration).exclude(unit__in=units).delete()
    existing = set(declaration.units.values_list("unit_id", flat=True))
    try:
        with transaction.atomic():
            DeclarationUnit.objects.bulk_create(
                DeclarationUnit(
                    declaration=declaration, unit=u, period=declaration.period, verification_code=_new_code()
                )
                for u in units
                if u.pk not in existing
            )
    except IntegrityError:  # a concurrent request took one of the units
        raise ValidationError({"units": [_("One of these units was just added to another declaration.")]}) from None
    Witness.objects.filter(declaration=declaration, assigned_by_ditjen=False).delete()
    Witness.objects.bulk_create(
        Witness(
            declaration=declaration,
            name=w.name.strip(),
            position=w.position.strip(),
            institution=w.institution.strip(),
            kind=w.kind,
        )
        for w in witnesses
    )


# Units that request a declaration for themselves and the units below them (cohorts are data on UnitType).
REQUESTER_COHORTS = frozenset({"kanwil", "pusat", "pemda"})


@transaction.atomic
def declaration_create(
    *,
    actor: Any,
    period: Period,
    requester_unit: Unit,
    units: list[Unit],
    planned_date: dt.date,
    planned_venue: str,
    declarer_name: str,
    declarer_position: str,
    witnesses: list[WitnessInput],
    cover_letter: Any = None,
) -> Declaration:
    """Prepare a request (draft) for the open period, with its cover letter if one is uploaded; audited."""
    if not policy.can(actor, Action.DECLARATION_REQUEST, requester_unit):
        raise ValidationError({"requester_unit": [_("You cannot request a declaration for this unit.")]})
    if requester_unit.unit_type.cohort not in REQUESTER_COHORTS:
        raise ValidationError(
            {"requester_unit": [_("A Kanwil or a central unit requests the declaration for the units below it.")]}
        )
    period = Period.objects.select_for_update().get(pk=period.pk)
    if period.status != Period.Status.OPEN:
        raise TransitionError(_("Declarations are made only while the period is open."))
    window = period.windows.filter(stage=Stage.PENCANANGAN).first()
    if window is not None:
        state = window_state(
            stage=window.stage,
            opens_at=window.opens_at,
            closes_at=window.closes_at,
            tz=requester_unit.province.tzinfo,
            now=timezone.now(),
        )
        if state.status == "closed":
            raise TransitionError(_("The declaration stage of this period has closed."))
    _check_fields(
        period=period,
        requester_unit=requester_unit,
        planned_date=planned_date,
        planned_venue=planned_venue,
        declarer_name=declarer_name,
        declarer_position=declarer_position,
        witnesses=witnesses,
    )
    _check_units(actor=actor, period=period, requester_unit=requester_unit, units=units, exclude=None)
    checked_letter = (
        check_upload(cover_letter, allowed=("pdf", "docx"), max_bytes=DOCUMENT_MAX_BYTES) if cover_letter else None
    )
    declaration = Declaration.objects.create(
        period=period,
        requester_unit=requester_unit,
        created_by=actor,
        planned_date=planned_date,
        planned_venue=planned_venue.strip(),
        declarer_name=declarer_name.strip(),
        declarer_position=declarer_position.strip(),
    )
    _set_units_and_witnesses(declaration, units, witnesses)
    if cover_letter is not None:
        _store_document(declaration, actor, DeclarationDocument.Kind.COVER_LETTER, cover_letter, checked_letter)
    audit_log(
        actor=actor,
        action="declaration.create",
        target=declaration,
        unit=requester_unit,
        data={"units": [u.code for u in units], "planned_date": planned_date.isoformat()},
    )
    return declaration


@transaction.atomic
def declaration_update(
    *,
    actor: Any,
    declaration: Declaration,
    version: int,
    units: list[Unit],
    planned_date: dt.date,
    planned_venue: str,
    declarer_name: str,
    declarer_position: str,
    witnesses: list[WitnessInput],
) -> Declaration:
    """Change a draft or returned request; refused when someone else changed it first. Audited."""
    if not policy.can(actor, Action.DECLARATION_REQUEST, declaration.requester_unit):
        raise ValidationError({"requester_unit": [_("You cannot change this request.")]})
    declaration = _lock(declaration, version)
    if declaration.status not in EDITABLE:
        raise TransitionError(_("Only a draft or a returned request can be changed."))
    _check_fields(
        period=declaration.period,
        requester_unit=declaration.requester_unit,
        planned_date=planned_date,
        planned_venue=planned_venue,
        declarer_name=declarer_name,
        declarer_position=declarer_position,
        witnesses=witnesses,
    )
    _check_units(
        actor=actor,
        period=declaration.period,
        requester_unit=declaration.requester_unit,
        units=units,
        exclude=declaration.pk,
    )
    declaration.planned_date, declaration.planned_venue = planned_date, planned_venue.strip()
    declaration.declarer_name, declaration.declarer_position = declarer_name.strip(), declarer_position.strip()
    declaration.version += 1
    declaration.save()
    _set_units_and_witnesses(declaration, units, witnesses)
    audit_log(
        actor=actor,
        action="declaration.update",
        target=declaration,
        unit=declaration.requester_unit,
        data={"units": [u.code for u in units]},
    )
    return declaration


def _move(*, actor: Any, declaration: Declaration, to: str, note: str = "", version: int | None = None) -> Declaration:
    declaration = _lock(declaration, version)
    move = TRANSITIONS.get((declaration.status, to))
    if move is None:
        raise TransitionError(
            _("A declaration cannot go from “%(current)s” to “%(target)s”.")
            % {"current": declaration.get_status_display(), "target": Declaration.Status(to).label}
        )
    action, round_kind = move
    before = declaration.status
    declaration.status = to
    declaration.version += 1
    if to == S.COMPLETED:
        declaration.completed_at = timezone.now()
    declaration.save()
    ReviewRound.objects.create(declaration=declaration, action=round_kind, note=note.strip(), actor=actor)
    audit_log(
        actor=actor,
        action=action,
        target=declaration,
        unit=declaration.requester_unit,
        data={"from": before, "to": to, "note": note.strip()},
    )
    return declaration


@transaction.atomic
def declaration_submit(*, actor: Any, declaration: Declaration, version: int | None = None) -> Declaration:
    """Send the request (or the revised request) to Ditjen HAM."""
    if not policy.can(actor, Action.DECLARATION_REQUEST, declaration.requester_unit):
        raise ValidationError(_("You cannot submit this request."))
    declaration = _move(actor=actor, declaration=declaration, to=S.SUBMITTED, version=version)
    for person in User.objects.filter(role_assignments__role=Role.DITJEN, is_active=True).distinct():
        notify(
            recipient=person,
            title=_("New declaration request: %(unit)s") % {"unit": declaration.requester_unit},
            url=f"/pencanangan/{declaration.pk}/",
        )
    return declaration


def _review(actor: Any) -> None:
    if not policy.can(actor, Action.DECLARATION_REVIEW):
        raise ValidationError(_("Only Ditjen HAM reviews declaration requests."))


def _tell_requesters(declaration: Declaration, title: str, body: str = "") -> None:
    for person in _requesters(declaration):
        notify(recipient=person, title=title, body=body, url=f"/pencanangan/{declaration.pk}/")


@transaction.atomic
def declaration_return(*, actor: Any, declaration: Declaration, note: str, version: int | None = None) -> Declaration:
    """Send the request back for revision with notes (the round is kept)."""
    _review(actor)
    if not note.strip():
        raise ValidationError({"note": [_("Say what needs to be revised.")]})
    declaration = _move(actor=actor, declaration=declaration, to=S.RETURNED, note=note, version=version)
    _tell_requesters(declaration, _("Declaration request returned for revision"), note.strip())
    return declaration


@transaction.atomic
def declaration_reject(*, actor: Any, declaration: Declaration, note: str, version: int | None = None) -> Declaration:
    """Refuse the request with reasons; its units become free for another request."""
    _review(actor)
    if not note.strip():
        raise ValidationError({"note": [_("Give the reasons for the rejection.")]})
    declaration = _move(actor=actor, declaration=declaration, to=S.REJECTED, note=note, version=version)
    DeclarationUnit.objects.filter(declaration=declaration).update(active=False)
    _tell_requesters(declaration, _("Declaration request rejected"), note.strip())
    return declaration


@transaction.atomic
def declaration_approve(
    *, actor: Any, declaration: Declaration, ditjen_witness: WitnessInput, note: str = "", version: int | None = None
) -> Declaration:
    """Approve the request and assign the Ditjen HAM witness."""
    _review(actor)
    if not ditjen_witness.name.strip():
        raise ValidationError({"witness_name": [_("Name the Ditjen HAM witness.")]})
    declaration = _move(actor=actor, declaration=declaration, to=S.APPROVED, note=note, version=version)
    Witness.objects.create(
        declaration=declaration,
        name=ditjen_witness.name.strip(),
        position=ditjen_witness.position.strip(),
        institution=ditjen_witness.institution.strip() or "Direktorat Jenderal HAM",
        kind=Witness.Kind.DITJEN,
        assigned_by_ditjen=True,
    )
    _tell_requesters(declaration, _("Declaration request approved"), note.strip())
    return declaration


def _store_document(declaration: Declaration, actor: Any, kind: str, uploaded: Any, checked: Any) -> None:
    name = store_private(uploaded, folder=f"declarations/{declaration.pk}", checked=checked)
    DeclarationDocument.objects.create(
        declaration=declaration,
        kind=kind,
        file=name,
        sha256=checked.sha256,
        size=checked.size,
        content_type=checked.content_type,
        original_name=checked.original_name,
        uploaded_by=actor,
    )


@transaction.atomic
def ceremony_record(
    *,
    actor: Any,
    declaration: Declaration,
    actual_date: dt.date,
    actual_venue: str,
    present: list[int],
    extra_witnesses: list[WitnessInput],
    minutes: Any,
    photos: list[Any],
    version: int | None = None,
) -> Declaration:
    """Record the ceremony after it took place: date, venue, witnesses present, minutes and photos."""
    if not policy.can(actor, Action.DECLARATION_REQUEST, declaration.requester_unit):
        raise ValidationError(_("You cannot record this ceremony."))
    declaration = _lock(declaration, version)
    if declaration.status != S.APPROVED:
        raise TransitionError(_("The ceremony is recorded once the request is approved."))
    if declaration.units.exclude(signature="").exists():
        # Signed statements name the date, place and witnesses: they cannot change underneath them.
        raise TransitionError(_("Heads of unit have already signed; the ceremony record can no longer change."))
    today = timezone.localtime(timezone.now(), declaration.requester_unit.province.tzinfo).date()
    errors: dict[str, list[str]] = {}
    if actual_date > today:
        errors["actual_date"] = [_("Record the ceremony after it has taken place.")]
    if not actual_venue.strip():
        errors["actual_venue"] = [_("Say where the ceremony was held.")]
    if minutes is None and not declaration.documents.filter(kind=DeclarationDocument.Kind.MINUTES).exists():
        errors["minutes"] = [_("Upload the minutes (berita acara).")]
    for witness in extra_witnesses:
        if not witness.name.strip():
            errors.setdefault("witnesses", []).append(_("A witness has no name."))
        if witness.kind not in Witness.Kind.values:
            errors.setdefault("witnesses", []).append(_("A witness has an unknown kind."))
    kinds_present = set(
        Witness.objects.filter(declaration=declaration, pk__in=present)
        .exclude(kind=Witness.Kind.DITJEN, assigned_by_ditjen=False)
        .values_list("kind", flat=True)
    ) | {w.kind for w in extra_witnesses if w.kind != Witness.Kind.DITJEN}
    if Witness.Kind.DITJEN not in kinds_present or Witness.Kind.FORKOPIMDA not in kinds_present:
        # Signing opens on a complete record only; otherwise the declaration could never be completed.
        errors["present"] = [_("At least the Ditjen HAM witness and one Forkopimda witness must have been present.")]
    if errors:
        raise ValidationError(errors)
    # Every file is checked before any is stored: a bad photo must not leave the minutes orphaned in storage.
    checked_minutes = (
        check_upload(minutes, allowed=("pdf", "jpeg", "png"), max_bytes=DOCUMENT_MAX_BYTES) if minutes else None
    )
    checked_photos = [
        check_upload(photo, allowed=("jpeg", "png", "webp"), max_bytes=DOCUMENT_MAX_BYTES) for photo in photos
    ]
    Witness.objects.filter(declaration=declaration).update(present=False)
    Witness.objects.filter(declaration=declaration, pk__in=present).update(present=True)
    for witness in extra_witnesses:
        Witness.objects.create(
            declaration=declaration,
            name=witness.name.strip(),
            position=witness.position.strip(),
            institution=witness.institution.strip(),
            kind=witness.kind,
            present=True,
        )
    if minutes is not None:
        _store_document(declaration, actor, DeclarationDocument.Kind.MINUTES, minutes, checked_minutes)
    for photo, checked in zip(photos, checked_photos, strict=True):
        _store_document(declaration, actor, DeclarationDocument.Kind.PHOTO, photo, checked)
    declaration.actual_date, declaration.actual_venue = actual_date, actual_venue.strip()
    declaration.ceremony_recorded_at = timezone.now()
    declaration.version += 1
    declaration.save()
    audit_log(
        actor=actor,
        action="declaration.ceremony",
        target=declaration,
        unit=declaration.requester_unit,
        data={"date": actual_date.isoformat(), "present": sorted(present), "photos": len(photos)},
    )
    # Each head of unit can now sign the statement.
    for assignment in RoleAssignment.objects.filter(
        role=Role.KEPALA_UNIT, unit__in=declaration.units.values("unit")
    ).select_related("user"):
        notify(
            recipient=assignment.user,
            title=_("Sign the declaration statement of your unit"),
            url=f"/pencanangan/{declaration.pk}/",
        )
    return declaration


def completion_problems(declaration: Declaration) -> list[str]:
    """Why the declaration cannot be completed yet (empty when it can)."""
    problems = []
    if declaration.status != S.APPROVED:
        problems.append(_("The request is not approved."))
    if declaration.ceremony_recorded_at is None:
        problems.append(_("The ceremony has not been recorded."))
    present = set(
        declaration.witnesses.filter(present=True)
        .exclude(kind=Witness.Kind.DITJEN, assigned_by_ditjen=False)  # only the witness Ditjen assigned counts
        .values_list("kind", flat=True)
    )
    if Witness.Kind.DITJEN not in present:
        problems.append(_("No Ditjen HAM witness was present."))
    if Witness.Kind.FORKOPIMDA not in present:
        problems.append(_("No Forkopimda witness was present."))
    unsigned = sorted(declaration.units.filter(signature="").values_list("unit__name", flat=True))
    if unsigned:
        problems.append(_("Statements not yet signed: %(names)s.") % {"names": ", ".join(unsigned)})
    return problems


@transaction.atomic
def declaration_complete(*, actor: Any, declaration: Declaration, version: int | None = None) -> Declaration:
    """Mark the declaration complete (Ditjen HAM): every participating unit becomes declared."""
    if actor is not None:
        _review(actor)
    declaration = _lock(declaration, version)
    problems = completion_problems(declaration)
    if problems:
        raise TransitionError(" ".join(problems))
    declaration = _move(actor=actor, declaration=declaration, to=S.COMPLETED)
    _tell_requesters(
        declaration, _("Declaration complete: the units are declared for %(year)s") % {"year": declaration.period.year}
    )
    return declaration
