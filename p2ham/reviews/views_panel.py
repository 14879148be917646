"""Panel screens (stage 7): each assessor scores the verified indicators on their own (saved per row with
htmx, and without JavaScript), submits, and only then sees the others' scores; the chair moderates the
disagreements, records adjustments, a veto and field visits, and finishes the panel. Ditjen HAM reads.

Who sees the page: an assessor with an active seat, and Ditjen HAM. Anyone else gets a 404 (as for any
object outside their scope); an assessor who declared a conflict of interest sees only that declaration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from p2ham.assessments.models import Assessment
from p2ham.assessments.selectors import assessment_get_or_404
from p2ham.assessments.services import StaleVersion
from p2ham.core import policy
from p2ham.core.files import CONTENT_TYPES, UploadKindNotAllowed, UploadTooLarge
from p2ham.core.policy import Action
from p2ham.periods.services import TransitionError
from p2ham.reviews import selectors, services, services_panel
from p2ham.reviews.models import (
    Adjustment,
    AdjustmentKind,
    AdjustmentRule,
    FieldVisitPhoto,
    PanelAssignment,
    PanelResult,
    Veto,
)
from p2ham.reviews.selectors import PanelPage, PanelRow

S = Assessment.Status
CHANGE_ROWS = 3  # verified answers a field visit can change in one form (more: record another visit)
PHOTO_KINDS = {"jpeg", "png", "webp"}


@dataclass
class Typed:
    """What a person sent in a row's form, kept when it was refused (or the stored value after a conflict)."""

    option: int | None
    note: str
    error: str
    stale: bool = False


