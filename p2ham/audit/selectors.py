"""Reading the audit trail."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from p2ham.audit.models import AuditEntry


def audit_entry_list(*, actor_query: str = "", unit_code: str = "", action_prefix: str = "") -> QuerySet[AuditEntry]:
    """Audit entries filtered by actor (name or username), unit code and action prefix, newest first."""
    qs = AuditEntry.objects.select_related("actor", "unit")
    if actor_query:
        qs = qs.filter(Q(actor_name__icontains=actor_query) | Q(actor__username__iexact=actor_query))
    if unit_code:
        qs = qs.filter(unit__code__iexact=unit_code)
    if action_prefix:
        qs = qs.filter(action__startswith=action_prefix)
    return qs.order_by("-created_at", "-id")
