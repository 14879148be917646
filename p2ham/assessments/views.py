"""Self-assessment screens: the list, the assessment page (answers save as you go with htmx and still work
without JavaScript), evidence with resumable uploads and permission-checked downloads, comment threads,
the head's submission and the Kanwil's review."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from p2ham.assessments import selectors, services
from p2ham.assessments.models import Assessment, Evidence, UploadSession
from p2ham.core import policy
from p2ham.core.files import UploadKindNotAllowed, UploadTooLarge
from p2ham.core.policy import Action
from p2ham.organizations.models import Province, UnitType
from p2ham.periods.selectors import current_period
from p2ham.reviews import services as review_services
from p2ham.reviews.selectors import round_change

S = Assessment.Status
PREVIEW_KINDS = {"pdf", "jpeg", "png", "webp"}
FILTERS = {"belum-dijawab": "unanswered", "bukti-kurang": "evidence", "perbaikan": "repair"}
SORTS = {
    "unit": "unit__name",
    "-unit": "-unit__name",
    "provinsi": "unit__province__code",
    "-provinsi": "-unit__province__code",
    "status": "status",
    "-status": "-status",
    "dikirim": "submitted_at",
    "-dikirim": "-submitted_at",
}


def _int_or_none(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return [(_("Home"), reverse("core:home")), (_("Self-assessment"), reverse("assessments:list")), *items]


def _page_url(assessment: Assessment, code: str = "") -> str:
    url = reverse("assessments:page", args=[assessment.period.year, assessment.unit.code])
    return url + (f"#ind-{code.replace('.', '-')}" if code else "")


def _abilities(
    user: Any, assessment: Assessment, window: Any, verification: selectors.VerificationForUnit | None
) -> dict[str, Any]:
    """What the viewer may do on the page. ``edit_codes``: the indicators ``can_edit`` covers (None: all of
    them, while the assessment is being filled in; only the returned ones during a repair round)."""
    is_open = window is not None and window.status == "open"
    reviewable = assessment.status in (S.SUBMITTED, S.IN_KANWIL_REVIEW)
    operator = policy.can(user, Action.ASSESSMENT_EDIT, assessment.unit)
    head = policy.can(user, Action.ASSESSMENT_SUBMIT, assessment.unit)
    # A round that can still be repaired: returned, and the due date not passed (the services check again).
    repairable = verification.repairable if verification is not None else frozenset()
    if assessment.status == S.DRAFT:
        can_edit, edit_codes = operator and is_open, None
    else:
        can_edit, edit_codes = operator and bool(repairable), repairable
    return {
        "can_edit": can_edit,
        "edit_codes": edit_codes,
        "can_submit": head and assessment.status == S.DRAFT and is_open,
        "can_resubmit": head and bool(repairable),
        "can_review": policy.can(user, Action.ASSESSMENT_KANWIL_REVIEW, assessment.unit) and reviewable,
        "can_comment": policy.can(user, Action.ASSESSMENT_COMMENT, assessment.unit) and assessment.eligible,
    }


def _context(
    request: HttpRequest, assessment: Assessment, *, rows: Iterable[selectors.IndicatorRow] = (), **extra: Any
) -> dict[str, Any]:
    """The context every assessment screen shares; ``rows`` get the verification the unit has been told and
    whether the viewer may change them now."""
    rows = list(rows)
    window = selectors.edit_window(assessment)
    verification = selectors.verification_for_unit(assessment=assessment)
    abilities = _abilities(request.user, assessment, window, verification)
    codes = abilities["edit_codes"]
    for row in rows:
        row.editable = abilities["can_edit"] and (codes is None or row.indicator.code in codes)
    if verification is not None:
        verification.attach(rows)
    # Open follow-up actions of earlier years, next to their indicator (linked for those who may see them).
    selectors.attach_open_follow_ups(assessment=assessment, rows=rows)
    return {
        "assessment": assessment,
        "unit": assessment.unit,
        # Built once: a page of 60 indicators and 120 files would otherwise reverse ~900 URLs.
        "base": _page_url(assessment),
        "files_base": reverse("assessments:list") + "bukti/",
        "window": window,
        "verification": verification,
        "follow_up_links": policy.can(request.user, Action.RESULT_VIEW, assessment.unit),
        "active_nav": "assessments",
        **abilities,
        **extra,
    }


# ---------------------------------------------------------------- the list


@login_required
@require_GET
def assessment_index(request: HttpRequest) -> HttpResponse:
    """Ditjen and the Kanwil see every assessment in scope; a unit's own people go straight to theirs."""
    user = request.user
    if not policy.can(user, Action.ASSESSMENT_VIEW):
        raise PermissionDenied
    period = current_period()
    wide = any(g.national or g.role in ("kanwil", "pimpinan") for g in policy.grants(user))
    if period is not None and not wide:
        own = list(selectors.own_assessments(user=user, period=period)[:2])
        if len(own) == 1 and not request.GET:
            return redirect(_page_url(own[0]))
    status = request.GET.get("status", "")
    province = request.GET.get("province", "")
    unit_type = request.GET.get("type", "")
    q = request.GET.get("q", "")[:100]
    sort = request.GET.get("sort", "unit")
    rows = (
        selectors.with_repair_due(
            selectors.assessment_list(
                user=user, period=period, status=status, province=province, unit_type=unit_type, q=q
            )
        ).order_by(SORTS.get(sort, "unit__name"), "pk")
        if period
        else Assessment.objects.none()
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/list.html",
        {
            "period": period,
            "page_obj": page,
            "status": status,
            "province": province,
            "unit_type": unit_type,
            "q": q,
            "sort": sort,
            "statuses": S.choices,
            "provinces": Province.objects.order_by("code"),
            "unit_types": UnitType.objects.order_by("order", "name"),
            "can_evaluate": policy.can(user, Action.EVALUATION_DECIDE),
            "now": timezone.now(),
            "active_nav": "assessments",
            "breadcrumbs": [(_("Home"), reverse("core:home")), (_("Self-assessment"), "")],
        },
    )


