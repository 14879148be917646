"""The evaluation screens through the test client: the list in each role's scope, Ditjen's decisions (one
unit or many, all or nothing), the refusals, and the two documents."""

import io

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from p2ham.assessments import services
from p2ham.assessments.models import Assessment
from p2ham.assessments.tests.fixtures import declare
from p2ham.audit.models import AuditEntry
from p2ham.notifications.models import Notification
from p2ham.periods.models import Period
from p2ham.periods.services import period_transition

pytestmark = pytest.mark.django_db

S = Assessment.Status
LIST = reverse("assessments:evaluation")
DECIDE = reverse("assessments:evaluation_decide")
MINUTES = reverse("assessments:evaluation_minutes")
REASONS = "Belum ada jalur landai di pintu layanan.\nPetugas layanan belum dilatih."


def _letter(code: str) -> str:
    return reverse("assessments:evaluation_letter", args=[code])


def _english(client):
    client.cookies["p2ham_language"] = "en"


def _messages(response, level):
    return [m.message for m in get_messages(response.wsgi_request) if m.level == level]


def _codes(response) -> list[str]:
    return [unit.code for unit in response.context["page"].object_list]


def _pdf_text(response) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def _not_eligible(ditjen, period, unit, reasons=REASONS):
    return services.evaluation_decide(actor=ditjen, period=period, unit=unit, eligible=False, reasons=reasons)


def _nothing_saved():
    assert Assessment.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="assessment.evaluate").exists()
    assert Notification.objects.count() == 0


# --- anonymous and people without a role -----------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, MINUTES, _letter("LAPAS-AMBON")])
def test_anonymous_is_sent_to_the_login_page(client, declared, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_anonymous_cannot_decide(client, declared, tree):
    response = client.post(DECIDE, {"units": [tree.lapas_ambon.code], "decision": "eligible"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    _nothing_saved()


@pytest.mark.parametrize("url", [LIST, MINUTES])
def test_an_outsider_is_refused(client, declared, outsider, url):
    client.force_login(outsider)
    assert client.get(url).status_code == 403


def test_an_outsider_does_not_see_a_letter(client, ditjen, sa_period, declared, tree, outsider):
    _not_eligible(ditjen, sa_period, tree.lapas_ambon)
    client.force_login(outsider)
    assert client.get(_letter("LAPAS-AMBON")).status_code == 404


# --- the list ----------------------------------------------------------------------------------------


def test_ditjen_sees_every_declared_unit_with_the_decision_controls(client, ditjen, declared, tree):
    client.force_login(ditjen)
    response = client.get(LIST)
    assert response.status_code == 200
    assert sorted(_codes(response)) == sorted(u.code for u in declared)
    assert tree.kanwil_sumut.code not in _codes(response)  # not declared
    assert response.context["can_decide"]
    html = response.content.decode()
    assert 'id="evaluation-bulk"' in html
    assert 'form="evaluation-bulk"' in html
    assert "select-all.js" in html


@pytest.mark.parametrize("actor", ["kanwil", "operator", "kepala", "verifier"])
def test_other_roles_read_the_list_without_the_controls(request, client, declared, actor):
    client.force_login(request.getfixturevalue(actor))
    response = client.get(LIST)
    assert response.status_code == 200
    assert not response.context["can_decide"]
    html = response.content.decode()
    assert 'id="evaluation-bulk"' not in html
    assert DECIDE not in html


def test_a_kanwil_sees_its_own_province_only(client, kanwil, other_kanwil, declared, tree):
    client.force_login(kanwil)
    codes = _codes(client.get(LIST))
    assert sorted(codes) == ["KANWIL-81", "LAPAS-AMBON", "RUTAN-AMBON"]
    client.force_login(other_kanwil)
    response = client.get(LIST)
    assert _codes(response) == ["LAPAS-MEDAN"]
    assert b"Lapas Kelas IIA Ambon" not in response.content
    # Asking for the other province by its filter shows nothing either.
    assert _codes(client.get(LIST, {"province": "81"})) == []


def test_an_operator_sees_its_own_unit_only(client, operator, declared):
    client.force_login(operator)
    assert _codes(client.get(LIST)) == ["LAPAS-AMBON"]


def test_the_list_shows_each_decision(client, ditjen, sa_period, declared, tree, assessment):
    _not_eligible(ditjen, sa_period, tree.rutan_ambon, reasons="Tidak ada <b>toilet</b> difabel.\nBaris dua.")
    client.force_login(ditjen)
    _english(client)
    html = client.get(LIST, {"sort": "name"}).content.decode()
    assert "Passed (lolos)" in html
    assert "Did not pass (tidak lolos)" in html
    assert "Pending" in html
    # The reasons are escaped, their line breaks kept.
    assert "Tidak ada &lt;b&gt;toilet&lt;/b&gt; difabel.<br>Baris dua." in html
    assert _letter("RUTAN-AMBON") in html
    assert _letter("LAPAS-AMBON") not in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"decision": "pending"}, ["KANWIL-81", "LAPAS-MEDAN"]),
        ({"decision": "eligible"}, ["LAPAS-AMBON"]),
        ({"decision": "not_eligible"}, ["RUTAN-AMBON"]),
        ({"province": "12"}, ["LAPAS-MEDAN"]),
        ({"type": "lapas"}, ["LAPAS-AMBON", "LAPAS-MEDAN"]),
        ({"q": "rutan"}, ["RUTAN-AMBON"]),
        ({"q": "lapas-med"}, ["LAPAS-MEDAN"]),
        ({"decision": "nonsense"}, ["KANWIL-81", "LAPAS-AMBON", "LAPAS-MEDAN", "RUTAN-AMBON"]),
    ],
)
def test_the_list_filters(client, ditjen, sa_period, declared, tree, assessment, params, expected):
    _not_eligible(ditjen, sa_period, tree.rutan_ambon)
    client.force_login(ditjen)
    response = client.get(LIST, params)
    assert sorted(_codes(response)) == expected


