"""Ditjen HAM's ranking screens through the test client: the draft and the determined ranking with filters and
scope, the determination form and its refusals, the correction, the re-determination and its history, the
certificates and their revocation; the unit's own people refused; the ranking's query count flat."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments.models import Assessment
from p2ham.assessments.tests.test_views import english, messages_of
from p2ham.organizations.tests.factories import UnitFactory
from p2ham.results import services, views_ranking
from p2ham.results.models import Certificate, Determination, Result
from p2ham.results.tests.fixtures import determine
from p2ham.results.tests.test_services import quick_period, quick_scored, rescore

pytestmark = pytest.mark.django_db

S = Assessment.Status
YEAR = 2026


def url(name: str, *args: Any) -> str:
    return reverse(f"ranking:{name}", args=[YEAR, *args])


@pytest.fixture
def pimpinan(tree):
    user = UserFactory(username="pimpinan", full_name="Pimpinan Kementerian")
    RoleAssignmentFactory(user=user, role=Role.PIMPINAN, unit=None)
    return user


@pytest.fixture
def board(tree, ditjen):
    """2026: Lapas Ambon (Maluku, 92.5, awarded), Rutan Ambon (Maluku, 70, not awarded) and Lapas Medan
    (Sumatera Utara, 88, awarded) scored; Kanwil Maluku's own assessment still with its panel."""
    period = quick_period(YEAR)
    quick_scored(period, ditjen, unit=tree.lapas_ambon, total="92.50", base_total="90.00")
    quick_scored(period, ditjen, unit=tree.rutan_ambon, total="70.00", predicate=False)
    quick_scored(period, ditjen, unit=tree.lapas_medan, total="88.00")
    Assessment.objects.create(period=period, unit=tree.kanwil_maluku, status=S.IN_PANEL)
    return period


@pytest.fixture
def decreed(board, ditjen):
    return determine(board, ditjen)


def units(response: Any) -> list[str]:
    return [row.unit.code for table in response.context["tables"] for row, _url, _correction in table.rows]


# ---------------------------------------------------------------- the ranking


