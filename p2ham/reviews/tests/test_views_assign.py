"""The assignment screens through the test client: Ditjen HAM's list with its filters, assignment one by one
and in bulk (the conflicted one skipped and listed with the reason), removal after a confirmation, the
workload; each verifier's and assessor's own work list; and everyone else refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments.models import Assessment
from p2ham.assessments.tests.test_views import english, messages_of
from p2ham.reviews.models import PanelAssignment, VerifierAssignment
from p2ham.reviews.tests.fixtures import submit_and_forward

pytestmark = pytest.mark.django_db

S = Assessment.Status


def list_url(a: Assessment, query: str = "") -> str:
    return reverse("assign:list", args=[a.period.year]) + (f"?{query}" if query else "")


@pytest.fixture
def medan_in_verification(medan_assessment, medan_operator, other_kanwil, tree) -> Assessment:
    """Lapas Medan's assessment, forwarded by Kanwil Sumatera Utara, with no verifier yet."""
    kepala = UserFactory(username="kepala_medan", full_name="Kepala Medan")
    RoleAssignmentFactory(user=kepala, role=Role.KEPALA_UNIT, unit=tree.lapas_medan)
    return submit_and_forward(medan_assessment, medan_operator, kepala, other_kanwil)


@pytest.fixture
def maluku_verifier(tree):
    """A verifier who also works in Kanwil Maluku: may not verify Lapas Ambon."""
    user = UserFactory(username="verifikator_maluku", full_name="Verifikator Maluku")
    RoleAssignmentFactory(user=user, role=Role.VERIFIKATOR)
    RoleAssignmentFactory(user=user, role=Role.KANWIL, unit=tree.kanwil_maluku)
    return user


# ---------------------------------------------------------------- the list


def test_ditjen_sees_the_forwarded_assessments_with_their_people(client, in_verification, ditjen, verifier):
    english(client)
    client.force_login(ditjen)
    response = client.get(list_url(in_verification))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Lapas Kelas IIA Ambon" in body and "Verifikator" in body and "no panel" in body
    assert reverse("verification:page", args=[in_verification.period.year, "LAPAS-AMBON"]) in body
    assert response.context["rows"][0].waiting_days == 0


def test_the_panel_shows_the_chair_and_a_declared_conflict(client, in_panel, ditjen, assessors):
    from p2ham.reviews import services

    english(client)
    services.panel_declare_conflict(actor=assessors[2], assessment=in_panel, reason="Saudara kandung kepala lapas")
    client.force_login(ditjen)
    body = client.get(list_url(in_panel)).content.decode()
    assert "Penilai Ketua" in body and ">chair</span>" not in body  # the badge carries an icon and the word
    assert "chair" in body and "conflict of interest" in body and "Saudara kandung kepala lapas" in body
    assert "<s>Penilai Dua</s>" in body


def test_the_filters(client, in_verification, medan_in_verification, ditjen, verifier):
    client.force_login(ditjen)

    def units(query: str) -> list[str]:
        return [a.unit.code for a in client.get(list_url(in_verification, query)).context["rows"]]

    assert units("") == ["LAPAS-MEDAN", "LAPAS-AMBON"]  # by province code: 12 before 81
    assert units("province=81") == ["LAPAS-AMBON"]
    assert units("unassigned=1") == ["LAPAS-MEDAN"]
    assert units("q=ambon") == ["LAPAS-AMBON"]
    assert units(f"verifier={verifier.pk}") == ["LAPAS-AMBON"]
    assert units("status=verified") == []
    assert units("type=rutan") == []


def test_the_list_query_count_does_not_grow_with_its_rows(
    client, in_verification, medan_in_verification, ditjen, verifier
):
    """One row or two, each with a verifier, the same queries (the people come prefetched)."""
    from p2ham.reviews import services

    services.verifier_assign(actor=ditjen, assessment=medan_in_verification, verifier=verifier)
    client.force_login(ditjen)
    counts = []
    for query in ("province=81", ""):
        client.get(list_url(in_verification, query))  # warm-up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(list_url(in_verification, query))
        assert response.status_code == 200
        counts.append((len(response.context["rows"]), len(queries)))
    assert [rows for rows, _ in counts] == [1, 2]
    assert counts[0][1] == counts[1][1]


@pytest.mark.parametrize("who", ["verifier", "operator", "kanwil", "other_kanwil", "outsider"])
def test_only_ditjen_opens_the_assignment_screens(client, in_verification, who, request):
    client.force_login(request.getfixturevalue(who))
    year = in_verification.period.year
    assert client.get(list_url(in_verification)).status_code == 403
    assert client.get(reverse("assign:workload", args=[year])).status_code == 403
    data = {"assessment": in_verification.pk, "verifier": in_verification.verifiers.get().verifier_id}
    assert client.post(reverse("assign:verifier_add", args=[year]), data).status_code == 403
    assert client.post(reverse("assign:bulk", args=[year]), {"action": "verifier"}).status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in(client, in_verification):
    response = client.get(list_url(in_verification))
    assert response.status_code == 302 and "/akun/" in response["Location"]


