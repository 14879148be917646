"""Instrument screens: the editor (build, reorder, edit), preview, Excel round trip, versions and clones."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.core.tabular import TableFileError
from p2ham.instruments import forms, selectors, services
from p2ham.instruments.defaults import load_default_instruments
from p2ham.instruments.excel import tree_to_xlsx, xlsx_to_tree
from p2ham.instruments.models import AnswerScale, Criterion, Indicator, Instrument
from p2ham.instruments.scoring import NOT_APPLICABLE
from p2ham.instruments.tree import TreeError
from p2ham.organizations.forms import ImportFileForm
from p2ham.periods.models import Period
from p2ham.periods.views import form_errors_from

_SESSION_KEY = "p2ham_pending_instrument_import"


def _require(request: HttpRequest, action: Action) -> None:
    if not policy.can(request.user, action):
        raise PermissionDenied


def _instrument(pk: int) -> Instrument:
    return get_object_or_404(Instrument.objects.select_related("period"), pk=pk)


def _crumbs(instrument: Instrument, *items: tuple[str, str]) -> list[tuple[str, str]]:
    return [
        (_("Home"), reverse("core:home")),
        (_("Periods"), reverse("periods:list")),
        (str(instrument.period.year), reverse("periods:detail", args=[instrument.period.year])),
        (
            f"{instrument.name} v{instrument.version}",
            reverse("instruments:detail", args=[instrument.pk]) if items else "",
        ),
        *items,
    ]


def _editable(instrument: Instrument) -> bool:
    return not instrument.frozen and instrument.period.status not in (Period.Status.CLOSED, Period.Status.ARCHIVED)


@login_required
@require_GET
def instrument_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.INSTRUMENT_VIEW)
    instrument = selectors.instrument_with_tree(pk=_instrument(pk).pk)
    can_manage = policy.can(request.user, Action.INSTRUMENT_MANAGE)
    total_weight = sum(c.weight for c in instrument.criteria.all())
    return render(
        request,
        "instruments/detail.html",
        {
            "instrument": instrument,
            "can_edit": can_manage and _editable(instrument),
            "can_manage": can_manage,
            "can_correct": can_manage
            and instrument.frozen
            and instrument.current
            and instrument.period.status == Period.Status.OPEN,
            "can_publish": can_manage and not instrument.current and not instrument.frozen,
            "total_weight": total_weight,
            "active_nav": "periods",
            "breadcrumbs": _crumbs(instrument),
        },
    )


@login_required
@require_GET
def instrument_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The instrument as a unit sees it; choosing answers and "Calculate" shows the score and why."""
    _require(request, Action.INSTRUMENT_VIEW)
    instrument = selectors.instrument_with_tree(pk=_instrument(pk).pk)
    chosen: dict[int, int] = {}
    breakdown = None
    if "hitung" in request.GET:
        # option id -> (its scale, its score): an answer must be an option of the indicator's own scale.
        options = {o.pk: (scale.pk, o.score) for scale in instrument.scales.all() for o in scale.options.all()}
        answers: dict[str, Any] = {}
        for criterion in instrument.criteria.all():
            for indicator in criterion.indicators.all():
                value = request.GET.get(f"a{indicator.pk}", "")
                if value == "na":
                    answers[indicator.code] = NOT_APPLICABLE
                    chosen[indicator.pk] = 0
                elif value.isascii() and value.isdigit() and options.get(int(value), (None,))[0] == indicator.scale_id:
                    answers[indicator.code] = options[int(value)][1]
                    chosen[indicator.pk] = int(value)
        breakdown = selectors.instrument_scorer(instrument).score(answers)
    return render(
        request,
        "instruments/preview.html",
        {
            "instrument": instrument,
            "chosen": chosen,
            "breakdown": breakdown,
            "active_nav": "periods",
            "breadcrumbs": _crumbs(instrument, (_("Preview"), "")),
        },
    )


