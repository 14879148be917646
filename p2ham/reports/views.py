"""The dashboard of a year (funnel, score distribution, weakest indicators, verifiers' backlog, year over year)
and the exports page with its background jobs and their downloads.

Who sees them: those with the results overview (Ditjen HAM, Pimpinan and the administrators nationwide, a
Kanwil for its own province); for everyone else they are refused. A download belongs to whoever asked for it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from p2ham.assessments.selectors import period_by_year_or_404
from p2ham.organizations.models import Province, UnitType
from p2ham.periods.models import Period
from p2ham.periods.selectors import current_period
from p2ham.reports import exports, selectors
from p2ham.reports.models import ExportJob
from p2ham.reports.selectors import Filters

YOY_PAGE_SIZE = 25
ACTIVE_JOBS = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)


def _ensure_overview(user: Any) -> None:
    if not selectors.overview_allowed(user):
        raise PermissionDenied


def _filters(params: QueryDict, provinces: list[Province], types: list[UnitType]) -> Filters:
    """The filters asked for, each kept only if it is one of the choices offered to this user."""
    province = params.get("province", "")[:2]
    unit_type = params.get("type", "")[:30]
    cohort = params.get("cohort", "")[:60]
    return Filters(
        province=province if province in {p.code for p in provinces} else "",
        unit_type=unit_type if unit_type in {t.code for t in types} else "",
        cohort=cohort if cohort in {t.cohort for t in types} else "",
    )


def _crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return [(_("Home"), reverse("core:home")), *items]


# ---------------------------------------------------------------- the dashboard


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The dashboard of the current period."""
    _ensure_overview(request.user)
    period = current_period()
    if period is None:
        messages.info(request, _("No assessment period has been created yet."))
        return redirect("core:home")
    return redirect("reports:dashboard", year=period.year)


def _step_labels() -> dict[str, str]:
    return {
        "declared": _("Declared"),
        "eligible": _("Eligible"),
        "submitted": _("Submitted"),
        "verified": _("Verified"),
        "scored": _("Scored"),
        "awarded": _("Awarded"),
    }


def _funnel_steps(total: selectors.FunnelRow) -> list[tuple[str, str, int, Decimal | None]]:
    """(step, label, units, share of the declared units in percent) for the funnel's summary table."""
    labels = _step_labels()
    return [
        (
            step,
            labels[step],
            value,
            (Decimal(value * 100) / total.declared).quantize(Decimal("0.1")) if total.declared else None,
        )
        for step, value in zip(selectors.FUNNEL_STEPS, total.values(), strict=True)
    ]


def _charts(dash: selectors.Dashboard) -> dict[str, dict[str, Any]]:
    """The data of the page's charts, in the shape ``p2ham/charts.js`` draws (the tables carry the same)."""
    steps = _step_labels()
    return {
        "funnel": {
            "labels": [steps[s] for s in selectors.FUNNEL_STEPS],
            "datasets": [{"label": _("Units"), "data": dash.funnel.total.values()}],
            "x_title": _("Stage"),
            "y_title": _("Units"),
        },
        "histogram": {
            "labels": [b.label for b in dash.histogram],
            "datasets": [{"label": _("Units"), "data": [b.count for b in dash.histogram]}],
            "x_title": _("Total score"),
            "y_title": _("Units"),
        },
        "weakest": {
            "labels": [f"{w.code} ({w.instrument_code})" for w in dash.weakest],
            "datasets": [{"label": _("Mean score"), "data": [float(w.mean) for w in dash.weakest]}],
            "x_title": _("Indicator"),
            "y_title": _("Mean score"),
        },
    }


def _yoy_context(request: HttpRequest, period: Period, previous: Period | None, filters: Filters) -> dict[str, Any]:
    q = request.GET.get("q", "").strip()[:100]
    sort = request.GET.get("sort", "name")
    sort = sort if sort in selectors.YOY_SORTS else "name"
    rows = selectors.year_over_year(
        user=request.user, period=period, previous=previous, filters=filters, q=q, sort=sort
    )
    page = Paginator(rows, YOY_PAGE_SIZE).get_page(request.GET.get("page"))
    return {"yoy_page": page, "yoy_q": q, "yoy_sort": sort}


