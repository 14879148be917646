"""Ditjen HAM's screens of stage 8: the ranking of a period (a draft from the panels' results before the decree,
the frozen results after it), the determination by decree, corrections of named units (reopen, then determine
again by an amending decree), the history of those corrections, the certificates and their revocation, and
the decree annex as PDF and Word.

Who sees what: the ranking, the history and the certificates are for everyone with the results overview
(Ditjen HAM, Pimpinan and the administrators nationwide; a Kanwil for the units of its region); every write
is Ditjen HAM's alone; the annex is a national document (national overview only). Anyone else is refused
(403); an object outside the period or the reader's scope is 404.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_http_methods

from p2ham.assessments.models import Assessment
from p2ham.assessments.selectors import period_by_year_or_404
from p2ham.assessments.services import StaleVersion
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.organizations.models import Province, UnitType
from p2ham.periods.models import Period
from p2ham.periods.selectors import current_period
from p2ham.periods.services import TransitionError
from p2ham.results import documents_decree, selectors, services
from p2ham.results.forms import CorrectionForm, DeterminationForm, RedeterminationForm, RevokeForm
from p2ham.results.models import Certificate, Result, ResultRevision
from p2ham.results.ranking import TIE_BREAKS
from p2ham.results.selectors import Ranking, RankRow

S = Assessment.Status
PAGE_SIZE = 50
LIST_PAGE_SIZE = 50

# The ranking rule (``ranking.TIE_BREAKS``) in words, in its own order.
TIE_BREAK_TEXT = {
    "total": gettext_lazy("the higher total (after adjustments);"),
    "base_total": gettext_lazy("the higher score before adjustments (as verified and scored by the panel);"),
    "full_count": gettext_lazy("more indicators fully met (score 100);"),
    "submitted_at": gettext_lazy("the earlier submission of the self-assessment;"),
    "unit_code": gettext_lazy("the unit code, alphabetically (a last, stable key)."),
}


# ---------------------------------------------------------------- helpers


def _require(user: Any, action: Action) -> None:
    if not policy.can(user, action):
        raise PermissionDenied


def _national(user: Any) -> bool:
    """Sees every unit's results (Ditjen HAM, Pimpinan, administrators), not a region's."""
    return policy.can(user, Action.RESULTS_OVERVIEW) and policy.unit_scope_q(user, Action.RESULTS_OVERVIEW) is None


def _scoped(qs: QuerySet[Any], user: Any, prefix: str) -> QuerySet[Any]:
    q = policy.unit_scope_q(user, Action.RESULTS_OVERVIEW, prefix=prefix)
    return qs if q is None else qs.filter(q)


def _url(name: str, args: Sequence[Any], fallback: str) -> str:
    """A page of another part of the results app by name (its literal path while that part is not there yet)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def _unit_url(year: int, code: str) -> str:
    return _url("results_unit:detail", [year, code], f"/hasil/{year}/{code}/")


def _search(q: str, *fields: str) -> Q:
    found = Q()
    for field in fields:
        found |= Q(**{f"{field}__icontains": q})
    return found


def _apply(form: Form, exc: ValidationError) -> int:
    """Put a service's refusal on the form (fields it names, else the form itself); returns the HTTP status:
    409 for a state that does not allow the step (or a stale view), 400 for bad input."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)
    return 409 if isinstance(exc, TransitionError) else 400


def _crumbs(period: Period, *items: tuple[str, str]) -> list[tuple[str, str]]:
    ranking = (_("Ranking %(year)s") % {"year": period.year}, reverse("ranking:ranking", args=[period.year]))
    return [(_("Home"), reverse("core:home")), ranking, *items]


def cohort_labels() -> dict[str, str]:
    """A readable name per cohort: its unit type's name when it has one type, else the cohort's own code."""
    types: dict[str, list[str]] = {}
    for cohort, name in UnitType.objects.order_by("order", "name").values_list("cohort", "name"):
        types.setdefault(cohort, []).append(name)
    return {
        cohort: names[0] if len(names) == 1 else cohort.replace("_", " ").title() for cohort, names in types.items()
    }


@dataclass
class CohortTable:
    cohort: str
    label: str
    rows: list[tuple[RankRow, str, str]]  # each row with the links to its result (after the decree) and correction


def _tables(rows: Iterable[RankRow], labels: dict[str, str], period: Period, determined: bool) -> list[CohortTable]:
    # Unit codes are letters, digits, dots, dashes and underscores: the links are built from one reversed prefix.
    detail = _unit_url(period.year, "__CODE__")
    correction = reverse("ranking:correction", args=[period.year, "__CODE__"])
    tables: dict[str, CohortTable] = {}
    for row in rows:
        table = tables.get(row.cohort)
        if table is None:
            table = tables[row.cohort] = CohortTable(row.cohort, labels.get(row.cohort, row.cohort), [])
        code = row.unit.code
        table.rows.append(
            (row, detail.replace("__CODE__", code) if determined else "", correction.replace("__CODE__", code))
        )
    return list(tables.values())


def _summary(board: Ranking, labels: dict[str, str]) -> list[tuple[str, int, int]]:
    """(cohort, units, awarded) of the rows: what the determination freezes."""
    counts: dict[str, list[int]] = {}
    for row in board.rows:
        count = counts.setdefault(row.cohort, [0, 0])
        count[0] += 1
        count[1] += int(row.awarded)
    return [(labels.get(cohort, cohort), units, awarded) for cohort, (units, awarded) in counts.items()]


def _pending(board: Ranking) -> list[tuple[str, int]]:
    order = {status: i for i, status in enumerate(S.values)}
    return [(str(S(status).label), n) for status, n in sorted(board.pending.items(), key=lambda item: order[item[0]])]


def _int_or_none(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


# ---------------------------------------------------------------- the ranking


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The ranking of the year chosen (``?year=``), else of the current period."""
    _require(request.user, Action.RESULTS_OVERVIEW)
    year = _int_or_none(request.GET.get("year"))
    if year is not None and Period.objects.filter(year=year).exists():
        return redirect("ranking:ranking", year=year)
    period = current_period()
    if period is None:
        messages.info(request, _("No assessment period exists yet."))
        return redirect("core:home")
    return redirect("ranking:ranking", year=period.year)


