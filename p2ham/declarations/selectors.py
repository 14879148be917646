"""Reads of declarations: a unit's state for a period, and the lists people see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.declarations.models import Declaration, DeclarationUnit
from p2ham.periods.models import Period

DECLARED, IN_PROCESS, NOT_STARTED = "declared", "in_process", "not_started"


def unit_declaration_state(*, period: Period, unit: Any) -> str:
    """``declared`` once its declaration is complete, ``in_process`` while one is active, else ``not_started``."""
    statuses = set(
        DeclarationUnit.objects.filter(period=period, unit=unit, active=True).values_list(
            "declaration__status", flat=True
        )
    )
    if Declaration.Status.COMPLETED in statuses:
        return DECLARED
    return IN_PROCESS if statuses else NOT_STARTED


def is_declared(*, period: Period, unit: Any) -> bool:
    """The gate for evaluation and self-assessment: only declared units go on."""
    return unit_declaration_state(period=period, unit=unit) == DECLARED


def declaration_list(*, user: Any, period: Period) -> QuerySet[Declaration]:
    """Declarations the user may see: nationwide for Ditjen, else those touching a unit in the user's scope."""
    qs = Declaration.objects.filter(period=period).select_related("requester_unit__province", "created_by")
    scope = policy.unit_scope_q(user, Action.DECLARATION_VIEW, prefix="units__unit__")
    if not policy.can(user, Action.DECLARATION_VIEW):
        return qs.none()
    return qs if scope is None else qs.filter(scope).distinct()


def province_progress(*, user: Any, period: Period) -> list[dict[str, Any]]:
    """Per province: active units in the user's scope that are declared, in process, or not started."""
    from django.db.models import Count, Exists, OuterRef, Q

    from p2ham.organizations.models import Province

    active = DeclarationUnit.objects.filter(period=period, unit=OuterRef("pk"), active=True)
    units = (
        policy.scope_units(user)
        .filter(active=True)
        .annotate(
            declared=Exists(active.filter(declaration__status=Declaration.Status.COMPLETED)),
            in_process=Exists(active.exclude(declaration__status=Declaration.Status.COMPLETED)),
        )
        .values("province_id")
        .annotate(
            total=Count("pk"),
            declared_count=Count("pk", filter=Q(declared=True)),
            in_process_count=Count("pk", filter=Q(declared=False, in_process=True)),
        )
    )
    counts = {row["province_id"]: row for row in units}
    rows = []
    for province in Province.objects.filter(pk__in=counts).order_by("code"):
        row = counts[province.pk]
        rows.append(
            {
                "province": province,
                "total": row["total"],
                "declared": row["declared_count"],
                "in_process": row["in_process_count"],
                "not_started": row["total"] - row["declared_count"] - row["in_process_count"],
            }
        )
    return rows


def unit_participation(*, user: Any, period: Period, unit: Any) -> DeclarationUnit | None:
    """The unit's active participation in a declaration the user may see (for links on the unit's page)."""
    visible = declaration_list(user=user, period=period)
    return (
        DeclarationUnit.objects.filter(period=period, unit=unit, active=True, declaration__in=visible)
        .select_related("declaration")
        .first()
    )


def may_read_statement(*, user: Any, participant: DeclarationUnit) -> bool:
    """A statement carries the head's name and NIP: its own unit (and those above it) and the requester read it,
    not the sibling units of the same declaration."""
    return policy.can(user, Action.DECLARATION_VIEW, participant.unit) or policy.can(
        user, Action.DECLARATION_REQUEST, participant.declaration.requester_unit
    )


def declaration_get_or_404(*, user: Any, pk: int) -> Declaration:
    """One declaration if the user may see it; otherwise 404, whether or not it exists (screens and API)."""
    from django.http import Http404

    declaration = Declaration.objects.select_related("period", "requester_unit__province").filter(pk=pk).first()
    if declaration is None or not declaration_list(user=user, period=declaration.period).filter(pk=pk).exists():
        raise Http404
    return declaration
