"""Follow-up screens (pembinaan dan pengawasan, stage 9): the list of the follow-up actions in the user's scope
with filters, status counts and a bulk confirmation; one action's page with its history and the step the viewer
may take now (confirm or dismiss, report with evidence, close or send back); the evidence files, streamed from
the private storage.

Who sees an action: its unit's own people, the Kanwil above it, and Ditjen HAM and Pimpinan; for anyone else
it does not exist (404). Ditjen HAM and the Kanwil manage the actions of the units *below* them (the Kanwil's
own actions are managed by Ditjen HAM); only the unit itself reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from p2ham.audit.models import AuditEntry
from p2ham.core import policy
from p2ham.core.files import CONTENT_TYPES, UploadKindNotAllowed, UploadTooLarge
from p2ham.core.policy import Action
from p2ham.organizations.models import Province
from p2ham.periods.models import Period
from p2ham.periods.services import TransitionError
from p2ham.periods.views import form_errors_from
from p2ham.results import forms_followup as forms
from p2ham.results import selectors, services
from p2ham.results.models import FollowUpAction, FollowUpEvidence

F_ = FollowUpAction.Status
PAGE_SIZE = 50
SORTS: dict[str, tuple[Any, ...]] = {
    "due": (F("due_date").asc(nulls_last=True), "unit__name", "indicator_code", "pk"),
    "-due": (F("due_date").desc(nulls_last=True), "unit__name", "indicator_code", "pk"),
    "unit": ("unit__name", "-period__year", "indicator_code", "pk"),
    "-unit": ("-unit__name", "-period__year", "indicator_code", "pk"),
}
# The list's query string, carried through the bulk form and back: nothing else is kept.
LIST_PARAMS = ("year", "status", "overdue", "q", "province", "sort", "page")
SKIPPED_SHOWN = 20
MB = 1024 * 1024


def _int_or_none(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _posted_version(request: HttpRequest) -> int:
    """The version a form was based on (0 when missing or not a number: the service then refuses it as stale)."""
    return _int_or_none(request.POST.get("version")) or 0


def _status(exc: ValidationError) -> int:
    """The HTTP status of a refusal: too large 413, wrong kind 415, wrong state or stale 409, else 400."""
    if isinstance(exc, UploadTooLarge):
        return 413
    if isinstance(exc, UploadKindNotAllowed):
        return 415
    return 409 if isinstance(exc, TransitionError) else 400


def _today() -> dt.date:
    # The overdue rule (``selectors.overdue_q``) judges by Jakarta's date; the list and the badges agree with it.
    return timezone.localdate()


def _overdue(action: FollowUpAction, today: dt.date) -> bool:
    return action.status == F_.CONFIRMED and action.due_date is not None and action.due_date < today


def _national(user: Any) -> bool:
    return policy.unit_scope_q(user, Action.RESULT_VIEW) is None


def _crumbs(*items: tuple[str, str]) -> list[tuple[str, str]]:
    return [(_("Home"), reverse("core:home")), (_("Follow-up"), reverse("followup:list")), *items]


# ---------------------------------------------------------------- the list


def _filters(params: QueryDict, years: list[int]) -> dict[str, Any]:
    year = _int_or_none(params.get("year"))
    status = params.get("status", "")
    sort = params.get("sort", "")
    return {
        "year": year if year in years else None,
        "status": status if status in F_.values else "",
        "overdue": params.get("overdue") == "1",
        "q": params.get("q", "").strip()[:100],
        "province": params.get("province", "").strip()[:2],
        "sort": sort if sort in SORTS else "due",
    }


def _list_query(params: QueryDict) -> str:
    """The list's own parameters from ``params``, re-encoded (so ``next`` can only ever lead back to the list)."""
    kept = QueryDict(mutable=True)
    for key in LIST_PARAMS:
        value = params.get(key, "")
        if value:
            kept[key] = value[:100]
    return kept.urlencode()


def _list_url(params: QueryDict) -> str:
    query = _list_query(params)
    return reverse("followup:list") + (f"?{query}" if query else "")