# ---------------------------------------------------------------- the assessment page


@login_required
@require_GET
def assessment_page(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    assessment = selectors.assessment_get_or_404(user=request.user, year=year, unit_code=unit_code)
    page = selectors.assessment_page(assessment=assessment, user=request.user)
    shown = FILTERS.get(request.GET.get("tampil", ""), "")
    context = _context(
        request,
        assessment,
        rows=page.rows,
        page=page,
        shown=shown,
        changes=assessment.status_changes.select_related("actor").order_by("-created_at")[:10],
        chunk_bytes=settings.UPLOAD_CHUNK_BYTES,
        breadcrumbs=_crumbs((assessment.unit.name, "")),
    )
    criteria = page.criteria
    if shown:
        verification = context["verification"]
        returned = frozenset(verification.items) if verification is not None and verification.open else frozenset()
        keep = {
            "unanswered": lambda r: not r.answered,
            "evidence": lambda r: not r.evidence_ok,
            "repair": lambda r: r.indicator.code in returned,
        }[shown]
        criteria = [selectors.CriterionRow(c.criterion, [r for r in c.indicators if keep(r)]) for c in page.criteria]
        criteria = [c for c in criteria if c.indicators]
    context["criteria"] = criteria
    return render(request, "assessments/page.html", context)


def _indicator_context(request: HttpRequest, assessment: Assessment, code: str, **extra: Any) -> dict[str, Any]:
    """One indicator card in full, with the progress (the page as a whole is not rebuilt)."""
    page = selectors.assessment_progress(assessment=assessment)
    row = page.row(code)
    if row is None:
        raise Http404
    row.evidence, row.history = selectors.indicator_files(assessment=assessment, indicator_code=code)
    row.file_count = None
    return _context(
        request, assessment, rows=[row], page=page, row=row, chunk_bytes=settings.UPLOAD_CHUNK_BYTES, **extra
    )


@login_required
@require_POST
def answer_save(request: HttpRequest, year: int, unit_code: str, indicator_code: str) -> HttpResponse:
    """Save one answer: for htmx the saved state (and progress) comes back; without JavaScript, the page."""
    assessment = selectors.assessment_get_or_404(user=request.user, year=year, unit_code=unit_code)
    raw_option = request.POST.get("option", "")
    option_id = _int_or_none(raw_option)
    note = request.POST.get("note", "")
    error, status, stale = "", 200, False
    try:
        if raw_option and option_id is None:
            raise ValidationError({"option": [_("Choose one of the answers offered for this indicator.")]})
        services.answer_save(
            actor=request.user,
            assessment=assessment,
            indicator_code=indicator_code,
            option_id=option_id,
            note=note,
            version=_int_or_none(request.POST.get("version")),
        )
    except services.StaleVersion as exc:
        error, status, stale = " ".join(exc.messages), 409, True
    except PermissionDenied:
        raise
    except ValidationError as exc:
        error = " ".join(exc.messages)
        status = 409 if isinstance(exc, services.TransitionError) else 400
    if not request.htmx:  # type: ignore[attr-defined]
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("Answer to %(code)s saved.") % {"code": indicator_code})
        return redirect(_page_url(assessment, indicator_code))
    if not stale:
        # The small answer: saved (or why not), the new version, the badges and the progress bars.
        page = selectors.assessment_progress(assessment=assessment)
        row = page.row(indicator_code)
        if row is None:
            raise Http404
        context = {"assessment": assessment, "unit": assessment.unit, "page": page, "row": row, "error": error}
        return render(request, "assessments/partials/_answer_saved.html", context, status=status)
    # Stale: show the other person's answer in place of what this person tried; nothing is overwritten.
    context = _indicator_context(request, assessment, indicator_code, error=error, saved=False)
    response = render(request, "assessments/partials/_indicator.html", context, status=status)
    response["HX-Retarget"] = "#ind-" + indicator_code.replace(".", "-")
    response["HX-Reswap"] = "outerHTML"
    return response