def test_the_list_sorts_by_name_and_province(client, ditjen, declared):
    client.force_login(ditjen)
    by_name = _codes(client.get(LIST, {"sort": "name"}))
    assert by_name == ["KANWIL-81", "LAPAS-MEDAN", "LAPAS-AMBON", "RUTAN-AMBON"]
    assert _codes(client.get(LIST, {"sort": "-name"})) == list(reversed(by_name))
    by_province = _codes(client.get(LIST, {"sort": "province"}))
    assert by_province == ["KANWIL-81", "LAPAS-AMBON", "RUTAN-AMBON", "LAPAS-MEDAN"]  # Maluku, then Sumatera Utara
    assert _codes(client.get(LIST, {"sort": "-province"}))[0] == "LAPAS-MEDAN"


def test_the_list_is_paginated_by_fifty(client, ditjen, sa_period, tree, kanwil):
    from p2ham.organizations.tests.factories import UnitFactory

    units = [UnitFactory(parent=tree.kanwil_maluku, province=tree.kanwil_maluku.province) for _ in range(52)]
    declare(sa_period, tree.kanwil_maluku, units, kanwil)
    client.force_login(ditjen)
    first = client.get(LIST)
    assert len(first.context["page"].object_list) == 50
    assert first.context["page"].paginator.count == 52
    assert len(client.get(LIST, {"page": "2"}).context["page"].object_list) == 2


def test_the_empty_list_says_what_happens_next(client, ditjen, kanwil, sa_period):
    _english(client)
    client.force_login(ditjen)
    response = client.get(LIST)
    assert response.status_code == 200
    assert b"No unit has completed its declaration" in response.content
    assert reverse("declarations:list").encode() in response.content
    client.force_login(kanwil)
    assert b"None of your units has completed its declaration" in client.get(LIST).content


def test_the_filtered_empty_list_suggests_resetting_the_filters(client, ditjen, declared):
    _english(client)
    client.force_login(ditjen)
    assert b"No declared unit matches these filters" in client.get(LIST, {"q": "zzz"}).content