def _filters(params: QueryDict, cohorts: list[str]) -> dict[str, str]:
    cohort = params.get("cohort", "")
    return {
        "q": params.get("q", "").strip()[:100],
        "cohort": cohort if cohort in cohorts else "",
        "province": params.get("province", "")[:2],
        "awarded": "1" if params.get("awarded") == "1" else "",
    }


@login_required
@require_GET
def ranking_page(request: HttpRequest, year: int) -> HttpResponse:
    """The ranking per cohort, with the decree's state, the tie-break rule and what is still pending."""
    user = request.user
    _require(user, Action.RESULTS_OVERVIEW)
    period = period_by_year_or_404(year)
    cohorts = selectors.cohorts()
    labels = cohort_labels()
    filters = _filters(request.GET, cohorts)
    provinces = list(Province.objects.order_by("code"))
    province = next((p for p in provinces if p.code == filters["province"]), None)
    board = selectors.ranking(
        period=period,
        user=user,
        cohort=filters["cohort"],
        province=province,
        awarded_only=bool(filters["awarded"]),
        q=filters["q"],
    )
    rows = board.rows
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    can_determine = policy.can(user, Action.RESULTS_DETERMINE)
    determined = board.determination is not None
    waiting = reopened = 0
    if can_determine and determined:
        waiting = selectors.awaiting_redetermination(period).count()
        reopened = selectors.reopened_results(period).count()
    return render(
        request,
        "results/ranking.html",
        {
            "period": period,
            "periods": list(Period.objects.order_by("-year").values_list("year", flat=True)),
            "board": board,
            "determination": board.determination,
            "page_obj": page,
            "tables": _tables(page.object_list, labels, period, determined),
            "matching": len(rows),
            "awarded": board.awarded_count,
            "filters": filters,
            "filtered": any(filters.values()),
            "cohorts": [(c, labels.get(c, c)) for c in cohorts],
            "provinces": provinces,
            "pending": _pending(board),
            "pending_total": sum(board.pending.values()),
            "tie_breaks": [TIE_BREAK_TEXT[key] for key in TIE_BREAKS],
            "can_determine": can_determine,
            "can_annex": _national(user),
            "waiting": waiting,
            "reopened": reopened,
            "active_nav": "results",
            "breadcrumbs": [(_("Home"), reverse("core:home")), (_("Ranking %(year)s") % {"year": period.year}, "")],
        },
    )


# ---------------------------------------------------------------- determination


