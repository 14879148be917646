"""Pencanangan screens: the list, the request form, its page with each role's actions, the ceremony, the
signature, the documents — and the public verification of a statement (the QR code leads there)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.declarations import forms, selectors, services, statements
from p2ham.declarations.models import Declaration, DeclarationDocument, DeclarationUnit
from p2ham.organizations.models import Province, Unit
from p2ham.periods.models import Period
from p2ham.periods.selectors import current_period
from p2ham.periods.views import form_errors_from


@require_GET
@cache_control(max_age=300, public=True)
def verify_statement(request: HttpRequest, code: str) -> HttpResponse:
    """Anyone holding the paper can check it: which unit, which year, signed or not. Nothing else is shown."""
    participant = (
        DeclarationUnit.objects.select_related("unit__province", "declaration__period")
        .filter(verification_code=code.strip().upper()[:16])
        .first()
    )
    return render(
        request,
        "declarations/verify.html",
        {"participant": participant, "code": code[:16]},
        status=200 if participant else 404,
    )


# ---------------------------------------------------------------- the flow (login required)


def _posted_version(request: HttpRequest) -> int:
    """The version a form was based on (0 when missing or not a number: the service then refuses it)."""
    raw = request.POST.get("version", "")
    return int(raw) if raw.isascii() and raw.isdigit() else 0


def _crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return [(_("Home"), reverse("core:home")), (_("Declarations"), reverse("declarations:list")), *items]


def _visible(request: HttpRequest, pk: int) -> Declaration:
    return selectors.declaration_get_or_404(user=request.user, pk=pk)


@login_required
@require_GET
def declaration_index(request: HttpRequest) -> HttpResponse:
    if not policy.can(request.user, Action.DECLARATION_VIEW):
        raise PermissionDenied
    period = current_period()
    declarations = (
        selectors.declaration_list(user=request.user, period=period) if period else Declaration.objects.none()
    )
    status = request.GET.get("status", "")
    if status in Declaration.Status.values:
        declarations = declarations.filter(status=status)
    province = request.GET.get("province", "")
    if province:
        declarations = declarations.filter(requester_unit__province__code=province)
    month = request.GET.get("month", "")
    if month.isascii() and month.isdigit() and 1 <= int(month) <= 12:
        declarations = declarations.filter(planned_date__month=int(month))
    return render(
        request,
        "declarations/list.html",
        {
            "period": period,
            "declarations": declarations.order_by("planned_date"),
            "status": status,
            "province": province,
            "month": month,
            "provinces": Province.objects.order_by("code"),
            "months": [(str(m), formats.date_format(dt.date(2000, m, 1), "F")) for m in range(1, 13)],
            "statuses": Declaration.Status.choices,
            "can_request": policy.can(request.user, Action.DECLARATION_REQUEST),
            "active_nav": "declarations",
            "breadcrumbs": [(_("Home"), reverse("core:home")), (_("Declarations"), "")],
        },
    )


def _request_choices(user: Any) -> tuple[Any, Any]:
    own = [g.unit_id for g in policy.grants(user) if g.role in policy.ACTION_ROLES[Action.DECLARATION_REQUEST]]
    requesters = Unit.objects.filter(pk__in=own, active=True).order_by("name")
    participants = (
        policy.scope_units(user, Action.DECLARATION_REQUEST)
        .filter(active=True)
        .select_related("unit_type")
        .order_by("unit_type__order", "name")
    )
    return requesters, participants


def _form_inputs(form: forms.DeclarationForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "units": list(data["units"]),
        "planned_date": data["planned_date"],
        "planned_venue": data["planned_venue"],
        "declarer_name": data["declarer_name"],
        "declarer_position": data["declarer_position"],
        "witnesses": [services.WitnessInput(*row) for row in form.witnesses()],
    }


@login_required
@require_http_methods(["GET", "POST"])
def declaration_create(request: HttpRequest) -> HttpResponse:
    if not policy.can(request.user, Action.DECLARATION_REQUEST):
        raise PermissionDenied
    period = current_period()
    if period is None or period.status != Period.Status.OPEN:
        messages.error(request, _("Declarations are made only while the period is open."))
        return redirect("declarations:list")
    requesters, participants = _request_choices(request.user)
    form = forms.DeclarationForm(
        request.POST or None, request.FILES or None, requesters=requesters, participants=participants
    )
    if request.method == "POST" and form.is_valid():
        try:
            declaration = services.declaration_create(
                actor=request.user,
                period=period,
                requester_unit=form.cleaned_data["requester_unit"],
                cover_letter=form.cleaned_data.get("cover_letter"),
                **_form_inputs(form),
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Request saved as a draft. Check it, then submit it to Ditjen HAM."))
            return redirect("declarations:detail", pk=declaration.pk)
    return render(
        request,
        "declarations/form.html",
        {
            "form": form,
            "period": period,
            "active_nav": "declarations",
            "breadcrumbs": _crumbs((_("New request"), "")),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def declaration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = _visible(request, pk)
    if not policy.can(request.user, Action.DECLARATION_REQUEST, declaration.requester_unit):
        raise PermissionDenied
    requesters, participants = _request_choices(request.user)
    initial: dict[str, Any] = {
        "requester_unit": declaration.requester_unit,
        "units": [p.unit for p in declaration.units.all()],
        "planned_date": declaration.planned_date,
        "planned_venue": declaration.planned_venue,
        "declarer_name": declaration.declarer_name,
        "declarer_position": declaration.declarer_position,
    }
    for row, witness in enumerate(declaration.witnesses.filter(assigned_by_ditjen=False)[: forms.WITNESS_ROWS]):
        initial.update(
            {
                f"w{row}_name": witness.name,
                f"w{row}_position": witness.position,
                f"w{row}_institution": witness.institution,
                f"w{row}_kind": witness.kind,
            }
        )
    form = forms.DeclarationForm(
        request.POST or None, initial=initial, requesters=requesters, participants=participants
    )
    del form.fields["cover_letter"]  # the letter goes with the first request; corrections are in the notes
    if request.method == "POST" and form.is_valid():
        try:
            services.declaration_update(
                actor=request.user,
                declaration=declaration,
                version=_posted_version(request),
                **_form_inputs(form),
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Request saved."))
            return redirect("declarations:detail", pk=declaration.pk)
    return render(
        request,
        "declarations/form.html",
        {
            "form": form,
            "declaration": declaration,
            "active_nav": "declarations",
            "breadcrumbs": _crumbs(
                (str(declaration.requester_unit), reverse("declarations:detail", args=[pk])), (_("Edit"), "")
            ),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def declaration_detail(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = _visible(request, pk)
    user = request.user
    participants = list(declaration.units.select_related("unit__province", "signed_by").order_by("unit__name"))
    for participant in participants:
        participant.can_sign = (  # type: ignore[attr-defined]
            policy.can(user, Action.STATEMENT_SIGN, participant.unit)
            and not participant.signed
            and declaration.status == Declaration.Status.APPROVED
            and declaration.ceremony_recorded_at is not None
        )
    is_requester = policy.can(user, Action.DECLARATION_REQUEST, declaration.requester_unit)
    is_reviewer = policy.can(user, Action.DECLARATION_REVIEW)
    return render(
        request,
        "declarations/detail.html",
        {
            "declaration": declaration,
            "participants": participants,
            "witnesses": declaration.witnesses.all(),
            "rounds": declaration.rounds.select_related("actor"),
            "documents": declaration.documents.all(),
            "is_requester": is_requester,
            "is_reviewer": is_reviewer,
            "problems": services.completion_problems(declaration) if declaration.status == "approved" else [],
            "approve_form": forms.ApproveForm(),
            "note_form": forms.NoteForm(),
            "active_nav": "declarations",
            "breadcrumbs": _crumbs((str(declaration.requester_unit), "")),
        },
    )


@login_required
@require_POST
def declaration_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    declaration = _visible(request, pk)
    version = _posted_version(request) or None
    note = request.POST.get("note", "")
    try:
        if action == "ajukan":
            if not policy.can(request.user, Action.DECLARATION_REQUEST, declaration.requester_unit):
                raise PermissionDenied
            services.declaration_submit(actor=request.user, declaration=declaration, version=version)
            messages.success(request, _("Request submitted to Ditjen HAM."))
        elif action in {"setujui", "kembalikan", "tolak", "selesaikan"}:
            if not policy.can(request.user, Action.DECLARATION_REVIEW):
                raise PermissionDenied
            if action == "setujui":
                services.declaration_approve(
                    actor=request.user,
                    declaration=declaration,
                    version=version,
                    note=note,
                    ditjen_witness=services.WitnessInput(
                        request.POST.get("witness_name", ""), request.POST.get("witness_position", ""), "", "ditjen"
                    ),
                )
                messages.success(request, _("Request approved."))
            elif action == "kembalikan":
                services.declaration_return(actor=request.user, declaration=declaration, note=note, version=version)
                messages.success(request, _("Request returned for revision."))
            elif action == "tolak":
                if request.POST.get("confirm") != "1":
                    raise ValidationError(_("Tick the box to confirm the rejection."))
                services.declaration_reject(actor=request.user, declaration=declaration, note=note, version=version)
                messages.success(request, _("Request rejected."))
            else:
                services.declaration_complete(actor=request.user, declaration=declaration, version=version)
                messages.success(request, _("Declaration complete: the units are declared."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("declarations:detail", pk=declaration.pk)


@login_required
@require_http_methods(["GET", "POST"])
def ceremony(request: HttpRequest, pk: int) -> HttpResponse:
    declaration = _visible(request, pk)
    if not policy.can(request.user, Action.DECLARATION_REQUEST, declaration.requester_unit):
        raise PermissionDenied
    form = forms.CeremonyForm(
        request.POST or None,
        request.FILES or None,
        witnesses=declaration.witnesses.all(),
        initial={"actual_date": declaration.planned_date, "actual_venue": declaration.planned_venue},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.ceremony_record(
                actor=request.user,
                declaration=declaration,
                actual_date=form.cleaned_data["actual_date"],
                actual_venue=form.cleaned_data["actual_venue"],
                present=[int(p) for p in form.cleaned_data["present"]],
                extra_witnesses=[],
                minutes=form.cleaned_data["minutes"],
                photos=form.cleaned_data["photos"],
                version=_posted_version(request) or None,
            )
        except ValidationError as exc:
            form_errors_from(exc, form)
        else:
            messages.success(request, _("Ceremony recorded. The heads of unit can now sign their statements."))
            return redirect("declarations:detail", pk=declaration.pk)
    return render(
        request,
        "declarations/ceremony.html",
        {
            "form": form,
            "declaration": declaration,
            "active_nav": "declarations",
            "breadcrumbs": _crumbs(
                (str(declaration.requester_unit), reverse("declarations:detail", args=[pk])),
                (_("Record the ceremony"), ""),
            ),
        },
        status=400 if form.errors else 200,
    )


def _participant(request: HttpRequest, pk: int, unit_code: str) -> Any:
    declaration = _visible(request, pk)
    return get_object_or_404(
        declaration.units.select_related("unit__province", "declaration__period"), unit__code=unit_code
    )


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, pk: int, unit_code: str) -> HttpResponse:
    participant = _participant(request, pk, unit_code)
    if not policy.can(request.user, Action.STATEMENT_SIGN, participant.unit):
        raise PermissionDenied
    upload_form = forms.SignUploadForm(
        request.POST if "upload" in request.POST else None, request.FILES if "upload" in request.POST else None
    )
    app_form = forms.SignInAppForm(request.POST if "in_app" in request.POST else None)
    try:
        if "upload" in request.POST and upload_form.is_valid():
            statements.statement_sign_upload(
                actor=request.user, participant=participant, uploaded=upload_form.cleaned_data["file"]
            )
            messages.success(request, _("Statement signed."))
            return redirect("declarations:detail", pk=pk)
        if "in_app" in request.POST and app_form.is_valid():
            statements.statement_sign_in_app(
                actor=request.user, participant=participant, password=app_form.cleaned_data["password"]
            )
            messages.success(request, _("Statement signed."))
            return redirect("declarations:detail", pk=pk)
    except ValidationError as exc:
        form_errors_from(exc, app_form if "in_app" in request.POST else upload_form)
    failed = upload_form.errors or app_form.errors
    return render(
        request,
        "declarations/sign.html",
        {
            "participant": participant,
            "upload_form": upload_form,
            "app_form": app_form,
            "active_nav": "declarations",
            "breadcrumbs": _crumbs(
                (str(participant.declaration.requester_unit), reverse("declarations:detail", args=[pk])),
                (_("Sign the statement"), ""),
            ),
        },
        status=400 if failed else 200,
    )


@login_required
@require_GET
def statement_download(request: HttpRequest, pk: int, unit_code: str) -> FileResponse:
    participant = _participant(request, pk, unit_code)
    if not selectors.may_read_statement(user=request.user, participant=participant):
        raise Http404
    if participant.signed_file:
        extension = participant.signed_file.rsplit(".", 1)[-1]
        return FileResponse(
            default_storage.open(participant.signed_file, "rb"),
            as_attachment=False,
            filename=f"pernyataan-{unit_code}.{extension}",
        )
    import io

    return FileResponse(
        io.BytesIO(statements.statement_pdf(participant)),
        as_attachment=False,
        filename=f"pernyataan-{unit_code}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int, doc_pk: int) -> FileResponse:
    declaration = _visible(request, pk)
    document = get_object_or_404(DeclarationDocument, pk=doc_pk, declaration=declaration)
    return FileResponse(
        default_storage.open(document.file, "rb"),
        as_attachment=True,
        filename=document.original_name or document.file.rsplit("/", 1)[-1],
        content_type=document.content_type,
    )


@login_required
@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    """Declared / in process / not started per province, on screen or as an Excel file."""
    if not policy.can(request.user, Action.DECLARATION_VIEW):
        raise PermissionDenied
    period = current_period()
    rows = selectors.province_progress(user=request.user, period=period) if period else []
    if request.GET.get("format") == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Progress"))
        sheet.append([_("Code"), _("Province"), _("Units"), _("Declared"), _("In process"), _("Not started")])
        for row in rows:
            sheet.append(
                [
                    row["province"].code,
                    row["province"].name,
                    row["total"],
                    row["declared"],
                    row["in_process"],
                    row["not_started"],
                ]
            )
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        year = period.year if period else ""
        response["Content-Disposition"] = f'attachment; filename="pencanangan-{year}.xlsx"'
        return response
    totals = {key: sum(r[key] for r in rows) for key in ("total", "declared", "in_process", "not_started")}
    return render(
        request,
        "declarations/progress.html",
        {
            "period": period,
            "rows": rows,
            "totals": totals,
            "active_nav": "declarations",
            "breadcrumbs": _crumbs((_("Progress per province"), "")),
        },
    )


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """Planned ceremonies of one month (``?bulan=YYYY-MM``), day by day, with links to the next and previous month."""
    if not policy.can(request.user, Action.DECLARATION_VIEW):
        raise PermissionDenied
    period = current_period()
    today = timezone.localdate()
    try:
        year, month = (int(part) for part in request.GET.get("bulan", "").split("-"))
        first = dt.date(year, month, 1)
    except (ValueError, OverflowError):
        first = today.replace(day=1)
    if not 2000 <= first.year <= 2100:
        first = today.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    declarations = (
        selectors.declaration_list(user=request.user, period=period).exclude(status=Declaration.Status.REJECTED)
        if period
        else Declaration.objects.none()
    )
    days: dict[dt.date, list[Declaration]] = {}
    for declaration in declarations.filter(planned_date__gte=first, planned_date__lt=following).order_by(
        "planned_date", "requester_unit__name"
    ):
        days.setdefault(declaration.planned_date, []).append(declaration)
    return render(
        request,
        "declarations/calendar.html",
        {
            "period": period,
            "month": first,
            "days": sorted(days.items()),
            "previous": f"{previous:%Y-%m}",
            "next": f"{following:%Y-%m}",
            "active_nav": "declarations",
            "breadcrumbs": _crumbs((_("Calendar of ceremonies"), "")),
        },
    )