def test_the_list_query_count_does_not_grow_with_the_units(client, ditjen, kanwil, sa_period, tree):
    def queries():
        client.get(LIST)  # warm up
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(captured), len(response.context["page"].object_list)

    client.force_login(ditjen)
    declare(sa_period, tree.kanwil_maluku, [tree.lapas_ambon, tree.rutan_ambon], kanwil)
    _not_eligible(ditjen, sa_period, tree.rutan_ambon)
    small, rows = queries()
    assert rows == 2
    declare(sa_period, tree.kanwil_sumut, [tree.kanwil_sumut, tree.lapas_medan], kanwil)
    services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.lapas_medan, eligible=True, reasons="")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 4
    assert len(captured) == small, [q["sql"] for q in captured.captured_queries]


def test_the_list_query_count_is_fixed_for_a_kanwil(client, ditjen, kanwil, sa_period, tree, django_assert_num_queries):
    client.force_login(kanwil)
    declare(sa_period, tree.kanwil_maluku, [tree.lapas_ambon], kanwil)
    client.get(LIST)
    with CaptureQueriesContext(connection) as captured:
        client.get(LIST)
    declare(sa_period, tree.kanwil_maluku, [tree.rutan_ambon, tree.kanwil_maluku], kanwil)
    _not_eligible(ditjen, sa_period, tree.rutan_ambon)
    with django_assert_num_queries(len(captured)):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 3


# --- deciding ---------------------------------------------------------------------------------------


def test_ditjen_passes_one_unit(client, ditjen, operator, kepala, kanwil, sa_period, declared, tree):
    client.force_login(ditjen)
    response = client.post(
        DECIDE, {"units": ["LAPAS-AMBON"], "decision": "eligible", "next": "decision=pending&province=81"}
    )
    assert response.status_code == 302
    assert response.url == f"{LIST}?decision=pending&province=81"
    assessment = Assessment.objects.get(unit=tree.lapas_ambon)
    assert assessment.status == S.DRAFT
    assert assessment.evaluated_by == ditjen
    assert AuditEntry.objects.filter(action="assessment.evaluate.eligible", unit=tree.lapas_ambon).count() == 1
    assert set(Notification.objects.values_list("recipient", flat=True)) == {operator.pk, kepala.pk, kanwil.pk}
    assert len(_messages(response, messages.SUCCESS)) == 1


def test_ditjen_fails_many_units_with_the_reasons(
    client, ditjen, operator, sibling_operator, kanwil, sa_period, declared, tree
):
    client.force_login(ditjen)
    _english(client)
    response = client.post(
        DECIDE,
        {"units": ["LAPAS-AMBON", "RUTAN-AMBON"], "decision": "not_eligible", "reasons": REASONS, "confirm": "on"},
    )
    assert response.status_code == 302
    assert response.url == LIST
    assessments = Assessment.objects.filter(unit__in=[tree.lapas_ambon, tree.rutan_ambon])
    assert {a.status for a in assessments} == {S.NOT_ELIGIBLE}
    assert {a.eligibility_reasons for a in assessments} == {REASONS}
    assert AuditEntry.objects.filter(action="assessment.evaluate.not_eligible").count() == 2
    assert set(Notification.objects.values_list("recipient", flat=True)) == {
        operator.pk,
        sibling_operator.pk,
        kanwil.pk,
    }
    assert Notification.objects.get(recipient=operator).body == REASONS
    assert _messages(response, messages.SUCCESS) == ["2 units recorded as not passing the evaluation."]


def test_ditjen_passes_many_units_and_changes_a_decision(client, ditjen, sa_period, declared, tree):
    _not_eligible(ditjen, sa_period, tree.rutan_ambon)
    client.force_login(ditjen)
    response = client.post(DECIDE, {"units": ["LAPAS-AMBON", "RUTAN-AMBON", "LAPAS-MEDAN"], "decision": "eligible"})
    assert response.status_code == 302
    assert set(Assessment.objects.values_list("status", flat=True)) == {S.DRAFT}
    assert AuditEntry.objects.filter(action="assessment.evaluate.eligible").count() == 3