@login_required
@require_http_methods(["GET", "POST"])
def determine(request: HttpRequest, year: int) -> HttpResponse:
    """Record the decree: the ranking shown is frozen, certificates are issued, follow-ups proposed."""
    user = request.user
    _require(user, Action.RESULTS_DETERMINE)
    period = period_by_year_or_404(year)
    if request.method == "GET" and selectors.determination_of(period) is not None:
        messages.info(request, _("The results of %(year)s are already determined.") % {"year": period.year})
        return redirect("ranking:ranking", year=period.year)
    board = selectors.ranking(period=period, user=user)
    form = DeterminationForm(request.POST or None, initial=DeterminationForm.defaults(board.scored_count))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.determine(
                    actor=user,
                    period=period,
                    decree_number=data["decree_number"],
                    decree_date=data["decree_date"],
                    signatory_name=data["signatory_name"],
                    signatory_title=data["signatory_title"],
                    expected_count=data["expected_count"],
                )
            except ValidationError as exc:
                status = _apply(form, exc)
                if isinstance(exc, StaleVersion):
                    # Show the list as it is now and ask for the confirmation again.
                    fresh = request.POST.copy()
                    fresh["expected_count"] = str(board.scored_count)
                    fresh.pop("confirm", None)
                    form.data = fresh
            else:
                messages.success(
                    request,
                    _(
                        "The results of %(year)s are determined by decree %(number)s: certificates are issued and "
                        "follow-up actions proposed."
                    )
                    % {"year": period.year, "number": data["decree_number"]},
                )
                return redirect("ranking:ranking", year=period.year)
        else:
            status = 400
    labels = cohort_labels()
    return render(
        request,
        "results/determination.html",
        {
            "period": period,
            "board": board,
            "form": form,
            "summary": _summary(board, labels),
            "pending": _pending(board),
            "pending_total": sum(board.pending.values()),
            "active_nav": "results",
            "breadcrumbs": _crumbs(period, (_("Determination"), "")),
        },
        status=status,
    )


# ---------------------------------------------------------------- corrections


@login_required
@require_http_methods(["GET", "POST"])
def correction(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """Reopen one determined result for correction by its panel."""
    user = request.user
    _require(user, Action.RESULTS_DETERMINE)
    period = period_by_year_or_404(year)
    result = (
        Result.objects.filter(period=period, unit__code=unit_code)
        .select_related("unit__province", "determination")
        .first()
    )
    if result is None:
        raise Http404
    form = CorrectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.correction_open(actor=user, result=result, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                status = _apply(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "The result of %(unit)s is reopened: its panel's chair corrects it and finishes the panel "
                        "again; then determine it again here."
                    )
                    % {"unit": result.unit.name},
                )
                return redirect("ranking:redetermine", year=period.year)
        else:
            status = 400
    return render(
        request,
        "results/determination_correction.html",
        {
            "period": period,
            "result": result,
            "form": form,
            "active_nav": "results",
            "breadcrumbs": _crumbs(period, (_("Correction: %(unit)s") % {"unit": result.unit.name}, "")),
        },
        status=status,
    )


@dataclass
class Waiting:
    assessment: Assessment
    decreed: Result | None  # the result in force (None: scored after the decree, not in it yet)


@login_required
@require_http_methods(["GET", "POST"])
def redetermine(request: HttpRequest, year: int) -> HttpResponse:
    """The units scored again (or for the first time) since the decree, determined again by an amending decree."""
    user = request.user
    _require(user, Action.RESULTS_DETERMINE)
    period = period_by_year_or_404(year)
    determination = selectors.determination_of(period)
    if determination is None and request.method == "GET":
        messages.info(request, _("The results of %(year)s have not been determined yet.") % {"year": period.year})
        return redirect("ranking:determine", year=period.year)
    awaiting = list(selectors.awaiting_redetermination(period)) if determination is not None else []
    decreed = {r.assessment_id: r for r in Result.objects.filter(assessment__in=awaiting)}
    form = RedeterminationForm(request.POST or None, choices=[(a.pk, a.unit.name) for a in awaiting])
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            chosen = set(data["units"])
            try:
                changed = services.redetermine(
                    actor=user,
                    period=period,
                    assessments=[a for a in awaiting if a.pk in chosen],
                    decree_number=data["decree_number"],
                    decree_date=data["decree_date"],
                    reason=data["reason"],
                )
            except ValidationError as exc:
                status = _apply(form, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)d result is determined again by decree %(number)s; the ranks are recomputed.",
                        "%(count)d results are determined again by decree %(number)s; the ranks are recomputed.",
                        len(changed),
                    )
                    % {"count": len(changed), "number": data["decree_number"]},
                )
                return redirect("ranking:history", year=period.year)
        else:
            status = 400
    ticked = {_int_or_none(v) for v in request.POST.getlist("units")}
    return render(
        request,
        "results/redetermination.html",
        {
            "period": period,
            "determination": determination,
            "form": form,
            "waiting": [Waiting(a, decreed.get(a.pk)) for a in awaiting],
            "ticked": ticked,
            "reopened": [
                (r, reverse("panel:page", args=[period.year, r.unit.code])) for r in selectors.reopened_results(period)
            ],
            "active_nav": "results",
            "breadcrumbs": _crumbs(period, (_("Re-determination"), "")),
        },
        status=status,
    )