def _upload_too_large(request: HttpRequest) -> bool:
    length = _int_or_none(request.META.get("CONTENT_LENGTH")) or 0
    # Several files may go in one form; the service checks each. This only refuses absurd bodies unread.
    return length > 5 * settings.EVIDENCE_MAX_FILE_MB * 1024 * 1024 + 1024 * 1024


@login_required
@require_POST
def evidence_upload(request: HttpRequest, year: int, unit_code: str, indicator_code: str) -> HttpResponse:
    """Attach one or more files (a plain multipart form: the way without JavaScript, and the API's)."""
    assessment = selectors.assessment_get_or_404(user=request.user, year=year, unit_code=unit_code)
    if not policy.can(request.user, Action.ASSESSMENT_EDIT, assessment.unit):
        raise PermissionDenied
    errors: list[str] = []
    status = 200
    if _upload_too_large(request):
        errors.append(_("The upload is too large; send the files one by one."))
        status = 413
    else:
        files = request.FILES.getlist("file")
        replaces = None
        replaces_id = _int_or_none(request.POST.get("replaces"))
        if replaces_id:
            replaces = Evidence.objects.filter(pk=replaces_id, answer__assessment=assessment).first()
            if replaces is None:
                errors.append(_("The file to replace was not found."))
                status = 400
        if not files:
            errors.append(_("Choose a file to upload."))
            status = 400
        for uploaded in files if not errors else []:
            try:
                services.evidence_add(
                    actor=request.user,
                    assessment=assessment,
                    indicator_code=indicator_code,
                    uploaded=uploaded,
                    replaces=replaces,
                )
                replaces = None  # only the first file replaces; the others are added
            except ValidationError as exc:
                errors.append(f"{uploaded.name}: {' '.join(exc.messages)}")
                status = _refusal_status(exc)
    if not request.htmx:  # type: ignore[attr-defined]
        for error in errors:
            messages.error(request, error)
        if not errors:
            messages.success(request, _("File saved for %(code)s.") % {"code": indicator_code})
        return redirect(_page_url(assessment, indicator_code))
    context = _indicator_context(request, assessment, indicator_code, upload_errors=errors)
    return render(request, "assessments/partials/_evidence_response.html", context, status=status)