def test_failing_without_reasons_is_refused_and_nothing_is_saved(client, ditjen, operator, declared):
    client.force_login(ditjen)
    _english(client)
    response = client.post(
        DECIDE,
        {"units": ["LAPAS-AMBON"], "decision": "not_eligible", "reasons": "  ", "confirm": "on", "next": "q=ambon"},
    )
    assert response.status_code == 400
    assert "Give the reasons why the units do not pass." in _messages(response, messages.ERROR)
    _nothing_saved()
    # The list comes back with its filters and with the unit still ticked.
    assert _codes(response) == ["LAPAS-AMBON", "RUTAN-AMBON"]
    html = response.content.decode()
    assert 'value="LAPAS-AMBON" id="u-LAPAS-AMBON" form="evaluation-bulk" checked' in html


def test_failing_without_the_confirmation_is_refused(client, ditjen, declared):
    client.force_login(ditjen)
    response = client.post(DECIDE, {"units": ["LAPAS-AMBON"], "decision": "not_eligible", "reasons": REASONS})
    assert response.status_code == 400
    assert _messages(response, messages.ERROR)
    # What was typed is kept.
    assert "Belum ada jalur landai di pintu layanan." in response.content.decode()
    _nothing_saved()


def test_a_decision_needs_units_and_a_decision(client, ditjen, declared):
    client.force_login(ditjen)
    assert client.post(DECIDE, {"decision": "eligible"}).status_code == 400
    assert client.post(DECIDE, {"units": ["LAPAS-AMBON"]}).status_code == 400
    assert client.post(DECIDE, {"units": ["NOPE"], "decision": "eligible"}).status_code == 400
    _nothing_saved()


def test_a_unit_not_declared_is_refused(client, ditjen, declared, tree):
    client.force_login(ditjen)
    response = client.post(DECIDE, {"units": ["KANWIL-12"], "decision": "eligible"})
    assert response.status_code == 400
    assert any("pencanangan" in m for m in _messages(response, messages.ERROR))  # in either language
    _nothing_saved()


def test_many_units_are_all_or_nothing(client, ditjen, declared, tree):
    client.force_login(ditjen)
    response = client.post(DECIDE, {"units": ["LAPAS-AMBON", "KANWIL-12"], "decision": "eligible"})
    assert response.status_code == 400
    assert any("KANWIL-12" in m for m in _messages(response, messages.ERROR))
    _nothing_saved()


def test_a_submitted_assessment_is_not_evaluated_again(client, ditjen, assessment):
    Assessment.objects.filter(pk=assessment.pk).update(status=S.SUBMITTED)
    client.force_login(ditjen)
    response = client.post(
        DECIDE, {"units": ["LAPAS-AMBON"], "decision": "not_eligible", "reasons": REASONS, "confirm": "on"}
    )
    assert response.status_code == 400
    assert Assessment.objects.get(pk=assessment.pk).status == S.SUBMITTED


def test_a_status_sent_by_the_client_is_ignored(client, ditjen, declared, tree):
    client.force_login(ditjen)
    client.post(DECIDE, {"units": ["LAPAS-AMBON"], "decision": "eligible", "status": "verified", "version": "99"})
    assert Assessment.objects.get(unit=tree.lapas_ambon).status == S.DRAFT


@pytest.mark.parametrize("next_value", ["//evil.example/x", "https://evil.example/", "q=a&evil=1"])
def test_the_way_back_stays_on_the_list(client, ditjen, declared, next_value):
    client.force_login(ditjen)
    response = client.post(DECIDE, {"units": ["LAPAS-AMBON"], "decision": "eligible", "next": next_value})
    assert response.status_code == 302
    assert response.url.startswith(LIST)
    assert "evil" not in response.url


@pytest.mark.parametrize(
    "actor", ["operator", "kepala", "kanwil", "other_kanwil", "verifier", "admin_user", "outsider"]
)
def test_only_ditjen_decides(request, client, declared, actor):
    client.force_login(request.getfixturevalue(actor))
    response = client.post(DECIDE, {"units": ["LAPAS-AMBON"], "decision": "eligible"})
    assert response.status_code == 403
    _nothing_saved()