def _matching(user: Any, filters: dict[str, Any], period: Period | None, national: bool) -> QuerySet[FollowUpAction]:
    """The follow-up actions the filters select, in the chosen order."""
    qs = selectors.follow_up_list(user=user, period=period, status=filters["status"], overdue=filters["overdue"])
    if filters["q"]:
        qs = qs.filter(Q(unit__name__icontains=filters["q"]) | Q(unit__code__icontains=filters["q"]))
    if national and filters["province"]:
        qs = qs.filter(unit__province__code=filters["province"])
    return qs.order_by(*SORTS[filters["sort"]])


def _bulk_state(data: QueryDict | None = None, form: forms.BulkConfirmForm | None = None) -> dict[str, Any]:
    """What the bulk form shows: empty (the due date proposed), or what was typed and ticked."""
    ticked = {i for i in (_int_or_none(v) for v in (data.getlist("actions") if data is not None else [])) if i}
    if form is None:
        form = forms.BulkConfirmForm(initial={"due_date": _today() + dt.timedelta(days=forms.DUE_DAYS)})
    return {"ticked": ticked, "form": form, "errors": []}


def _render_list(
    request: HttpRequest, params: QueryDict, bulk: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    if not policy.can(user, Action.RESULT_VIEW):
        raise PermissionDenied
    periods = list(Period.objects.filter(determination__isnull=False).order_by("-year"))
    filters = _filters(params, [p.year for p in periods])
    period = next((p for p in periods if p.year == filters["year"]), None)
    national = _national(user)
    page = Paginator(_matching(user, filters, period, national), PAGE_SIZE).get_page(params.get("page"))
    rows: list[FollowUpAction] = list(page.object_list)
    today = _today()
    may_manage = policy.can(user, Action.FOLLOWUP_MANAGE)
    for row in rows:
        row.overdue = _overdue(row, today)  # type: ignore[attr-defined]
        # Policy answers from the grants already loaded: no query per row.
        row.tickable = (  # type: ignore[attr-defined]
            may_manage and row.status == F_.PROPOSED and policy.can(user, Action.FOLLOWUP_MANAGE, row.unit)
        )
    counts = selectors.follow_up_counts(user=user, period=period)
    return render(
        request,
        "results/followup_list.html",
        {
            "page_obj": page,
            "rows": rows,
            "filters": filters,
            "filtered": any(v for k, v in filters.items() if k != "sort"),
            "period": period,
            "periods": periods,
            "national": national,
            "provinces": Province.objects.order_by("code") if national else [],
            "statuses": F_.choices,
            "counts": [(value, label, counts.get(value, 0)) for value, label in F_.choices],
            "overdue_count": counts.get("overdue", 0),
            "total": sum(counts.get(value, 0) for value in F_.values),
            "tickable": any(getattr(r, "tickable", False) for r in rows),
            "bulk": bulk or _bulk_state(),
            "next": _list_query(params),
            "min_due": (today + dt.timedelta(days=1)).isoformat(),
            "active_nav": "followups",
            "breadcrumbs": [(_("Home"), reverse("core:home")), (_("Follow-up"), "")],
        },
        status=status,
    )


@login_required
@require_GET
def followup_list(request: HttpRequest) -> HttpResponse:
    """The follow-up actions the user may see: the unit's own, the Kanwil's units', or all (Ditjen, Pimpinan)."""
    return _render_list(request, request.GET)


@login_required
@require_POST
def bulk_confirm(request: HttpRequest) -> HttpResponse:
    """Confirm the ticked proposed actions with one text and one due date: each by the confirmation service, all
    in one transaction; an action that cannot be confirmed any more (changed meanwhile, outside the manager's
    responsibility) is skipped and named, a text or date refused for one is refused for all."""
    user = request.user
    if not policy.can(user, Action.FOLLOWUP_MANAGE):
        raise PermissionDenied
    back = QueryDict(request.POST.get("next", ""))
    form = forms.BulkConfirmForm(request.POST)
    bulk = _bulk_state(request.POST, form)
    ticked = sorted(bulk["ticked"])
    valid = form.is_valid()
    if not ticked:
        bulk["errors"].append(_("Tick at least one proposed action."))
    elif len(ticked) > forms.BULK_MAX:
        bulk["errors"].append(_("Confirm at most %(n)s actions at a time.") % {"n": forms.BULK_MAX})
    if not valid or bulk["errors"]:
        return _render_list(request, back, bulk, status=400)
    chosen = list(
        selectors.follow_up_list(user=user).filter(pk__in=ticked).order_by("unit__name", "indicator_code", "pk")
    )
    done = 0
    skipped: list[str] = []
    try:
        with transaction.atomic():
            for action in chosen:
                if action.status != F_.PROPOSED:
                    skipped.append(
                        _("%(unit)s, %(code)s: it is no longer proposed (now “%(status)s”).")
                        % {
                            "unit": action.unit.name,
                            "code": action.indicator_code,
                            "status": action.get_status_display(),
                        }
                    )
                    continue
                try:
                    with transaction.atomic():
                        services.follow_up_confirm(
                            actor=user,
                            action=action,
                            action_text=form.text_for(action),
                            due_date=form.cleaned_data["due_date"],
                            version=action.version,
                        )
                except (PermissionDenied, TransitionError) as exc:  # this action only: the others go on
                    reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                    skipped.append(f"{action.unit.name}, {action.indicator_code}: {reason}")
                else:
                    done += 1
    except ValidationError as exc:  # the text or the date: refused for every action alike, nothing was confirmed
        form_errors_from(exc, form)
        return _render_list(request, back, bulk, status=400)
    missing = len(ticked) - len(chosen)
    if missing:
        skipped.append(
            ngettext("%(n)s ticked action was not found.", "%(n)s ticked actions were not found.", missing)
            % {"n": missing}
        )
    if done:
        messages.success(
            request,
            ngettext("%(n)s follow-up action was confirmed.", "%(n)s follow-up actions were confirmed.", done)
            % {"n": done},
        )
    if skipped:
        shown = "; ".join(skipped[:SKIPPED_SHOWN]) + ("; …" if len(skipped) > SKIPPED_SHOWN else "")
        messages.warning(
            request,
            ngettext("%(n)s action was skipped: %(list)s", "%(n)s actions were skipped: %(list)s", len(skipped))
            % {"n": len(skipped), "list": shown},
        )
    return redirect(_list_url(back))


# ---------------------------------------------------------------- one action


@dataclass
class Event:
    """One step of an action's history, read from the audit log (which keeps every step, also the ones a later
    step overwrote on the action itself, such as the note of a report sent back)."""

    code: str  # proposed, confirm, report, send_back, close, dismiss, overdue
    at: dt.datetime
    who: str = ""
    note: str = ""
    due_date: dt.date | None = None
    text: str = ""  # the action (last confirmation) or the report (last report): the action keeps only the latest
    files: list[FollowUpEvidence] = field(default_factory=list)


EVENT_CODES = {
    "followup.confirm": "confirm",
    "followup.report": "report",
    "followup.send_back": "send_back",
    "followup.close": "close",
    "followup.dismiss": "dismiss",
    "followup.overdue": "overdue",
}


def _date_or_none(raw: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        return None


def _timeline(action: FollowUpAction, files: list[FollowUpEvidence]) -> list[Event]:
    """The action's history in two queries' worth of data: proposal, then every audited step in order; each
    report gets the files uploaded with it."""
    events = [Event("proposed", action.created_at)]
    entries = AuditEntry.objects.filter(
        target_type=FollowUpAction._meta.label_lower, target_id=str(action.pk), action__in=list(EVENT_CODES)
    ).order_by("created_at", "pk")
    for code, at, who, data in entries.values_list("action", "created_at", "actor_name", "data"):
        data = data or {}
        events.append(
            Event(
                EVENT_CODES[code],
                at,
                who,
                note=str(data.get("note") or data.get("reason") or ""),
                due_date=_date_or_none(data.get("due_date")),
            )
        )
    reports = [e for e in events if e.code == "report"]
    pending = sorted(files, key=lambda f: (f.created_at, f.pk))
    for event in reports:
        event.files = [f for f in pending if f.created_at <= event.at]
        pending = [f for f in pending if f.created_at > event.at]
    if reports:
        reports[-1].files += pending
        reports[-1].text = action.report
    confirms = [e for e in events if e.code == "confirm"]
    if confirms:
        confirms[-1].text = action.action
    return events


def _render_detail(
    request: HttpRequest, action: FollowUpAction, *, bound: dict[str, Form] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    bound = bound or {}
    unit = action.unit
    unit_today = timezone.localdate(timezone=unit.tzinfo)
    can_manage = policy.can(user, Action.FOLLOWUP_MANAGE, unit)
    can_report = policy.can(user, Action.FOLLOWUP_REPORT, unit)
    decidable = can_manage and action.status in (F_.PROPOSED, F_.CONFIRMED)
    files = list(action.evidence.select_related("uploaded_by").order_by("created_at", "pk"))
    context: dict[str, Any] = {
        "action": action,
        "unit": unit,
        "events": _timeline(action, files),
        "files": files,
        "overdue": _overdue(action, _today()),
        "can_manage": can_manage,
        "can_report": can_report,
        # A refused form is shown again whatever the state now is: with why, and with what was typed.
        "confirm_form": bound.get("confirm")
        or (
            forms.ConfirmForm(
                initial={
                    "action": action.action,
                    "due_date": action.due_date or unit_today + dt.timedelta(days=forms.DUE_DAYS),
                }
            )
            if decidable
            else None
        ),
        "dismiss_form": bound.get("dismiss") or (forms.DismissForm() if decidable else None),
        "report_form": bound.get("report")
        or (
            forms.ReportForm(initial={"report": action.report})
            if can_report and action.status == F_.CONFIRMED
            else None
        ),
        "review_form": bound.get("review")
        or (forms.ReviewForm() if can_manage and action.status == F_.REPORTED else None),
        "files_left": services.FOLLOW_UP_FILES_MAX - len(files),
        "min_due": (unit_today + dt.timedelta(days=1)).isoformat(),
        "result_url": f"/hasil/{action.period.year}/{unit.code}/",
        "active_nav": "followups",
        "breadcrumbs": _crumbs((f"{unit.name} · {action.indicator_code}", "")),
    }
    return render(request, "results/followup_detail.html", context, status=status)


@login_required
@require_GET
def followup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, selectors.follow_up_for(user=request.user, pk=pk))


def _detail_url(action: FollowUpAction, anchor: str = "") -> str:
    return reverse("followup:detail", args=[action.pk]) + (f"#{anchor}" if anchor else "")


def _refused(request: HttpRequest, pk: int, key: str, form: Form, exc: ValidationError | None) -> HttpResponse:
    """The page again, with the refused form as it was typed and why; the action as it stands now."""
    status = 400
    if exc is not None:
        status = _status(exc)
        if isinstance(exc, UploadTooLarge | UploadKindNotAllowed) and "attachments" in form.fields:
            form.add_error("attachments", exc.messages)
        elif isinstance(exc, TransitionError):
            form.add_error(None, exc.messages)  # a stale version or a state that moved on: about the whole form
        elif hasattr(exc, "error_dict") and "files" in exc.error_dict and "attachments" in form.fields:
            # The service names the files ``files``; the form calls them ``attachments``.
            form_errors_from(ValidationError({"attachments": exc.error_dict["files"]}), form)
        else:
            form_errors_from(exc, form)
    # Read again: after a refusal because someone else changed it, the page shows their change.
    action = selectors.follow_up_for(user=request.user, pk=pk)
    return _render_detail(request, action, bound={key: form}, status=status)


def _require(user: Any, action_code: Action, follow_up: FollowUpAction) -> None:
    if not policy.can(user, action_code, follow_up.unit):
        raise PermissionDenied


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Ditjen HAM or the unit's Kanwil confirms (or corrects) what the unit must do and by when."""
    action = selectors.follow_up_for(user=request.user, pk=pk)
    _require(request.user, Action.FOLLOWUP_MANAGE, action)
    form = forms.ConfirmForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, "confirm", form, None)
    try:
        services.follow_up_confirm(
            actor=request.user,
            action=action,
            action_text=form.cleaned_data["action"],
            due_date=form.cleaned_data["due_date"],
            version=_posted_version(request),
        )
    except ValidationError as exc:
        return _refused(request, pk, "confirm", form, exc)
    messages.success(request, _("The follow-up action is confirmed; the unit has been told."))
    return redirect(_detail_url(action))


@login_required
@require_POST
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """Ditjen HAM or the Kanwil decides the action is not needed, with the reason."""
    action = selectors.follow_up_for(user=request.user, pk=pk)
    _require(request.user, Action.FOLLOWUP_MANAGE, action)
    form = forms.DismissForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, "dismiss", form, None)
    try:
        services.follow_up_dismiss(
            actor=request.user, action=action, reason=form.cleaned_data["reason"], version=_posted_version(request)
        )
    except ValidationError as exc:
        return _refused(request, pk, "dismiss", form, exc)
    messages.success(request, _("The follow-up action is dismissed."))
    return redirect(_detail_url(action))


