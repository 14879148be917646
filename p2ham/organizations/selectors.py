"""Reads of the organisation tree, always through the policy's scoped querysets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from p2ham.core import policy
from p2ham.organizations.models import Province, Unit, UnitType

UNIT_SORTS = {
    "name": ("name", "code"),
    "-name": ("-name", "-code"),
    "code": ("code",),
    "-code": ("-code",),
    "type": ("unit_type__order", "name"),
    "-type": ("-unit_type__order", "name"),
    "province": ("province__code", "name"),
    "-province": ("-province__code", "name"),
}


@dataclass(frozen=True)
class UnitFilters:
    q: str = ""
    unit_type: str = ""  # UnitType.code
    province: str = ""  # Province.code
    parent: str = ""  # Unit.code
    active: bool | None = None
    sort: str = "name"


def unit_list(*, user: Any, filters: UnitFilters) -> QuerySet[Unit]:
    """Units in the user's scope matching the filters, with what a list row shows joined in."""
    qs = policy.scope_units(user).select_related("unit_type", "province", "parent", "institution")
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(code__icontains=filters.q) | Q(address__icontains=filters.q))
    if filters.unit_type:
        qs = qs.filter(unit_type__code=filters.unit_type)
    if filters.province:
        qs = qs.filter(province__code=filters.province)
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    return qs.order_by(*UNIT_SORTS.get(filters.sort, UNIT_SORTS["name"]))


def unit_ancestors(*, unit: Unit) -> list[Unit]:
    """The unit's ancestors from the root down (one query, from the materialised path)."""
    ids = [int(part) for part in unit.path.strip("/").split("/")[:-1] if part]
    by_id = Unit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def unit_children(*, user: Any, unit: Unit) -> QuerySet[Unit]:
    """Direct sub-units the user may see."""
    return policy.scope_units(user).filter(parent=unit).select_related("unit_type", "province").order_by("name")


def unit_counts_by_type(*, user: Any) -> list[dict[str, Any]]:
    """How many units of each type the user's scope holds (active units only)."""
    return list(
        policy.scope_units(user)
        .filter(active=True)
        .values("unit_type__code", "unit_type__name")
        .annotate(total=Count("id"))
        .order_by("unit_type__order")
    )


def unit_counts_by_province(*, user: Any) -> dict[str, int]:
    """Active units in scope per province code."""
    rows = policy.scope_units(user).filter(active=True).values("province__code").annotate(total=Count("id"))
    return {r["province__code"]: r["total"] for r in rows}


def filter_choices() -> dict[str, Any]:
    """Unit types and provinces for list filters."""
    return {"unit_types": list(UnitType.objects.all()), "provinces": list(Province.objects.all())}
