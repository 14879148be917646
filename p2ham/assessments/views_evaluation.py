"""Evaluation (eligibility) screens: the list of declared units with Ditjen's decisions, and the documents."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from p2ham.assessments import documents, selectors, services
from p2ham.assessments.forms_evaluation import EvaluationDecisionForm
from p2ham.assessments.models import Assessment
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.organizations.models import Province, UnitType
from p2ham.periods.models import Period
from p2ham.periods.selectors import current_period

PAGE_SIZE = 50
DECISIONS = ("pending", "eligible", "not_eligible")
SORTS = {
    "name": ("name", "code"),
    "-name": ("-name", "-code"),
    "province": ("province__name", "name", "code"),
    "-province": ("-province__name", "name", "code"),
}
# The list's query string, as carried through a decision (``next``) and back: nothing else is kept.
LIST_PARAMS = ("decision", "province", "type", "q", "sort", "page")
# An assessment in these statuses can still have its evaluation changed (see services._decide).
DECIDABLE = (None, Assessment.Status.DRAFT, Assessment.Status.NOT_ELIGIBLE)


def _filters(params: QueryDict) -> dict[str, str]:
    decision = params.get("decision", "")
    sort = params.get("sort", "")
    return {
        "decision": decision if decision in DECISIONS else "",
        "province": params.get("province", "")[:2],
        "type": params.get("type", "")[:30],
        "q": params.get("q", "").strip()[:100],
        "sort": sort if sort in SORTS else "name",
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
    return reverse("assessments:evaluation") + (f"?{query}" if query else "")


def _provinces(user: Any) -> list[Province]:
    """The provinces the user's scope touches (all of them for national roles)."""
    if policy.unit_scope_q(user, Action.ASSESSMENT_VIEW) is None:
        return list(Province.objects.order_by("code"))
    units = policy.scope_units(user, Action.ASSESSMENT_VIEW)
    return list(Province.objects.filter(pk__in=units.values("province")).order_by("code"))


def _decision_form(request: HttpRequest, data: Any = None) -> EvaluationDecisionForm:
    units = policy.scope_units(request.user, Action.EVALUATION_DECIDE).select_related("unit_type", "province")
    return EvaluationDecisionForm(data, units=units)


