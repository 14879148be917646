"""What the verification and panel views share: who may read which part, the checks made before a body is
parsed (so a caller who may not act gets 403, not a 400), and finding people by username.

Visibility (documented in the package docstring):

* the verification of an assessment is read by Ditjen HAM, the verifiers assigned to it and the assessors
  on its panel at any time; by everyone else who may see the assessment (its operators and head, its
  Kanwil, leadership) only once it has been returned for repair or verified — never while a verifier is
  working on it. Anyone else (an unassigned verifier or assessor) gets 404.
* the panel's work is read by Ditjen HAM and the assessors sitting on the panel (a declared conflict takes
  the seat away); anyone else gets 404. An assessor sees the others' scores only after submitting their own.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request

from p2ham.accounts.models import Role, User
from p2ham.api.views_assessments.common import _assessment
from p2ham.assessments.models import Assessment
from p2ham.core import policy
from p2ham.core.policy import ACTION_ROLES, Action
from p2ham.instruments.models import Indicator
from p2ham.periods.services import TransitionError
from p2ham.reviews import selectors
from p2ham.reviews.models import PanelAssignment

S = Assessment.Status
# The statuses in which the unit's side (and anyone not assigned to the work) reads the verification.
UNIT_SIDE_STATUSES = frozenset({S.RETURNED, *selectors.AFTER_VERIFICATION})
# Roles that see an assessment without being assigned to verify or score it.
_UNIT_SIDE_ROLES = ACTION_ROLES[Action.ASSESSMENT_VIEW] - {Role.VERIFIKATOR, Role.PENILAI}


def _unit_side(user: Any, assessment: Assessment) -> bool:
    """Does the user see the assessment through a role other than verifier or assessor?"""
    return any(g.role in _UNIT_SIDE_ROLES and g.covers(assessment.unit) for g in policy.grants(user))


def _assigner(user: Any) -> bool:
    return policy.can(user, Action.REVIEW_ASSIGN)


def verification_reader(request: Request, year: int, unit_code: str) -> Assessment:
    """The assessment whose verification the caller may read; 404 when they may not (see module docstring)."""
    assessment = _assessment(request, year, unit_code)
    user = request.user
    if _assigner(user) or selectors.is_assigned_verifier(user, assessment):
        return assessment
    if selectors.panel_seat(user, assessment) is not None:
        return assessment
    if assessment.status in UNIT_SIDE_STATUSES and _unit_side(user, assessment):
        return assessment
    raise Http404


def panel_reader(request: Request, year: int, unit_code: str) -> tuple[Assessment, PanelAssignment | None]:
    """The assessment whose panel the caller may read, with the caller's own active seat (none for Ditjen)."""
    assessment = _assessment(request, year, unit_code)
    seat = selectors.panel_seat(request.user, assessment)
    if seat is None and not _assigner(request.user):
        raise Http404
    return assessment, seat


def attach_users(pairs: list[tuple[Any, str]]) -> None:
    """Load the people behind ``obj.<name>_id`` in one query and set them on the objects (no query per row)."""
    ids = {getattr(obj, f"{name}_id") for obj, name in pairs} - {None}
    people = User.objects.in_bulk(ids) if ids else {}
    for obj, name in pairs:
        pk = getattr(obj, f"{name}_id")
        if pk is not None:
            setattr(obj, name, people[pk])


def fresh(assessment: Assessment) -> Assessment:
    """The assessment as it is now, with what its summary shows."""
    return Assessment.objects.select_related("period", "instrument", "unit__province", "unit__unit_type").get(
        pk=assessment.pk
    )


def require_assigner(request: Request) -> None:
    if not _assigner(request.user):
        raise PermissionDenied(_("Only Ditjen HAM assigns verifiers and assessors."))


def require_verifier(request: Request, assessment: Assessment) -> None:
    """The caller verifies this assessment (checked again by the service, under the lock)."""
    if not selectors.is_assigned_verifier(request.user, assessment):
        raise PermissionDenied(_("Only a verifier assigned to this assessment verifies it."))


def require_seat(request: Request, assessment: Assessment, *, chair: bool = False) -> PanelAssignment:
    """The caller's active seat on the panel (the chair's, if asked); checked again by the service."""
    seat = selectors.panel_seat(request.user, assessment)
    if seat is None:
        raise PermissionDenied(_("Only the assessors of this panel score this assessment."))
    if chair and not seat.chair:
        raise PermissionDenied(_("Only the chair of the panel can do this."))
    return seat


def indicator_by_code(assessment: Assessment, code: str, field: str = "indicator") -> Indicator:
    """An indicator named in the body: unknown is invalid input on that field (not a missing page)."""
    indicator = (
        Indicator.objects.select_related("scale").filter(instrument_id=assessment.instrument_id, code=code).first()
        if assessment.instrument_id
        else None
    )
    if indicator is None:
        raise exceptions.ValidationError(
            {field: [_("There is no indicator %(code)s in this assessment.") % {"code": code}]}
        )
    return indicator


def person(username: str, field: str = "username") -> User:
    """An active account named in the body; unknown is invalid input on that field."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise exceptions.ValidationError({field: [_("Unknown user “%(name)s”.") % {"name": username}]})
    return user


def as_field(field: str, call: Any) -> Any:
    """Run a service call; its refusal of the person (``verifier`` / ``assessor``) is reported on ``field``."""
    try:
        return call()
    except DjangoValidationError as exc:
        if isinstance(exc, TransitionError) or not hasattr(exc, "error_dict"):
            raise
        errors = exc.message_dict
        for key in ("verifier", "assessor"):
            if key in errors:
                errors[field] = errors.pop(key)
        raise exceptions.ValidationError(errors) from None
