"""Periods: list, create, stage windows, the status pipeline and deadline extensions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.instruments.selectors import period_instruments
from p2ham.periods import selectors, services
from p2ham.periods.forms import DeadlineExtensionForm, PeriodCreateForm, StageWindowsForm
from p2ham.periods.models import Period, Stage

TRANSITION_LABELS = {
    Period.Status.OPEN: gettext_lazy("Open the period"),
    Period.Status.CLOSED: gettext_lazy("Close the period"),
    Period.Status.ARCHIVED: gettext_lazy("Archive the period"),
}


def _require(request: HttpRequest, action: Action) -> None:
    if not policy.can(request.user, action):
        raise PermissionDenied


def _crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return [(_("Home"), reverse("core:home")), (_("Periods"), reverse("periods:list")), *items]


def form_errors_from(exc: ValidationError, form: Any) -> None:
    """Put a service's ValidationError onto the form so the page shows it beside what was typed."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_GET
def period_index(request: HttpRequest) -> HttpResponse:
    _require(request, Action.PERIOD_VIEW)
    return render(
        request,
        "periods/list.html",
        {
            "periods": selectors.period_list(),
            "can_manage": policy.can(request.user, Action.PERIOD_MANAGE),
            "active_nav": "periods",
            "breadcrumbs": [(_("Home"), reverse("core:home")), (_("Periods"), "")],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def period_create(request: HttpRequest) -> HttpResponse:
    _require(request, Action.PERIOD_MANAGE)
    form = PeriodCreateForm(request.POST or None, initial={"year": timezone.localdate().year + 1})
    if request.method == "POST" and form.is_valid():
        try:
            period = services.period_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request,
                _(
                    "Period %(year)s created as a draft with the usual stage windows. "
                    "Check the windows and add the instruments."
                )
                % {"year": period.year},
            )
            return redirect("periods:detail", year=period.year)
    return render(
        request,
        "periods/create.html",
        {
            "form": form,
            "active_nav": "periods",
            "breadcrumbs": _crumbs((_("New period"), "")),
        },
        status=400 if form.errors else 200,
    )


def _period(year: int) -> Period:
    return get_object_or_404(Period, year=year)


@login_required
@require_GET
def period_detail(request: HttpRequest, year: int) -> HttpResponse:
    _require(request, Action.PERIOD_VIEW)
    period = _period(year)
    return render(
        request,
        "periods/detail.html",
        {
            "period": period,
            "timeline": selectors.period_timeline(period=period, tz=timezone.get_current_timezone()),
            "instruments": period_instruments(period=period),
            "extensions": selectors.extension_list(period=period),
            "can_manage": policy.can(request.user, Action.PERIOD_MANAGE),
            "can_extend": policy.can(request.user, Action.DEADLINE_EXTEND) and period.status == Period.Status.OPEN,
            "can_edit_instruments": policy.can(request.user, Action.INSTRUMENT_MANAGE),
            "transitions": [
                (to, TRANSITION_LABELS[Period.Status(to)])
                for (frm, to) in services.PERIOD_TRANSITIONS
                if frm == period.status
            ],
            "active_nav": "periods",
            "breadcrumbs": _crumbs((str(period.year), "")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def period_windows(request: HttpRequest, year: int) -> HttpResponse:
    _require(request, Action.PERIOD_MANAGE)
    period = _period(year)
    current = {w.stage: (w.opens_at, w.closes_at) for w in period.windows.all()}
    form = StageWindowsForm(request.POST or None, windows=current)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                for stage, opens, closes in form.stage_fields:
                    services.stage_window_set(
                        actor=request.user,
                        period=period,
                        stage=stage,
                        opens_at=form.cleaned_data[opens],
                        closes_at=form.cleaned_data[closes],
                    )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("The stage windows are saved."))
            return redirect("periods:detail", year=period.year)
    return render(
        request,
        "periods/windows.html",
        {
            "period": period,
            "form": form,
            "active_nav": "periods",
            "breadcrumbs": _crumbs(
                (str(period.year), reverse("periods:detail", args=[period.year])), (_("Stage windows"), "")
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def period_transition(request: HttpRequest, year: int, to: str) -> HttpResponse:
    _require(request, Action.PERIOD_MANAGE)
    period = _period(year)
    if to not in TRANSITION_LABELS:
        raise Http404
    error = None
    if request.method == "POST":
        try:
            services.period_transition(actor=request.user, period=period, to=to)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("Period %(year)s is now %(status)s.")
                % {"year": period.year, "status": Period.Status(to).label.lower()},
            )
            return redirect("periods:detail", year=period.year)
    return render(
        request,
        "periods/transition.html",
        {
            "period": period,
            "to": to,
            "label": TRANSITION_LABELS[Period.Status(to)],
            "error": error,
            "active_nav": "periods",
            "breadcrumbs": _crumbs(
                (str(period.year), reverse("periods:detail", args=[period.year])),
                (str(TRANSITION_LABELS[Period.Status(to)]), ""),
            ),
        },
        status=409 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def extension_grant(request: HttpRequest, year: int) -> HttpResponse:
    _require(request, Action.DEADLINE_EXTEND)
    period = _period(year)
    form = DeadlineExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        unit = (
            policy.scope_units(request.user, Action.DEADLINE_EXTEND)
            .filter(code=form.cleaned_data["unit"], active=True)
            .select_related("province")
            .first()
        )
        if unit is None:
            form.add_error("unit", _("Unknown unit code."))
        else:
            # The deadline is typed as the unit's own local time.
            typed = form.cleaned_data["closes_at"].replace(tzinfo=None).replace(tzinfo=unit.province.tzinfo)
            try:
                services.deadline_extension_grant(
                    actor=request.user,
                    period=period,
                    unit=unit,
                    stage=Stage(form.cleaned_data["stage"]),
                    closes_at=typed,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form_errors_from(exc, form)
            else:
                messages.success(request, _("The deadline of %(unit)s is extended.") % {"unit": unit.name})
                return redirect("periods:detail", year=period.year)
    return render(
        request,
        "periods/extension.html",
        {
            "period": period,
            "form": form,
            "active_nav": "periods",
            "breadcrumbs": _crumbs(
                (str(period.year), reverse("periods:detail", args=[period.year])), (str(_("Extend a deadline")), "")
            ),
        },
        status=400 if form.errors else 200,
    )
