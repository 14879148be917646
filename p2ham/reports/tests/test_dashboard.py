"""The dashboard through the test client and its selectors: the funnel per province, the score distribution, the
weakest indicators (aggregated in SQL from the stored scores), the verifiers' backlog and the year-over-year
table; national for Ditjen HAM, one province for a Kanwil, refused to everyone else; a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments.models import Assessment
from p2ham.assessments.tests.test_views import english
from p2ham.organizations.models import Unit
from p2ham.organizations.tests.factories import UnitFactory
from p2ham.periods.models import Period
from p2ham.reports import selectors
from p2ham.reports.selectors import Filters
from p2ham.reports.tests.factories import assessment_in, decree, scored, scored_plain
from p2ham.results.models import Result
from p2ham.reviews.models import VerifierAssignment

pytestmark = pytest.mark.django_db

S = Assessment.Status
WEAK = "K1.02"


@pytest.fixture
def pimpinan(tree):
    user = UserFactory(username="pimpinan", full_name="Pimpinan")
    RoleAssignmentFactory(user=user, role=Role.PIMPINAN)
    return user


@pytest.fixture
def year(sa_period, declared, tree, ditjen, verifier, second_verifier) -> Period:
    """The period determined: Lapas Ambon 85 (K1.02 at 50), Lapas Medan 91 (K1.02 not applicable); Rutan Ambon
    scored after the decree at 62.5; Kanwil Maluku in verification (the first verifier), Kanwil Sumut's too (the
    second verifier)."""
    determination = decree(sa_period, ditjen)
    scored(sa_period, tree.lapas_ambon, ditjen, total="85.00", low={WEAK: "50.00"}, determination=determination)
    scored(
        sa_period, tree.lapas_medan, ditjen, total="91.00", low={WEAK: "not_applicable"}, determination=determination
    )
    scored(sa_period, tree.rutan_ambon, ditjen, total="62.50", low={WEAK: "0.00", "K1.01": "50.00"})
    maluku = assessment_in(sa_period, tree.kanwil_maluku, S.IN_VERIFICATION)
    VerifierAssignment.objects.create(assessment=maluku, verifier=verifier, assigned_by=ditjen)
    sumut = assessment_in(sa_period, tree.kanwil_sumut, S.IN_VERIFICATION)
    VerifierAssignment.objects.create(assessment=sumut, verifier=second_verifier, assigned_by=ditjen)
    return sa_period


def url(period: Period, query: str = "") -> str:
    return reverse("reports:dashboard", args=[period.year]) + (f"?{query}" if query else "")


def body_of(client: Any, user: Any, target: str) -> str:
    english(client)
    client.force_login(user)
    response = client.get(target)
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------- who sees what


def test_ditjen_sees_the_whole_country(client, year, ditjen):
    body = body_of(client, ditjen, url(year))
    assert "Maluku" in body and "Sumatera Utara" in body
    assert "Lapas Kelas I Medan" in body and "Lapas Kelas IIA Ambon" in body
    assert 'id="chart-funnel"' in body and 'id="chart-histogram"' in body and 'id="chart-weakest"' in body
    assert "vendor/chartjs/chart.umd.min.js" in body and "p2ham/charts.js" in body
    assert "Weakest indicators nationally" in body


def test_pimpinan_sees_the_whole_country_too(client, year, pimpinan):
    assert "Lapas Kelas I Medan" in body_of(client, pimpinan, url(year))


def test_the_kanwil_sees_only_its_province(client, year, kanwil):
    body = body_of(client, kanwil, url(year))
    assert "Lapas Kelas IIA Ambon" in body and "Rutan Kelas IIA Ambon" in body
    assert "Lapas Kelas I Medan" not in body and "Sumatera Utara" not in body
    assert "Verifikator Dua" not in body  # the backlog counts only its province's assessments
    # A filter on another province is not one of its choices: it is dropped, nothing leaks.
    body = body_of(client, kanwil, url(year, "province=12"))
    assert "Lapas Kelas I Medan" not in body and "Lapas Kelas IIA Ambon" in body


@pytest.mark.parametrize("who", ["operator", "kepala", "verifier", "penilai", "outsider"])
def test_others_are_refused(client, year, who, request, assessors):
    user = assessors[0] if who == "penilai" else request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(url(year)).status_code == 403
    assert client.get(reverse("reports:index")).status_code == 403


def test_anonymous_is_sent_to_log_in(client, year):
    response = client.get(url(year))
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


def test_an_unknown_year_is_not_found(client, year, ditjen):
    client.force_login(ditjen)
    assert client.get(reverse("reports:dashboard", args=[1999])).status_code == 404


def test_the_index_opens_the_current_period(client, year, ditjen):
    client.force_login(ditjen)
    response = client.get(reverse("reports:index"))
    assert response.status_code == 302 and response["Location"] == url(year)


# ---------------------------------------------------------------- the sections


def test_the_funnel_per_province(year, ditjen, kanwil):
    provinces = selectors.scope_provinces(ditjen)
    funnel = selectors.funnel(user=ditjen, period=year, filters=Filters(), provinces=provinces)
    by_code = {row.province.code: row.values() for row in funnel.rows}
    # declared, eligible, submitted, verified, scored, awarded
    assert by_code == {"12": [1, 2, 2, 1, 1, 1], "81": [3, 3, 3, 2, 2, 1]}
    assert funnel.total.values() == [4, 5, 5, 3, 3, 2]
    own = selectors.funnel(user=kanwil, period=year, filters=Filters(), provinces=selectors.scope_provinces(kanwil))
    assert [row.province.code for row in own.rows] == ["81"]


def test_a_revoked_predicate_is_not_counted_as_awarded(year, ditjen):
    Result.objects.filter(unit__code="LAPAS-MEDAN").update(revoked_at=timezone.now())
    provinces = selectors.scope_provinces(ditjen)
    funnel = selectors.funnel(user=ditjen, period=year, filters=Filters(), provinces=provinces)
    assert funnel.total.awarded == 1


def test_the_filters_narrow_every_section(year, ditjen):
    filters = Filters(unit_type="rutan")
    dash = selectors.dashboard(user=ditjen, period=year, filters=filters)
    assert dash.funnel.total.values() == [1, 1, 1, 1, 1, 0]
    assert [b.count for b in dash.histogram if b.count] == [1] and dash.histogram[6].count == 1
    assert dash.weakest[0].units == 1
    by_province = selectors.dashboard(user=ditjen, period=year, filters=Filters(province="12"))
    assert by_province.funnel.total.values() == [1, 2, 2, 1, 1, 1]


def test_the_histogram_reads_results_and_the_panels_results_not_yet_determined(year, ditjen):
    bins = selectors.score_histogram(user=ditjen, period=year, filters=Filters())
    assert {b.label: b.count for b in bins if b.count} == {"60–<70": 1, "80–<90": 1, "90–100": 1}
    assert sum(b.count for b in bins) == 3


def test_the_weakest_indicators_come_from_the_stored_scores(year, ditjen):
    weakest = selectors.weakest_indicators(user=ditjen, period=year, filters=Filters())
    first = weakest[0]
    # K1.02: 50 (Ambon, determined) and 0 (Rutan, the panel's), not applicable for Medan.
    assert (first.instrument_code, first.code, first.units, first.not_full) == ("pemasyarakatan", WEAK, 2, 2)
    assert str(first.mean) == "25.00" and str(first.share_not_full) == "100.0"
    assert first.question  # the indicator's text from the instrument
    second = weakest[1]
    assert (second.code, str(second.mean), second.units, second.not_full) == ("K1.01", "83.33", 3, 1)
    assert len(weakest) == 10 and all(w.mean <= 100 for w in weakest)


def test_the_backlog_per_verifier(year, ditjen, kanwil):
    national = {
        load.verifier.username: load for load in selectors.verifier_backlog(user=ditjen, period=year, filters=Filters())
    }
    assert national["verifikator"].pending == 1 and national["verifikator_dua"].pending == 1
    assert national["verifikator"].oldest_days is None  # no status change recorded for these rows
    own = selectors.verifier_backlog(user=kanwil, period=year, filters=Filters())
    assert [load.verifier.username for load in own] == ["verifikator"]


def test_year_over_year(client, year, ditjen, tree):
    previous = Period.objects.create(year=year.year - 1, regulation_label="Permenkumham 2/2022", status="closed")
    scored_plain(previous, tree.lapas_ambon, ditjen, "70.00")
    scored_plain(previous, tree.lapas_medan, ditjen, "95.00")
    rows = list(
        selectors.year_over_year(user=ditjen, period=year, previous=previous, filters=Filters(), sort="-change")
    )
    assert [(u.code, u.last_total, u.this_total, u.change) for u in rows] == [
        ("LAPAS-AMBON", Decimal("70"), Decimal("85"), Decimal("15")),
        ("LAPAS-MEDAN", Decimal("95"), Decimal("91"), Decimal("-4")),
        ("RUTAN-AMBON", None, Decimal("62.5"), None),
    ]
    body = body_of(client, ditjen, url(year, "q=medan"))
    assert f"Year over year: {previous.year} → {year.year}" in body
    page = client.get(url(year, "q=medan")).context["yoy_page"]
    assert [u.code for u in page.object_list] == ["LAPAS-MEDAN"]
    assert "95.00" in body and "91.00" in body and "-4.00" in body


def test_the_year_over_year_table_alone_for_htmx(client, year, ditjen):
    client.force_login(ditjen)
    response = client.get(url(year, "q=ambon"), headers={"HX-Request": "true", "HX-Target": "yoy"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="yoy"' in body
    assert "Lapas Kelas IIA Ambon" in body and "Lapas Kelas I Medan" not in body


def test_empty_year_says_what_comes_next(client, sa_period, ditjen):
    body = body_of(client, ditjen, url(sa_period))
    assert "No unit has declared for" in body and reverse("declarations:list") in body
    assert "No unit has been scored by its panel yet" in body


# ---------------------------------------------------------------- queries


def _more_units(period: Period, parent: Unit, by: Any, n: int, determination: Any) -> None:
    for i in range(n):
        unit = UnitFactory(
            code=f"LAPAS-X{i}",
            name=f"Lapas Tambahan {i}",
            unit_type=parent.children.first().unit_type,
            institution=parent.children.first().institution,
            province=parent.province,
            parent=parent,
        )
        scored(period, unit, by, total=f"{70 + i}.00", determination=determination, rank=10 + i)


def test_the_query_count_does_not_grow_with_the_units(client, year, ditjen, tree):
    english(client)
    client.force_login(ditjen)
    client.get(url(year))  # warm-up (session, content types)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url(year)).status_code == 200
    _more_units(year, tree.kanwil_maluku, ditjen, 6, year.determination)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url(year))
    assert response.status_code == 200 and "Lapas Tambahan 5" in response.content.decode()
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(small) <= 25