@login_required
@require_POST
def load_defaults(request: HttpRequest, year: int) -> HttpResponse:
    _require(request, Action.INSTRUMENT_MANAGE)
    period = get_object_or_404(Period, year=year)
    try:
        added = load_default_instruments(actor=request.user, period=period)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if added:
            messages.success(request, _("%(count)s default instruments added.") % {"count": len(added)})
        else:
            messages.info(request, _("The period already has every default instrument."))
    return redirect("periods:detail", year=period.year)


# ---------------------------------------------------------------- piece-by-piece editing


def _edit_page(
    request: HttpRequest, instrument: Instrument, form: Any, title: str, template: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        template,
        {
            "instrument": instrument,
            "form": form,
            "title": title,
            "active_nav": "periods",
            "breadcrumbs": _crumbs(instrument, (title, "")),
            **extra,
        },
        status=400 if form.errors else 200,
    )


def _editable_or_refuse(request: HttpRequest, instrument: Instrument) -> HttpResponse | None:
    if not _editable(instrument):
        messages.error(
            request, _("This instrument is frozen because the period is open. Make a new version to correct it.")
        )
        return redirect("instruments:detail", pk=instrument.pk)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def criterion_edit(request: HttpRequest, pk: int, criterion_pk: int | None = None) -> HttpResponse:
    _require(request, Action.INSTRUMENT_MANAGE)
    instrument = _instrument(pk)
    if (refused := _editable_or_refuse(request, instrument)) is not None:
        return refused
    criterion = get_object_or_404(Criterion, pk=criterion_pk, instrument=instrument) if criterion_pk else None
    initial = {"code": criterion.code, "name": criterion.name, "weight": criterion.weight} if criterion else {}
    form = forms.CriterionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.criterion_save(actor=request.user, instrument=instrument, criterion=criterion, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Criterion %(code)s saved.") % {"code": form.cleaned_data["code"]})
            return redirect("instruments:detail", pk=instrument.pk)
    title = _("Edit criterion") if criterion else _("New criterion")
    return _edit_page(request, instrument, form, title, "instruments/edit_form.html")


def _indicator_initial(indicator: Indicator) -> dict[str, Any]:
    return {name: getattr(indicator, name) for name in services.INDICATOR_FIELDS}


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, pk: int, indicator_pk: int | None = None) -> HttpResponse:
    _require(request, Action.INSTRUMENT_MANAGE)
    instrument = _instrument(pk)
    if (refused := _editable_or_refuse(request, instrument)) is not None:
        return refused
    indicator = get_object_or_404(Indicator, pk=indicator_pk, instrument=instrument) if indicator_pk else None
    criterion = (
        indicator.criterion
        if indicator
        else get_object_or_404(
            Criterion, pk=request.GET.get("kriteria") or request.POST.get("criterion"), instrument=instrument
        )
    )
    form = forms.IndicatorForm(
        request.POST or None, instrument=instrument, initial=_indicator_initial(indicator) if indicator else {}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_save(actor=request.user, criterion=criterion, indicator=indicator, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Indicator %(code)s saved.") % {"code": form.cleaned_data["code"]})
            return redirect(reverse("instruments:detail", args=[instrument.pk]) + f"#criterion-{criterion.pk}")
    title = _("Edit indicator") if indicator else _("New indicator under %(code)s") % {"code": criterion.code}
    return _edit_page(request, instrument, form, title, "instruments/edit_form.html", criterion=criterion)


@login_required
@require_http_methods(["GET", "POST"])
def scale_edit(request: HttpRequest, pk: int, scale_pk: int | None = None) -> HttpResponse:
    _require(request, Action.INSTRUMENT_MANAGE)
    instrument = _instrument(pk)
    if (refused := _editable_or_refuse(request, instrument)) is not None:
        return refused
    scale = get_object_or_404(AnswerScale, pk=scale_pk, instrument=instrument) if scale_pk else None
    initial: dict[str, Any] = {}
    if scale:
        initial = {"code": scale.code, "name": scale.name}
        for row, option in enumerate(scale.options.all()[: forms.ScaleForm.ROWS]):
            initial[f"label_{row}"], initial[f"score_{row}"] = option.label, option.score
    form = forms.ScaleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.scale_save(
                actor=request.user,
                instrument=instrument,
                scale=scale,
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                options=form.cleaned_data["options"],
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Scale %(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect(reverse("instruments:detail", args=[instrument.pk]) + "#scales")
    title = _("Edit answer scale") if scale else _("New answer scale")
    return _edit_page(request, instrument, form, title, "instruments/scale_form.html")


@login_required
@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.INSTRUMENT_MANAGE)
    instrument = _instrument(pk)
    if (refused := _editable_or_refuse(request, instrument)) is not None:
        return refused
    form = forms.InstrumentSettingsForm(
        request.POST or None,
        initial={
            "name": instrument.name,
            "regulation_label": instrument.regulation_label,
            "predicate_threshold": instrument.predicate_threshold,
            "bonus_cap": instrument.bonus_cap,
            "penalty_cap": instrument.penalty_cap,
            "unit_types": list(instrument.unit_types.all()),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["unit_types"] = list(data["unit_types"])
        try:
            services.instrument_settings_save(actor=request.user, instrument=instrument, **data)
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("instruments:detail", pk=instrument.pk)
    return _edit_page(request, instrument, form, _("Instrument settings"), "instruments/edit_form.html")


@login_required
@require_POST
def item_action(request: HttpRequest, pk: int, kind: str, item_pk: int, action: str) -> HttpResponse:
    """Move up / move down / delete a criterion or an indicator (buttons on the editor, keyboard-usable)."""
    _require(request, Action.INSTRUMENT_MANAGE)
    instrument = _instrument(pk)
    if kind not in {"kriteria", "indikator"} or action not in {"naik", "turun", "hapus"}:
        raise Http404
    item: Criterion | Indicator = (
        get_object_or_404(Criterion, pk=item_pk, instrument=instrument)
        if kind == "kriteria"
        else get_object_or_404(Indicator, pk=item_pk, instrument=instrument)
    )
    model = type(item)
    try:
        if action == "hapus":
            services.item_delete(actor=request.user, item=item)
            messages.success(request, _("%(code)s deleted.") % {"code": item.code})
        else:
            services.item_move(actor=request.user, item=item, direction=-1 if action == "naik" else 1)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    anchor = f"#criterion-{item.pk}" if model is Criterion else f"#indicator-{item.pk}"
    if action == "hapus":
        anchor = ""
    if request.htmx:  # type: ignore[attr-defined]
        instrument = selectors.instrument_with_tree(pk=instrument.pk)
        position = (
            [c.pk for c in instrument.criteria.all()]
            if model is Criterion
            else [
                i.pk
                for c in instrument.criteria.all()
                for i in c.indicators.all()
                if c.pk == getattr(item, "criterion_id", None)
            ]
        )
        announce = (
            _("%(code)s is now at position %(n)s.") % {"code": item.code, "n": position.index(item.pk) + 1}
            if item.pk in position
            else _("%(code)s deleted.") % {"code": item.code}
        )
        return render(
            request,
            "instruments/partials/_editor.html",
            {
                "instrument": instrument,
                "can_edit": _editable(instrument),
                "focus": f"{kind}-{item_pk}-{action}",
                "announce": announce,
            },
        )
    return redirect(reverse("instruments:detail", args=[instrument.pk]) + anchor)


# ---------------------------------------------------------------- Excel round trip


@login_required
@require_GET
def export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.INSTRUMENT_VIEW)
    instrument = _instrument(pk)
    data = tree_to_xlsx(selectors.instrument_tree(instrument))
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = slugify(f"instrumen-{instrument.period.year}-{instrument.code}-v{instrument.version}")
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _plan(data: bytes) -> tuple[dict[str, Any], list[TreeError]]:
    tree, places, sheet_errors = xlsx_to_tree(data)
    errors = [TreeError(where, message) for where, message in sheet_errors]
    if not errors:
        errors = services.check_tree(tree, where=places).errors
    return tree, errors


@login_required
@require_http_methods(["GET", "POST"])
def import_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.INSTRUMENT_MANAGE)
    instrument = _instrument(pk)
    if (refused := _editable_or_refuse(request, instrument)) is not None:
        return refused
    context: dict[str, Any] = {
        "instrument": instrument,
        "active_nav": "periods",
        "breadcrumbs": _crumbs(instrument, (_("Import from Excel"), "")),
    }
    if request.method == "POST" and "confirm" in request.POST:
        pending = request.session.get(_SESSION_KEY) or {}
        if pending.get("instrument") != instrument.pk or pending.get("token") != request.POST.get("token"):
            messages.error(request, _("This import has expired or was already carried out. Upload the file again."))
            return redirect("instruments:import", pk=instrument.pk)
        path = f"imports/{pending['token']}"
        with default_storage.open(path, "rb") as fh:
            tree, errors = _plan(fh.read())
        try:
            if errors:
                raise ValidationError([f"{e.where}: {e.message}" for e in errors])
            services.instrument_replace(actor=request.user, instrument=instrument, tree=tree)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("instruments:import", pk=instrument.pk)
        finally:
            default_storage.delete(path)
            request.session.pop(_SESSION_KEY, None)
        messages.success(request, _("The instrument was replaced by the content of the workbook."))
        return redirect("instruments:detail", pk=instrument.pk)
    form = ImportFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            tree, errors = _plan(data)
        except TableFileError as exc:
            form.add_error("file", str(exc))
        else:
            context.update(errors=errors, checked=True, filename=form.cleaned_data["file"].name)
            if not errors and tree.get("code") != instrument.code:
                context["errors"] = [
                    TreeError(
                        "instrumen: code",
                        _("The file is for instrument “%(code)s”, not this one.") % {"code": tree.get("code")},
                    )
                ]
            elif not errors:
                token = uuid.uuid4().hex
                default_storage.save(f"imports/{token}", ContentFile(data))
                request.session[_SESSION_KEY] = {"token": token, "instrument": instrument.pk}
                context.update(
                    token=token,
                    summary={
                        "criteria": len(tree["criteria"]),
                        "indicators": sum(len(c["indicators"]) for c in tree["criteria"]),
                        "scales": len(tree["scales"]),
                    },
                )
    context["form"] = form
    return render(request, "instruments/import.html", context, status=400 if form.errors else 200)


# ---------------------------------------------------------------- versions and clones


@login_required
@require_http_methods(["GET", "POST"])
def new_version(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.INSTRUMENT_MANAGE)
    instrument = _instrument(pk)
    form = forms.NewVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.instrument_new_version(
                actor=request.user, instrument=instrument, change_note=form.cleaned_data["change_note"]
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request,
                _("Version %(v)s is ready to edit. It comes into force when you publish it.") % {"v": draft.version},
            )
            return redirect("instruments:detail", pk=draft.pk)
    return _edit_page(
        request, instrument, form, _("Correct the instrument (new version)"), "instruments/edit_form.html"
    )


@login_required
@require_http_methods(["GET", "POST"])
def publish_version(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.INSTRUMENT_MANAGE)
    draft = _instrument(pk)
    error = None
    if request.method == "POST":
        try:
            services.instrument_publish_version(actor=request.user, draft=draft)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Version %(v)s is now in force.") % {"v": draft.version})
            return redirect("instruments:detail", pk=draft.pk)
    return render(
        request,
        "instruments/publish.html",
        {
            "instrument": draft,
            "error": error,
            "active_nav": "periods",
            "breadcrumbs": _crumbs(draft, (_("Publish the correction"), "")),
        },
        status=409 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def clone(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, Action.INSTRUMENT_MANAGE)
    instrument = _instrument(pk)
    periods = Period.objects.filter(status=Period.Status.DRAFT).exclude(pk=instrument.period_id).order_by("year")
    form = forms.CloneForm(request.POST or None, periods=periods)
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.instrument_clone(
                actor=request.user, instrument=instrument, period=form.cleaned_data["period"]
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(
                request,
                _("Copied into %(year)s. Each indicator notes the code it continues.") % {"year": copy.period.year},
            )
            return redirect("instruments:detail", pk=copy.pk)
    return _edit_page(
        request,
        instrument,
        form,
        _("Copy into another year"),
        "instruments/edit_form.html",
        no_target=not periods.exists(),
    )
