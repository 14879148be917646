"""API v1 assignment by Ditjen HAM: verifiers and panels of one assessment, the same in bulk, and the
verifiers' workload — with the conflict-of-interest refusal (409 ``conflict_of_interest``)."""

from __future__ import annotations

import pytest

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.api.tests.helpers import assert_error
from p2ham.assessments.models import Assessment
from p2ham.reviews import services
from p2ham.reviews.models import PanelAssignment, VerifierAssignment
from p2ham.reviews.tests.fixtures import submit_and_forward, verify_all

pytestmark = pytest.mark.django_db

S = Assessment.Status


def base(assessment, unit_code=None):
    return f"/api/v1/periods/{assessment.period.year}/assessments/{unit_code or assessment.unit.code}"


def person(username, role, unit=None):
    user = UserFactory(username=username, full_name=username.replace("_", " ").title())
    RoleAssignmentFactory(user=user, role=role, unit=unit)
    return user


@pytest.fixture
def conflicted_verifier(tree):
    """A verifier who also works in Kanwil Maluku: may not verify Lapas Ambon."""
    user = person("verifikator_maluku", Role.VERIFIKATOR)
    RoleAssignmentFactory(user=user, role=Role.KANWIL, unit=tree.kanwil_maluku)
    return user


@pytest.fixture
def forwarded(assessment, sibling_assessment, medan_assessment, operator, kepala, kanwil, other_kanwil, tree):
    """Lapas Ambon, Rutan Ambon and Lapas Medan, all forwarded to verification (none assigned yet)."""
    submit_and_forward(assessment, operator, kepala, kanwil)
    rutan = (
        person("operator_rutan2", Role.OPERATOR, tree.rutan_ambon),
        person("kepala_rutan", Role.KEPALA_UNIT, tree.rutan_ambon),
    )
    submit_and_forward(sibling_assessment, *rutan, kanwil)
    medan = (
        person("operator_medan2", Role.OPERATOR, tree.lapas_medan),
        person("kepala_medan", Role.KEPALA_UNIT, tree.lapas_medan),
    )
    submit_and_forward(medan_assessment, *medan, other_kanwil)
    return [assessment, sibling_assessment, medan_assessment]


# --- verifiers of one assessment -------------------------------------------------------------------------------


