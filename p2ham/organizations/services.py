"""Writes to the organisation tree."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from p2ham.audit.services import audit_log
from p2ham.organizations.models import Institution, Province, Unit, UnitType

UNIT_FIELDS = ("name", "unit_type", "institution", "parent", "province", "address", "active")
AUDITED_FIELDS = ("code", *UNIT_FIELDS)


def _place(unit: Unit) -> None:
    """Set ``path``/``depth`` of a saved unit from its parent and move its whole subtree along."""
    parent = unit.parent
    new_path = f"{parent.path if parent else '/'}{unit.pk}/"
    new_depth = parent.depth + 1 if parent else 0
    old_path = unit.path
    if old_path == new_path and unit.depth == new_depth:
        return
    if old_path:
        Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + (new_depth - unit.depth),
        )
    unit.path, unit.depth = new_path, new_depth
    Unit.objects.filter(pk=unit.pk).update(path=new_path, depth=new_depth)


def check_unit_parent(unit: Unit | None, parent: Unit | None) -> None:
    """Raise ValidationError when ``parent`` would put ``unit`` under itself or its own subtree."""
    if parent is None or unit is None or unit.pk is None:
        return
    if parent.pk == unit.pk or (unit.path and parent.path.startswith(unit.path)):
        raise ValidationError({"parent": _("A unit cannot be placed under itself or one of its own sub-units.")})


@transaction.atomic
def unit_save(*, actor: Any, code: str, unit: Unit | None = None, **fields: Any) -> Unit:
    """Create (``unit`` is None) or update a unit, keep the tree paths right, and audit the change."""
    parent = fields.get("parent")
    creating = unit is None
    if unit is None:
        unit = Unit(code=code)
    else:
        # Lock the unit and its new parent (in id order, so two moves cannot deadlock), then check the move
        # against fresh paths: two concurrent moves "X under Y" and "Y under X" cannot both pass.
        ids = sorted({unit.pk, parent.pk} if parent is not None else {unit.pk})
        locked = {u.pk: u for u in Unit.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
        unit = locked[unit.pk]
        if parent is not None:
            fields["parent"] = parent = locked[parent.pk]
        check_unit_parent(unit, parent)
    before = {f: _plain(getattr(unit, f)) for f in AUDITED_FIELDS} if not creating else {}
    unit.code = code
    for name, value in fields.items():
        if name not in UNIT_FIELDS:
            raise TypeError(f"unit_save() got an unexpected field {name!r}")
        setattr(unit, name, value)
    unit.full_clean(exclude=["path", "depth"])
    unit.save()
    if unit.parent_id:
        unit.parent = Unit.objects.get(pk=unit.parent_id)  # fresh path, it may have moved in this transaction
    _place(unit)
    after = {f: _plain(getattr(unit, f)) for f in AUDITED_FIELDS}
    changed = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if creating or changed:
        audit_log(actor=actor, action="unit.create" if creating else "unit.update", target=unit, data=changed)
    return unit


def _plain(value: Any) -> Any:
    if isinstance(value, (Unit, UnitType, Institution, Province)):
        return value.code
    return value
