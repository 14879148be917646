"""The verification page: one indicator at a time beside the unit's answer and its evidence previewed inline,
the verdict saved with htmx (and without JavaScript), keyboard shortcuts; returning the indicators that need
repair with a due date, continuing after the due date, and closing verification.

Who sees it: the verifiers assigned to the assessment act; Ditjen HAM reads it; for everyone else it does
not exist (404), as with any object outside a person's responsibility.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from p2ham.assessments.models import Assessment, Evidence
from p2ham.assessments.selectors import assessment_get_or_404
from p2ham.assessments.services import StaleVersion
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.instruments.models import Indicator
from p2ham.periods.services import TransitionError
from p2ham.reviews import selectors, services
from p2ham.reviews.models import Verdict, Verification

S = Assessment.Status
IMAGE_KINDS = ("jpeg", "png", "webp")
FRAME_KINDS = ("pdf",)
RETURN_DAYS = 14  # the due date the "return for repair" form proposes


def _int_or_none(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _access(request: HttpRequest, year: int, unit_code: str) -> tuple[Assessment, bool]:
    """The assessment and whether the user acts on it (an assigned verifier) — Ditjen HAM only reads it; for
    anyone else it is not found."""
    assessment = assessment_get_or_404(user=request.user, year=year, unit_code=unit_code)
    can_act = selectors.is_assigned_verifier(request.user, assessment)
    if not can_act and not policy.can(request.user, Action.REVIEW_ASSIGN, assessment.unit):
        raise Http404
    return assessment, can_act


def _acting(request: HttpRequest, year: int, unit_code: str) -> Assessment:
    assessment, can_act = _access(request, year, unit_code)
    if not can_act:
        raise PermissionDenied
    return assessment


def _base(assessment: Assessment) -> str:
    return reverse("verification:page", args=[assessment.period.year, assessment.unit.code])


def _page_url(assessment: Assessment, code: str = "") -> str:
    return _base(assessment) + (f"?i={quote(code)}" if code else "")


def _first_open(page: selectors.VerificationPage) -> str:
    """The first indicator without a final verdict (else the first of all)."""
    row = next((r for r in page.rows if not r.final), None) or (page.rows[0] if page.rows else None)
    return row.indicator.code if row else ""


def _next_open(page: selectors.VerificationPage, code: str) -> str:
    """After saving ``code``: the next indicator without a final verdict (wrapping round), else ``code`` itself."""
    codes = [r.indicator.code for r in page.rows]
    if code not in codes:
        return _first_open(page)
    i = codes.index(code)
    for row in page.rows[i + 1 :] + page.rows[:i]:
        if not row.final:
            return row.indicator.code
    return code


def _values(row: selectors.VerificationRow) -> dict[str, Any]:
    """The form as the stored verdict fills it (the unit's own answer proposed when there is none yet)."""
    v = row.verification
    if v is None:
        return {
            "verdict": "",
            "option": row.answer.option_id if row.answer else None,
            "reason": "",
            "note": "",
            "version": 0,
        }
    option = v.option_id
    if v.verdict == Verdict.NEEDS_REPAIR and row.change is not None and row.answer is not None:
        # Back from a repair round: the unit's repaired answer is proposed, not the one it was asked to repair.
        option = row.answer.option_id
    return {
        "verdict": v.verdict,
        "option": option,
        "reason": v.reason.code if v.reason else "",
        "note": v.note,
        "version": v.version,
    }


def _today(assessment: Assessment) -> dt.date:
    return timezone.localdate(timezone=assessment.unit.province.tzinfo)


def _context(
    request: HttpRequest,
    assessment: Assessment,
    can_act: bool,
    code: str = "",
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    error: str = "",
    saved: str = "",
    action_errors: dict[str, str] | None = None,
    return_values: dict[str, str] | None = None,
    page: selectors.VerificationPage | None = None,
) -> dict[str, Any]:
    page = page or selectors.verification_page(assessment=assessment)
    code = code if code and page.row(code) is not None else _first_open(page)
    row = page.row(code) if code else None
    previous, following = page.neighbours(code) if code else (None, None)
    editable = can_act and assessment.status == S.IN_VERIFICATION
    open_revision = selectors.open_revision(assessment) if assessment.status == S.RETURNED else None
    today = _today(assessment)
    return {
        "assessment": assessment,
        "unit": assessment.unit,
        "page": page,
        "row": row,
        "code": code,
        "previous": previous,
        "following": following,
        "position": [r.indicator.code for r in page.rows].index(code) + 1 if row else 0,
        "base": _base(assessment),
        "can_act": can_act,
        "editable": editable,
        "values": values if values is not None else (_values(row) if row else {}),
        "errors": errors or {},
        "error": error,
        "saved": saved,
        "verdicts": Verdict.choices,
        "image_kinds": IMAGE_KINDS,
        "frame_kinds": FRAME_KINDS,
        "open_revision": open_revision,
        "can_resume": can_act and assessment.status == S.RETURNED and (open_revision is None or open_revision.overdue),
        "rounds": selectors.revision_rounds(assessment),
        "action_errors": action_errors or {},
        "return_values": return_values
        or {"due_date": (today + dt.timedelta(days=RETURN_DAYS)).isoformat(), "note": ""},
        "today": today.isoformat(),
        "latest_due": (today + dt.timedelta(days=services.MAX_REPAIR_DAYS)).isoformat(),
        "active_nav": "assignments" if policy.can(request.user, Action.REVIEW_ASSIGN) else "my_reviews",
        "breadcrumbs": _crumbs(request, assessment),
    }


def _crumbs(request: HttpRequest, assessment: Assessment) -> list[tuple[str, str]]:
    year = assessment.period.year
    if policy.can(request.user, Action.REVIEW_ASSIGN):
        middle = (_("Assignments %(year)s") % {"year": year}, reverse("assign:list", args=[year]))
    else:
        middle = (_("My reviews %(year)s") % {"year": year}, reverse("assign:mine", args=[year]))
    return [
        (_("Home"), reverse("core:home")),
        middle,
        (_("Verification: %(unit)s") % {"unit": assessment.unit.name}, ""),
    ]


def _htmx_main(request: HttpRequest) -> bool:
    """An htmx request for the indicator panel only (not a history restore, which needs the whole page)."""
    htmx = request.htmx  # type: ignore[attr-defined]
    return bool(htmx) and not htmx.history_restore_request and htmx.target == "verification-main"


# ---------------------------------------------------------------- the page


@login_required
@require_GET
def verification_page(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """The page, on the indicator ``?i=CODE`` (by default the first without a final verdict)."""
    assessment, can_act = _access(request, year, unit_code)
    context = _context(request, assessment, can_act, request.GET.get("i", "")[:20])
    if _htmx_main(request):
        return render(request, "reviews/partials/_verification_swap.html", context)
    return render(request, "reviews/verification.html", context)


@login_required
@require_POST
def verification_save(request: HttpRequest, year: int, unit_code: str, indicator_code: str) -> HttpResponse:
    """Save one verdict. htmx: the next indicator to verify comes back (or this one with the errors, or with the
    other person's change after a stale save); without JavaScript a redirect, or the page with the errors."""
    assessment = _acting(request, year, unit_code)
    if not Indicator.objects.filter(instrument_id=assessment.instrument_id or 0, code=indicator_code).exists():
        raise Http404
    values: dict[str, Any] = {
        "verdict": request.POST.get("verdict", ""),
        "option": _int_or_none(request.POST.get("option")),
        "reason": request.POST.get("reason", "")[:40],
        "note": request.POST.get("note", ""),
        "version": _int_or_none(request.POST.get("version")),
    }
    errors: dict[str, list[str]] = {}
    error, status = "", 200
    saved: Verification | None = None
    try:
        if request.POST.get("option") and values["option"] is None:
            raise ValidationError({"option": [_("Choose one of the answers offered for this indicator.")]})
        saved = services.verification_save(
            actor=request.user,
            assessment=assessment,
            indicator_code=indicator_code,
            verdict=values["verdict"],
            option_id=values["option"],
            reason_code=values["reason"],
            note=values["note"],
            version=values["version"],
        )
    except StaleVersion as exc:
        # The other person's verdict is loaded in place of what was typed: nothing is overwritten.
        error, status, values = " ".join(exc.messages), 409, {}
    except PermissionDenied:
        raise
    except TransitionError as exc:
        error, status = " ".join(exc.messages), 409
        assessment.refresh_from_db(fields=["status", "version"])
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {}
        error = _("The verdict was not saved: correct what is marked below.")
        if not errors:
            error = " ".join(exc.messages)
        status = 400
    htmx = bool(request.htmx)  # type: ignore[attr-defined]
    if saved is not None:
        text = _("%(code)s saved: %(verdict)s.") % {"code": indicator_code, "verdict": saved.get_verdict_display()}
        if not htmx:
            messages.success(request, text)
            page = selectors.verification_page(assessment=assessment)
            return redirect(_page_url(assessment, _next_open(page, indicator_code)))
        page = selectors.verification_page(assessment=assessment)
        following = _next_open(page, indicator_code)
        context = _context(request, assessment, True, following, saved=text, page=page)
        response = render(request, "reviews/partials/_verification_swap.html", context)
        response["HX-Push-Url"] = _page_url(assessment, following)
        return response
    context = _context(request, assessment, True, indicator_code, values=values or None, errors=errors, error=error)
    template = "reviews/partials/_verification_swap.html" if htmx else "reviews/verification.html"
    response = render(request, template, context, status=status)
    if htmx:
        response["HX-Retarget"] = "#verification-main"
        response["HX-Reswap"] = "outerHTML"
    return response


# ---------------------------------------------------------------- return, resume, complete


def _action_refused(
    request: HttpRequest,
    assessment: Assessment,
    exc: ValidationError,
    *,
    field: str = "form",
    return_values: dict[str, str] | None = None,
) -> HttpResponse:
    """The page again with the refusal next to the action, and what was typed kept."""
    assessment.refresh_from_db(fields=["status", "version"])
    if hasattr(exc, "error_dict"):
        action_errors = {f"{field}_{k}": " ".join(v) for k, v in exc.message_dict.items()}
    else:
        action_errors = {f"{field}_form": " ".join(exc.messages)}
    context = _context(request, assessment, True, action_errors=action_errors, return_values=return_values)
    status = 409 if isinstance(exc, TransitionError) else 400
    return render(request, "reviews/verification.html", context, status=status)


@login_required
@require_POST
def verification_return(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """Send back the indicators marked "needs repair", with a due date (after a confirmation)."""
    assessment = _acting(request, year, unit_code)
    typed = {"due_date": request.POST.get("due_date", "")[:10], "note": request.POST.get("note", "")}
    try:
        if request.POST.get("confirm") != "1":
            raise ValidationError({"confirm": [_("Tick the box to confirm that these indicators go back.")]})
        try:
            due = dt.date.fromisoformat(typed["due_date"]) if typed["due_date"] else None
        except ValueError:
            raise ValidationError({"due_date": [_("Give the due date as a date.")]}) from None
        revision = services.verification_return(
            actor=request.user,
            assessment=assessment,
            due_date=due,
            note=typed["note"],
            version=_int_or_none(request.POST.get("version")),
        )
    except PermissionDenied:
        raise
    except ValidationError as exc:
        return _action_refused(request, assessment, exc, field="return", return_values=typed)
    messages.success(
        request,
        _("Round %(round)s: %(n)s indicator(s) returned to the unit for repair.")
        % {"round": revision.round, "n": revision.items.count()},
    )
    return redirect(_page_url(assessment))


@login_required
@require_POST
def verification_resume(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """The repair due date has passed: continue with the indicators as they are."""
    assessment = _acting(request, year, unit_code)
    try:
        services.verification_resume(
            actor=request.user, assessment=assessment, version=_int_or_none(request.POST.get("version"))
        )
    except PermissionDenied:
        raise
    except ValidationError as exc:
        return _action_refused(request, assessment, exc, field="resume")
    messages.success(request, _("Verification continues with the indicators as the unit left them."))
    return redirect(_page_url(assessment))


@login_required
@require_POST
def verification_complete(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """Close verification (every indicator has a final verdict), after a confirmation."""
    assessment = _acting(request, year, unit_code)
    try:
        if request.POST.get("confirm") != "1":
            raise ValidationError({"confirm": [_("Tick the box to confirm that verification is finished.")]})
        services.verification_complete(
            actor=request.user, assessment=assessment, version=_int_or_none(request.POST.get("version"))
        )
    except PermissionDenied:
        raise
    except ValidationError as exc:
        return _action_refused(request, assessment, exc, field="complete")
    messages.success(request, _("Verification of %(unit)s is complete.") % {"unit": assessment.unit.name})
    return redirect(_base(assessment))


# ---------------------------------------------------------------- evidence in the page


@login_required
@require_GET
@xframe_options_sameorigin
def evidence_frame(request: HttpRequest, year: int, unit_code: str, pk: int) -> FileResponse:
    """A PDF of the assessment for the page's own frame.

    The general preview (``assessments:evidence_preview``) may not be framed and is sandboxed, which keeps the
    browser's PDF viewer out; this one serves only content checked as PDF at upload, to this page only."""
    assessment, _can_act = _access(request, year, unit_code)
    evidence = get_object_or_404(
        Evidence.objects.select_related("blob"), pk=pk, answer__assessment=assessment, blob__kind__in=FRAME_KINDS
    )
    blob = evidence.blob
    response = FileResponse(
        default_storage.open(blob.storage_name, "rb"),
        as_attachment=False,
        filename=evidence.original_name,
        content_type=blob.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "frame-ancestors 'self'"
    return response