def _render_list(
    request: HttpRequest, params: QueryDict, form: EvaluationDecisionForm | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    period = current_period()
    filters = _filters(params)
    page = None
    if period is not None:
        candidates = selectors.evaluation_candidates(
            user=user,
            period=period,
            decision=filters["decision"],
            province=filters["province"],
            unit_type=filters["type"],
            q=filters["q"],
        ).order_by(*SORTS[filters["sort"]])
        page = Paginator(candidates, PAGE_SIZE).get_page(params.get("page"))
    can_decide = (
        period is not None and period.status == Period.Status.OPEN and policy.can(user, Action.EVALUATION_DECIDE)
    )
    if can_decide and form is None:
        form = _decision_form(request)
    ticked = set(request.POST.getlist("units")) if form is not None and form.is_bound else set()
    query = _list_query(params)
    provinces = _provinces(user)
    province = next((p for p in provinces if p.code == filters["province"]), None)
    return render(
        request,
        "assessments/evaluation.html",
        {
            "period": period,
            "page": page,
            "filters": filters,
            "filtered": any(filters[k] for k in ("decision", "province", "type", "q")),
            "decisions": [
                ("pending", _("Pending")),
                ("eligible", _("Passed (lolos)")),
                ("not_eligible", _("Did not pass (tidak lolos)")),
            ],
            "provinces": provinces,
            "province": province,
            "unit_types": list(UnitType.objects.all()),
            "status_labels": dict(Assessment.Status.choices),
            "decidable": DECIDABLE,
            "can_decide": can_decide,
            "form": form,
            "ticked": ticked,
            "next": query,
            "minutes_query": f"?province={province.code}" if province else "",
            "active_nav": "assessments",
            "breadcrumbs": [(_("Home"), reverse("core:home")), (_("Evaluation"), "")],
        },
        status=status,
    )


@login_required
@require_GET
def evaluation_list(request: HttpRequest) -> HttpResponse:
    """Declared units of the current period with their decision; Ditjen HAM decides from here."""
    if not policy.can(request.user, Action.ASSESSMENT_VIEW):
        raise PermissionDenied
    return _render_list(request, request.GET)


@login_required
@require_POST
def evaluation_decide(request: HttpRequest) -> HttpResponse:
    """Passed / did not pass for the ticked units (or one row's unit); back to the list with its filters."""
    if not policy.can(request.user, Action.EVALUATION_DECIDE):
        raise PermissionDenied
    back = QueryDict(request.POST.get("next", ""))
    period = current_period()
    if period is None:
        messages.error(request, _("No assessment period is open."))
        return redirect(_list_url(back))
    form = _decision_form(request, request.POST)
    if form.is_valid():
        units = list(form.cleaned_data["units"].order_by("name"))
        try:
            decided = services.evaluation_decide_many(
                actor=request.user,
                period=period,
                units=units,
                eligible=form.eligible,
                reasons=form.cleaned_data["reasons"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            if form.eligible:
                text = ngettext(
                    "%(count)d unit passed the evaluation; its operators can now fill in the self-assessment.",
                    "%(count)d units passed the evaluation; their operators can now fill in the self-assessment.",
                    len(decided),
                )
            else:
                text = ngettext(
                    "%(count)d unit recorded as not passing the evaluation.",
                    "%(count)d units recorded as not passing the evaluation.",
                    len(decided),
                )
            messages.success(request, text % {"count": len(decided)})
            return redirect(_list_url(back))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    # Shown again with what was typed and ticked, so nothing has to be entered twice.
    return _render_list(request, back, form, status=400)


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
@require_GET
@cache_control(private=True, no_cache=True)
def minutes_pdf(request: HttpRequest) -> HttpResponse:
    """The Berita Acara Hasil Evaluasi of the units the user may see (one province with ``?province=``)."""
    user = request.user
    if not policy.can(user, Action.ASSESSMENT_VIEW):
        raise PermissionDenied
    period = current_period()
    if period is None:
        raise Http404
    code = request.GET.get("province", "")[:2]
    province = Province.objects.filter(code=code).first() if code else None
    groups = selectors.eligible_by_province(user=user, period=period, province=province.code if province else "")
    if policy.can(user, Action.EVALUATION_DECIDE):
        signer: Any = user  # Ditjen HAM prints the minutes to sign them
    else:
        # Anyone else reads the minutes as Ditjen HAM made them: signed by the last person who decided.
        last = (
            Assessment.objects.filter(period=period, evaluated_by__isnull=False)
            .select_related("evaluated_by")
            .order_by("-evaluated_at")
            .first()
        )
        signer = last.evaluated_by if last else None
    data = documents.evaluation_minutes_pdf(period=period, groups=groups, signer=signer, province=province)
    suffix = f"-{province.code}" if province else ""
    return _pdf_response(data, f"berita-acara-hasil-evaluasi-{period.year}{suffix}.pdf")


@login_required
@require_GET
@cache_control(private=True, no_cache=True)
def ineligibility_letter_pdf(request: HttpRequest, unit_code: str) -> HttpResponse:
    """The Surat Keterangan Hasil Evaluasi of a unit that did not pass; 404 for any other unit."""
    unit = policy.get_unit_or_404(request.user, unit_code, Action.ASSESSMENT_VIEW)
    period = current_period()
    assessment = (
        Assessment.objects.select_related("period", "evaluated_by")
        .filter(period=period, unit=unit, status=Assessment.Status.NOT_ELIGIBLE)
        .first()
        if period is not None
        else None
    )
    if assessment is None:
        raise Http404
    assessment.unit = unit  # already loaded with its province and type
    data = documents.ineligibility_letter_pdf(assessment=assessment)
    return _pdf_response(data, f"surat-keterangan-hasil-evaluasi-{assessment.period.year}-{unit.code}.pdf")
