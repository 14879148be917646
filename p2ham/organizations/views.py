"""Unit list and detail, and the import of units and users."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails
from openpyxl import Workbook

from p2ham.assessments.models import Assessment
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.core.tabular import TableFileError
from p2ham.declarations.selectors import unit_declaration_state, unit_participation
from p2ham.organizations import imports, selectors
from p2ham.organizations.forms import ImportFileForm
from p2ham.periods.selectors import current_period

PAGE_SIZE = 50


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _filters_from(request: HttpRequest) -> selectors.UnitFilters:
    active = request.GET.get("active", "")
    return selectors.UnitFilters(
        q=request.GET.get("q", "").strip()[:100],
        unit_type=request.GET.get("type", ""),
        province=request.GET.get("province", ""),
        parent=request.GET.get("parent", ""),
        active={"1": True, "0": False}.get(active),
        sort=request.GET.get("sort", "name") if request.GET.get("sort") in selectors.UNIT_SORTS else "name",
    )


@login_required
@require_GET
def unit_list(request: HtmxHttpRequest) -> HttpResponse:
    filters = _filters_from(request)
    page = Paginator(selectors.unit_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context: dict[str, Any] = {
        "page": page,
        "filters": filters,
        "active_nav": "units",
        **selectors.filter_choices(),
        "breadcrumbs": [(_("Home"), reverse("core:home")), (_("Units"), "")],
    }
    # A history restore (back button after the cache expired) needs the whole page, not the fragment.
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    context["oob"] = partial  # the partial also refreshes the result count outside the table
    template = "organizations/partials/_unit_table.html" if partial else "organizations/unit_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    unit = policy.get_unit_or_404(request.user, code)
    ancestors = selectors.unit_ancestors(unit=unit)
    children = Paginator(selectors.unit_children(user=request.user, unit=unit), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    people = None
    if policy.can(request.user, Action.USER_VIEW, unit):
        people = selectors.unit_people(unit=unit)
    period = current_period()
    declaration_state = unit_declaration_state(period=period, unit=unit) if period else None
    participation = unit_participation(user=request.user, period=period, unit=unit) if period else None
    assessment = Assessment.objects.filter(period=period, unit=unit).first() if period else None
    crumbs = [(_("Home"), reverse("core:home")), (_("Units"), reverse("organizations:unit_list"))]
    crumbs += [
        (a.name, reverse("organizations:unit_detail", args=[a.code]))
        for a in ancestors
        if policy.can(request.user, Action.UNIT_VIEW, a)
    ]
    crumbs.append((unit.name, ""))
    return render(
        request,
        "organizations/unit_detail.html",
        {
            "unit": unit,
            "children": children,
            "people": people,
            "active_nav": "units",
            "breadcrumbs": crumbs,
            "can_manage": policy.can(request.user, Action.UNIT_MANAGE, unit),
            "period": period,
            "declaration_state": declaration_state,
            "participation": participation,
            "assessment": assessment,
        },
    )


# ---------------------------------------------------------------- import

IMPORT_KINDS: dict[str, dict[str, Any]] = {
    "units": {
        "title": _("Import units"),
        "columns": imports.UNIT_COLUMNS,
        "required": imports.UNIT_REQUIRED,
        "plan": imports.units_import_plan,
        "apply": imports.units_import_apply,
        "action": Action.UNIT_MANAGE,
        "example": [
            "LAPAS-8171-01",
            "Lapas Kelas IIA Ambon",
            "lapas",
            "KEMENIMIPAS",
            "KANWIL-81",
            "81",
            "Jl. Kayu Putih, Ambon",
            "ya",
        ],
    },
    "users": {
        "title": _("Import users"),
        "columns": imports.USER_COLUMNS,
        "required": imports.USER_REQUIRED,
        "plan": imports.users_import_plan,
        "apply": imports.users_import_apply,
        "action": Action.USER_MANAGE,
        "example": [
            "operator.ambon",
            "Siti Rahmawati, S.H.",
            "198703152010122001",
            "siti.rahmawati@example.go.id",
            "081234567890",
            "operator",
            "LAPAS-8171-01",
        ],
    },
}
_SESSION_KEY = "p2ham_pending_import"


def _require(request: HttpRequest, kind: str) -> dict[str, Any]:
    spec = IMPORT_KINDS.get(kind)
    if spec is None:
        raise Http404
    if not policy.can(request.user, spec["action"]):
        raise PermissionDenied
    return spec


@login_required
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _require(request, kind)
    context: dict[str, Any] = {
        "kind": kind,
        "spec": spec,
        "active_nav": "import",
        "breadcrumbs": [(_("Home"), reverse("core:home")), (spec["title"], "")],
    }
    if request.method == "POST" and "confirm" in request.POST:
        return _import_confirm(request, kind, spec)
    form = ImportFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        data = uploaded.read()
        try:
            plan = spec["plan"](data=data, filename=uploaded.name)
        except TableFileError as exc:
            form.add_error("file", str(exc))
        else:
            context["plan"] = plan
            context["filename"] = uploaded.name
            if plan.valid:
                _forget_abandoned_imports()
                token = uuid.uuid4().hex
                default_storage.save(f"imports/{token}", ContentFile(data))
                request.session[_SESSION_KEY] = {"token": token, "kind": kind, "filename": uploaded.name}
                context["token"] = token
    context["form"] = form
    return render(request, "organizations/import.html", context, status=400 if form.errors else 200)


def _forget_abandoned_imports(max_age: timedelta = timedelta(days=1)) -> None:
    """Delete checked files nobody confirmed: they hold personal data and have no use after a day."""
    try:
        _, names = default_storage.listdir("imports")
    except (FileNotFoundError, OSError):
        return
    cutoff = timezone.now() - max_age
    for name in names:
        path = f"imports/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, OSError, NotImplementedError):
            continue


def _import_confirm(request: HttpRequest, kind: str, spec: dict[str, Any]) -> HttpResponse:
    pending = request.session.get(_SESSION_KEY) or {}
    if pending.get("kind") != kind or pending.get("token") != request.POST.get("token"):
        messages.error(request, _("This import has expired or was already carried out. Upload the file again."))
        return redirect("organizations:import_" + kind)
    name = f"imports/{pending['token']}"
    try:
        with default_storage.open(name, "rb") as fh:
            data = fh.read()
    except (FileNotFoundError, OSError):
        messages.error(request, _("This import has expired or was already carried out. Upload the file again."))
        return redirect("organizations:import_" + kind)
    # Validate again: the database may have changed since the dry run.
    plan = spec["plan"](data=data, filename=pending["filename"])
    if not plan.valid:
        form = ImportFileForm()
        return render(
            request,
            "organizations/import.html",
            {
                "kind": kind,
                "spec": spec,
                "form": form,
                "plan": plan,
                "filename": pending["filename"],
                "active_nav": "import",
            },
            status=400,
        )
    summary = spec["apply"](actor=request.user, plan=plan)
    default_storage.delete(name)
    del request.session[_SESSION_KEY]
    if kind == "units":
        messages.success(
            request,
            _("Import finished: %(created)s units created, %(updated)s updated, %(unchanged)s unchanged.") % summary,
        )
        return redirect("organizations:unit_list")
    messages.success(
        request,
        _("Import finished: %(created)s users created, %(updated)s updated, %(roles_added)s roles added.") % summary,
    )
    return redirect("organizations:import_users")


@login_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _require(request, kind)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(kind)
    sheet.append(list(spec["columns"]))
    sheet.append(spec["example"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="templat-impor-{kind}.xlsx"'
    return response
