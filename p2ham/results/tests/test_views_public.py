"""The public pages through the test client, without logging in: the explanation of P2HAM, the awarded units
of a published year (filters, the map's data, the table of provinces, pagination, a query count that does not
grow), and the verification of a certificate — valid, revoked (with the date and reason), unknown (404) — as a
page and as data, with its rate limit. Nothing about a unit that was not awarded is public."""

from __future__ import annotations

import json
import re
from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from p2ham.assessments.models import Assessment
from p2ham.assessments.tests.test_views import english, unresolved
from p2ham.organizations.models import Province, Unit, UnitType
from p2ham.organizations.tests.factories import UnitFactory
from p2ham.results import services, views_public
from p2ham.results.models import Certificate, Determination, Result

pytestmark = pytest.mark.django_db

DECREE = "M.HH-12.HA.01.01 TAHUN 2026"


@pytest.fixture(autouse=True)
def _english(client):
    english(client)


def results_url(year: int, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse("public:results", args=[year]) + (f"?{query}" if query else "")


def more_results(determination: Determination, n: int, *, province: str = "12", awarded: bool = True) -> list[Result]:
    """``n`` more determined units (copies of the first result, without the whole flow behind them)."""
    template = Result.objects.select_related("assessment").first()
    assert template is not None
    created = []
    lapas = UnitType.objects.get(code="lapas")
    prov = Province.objects.get(code=province)
    start = Result.objects.count()
    for i in range(n):
        unit = cast(
            Unit, UnitFactory(code=f"EXTRA-{start + i:03d}", name=f"Lapas Tambahan {start + i:03d}", province=prov)
        )
        assessment = Assessment.objects.create(
            period=determination.period, unit=unit, instrument=template.assessment.instrument, status="determined"
        )
        created.append(
            Result.objects.create(
                assessment=assessment,
                determination=determination,
                period=determination.period,
                unit=unit,
                province=prov,
                unit_type=lapas,
                cohort="pemasyarakatan",
                total=template.total,
                base_total=template.base_total,
                predicate=awarded,
                rank=2 + i,
                province_rank=1 + i,
                breakdown=template.breakdown,
                scores=template.scores,
                determined_at=template.determined_at,
            )
        )
    return created


def no_inline_script(html: str) -> bool:
    """Every <script> loads a file or is a JSON data block (the CSP allows no inline code)."""
    for tag in re.findall(r"<script\b[^>]*>", html):
        if "src=" not in tag and 'type="application/json"' not in tag:
            return False
    return True


# ---------------------------------------------------------------- home


def test_home_needs_no_login_and_shows_no_staff_navigation(client, determined):
    response = client.get(reverse("public:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Older people" in html and "Children" in html and "Persons with disabilities" in html
    assert "Pregnant and nursing women" in html
    year = determined.period.year
    assert results_url(year) in html
    assert reverse("public:verify_form") in html
    assert "1 office received the predicate" in html
    assert "Log out" not in html and reverse("notifications:list") not in html
    assert unresolved(html) == []
    assert no_inline_script(html)


def test_home_before_any_publication(client, tree):
    response = client.get(reverse("public:home"))
    assert response.status_code == 200
    assert "No results have been published yet" in response.content.decode()


# ---------------------------------------------------------------- results


def test_results_list_only_awarded_units_of_published_years(client, determined):
    year = determined.period.year
    more_results(determined, 2, province="12")
    [hidden] = more_results(determined, 1, province="12", awarded=False)
    response = client.get(results_url(year))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Lapas Kelas IIA Ambon" in html and "Lapas Tambahan" in html
    assert hidden.unit.name not in html
    assert response.context["total"] == 3
    assert response.context["page_obj"].paginator.count == 3
    # Nothing of the score or the rank is public.
    assert f"{Result.objects.get(unit__code='LAPAS-AMBON').total:.2f}" not in html
    assert unresolved(html) == []
    assert no_inline_script(html)
    # A year without a (published) decree does not exist.
    assert client.get(results_url(year - 1)).status_code == 404
    Determination.objects.update(published=False)
    assert client.get(results_url(year)).status_code == 404


def test_a_revoked_predicate_leaves_the_list(client, determined, ditjen):
    services.certificate_revoke(actor=ditjen, certificate=Certificate.objects.get(), reason="Pungli")
    response = client.get(results_url(determined.period.year))
    assert "Lapas Kelas IIA Ambon" not in response.content.decode()
    assert response.context["total"] == 0
    assert "No awarded unit matches these filters." in response.content.decode()


def test_filters_and_the_map_data(client, determined):
    year = determined.period.year
    more_results(determined, 2, province="12")
    response = client.get(results_url(year, provinsi="81"))
    names = [r.unit.name for r in response.context["page_obj"].object_list]
    assert names == ["Lapas Kelas IIA Ambon"]
    html = response.content.decode()
    # The map reads its data from a JSON block: every province, with its count and a link filtering the list.
    assert 'class="p2ham-map' in html and 'data-source="map-data"' in html
    data = json.loads(html.split('<script id="map-data" type="application/json">')[1].split("</script>")[0])
    assert data["regions"]["81"]["count"] == 1 and data["regions"]["12"]["count"] == 2
    assert data["regions"]["11"]["count"] == 0 and data["regions"]["11"]["name"] == "Aceh"
    assert data["regions"]["12"]["url"] == results_url(year, provinsi="12")
    # Without JavaScript: the table of provinces with the same counts and links.
    table = html.split('id="province-table"')[1].split("</table>")[0]
    assert "Sumatera Utara" in table and "Maluku" in table and "Aceh" not in table
    assert f'href="{results_url(year, provinsi="12")}"' in table
    # By unit type: the counts and the links follow it.
    response = client.get(results_url(year, jenis="rutan"))
    assert response.context["total"] == 0 and list(response.context["page_obj"].object_list) == []
    response = client.get(results_url(year, jenis="lapas"))
    assert response.context["total"] == 3
    assert response.context["map_data"]["regions"]["12"]["url"] == results_url(year, provinsi="12", jenis="lapas")
    # A value that is not a province or a type is ignored, not an error.
    response = client.get(results_url(year, provinsi="<b>", jenis="x"))
    assert response.status_code == 200 and response.context["page_obj"].paginator.count == 3


def test_the_list_is_paginated(client, determined, monkeypatch):
    monkeypatch.setattr(views_public, "PAGE_SIZE", 2)
    more_results(determined, 3)
    year = determined.period.year
    response = client.get(results_url(year))
    assert len(response.context["page_obj"].object_list) == 2
    assert response.context["page_obj"].paginator.num_pages == 2
    assert 'rel="next"' in response.content.decode()
    response = client.get(results_url(year, page="2"))
    assert len(response.context["page_obj"].object_list) == 2


def test_results_query_count_does_not_grow(client, determined):
    year = determined.period.year
    client.get(results_url(year))
    with CaptureQueriesContext(connection) as few:
        client.get(results_url(year))
    more_results(determined, 12)
    with CaptureQueriesContext(connection) as many:
        response = client.get(results_url(year))
    assert response.context["page_obj"].paginator.count == 13
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# ---------------------------------------------------------------- verification


def verify_url(code: str) -> str:
    return reverse("public:verify", args=[code])


def test_a_valid_certificate(client, determined):
    certificate = Certificate.objects.get()
    response = client.get(verify_url(certificate.code))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="valid"' in html and "VALID" in html
    assert "Lapas Kelas IIA Ambon" in html and str(determined.period.year) in html
    assert DECREE in html and "3 December 2026" in html
    assert unresolved(html) == []
    # Typed as people type it: lower case, without the dashes.
    response = client.get(verify_url(certificate.code.lower().replace("-", "")))
    assert response.status_code == 200 and 'data-state="valid"' in response.content.decode()


def test_a_revoked_certificate_says_so_with_date_and_reason(client, determined, ditjen):
    certificate = services.certificate_revoke(
        actor=ditjen, certificate=Certificate.objects.get(), reason="Pungutan liar terbukti"
    )
    response = client.get(verify_url(certificate.code))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="revoked"' in html and "REVOKED" in html and 'data-state="valid"' not in html
    # The reason is an internal record: the public learns that and when, not why.
    assert "Pungutan liar terbukti" not in html
    assert certificate.revoked_at is not None
    day = certificate.revoked_at.astimezone(certificate.result.unit.tzinfo)
    assert f"{day.day} {day:%B} {day.year}" in html
    data = client.get(reverse("public:verify_json", args=[certificate.code])).json()
    assert data["status"] == "revoked"
    assert data["revoked_at"] == certificate.revoked_at.isoformat()
    assert "revoke_reason" not in data


def test_an_unknown_code_is_404_but_friendly(client, determined):
    response = client.get(verify_url("AAAA-BBBB-CCCC-DDDD"))
    assert response.status_code == 404
    html = response.content.decode()
    assert 'data-state="unknown"' in html and "UNKNOWN" in html
    assert 'value="AAAA-BBBB-CCCC-DDDD"' in html  # the form again, with the code to correct
    response = client.get(reverse("public:verify_json", args=["AAAA-BBBB-CCCC-DDDD"]))
    assert response.status_code == 404 and response.json() == {"status": "unknown"}


def test_an_unpublished_determination_is_unknown(client, determined):
    Determination.objects.update(published=False)
    code = Certificate.objects.get().code
    assert client.get(verify_url(code)).status_code == 404
    assert client.get(reverse("public:verify_json", args=[code])).status_code == 404


def test_the_data_answer(client, determined):
    certificate = Certificate.objects.get()
    response = client.get(reverse("public:verify_json", args=[certificate.code]))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "valid" and data["code"] == certificate.code
    assert data["unit"] == {"code": "LAPAS-AMBON", "name": "Lapas Kelas IIA Ambon", "province": "Maluku"}
    assert data["year"] == determined.period.year
    assert data["decree"] == {"number": DECREE, "date": "2026-12-03"}
    assert data["revoked_at"] is None


def test_codes_are_read_as_people_type_them():
    assert views_public.normalize_code(" abcd efgh-ijkl mnop ") == "ABCD-EFGH-IJKL-MNOP"
    assert views_public.normalize_code("0ICD-1B8A") == "OICD-IBBA"  # base32 has no 0, 1 or 8
    assert views_public.normalize_code("<script>") == "SCRI-PT"
    assert views_public.normalize_code("-- --") == ""


def test_the_form_works_without_javascript(client, determined):
    form = reverse("public:verify_form")
    response = client.get(form)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="kode"' in html and f'action="{form}"' in html and 'method="get"' in html
    assert '<label class="form-label" for="verify-code">' in html
    # Nothing typed: a clear message, status 400, what was typed kept.
    response = client.get(form, {"kode": " - - "})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Type the code printed under the QR code." in html and 'aria-invalid="true"' in html
    assert 'value=" - - "' in html
    # A code goes to its own page, in its printed form.
    code = Certificate.objects.get().code
    response = client.get(form, {"kode": code.lower().replace("-", " ")})
    assert response.status_code == 302 and response["Location"] == verify_url(code)


def test_look_ups_are_rate_limited_per_address(client, determined, monkeypatch):
    monkeypatch.setattr(views_public, "VERIFY_PER_MINUTE", 3)
    code = Certificate.objects.get().code
    for _i in range(3):
        assert client.get(verify_url(code)).status_code == 200
    response = client.get(verify_url(code))
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert "Wait a minute" in response.content.decode()
    assert client.get(reverse("public:verify_json", args=[code])).status_code == 429
    # Another address is not affected.
    assert client.get(verify_url(code), REMOTE_ADDR="10.1.2.3").status_code == 200


def test_public_pages_answer_logged_in_people_too(client, determined, operator):
    client.force_login(operator)
    year = determined.period.year
    for path in (reverse("public:home"), results_url(year), verify_url(Certificate.objects.get().code)):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Log in (officials)" not in response.content.decode()
        # Their navigation is on the page: no shared cache may keep it.
        assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