@login_required
@require_POST
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = selectors.evidence_get_or_404(user=request.user, pk=pk)
    assessment = evidence.answer.assessment
    code = evidence.answer.indicator_code
    errors: list[str] = []
    status = 200
    try:
        services.evidence_remove(actor=request.user, evidence=evidence)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        errors, status = exc.messages, 409
    if not request.htmx:  # type: ignore[attr-defined]
        for error in errors:
            messages.error(request, error)
        if not errors:
            messages.success(request, _("File removed; it stays in the history."))
        return redirect(_page_url(assessment, code))
    context = _indicator_context(request, assessment, code, upload_errors=errors)
    return render(request, "assessments/partials/_evidence_response.html", context, status=status)


def _file_response(evidence: Evidence, *, inline: bool) -> FileResponse:
    blob = evidence.blob
    response = FileResponse(
        default_storage.open(blob.storage_name, "rb"),
        as_attachment=not inline,
        filename=evidence.original_name,
        content_type=blob.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if inline:
        # A preview is a document, never a script that runs with the platform's cookies.
        response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = selectors.evidence_get_or_404(user=request.user, pk=pk)
    return _file_response(evidence, inline=False)


@login_required
@require_GET
def evidence_preview(request: HttpRequest, pk: int) -> FileResponse:
    """PDFs and images open in the browser; other kinds download."""
    evidence = selectors.evidence_get_or_404(user=request.user, pk=pk)
    return _file_response(evidence, inline=evidence.blob.kind in PREVIEW_KINDS)


# ---------------------------------------------------------------- resumable uploads (used by assessment.js)


def _refusal_status(exc: ValidationError) -> int:
    """The HTTP status of a service's refusal: too large 413, wrong kind 415, wrong state 409, else 400."""
    if isinstance(exc, UploadTooLarge):
        return 413
    if isinstance(exc, UploadKindNotAllowed):
        return 415
    return 409 if isinstance(exc, services.TransitionError) else 400


def _json_error(exc: ValidationError, status: int) -> JsonResponse:
    return JsonResponse(
        {"detail": " ".join(exc.messages), "code": getattr(exc, "code", None) or "invalid"}, status=status
    )


@login_required
@require_POST
def upload_start(request: HttpRequest, year: int, unit_code: str, indicator_code: str) -> HttpResponse:
    """Open a resumable upload: ``{"name", "size", "replaces"?}`` → where to send the chunks."""
    assessment = selectors.assessment_get_or_404(user=request.user, year=year, unit_code=unit_code)
    try:
        data = json.loads(request.body or b"{}")
        name, size = str(data.get("name", ""))[:255], int(data.get("size", 0))
    except (ValueError, TypeError, AttributeError):
        return JsonResponse({"detail": _("The upload request is not valid."), "code": "invalid"}, status=400)
    replaces = None
    replaces_id = _int_or_none(str(data.get("replaces") or ""))
    if replaces_id is not None:
        replaces = Evidence.objects.filter(pk=replaces_id, answer__assessment=assessment).first()
        if replaces is None:
            # Refused, as the form upload refuses it: adding the file instead would leave the old one current.
            if not policy.can(request.user, Action.ASSESSMENT_EDIT, assessment.unit):
                raise PermissionDenied
            return JsonResponse({"detail": _("The file to replace was not found."), "code": "invalid"}, status=400)
    try:
        session = services.upload_start(
            actor=request.user,
            assessment=assessment,
            indicator_code=indicator_code,
            name=name,
            size=size,
            replaces=replaces,
        )
    except ValidationError as exc:
        return _json_error(exc, _refusal_status(exc))
    return JsonResponse(
        {
            "url": reverse("assessments:upload_chunk", args=[session.pk]),
            "offset": 0,
            "chunk_size": settings.UPLOAD_CHUNK_BYTES,
        },
        status=201,
    )


@login_required
@require_http_methods(["GET", "PUT"])
def upload_chunk(request: HttpRequest, session_id: uuid.UUID) -> HttpResponse:
    """GET: where the upload stands. PUT: the chunk starting at ``Upload-Offset``; the last one finishes it."""
    session = get_object_or_404(
        UploadSession.objects.select_related("assessment__period", "assessment__unit"), pk=session_id, user=request.user
    )
    if request.method == "GET":
        return JsonResponse({"offset": session.received, "size": session.size})
    offset = _int_or_none(request.headers.get("Upload-Offset"))
    if offset is None:
        return JsonResponse({"detail": _("The Upload-Offset header is missing."), "code": "invalid"}, status=400)
    try:
        result = services.upload_chunk(actor=request.user, session=session, offset=offset, data=request.body)
    except services.UploadOffsetMismatch as exc:
        return JsonResponse({"detail": " ".join(exc.messages), "code": "offset", "offset": exc.expected}, status=409)
    except ValidationError as exc:
        return _json_error(exc, _refusal_status(exc))
    if isinstance(result, UploadSession):
        return JsonResponse({"offset": result.received, "size": result.size})
    assessment = session.assessment
    context = _indicator_context(request, assessment, session.indicator_code)
    return JsonResponse(
        {
            "offset": session.size,
            "size": session.size,
            "evidence": result.pk,
            "html": render_to_string("assessments/partials/_evidence_response.html", context, request=request),
        },
        status=201,
    )


# ---------------------------------------------------------------- comments


@login_required
@require_http_methods(["GET", "POST"])
def comments(request: HttpRequest, year: int, unit_code: str, indicator_code: str) -> HttpResponse:
    """An indicator's thread: opening it marks it read; posting adds to it."""
    assessment = selectors.assessment_get_or_404(user=request.user, year=year, unit_code=unit_code)
    page = selectors.assessment_page(assessment=assessment, user=request.user)
    row = page.row(indicator_code)
    if row is None:
        raise Http404
    error = ""
    body = ""
    status = 200
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            services.comment_post(actor=request.user, assessment=assessment, indicator_code=indicator_code, body=body)
            body = ""
        except PermissionDenied:
            raise
        except ValidationError as exc:
            error = " ".join(exc.messages)
            status = 409 if isinstance(exc, services.TransitionError) else 400
        if not request.htmx and not error:  # type: ignore[attr-defined]
            messages.success(request, _("Comment posted."))
            return redirect(reverse("assessments:comments", args=[year, unit_code, indicator_code]))
    services.comments_mark_read(user=request.user, assessment=assessment, indicator_code=indicator_code)
    context = _context(
        request,
        assessment,
        row=row,
        thread=selectors.comment_thread(assessment=assessment, indicator_code=indicator_code),
        comment_error=error,
        comment_body=body,
        breadcrumbs=_crumbs((assessment.unit.name, _page_url(assessment, indicator_code)), (_("Discussion"), "")),
    )
    template = "assessments/partials/_comments.html" if request.htmx else "assessments/comments.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


# ---------------------------------------------------------------- submission and the Kanwil's review


@login_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """The head of the unit reviews what is missing, confirms and submits."""
    assessment = selectors.assessment_get_or_404(user=request.user, year=year, unit_code=unit_code)
    page = selectors.assessment_page(assessment=assessment, user=request.user)
    gaps = selectors.submission_gaps(assessment, page)
    error = ""
    status = 200
    if request.method == "POST":
        if not policy.can(request.user, Action.ASSESSMENT_SUBMIT, assessment.unit):
            raise PermissionDenied
        if request.POST.get("confirm") != "1":
            error, status = _("Tick the box to confirm that the answers and evidence are final."), 400
        else:
            try:
                services.assessment_submit(
                    actor=request.user, assessment=assessment, version=_int_or_none(request.POST.get("version"))
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
                status = 409 if isinstance(exc, services.TransitionError) else 400
            else:
                messages.success(request, _("The self-assessment has been submitted to the Kanwil."))
                return redirect(_page_url(assessment))
    return render(
        request,
        "assessments/submit.html",
        _context(
            request,
            assessment,
            page=page,
            gaps=gaps,
            error=error,
            breadcrumbs=_crumbs((assessment.unit.name, _page_url(assessment)), (_("Submit"), "")),
        ),
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def resubmit(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """During a repair round: the head of the unit sees what changed in each returned indicator, confirms and
    sends the repairs back to the verifier."""
    assessment = selectors.assessment_get_or_404(user=request.user, year=year, unit_code=unit_code)
    error = ""
    status = 200
    if request.method == "POST":
        if not policy.can(request.user, Action.ASSESSMENT_SUBMIT, assessment.unit):
            error, status = _("Only the head of this unit sends the repairs back."), 403
        elif request.POST.get("confirm") != "1":
            error, status = _("Tick the box to confirm that the repairs are final."), 400
        else:
            try:
                round_ = review_services.verification_resubmit(
                    actor=request.user, assessment=assessment, version=_int_or_none(request.POST.get("version"))
                )
            except PermissionDenied as exc:
                error, status = str(exc) or _("Only the head of this unit sends the repairs back."), 403
            except ValidationError as exc:
                error, status = " ".join(exc.messages), 409
            else:
                messages.success(
                    request,
                    _("The repairs of round %(round)s have been sent back to the verifier.") % {"round": round_.round},
                )
                return redirect(_page_url(assessment))
    page = selectors.assessment_page(assessment=assessment, user=request.user)
    context = _context(
        request,
        assessment,
        rows=page.rows,
        page=page,
        error=error,
        breadcrumbs=_crumbs((assessment.unit.name, _page_url(assessment)), (_("Send the repairs back"), "")),
    )
    verification = context["verification"]
    returned = []
    if verification is not None and verification.open is not None:
        for item in verification.open.items.all():
            row = page.row(item.indicator_code)
            if row is not None:
                returned.append((row, item, round_change(item, row.answer, row.evidence)))
    context["returned"] = returned
    context["unchanged"] = [row for row, _item, change in returned if not change.any]
    return render(request, "assessments/resubmit.html", context, status=status)


REVIEW_ACTIONS = {"mulai": "start", "teruskan": "forward", "kembalikan": "return"}


@login_required
@require_POST
def kanwil_review(request: HttpRequest, year: int, unit_code: str, action: str) -> HttpResponse:
    assessment = selectors.assessment_get_or_404(user=request.user, year=year, unit_code=unit_code)
    move = REVIEW_ACTIONS.get(action)
    if move is None:
        raise Http404
    if not policy.can(request.user, Action.ASSESSMENT_KANWIL_REVIEW, assessment.unit):
        raise PermissionDenied
    note = request.POST.get("note", "")
    version = _int_or_none(request.POST.get("version"))
    try:
        if move == "start":
            services.assessment_review_start(actor=request.user, assessment=assessment, version=version)
            messages.success(request, _("Review started."))
        elif request.POST.get("confirm") != "1":
            raise ValidationError(_("Tick the box to confirm."))
        elif move == "forward":
            services.assessment_forward(actor=request.user, assessment=assessment, note=note, version=version)
            messages.success(request, _("Forwarded to Ditjen HAM for verification."))
        else:
            services.assessment_send_back(actor=request.user, assessment=assessment, note=note, version=version)
            messages.success(request, _("Sent back to the unit with your notes."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(_page_url(assessment))
