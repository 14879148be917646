"""The follow-up screens through the test client: who sees which actions (and who gets a 404), the list's filters,
counts and fixed query count, the whole life of an action by real form posts (with a real PDF), every refusal
(role, province, the Kanwil's own unit, wrong state, file content, stale version), the evidence download, the
bulk confirmation, and the open actions of earlier years shown in next year's assessment page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments.tests.fixtures import PDF_BYTES, pdf_upload
from p2ham.assessments.tests.test_views import english, messages_of, unresolved
from p2ham.audit.models import AuditEntry
from p2ham.periods.models import Period
from p2ham.results import services
from p2ham.results.models import FollowUpAction, FollowUpEvidence

pytestmark = pytest.mark.django_db

S = FollowUpAction.Status
LIST = "/tindak-lanjut/"


@pytest.fixture(autouse=True)
def _english(client):
    english(client)


@pytest.fixture
def action(determined) -> FollowUpAction:
    """The one action the determination proposed for Lapas Ambon."""
    return FollowUpAction.objects.select_related("unit__province", "period").get()


@pytest.fixture
def pimpinan(tree):
    user = UserFactory(username="pimpinan", full_name="Pimpinan")
    RoleAssignmentFactory(user=user, role=Role.PIMPINAN, unit=None)
    return user


def today() -> dt.date:
    return timezone.localdate()


def url(name: str, *args: Any) -> str:
    return reverse(f"followup:{name}", args=args)


def fresh(action: FollowUpAction) -> FollowUpAction:
    return FollowUpAction.objects.select_related("unit__province", "period").get(pk=action.pk)


def confirm(action: FollowUpAction, actor, days: int = 30) -> FollowUpAction:
    return services.follow_up_confirm(
        actor=actor,
        action=action,
        action_text="Pasang lantai pemandu",
        due_date=today() + dt.timedelta(days=days),
        version=action.version,
    )


def extra_action(base: FollowUpAction, unit, code: str, **fields: Any) -> FollowUpAction:
    """Another action (of the same determined result, for another unit if wanted): list and permission tests."""
    return FollowUpAction.objects.create(
        result=base.result,
        unit=unit,
        period=base.period,
        indicator_code=code,
        indicator_question=f"Pertanyaan {code}",
        finding="Belum ada",
        **fields,
    )


def audit_codes(action: FollowUpAction) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_type="results.followupaction", target_id=str(action.pk))
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )


def html(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- the list


def test_each_person_sees_the_actions_in_their_scope(
    client, action, operator, kanwil, ditjen, pimpinan, other_kanwil, sibling_operator, medan_operator
):
    for person in (operator, kanwil, ditjen, pimpinan):
        client.force_login(person)
        response = client.get(LIST)
        assert response.status_code == 200
        assert url("detail", action.pk) in html(response), person
        assert unresolved(html(response)) == []
    for person in (other_kanwil, sibling_operator, medan_operator):
        client.force_login(person)
        response = client.get(LIST)
        assert response.status_code == 200
        assert url("detail", action.pk) not in html(response), person
        assert "They are proposed when Ditjen HAM determines the results" in html(response)


def test_the_list_is_refused_to_roles_without_results_and_to_anonymous(client, action, verifier):
    assert client.get(LIST).status_code == 302  # to the login page
    client.force_login(verifier)
    assert client.get(LIST).status_code == 403


def test_the_list_filters_counts_and_flags_overdue_rows(client, action, ditjen, tree):
    past = today() - dt.timedelta(days=3)
    confirm(action, ditjen)
    late = extra_action(action, tree.rutan_ambon, "K1.01", status=S.CONFIRMED, action="Buat SOP", due_date=past)
    medan = extra_action(action, tree.lapas_medan, "K1.02")
    client.force_login(ditjen)

    def shown(**params: Any) -> set[int]:
        response = client.get(LIST, params)
        assert response.status_code == 200
        return {a.pk for a in (action, late, medan) if url("detail", a.pk) in html(response)}

    assert shown() == {action.pk, late.pk, medan.pk}
    assert shown(status="confirmed") == {action.pk, late.pk}
    assert shown(overdue="1") == {late.pk}
    assert shown(q="rutan") == {late.pk}
    assert shown(q="LAPAS-MEDAN") == {medan.pk}
    assert shown(province="12") == {medan.pk}
    assert shown(year=str(action.period.year)) == {action.pk, late.pk, medan.pk}
    assert shown(status="nonsense", year="1999", sort="drop table") == {action.pk, late.pk, medan.pk}

    page = html(client.get(LIST))
    # Counts as chips: two confirmed, one proposed, one overdue.
    assert 'Confirmed <span class="badge text-bg-light">2</span>' in page
    assert 'Proposed <span class="badge text-bg-light">1</span>' in page
    assert 'Overdue <span class="badge text-bg-light">1</span>' in page
    # The overdue row says so in words (with an icon), not by colour only.
    row = page[page.index(f'id="f-{late.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "overdue" in row and "bi-exclamation-triangle-fill" in row
    # Sorted by due date: the overdue one first, the proposed one (no due date) last.
    order = [page.index(f'id="f-{pk}"') for pk in (late.pk, action.pk, medan.pk)]
    assert order == sorted(order)
    page = html(client.get(LIST, {"sort": "unit"}))  # "Lapas Kelas I Medan", "Lapas Kelas IIA Ambon", "Rutan ..."
    order = [page.index(f'id="f-{pk}"') for pk in (medan.pk, action.pk, late.pk)]
    assert order == sorted(order)


def test_a_kanwil_has_no_province_filter_and_sees_only_its_province(client, action, kanwil, tree):
    medan = extra_action(action, tree.lapas_medan, "K1.02")
    client.force_login(kanwil)
    response = client.get(LIST, {"province": "12"})  # ignored: not a national user
    assert 'id="f-province"' not in html(response)
    assert url("detail", action.pk) in html(response)
    assert url("detail", medan.pk) not in html(response)


def test_the_list_runs_the_same_queries_for_3_and_12_actions(client, action, ditjen, tree):
    units = [tree.lapas_ambon, tree.rutan_ambon, tree.lapas_medan, tree.kanwil_sumut, tree.kanwil_maluku]
    client.force_login(ditjen)

    def count() -> int:
        client.get(LIST)  # warm-up: per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(queries)

    for i in range(2):
        extra_action(action, units[i % len(units)], f"X{i:02d}")
    small = count()
    for i in range(2, 11):
        extra_action(action, units[i % len(units)], f"X{i:02d}", status=S.CONFIRMED, action="a", due_date=today())
    assert FollowUpAction.objects.count() == 12
    assert count() == small


# ---------------------------------------------------------------- one action: who sees it


def test_the_page_is_404_outside_the_scope(
    client, action, operator, kanwil, ditjen, other_kanwil, sibling_operator, medan_operator, verifier, outsider
):
    for person in (operator, kanwil, ditjen):
        client.force_login(person)
        response = client.get(url("detail", action.pk))
        assert response.status_code == 200
        assert unresolved(html(response)) == []
    for person in (other_kanwil, sibling_operator, medan_operator, verifier, outsider):
        client.force_login(person)
        assert client.get(url("detail", action.pk)).status_code == 404, person
        # Posting is refused the same way: the action does not exist for them.
        assert client.post(url("confirm", action.pk), {"action": "x", "due_date": "2099-01-01"}).status_code == 404
    client.force_login(ditjen)
    assert client.get(url("detail", 999999)).status_code == 404


def test_the_forms_shown_depend_on_role_and_state(client, action, operator, kanwil, ditjen, tree):
    client.force_login(kanwil)
    page = html(client.get(url("detail", action.pk)))
    assert url("confirm", action.pk) in page and url("dismiss", action.pk) in page
    # Due date proposed 90 days ahead, in the unit's own calendar.
    proposed = timezone.localdate(timezone=action.unit.tzinfo) + dt.timedelta(days=90)
    assert f'value="{proposed.isoformat()}"' in page
    client.force_login(operator)
    page = html(client.get(url("detail", action.pk)))
    assert url("confirm", action.pk) not in page and url("report", action.pk) not in page
    assert "Ditjen HAM or your Kanwil will confirm this action" in page
    # The Kanwil's own follow-up is managed by Ditjen HAM, not by the Kanwil itself.
    own = extra_action(action, tree.kanwil_maluku, "K9.99")
    client.force_login(kanwil)
    page = html(client.get(url("detail", own.pk)))
    assert url("confirm", own.pk) not in page
    client.force_login(ditjen)
    assert url("confirm", own.pk) in html(client.get(url("detail", own.pk)))


# ---------------------------------------------------------------- the whole life, by the forms


def test_the_whole_life_of_an_action_through_the_pages(client, action, kanwil, operator, kepala):
    due = today() + dt.timedelta(days=45)
    client.force_login(kanwil)
    response = client.post(
        url("confirm", action.pk),
        {"action": "Pasang lantai pemandu di ruang layanan", "due_date": due.isoformat(), "version": action.version},
    )
    assert response.status_code == 302, response.content[:800]
    action = fresh(action)
    assert (action.status, action.due_date) == (S.CONFIRMED, due)

    client.force_login(operator)
    first = pdf_upload("foto-lantai.pdf", extra=b"satu")
    response = client.post(
        url("report", action.pk),
        {"report": "Lantai pemandu sudah dipasang", "attachments": [first], "version": action.version},
    )
    assert response.status_code == 302, response.content[:800]
    action = fresh(action)
    assert action.status == S.REPORTED and action.evidence.count() == 1

    client.force_login(kanwil)
    response = client.post(url("review", action.pk), {"decision": "send_back", "note": "", "version": action.version})
    assert response.status_code == 400  # the note says what is missing: required
    assert "This field is required." in html(response)
    response = client.post(
        url("review", action.pk),
        {"decision": "send_back", "note": "Foto tidak menunjukkan ruang layanan", "version": action.version},
    )
    assert response.status_code == 302
    action = fresh(action)
    assert action.status == S.CONFIRMED

    client.force_login(kepala)
    page = html(client.get(url("detail", action.pk)))
    assert "Foto tidak menunjukkan ruang layanan" in page  # the note, above the report form
    assert "Lantai pemandu sudah dipasang" in page  # the previous report, to start from
    second = pdf_upload("foto-ruang.pdf", extra=b"dua")
    response = client.post(
        url("report", action.pk), {"report": "Foto ruang layanan", "attachments": [second], "version": action.version}
    )
    assert response.status_code == 302
    action = fresh(action)

    client.force_login(kanwil)
    response = client.post(url("review", action.pk), {"decision": "close", "note": "", "version": action.version})
    assert response.status_code == 302
    action = fresh(action)
    assert action.status == S.CLOSED
    assert audit_codes(action) == [
        "followup.confirm",
        "followup.report",
        "followup.send_back",
        "followup.report",
        "followup.close",
    ]
    # The history keeps every step: the send-back note, and each report with its own file.
    page = html(client.get(url("detail", action.pk)))
    assert "Sent back to the unit by Kanwil Maluku" in page
    assert "Verified and closed by Kanwil Maluku" in page
    first_report = page.index("Reported by Operator Ambon")
    second_report = page.index("Reported by Kepala Ambon")
    assert first_report < page.index("foto-lantai.pdf") < page.index("Foto tidak menunjukkan") < second_report
    assert page.index("foto-ruang.pdf") > second_report
    assert url("confirm", action.pk) not in page and url("review", action.pk) not in page


def test_dismissal_needs_a_reason(client, action, ditjen):
    client.force_login(ditjen)
    response = client.post(url("dismiss", action.pk), {"reason": " ", "version": action.version})
    assert response.status_code == 400
    assert "Give the reason why this action is not needed." in html(response)
    response = client.post(url("dismiss", action.pk), {"reason": "Sudah tidak relevan", "version": action.version})
    assert response.status_code == 302
    assert fresh(action).status == S.DISMISSED
    assert audit_codes(action) == ["followup.dismiss"]


# ---------------------------------------------------------------- refusals


def test_the_unit_cannot_confirm_dismiss_or_close(client, action, operator, kepala, kanwil):
    for person in (operator, kepala):
        client.force_login(person)
        data = {"action": "x", "due_date": "2099-01-01", "version": action.version}
        assert client.post(url("confirm", action.pk), data).status_code == 403
        assert client.post(url("dismiss", action.pk), {"reason": "x", "version": action.version}).status_code == 403
    action = confirm(action, kanwil)
    services.follow_up_report(actor=operator, action=action, report="x", files=[pdf_upload()], version=action.version)
    action = fresh(action)
    client.force_login(operator)
    response = client.post(url("review", action.pk), {"decision": "close", "version": action.version})
    assert response.status_code == 403
    assert fresh(action).status == S.REPORTED
    assert audit_codes(action) == ["followup.confirm", "followup.report"]


def test_the_kanwil_cannot_report_nor_confirm_its_own_units_actions(client, action, kanwil, tree):
    own = extra_action(action, tree.kanwil_maluku, "K9.99")
    client.force_login(kanwil)
    data = {"action": "x", "due_date": "2099-01-01", "version": own.version}
    assert client.post(url("confirm", own.pk), data).status_code == 403
    assert fresh(own).status == S.PROPOSED
    confirm(action, kanwil)
    response = client.post(url("report", action.pk), {"report": "x", "attachments": [pdf_upload()], "version": 2})
    assert response.status_code == 403


def test_a_report_in_the_wrong_state_is_refused_with_the_text_kept(client, action, operator):
    client.force_login(operator)
    response = client.post(
        url("report", action.pk),
        {"report": "Laporan terlalu dini", "attachments": [pdf_upload()], "version": action.version},
    )
    assert response.status_code == 409
    assert "that step is not possible now" in html(response)
    assert "Laporan terlalu dini" in html(response)
    assert fresh(action).status == S.PROPOSED
    assert not FollowUpEvidence.objects.exists()


def test_a_file_is_checked_by_its_content_not_its_name(client, action, kanwil, operator):
    action = confirm(action, kanwil)
    client.force_login(operator)
    fake = SimpleUploadedFile("laporan.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    response = client.post(
        url("report", action.pk), {"report": "Teks yang diketik", "attachments": [fake], "version": action.version}
    )
    assert response.status_code == 415
    assert "This file is not one of the allowed kinds" in html(response)
    assert "Teks yang diketik" in html(response)  # what was typed is kept
    assert fresh(action).status == S.CONFIRMED
    assert not FollowUpEvidence.objects.exists()
    # Without any file the first report is refused too, with the reason on the files field.
    response = client.post(url("report", action.pk), {"report": "Tanpa berkas", "version": action.version})
    assert response.status_code == 400
    assert "Attach at least one file showing what was done." in html(response)
    assert 'id="id_attachments_error"' in html(response)


def test_a_stale_version_is_refused_and_the_typed_text_kept(client, action, kanwil, ditjen):
    old = action.version
    confirm(action, ditjen)
    client.force_login(kanwil)
    due = (today() + dt.timedelta(days=60)).isoformat()
    response = client.post(url("confirm", action.pk), {"action": "Teks Kanwil", "due_date": due, "version": old})
    assert response.status_code == 409
    assert "Someone changed this follow-up action in the meantime" in html(response)
    assert "Teks Kanwil" in html(response)
    assert fresh(action).action == "Pasang lantai pemandu"  # nothing overwritten
    assert "Pasang lantai pemandu" in html(response)  # and the page shows the other person's change


def test_a_due_date_in_the_past_is_refused_with_the_text_kept(client, action, kanwil):
    client.force_login(kanwil)
    response = client.post(
        url("confirm", action.pk),
        {"action": "Perbaiki SOP", "due_date": today().isoformat(), "version": action.version},
    )
    assert response.status_code == 400
    assert "The due date must be after today." in html(response)
    assert "Perbaiki SOP" in html(response)
    response = client.post(url("confirm", action.pk), {"action": "", "due_date": "", "version": action.version})
    assert response.status_code == 400
    assert "Describe what the unit must do." in html(response) and "Enter the due date." in html(response)
    assert fresh(action).status == S.PROPOSED


# ---------------------------------------------------------------- evidence


def test_evidence_is_downloaded_only_by_those_who_see_the_action(
    client, action, kanwil, operator, ditjen, sibling_operator, other_kanwil, verifier, outsider
):
    action = confirm(action, kanwil)
    services.follow_up_report(
        actor=operator, action=action, report="x", files=[pdf_upload("bukti.pdf")], version=action.version
    )
    item = FollowUpEvidence.objects.get()
    assert default_storage.exists(item.storage_name)
    for person in (operator, kanwil, ditjen):
        client.force_login(person)
        response = client.get(url("evidence", item.pk))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert 'filename="bukti.pdf"' in response["Content-Disposition"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(PDF_BYTES)
    for person in (sibling_operator, other_kanwil, verifier, outsider):
        client.force_login(person)
        assert client.get(url("evidence", item.pk)).status_code == 404, person
    assert client.get(url("evidence", item.pk + 1000)).status_code == 404


# ---------------------------------------------------------------- bulk confirmation


def test_ditjen_confirms_several_actions_at_once_with_one_template(client, action, ditjen, tree):
    own = extra_action(action, tree.kanwil_maluku, "K9.99")
    client.force_login(ditjen)
    page = html(client.get(LIST))
    assert f'name="actions" value="{action.pk}"' in page and f'name="actions" value="{own.pk}"' in page
    due = (today() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        url("bulk_confirm"),
        {"actions": [action.pk, own.pk], "action": "Tindak lanjuti {indicator}", "due_date": due, "next": "sort=unit"},
    )
    assert response.status_code == 302
    assert response["Location"] == LIST + "?sort=unit"
    assert "2 follow-up actions were confirmed." in messages_of(response)
    assert fresh(action).action == f"Tindak lanjuti {action.indicator_code}"
    assert fresh(own).action == "Tindak lanjuti K9.99"
    assert audit_codes(action) == ["followup.confirm"] and audit_codes(own) == ["followup.confirm"]


def test_the_kanwils_bulk_skips_its_own_units_action_and_says_so(client, action, kanwil, tree):
    own = extra_action(action, tree.kanwil_maluku, "K9.99")
    client.force_login(kanwil)
    page = html(client.get(LIST))
    assert f'name="actions" value="{action.pk}"' in page
    assert f'name="actions" value="{own.pk}"' not in page  # its own: not tickable
    due = (today() + dt.timedelta(days=30)).isoformat()
    response = client.post(url("bulk_confirm"), {"actions": [action.pk, own.pk], "action": "Perbaiki", "due_date": due})
    assert response.status_code == 302
    shown = messages_of(response)
    assert "1 follow-up action was confirmed." in shown
    assert any("1 action was skipped" in m and "Kanwil Maluku, K9.99" in m for m in shown)
    assert fresh(action).status == S.CONFIRMED and fresh(own).status == S.PROPOSED


def test_a_refused_bulk_confirms_nothing_and_keeps_the_ticks(client, action, ditjen, tree, operator):
    other = extra_action(action, tree.rutan_ambon, "K1.01")
    client.force_login(ditjen)
    response = client.post(url("bulk_confirm"), {"action": "Perbaiki", "due_date": "2099-01-01"})
    assert response.status_code == 400
    assert "Tick at least one proposed action." in html(response)
    response = client.post(
        url("bulk_confirm"),
        {"actions": [action.pk, other.pk], "action": "Teks massal", "due_date": today().isoformat()},
    )
    assert response.status_code == 400
    assert "The due date must be after today." in html(response)
    assert "Teks massal" in html(response)
    assert f'value="{action.pk}" id="tick-{action.pk}" form="bulk-form" checked' in html(response)
    assert FollowUpAction.objects.filter(status=S.CONFIRMED).count() == 0  # all or nothing
    client.force_login(operator)
    due = (today() + dt.timedelta(days=30)).isoformat()
    response = client.post(url("bulk_confirm"), {"actions": [action.pk], "action": "x", "due_date": due})
    assert response.status_code == 403


# ---------------------------------------------------------------- next year's assessment page


def _to_last_year(action: FollowUpAction) -> FollowUpAction:
    period = Period.objects.get_or_create(year=action.period.year - 1, defaults={"regulation_label": "Permenkumham"})[0]
    FollowUpAction.objects.filter(pk=action.pk).update(period=period)
    return fresh(action)


def test_open_follow_ups_of_last_year_show_next_to_the_indicator(client, action, kanwil, operator, verifier):
    year = action.period.year
    action = _to_last_year(confirm(action, kanwil, days=10))
    page_url = reverse("assessments:page", args=[year, action.unit.code])
    client.force_login(operator)
    page = html(client.get(page_url))
    card = page[page.index(f'id="ind-{action.indicator_code.replace(".", "-")}"') :]
    card = card[: card.index("</article>")]
    due = action.due_date
    assert f"Open follow-up from {year - 1}: Pasang lantai pemandu" in card
    assert url("detail", action.pk) in card
    assert "overdue" not in card
    assert unresolved(page) == []
    with time_machine.travel(dt.datetime.combine(due + dt.timedelta(days=2), dt.time(12), tzinfo=dt.UTC)):
        client.force_login(operator)  # the session of twelve days ago has expired
        card = html(client.get(page_url))
        assert "overdue" in card[card.index("Open follow-up from") :]
    # A verifier reads the assessment but not the follow-up: the badge, without a link to a page they cannot open.
    client.force_login(verifier)
    page = html(client.get(page_url))
    assert f"Open follow-up from {year - 1}" in page and url("detail", action.pk) not in page


def test_the_assessment_page_reads_the_follow_ups_in_one_query(client, action, kanwil, operator):
    year = action.period.year
    _to_last_year(action)
    page_url = reverse("assessments:page", args=[year, action.unit.code])
    client.force_login(operator)

    def count() -> int:
        client.get(page_url)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page_url)
        assert response.status_code == 200
        return len(queries)

    one = count()
    codes = list(
        action.result.assessment.instrument.indicators.exclude(code=action.indicator_code).values_list(
            "code", flat=True
        )[:3]
    )
    for code in codes:
        extra_action(fresh(action), action.unit, code)
    assert html(client.get(page_url)).count("Open follow-up from") == 4
    assert count() == one
