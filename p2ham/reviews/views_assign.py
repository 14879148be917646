"""Assignment screens: Ditjen HAM's list of the assessments forwarded to verification with their verifiers and
panels, assignment one by one or in bulk (someone with a conflict of interest is skipped, with the reason),
removal after a confirmation, the verifiers' workload; and each verifier's and assessor's own work list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from p2ham.accounts.models import Role, RoleAssignment, User
from p2ham.assessments.models import Assessment
from p2ham.assessments.selectors import period_by_year_or_404
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.organizations.models import Province, UnitType
from p2ham.periods.models import Period
from p2ham.periods.selectors import current_period
from p2ham.reviews import selectors, services
from p2ham.reviews.models import PanelAssignment, VerifierAssignment

S = Assessment.Status
PAGE_SIZE = 50
# The statuses the assignment list shows (what ``selectors.assignment_list`` selects), for its filter.
STATUSES = (S.IN_VERIFICATION, S.RETURNED, S.VERIFIED, S.IN_PANEL, S.SCORED)
# The list's query string, carried through a form post and back: nothing else is kept.
LIST_PARAMS = ("province", "type", "status", "unassigned", "verifier", "q", "page")
# Where the bulk assignment leaves the rows it skipped (and why) for the list to show once after the redirect.
SKIPPED_KEY = "p2ham-assign-skipped"
SKIPPED_SHOWN = 200


def _int_or_none(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def _ensure_assigner(user: Any) -> None:
    if not policy.can(user, Action.REVIEW_ASSIGN):
        raise PermissionDenied


def _filters(params: QueryDict) -> dict[str, str]:
    status = params.get("status", "")
    return {
        "province": params.get("province", "")[:2],
        "type": params.get("type", "")[:30],
        "status": status if status in STATUSES else "",
        "unassigned": "1" if params.get("unassigned") == "1" else "",
        "verifier": str(_int_or_none(params.get("verifier")) or ""),
        "q": params.get("q", "").strip()[:100],
    }


def _list_query(params: QueryDict) -> str:
    """The list's own parameters from ``params``, re-encoded (so ``next`` can only ever lead back to the list)."""
    kept = QueryDict(mutable=True)
    for key in LIST_PARAMS:
        value = params.get(key, "")
        if value:
            kept[key] = value[:100]
    return kept.urlencode()


def _list_url(year: int, params: QueryDict) -> str:
    query = _list_query(params)
    return reverse("assign:list", args=[year]) + (f"?{query}" if query else "")


def _matching(period: Period, filters: dict[str, str]) -> QuerySet[Assessment]:
    """The assessments the filters select: the list, and "all matching the filter" of the bulk assignment."""
    qs = selectors.assignment_list(
        period=period,
        province=filters["province"],
        unit_type=filters["type"],
        status=filters["status"],
        unassigned=bool(filters["unassigned"]),
    )
    if filters["verifier"]:
        qs = qs.filter(verifiers__verifier_id=int(filters["verifier"]))
    if filters["q"]:
        qs = qs.filter(Q(unit__name__icontains=filters["q"]) | Q(unit__code__icontains=filters["q"]))
    return qs


def _conflicted(people: list[User], assessments: list[Assessment]) -> None:
    """Mark on each assessment who may not judge it (``a.conflicted``: user ids), in one query for the page."""
    paths: dict[int, list[str]] = {}
    for user_id, path in RoleAssignment.objects.filter(user__in=[p.pk for p in people], unit__isnull=False).values_list(
        "user_id", "unit__path"
    ):
        paths.setdefault(user_id, []).append(path)
    for a in assessments:
        root = selectors.conflict_root_path(a.unit)
        a.conflicted = {uid for uid, held in paths.items() if any(p.startswith(root) for p in held)}  # type: ignore[attr-defined]


def _waiting_days(since: dt.datetime | None, now: dt.datetime) -> int | None:
    return (now - since).days if since is not None else None


# ---------------------------------------------------------------- entry points


@login_required
@require_GET
def assign_index(request: HttpRequest) -> HttpResponse:
    """The current period's list for Ditjen HAM; a verifier's or an assessor's own work list for them."""
    user = request.user
    if policy.can(user, Action.REVIEW_ASSIGN):
        name = "assign:list"
    elif policy.can(user, Action.VERIFICATION_PERFORM) or policy.can(user, Action.PANEL_SCORE):
        name = "assign:mine"
    else:
        raise PermissionDenied
    period = current_period()
    if period is None:
        messages.info(request, _("No assessment period is open."))
        return redirect("core:home")
    return redirect(name, year=period.year)


