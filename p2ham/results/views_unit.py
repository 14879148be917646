"""A determined unit's result (stage 8, as the unit and those responsible for it see it): the total, the
predicate, the ranks, the decree, why — criterion by criterion and indicator by indicator — the adjustments,
a veto, the field visits, the findings to improve with their follow-up; and its two documents, the Laporan
Hasil Penilaian and the piagam.

Who sees it: the unit's own operators and head, its Kanwil, Ditjen HAM and the leadership
(``Action.RESULT_VIEW``). For anyone else — and for everyone before the decree — it does not exist (404).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.results import documents, selectors
from p2ham.results.models import Certificate, Result


def _result(request: HttpRequest, year: int, unit_code: str) -> Result:
    return selectors.result_for(user=request.user, year=year, unit_code=unit_code)


def _valid_certificate(report: selectors.ResultReport) -> Certificate | None:
    """The certificate the unit may print: only while the predicate stands (a revoked one is not reprinted)."""
    certificate = report.certificate
    if certificate is None or not certificate.valid or not report.result.awarded:
        return None
    return certificate


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _crumbs(request: HttpRequest, result: Result) -> list[tuple[str, str]]:
    year = result.period.year
    crumbs = [(_("Home"), reverse("core:home"))]
    if policy.can(request.user, Action.RESULTS_OVERVIEW):
        crumbs.append((_("Ranking %(year)s") % {"year": year}, reverse("ranking:ranking", args=[year])))
    crumbs.append((_("Result %(year)s: %(unit)s") % {"year": year, "unit": result.unit.name}, ""))
    return crumbs


@login_required
@require_GET
def result_detail(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """The result page."""
    result = _result(request, year, unit_code)
    report = selectors.result_report(result)
    unit = result.unit
    certificate = _valid_certificate(report)
    context: dict[str, Any] = {
        "result": result,
        "report": report,
        "unit": unit,
        "period": result.period,
        "determination": result.determination,
        "decree": documents.decree_of(result),
        "peers": documents.peer_counts(result),
        "adjustments": documents.adjustment_lines(report),
        "certificate": report.certificate,
        "printable_certificate": certificate,
        "verify_url": documents.certificate_url(certificate.code) if certificate else "",
        "active_nav": "results",
        "breadcrumbs": _crumbs(request, result),
    }
    return render(request, "results/unit_detail.html", context)


@login_required
@require_GET
@cache_control(private=True, no_cache=True)
def report_pdf(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """The Laporan Hasil Penilaian (always in Indonesian)."""
    result = _result(request, year, unit_code)
    data = documents.report_pdf(selectors.result_report(result))
    return _pdf_response(data, documents.safe_filename("laporan-hasil-penilaian", result.period.year, result.unit.code))


@login_required
@require_GET
@cache_control(private=True, no_cache=True)
def certificate_pdf(request: HttpRequest, year: int, unit_code: str) -> HttpResponse:
    """The piagam; 404 when the unit has no valid certificate (never awarded, or revoked: a revoked piagam is
    not printed again, and the public verification page answers "revoked" for the paper already out there)."""
    result = _result(request, year, unit_code)
    certificate = _valid_certificate(selectors.result_report(result))
    if certificate is None:
        raise Http404
    certificate.result = result  # already loaded with its unit, period and determination
    data = documents.certificate_pdf(certificate)
    return _pdf_response(data, documents.safe_filename("piagam-p2ham", result.period.year, result.unit.code))
