"""Writing the audit trail."""

from __future__ import annotations

from typing import Any

from django.db import models

from p2ham.audit.models import AuditEntry
from p2ham.core.middleware import current_client_ip


def audit_log(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    unit: Any = None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Record one change; call inside the transaction that makes the change."""
    entry = audit_entry(actor=actor, action=action, target=target, unit=unit, data=data, ip=ip)
    entry.save()
    return entry


def audit_log_many(entries: list[AuditEntry]) -> None:
    """Record many changes made by one operation at once (built with ``audit_entry``)."""
    AuditEntry.objects.bulk_create(entries, batch_size=1000)


def audit_entry(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    unit: Any = None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """An unsaved audit entry (``audit_log`` saves one; ``audit_log_many`` saves a batch)."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    if unit is None and target is not None:
        from p2ham.organizations.models import Unit

        unit = target if isinstance(target, Unit) else None
    return AuditEntry(
        actor=actor if authenticated else None,
        actor_name=(actor.get_full_name() or actor.get_username()) if authenticated else "",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        unit=unit,
        data=data or {},
        ip=ip or current_client_ip(),
    )
