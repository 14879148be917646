"""The audit log viewer with its CSV export."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from p2ham.audit.selectors import audit_entry_list
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.core.spreadsheet import safe_cell


def _entries(request: HttpRequest):  # type: ignore[no-untyped-def]
    if not policy.can(request.user, Action.AUDIT_VIEW):
        raise PermissionDenied
    qs = audit_entry_list(
        actor_query=request.GET.get("actor", "").strip()[:100],
        unit_code=request.GET.get("unit", "").strip()[:40],
        action_prefix=request.GET.get("action", "").strip()[:80],
    )
    return policy.scope_audit_entries(request.user, qs)


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(_entries(request), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/list.html",
        {
            "page": page,
            "active_nav": "audit",
            "params": request.GET,
            "breadcrumbs": [(_("Home"), reverse("core:home")), (_("Audit log"), "")],
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    entries = _entries(request).iterator(chunk_size=2000)
    writer = csv.writer(_Echo())

    def rows():  # type: ignore[no-untyped-def]
        yield "\ufeff"  # BOM so Excel opens the UTF-8 file correctly
        yield writer.writerow(["time", "actor", "action", "target_type", "target_id", "target", "unit", "ip", "data"])
        for e in entries:
            yield writer.writerow(
                [
                    safe_cell(v)
                    for v in (
                        timezone.localtime(e.created_at).isoformat(),
                        e.actor_name,
                        e.action,
                        e.target_type,
                        e.target_id,
                        e.target_repr,
                        e.unit.code if e.unit_id else "",
                        e.ip or "",
                        e.data,
                    )
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-p2ham-{timezone.localdate():%Y%m%d}.csv"'
    return response
