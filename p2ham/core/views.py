"""The home page of each role, and the health check."""

from __future__ import annotations

import csv
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from p2ham.accounts.models import Role
from p2ham.core import policy
from p2ham.organizations import selectors as org_selectors
from p2ham.organizations.models import Province

NATIONAL_HOME_ROLES = {Role.ADMIN, Role.DITJEN, Role.PIMPINAN, Role.VERIFIKATOR, Role.PENILAI}
_GRID_FILE = Path(__file__).resolve().parent.parent / "organizations" / "data" / "province_grid.csv"


def _tile_map(counts: dict[str, int]) -> dict[str, object]:
    with _GRID_FILE.open(encoding="utf-8") as fh:
        grid = {r["code"]: (int(r["row"]), int(r["col"])) for r in csv.DictReader(fh)}
    provinces = {p.code: p for p in Province.objects.all()}
    top = max(counts.values(), default=0)
    size, gap = 44, 4
    tiles = []
    for code, (row, col) in grid.items():
        count = counts.get(code, 0)
        level = 0 if not count else min(3, 1 + (3 * count) // (top + 1))
        tiles.append(
            {
                "code": code,
                "name": provinces[code].name if code in provinces else code,
                "count": count,
                "x": col * (size + gap),
                "y": row * (size + gap),
                "level": level,
                "url": reverse("organizations:unit_list") + f"?province={code}",
            }
        )
    width = (max(c for _, c in grid.values()) + 1) * (size + gap)
    height = (max(r for r, _ in grid.values()) + 1) * (size + gap)
    tiles_by_code = sorted(tiles, key=lambda t: str(t["code"]))
    return {"tiles": tiles, "tiles_by_code": tiles_by_code, "size": size, "width": width, "height": height}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    role = policy.primary_role(user)
    context: dict[str, object] = {"role": role, "active_nav": "home"}
    by_type = org_selectors.unit_counts_by_type(user=user)
    context["by_type"] = by_type
    context["unit_total"] = sum(int(r["total"]) for r in by_type)
    if role in NATIONAL_HOME_ROLES:
        context["tile_map"] = _tile_map(org_selectors.unit_counts_by_province(user=user))
    own_units = [g.unit_id for g in policy.grants(user) if g.unit_id is not None]
    context["own_units"] = list(
        policy.scope_units(user).filter(pk__in=own_units).select_related("unit_type", "province", "parent")
    )
    if role == Role.ADMIN:
        from p2ham.audit.models import AuditEntry

        context["recent_audit"] = list(AuditEntry.objects.select_related("unit")[:8])
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
