"""The one place that answers "may this user do this to this object" and builds every scoped queryset.

A role is held over a unit's subtree (``RoleAssignment.unit``) or nationwide (no unit, for national
roles). HTML views and the API both ask here; an object outside the caller's scope is answered with 404
by the views, so its existence is not revealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from p2ham.accounts.models import Role, RoleAssignment, User
from p2ham.audit.models import AuditEntry
from p2ham.organizations.models import Unit


class Action(StrEnum):
    UNIT_VIEW = "unit.view"
    UNIT_MANAGE = "unit.manage"  # create, edit and import units and the reference tables
    USER_VIEW = "user.view"
    USER_MANAGE = "user.manage"  # import users, assign roles
    AUDIT_VIEW = "audit.view"
    PERIOD_VIEW = "period.view"
    PERIOD_MANAGE = "period.manage"  # create, open, close periods; set stage windows
    DEADLINE_EXTEND = "period.extend"  # grant a unit a later deadline
    INSTRUMENT_VIEW = "instrument.view"
    INSTRUMENT_MANAGE = "instrument.manage"  # build, import, correct and clone instruments
    DECLARATION_VIEW = "declaration.view"
    DECLARATION_REQUEST = "declaration.request"  # prepare, submit, record the ceremony (Kanwil, central units)
    DECLARATION_REVIEW = "declaration.review"  # approve, return, reject, complete (Ditjen HAM)
    STATEMENT_SIGN = "declaration.sign"  # the head of the unit itself only
    EVALUATION_DECIDE = "evaluation.decide"  # lolos / tidak lolos (Ditjen HAM)
    ASSESSMENT_VIEW = "assessment.view"
    ASSESSMENT_EDIT = "assessment.edit"  # answers and evidence: the unit's own operators
    ASSESSMENT_SUBMIT = "assessment.submit"  # the head of the unit itself
    ASSESSMENT_KANWIL_REVIEW = "assessment.kanwil_review"  # forward to verification or send back
    ASSESSMENT_COMMENT = "assessment.comment"
    REVIEW_ASSIGN = "review.assign"  # assign verifiers and panels; the workload view (Ditjen HAM)
    VERIFICATION_PERFORM = "verification.perform"  # verifiers, on the assessments assigned to them
    PANEL_SCORE = "panel.score"  # assessors, on the panels they sit on (the chair also moderates)
    RESULT_VIEW = "result.view"  # a determined unit's result, report, certificate and follow-up actions
    RESULTS_OVERVIEW = "results.overview"  # rankings, dashboards and exports of the units in scope
    RESULTS_DETERMINE = "results.determine"  # determination, corrections, revocation (Ditjen HAM)
    FOLLOWUP_MANAGE = "followup.manage"  # confirm, verify and close follow-up actions (Ditjen, the Kanwil)
    FOLLOWUP_REPORT = "followup.report"  # report what the unit did, with evidence (the unit itself)


ALL_ROLES = frozenset(Role)
# Actions on the whole organisation (imports, reference data): only a nationwide grant allows them.
NATIONWIDE_ACTIONS = frozenset(
    {
        Action.UNIT_MANAGE,
        Action.USER_MANAGE,
        Action.PERIOD_MANAGE,
        Action.DEADLINE_EXTEND,
        Action.INSTRUMENT_MANAGE,
        Action.DECLARATION_REVIEW,
        Action.EVALUATION_DECIDE,
        Action.REVIEW_ASSIGN,
        Action.RESULTS_DETERMINE,
    }
)
# Actions that a role allows on its own unit only, never on the units below it.
OWN_UNIT_ACTIONS = frozenset(
    {Action.STATEMENT_SIGN, Action.ASSESSMENT_EDIT, Action.ASSESSMENT_SUBMIT, Action.FOLLOWUP_REPORT}
)
# Actions on the units below a unit-bound grant, not on the grant's own unit: a Kanwil reviews its UPTs'
# assessments, while its own assessment is reviewed by Ditjen HAM (no one judges their own work).
STRICT_SUBTREE_ACTIONS = frozenset({Action.ASSESSMENT_KANWIL_REVIEW, Action.FOLLOWUP_MANAGE})
# Roles that an action allows on their own unit only, where other roles reach the subtree: a unit's operator
# and head read their own unit's result and follow-up, never those of the units below them.
OWN_UNIT_ROLES: dict[Action, frozenset[Role]] = {
    Action.RESULT_VIEW: frozenset({Role.OPERATOR, Role.KEPALA_UNIT}),
}
ACTION_ROLES: dict[Action, frozenset[Role]] = {
    Action.UNIT_VIEW: ALL_ROLES,
    Action.UNIT_MANAGE: frozenset({Role.ADMIN}),
    Action.USER_VIEW: frozenset({Role.ADMIN, Role.DITJEN, Role.KANWIL}),
    Action.USER_MANAGE: frozenset({Role.ADMIN}),
    Action.AUDIT_VIEW: frozenset({Role.ADMIN, Role.DITJEN}),
    Action.PERIOD_VIEW: ALL_ROLES,
    Action.PERIOD_MANAGE: frozenset({Role.ADMIN}),
    Action.DEADLINE_EXTEND: frozenset({Role.ADMIN, Role.DITJEN}),
    Action.INSTRUMENT_VIEW: ALL_ROLES,
    Action.INSTRUMENT_MANAGE: frozenset({Role.ADMIN, Role.DITJEN}),
    Action.DECLARATION_VIEW: frozenset(
        {Role.ADMIN, Role.DITJEN, Role.PIMPINAN, Role.KANWIL, Role.OPERATOR, Role.KEPALA_UNIT}
    ),
    Action.DECLARATION_REQUEST: frozenset({Role.KANWIL, Role.OPERATOR}),
    Action.DECLARATION_REVIEW: frozenset({Role.DITJEN}),
    Action.STATEMENT_SIGN: frozenset({Role.KEPALA_UNIT}),
    Action.EVALUATION_DECIDE: frozenset({Role.DITJEN}),
    Action.ASSESSMENT_VIEW: frozenset(
        {
            Role.ADMIN,
            Role.DITJEN,
            Role.PIMPINAN,
            Role.KANWIL,
            Role.OPERATOR,
            Role.KEPALA_UNIT,
            Role.VERIFIKATOR,
            Role.PENILAI,
        }
    ),
    Action.ASSESSMENT_EDIT: frozenset({Role.OPERATOR}),
    Action.ASSESSMENT_SUBMIT: frozenset({Role.KEPALA_UNIT}),
    Action.ASSESSMENT_KANWIL_REVIEW: frozenset({Role.KANWIL, Role.DITJEN}),
    Action.ASSESSMENT_COMMENT: frozenset({Role.OPERATOR, Role.KEPALA_UNIT, Role.KANWIL, Role.VERIFIKATOR, Role.DITJEN}),
    Action.REVIEW_ASSIGN: frozenset({Role.DITJEN}),
    Action.VERIFICATION_PERFORM: frozenset({Role.VERIFIKATOR}),
    Action.PANEL_SCORE: frozenset({Role.PENILAI}),
    Action.RESULT_VIEW: frozenset(
        {Role.ADMIN, Role.DITJEN, Role.PIMPINAN, Role.KANWIL, Role.OPERATOR, Role.KEPALA_UNIT}
    ),
    Action.RESULTS_OVERVIEW: frozenset({Role.ADMIN, Role.DITJEN, Role.PIMPINAN, Role.KANWIL}),
    Action.RESULTS_DETERMINE: frozenset({Role.DITJEN}),
    Action.FOLLOWUP_MANAGE: frozenset({Role.DITJEN, Role.KANWIL}),
    Action.FOLLOWUP_REPORT: frozenset({Role.OPERATOR, Role.KEPALA_UNIT}),
}


@dataclass(frozen=True)
class Grant:
    role: Role
    unit_id: int | None  # None: nationwide
    unit_path: str
    timezone: str = "Asia/Jakarta"  # of the unit's province; national grants use the capital's

    @property
    def national(self) -> bool:
        return self.unit_id is None

    def covers(self, unit: Unit) -> bool:
        return self.national or unit.path.startswith(self.unit_path)


def grants(user: Any) -> tuple[Grant, ...]:
    """The user's roles with their scopes, loaded once per user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, "_p2ham_grants", None)
    if cached is None:
        rows = RoleAssignment.objects.filter(user=user).values_list(
            "role", "unit_id", "unit__path", "unit__province__timezone"
        )
        cached = tuple(Grant(Role(role), unit_id, path or "", tz or "Asia/Jakarta") for role, unit_id, path, tz in rows)
        if user.is_superuser and not any(g.role == Role.ADMIN and g.national for g in cached):
            cached = (*cached, Grant(Role.ADMIN, None, ""))
        user._p2ham_grants = cached
    return cached