@login_required
@require_GET
def dashboard(request: HttpRequest, year: int) -> HttpResponse:
    """The year's dashboard for the user's scope; ``?province=&type=`` narrow every section."""
    _ensure_overview(request.user)
    period = period_by_year_or_404(year)
    provinces = selectors.scope_provinces(request.user)
    types = selectors.unit_types()
    filters = _filters(request.GET, provinces, types)
    previous = selectors.previous_period(period)
    htmx = request.htmx  # type: ignore[attr-defined]
    if htmx and not htmx.history_restore_request and htmx.target == "yoy":
        context = {
            "period": period,
            "previous": previous,
            "filters": filters,
            **_yoy_context(request, period, previous, filters),
        }
        return render(request, "reports/partials/_yoy.html", context)
    dash = selectors.dashboard(
        user=request.user, period=period, filters=filters, provinces=provinces, previous=previous
    )
    context = {
        "period": period,
        "previous": previous,
        "dash": dash,
        "filters": filters,
        "provinces": provinces,
        "unit_types": types,
        "periods": selectors.period_choices(),
        "steps": list(_step_labels().items()),
        "funnel_steps": _funnel_steps(dash.funnel.total),
        "charts": _charts(dash),
        "active_nav": "dashboard",
        "breadcrumbs": _crumbs((_("Dashboard %(year)s") % {"year": year}, "")),
        **_yoy_context(request, period, previous, filters),
    }
    return render(request, "reports/dashboard.html", context)


# ---------------------------------------------------------------- exports


def _exports_context(
    request: HttpRequest,
    period: Period,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    provinces = selectors.scope_provinces(request.user)
    types = selectors.unit_types()
    jobs = selectors.export_jobs(user=request.user, period=period)
    return {
        "period": period,
        "provinces": provinces,
        "province_names": {p.code: p.name for p in provinces},
        "unit_types": types,
        "type_names": {t.code: t.name for t in types},
        "cohorts": sorted({t.cohort for t in types}),
        "national": selectors.is_national(request.user),
        "formats": ExportJob.Format.choices,
        "values": values or {"format": ExportJob.Format.XLSX, "province": "", "type": "", "cohort": ""},
        "errors": errors or {},
        "jobs": jobs,
        "polling": any(j.status in ACTIVE_JOBS for j in jobs),
        "active_nav": "dashboard",
        "breadcrumbs": _crumbs(
            (_("Dashboard %(year)s") % {"year": period.year}, reverse("reports:dashboard", args=[period.year])),
            (_("Exports"), ""),
        ),
    }


@login_required
@require_http_methods(["GET", "POST"])
def exports_page(request: HttpRequest, year: int) -> HttpResponse:
    """The export form and the user's own export jobs of the year; a POST starts a job."""
    _ensure_overview(request.user)
    period = period_by_year_or_404(year)
    if request.method == "GET":
        return render(request, "reports/exports.html", _exports_context(request, period))
    values = {
        "format": request.POST.get("format", "")[:10],
        "province": request.POST.get("province", "")[:2],
        "type": request.POST.get("type", "")[:30],
        "cohort": request.POST.get("cohort", "")[:60],
    }
    provinces = selectors.scope_provinces(request.user)
    types = selectors.unit_types()
    errors: dict[str, list[str]] = {}
    if values["format"] not in ExportJob.Format.values:
        errors["format"] = [_("Choose Excel or CSV.")]
    if values["province"] and values["province"] not in {p.code for p in provinces}:
        errors["province"] = [_("Choose one of the provinces in the list.")]
    if values["type"] and values["type"] not in {t.code for t in types}:
        errors["type"] = [_("Choose one of the unit types in the list.")]
    if values["cohort"] and values["cohort"] not in {t.cohort for t in types}:
        errors["cohort"] = [_("Choose one of the cohorts in the list.")]
    if not errors:
        try:
            exports.export_request(
                actor=request.user,
                period=period,
                fmt=values["format"],
                filters=Filters(province=values["province"], unit_type=values["type"], cohort=values["cohort"]),
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"form": exc.messages}
    if errors:
        context = _exports_context(request, period, values=values, errors=errors)
        context["error"] = _("The export was not started: correct what is marked below.")
        return render(request, "reports/exports.html", context, status=400)
    messages.success(request, _("The export has started. It appears below; download it when it is ready."))
    return redirect("reports:exports", year=year)


@login_required
@require_GET
def export_jobs(request: HttpRequest, year: int) -> HttpResponse:
    """The user's export jobs of the year (the part of the page htmx refreshes while a job runs)."""
    _ensure_overview(request.user)
    period = period_by_year_or_404(year)
    return render(request, "reports/partials/_export_jobs.html", _exports_context(request, period))


@login_required
@require_GET
def export_download(request: HttpRequest, pk: str) -> FileResponse:
    """The finished file, to the person who asked for it only (404 for anyone else)."""
    job = selectors.export_job_for_download(user=request.user, pk=pk)
    response = FileResponse(
        default_storage.open(job.storage_name, "rb"),
        as_attachment=True,
        filename=job.file_name,
        content_type=exports.CONTENT_TYPES[ExportJob.Format(job.format)],
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