def test_ditjen_assigns_lists_and_removes_a_verifier(client_for, ditjen, verifier, forwarded):
    a = forwarded[0]
    api = client_for(ditjen)

    response = api.post(f"{base(a)}/verifiers", {"username": "verifikator"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["username"] == "verifikator" and response.json()["assigned_by"]["username"] == "ditjen"
    assert VerifierAssignment.objects.filter(assessment=a, verifier=verifier).exists()

    listing = api.get(f"{base(a)}/verifiers").json()
    assert listing["count"] == 1 and listing["results"][0]["username"] == "verifikator"
    assert client_for(verifier).get(f"{base(a)}/verifiers").status_code == 200

    assert api.delete(f"{base(a)}/verifiers/verifikator").status_code == 204
    assert not VerifierAssignment.objects.exists()
    assert_error(api.delete(f"{base(a)}/verifiers/verifikator"), 404)


def test_verifier_assignment_input_errors(client_for, ditjen, verifier, operator, forwarded):
    api, url = client_for(ditjen), f"{base(forwarded[0])}/verifiers"

    assert "username" in assert_error(api.post(url, {}, format="json"), 400)["errors"]
    assert "username" in assert_error(api.post(url, {"username": "nobody"}, format="json"), 400)["errors"]
    assert "username" in assert_error(api.post(url, {"username": "operator_ambon"}, format="json"), 400)["errors"]
    api.post(url, {"username": "verifikator"}, format="json")
    assert "username" in assert_error(api.post(url, {"username": "verifikator"}, format="json"), 400)["errors"]
    assert VerifierAssignment.objects.count() == 1


def test_conflicted_verifier_is_409(client_for, ditjen, conflicted_verifier, forwarded):
    response = client_for(ditjen).post(f"{base(forwarded[0])}/verifiers", {"username": "verifikator_maluku"})

    assert "conflict of interest" in assert_error(response, 409, "conflict_of_interest")["detail"]
    assert not VerifierAssignment.objects.exists()


def test_assigning_before_forwarding_is_409(client_for, ditjen, verifier, assessment):
    response = client_for(ditjen).post(f"{base(assessment)}/verifiers", {"username": "verifikator"})

    assert_error(response, 409, "illegal_transition")


@pytest.mark.parametrize("actor", ["kanwil", "verifier", "operator", "outsider"])
def test_only_ditjen_assigns_verifiers(client_for, request, verifier, forwarded, actor):
    response = client_for(request.getfixturevalue(actor)).post(
        f"{base(forwarded[0])}/verifiers", {"username": "verifikator"}
    )

    assert_error(response, 403)
    assert not VerifierAssignment.objects.exists()


def test_assignment_refusals_out_of_scope(client_for, api, ditjen, other_kanwil, verifier, forwarded):
    url = f"{base(forwarded[0])}/verifiers"
    services.verifier_assign(actor=ditjen, assessment=forwarded[0], verifier=verifier)

    assert_error(client_for(other_kanwil).get(url), 404)
    assert_error(client_for(other_kanwil).delete(f"{url}/verifikator"), 404)
    assert_error(client_for(ditjen).get(f"{base(forwarded[0], 'NOPE')}/verifiers"), 404)
    assert_error(api.get(url), 401)
    assert_error(api.post(url, {"username": "verifikator"}), 401)


@pytest.mark.parametrize("actor", ["operator", "kanwil", "second_verifier"])
def test_verifier_list_is_refused_to_others_who_see_the_assessment(client_for, request, forwarded, actor):
    assert_error(client_for(request.getfixturevalue(actor)).get(f"{base(forwarded[0])}/verifiers"), 403)


# --- the panel of one assessment -------------------------------------------------------------------------------


def test_ditjen_seats_a_panel_and_a_complete_one_starts_scoring(
    client_for, ditjen, verifier, assessors, in_verification
):
    verify_all(in_verification, verifier)
    services.verification_complete(actor=verifier, assessment=in_verification)
    api, url = client_for(ditjen), f"{base(in_verification)}/panel/assessors"

    response = api.post(url, {"username": "penilai_ketua", "chair": True}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["chair"] is True and response.json()["active"] is True
    in_verification.refresh_from_db()
    assert in_verification.status == S.VERIFIED
    response = api.post(url, {"username": "penilai_satu"}, format="json")
    assert response.status_code == 201 and response.json()["chair"] is False
    in_verification.refresh_from_db()
    assert in_verification.status == S.IN_PANEL

    # Making a seated assessor chair is a change (200); the former chair stays as an assessor.
    response = api.post(url, {"username": "penilai_satu", "chair": True}, format="json")
    assert response.status_code == 200 and response.json()["chair"] is True
    seats = {row["username"]: row["chair"] for row in api.get(url).json()["results"]}
    assert seats == {"penilai_ketua": False, "penilai_satu": True}
    assert client_for(assessors[0]).get(url).status_code == 200
    assert_error(client_for(assessors[2]).get(url), 403)


def test_conflicted_assessor_is_409(client_for, ditjen, conflicted_assessor, in_verification):
    response = client_for(ditjen).post(
        f"{base(in_verification)}/panel/assessors", {"username": "penilai_maluku", "chair": True}, format="json"
    )

    assert_error(response, 409, "conflict_of_interest")
    assert not PanelAssignment.objects.exists()


def test_panel_assignment_input_errors(client_for, ditjen, verifier, in_verification, assessors):
    api, url = client_for(ditjen), f"{base(in_verification)}/panel/assessors"

    assert "username" in assert_error(api.post(url, {"username": "verifikator"}, format="json"), 400)["errors"]
    assert (
        "chair" in assert_error(api.post(url, {"username": "penilai_satu", "chair": "x"}, format="json"), 400)["errors"]
    )


@pytest.mark.parametrize("actor", ["kanwil", "verifier", "assessor"])
def test_only_ditjen_seats_assessors(client_for, request, assessors, in_verification, actor):
    user = assessors[0] if actor == "assessor" else request.getfixturevalue(actor)

    response = client_for(user).post(f"{base(in_verification)}/panel/assessors", {"username": "penilai_satu"})

    assert_error(response, 403)


def test_ditjen_removes_an_assessor_until_the_panel_scores(client_for, ditjen, assessors, in_verification):
    services.panel_assign(actor=ditjen, assessment=in_verification, assessor=assessors[1])
    api = client_for(ditjen)

    assert_error(client_for(assessors[0]).delete(f"{base(in_verification)}/panel/assessors/penilai_satu"), 403)
    assert api.delete(f"{base(in_verification)}/panel/assessors/penilai_satu").status_code == 204
    assert not PanelAssignment.objects.exists()
    assert_error(api.delete(f"{base(in_verification)}/panel/assessors/penilai_satu"), 404)


# --- in bulk ---------------------------------------------------------------------------------------------------


def bulk(kind, year):
    return f"/api/v1/periods/{year}/assignments/{kind}"


def test_bulk_verifier_by_province(client_for, ditjen, verifier, forwarded):
    year = forwarded[0].period.year

    response = client_for(ditjen).post(
        bulk("verifiers", year), {"username": "verifikator", "province": "81"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json() == {"assigned": 2, "skipped": []}
    assert set(VerifierAssignment.objects.values_list("assessment__unit__code", flat=True)) == {
        "LAPAS-AMBON",
        "RUTAN-AMBON",
    }


def test_bulk_verifier_skips_conflicts_and_units_without_an_assessment(
    client_for, ditjen, conflicted_verifier, forwarded
):
    year = forwarded[0].period.year

    response = client_for(ditjen).post(
        bulk("verifiers", year),
        {"username": "verifikator_maluku", "units": ["LAPAS-AMBON", "LAPAS-MEDAN", "RUTAN-AMBON", "KANWIL-12"]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["assigned"] == 1, body  # Lapas Medan only: the Ambon units are in the verifier's own Kanwil
    assert body["skipped"][0].startswith("KANWIL-12: no assessment")
    assert len(body["skipped"]) == 3 and all("conflict of interest" in line for line in body["skipped"][1:])
    assert list(VerifierAssignment.objects.values_list("assessment__unit__code", flat=True)) == ["LAPAS-MEDAN"]


def test_bulk_verifier_skips_what_is_not_forwarded(client_for, ditjen, verifier, assessment):
    response = client_for(ditjen).post(
        bulk("verifiers", assessment.period.year), {"username": "verifikator", "units": ["LAPAS-AMBON"]}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["assigned"] == 0 and "not been forwarded" in response.json()["skipped"][0]


def test_bulk_verifier_input_errors(client_for, ditjen, verifier, forwarded):
    api, url = client_for(ditjen), bulk("verifiers", forwarded[0].period.year)

    assert "units" in assert_error(api.post(url, {"username": "verifikator"}, format="json"), 400)["errors"]
    assert (
        "units"
        in assert_error(api.post(url, {"username": "verifikator", "units": ["NOPE"]}, format="json"), 400)["errors"]
    )
    assert (
        "province"
        in assert_error(api.post(url, {"username": "verifikator", "province": "99"}, format="json"), 400)["errors"]
    )
    assert (
        "unit_type"
        in assert_error(api.post(url, {"username": "verifikator", "unit_type": "x"}, format="json"), 400)["errors"]
    )
    assert (
        "username"
        in assert_error(api.post(url, {"username": "ditjen", "province": "81"}, format="json"), 400)["errors"]
    )
    assert_error(client_for(ditjen).post(bulk("verifiers", 1999), {"username": "verifikator", "province": "81"}), 404)
    assert not VerifierAssignment.objects.exists()


@pytest.mark.parametrize("actor", ["kanwil", "verifier", "outsider"])
def test_only_ditjen_assigns_in_bulk(client_for, request, verifier, assessors, forwarded, actor):
    api, year = client_for(request.getfixturevalue(actor)), forwarded[0].period.year

    assert_error(api.post(bulk("verifiers", year), {"username": "verifikator", "province": "81"}), 403)
    body = {"chair": "penilai_ketua", "assessors": ["penilai_satu"], "province": "81"}
    assert_error(api.post(bulk("panels", year), body, format="json"), 403)


def test_bulk_panels(client_for, ditjen, assessors, conflicted_assessor, forwarded):
    api, year = client_for(ditjen), forwarded[0].period.year

    response = api.post(
        bulk("panels", year),
        {"chair": "penilai_ketua", "assessors": ["penilai_satu", "penilai_dua"], "unit_type": "lapas"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"assigned": 2, "skipped": []}
    assert PanelAssignment.objects.filter(chair=True).count() == 2 and PanelAssignment.objects.count() == 6

    response = api.post(
        bulk("panels", year),
        {"chair": "penilai_ketua", "assessors": ["penilai_maluku"], "units": ["RUTAN-AMBON", "LAPAS-MEDAN"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["assigned"] == 1 and len(body["skipped"]) == 1 and "conflict of interest" in body["skipped"][0]
    assert not PanelAssignment.objects.filter(assessment__unit__code="RUTAN-AMBON").exists()


def test_bulk_panel_input_errors(client_for, ditjen, assessors, verifier, forwarded):
    api, url = client_for(ditjen), bulk("panels", forwarded[0].period.year)

    response = api.post(url, {"chair": "verifikator", "assessors": ["penilai_satu"], "province": "81"}, format="json")
    assert "chair" in assert_error(response, 400)["errors"]
    response = api.post(url, {"chair": "penilai_ketua", "assessors": ["nobody"], "province": "81"}, format="json")
    assert "assessors" in assert_error(response, 400)["errors"]
    response = api.post(url, {"chair": "penilai_ketua", "assessors": [], "province": "81"}, format="json")
    assert "assessors" in assert_error(response, 400)["errors"]
    response = api.post(
        url, {"chair": "penilai_ketua", "assessors": ["penilai_ketua"], "province": "81"}, format="json"
    )
    assert "assessors" in assert_error(response, 400)["errors"]
    assert not PanelAssignment.objects.exists()


# --- workload --------------------------------------------------------------------------------------------------


def test_workload_per_verifier(client_for, ditjen, verifier, second_verifier, forwarded):
    year = forwarded[0].period.year
    services.verifier_assign(actor=ditjen, assessment=forwarded[0], verifier=verifier)
    services.verifier_assign(actor=ditjen, assessment=forwarded[2], verifier=verifier)

    response = client_for(ditjen).get(f"/api/v1/periods/{year}/workload")

    assert response.status_code == 200, response.json()
    rows = {r["verifier"]["username"]: r for r in response.json()["results"]}
    assert rows["verifikator"]["pending"] == 2 and rows["verifikator"]["done"] == 0
    assert rows["verifikator"]["oldest_waiting"] is not None and rows["verifikator"]["waiting_days"] == 0
    assert rows["verifikator_dua"]["pending"] == 0 and rows["verifikator_dua"]["oldest_waiting"] is None


@pytest.mark.parametrize("actor", ["verifier", "kanwil", "outsider"])
def test_workload_is_for_ditjen(client_for, request, sa_period, actor):
    assert_error(client_for(request.getfixturevalue(actor)).get(f"/api/v1/periods/{sa_period.year}/workload"), 403)


def test_workload_refusals(client_for, api, ditjen, sa_period):
    assert_error(api.get(f"/api/v1/periods/{sa_period.year}/workload"), 401)
    assert_error(client_for(ditjen).get("/api/v1/periods/1999/workload"), 404)