def _body_too_large(request: HttpRequest) -> bool:
    """Refuse absurd bodies unread; the service checks each file's own size and kind."""
    length = _int_or_none(request.META.get("CONTENT_LENGTH")) or 0
    return length > (services.FOLLOW_UP_FILES_MAX * services.FOLLOW_UP_FILE_MB + 1) * MB


@login_required
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit reports what it did, with evidence files; the Kanwil is asked to verify."""
    action = selectors.follow_up_for(user=request.user, pk=pk)
    _require(request.user, Action.FOLLOWUP_REPORT, action)
    if _body_too_large(request):
        form = forms.ReportForm({"report": request.POST.get("report", "")})
        form.is_valid()
        too_large = UploadTooLarge(_("The files are too large together; send fewer at a time."), code="too_large")
        return _refused(request, pk, "report", form, too_large)
    form = forms.ReportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _refused(request, pk, "report", form, None)
    try:
        services.follow_up_report(
            actor=request.user,
            action=action,
            report=form.cleaned_data["report"],
            files=form.cleaned_data["attachments"],
            version=_posted_version(request),
        )
    except ValidationError as exc:
        return _refused(request, pk, "report", form, exc)
    messages.success(request, _("Your report is sent; the Kanwil will verify it."))
    return redirect(_detail_url(action))


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The Kanwil (or Ditjen HAM) closes the action after reading the report, or sends it back with a note."""
    action = selectors.follow_up_for(user=request.user, pk=pk)
    _require(request.user, Action.FOLLOWUP_MANAGE, action)
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        return _refused(request, pk, "review", form, None)
    try:
        services.follow_up_review(
            actor=request.user,
            action=action,
            accept=form.accept,
            note=form.cleaned_data["note"],
            version=_posted_version(request),
        )
    except ValidationError as exc:
        return _refused(request, pk, "review", form, exc)
    if form.accept:
        messages.success(request, _("The follow-up action is verified and closed."))
    else:
        messages.success(request, _("The report is sent back to the unit with your note."))
    return redirect(_detail_url(action))


# ---------------------------------------------------------------- private files


@login_required
@require_GET
def evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A file of a unit's follow-up report, downloaded; only for those who may see the action."""
    item = FollowUpEvidence.objects.select_related("action__unit__province").filter(pk=pk).first()
    if item is None or not policy.can(request.user, Action.RESULT_VIEW, item.action.unit):
        raise Http404
    response = FileResponse(
        default_storage.open(item.storage_name, "rb"),
        as_attachment=True,
        filename=item.original_name or "bukti",
        content_type=CONTENT_TYPES.get(item.kind, "application/octet-stream"),
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