@login_required
@require_GET
def mine_index(request: HttpRequest) -> HttpResponse:
    """The work list of the current period."""
    period = current_period()
    if period is None:
        messages.info(request, _("No assessment period is open."))
        return redirect("core:home")
    return redirect("assign:mine", year=period.year)


# ---------------------------------------------------------------- the assignment list


def _bulk_state(data: QueryDict | None = None) -> dict[str, Any]:
    """What the bulk form shows: empty, or what was typed and ticked (kept when it is refused)."""
    data = data if data is not None else QueryDict()
    return {
        "ticked": {i for i in (_int_or_none(v) for v in data.getlist("assessments")) if i is not None},
        "scope": "all" if data.get("scope") == "all" else "ticked",
        "verifier": _int_or_none(data.get("verifier")),
        "chair": _int_or_none(data.get("chair")),
        "assessors": {i for i in (_int_or_none(v) for v in data.getlist("assessors")) if i is not None},
        "errors": {},
    }


def _render_list(
    request: HttpRequest, period: Period, params: QueryDict, bulk: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    filters = _filters(params)
    page = Paginator(_matching(period, filters), PAGE_SIZE).get_page(params.get("page"))
    rows: list[Assessment] = list(page.object_list)
    verifiers = list(selectors.people_with_role(Role.VERIFIKATOR))
    assessors = list(selectors.people_with_role(Role.PENILAI))
    _conflicted(verifiers + assessors, rows)
    now = timezone.now()
    for a in rows:
        a.verifier_ids = {v.verifier_id for v in a.verifiers.all()}  # type: ignore[attr-defined]
        seats = list(a.panel.all())
        a.seat_ids = {s.assessor_id for s in seats if s.active}  # type: ignore[attr-defined]
        a.declared_ids = {s.assessor_id for s in seats if not s.active}  # type: ignore[attr-defined]
        a.panel_ok = selectors.panel_complete([s for s in seats if s.active])  # type: ignore[attr-defined]
        a.assignable = a.status in services.ASSIGNABLE  # type: ignore[attr-defined]
        a.waiting_days = _waiting_days(a.waiting_since, now)  # type: ignore[attr-defined]
    skipped = request.session.pop(SKIPPED_KEY, None) if request.method == "GET" else None
    verifier_filter = next((v for v in verifiers if str(v.pk) == filters["verifier"]), None)
    return render(
        request,
        "reviews/assign_list.html",
        {
            "period": period,
            "page_obj": page,
            "rows": rows,
            "filters": filters,
            "filtered": any(filters.values()),
            "verifier_filter": verifier_filter,
            "statuses": [(s.value, s.label) for s in STATUSES],
            "provinces": Province.objects.order_by("code"),
            "unit_types": UnitType.objects.order_by("order", "name"),
            "verifiers": verifiers,
            "assessors": assessors,
            "bulk": bulk or _bulk_state(),
            "skipped": skipped,
            "next": _list_query(params),
            "active_nav": "assignments",
            "breadcrumbs": [(_("Home"), reverse("core:home")), (_("Assignments %(year)s") % {"year": period.year}, "")],
        },
        status=status,
    )


@login_required
@require_GET
def assignment_list(request: HttpRequest, year: int) -> HttpResponse:
    """The assessments forwarded to verification and beyond, with their verifiers and panels (Ditjen HAM)."""
    _ensure_assigner(request.user)
    return _render_list(request, period_by_year_or_404(year), request.GET)


def _skipped_message(request: HttpRequest, done: int, skipped: list[str], *, panel: bool) -> None:
    if panel:
        text = ngettext(
            "The panel was set for %(count)d assessment.", "The panel was set for %(count)d assessments.", done
        )
    else:
        text = ngettext(
            "The verifier was assigned to %(count)d assessment.",
            "The verifier was assigned to %(count)d assessments.",
            done,
        )
    if done:
        messages.success(request, text % {"count": done})
    elif not skipped:
        messages.info(request, _("Nothing changed: the assignments were already in place."))
    if skipped:
        request.session[SKIPPED_KEY] = {"count": len(skipped), "items": skipped[:SKIPPED_SHOWN]}


@login_required
@require_POST
def bulk_assign(request: HttpRequest, year: int) -> HttpResponse:
    """One verifier, or one panel (a chair and assessors), for the ticked rows or all matching the filter."""
    _ensure_assigner(request.user)
    period = period_by_year_or_404(year)
    back = QueryDict(request.POST.get("next", ""))
    bulk = _bulk_state(request.POST)
    action = request.POST.get("action", "")
    errors: dict[str, str] = bulk["errors"]
    verifier: User | None = None
    chair: User | None = None
    members: list[User] = []
    if bulk["scope"] == "all":
        chosen: list[Assessment] = list(_matching(period, _filters(back)))
    else:
        chosen = list(
            Assessment.objects.filter(period=period, pk__in=bulk["ticked"], status__in=STATUSES)
            .select_related("unit__province", "period")
            .order_by("unit__name")
        )
    if not chosen:
        errors["assessments"] = (
            _("No assessment matches the filter.") if bulk["scope"] == "all" else _("Tick at least one assessment.")
        )
    people = {u.pk: u for u in User.objects.filter(pk__in=[bulk["verifier"], bulk["chair"], *bulk["assessors"]])}
    if action == "verifier":
        verifier = people.get(bulk["verifier"] or 0)
        if verifier is None:
            errors["verifier"] = _("Choose the verifier.")
    elif action == "panel":
        chair = people.get(bulk["chair"] or 0)
        members = [people[pk] for pk in sorted(bulk["assessors"]) if pk in people]
        if chair is None:
            errors["chair"] = _("Choose the chair of the panel.")
        if not [m for m in members if chair is None or m.pk != chair.pk]:
            errors["assessors"] = _("Choose at least one assessor besides the chair.")
    else:
        errors["action"] = _("Choose what to assign.")
    if not errors:
        try:
            if verifier is not None:
                done, skipped = services.verifiers_assign_many(
                    actor=request.user, period=period, verifier=verifier, assessments=chosen
                )
            else:
                assert chair is not None
                done, skipped = services.panels_assign_many(
                    actor=request.user, period=period, chair=chair, assessors=members, assessments=chosen
                )
        except ValidationError as exc:
            errors["form"] = " ".join(exc.messages)
        else:
            _skipped_message(request, done, skipped, panel=action == "panel")
            return redirect(_list_url(year, back))
    # Shown again with what was chosen and ticked, so nothing has to be entered twice.
    return _render_list(request, period, back, bulk, status=400)


def _one_assessment(request: HttpRequest, period: Period) -> Assessment:
    return get_object_or_404(
        Assessment.objects.select_related("unit__province", "period"),
        pk=_int_or_none(request.POST.get("assessment")) or 0,
        period=period,
    )


@login_required
@require_POST
def verifier_add(request: HttpRequest, year: int) -> HttpResponse:
    """Assign a verifier to one assessment (from its row)."""
    _ensure_assigner(request.user)
    period = period_by_year_or_404(year)
    assessment = _one_assessment(request, period)
    back = QueryDict(request.POST.get("next", ""))
    person = User.objects.filter(pk=_int_or_none(request.POST.get("verifier")) or 0).first()
    if person is None:
        messages.error(request, _("Choose the verifier."))
        return redirect(_list_url(year, back))
    try:
        services.verifier_assign(actor=request.user, assessment=assessment, verifier=person)
    except ValidationError as exc:
        messages.error(request, f"{assessment.unit.name}: {' '.join(exc.messages)}")
    else:
        messages.success(
            request,
            _("%(person)s now verifies %(unit)s.") % {"person": person.full_name, "unit": assessment.unit.name},
        )
    return redirect(_list_url(year, back))


@login_required
@require_POST
def assessor_add(request: HttpRequest, year: int) -> HttpResponse:
    """Put an assessor (or the chair) on one assessment's panel: also how someone who declared a conflict is
    replaced."""
    _ensure_assigner(request.user)
    period = period_by_year_or_404(year)
    assessment = _one_assessment(request, period)
    back = QueryDict(request.POST.get("next", ""))
    person = User.objects.filter(pk=_int_or_none(request.POST.get("assessor")) or 0).first()
    if person is None:
        messages.error(request, _("Choose the assessor."))
        return redirect(_list_url(year, back))
    chair = request.POST.get("chair") == "1"
    try:
        services.panel_assign(actor=request.user, assessment=assessment, assessor=person, chair=chair)
    except ValidationError as exc:
        messages.error(request, f"{assessment.unit.name}: {' '.join(exc.messages)}")
    else:
        text = (
            _("%(person)s now chairs the panel of %(unit)s.")
            if chair
            else _("%(person)s now sits on the panel of %(unit)s.")
        )
        messages.success(request, text % {"person": person.full_name, "unit": assessment.unit.name})
    return redirect(_list_url(year, back))


@login_required
@require_http_methods(["GET", "POST"])
def verifier_remove(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    """Take a verifier off an assessment, after a confirmation."""
    _ensure_assigner(request.user)
    period = period_by_year_or_404(year)
    assignment = get_object_or_404(
        VerifierAssignment.objects.select_related("verifier", "assessment__unit__province", "assessment__period"),
        pk=pk,
        assessment__period=period,
    )
    back = QueryDict(request.GET.get("next", "") if request.method == "GET" else request.POST.get("next", ""))
    if request.method == "POST":
        services.verifier_unassign(actor=request.user, assignment=assignment)
        messages.success(
            request,
            _("%(person)s no longer verifies %(unit)s.")
            % {"person": assignment.verifier.full_name, "unit": assignment.assessment.unit.name},
        )
        return redirect(_list_url(year, back))
    return render(
        request,
        "reviews/assign_remove.html",
        {
            "period": period,
            "assessment": assignment.assessment,
            "person": assignment.verifier,
            "kind": "verifier",
            "next": _list_query(back),
            "back_url": _list_url(year, back),
            "active_nav": "assignments",
            "breadcrumbs": [
                (_("Home"), reverse("core:home")),
                (_("Assignments %(year)s") % {"year": year}, _list_url(year, back)),
                (_("Remove a verifier"), ""),
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessor_remove(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    """Take an assessor off a panel (before it has scored), after a confirmation."""
    _ensure_assigner(request.user)
    period = period_by_year_or_404(year)
    seat = get_object_or_404(
        PanelAssignment.objects.select_related("assessor", "assessment__unit__province", "assessment__period"),
        pk=pk,
        assessment__period=period,
    )
    back = QueryDict(request.GET.get("next", "") if request.method == "GET" else request.POST.get("next", ""))
    if request.method == "POST":
        try:
            services.panel_unassign(actor=request.user, seat=seat)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("%(person)s no longer sits on the panel of %(unit)s.")
                % {"person": seat.assessor.full_name, "unit": seat.assessment.unit.name},
            )
        return redirect(_list_url(year, back))
    return render(
        request,
        "reviews/assign_remove.html",
        {
            "period": period,
            "assessment": seat.assessment,
            "person": seat.assessor,
            "seat": seat,
            "kind": "assessor",
            "next": _list_query(back),
            "back_url": _list_url(year, back),
            "active_nav": "assignments",
            "breadcrumbs": [
                (_("Home"), reverse("core:home")),
                (_("Assignments %(year)s") % {"year": year}, _list_url(year, back)),
                (_("Remove an assessor"), ""),
            ],
        },
    )


# ---------------------------------------------------------------- workload and work lists


@login_required
@require_GET
def workload(request: HttpRequest, year: int) -> HttpResponse:
    """Per verifier: pending (in verification or returned), returned, done, and how long the oldest has waited."""
    _ensure_assigner(request.user)
    period = period_by_year_or_404(year)
    now = timezone.now()
    rows = selectors.workload(period=period)
    for row in rows:
        row.oldest_days = _waiting_days(row.oldest_waiting, now)  # type: ignore[attr-defined]
    return render(
        request,
        "reviews/workload.html",
        {
            "period": period,
            "rows": rows,
            "list_url": reverse("assign:list", args=[year]),
            "active_nav": "assignments",
            "breadcrumbs": [
                (_("Home"), reverse("core:home")),
                (_("Assignments %(year)s") % {"year": year}, reverse("assign:list", args=[year])),
                (_("Workload"), ""),
            ],
        },
    )


@login_required
@require_GET
def worklist(request: HttpRequest, year: int) -> HttpResponse:
    """My work: the assessments I verify and the panels I sit on, the longest waiting first."""
    user = request.user
    is_verifier = policy.can(user, Action.VERIFICATION_PERFORM)
    is_assessor = policy.can(user, Action.PANEL_SCORE)
    if not (is_verifier or is_assessor):
        raise PermissionDenied
    period = period_by_year_or_404(year)
    now = timezone.now()
    verifying = list(selectors.verifier_worklist(user=user, period=period)) if is_verifier else []
    for a in verifying:
        a.waiting_days = _waiting_days(a.waiting_since, now)  # type: ignore[attr-defined]
    seats = list(selectors.assessor_worklist(user=user, period=period)) if is_assessor else []
    return render(
        request,
        "reviews/worklist.html",
        {
            "period": period,
            "is_verifier": is_verifier,
            "is_assessor": is_assessor,
            "verifying": verifying,
            "open_statuses": (S.IN_VERIFICATION,),
            "seats": seats,
            "active_nav": "my_reviews",
            "breadcrumbs": [(_("Home"), reverse("core:home")), (_("My reviews %(year)s") % {"year": year}, "")],
        },
    )