# ---------------------------------------------------------------- assigning one


def test_assign_a_second_verifier_from_the_row(client, in_verification, ditjen, second_verifier):
    english(client)
    client.force_login(ditjen)
    response = client.post(
        reverse("assign:verifier_add", args=[in_verification.period.year]),
        {"assessment": in_verification.pk, "verifier": second_verifier.pk, "next": "province=81"},
    )
    assert response.status_code == 302 and response["Location"] == list_url(in_verification, "province=81")
    assert VerifierAssignment.objects.filter(assessment=in_verification, verifier=second_verifier).exists()
    assert "Verifikator Dua now verifies Lapas Kelas IIA Ambon." in messages_of(response)


def test_a_conflicted_assessor_is_refused_with_the_reason(client, in_verification, ditjen, conflicted_assessor):
    english(client)
    client.force_login(ditjen)
    body = client.get(list_url(in_verification)).content.decode()
    assert f'<option value="{conflicted_assessor.pk}" disabled>Penilai Maluku — conflict of interest</option>' in body
    response = client.post(
        reverse("assign:assessor_add", args=[in_verification.period.year]),
        {"assessment": in_verification.pk, "assessor": conflicted_assessor.pk, "chair": "1"},
    )
    assert response.status_code == 302
    assert any("conflict of interest" in m for m in messages_of(response))
    assert not PanelAssignment.objects.filter(assessment=in_verification).exists()


def test_an_assessor_replaces_one_who_declared_a_conflict(client, in_panel, ditjen, assessors):
    from p2ham.reviews import services

    services.panel_declare_conflict(actor=assessors[0], assessment=in_panel, reason="Pernah bekerja di sana")
    replacement = UserFactory(username="penilai_pengganti", full_name="Penilai Pengganti")
    RoleAssignmentFactory(user=replacement, role=Role.PENILAI)
    client.force_login(ditjen)
    response = client.post(
        reverse("assign:assessor_add", args=[in_panel.period.year]),
        {"assessment": in_panel.pk, "assessor": replacement.pk, "chair": "1"},
    )
    assert response.status_code == 302
    seat = PanelAssignment.objects.get(assessment=in_panel, assessor=replacement)
    assert seat.chair and seat.active


# ---------------------------------------------------------------- in bulk


