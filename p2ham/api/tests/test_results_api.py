"""API v1 results, determination, certificates and follow-up (stages 8–9): what each caller sees, every write
with its refusals and bad input, the public certificate check without a token, and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.api.tests.helpers import assert_error
from p2ham.api.tests.test_assessments_schema import conforms, resolve, response_schema
from p2ham.api.views_results import CertificateLookupThrottle
from p2ham.assessments.models import Assessment
from p2ham.assessments.tests.fixtures import pdf_upload
from p2ham.results import services
from p2ham.results.models import Certificate, Determination, FollowUpAction, FollowUpEvidence, Result
from p2ham.results.tests.fixtures import panel_scores
from p2ham.reviews import services as review_services
from p2ham.reviews import services_panel
from p2ham.reviews.tests.fixtures import seat_panel, submit_and_forward, verify_all

pytestmark = pytest.mark.django_db

S = Assessment.Status
F = FollowUpAction.Status


def today() -> dt.date:
    return timezone.localdate()


def results_url(year: int, tail: str = "") -> str:
    return f"/api/v1/periods/{year}/results{tail}"


def decree(**extra: Any) -> dict[str, Any]:
    return {
        "decree_number": "M.HH-12.HA.01.01 TAHUN 2026",
        "decree_date": today().isoformat(),
        "signatory_name": "Natalius Pigai",
        "signatory_title": "Menteri Hak Asasi Manusia",
        **extra,
    }


def _kepala(username: str, unit: Any) -> Any:
    user = UserFactory(username=username, full_name=username.title())
    RoleAssignmentFactory(user=user, role=Role.KEPALA_UNIT, unit=unit)
    return user


def through_panel(assessment, operator, kepala, kanwil, ditjen, verifier, assessors, picks=None) -> None:
    """Submitted, forwarded, verified and scored by the panel."""
    submit_and_forward(assessment, operator, kepala, kanwil)
    review_services.verifier_assign(actor=ditjen, assessment=assessment, verifier=verifier)
    assessment.refresh_from_db()
    verify_all(assessment, verifier)
    review_services.verification_complete(actor=verifier, assessment=assessment)
    assessment.refresh_from_db()
    seat_panel(assessment, ditjen, assessors)
    panel_scores(assessment, assessors, picks)


@pytest.fixture
def three_scored(
    scored,
    sibling_assessment,
    medan_assessment,
    sibling_operator,
    medan_operator,
    kanwil,
    other_kanwil,
    ditjen,
    verifier,
    assessors,
    tree,
):
    """Lapas Ambon, Rutan Ambon (Kanwil Maluku) and Lapas Medan (Kanwil Sumut) scored: one cohort, two
    provinces."""
    through_panel(
        sibling_assessment,
        sibling_operator,
        _kepala("kepala_rutan", tree.rutan_ambon),
        kanwil,
        ditjen,
        verifier,
        assessors,
        {"K1.01": 1, "K1.02": 1},
    )
    through_panel(
        medan_assessment,
        medan_operator,
        _kepala("kepala_medan", tree.lapas_medan),
        other_kanwil,
        ditjen,
        verifier,
        assessors,
    )
    return [scored, sibling_assessment, medan_assessment]


@pytest.fixture
def three_determined(three_scored, ditjen) -> Determination:
    return services.determine(
        actor=ditjen,
        period=three_scored[0].period,
        decree_number="M.HH-12.HA.01.01 TAHUN 2026",
        decree_date=today(),
        signatory_name="Natalius Pigai",
        signatory_title="Menteri Hak Asasi Manusia",
    )


def codes(body: dict[str, Any]) -> list[str]:
    return [row["unit"]["code"] for row in body["results"]]


# --- the ranking ------------------------------------------------------------------------------------------------


def test_before_the_decree_the_ranking_is_a_draft_without_links(client_for, ditjen, scored):
    body = client_for(ditjen).get(results_url(scored.period.year)).json()

    assert body["count"] == 1
    row = body["results"][0]
    assert row["unit"]["code"] == "LAPAS-AMBON" and row["cohort"] == "pemasyarakatan"
    assert row["rank"] == 1 and row["province_rank"] == 1
    assert row["determined"] is False and row["url"] is None
    assert row["total"] == "98.57" and row["predicate"] is True and row["awarded"] is True


def test_after_the_decree_each_row_links_to_its_result(client_for, ditjen, determined):
    year = determined.period.year

    row = client_for(ditjen).get(results_url(year)).json()["results"][0]

    assert row["determined"] is True and row["correction_open"] is False
    assert row["url"].endswith(f"/api/v1/periods/{year}/results/LAPAS-AMBON")


def test_the_ranking_orders_a_cohort_across_provinces(client_for, ditjen, three_determined):
    body = client_for(ditjen).get(results_url(three_determined.period.year)).json()

    ranks = {row["unit"]["code"]: (row["rank"], row["province_rank"]) for row in body["results"]}
    # Lapas Medan and Lapas Ambon differ by one indicator; Rutan Ambon scored lower on two.
    assert ranks == {"LAPAS-MEDAN": (1, 1), "LAPAS-AMBON": (2, 1), "RUTAN-AMBON": (3, 2)}
    assert codes(body) == ["LAPAS-MEDAN", "LAPAS-AMBON", "RUTAN-AMBON"]


def test_a_kanwil_sees_only_its_region_in_the_ranking(client_for, kanwil, other_kanwil, three_determined):
    year = three_determined.period.year

    assert sorted(codes(client_for(kanwil).get(results_url(year)).json())) == ["LAPAS-AMBON", "RUTAN-AMBON"]
    assert codes(client_for(other_kanwil).get(results_url(year)).json()) == ["LAPAS-MEDAN"]


def test_the_ranking_filters_by_province_cohort_and_award(client_for, ditjen, three_determined):
    api, year = client_for(ditjen), three_determined.period.year

    assert codes(api.get(results_url(year), {"province": "12"}).json()) == ["LAPAS-MEDAN"]
    assert api.get(results_url(year), {"cohort": "imigrasi"}).json()["count"] == 0
    assert api.get(results_url(year), {"cohort": "pemasyarakatan", "awarded": "true"}).json()["count"] == 3


def test_bad_ranking_filters_are_400_on_their_fields(client_for, ditjen, determined):
    response = client_for(ditjen).get(
        results_url(determined.period.year), {"cohort": "nope", "province": "99", "awarded": "maybe"}
    )

    body = assert_error(response, 400, "invalid")
    assert set(body["errors"]) == {"cohort", "province", "awarded"}


@pytest.mark.parametrize("who", ["operator", "kepala", "verifier", "outsider"])
def test_the_ranking_is_refused_without_the_results_overview(request, client_for, determined, who):
    response = client_for(request.getfixturevalue(who)).get(results_url(determined.period.year))

    assert_error(response, 403)


def test_the_ranking_needs_a_token_and_a_known_year(api, client_for, ditjen, determined):
    assert_error(api.get(results_url(determined.period.year)), 401)
    assert_error(client_for(ditjen).get(results_url(1999)), 404)


def test_ranking_queries_do_not_grow_with_rows(client_for, ditjen, three_determined):
    api, year = client_for(ditjen), three_determined.period.year
    api.get(results_url(year))  # the token's first use is recorded once

    with CaptureQueriesContext(connection) as one:
        assert api.get(results_url(year), {"page_size": 1}).json()["count"] == 3
    with CaptureQueriesContext(connection) as three:
        assert len(api.get(results_url(year)).json()["results"]) == 3

    assert len(three) == len(one)


# --- a unit's result --------------------------------------------------------------------------------------------


def test_the_unit_reads_its_result_explained(client_for, operator, determined):
    year = determined.period.year

    body = client_for(operator).get(results_url(year, "/LAPAS-AMBON")).json()

    assert body["determined"] is True and body["rank"] == 1 and body["total"] == "98.57"
    assert body["determination"]["decree_number"] == "M.HH-12.HA.01.01 TAHUN 2026"
    assert body["determination"]["results"] == 1 and body["determination"]["awarded"] == 1
    indicators = [i for c in body["criteria"] for i in c["indicators"]]
    assert len(indicators) == 24 and body["full_count"] == 23
    k307 = next(i for i in indicators if i["code"] == "K3.07")
    assert k307["score"] == "60.00" and k307["full"] is False and k307["verdict"] == "accepted"
    assert k307["answer"] and k307["question"]
    [finding] = body["findings"]
    assert finding["indicator"] == "K3.07"
    assert finding["follow_up"]["status"] == "proposed"
    assert finding["follow_up"]["url"].endswith(f"/api/v1/follow-ups/{finding['follow_up']['id']}")
    assert body["certificate"]["status"] == "valid"
    assert body["certificate"]["url"].endswith(f"/api/v1/certificates/{body['certificate']['code']}")
    assert body["scoring"]["below_threshold"] is False and body["veto"] is None


def test_a_result_is_404_before_the_decree(client_for, operator, ditjen, scored):
    for who in (operator, ditjen):
        assert_error(client_for(who).get(results_url(scored.period.year, "/LAPAS-AMBON")), 404)


def test_a_result_is_read_in_scope_only(client_for, kanwil, other_kanwil, sibling_operator, verifier, determined):
    url = results_url(determined.period.year, "/LAPAS-AMBON")

    assert client_for(kanwil).get(url).status_code == 200
    assert_error(client_for(other_kanwil).get(url), 404)
    assert_error(client_for(sibling_operator).get(url), 404)
    assert_error(client_for(verifier).get(url), 403)
    assert_error(client_for(kanwil).get(results_url(determined.period.year, "/NOPE")), 404)


def test_a_result_reads_a_fixed_number_of_queries(client_for, operator, determined, django_assert_max_num_queries):
    api = client_for(operator)
    api.get("/api/v1/me")

    with django_assert_max_num_queries(20):
        assert api.get(results_url(determined.period.year, "/LAPAS-AMBON")).status_code == 200


# --- determination ----------------------------------------------------------------------------------------------


def test_ditjen_determines_the_period_by_decree(client_for, ditjen, scored):
    year = scored.period.year

    response = client_for(ditjen).post(f"/api/v1/periods/{year}/determination", decree(expected_count=1))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["year"] == year and body["decree_date"] == today().isoformat()
    assert body["results"] == 1 and body["awarded"] == 1 and body["determined_by"]["username"] == "ditjen"
    scored.refresh_from_db()
    assert scored.status == S.DETERMINED
    assert Certificate.objects.filter(result__assessment=scored, revoked_at__isnull=True).exists()
    assert FollowUpAction.objects.filter(result__assessment=scored, status=F.PROPOSED).count() == 1


def test_determination_bad_input_is_400_and_saves_nothing(client_for, ditjen, scored):
    url = f"/api/v1/periods/{scored.period.year}/determination"
    api = client_for(ditjen)

    body = assert_error(
        api.post(url, {"decree_number": "", "decree_date": "3 Desember", "signatory_title": "Menteri"}), 400, "invalid"
    )
    assert set(body["errors"]) == {"decree_number", "decree_date", "signatory_name"}
    far = (today() + dt.timedelta(days=90)).isoformat()
    body = assert_error(api.post(url, decree(decree_date=far)), 400, "invalid")
    assert set(body["errors"]) == {"decree_date"}
    assert_error(api.post(url, decree(expected_count=-1)), 400, "invalid")

    assert not Determination.objects.exists()
    scored.refresh_from_db()
    assert scored.status == S.SCORED


def test_a_stale_expected_count_is_409_and_saves_nothing(client_for, ditjen, scored):
    response = client_for(ditjen).post(
        f"/api/v1/periods/{scored.period.year}/determination", decree(expected_count=2), format="json"
    )

    body = assert_error(response, 409, "stale")
    assert "now 1" in body["detail"]
    assert not Determination.objects.exists() and not Result.objects.exists()


def test_determining_twice_is_409(client_for, ditjen, determined):
    response = client_for(ditjen).post(f"/api/v1/periods/{determined.period.year}/determination", decree())

    assert_error(response, 409, "illegal_transition")
    assert Determination.objects.count() == 1


def test_nothing_scored_is_409(client_for, ditjen, assessment):
    response = client_for(ditjen).post(f"/api/v1/periods/{assessment.period.year}/determination", decree())

    assert_error(response, 409, "illegal_transition")


@pytest.mark.parametrize("who", ["kanwil", "operator", "admin_user"])
def test_only_ditjen_determines(request, client_for, scored, who):
    response = client_for(request.getfixturevalue(who)).post(
        f"/api/v1/periods/{scored.period.year}/determination", decree()
    )

    assert_error(response, 403)
    assert not Determination.objects.exists()


def test_the_determination_is_read_after_the_decree(client_for, operator, verifier, ditjen, scored):
    url = f"/api/v1/periods/{scored.period.year}/determination"
    assert_error(client_for(operator).get(url), 404)
    client_for(ditjen).post(url, decree())

    body = client_for(operator).get(url).json()

    assert body["decree_number"] == "M.HH-12.HA.01.01 TAHUN 2026" and body["published"] is True
    assert_error(client_for(verifier).get(url), 403)
    assert_error(client_for(operator).get("/api/v1/periods/1999/determination"), 404)


# --- correction and re-determination ----------------------------------------------------------------------------


def test_a_result_is_corrected_then_determined_again(client_for, ditjen, assessors, determined):
    year = determined.period.year
    api = client_for(ditjen)

    response = api.post(results_url(year, "/LAPAS-AMBON/correction"), {"reason": "Salah hitung K3.07"})

    assert response.status_code == 200, response.content
    assert response.json()["correction_open"] is True
    assessment = Assessment.objects.get(unit__code="LAPAS-AMBON")
    assert assessment.status == S.IN_PANEL
    assert_error(api.post(results_url(year, "/LAPAS-AMBON/correction"), {"reason": "Lagi"}), 409)

    services_panel.panel_finish(actor=assessors[0], assessment=assessment, note="Dikoreksi")
    response = api.post(
        f"/api/v1/periods/{year}/redetermination",
        {
            "units": ["LAPAS-AMBON"],
            "decree_number": "M.HH-13 TAHUN 2026",
            "decree_date": today().isoformat(),
            "reason": "Koreksi",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    [row] = response.json()["redetermined"]
    assert row["unit"]["code"] == "LAPAS-AMBON" and row["correction_open"] is False and row["rank"] == 1
    assert Result.objects.get().revision == 1
    assessment.refresh_from_db()
    assert assessment.status == S.DETERMINED


def test_correction_refusals_and_bad_input(client_for, ditjen, kanwil, other_kanwil, determined):
    url = results_url(determined.period.year, "/LAPAS-AMBON/correction")

    assert_error(client_for(kanwil).post(url, {"reason": "x"}), 403)
    assert_error(client_for(other_kanwil).post(url, {"reason": "x"}), 403)
    body = assert_error(client_for(ditjen).post(url, {"reason": "  "}), 400, "invalid")
    assert set(body["errors"]) == {"reason"}
    assert_error(client_for(ditjen).post(results_url(determined.period.year, "/NOPE/correction"), {"reason": "x"}), 404)
    assert Result.objects.get().correction_opened_at is None


def test_redetermination_bad_input_and_refusals(client_for, ditjen, kanwil, determined):
    url = f"/api/v1/periods/{determined.period.year}/redetermination"
    body = {"units": ["LAPAS-AMBON"], "decree_number": "X", "decree_date": today().isoformat(), "reason": "r"}

    assert_error(client_for(kanwil).post(url, body, format="json"), 403)
    errors = assert_error(client_for(ditjen).post(url, {**body, "units": ["NOPE"]}, format="json"), 400)["errors"]
    assert set(errors) == {"units"} and "NOPE" in errors["units"][0]
    errors = assert_error(client_for(ditjen).post(url, {"units": []}, format="json"), 400)["errors"]
    assert {"units", "decree_number", "decree_date", "reason"} == set(errors)
    # Determined and not reopened: nothing to determine again.
    assert_error(client_for(ditjen).post(url, body, format="json"), 409, "illegal_transition")
    assert Result.objects.get().revision == 0


# --- certificates -----------------------------------------------------------------------------------------------


def test_anyone_checks_a_certificate_without_a_token(api, determined):
    code = Certificate.objects.get().code

    response = api.get(f"/api/v1/certificates/{code}")

    assert response.status_code == 200
    assert response.json() == {
        "code": code,
        "status": "valid",
        "unit": {"code": "LAPAS-AMBON", "name": "Lapas Kelas IIA Ambon", "province": "81", "province_name": "Maluku"},
        "year": determined.period.year,
        "decree_number": "M.HH-12.HA.01.01 TAHUN 2026",
        "decree_date": "2026-12-03",
        "issued_at": response.json()["issued_at"],
        "revoked_at": None,
        "revoke_reason": None,
    }
    assert api.get(f"/api/v1/certificates/{code.lower()}").status_code == 200


def test_an_unknown_or_unpublished_certificate_is_404(api, client_for, ditjen, determined):
    assert_error(api.get("/api/v1/certificates/AAAA-BBBB-CCCC-DDDD"), 404)
    Determination.objects.update(published=False)
    code = Certificate.objects.get().code

    assert_error(api.get(f"/api/v1/certificates/{code}"), 404)
    # Ditjen HAM still revokes it.
    assert client_for(ditjen).post(f"/api/v1/certificates/{code}/revocation", {"reason": "x"}).status_code == 200


def test_ditjen_revokes_and_the_public_check_says_so(api, client_for, ditjen, determined):
    code = Certificate.objects.get().code

    response = client_for(ditjen).post(f"/api/v1/certificates/{code}/revocation", {"reason": "Pungli terbukti"})

    assert response.status_code == 200, response.content
    assert response.json()["revoke_reason"] == "Pungli terbukti"  # Ditjen's own answer carries the record
    public = api.get(f"/api/v1/certificates/{code}").json()
    # The public learns that and when, not why (an internal record).
    assert public["status"] == "revoked" and public["revoke_reason"] is None
    assert public["revoked_at"] is not None
    assert Result.objects.get().revoked_at is not None
    assert_error(client_for(ditjen).post(f"/api/v1/certificates/{code}/revocation", {"reason": "x"}), 409)


def test_revocation_refusals_and_bad_input(api, client_for, ditjen, kanwil, operator, determined):
    url = f"/api/v1/certificates/{Certificate.objects.get().code}/revocation"

    assert_error(api.post(url, {"reason": "x"}), 401)
    assert_error(client_for(kanwil).post(url, {"reason": "x"}), 403)
    assert_error(client_for(operator).post(url, {"reason": "x"}), 403)
    body = assert_error(client_for(ditjen).post(url, {}), 400, "invalid")
    assert set(body["errors"]) == {"reason"}
    assert_error(client_for(ditjen).post("/api/v1/certificates/NOPE/revocation", {"reason": "x"}), 404)
    assert Certificate.objects.get().revoked_at is None


def test_the_public_check_is_throttled(api, determined, monkeypatch):
    monkeypatch.setattr(CertificateLookupThrottle, "THROTTLE_RATES", {"certificate": "2/min"})
    url = f"/api/v1/certificates/{Certificate.objects.get().code}"

    assert [api.get(url).status_code for _ in range(2)] == [200, 200]
    assert_error(api.get(url), 429, "throttled")


# --- follow-up --------------------------------------------------------------------------------------------------


def follow_ups_url(year: int) -> str:
    return f"/api/v1/periods/{year}/follow-ups"


def the_action() -> FollowUpAction:
    return FollowUpAction.objects.get(indicator_code="K3.07")


def patch(client, action: FollowUpAction, body: dict[str, Any], **kwargs: Any):
    return client.patch(f"/api/v1/follow-ups/{action.pk}", body, **kwargs)


def confirm_body(action: FollowUpAction, **extra: Any) -> dict[str, Any]:
    due = (today() + dt.timedelta(days=30)).isoformat()
    return {"action": "confirm", "version": action.version, "action_text": "Lengkapi SOP", "due_date": due, **extra}


def test_follow_ups_are_listed_in_scope(client_for, operator, kanwil, other_kanwil, sibling_operator, determined):
    url = follow_ups_url(determined.period.year)

    for who in (operator, kanwil):
        body = client_for(who).get(url).json()
        assert body["count"] == 1
        row = body["results"][0]
        assert row["indicator"] == "K3.07" and row["status"] == "proposed" and row["score"] == "60.00"
        assert row["unit"]["code"] == "LAPAS-AMBON" and row["overdue"] is False and row["version"] == 1
    for who in (other_kanwil, sibling_operator):
        assert client_for(who).get(url).json()["count"] == 0


def test_follow_up_list_filters(client_for, kanwil, determined):
    api, url = client_for(kanwil), follow_ups_url(determined.period.year)
    action = the_action()
    FollowUpAction.objects.filter(pk=action.pk).update(status=F.CONFIRMED, due_date=today() - dt.timedelta(days=2))

    assert api.get(url, {"status": "confirmed"}).json()["count"] == 1
    assert api.get(url, {"status": "proposed"}).json()["count"] == 0
    overdue = api.get(url, {"overdue": "true", "unit": "LAPAS-AMBON"}).json()
    assert overdue["count"] == 1 and overdue["results"][0]["overdue"] is True
    assert api.get(url, {"unit": "RUTAN-AMBON"}).json()["count"] == 0
    body = assert_error(api.get(url, {"status": "done", "overdue": "x", "unit": "LAPAS-MEDAN"}), 400, "invalid")
    assert set(body["errors"]) == {"status", "overdue", "unit"}


def test_follow_up_list_refusals(client_for, verifier, ditjen, determined):
    assert_error(client_for(verifier).get(follow_ups_url(determined.period.year)), 403)
    assert_error(client_for(ditjen).get(follow_ups_url(1999)), 404)


def test_follow_up_list_queries_do_not_grow_with_rows(client_for, kanwil, determined):
    api, url = client_for(kanwil), follow_ups_url(determined.period.year)
    api.get(url)
    with CaptureQueriesContext(connection) as one:
        assert api.get(url).json()["count"] == 1
    action = the_action()
    for code in ("K1.01", "K1.02", "K1.03"):
        FollowUpAction.objects.create(
            result=action.result,
            unit=action.unit,
            period=action.period,
            indicator_code=code,
            indicator_question="?",
            finding="f",
        )

    with CaptureQueriesContext(connection) as four:
        assert api.get(url).json()["count"] == 4

    assert len(four) == len(one)


def test_follow_up_detail_in_scope(client_for, operator, kanwil, other_kanwil, sibling_operator, verifier, determined):
    url = f"/api/v1/follow-ups/{the_action().pk}"

    body = client_for(operator).get(url).json()
    assert body["allowed"] == {"confirm": False, "dismiss": False, "report": False, "close": False, "send_back": False}
    assert body["finding"] and body["evidence"] == [] and body["confirmed_by"] is None
    assert client_for(kanwil).get(url).json()["allowed"]["confirm"] is True
    assert_error(client_for(other_kanwil).get(url), 404)
    assert_error(client_for(sibling_operator).get(url), 404)
    assert_error(client_for(verifier).get(url), 403)
    assert_error(client_for(kanwil).get("/api/v1/follow-ups/999999"), 404)


def test_the_kanwil_confirms_and_a_sent_status_is_ignored(client_for, kanwil, determined):
    action = the_action()

    response = patch(client_for(kanwil), action, confirm_body(action, status="closed", unit="X", score="100"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "confirmed" and body["version"] == 2 and body["action_text"] == "Lengkapi SOP"
    assert body["confirmed_by"]["username"] == "kanwil_maluku"
    action.refresh_from_db()
    assert action.status == F.CONFIRMED and action.score == 60 and action.unit.code == "LAPAS-AMBON"


def test_confirm_refusals(client_for, operator, other_kanwil, determined):
    action = the_action()

    assert_error(patch(client_for(operator), action, confirm_body(action)), 403)
    assert_error(patch(client_for(other_kanwil), action, confirm_body(action)), 404)
    action.refresh_from_db()
    assert action.status == F.PROPOSED and action.version == 1


def test_confirm_bad_input_is_400_and_saves_nothing(client_for, kanwil, determined):
    action, api = the_action(), client_for(kanwil)

    body = assert_error(patch(api, action, {"action": "confirm", "version": 1}), 400, "invalid")
    assert set(body["errors"]) == {"action_text", "due_date"}
    body = assert_error(patch(api, action, confirm_body(action, due_date=today().isoformat())), 400, "invalid")
    assert set(body["errors"]) == {"due_date"}
    body = assert_error(patch(api, action, {"action": "finish", "version": 1}), 400, "invalid")
    assert set(body["errors"]) == {"action"}
    without_version = {k: v for k, v in confirm_body(action).items() if k != "version"}
    body = assert_error(patch(api, action, without_version), 400, "invalid")
    assert set(body["errors"]) == {"version"}
    body = assert_error(patch(api, action, {**confirm_body(action), "version": "dua"}, format="json"), 400)
    assert set(body["errors"]) == {"version"}

    action.refresh_from_db()
    assert action.status == F.PROPOSED and action.version == 1 and action.action == ""


def test_a_stale_version_is_409(client_for, kanwil, determined):
    action, api = the_action(), client_for(kanwil)
    assert patch(api, action, confirm_body(action)).status_code == 200

    response = patch(api, action, confirm_body(action, action_text="Ganti"))  # still version 1

    assert_error(response, 409, "stale")
    action.refresh_from_db()
    assert action.action == "Lengkapi SOP" and action.version == 2


def test_the_unit_reports_with_files_and_the_kanwil_closes(client_for, operator, kanwil, determined):
    action = the_action()
    patch(client_for(kanwil), action, confirm_body(action))
    unit_api = client_for(operator)

    response = patch(
        unit_api,
        action,
        {"action": "report", "version": 2, "report": "SOP dilengkapi", "files": [pdf_upload("sop.pdf")]},
        format="multipart",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "reported" and body["report"] == "SOP dilengkapi"
    [evidence] = body["evidence"]
    assert evidence["name"] == "sop.pdf" and evidence["kind"] == "pdf"
    download = unit_api.get(evidence["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert client_for(kanwil).get(evidence["download_url"]).status_code == 200

    body = assert_error(patch(client_for(kanwil), action, {"action": "send_back", "version": 3}), 400)
    assert set(body["errors"]) == {"note"}
    closed = patch(client_for(kanwil), action, {"action": "close", "version": 3}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert_error(patch(client_for(kanwil), action, {"action": "close", "version": 4}), 409, "illegal_transition")


def test_report_refusals_and_bad_input(client_for, operator, kanwil, sibling_operator, determined):
    action = the_action()
    url = f"/api/v1/follow-ups/{action.pk}"
    report = {"action": "report", "version": 1, "report": "Sudah"}

    # Still proposed: a report is not possible yet.
    assert_error(patch(client_for(operator), action, report), 409, "illegal_transition")
    patch(client_for(kanwil), action, confirm_body(action))
    report["version"] = 2
    assert_error(patch(client_for(kanwil), action, report), 403)
    assert_error(patch(client_for(sibling_operator), action, report), 404)
    body = assert_error(patch(client_for(operator), action, report, format="multipart"), 400)
    assert set(body["errors"]) == {"files"}
    body = assert_error(patch(client_for(operator), action, {**report, "report": ""}, format="multipart"), 400)
    assert set(body["errors"]) == {"report"}
    assert client_for(operator).get(url).json()["status"] == "confirmed"
    assert not FollowUpEvidence.objects.exists()


def test_send_back_and_dismiss(client_for, operator, kanwil, ditjen, determined):
    action = the_action()
    patch(client_for(kanwil), action, confirm_body(action))
    patch(
        client_for(operator),
        action,
        {"action": "report", "version": 2, "report": "Sudah", "files": [pdf_upload()]},
        format="multipart",
    )

    back = patch(client_for(kanwil), action, {"action": "send_back", "version": 3, "note": "Belum lengkap"})
    assert back.status_code == 200 and back.json()["status"] == "confirmed"
    assert back.json()["review_note"] == "Belum lengkap" and back.json()["allowed"]["dismiss"] is True

    body = assert_error(patch(client_for(ditjen), action, {"action": "dismiss", "version": 4}), 400)
    assert set(body["errors"]) == {"reason"}
    dismissed = patch(client_for(ditjen), action, {"action": "dismiss", "version": 4, "reason": "Tidak relevan"})
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"


def test_evidence_download_outside_scope_is_404(client_for, operator, kanwil, sibling_operator, determined):
    action = the_action()
    patch(client_for(kanwil), action, confirm_body(action))
    patch(
        client_for(operator),
        action,
        {"action": "report", "version": 2, "report": "Sudah", "files": [pdf_upload()]},
        format="multipart",
    )
    evidence = FollowUpEvidence.objects.get()
    url = f"/api/v1/follow-ups/{action.pk}/evidence/{evidence.pk}"

    assert_error(client_for(sibling_operator).get(url), 404)
    assert_error(client_for(operator).get(f"/api/v1/follow-ups/{action.pk}/evidence/999999"), 404)


# --- the schema -------------------------------------------------------------------------------------------------

Y = "/api/v1/periods/{year}"
WRITE = {"400", "403", "404", "409"}
OPERATIONS = [
    (Y + "/results", "get", {"200", "400", "401", "403", "404"}),
    (Y + "/results/{unit_code}", "get", {"200", "401", "403", "404"}),
    (Y + "/results/{unit_code}/correction", "post", {"200"} | WRITE),
    (Y + "/determination", "get", {"200", "403", "404"}),
    (Y + "/determination", "post", {"201"} | WRITE),
    (Y + "/redetermination", "post", {"200"} | WRITE),
    ("/api/v1/certificates/{code}", "get", {"200", "404", "429"}),
    ("/api/v1/certificates/{code}/revocation", "post", {"200"} | WRITE),
    (Y + "/follow-ups", "get", {"200", "400", "403", "404"}),
    ("/api/v1/follow-ups/{id}", "get", {"200", "403", "404"}),
    ("/api/v1/follow-ups/{id}", "patch", {"200", "413", "415"} | WRITE),
    ("/api/v1/follow-ups/{id}/evidence/{evidence_id}", "get", {"200", "403", "404"}),
]


@pytest.fixture
def schema(client_for, operator) -> dict[str, Any]:
    response = client_for(operator).get("/api/v1/schema", {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(("path", "method", "statuses"), OPERATIONS)
def test_operation_is_documented_with_its_errors(schema, path, method, statuses):
    responses = schema["paths"][path][method]["responses"]

    assert statuses <= set(responses), sorted(responses)
    for status in statuses - {"200", "201"}:
        error = resolve(schema, responses[status]["content"]["application/json"]["schema"])
        assert {"detail", "code", "errors"} <= set(error["properties"])


def test_the_certificate_check_is_documented_as_needing_no_token(schema):
    assert {} in schema["paths"]["/api/v1/certificates/{code}"]["get"]["security"]
    assert {} not in schema["paths"]["/api/v1/certificates/{code}/revocation"]["post"]["security"]


def test_the_follow_up_patch_is_documented_as_json_and_multipart(schema):
    content = schema["paths"]["/api/v1/follow-ups/{id}"]["patch"]["requestBody"]["content"]
    body = resolve(schema, content["multipart/form-data"]["schema"])

    assert {"application/json", "multipart/form-data"} <= set(content)
    assert {"action", "version", "action_text", "due_date", "reason", "report", "files", "note"} <= set(
        body["properties"]
    )


def test_responses_have_exactly_the_documented_fields(schema, api, client_for, kanwil, operator, determined):
    year = determined.period.year
    action = the_action()
    patch(client_for(kanwil), action, confirm_body(action))
    seen = {
        (Y + "/results", "get"): client_for(kanwil).get(results_url(year)).json(),
        (Y + "/results/{unit_code}", "get"): client_for(operator).get(results_url(year, "/LAPAS-AMBON")).json(),
        (Y + "/determination", "get"): client_for(operator).get(f"/api/v1/periods/{year}/determination").json(),
        ("/api/v1/certificates/{code}", "get"): api.get(
            f"/api/v1/certificates/{Certificate.objects.get().code}"
        ).json(),
        (Y + "/follow-ups", "get"): client_for(operator).get(follow_ups_url(year)).json(),
    }
    reported = patch(
        client_for(operator),
        action,
        {"action": "report", "version": 2, "report": "Sudah", "files": [pdf_upload()]},
        format="multipart",
    ).json()
    seen[("/api/v1/follow-ups/{id}", "patch")] = reported
    seen[("/api/v1/follow-ups/{id}", "get")] = client_for(kanwil).get(f"/api/v1/follow-ups/{action.pk}").json()

    for (path, method), body in seen.items():
        assert not conforms(schema, response_schema(schema, path, method, "200"), body), path
    # The check bites.
    detail = seen[(Y + "/results/{unit_code}", "get")]
    detail["criteria"][0]["indicators"][0]["secret"] = 1
    assert conforms(schema, response_schema(schema, Y + "/results/{unit_code}", "get", "200"), detail)