def test_decide_accepts_post_only(client, ditjen, declared):
    client.force_login(ditjen)
    assert client.get(DECIDE, {"units": ["LAPAS-AMBON"], "decision": "eligible"}).status_code == 405
    _nothing_saved()


def test_nothing_is_decided_once_the_period_is_closed(client, ditjen, admin_user, sa_period, declared):
    period_transition(actor=admin_user, period=sa_period, to=Period.Status.CLOSED)
    client.force_login(ditjen)
    assert not client.get(LIST).context["can_decide"]
    response = client.post(DECIDE, {"units": ["LAPAS-AMBON"], "decision": "eligible"})
    assert response.status_code == 400
    assert _messages(response, messages.ERROR)
    _nothing_saved()


# --- the Berita Acara -------------------------------------------------------------------------------


def test_the_minutes_list_the_units_that_passed(
    client, ditjen, sa_period, declared, tree, assessment, medan_assessment
):
    _not_eligible(ditjen, sa_period, tree.rutan_ambon)
    client.force_login(ditjen)
    response = client.get(MINUTES)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="berita-acara-hasil-evaluasi-{sa_period.year}.pdf"'
    text = _pdf_text(response)
    assert "BERITA ACARA HASIL EVALUASI" in text
    assert str(sa_period.year) in text
    assert "Lapas Kelas IIA Ambon" in text
    assert "Lapas Kelas I Medan" in text
    assert "Rutan Kelas IIA Ambon" not in text  # did not pass
    assert "Ditjen" in text  # the signer's name


def test_the_minutes_of_one_province(client, ditjen, sa_period, assessment, medan_assessment):
    client.force_login(ditjen)
    response = client.get(MINUTES, {"province": "12"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'-{sa_period.year}-12.pdf"')
    text = _pdf_text(response)
    assert "Lapas Kelas I Medan" in text
    assert "Ambon" not in text


def test_a_kanwil_reads_the_minutes_of_its_province_only(client, kanwil, assessment, medan_assessment):
    client.force_login(kanwil)
    response = client.get(MINUTES)
    assert response.status_code == 200
    text = _pdf_text(response)
    assert "Lapas Kelas IIA Ambon" in text
    assert "Medan" not in text
    assert "Ditjen" in text  # signed by who decided, not by the reader
    assert "Kanwil Maluku" not in text


# --- the Surat Keterangan ---------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["operator", "kepala", "kanwil", "ditjen", "verifier"])
def test_the_letter_is_read_by_the_unit_its_kanwil_and_ditjen(
    request, client, ditjen, sa_period, declared, tree, actor
):
    _not_eligible(ditjen, sa_period, tree.lapas_ambon)
    client.force_login(request.getfixturevalue(actor))
    response = client.get(_letter("LAPAS-AMBON"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = f'inline; filename="surat-keterangan-hasil-evaluasi-{sa_period.year}-LAPAS-AMBON.pdf"'
    assert response["Content-Disposition"] == disposition
    text = _pdf_text(response)
    assert "SURAT KETERANGAN HASIL EVALUASI" in text
    assert "Lapas Kelas IIA Ambon" in text
    assert "Belum ada jalur landai di pintu layanan." in text
    assert "Petugas layanan belum dilatih." in text
    assert str(sa_period.year) in text


@pytest.mark.parametrize("actor", ["sibling_operator", "other_kanwil", "outsider"])
def test_the_letter_is_hidden_from_others(request, client, ditjen, sa_period, declared, tree, actor):
    _not_eligible(ditjen, sa_period, tree.lapas_ambon)
    client.force_login(request.getfixturevalue(actor))
    assert client.get(_letter("LAPAS-AMBON")).status_code == 404


def test_there_is_no_letter_for_a_unit_that_passed_or_is_pending(client, ditjen, operator, assessment):
    client.force_login(operator)
    assert client.get(_letter("LAPAS-AMBON")).status_code == 404
    client.force_login(ditjen)
    assert client.get(_letter("LAPAS-AMBON")).status_code == 404
    assert client.get(_letter("RUTAN-AMBON")).status_code == 404  # pending
    assert client.get(_letter("NO-SUCH-UNIT")).status_code == 404
