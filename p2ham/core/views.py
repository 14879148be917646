"""The home page of each role, and the health check."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from p2ham.accounts.models import Role
from p2ham.audit.selectors import audit_entry_list
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.organizations import selectors as org_selectors
from p2ham.periods.selectors import current_period, period_timeline

NATIONAL_HOME_ROLES = {Role.ADMIN, Role.DITJEN, Role.PIMPINAN, Role.VERIFIKATOR, Role.PENILAI}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    role = policy.primary_role(user)
    by_type = org_selectors.unit_counts_by_type(user=user)
    own_units = org_selectors.units_of_user(user=user)
    context: dict[str, object] = {
        "role": role,
        "active_nav": "home",
        "by_type": by_type,
        "unit_total": sum(int(r["total"]) for r in by_type),
        "own_units": own_units,
    }
    period = current_period()
    if period is not None:
        # The timeline is shown for the user's own unit (its zone and extensions), else in the user's zone.
        unit = own_units[0] if own_units else None
        context["period"] = period
        context["timeline_unit"] = unit
        context["timeline"] = period_timeline(
            period=period, tz=unit.province.tzinfo if unit else timezone.get_current_timezone(), unit=unit
        )
        from p2ham.assessments.selectors import own_assessments

        context["own_assessments"] = {a.unit_id: a for a in own_assessments(user=user, period=period)}
    if role in NATIONAL_HOME_ROLES:
        context["tile_map"] = org_selectors.province_tile_map(
            counts=org_selectors.unit_counts_by_province(user=user),
            link=reverse("organizations:unit_list") + "?province=",
        )
    if policy.can(user, Action.AUDIT_VIEW) and role == Role.ADMIN:
        context["recent_audit"] = list(policy.scope_audit_entries(user, audit_entry_list())[:8])
    return render(request, "core/home.html", context)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for the load balancer: database and storage must both answer."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 — any failure means "not ready"
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        name = default_storage.save(f"healthz/{uuid.uuid4().hex}", ContentFile(b"ok"))
        default_storage.delete(name)
        checks["storage"] = "ok"
    except Exception as exc:  # noqa: BLE001
        checks["storage"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if healthy else "error", **checks, "environment": settings.P2HAM_ENV}
    return JsonResponse(body, status=200 if healthy else 503)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A clear page instead of Django's technical CSRF message (expired form, lost session)."""
    return render(request, "403_csrf.html", status=403)