def _int_or_none(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _errors(exc: ValidationError, field: str = "__all__") -> dict[str, list[str]]:
    """A service's refusal as errors per form field (a message without a field goes to ``field``)."""
    if hasattr(exc, "error_dict"):
        return {key: list(value) for key, value in exc.message_dict.items()}
    return {field: list(exc.messages)}


def _status(exc: ValidationError) -> int:
    """The HTTP status of a refusal: too large 413, wrong kind 415, wrong state or stale 409, else 400."""
    if isinstance(exc, UploadTooLarge):
        return 413
    if isinstance(exc, UploadKindNotAllowed):
        return 415
    return 409 if isinstance(exc, TransitionError) else 400


def _page_url(assessment: Assessment, anchor: str = "") -> str:
    url = reverse("panel:page", args=[assessment.period.year, assessment.unit.code])
    return url + (f"#{anchor}" if anchor else "")


def _dom(code: str) -> str:
    """An indicator code as an HTML id (as the ``dom_id`` template filter writes it)."""
    return code.replace(".", "-").replace(" ", "-")


def _row_anchor(code: str) -> str:
    return "row-" + _dom(code)


def _may_read(user: Any, assessment: Assessment) -> PanelAssignment | bool:
    """The viewer's active seat; ``True`` for Ditjen HAM (reads, does not act); ``False`` for anyone else."""
    seat = selectors.panel_seat(user, assessment)
    if seat is not None:
        return seat
    return policy.can(user, Action.REVIEW_ASSIGN, assessment.unit)


def _panel_assessment(request: HttpRequest, year: int, unit_code: str) -> Assessment:
    """The assessment if the user may read its panel; otherwise 404."""
    assessment = assessment_get_or_404(user=request.user, year=year, unit_code=unit_code)
    if _may_read(request.user, assessment) is False:
        raise Http404
    return assessment


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# ---------------------------------------------------------------- the page


def _criteria(rows: list[PanelRow]) -> list[tuple[Any, list[PanelRow]]]:
    """The rows grouped by criterion, in instrument order (each indicator was loaded with its criterion)."""
    groups = (list(group) for _criterion, group in groupby(rows, key=lambda r: r.indicator.criterion_id))
    return [(group[0].indicator.criterion, group) for group in groups]


def _change_choices(page: PanelPage) -> list[tuple[PanelRow, list[Any]]]:
    """The verified indicators a field visit may change, each with the answers of its scale."""
    return [(row, row.options) for row in page.rows if row.verification is not None and row.verification.final]


def _change_row(values: Any, index: int) -> dict[str, Any]:
    """One change row of the field-visit form, as typed (to show it again after a refusal)."""
    code, _sep, option = str(values.get(f"change_{index}", "")).rpartition("|")
    return {
        "index": index,
        "code": code,
        "option": _int_or_none(option),
        "note": values.get(f"change_note_{index}", ""),
    }


def _context(
    request: HttpRequest,
    assessment: Assessment,
    *,
    bound: dict[str, Any] | None = None,
    score_typed: dict[str, Typed] | None = None,
    moderate_typed: dict[str, Typed] | None = None,
) -> dict[str, Any]:
    page = selectors.panel_page(assessment=assessment, user=request.user)
    in_panel = assessment.status == S.IN_PANEL
    acting = page.seat is not None and in_panel
    chair_tools = acting and page.is_chair and page.all_submitted
    scored = assessment.status in (S.SCORED, S.DETERMINED)
    bound = bound or {}
    visit = bound.get("visit", {}).get("values", {})
    return {
        "assessment": assessment,
        "unit": assessment.unit,
        "page": page,
        "criteria": _criteria(page.rows),
        "in_panel": in_panel,
        "acting": acting,
        "scoring": acting and page.seat is not None and page.seat.submitted_at is None,
        "chair_tools": chair_tools,
        "scorable": len(page.scorable_rows),
        # Verification not finished or the panel not complete yet (or a status the panel never sees).
        "before_panel": not (in_panel or scored),
        "preview": selectors.panel_breakdown(page) if in_panel and page.see_all and page.all_submitted else None,
        "result": PanelResult.objects.filter(assessment=assessment).select_related("scored_by").first()
        if scored
        else None,
        "veto": Veto.objects.filter(assessment=assessment).select_related("created_by").first()
        if page.see_all
        else None,
        "rules": list(AdjustmentRule.objects.all()) if chair_tools else [],
        "kinds": AdjustmentKind.choices,
        "change_choices": _change_choices(page) if chair_tools else [],
        "change_rows": [_change_row(visit, i) for i in range(CHANGE_ROWS)],
        "moderatable": {
            r.indicator.code for r in page.rows if r.scorable and (r.flagged or r.moderated or not r.others)
        }
        if chair_tools
        else set(),
        "bound": bound,
        "score_typed": score_typed or {},
        "moderate_typed": moderate_typed or {},
        "assessment_url": reverse("assessments:page", args=[assessment.period.year, assessment.unit.code]),
        "base": _page_url(assessment),
        "active_nav": "assessments",
        "breadcrumbs": [
            (_("Home"), reverse("core:home")),
            (_("Self-assessment"), reverse("assessments:list")),
            (assessment.unit.name, reverse("assessments:page", args=[assessment.period.year, assessment.unit.code])),
            (_("Panel"), ""),
        ],
    }


def _render_page(request: HttpRequest, assessment: Assessment, *, status: int = 200, **extra: Any) -> HttpResponse:
    return render(request, "reviews/panel.html", _context(request, assessment, **extra), status=status)


@login_required
@require_GET
def panel_page(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    assessment = assessment_get_or_404(user=request.user, year=year, unit_code=unit_code)
    if _may_read(request.user, assessment) is False:
        # An assessor who declared a conflict is told so (they followed a link to a panel they left).
        declared = (
            PanelAssignment.objects.filter(
                assessment=assessment, assessor_id=request.user.pk, conflict_declared_at__isnull=False
            ).first()
            if policy.can(request.user, Action.PANEL_SCORE, assessment.unit)
            else None
        )
        if declared is None:
            raise Http404
        return render(
            request,
            "reviews/panel_conflict.html",
            {"assessment": assessment, "unit": assessment.unit, "seat": declared, "active_nav": "assessments"},
        )
    return _render_page(request, assessment)


@login_required
@require_GET
def preview(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """The live breakdown of the panel's final values (refreshed after each moderation)."""
    assessment = _panel_assessment(request, year, unit_code)
    context = _context(request, assessment)
    if context["preview"] is None:
        raise Http404
    return render(request, "reviews/partials/_panel_preview_refresh.html", context)


# ---------------------------------------------------------------- an assessor's scores


def _row(page: PanelPage, code: str) -> PanelRow:
    row = next((r for r in page.rows if r.indicator.code == code), None)
    if row is None:
        raise Http404
    return row


def _option_save(
    request: HttpRequest, assessment: Any, indicator_code: str, save: Callable[..., Any]
) -> tuple[int | None, str, str, int, bool]:
    """Call a save of an option and a note (a score, a moderated value) with the version the form was based on;
    returns what was typed, the error (if any), the status and whether the save was stale."""
    option_id = _int_or_none(request.POST.get("option"))
    note = request.POST.get("note", "")
    error, status, stale = "", 200, False
    try:
        save(
            actor=request.user,
            assessment=assessment,
            indicator_code=indicator_code,
            option_id=option_id,
            note=note,
            version=_int_or_none(request.POST.get("version")),
        )
    except StaleVersion as exc:
        error, status, stale = " ".join(exc.messages), 409, True
    except ValidationError as exc:
        error, status = " ".join(exc.messages), _status(exc)
    return option_id, note, error, status, stale


@login_required
@require_POST
def score_save(request: HttpRequest, year: int, unit_code: str, indicator_code: str) -> HttpResponse:
    """Save one's own score of one indicator: htmx gets the saved state back; without JavaScript, the page."""
    assessment = _panel_assessment(request, year, unit_code)
    option_id, note, error, status, stale = _option_save(
        request, assessment, indicator_code, services_panel.panel_score_save
    )
    if not _htmx(request):
        if not error:
            messages.success(request, _("Your score of %(code)s is saved.") % {"code": indicator_code})
            return redirect(_page_url(assessment, _row_anchor(indicator_code)))
        typed = Typed(option_id, note, error, stale)
        return _render_page(request, assessment, status=status, score_typed={indicator_code: typed})
    page = selectors.panel_page(assessment=assessment, user=request.user)
    row = _row(page, indicator_code)
    context = {"assessment": assessment, "unit": assessment.unit, "page": page, "row": row, "error": error}
    if not stale:
        context["scorable"] = len(page.scorable_rows)
        return render(request, "reviews/partials/_panel_score_saved.html", context, status=status)
    # Stale: the stored score replaces what was typed, with the conflict explained; nothing is overwritten.
    context.update(base=_page_url(assessment), typed=Typed(None, "", error, True), scoring=True)
    response = render(request, "reviews/partials/_panel_score_form.html", context, status=status)
    response["HX-Retarget"] = "#score-form-" + _dom(indicator_code)
    response["HX-Reswap"] = "outerHTML"
    return response


def _confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirm") == "1"


@login_required
@require_POST
def submit(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """Submit one's scores: final for oneself, and from then on the others' submitted scores are shown."""
    assessment = _panel_assessment(request, year, unit_code)
    try:
        if not _confirmed(request):
            raise ValidationError({"confirm": [_("Tick the box to confirm that your scores are final.")]})
        services_panel.panel_submit(actor=request.user, assessment=assessment)
    except ValidationError as exc:
        bound = {"submit": {"values": request.POST, "errors": _errors(exc)}}
        return _render_page(request, assessment, status=_status(exc), bound=bound)
    messages.success(request, _("Your scores are submitted. The scores the other assessors submitted are now shown."))
    return redirect(_page_url(assessment))


@login_required
@require_POST
def conflict_declare(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """An assessor declares a conflict of interest and leaves the panel (Ditjen HAM replaces them)."""
    assessment = _panel_assessment(request, year, unit_code)
    try:
        if not _confirmed(request):
            raise ValidationError({"confirm": [_("Tick the box to confirm that you leave this panel.")]})
        services.panel_declare_conflict(
            actor=request.user, assessment=assessment, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        bound = {"conflict": {"values": request.POST, "errors": _errors(exc, "reason")}}
        return _render_page(request, assessment, status=_status(exc), bound=bound)
    messages.success(request, _("Your conflict of interest is recorded; Ditjen HAM will assign a replacement."))
    return redirect(_page_url(assessment))


# ---------------------------------------------------------------- the chair


@login_required
@require_POST
def moderate(request: HttpRequest, year: int, unit_code: str, indicator_code: str) -> HttpResponse:
    """The chair sets the final value of an indicator, with a note."""
    assessment = _panel_assessment(request, year, unit_code)
    option_id, note, error, status, stale = _option_save(
        request, assessment, indicator_code, services_panel.panel_moderate
    )
    if not _htmx(request):
        if not error:
            messages.success(request, _("The final value of %(code)s is set.") % {"code": indicator_code})
            return redirect(_page_url(assessment, _row_anchor(indicator_code)))
        typed = Typed(option_id, note, error, stale)
        return _render_page(request, assessment, status=status, moderate_typed={indicator_code: typed})
    page = selectors.panel_page(assessment=assessment, user=request.user)
    row = _row(page, indicator_code)
    context = {"assessment": assessment, "unit": assessment.unit, "page": page, "row": row, "error": error}
    if not stale:
        response = render(request, "reviews/partials/_panel_moderate_saved.html", context, status=status)
        if not error:
            response["HX-Trigger"] = "panel-changed"  # the live breakdown reloads itself
        return response
    context.update(base=_page_url(assessment), typed=Typed(None, "", error, True), chair_tools=True)
    response = render(request, "reviews/partials/_panel_moderate_form.html", context, status=status)
    response["HX-Retarget"] = "#moderate-form-" + _dom(indicator_code)
    response["HX-Reswap"] = "outerHTML"
    return response


def _too_large(request: HttpRequest, files: int) -> bool:
    """Refuse absurd bodies unread; the service checks each file's own size and kind."""
    length = _int_or_none(request.META.get("CONTENT_LENGTH")) or 0
    return length > (files * services_panel.MAX_DOCUMENT_MB + 1) * services_panel.MB


@login_required
@require_POST
def adjustment_add(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    assessment = _panel_assessment(request, year, unit_code)
    try:
        if _too_large(request, 1):
            raise UploadTooLarge(
                _("The document is larger than %(n)s MB.") % {"n": services_panel.MAX_DOCUMENT_MB}, code="too_large"
            )
        document = request.FILES.get("document")
        services_panel.adjustment_add(
            actor=request.user,
            assessment=assessment,
            kind=request.POST.get("kind", ""),
            points=request.POST.get("points", ""),
            justification=request.POST.get("justification", ""),
            document=document,
        )
    except ValidationError as exc:
        field = "document" if isinstance(exc, UploadTooLarge | UploadKindNotAllowed) else "__all__"
        bound = {"adjustment": {"values": request.POST, "errors": _errors(exc, field)}}
        return _render_page(request, assessment, status=_status(exc), bound=bound)
    messages.success(request, _("The adjustment is recorded."))
    return redirect(_page_url(assessment, "adjustments"))


@login_required
@require_POST
def adjustment_remove(request: HttpRequest, year: int, unit_code: str, pk: int) -> HttpResponse:
    assessment = _panel_assessment(request, year, unit_code)
    adjustment = Adjustment.objects.filter(pk=pk, assessment=assessment).first()
    if adjustment is None:
        raise Http404
    try:
        services_panel.adjustment_remove(actor=request.user, adjustment=adjustment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The adjustment is withdrawn; it stays in the record."))
    return redirect(_page_url(assessment, "adjustments"))


@login_required
@require_POST
def veto_set(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """The chair strikes the unit out (coret), with the reasons."""
    assessment = _panel_assessment(request, year, unit_code)
    try:
        if not _confirmed(request):
            raise ValidationError({"confirm": [_("Tick the box to confirm that the unit is struck out.")]})
        services_panel.veto_set(actor=request.user, assessment=assessment, reasons=request.POST.get("reasons", ""))
    except ValidationError as exc:
        bound = {"veto": {"values": request.POST, "errors": _errors(exc)}}
        return _render_page(request, assessment, status=_status(exc), bound=bound)
    messages.success(request, _("The unit is struck out: it will get no predicate, whatever its score."))
    return redirect(_page_url(assessment, "veto"))


@login_required
@require_POST
def veto_remove(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    assessment = _panel_assessment(request, year, unit_code)
    try:
        services_panel.veto_remove(actor=request.user, assessment=assessment)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The veto is lifted."))
    return redirect(_page_url(assessment, "veto"))


def _visit_changes(request: HttpRequest) -> tuple[list[tuple[str, int | None, str]], list[str]]:
    """The change rows of the field-visit form: (indicator code, new answer, note); empty rows are skipped."""
    changes: list[tuple[str, int | None, str]] = []
    errors: list[str] = []
    for i in range(CHANGE_ROWS):
        value = request.POST.get(f"change_{i}", "").strip()
        note = request.POST.get(f"change_note_{i}", "")
        if not value:
            if note.strip():
                errors.append(_("Choose the indicator and its new answer for each change you explain."))
            continue
        code, _sep, option = value.rpartition("|")
        option_id = _int_or_none(option)
        if not code or option_id is None:
            errors.append(_("Choose the indicator and its new answer from the list."))
            continue
        changes.append((code, option_id, note))
    return changes, errors


@login_required
@require_POST
def field_visit_add(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """The chair records a field visit (uji petik), its photos and the verified answers it changed."""
    assessment = _panel_assessment(request, year, unit_code)
    try:
        if _too_large(request, services_panel.MAX_PHOTOS):
            raise UploadTooLarge(_("The photos are too large together; send fewer at a time."), code="too_large")
        changes, change_errors = _visit_changes(request)
        if change_errors:
            raise ValidationError({"changes": change_errors})
        try:
            visited_on = dt.date.fromisoformat(request.POST.get("visited_on", "").strip())
        except ValueError:
            visited_on = None
        services_panel.field_visit_record(
            actor=request.user,
            assessment=assessment,
            visited_on=visited_on,
            participants=request.POST.get("participants", ""),
            findings=request.POST.get("findings", ""),
            photos=request.FILES.getlist("photos"),
            changes=changes,
        )
    except ValidationError as exc:
        field = "photos" if isinstance(exc, UploadTooLarge | UploadKindNotAllowed) else "__all__"
        bound = {"visit": {"values": request.POST, "errors": _errors(exc, field)}}
        return _render_page(request, assessment, status=_status(exc), bound=bound)
    messages.success(request, _("The field visit is recorded."))
    return redirect(_page_url(assessment, "field-visits"))


@login_required
@require_POST
def finish(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """The chair finishes the panel: the breakdown is stored and the assessment is scored."""
    assessment = _panel_assessment(request, year, unit_code)
    try:
        if not _confirmed(request):
            raise ValidationError({"confirm": [_("Tick the box to confirm that the panel's result is final.")]})
        services_panel.panel_finish(
            actor=request.user,
            assessment=assessment,
            note=request.POST.get("note", ""),
            version=_int_or_none(request.POST.get("version")),
        )
    except ValidationError as exc:
        bound = {"finish": {"values": request.POST, "errors": _errors(exc)}}
        assessment.refresh_from_db()
        return _render_page(request, assessment, status=_status(exc), bound=bound)
    messages.success(request, _("The panel is finished: the assessment is scored."))
    return redirect(_page_url(assessment))


# ---------------------------------------------------------------- private files


def _readable_assessment(request: HttpRequest, assessment: Assessment) -> None:
    if not policy.can(request.user, Action.ASSESSMENT_VIEW, assessment.unit):
        raise Http404
    if _may_read(request.user, assessment) is False:
        raise Http404


def _file_response(storage_name: str, *, filename: str, kind: str, inline: bool) -> FileResponse:
    response = FileResponse(
        default_storage.open(storage_name, "rb"),
        as_attachment=not inline,
        filename=filename,
        content_type=CONTENT_TYPES.get(kind, "application/octet-stream"),
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if inline:
        # A photo is shown as a document, never as a page that runs with the platform's cookies.
        response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


@login_required
@require_GET
def adjustment_document(request: HttpRequest, pk: int) -> FileResponse:
    """The document justifying an adjustment (downloaded)."""
    adjustment = (
        Adjustment.objects.select_related("assessment__period", "assessment__unit__province").filter(pk=pk).first()
    )
    if adjustment is None or not adjustment.document_name:
        raise Http404
    _readable_assessment(request, adjustment.assessment)
    return _file_response(
        adjustment.document_name,
        filename=adjustment.document_original or "dokumen",
        kind=adjustment.document_kind,
        inline=False,
    )


@login_required
@require_GET
def field_visit_photo(request: HttpRequest, pk: int) -> FileResponse:
    """A photo of a field visit, shown in the browser."""
    photo = (
        FieldVisitPhoto.objects.select_related("visit__assessment__period", "visit__assessment__unit__province")
        .filter(pk=pk)
        .first()
    )
    if photo is None:
        raise Http404
    _readable_assessment(request, photo.visit.assessment)
    return _file_response(
        photo.storage_name, filename=photo.original_name, kind=photo.kind, inline=photo.kind in PHOTO_KINDS
    )