def test_the_draft_ranking_for_ditjen(client, board, ditjen):
    english(client)
    client.force_login(ditjen)
    response = client.get(url("ranking"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "DRAFT" in body and "Ranking from the panels' results; not final" in body
    assert units(response) == ["LAPAS-AMBON", "LAPAS-MEDAN", "RUTAN-AMBON"]
    assert "Lapas Kelas IIA Ambon" in body and "92.50" in body and "90.00" in body
    assert "1 assessment is not scored yet" in body and "will not be in the decree" in body
    assert "the higher score before adjustments" in body and "the earlier submission" in body
    assert url("determine") in body and url("annex_pdf") in body and url("annex_docx") in body
    assert "/hasil/2026/LAPAS-AMBON/" not in body  # no unit result page before the decree
    assert url("correction", "LAPAS-AMBON") not in body


def test_the_determined_ranking_shows_the_decree(client, decreed, ditjen):
    english(client)
    client.force_login(ditjen)
    body = client.get(url("ranking")).content.decode()
    assert "DETERMINED" in body and "M.HH-12.HA.01.01 TAHUN 2026" in body and "3 December 2026" in body
    assert "Natalius Pigai" in body and "Recorded by Ditjen" in body
    assert reverse("results_unit:detail", args=[YEAR, "LAPAS-AMBON"]) in body
    assert url("correction", "LAPAS-AMBON") in body and url("determine") not in body
    assert url("certificates") in body and url("history") in body and url("redetermine") in body
    assert "They are not in the decree (or were reopened for correction)" in body


def test_the_ranking_filters(client, decreed, ditjen):
    client.force_login(ditjen)

    def codes(query: str) -> list[str]:
        return units(client.get(url("ranking") + query))

    assert codes("?province=12") == ["LAPAS-MEDAN"]
    assert codes("?awarded=1") == ["LAPAS-AMBON", "LAPAS-MEDAN"]
    assert codes("?q=rutan") == ["RUTAN-AMBON"]
    assert codes("?cohort=pemasyarakatan&province=81") == ["LAPAS-AMBON", "RUTAN-AMBON"]
    assert codes("?cohort=imigrasi") == []
    assert codes("?cohort=nonsense") == ["LAPAS-AMBON", "LAPAS-MEDAN", "RUTAN-AMBON"]  # ignored
    english(client)
    assert "No unit matches these filters" in client.get(url("ranking") + "?cohort=imigrasi").content.decode()


def test_a_kanwil_sees_only_its_units_and_acts_on_nothing(client, decreed, kanwil, other_kanwil):
    client.force_login(kanwil)
    response = client.get(url("ranking"))
    assert response.status_code == 200 and units(response) == ["LAPAS-AMBON", "RUTAN-AMBON"]
    body = response.content.decode()
    assert url("correction", "LAPAS-AMBON") not in body and url("annex_pdf") not in body
    # Ranks are national: Lapas Ambon is first of its cohort, Rutan Ambon third.
    assert [row.rank for t in response.context["tables"] for row, _u, _c in t.rows] == [1, 3]
    client.force_login(other_kanwil)
    assert units(client.get(url("ranking"))) == ["LAPAS-MEDAN"]
    certificates = client.get(url("certificates")).context["rows"]
    assert [c.result.unit.code for c, _pdf, _verify in certificates] == ["LAPAS-MEDAN"]
    assert client.get(url("history")).status_code == 200


@pytest.mark.parametrize("who", ["kanwil", "pimpinan"])
def test_readers_cannot_write(request, client, decreed, who):
    client.force_login(request.getfixturevalue(who))
    certificate = Certificate.objects.get(result__unit__code="LAPAS-AMBON")
    assert client.get(url("determine")).status_code == 403
    assert client.post(url("determine"), {"decree_number": "X"}).status_code == 403
    assert client.post(url("correction", "LAPAS-AMBON"), {"reason": "x", "confirm": "on"}).status_code == 403
    assert client.post(url("redetermine"), {"reason": "x"}).status_code == 403
    assert client.post(url("certificate_revoke", certificate.pk), {"reason": "x", "confirm": "on"}).status_code == 403
    assert Certificate.objects.get(pk=certificate.pk).valid
    assert not Result.objects.filter(correction_opened_at__isnull=False).exists()


@pytest.mark.parametrize("who", ["operator", "kepala", "verifier", "outsider"])
def test_the_units_people_and_verifiers_are_refused(request, client, decreed, who):
    client.force_login(request.getfixturevalue(who))
    certificate = Certificate.objects.first()
    assert certificate is not None
    for target in (
        reverse("ranking:index"),
        url("ranking"),
        url("determine"),
        url("redetermine"),
        url("correction", "LAPAS-AMBON"),
        url("history"),
        url("certificates"),
        url("certificate_revoke", certificate.pk),
        url("annex_pdf"),
        url("annex_docx"),
    ):
        assert client.get(target).status_code == 403, target


def test_anonymous_goes_to_the_login(client, board):
    response = client.get(url("ranking"))
    assert response.status_code == 302 and response["Location"].startswith(resolve_url(settings.LOGIN_URL))


def test_the_index_leads_to_the_current_period(client, board, ditjen):
    client.force_login(ditjen)
    assert client.get(reverse("ranking:index"))["Location"] == url("ranking")
    assert client.get(reverse("ranking:index") + "?year=2026")["Location"] == url("ranking")
    assert client.get(reverse("ranking:ranking", args=[1999])).status_code == 404


def test_the_ranking_reads_a_fixed_number_of_queries(client, tree, ditjen):
    period = quick_period(YEAR)
    quick_scored(period, ditjen, code="Q-1", total="80")
    client.force_login(ditjen)

    def count(page: str = "ranking") -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url(page)).status_code == 200
        return len(ctx)

    small = count()
    for i in range(2, 8):
        quick_scored(period, ditjen, code=f"Q-{i}", total=str(70 + i), province="12" if i % 2 else "81")
    assert count() == small
    determine(period, ditjen)
    determined_small, certificates_small = count(), count("certificates")
    late = [quick_scored(period, ditjen, code=f"Q-{i}", total=str(60 + i), unit_type="kanim") for i in range(8, 14)]
    assert count() == determined_small  # scored after the decree: counted as waiting, not listed
    services.redetermine(
        actor=ditjen,
        period=period,
        assessments=late,
        decree_number="M.HH-2",
        decree_date=dt.date(2026, 12, 9),
        reason="r",
    )
    response = client.get(url("ranking"))
    assert len(units(response)) == 13 and len(response.context["tables"]) == 2
    assert count() == determined_small
    assert Certificate.objects.count() == 13 and count("certificates") == certificates_small


# ---------------------------------------------------------------- determination


@override_settings(P2HAM_DECREE_SIGNATORY_NAME="Natalius Pigai", P2HAM_DECREE_SIGNATORY_TITLE="Menteri HAM")
def test_the_determination_form_summarises_what_it_freezes(client, board, ditjen):
    english(client)
    client.force_login(ditjen)
    response = client.get(url("determine"))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["signatory_name"].value() == "Natalius Pigai" and form["signatory_title"].value() == "Menteri HAM"
    assert form["expected_count"].value() == 3
    assert response.context["summary"] == [("Pemasyarakatan", 3, 2)]
    body = response.content.decode()
    assert "I have reviewed the ranking; this freezes the results" in body
    assert "1 assessment is not scored yet and will not be in the decree" in body


def _decree(**changes: Any) -> dict[str, Any]:
    return {
        "decree_number": "M.HH-12.HA.01.01 TAHUN 2026",
        "decree_date": "2026-12-03",
        "signatory_name": "Natalius Pigai",
        "signatory_title": "Menteri Hak Asasi Manusia",
        "expected_count": "3",
        "confirm": "on",
        **changes,
    }


def test_determination_success(client, board, ditjen):
    english(client)
    client.force_login(ditjen)
    response = client.post(url("determine"), _decree())
    assert response.status_code == 302 and response["Location"] == url("ranking")
    assert "are determined by decree M.HH-12.HA.01.01 TAHUN 2026" in messages_of(response)[0]
    determination = Determination.objects.get()
    assert determination.decree_date == dt.date(2026, 12, 3) and determination.results.count() == 3
    assert Certificate.objects.count() == 2
    # Once determined, the form is no longer offered and a second post is refused.
    assert client.get(url("determine"))["Location"] == url("ranking")
    again = client.post(url("determine"), _decree(decree_number="M.HH-99"))
    assert again.status_code == 409 and "already determined" in again.content.decode()
    assert Determination.objects.count() == 1


def test_determination_bad_input_keeps_what_was_typed(client, board, ditjen):
    english(client)
    client.force_login(ditjen)
    response = client.post(
        url("determine"), _decree(decree_number="", decree_date="31-02-2026", confirm="", signatory_name="Ibu Menteri")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"decree_number", "decree_date", "confirm"}
    body = response.content.decode()
    assert 'value="Ibu Menteri"' in body and 'value="31-02-2026"' in body
    response = client.post(url("determine"), _decree(decree_date="2030-01-01"))
    assert response.status_code == 400 and "too far in the future" in response.content.decode()
    assert not Determination.objects.exists()


def test_determination_of_a_list_that_changed_is_refused(client, board, ditjen):
    english(client)
    client.force_login(ditjen)
    response = client.post(url("determine"), _decree(expected_count="2"))
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed since you reviewed the ranking (2, now 3)" in body
    assert 'name="expected_count" value="3"' in body  # the list as it is now, to confirm again
    assert not response.context["form"]["confirm"].value()
    assert not Determination.objects.exists()


# ---------------------------------------------------------------- corrections


def test_reopen_a_result_for_correction(client, decreed, ditjen):
    english(client)
    client.force_login(ditjen)
    page = client.get(url("correction", "RUTAN-AMBON"))
    assert page.status_code == 200 and "The result as decreed" in page.content.decode()
    refused = client.post(url("correction", "RUTAN-AMBON"), {"reason": "  ", "confirm": "on"})
    assert refused.status_code == 400 and not Result.objects.filter(correction_opened_at__isnull=False).exists()
    unconfirmed = client.post(url("correction", "RUTAN-AMBON"), {"reason": "Salah input K1.01"})
    assert unconfirmed.status_code == 400 and "Salah input K1.01" in unconfirmed.content.decode()
    response = client.post(url("correction", "RUTAN-AMBON"), {"reason": "Salah input K1.01", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == url("redetermine")
    result = Result.objects.get(unit__code="RUTAN-AMBON")
    assert result.correction_opened_at is not None
    assert Assessment.objects.get(pk=result.assessment_id).status == S.IN_PANEL
    twice = client.post(url("correction", "RUTAN-AMBON"), {"reason": "lagi", "confirm": "on"})
    assert twice.status_code == 409 and "already open for correction" in twice.content.decode()
    assert client.get(url("correction", "KANWIL-81")).status_code == 404  # no result
    assert client.get(reverse("ranking:correction", args=[2025, "RUTAN-AMBON"])).status_code == 404


def test_redetermination_and_its_history(client, decreed, ditjen, kanwil, other_kanwil):
    english(client)
    client.force_login(ditjen)
    client.post(url("correction", "RUTAN-AMBON"), {"reason": "Salah input K1.01", "confirm": "on"})
    reopened = client.get(url("redetermine"))
    assert "Reopened, still with their panel" in reopened.content.decode()
    assert [r.unit.code for r, _panel in reopened.context["reopened"]] == ["RUTAN-AMBON"]
    assert reopened.context["waiting"] == []

    result = Result.objects.get(unit__code="RUTAN-AMBON")
    rescore(result.assessment, ditjen, total="95.00", predicate=True)
    page = client.get(url("redetermine"))
    assert [w.assessment.unit.code for w in page.context["waiting"]] == ["RUTAN-AMBON"]
    assert page.context["waiting"][0].decreed == result
    data = {
        "units": [result.assessment_id],
        "decree_number": "M.HH-20 TAHUN 2026",
        "decree_date": "2026-12-20",
        "reason": "Koreksi nilai",
    }
    unconfirmed = client.post(url("redetermine"), data)
    assert unconfirmed.status_code == 400
    body = unconfirmed.content.decode()
    assert 'value="M.HH-20 TAHUN 2026"' in body and "checked" in body and "Koreksi nilai" in body
    nothing = client.post(url("redetermine"), {**data, "units": [], "confirm": "on"})
    assert nothing.status_code == 400 and "Choose the units to determine again" in nothing.content.decode()
    stranger = client.post(url("redetermine"), {**data, "units": [999999], "confirm": "on"})
    assert stranger.status_code == 400

    response = client.post(url("redetermine"), {**data, "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == url("history")
    result.refresh_from_db()
    assert result.rank == 1 and result.predicate and result.revision == 1
    history = client.get(url("history"))
    body = history.content.decode()
    assert "Re-determined" in body and "Reopened for correction" in body and "M.HH-20 TAHUN 2026" in body
    assert "70.00" in body and "95.00" in body and "Koreksi nilai" in body
    assert len(history.context["page_obj"].object_list) == 2
    # A Kanwil reads the history of its own units only.
    client.force_login(other_kanwil)
    assert len(client.get(url("history")).context["page_obj"].object_list) == 0
    client.force_login(kanwil)
    assert len(client.get(url("history")).context["page_obj"].object_list) == 2


def test_redetermination_before_the_decree_leads_to_the_determination(client, board, ditjen):
    client.force_login(ditjen)
    assert client.get(url("redetermine"))["Location"] == url("determine")


# ---------------------------------------------------------------- certificates


def test_the_certificates_list(client, decreed, ditjen, monkeypatch):
    english(client)
    client.force_login(ditjen)
    response = client.get(url("certificates"))
    assert response.status_code == 200
    body = response.content.decode()
    certificate = Certificate.objects.get(result__unit__code="LAPAS-AMBON")
    assert certificate.code in body and "Lapas Kelas I Medan" in body
    assert reverse("results_unit:certificate_pdf", args=[YEAR, "LAPAS-AMBON"]) in body
    assert f"/verifikasi/{certificate.code}" in body
    assert url("certificate_revoke", certificate.pk) in body

    def codes(query: str) -> list[str]:
        return [c.result.unit.code for c, _p, _v in client.get(url("certificates") + query).context["rows"]]

    assert codes("?q=medan") == ["LAPAS-MEDAN"]
    assert codes(f"?q={certificate.code.lower()}") == ["LAPAS-AMBON"]
    assert codes("?state=revoked") == []
    monkeypatch.setattr(views_ranking, "LIST_PAGE_SIZE", 1)
    assert codes("") == ["LAPAS-MEDAN"] and codes("?page=2") == ["LAPAS-AMBON"]  # by unit name
    assert "Page 1 of 2" in client.get(url("certificates")).content.decode()


def test_revoke_a_certificate(client, decreed, ditjen):
    english(client)
    client.force_login(ditjen)
    certificate = Certificate.objects.get(result__unit__code="LAPAS-AMBON")
    target = url("certificate_revoke", certificate.pk)
    assert client.get(target).status_code == 200
    refused = client.post(target, {"reason": "Pungutan liar terbukti"})
    assert refused.status_code == 400 and "Pungutan liar terbukti" in refused.content.decode()
    response = client.post(target, {"reason": "Pungutan liar terbukti", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == url("certificates")
    certificate.refresh_from_db()
    assert not certificate.valid and certificate.revoke_reason == "Pungutan liar terbukti"
    listed = client.get(url("certificates") + "?state=revoked")
    assert "Pungutan liar terbukti" in listed.content.decode() and len(listed.context["rows"]) == 1
    twice = client.post(target, {"reason": "lagi", "confirm": "on"})
    assert twice.status_code == 409 and "already revoked" in twice.content.decode()
    assert client.get(reverse("ranking:certificate_revoke", args=[2025, certificate.pk])).status_code == 404
    ranking = client.get(url("ranking") + "?awarded=1")
    assert units(ranking) == ["LAPAS-MEDAN"]


def test_a_period_without_results_says_what_comes_next(client, tree, ditjen):
    english(client)
    quick_period(YEAR)
    UnitFactory(code="SOLO")
    client.force_login(ditjen)
    body = client.get(url("ranking")).content.decode()
    assert "No assessment has been scored yet" in body and url("determine") not in body
    body = client.get(url("certificates")).content.decode()
    assert "Certificates are issued when the results are determined" in body