@login_required
@require_GET
def history(request: HttpRequest, year: int) -> HttpResponse:
    """Every reopening and re-determination of the period's results, newest first."""
    user = request.user
    _require(user, Action.RESULTS_OVERVIEW)
    period = period_by_year_or_404(year)
    q = request.GET.get("q", "").strip()[:100]
    qs = _scoped(
        ResultRevision.objects.filter(result__period=period).select_related("result__unit__province", "actor"),
        user,
        "result__unit__",
    ).order_by("-created_at", "-pk")
    if q:
        qs = qs.filter(_search(q, "result__unit__name", "result__unit__code"))
    page = Paginator(qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "results/ranking_history.html",
        {
            "period": period,
            "page_obj": page,
            "q": q,
            "can_determine": policy.can(user, Action.RESULTS_DETERMINE),
            "active_nav": "results",
            "breadcrumbs": _crumbs(period, (_("Correction history"), "")),
        },
    )


# ---------------------------------------------------------------- certificates


CERTIFICATE_STATES = ("valid", "revoked")


@login_required
@require_GET
def certificates(request: HttpRequest, year: int) -> HttpResponse:
    """The certificates of the period: valid or revoked (when, why), searchable, each with its PDF and its
    public verification page."""
    user = request.user
    _require(user, Action.RESULTS_OVERVIEW)
    period = period_by_year_or_404(year)
    q = request.GET.get("q", "").strip()[:100]
    state = request.GET.get("state", "")
    state = state if state in CERTIFICATE_STATES else ""
    qs = _scoped(selectors.certificates_of(period), user, "result__unit__")
    if q:
        qs = qs.filter(_search(q, "result__unit__name", "result__unit__code", "code"))
    if state:
        qs = qs.filter(revoked_at__isnull=state == "valid")
    page = Paginator(qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (
            cert,
            _url(
                "results_unit:certificate_pdf",
                [year, cert.result.unit.code],
                f"/hasil/{year}/{cert.result.unit.code}/piagam.pdf",
            ),
            _url("public:verify", [cert.code], f"/verifikasi/{cert.code}"),
        )
        for cert in page.object_list
    ]
    return render(
        request,
        "results/certificates.html",
        {
            "period": period,
            "page_obj": page,
            "rows": rows,
            "q": q,
            "state": state,
            "filtered": bool(q or state),
            "determined": selectors.determination_of(period) is not None,
            "can_revoke": policy.can(user, Action.RESULTS_DETERMINE),
            "active_nav": "results",
            "breadcrumbs": _crumbs(period, (_("Certificates"), "")),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate_revoke(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    """Revoke one certificate, with the reason, after a confirmation."""
    user = request.user
    _require(user, Action.RESULTS_DETERMINE)
    certificate = (
        Certificate.objects.filter(pk=pk, result__period__year=year)
        .select_related("result__unit__province", "result__period", "revoked_by")
        .first()
    )
    if certificate is None:
        raise Http404
    period = certificate.result.period
    form = RevokeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.certificate_revoke(actor=user, certificate=certificate, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                status = _apply(form, exc)
            else:
                messages.success(
                    request,
                    _("Certificate %(code)s of %(unit)s is revoked.")
                    % {"code": certificate.code, "unit": certificate.result.unit.name},
                )
                return redirect("ranking:certificates", year=year)
        else:
            status = 400
    return render(
        request,
        "results/certificates_revoke.html",
        {
            "period": period,
            "certificate": certificate,
            "form": form,
            "active_nav": "results",
            "breadcrumbs": _crumbs(
                period,
                (_("Certificates"), reverse("ranking:certificates", args=[year])),
                (_("Revoke %(code)s") % {"code": certificate.code}, ""),
            ),
        },
        status=status,
    )


# ---------------------------------------------------------------- the decree annex


def _annex(request: HttpRequest, year: int) -> tuple[Period, Ranking, list[documents_decree.AnnexGroup]]:
    if not _national(request.user):
        raise PermissionDenied
    period = period_by_year_or_404(year)
    board = selectors.ranking(period=period, user=request.user, awarded_only=True)
    return period, board, documents_decree.annex_groups(board.rows, cohort_labels())


def _filename(period: Period, board: Ranking, ext: str) -> str:
    prefix = "rancangan-" if board.draft else ""
    return f"{prefix}lampiran-keputusan-p2ham-{period.year}.{ext}"


@login_required
@require_GET
@cache_control(private=True, no_cache=True)
def annex_pdf(request: HttpRequest, year: int) -> HttpResponse:
    """The decree annex (a draft before the decree) as PDF."""
    period, board, groups = _annex(request, year)
    data = documents_decree.decree_annex_pdf(period=period, determination=board.determination, groups=groups)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(period, board, "pdf")}"'
    return response


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
@require_GET
@cache_control(private=True, no_cache=True)
def annex_docx(request: HttpRequest, year: int) -> HttpResponse:
    """The decree annex as a Word document, for the legal drafters."""
    period, board, groups = _annex(request, year)
    data = documents_decree.decree_annex_docx(period=period, determination=board.determination, groups=groups)
    response = HttpResponse(data, content_type=DOCX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(period, board, "docx")}"'
    return response