def test_bulk_verifier_skips_the_conflicted_assessment_and_lists_why(
    client, in_verification, medan_in_verification, ditjen, maluku_verifier
):
    english(client)
    client.force_login(ditjen)
    response = client.post(
        reverse("assign:bulk", args=[in_verification.period.year]),
        {
            "action": "verifier",
            "scope": "ticked",
            "assessments": [in_verification.pk, medan_in_verification.pk],
            "verifier": maluku_verifier.pk,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert VerifierAssignment.objects.filter(assessment=medan_in_verification, verifier=maluku_verifier).exists()
    assert not VerifierAssignment.objects.filter(assessment=in_verification, verifier=maluku_verifier).exists()
    body = response.content.decode()
    assert "The verifier was assigned to 1 assessment." in body
    assert "1 assessment was skipped" in body and "Lapas Kelas IIA Ambon:" in body and "conflict of interest" in body
    # Shown once: the next visit no longer lists them.
    assert "was skipped" not in client.get(list_url(in_verification)).content.decode()


def test_bulk_panel_for_all_matching_the_filter(
    client, in_verification, medan_in_verification, ditjen, assessors, conflicted_assessor
):
    english(client)
    client.force_login(ditjen)
    response = client.post(
        reverse("assign:bulk", args=[in_verification.period.year]),
        {
            "action": "panel",
            "scope": "all",
            "next": "type=lapas",
            "chair": assessors[0].pk,
            "assessors": [assessors[1].pk, conflicted_assessor.pk],
        },
    )
    assert response.status_code == 302 and response["Location"] == list_url(in_verification, "type=lapas")
    medan = PanelAssignment.objects.filter(assessment=medan_in_verification)
    assert {(s.assessor_id, s.chair) for s in medan} == {
        (assessors[0].pk, True),
        (assessors[1].pk, False),
        (conflicted_assessor.pk, False),
    }
    # All or nothing per assessment: Lapas Ambon gets no part of the panel.
    assert not PanelAssignment.objects.filter(assessment=in_verification).exists()
    body = client.get(response["Location"]).content.decode()
    assert "The panel was set for 1 assessment." in body and "1 assessment was skipped" in body


def test_a_refused_bulk_keeps_the_ticks_and_choices(client, in_verification, ditjen, assessors):
    english(client)
    client.force_login(ditjen)
    response = client.post(
        reverse("assign:bulk", args=[in_verification.period.year]),
        {"action": "panel", "scope": "ticked", "assessments": [in_verification.pk], "chair": assessors[0].pk},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose at least one assessor besides the chair." in body
    assert f'value="{in_verification.pk}" id="tick-{in_verification.pk}" form="bulk-form" checked' in body
    assert f'<option value="{assessors[0].pk}" selected>' in body
    response = client.post(reverse("assign:bulk", args=[in_verification.period.year]), {"action": "verifier"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Tick at least one assessment." in body and "Choose the verifier." in body
    assert not PanelAssignment.objects.exists()


# ---------------------------------------------------------------- removal


def test_remove_a_verifier_after_a_confirmation(client, in_verification, ditjen, verifier):
    english(client)
    assignment = VerifierAssignment.objects.get(assessment=in_verification, verifier=verifier)
    url = reverse("assign:verifier_remove", args=[in_verification.period.year, assignment.pk]) + "?next=q%3Dambon"
    client.force_login(ditjen)
    page = client.get(url)
    assert page.status_code == 200
    assert "Remove Verifikator as verifier of Lapas Kelas IIA Ambon?" in page.content.decode()
    assert VerifierAssignment.objects.filter(pk=assignment.pk).exists()  # nothing happens before the POST
    response = client.post(url, {"next": "q=ambon"})
    assert response.status_code == 302 and response["Location"] == list_url(in_verification, "q=ambon")
    assert not VerifierAssignment.objects.filter(pk=assignment.pk).exists()


def test_remove_an_assessor_after_a_confirmation(client, in_panel, ditjen, assessors, verifier):
    seat = PanelAssignment.objects.get(assessment=in_panel, assessor=assessors[2])
    url = reverse("assign:assessor_remove", args=[in_panel.period.year, seat.pk])
    client.force_login(verifier)
    assert client.post(url).status_code == 403
    client.force_login(ditjen)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Any scores they have given" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not PanelAssignment.objects.filter(pk=seat.pk).exists()


# ---------------------------------------------------------------- workload and work lists


def test_the_workload_per_verifier(client, in_verification, ditjen, verifier, second_verifier):
    english(client)
    client.force_login(ditjen)
    response = client.get(reverse("assign:workload", args=[in_verification.period.year]))
    assert response.status_code == 200
    rows = {r.verifier.pk: r for r in response.context["rows"]}
    assert (rows[verifier.pk].pending, rows[verifier.pk].done, rows[verifier.pk].oldest_days) == (1, 0, 0)
    assert rows[second_verifier.pk].pending == 0 and rows[second_verifier.pk].oldest_days is None
    assert f"?verifier={verifier.pk}" in response.content.decode()


def test_a_verifier_sees_their_work_list(client, in_verification, verifier, second_verifier):
    english(client)
    url = reverse("assign:mine", args=[in_verification.period.year])
    client.force_login(verifier)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Assessments I verify" in body and "Panels I sit on" not in body
    assert reverse("verification:page", args=[in_verification.period.year, "LAPAS-AMBON"]) in body
    client.force_login(second_verifier)
    assert "No assessment is assigned to you" in client.get(url).content.decode()


def test_an_assessor_sees_their_panels(client, in_panel, assessors):
    english(client)
    client.force_login(assessors[0])
    response = client.get(reverse("assign:mine", args=[in_panel.period.year]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"/penilaian/{in_panel.period.year}/LAPAS-AMBON/panel/" in body and "to score" in body
    assert "Assessments I verify" not in body


@pytest.mark.parametrize("who", ["ditjen", "operator", "kanwil", "outsider"])
def test_the_work_list_is_for_verifiers_and_assessors(client, in_verification, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("assign:mine", args=[in_verification.period.year])).status_code == 403


@pytest.mark.parametrize(
    ("who", "target"), [("ditjen", "assign:list"), ("verifier", "assign:mine"), ("assessors", "assign:mine")]
)
def test_the_entry_leads_to_the_current_year(client, in_verification, who, target, request):
    person: Any = request.getfixturevalue(who)
    client.force_login(person[0] if isinstance(person, list) else person)
    response = client.get(reverse("assign:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse(target, args=[in_verification.period.year])


def test_the_entry_refuses_everyone_else(client, in_verification, operator):
    client.force_login(operator)
    assert client.get(reverse("assign:index")).status_code == 403


def test_the_navigation_offers_the_screens_by_role(client, in_verification, ditjen, verifier):
    english(client)
    client.force_login(ditjen)
    body = client.get(reverse("core:home")).content.decode()
    assert reverse("assign:index") in body and ">Assignments</a>" not in body  # icon and label inside
    assert "Assignments" in body
    client.force_login(verifier)
    body = client.get(reverse("core:home")).content.decode()
    assert reverse("assign:mine_current") in body and "Verification &amp; panel" in body