def forget_grants(user: Any) -> None:
    """Drop the cached grants after the user's roles changed."""
    if hasattr(user, "_p2ham_grants"):
        del user._p2ham_grants


def has_role(user: Any, *roles: Role) -> bool:
    return any(g.role in roles for g in grants(user))


# Which home page a person with several roles sees: the widest responsibility first.
HOME_ROLE_ORDER = (
    Role.ADMIN,
    Role.DITJEN,
    Role.PIMPINAN,
    Role.VERIFIKATOR,
    Role.PENILAI,
    Role.KANWIL,
    Role.KEPALA_UNIT,
    Role.OPERATOR,
)


def primary_role(user: Any) -> Role | None:
    """The role the home page is built for."""
    held = {g.role for g in grants(user)}
    return next((role for role in HOME_ROLE_ORDER if role in held), None)


def user_timezone(user: Any) -> str:
    """The time zone of the user's own unit (the first unit-bound role), else Jakarta's."""
    return next((g.timezone for g in grants(user) if not g.national), "Asia/Jakarta")


def _grants_for(user: Any, action: Action) -> list[Grant]:
    allowed = ACTION_ROLES[action]
    nationwide_only = action in NATIONWIDE_ACTIONS
    return [g for g in grants(user) if g.role in allowed and (g.national or not nationwide_only)]


