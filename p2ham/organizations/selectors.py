"""Reads of the organisation tree, always through the policy's scoped querysets."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from p2ham.accounts.models import RoleAssignment
from p2ham.core import policy
from p2ham.organizations.models import Province, Unit, UnitType
from p2ham.organizations.reference import DATA_DIR

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


def units_of_user(*, user: Any) -> list[Unit]:
    """The units the user holds a role in (their "own" units, shown on the home page)."""
    own = [g.unit_id for g in policy.grants(user) if g.unit_id is not None]
    return list(Unit.objects.filter(pk__in=own).select_related("unit_type", "province", "parent").order_by("name"))


def unit_people(*, unit: Unit) -> QuerySet[RoleAssignment]:
    """Who holds which role in the unit itself."""
    return RoleAssignment.objects.filter(unit=unit).select_related("user").order_by("role", "user__full_name")


def province_tile_map(*, counts: dict[str, int], link: str) -> dict[str, Any]:
    """Tiles of the 38 provinces placed roughly where they lie, shaded by ``counts`` (for an inline SVG)."""
    with (DATA_DIR / "province_grid.csv").open(encoding="utf-8") as fh:
        grid = {r["code"]: (int(r["row"]), int(r["col"])) for r in csv.DictReader(fh)}
    names = dict(Province.objects.values_list("code", "name"))
    top = max(counts.values(), default=0)
    size, gap = 44, 4
    tiles = []
    for code, (row, col) in grid.items():
        count = counts.get(code, 0)
        tiles.append(
            {
                "code": code,
                "name": names.get(code, code),
                "count": count,
                "url": f"{link}{code}",
                "x": col * (size + gap),
                "y": row * (size + gap),
                "level": 0 if not count else min(3, 1 + (3 * count) // (top + 1)),
            }
        )
    return {
        "tiles": tiles,
        "tiles_by_code": sorted(tiles, key=lambda t: str(t["code"])),
        "size": size,
        "width": (max(c for _, c in grid.values()) + 1) * (size + gap),
        "height": (max(r for r, _ in grid.values()) + 1) * (size + gap),
    }


def filter_choices() -> dict[str, Any]:
    """Unit types and provinces for list filters."""
    return {"unit_types": list(UnitType.objects.all()), "provinces": list(Province.objects.all())}
