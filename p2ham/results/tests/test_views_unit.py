"""The unit's result page and its two PDFs through the test client: nothing before the decree, nothing outside a
person's scope (another unit, another province, other roles), everything the result needs explained for those
who may see it, the certificate only while the predicate stands, and a query count that does not grow."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments.tests.test_views import english, unresolved
from p2ham.results import services
from p2ham.results.models import Certificate, FollowUpAction, Result
from p2ham.results.tests.fixtures import determine, panel_scores
from p2ham.reviews import selectors as review_selectors
from p2ham.reviews.models import Adjustment, AdjustmentKind, FieldVisit

pytestmark = pytest.mark.django_db

YEAR_UNIT = "LAPAS-AMBON"
DECREE = "M.HH-12.HA.01.01 TAHUN 2026"
PAGES = ("detail", "report_pdf", "certificate_pdf")


@pytest.fixture(autouse=True)
def _english(client):
    english(client)


def url(name: str, year: int, unit_code: str = YEAR_UNIT) -> str:
    return reverse(f"results_unit:{name}", args=[year, unit_code])


def year_of(determination: Any) -> int:
    return determination.period.year


@pytest.fixture
def pimpinan(tree):
    user = UserFactory(username="pimpinan", full_name="Pimpinan")
    RoleAssignmentFactory(user=user, role=Role.PIMPINAN, unit=None)
    return user


@pytest.fixture
def not_awarded(in_panel, assessors, ditjen):
    """Lapas Ambon scored at the bottom of every scale by its panel, then determined: no predicate."""
    codes = [
        row.indicator.code for row in review_selectors.panel_page(assessment=in_panel, user=assessors[0]).scorable_rows
    ]
    panel_scores(in_panel, assessors, dict.fromkeys(codes, 99))
    return determine(in_panel.period, ditjen)


# ---------------------------------------------------------------- who sees it


def test_nothing_before_the_decree(client, scored, operator, ditjen):
    year = scored.period.year
    for person in (operator, ditjen):
        client.force_login(person)
        for name in PAGES:
            assert client.get(url(name, year)).status_code == 404, (person, name)


@pytest.mark.parametrize("who", ["operator", "kepala", "kanwil", "ditjen", "pimpinan"])
def test_the_unit_its_kanwil_and_ditjen_see_it(client, determined, who, request):
    client.force_login(request.getfixturevalue(who))
    year = year_of(determined)
    response = client.get(url("detail", year))
    assert response.status_code == 200
    assert "Lapas Kelas IIA Ambon" in response.content.decode()
    for name in ("report_pdf", "certificate_pdf"):
        response = client.get(url(name, year))
        assert response.status_code == 200, name
        assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize("who", ["medan_operator", "sibling_operator", "other_kanwil", "verifier", "outsider"])
def test_others_get_404(client, determined, who, request):
    """Another unit's operator (Medan, or the sibling Rutan Ambon), the Kanwil of another province, a verifier,
    and an account without a role: the result does not exist for them."""
    client.force_login(request.getfixturevalue(who))
    for name in PAGES:
        assert client.get(url(name, year_of(determined))).status_code == 404, name


def test_anonymous_is_sent_to_log_in(client, determined):
    for name in PAGES:
        response = client.get(url(name, year_of(determined)))
        assert response.status_code == 302 and "/akun/masuk/" in response["Location"], name


def test_other_years_and_units_are_404(client, determined, ditjen):
    client.force_login(ditjen)
    year = year_of(determined)
    assert client.get(url("detail", year - 1)).status_code == 404
    assert client.get(url("detail", year, "LAPAS-MEDAN")).status_code == 404  # not determined
    assert client.get(url("detail", year, "NOPE")).status_code == 404


def test_posting_is_refused(client, determined, operator):
    client.force_login(operator)
    assert client.post(url("detail", year_of(determined))).status_code == 405


# ---------------------------------------------------------------- what it says


def test_the_page_explains_the_result(client, determined, operator):
    client.force_login(operator)
    year = year_of(determined)
    result = Result.objects.get()
    response = client.get(url("detail", year))
    html = response.content.decode()
    assert f"{result.total:.2f}" in html
    assert 'data-state="awarded"' in html
    assert DECREE in html and "Natalius Pigai" in html
    assert "1</strong> of 1 nationally (pemasyarakatan)" in html
    report = response.context["report"]
    # Every criterion is a collapsible section; every indicator is in it with the unit's answer and the verdict.
    assert html.count('<details class="card mb-2 result-criterion"') == len(report.criteria)
    for criterion in report.criteria:
        for indicator in criterion.indicators:
            assert f'id="ind-{indicator.code.replace(".", "-")}"' in html
    assert "Accepted (Sesuai)" in html
    # The indicator not fully met is a finding, with its follow-up action.
    [finding] = report.findings
    action = FollowUpAction.objects.get(indicator_code=finding.code)
    assert f'href="/tindak-lanjut/{action.pk}/"' in html
    assert "Proposed" in html
    # The documents: the report, and the certificate while the predicate stands.
    assert url("report_pdf", year) in html
    assert url("certificate_pdf", year) in html
    code = Certificate.objects.get().code
    assert reverse("public:verify", args=[code]) in html
    assert "No adjustment" in html and "No field visit" in html
    assert unresolved(html) == []


def test_adjustments_and_field_visits_are_shown(client, determined, operator, assessors):
    result = Result.objects.get()
    Adjustment.objects.create(
        assessment=result.assessment,
        kind=AdjustmentKind.WBK_WBBM,
        points=Decimal(3),
        justification="SK Menteri tentang WBK",
        created_by=assessors[0],
    )
    result.breakdown = {
        **result.breakdown,
        "adjustments": [{"kind": "wbk_wbbm", "label": "WBK/WBBM status", "points": "3.00", "counted": "3.00"}],
    }
    result.save(update_fields=["breakdown"])
    FieldVisit.objects.create(
        assessment=result.assessment,
        visited_on=result.determined_at.date(),
        participants="Tim",
        findings="Ramp terlalu curam",
        created_by=assessors[0],
    )
    client.force_login(operator)
    html = client.get(url("detail", year_of(determined))).content.decode()
    assert "WBK/WBBM status" in html and "SK Menteri tentang WBK" in html and "3.00 points, 3.00 counted" in html
    assert "Ramp terlalu curam" in html


def test_not_awarded_has_no_certificate(client, not_awarded, operator):
    client.force_login(operator)
    year = year_of(not_awarded)
    html = client.get(url("detail", year)).content.decode()
    assert 'data-state="not-awarded"' in html
    assert url("certificate_pdf", year) not in html
    assert client.get(url("certificate_pdf", year)).status_code == 404
    assert client.get(url("report_pdf", year)).status_code == 200


def test_revoked_predicate(client, determined, operator, ditjen):
    certificate = Certificate.objects.get()
    services.certificate_revoke(actor=ditjen, certificate=certificate, reason="Pungutan liar terbukti")
    client.force_login(operator)
    year = year_of(determined)
    html = client.get(url("detail", year)).content.decode()
    assert 'data-state="revoked"' in html
    assert "Pungutan liar terbukti" in html
    assert url("certificate_pdf", year) not in html
    # A revoked piagam is not printed again (its verification page says "revoked" for the paper already out).
    assert client.get(url("certificate_pdf", year)).status_code == 404


def test_a_revoked_certificate_does_not_hide_the_valid_one(client, determined, operator, ditjen):
    """A certificate revoked by an earlier re-determination stays on record beside the valid one."""
    valid = Certificate.objects.get()
    Certificate.objects.create(
        result=valid.result,
        code="OLDX-REVK-0000-0001",
        issued_at=valid.issued_at - dt.timedelta(days=30),
        issued_by=ditjen,
        revoked_at=valid.issued_at - dt.timedelta(days=1),
        revoked_by=ditjen,
        revoke_reason="Ditetapkan ulang",
    )
    client.force_login(operator)
    year = year_of(determined)
    html = client.get(url("detail", year)).content.decode()
    assert valid.code in html and "OLDX-REVK-0000-0001" not in html
    assert client.get(url("certificate_pdf", year)).status_code == 200


# ---------------------------------------------------------------- the PDFs


def test_report_pdf(client, determined, kanwil):
    client.force_login(kanwil)
    response = client.get(url("report_pdf", year_of(determined)))
    assert (
        response["Content-Disposition"]
        == f'inline; filename="laporan-hasil-penilaian-{year_of(determined)}-{YEAR_UNIT}.pdf"'
    )
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())
    assert "LAPORAN HASIL PENILAIAN" in text and "Lapas Kelas IIA Ambon" in text and DECREE in text


def test_certificate_pdf(client, determined, kepala):
    client.force_login(kepala)
    response = client.get(url("certificate_pdf", year_of(determined)))
    assert response["Content-Disposition"] == f'inline; filename="piagam-p2ham-{year_of(determined)}-{YEAR_UNIT}.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)
    text = " ".join((reader.pages[0].extract_text() or "").split())
    assert "PIAGAM PENGHARGAAN" in text and Certificate.objects.get().code in text


# ---------------------------------------------------------------- queries


def test_query_count_does_not_grow_with_adjustments_visits_and_findings(client, determined, operator, assessors):
    client.force_login(operator)
    page = url("detail", year_of(determined))
    client.get(page)  # warm the session and the user's grants
    with CaptureQueriesContext(connection) as before:
        assert client.get(page).status_code == 200
    result = Result.objects.get()
    for i in range(3):
        Adjustment.objects.create(
            assessment=result.assessment,
            kind=AdjustmentKind.IKM,
            points=Decimal(1),
            justification=f"IKM {i}",
            created_by=assessors[0],
        )
        FieldVisit.objects.create(
            assessment=result.assessment,
            visited_on=result.determined_at.date(),
            participants="Tim",
            findings=f"Temuan {i}",
            created_by=assessors[0],
        )
    # More findings: every indicator below 100 now, each with its follow-up action.
    scores = dict.fromkeys(result.scores, "50.00")
    breakdown = result.breakdown
    for criterion in breakdown["criteria"]:
        for indicator in criterion["indicators"]:
            indicator["score"] = "50.00"
    Result.objects.filter(pk=result.pk).update(scores=scores, breakdown=breakdown)
    services._propose_follow_ups([Result.objects.select_related("assessment").get()])
    with CaptureQueriesContext(connection) as after:
        response = client.get(page)
    assert len(response.context["report"].findings) > 1
    assert len(after) == len(before), [q["sql"] for q in after.captured_queries]