def unit_scope_q(user: Any, action: Action = Action.UNIT_VIEW, prefix: str = "") -> Q | None:
    """A filter selecting the units ``action`` may touch; ``None`` means every unit, ``Q(pk__in=[])`` none."""
    relevant = _grants_for(user, action)
    if any(g.national for g in relevant):
        return None
    own_only = OWN_UNIT_ROLES.get(action, frozenset())
    paths = sorted({g.unit_path for g in relevant if g.role not in own_only})
    # A path inside another path adds nothing: drop it to keep the WHERE clause short.
    minimal = [p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i])]
    q = Q(**{f"{prefix}pk__in": sorted({g.unit_id for g in relevant if g.role in own_only and g.unit_id is not None})})
    for path in minimal:
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def scope_units(user: Any, action: Action = Action.UNIT_VIEW) -> QuerySet[Unit]:
    """Every unit the user may see (or act on, for ``action``)."""
    q = unit_scope_q(user, action)
    qs = Unit.objects.all()
    return qs if q is None else qs.filter(q)


def can(user: Any, action: Action, obj: Model | None = None) -> bool:
    """May ``user`` perform ``action`` (on ``obj``, a unit or anything with a ``unit``)?"""
    relevant = _grants_for(user, action)
    if obj is None:
        return bool(relevant)
    unit = obj if isinstance(obj, Unit) else getattr(obj, "unit", None)
    if unit is None:
        return any(g.national for g in relevant)
    if action in OWN_UNIT_ACTIONS:
        # The head of a Kanwil signs for the Kanwil, not for the prisons under it.
        return any(g.unit_id == unit.pk for g in relevant)
    if action in STRICT_SUBTREE_ACTIONS:
        return any(g.national or (g.covers(unit) and g.unit_id != unit.pk) for g in relevant)
    own_only = OWN_UNIT_ROLES.get(action, frozenset())
    return any(g.unit_id == unit.pk if g.role in own_only else g.covers(unit) for g in relevant)


def get_unit_or_404(user: Any, code: str, action: Action = Action.UNIT_VIEW) -> Unit:
    """The unit with this code if the user may see it; otherwise 404, whether or not it exists."""
    unit = (
        scope_units(user, action)
        .select_related("unit_type", "institution", "province", "parent")
        .filter(code=code)
        .first()
    )
    if unit is None:
        raise Http404
    return unit


def scope_users(user: Any) -> QuerySet[User]:
    """People the user may see: those holding a role inside the user's scope (all, for national roles)."""
    q = unit_scope_q(user, Action.USER_VIEW, prefix="role_assignments__unit__")
    if not _grants_for(user, Action.USER_VIEW):
        return User.objects.none()
    qs = User.objects.all()
    return qs if q is None else qs.filter(q).distinct()


def scope_audit_entries(user: Any, qs: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
    """Audit entries the user may read: everything for national grants, else entries of units in scope."""
    if not _grants_for(user, Action.AUDIT_VIEW):
        return qs.none()
    q = unit_scope_q(user, Action.AUDIT_VIEW, prefix="unit__")
    return qs if q is None else qs.filter(q)
