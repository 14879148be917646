"""The unit's side of a repair round on the assessment page: the banner with what was returned and until when,
only the returned indicators editable (and nothing past the due date), the head sending the repairs back,
and the verifier's verdicts shown to the unit once it has been told them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from p2ham.assessments.models import Answer, Assessment, Evidence
from p2ham.assessments.tests.fixtures import pdf_upload
from p2ham.assessments.tests.test_views import HTMX, english, messages_of, unresolved, url
from p2ham.core.templatetags.p2ham import local_datetime
from p2ham.notifications.models import Notification
from p2ham.reviews import services as review_services
from p2ham.reviews.models import ReasonCode, RevisionRequest, Verdict, Verification
from p2ham.reviews.tests.fixtures import verify_all

pytestmark = pytest.mark.django_db

S = Assessment.Status
REASON = "bukti-tidak-lengkap"
REPAIR_NOTE = "Lampirkan SK yang ditandatangani kepala unit."
ROUND_NOTE = "Dua indikator perlu dilengkapi."
REJECT_NOTE = "Foto tidak menunjukkan ramp yang dimaksud."


@pytest.fixture(autouse=True)
def _english(client):
    english(client)


def _codes(assessment: Assessment) -> list[str]:
    return list(assessment.instrument.indicators.order_by("code").values_list("code", flat=True))


def _options(assessment: Assessment, code: str) -> list[Any]:
    return list(assessment.instrument.indicators.get(code=code).scale.options.all())


def _status(assessment: Assessment) -> str:
    return Assessment.objects.get(pk=assessment.pk).status


def _unit_today(assessment: Assessment) -> dt.date:
    return timezone.localdate(timezone=assessment.unit.province.tzinfo)


@pytest.fixture
def returned(in_verification, verifier) -> dict[str, Any]:
    """Two indicators returned for repair (round 1, due in a week); the third rejected with another answer;
    every other one accepted as the unit answered."""
    a = in_verification
    first, second, third = _codes(a)[:3]
    for code in (first, second):
        review_services.verification_save(
            actor=verifier,
            assessment=a,
            indicator_code=code,
            verdict=Verdict.NEEDS_REPAIR,
            reason_code=REASON,
            note=REPAIR_NOTE,
        )
    unit_answer = Answer.objects.get(assessment=a, indicator_code=third).option_id
    other = next(o for o in _options(a, third) if o.pk != unit_answer)
    review_services.verification_save(
        actor=verifier,
        assessment=a,
        indicator_code=third,
        verdict=Verdict.REJECTED,
        option_id=other.pk,
        reason_code="jawaban-tidak-sesuai-bukti",
        note=REJECT_NOTE,
    )
    verify_all(a, verifier, skip=(first, second, third))
    request = review_services.verification_return(
        actor=verifier, assessment=a, due_date=_unit_today(a) + dt.timedelta(days=7), note=ROUND_NOTE
    )
    a.refresh_from_db()
    assert a.status == S.RETURNED
    return {"assessment": a, "returned": (first, second), "rejected": third, "other": other, "round": request}


def _after_due(data: dict[str, Any]) -> Any:
    """A clock the morning after the repair due date (log in inside it)."""
    due = data["round"].due_at + dt.timedelta(hours=10)
    return time_machine.travel(due, tick=False)


def _editable_codes(html: str, assessment: Assessment) -> set[str]:
    """The indicators whose answer form the page prints."""
    return {code for code in _codes(assessment) if f'hx-post="{url("answer", assessment, code)}"' in html}


def _upload_codes(html: str, assessment: Assessment) -> set[str]:
    return {code for code in _codes(assessment) if f'action="{url("evidence_upload", assessment, code)}"' in html}


# ---------------------------------------------------------------- the banner and what can be edited


@pytest.mark.parametrize("who", ["operator", "kepala"])
def test_the_banner_lists_the_returned_indicators_with_the_due_date(request, client, returned, who):
    a = returned["assessment"]
    first, second = returned["returned"]
    client.force_login(request.getfixturevalue(who))
    response = client.get(url("page", a))
    assert response.status_code == 200
    html = response.content.decode()
    due = local_datetime(returned["round"].due_at, a.unit)
    assert f"Returned for repair, round 1, due {due}" in html
    assert "7 days left." in html
    assert ROUND_NOTE in html
    assert "2 indicators to repair" in html
    reason = ReasonCode.objects.get(code=REASON).label
    for code in (first, second):
        anchor = "#ind-" + code.replace(".", "-")
        assert f'<a href="{anchor}">{code}</a> — {reason}: {REPAIR_NOTE}' in html
        assert f'id="{anchor[1:]}"' in html  # the link has a target on the page
    assert unresolved(html) == []


def test_only_the_returned_indicators_are_editable_for_the_operator(client, returned, operator):
    a = returned["assessment"]
    client.force_login(operator)
    html = client.get(url("page", a)).content.decode()
    assert _editable_codes(html, a) == set(returned["returned"])
    assert _upload_codes(html, a) == set(returned["returned"])
    assert html.count('name="option"') == sum(len(_options(a, c)) for c in returned["returned"])
    # Remove buttons only on the files of the returned indicators.
    files = Evidence.objects.filter(answer__assessment=a, superseded_at=None, removed_at=None)
    for evidence in files:
        removable = f"/bukti/{evidence.pk}/hapus/" in html
        assert removable == (evidence.answer.indicator_code in returned["returned"]), evidence.answer.indicator_code
    assert "When the repairs are done, the head of the unit sends them back to the verifier" in html
    assert reverse("assessments:resubmit", args=[a.period.year, a.unit.code]) not in html


@pytest.mark.parametrize("who", ["kepala", "kanwil", "verifier", "ditjen"])
def test_everyone_else_reads_the_returned_assessment_without_forms(request, client, returned, who):
    a = returned["assessment"]
    client.force_login(request.getfixturevalue(who))
    html = client.get(url("page", a)).content.decode()
    assert 'name="option"' not in html
    assert _upload_codes(html, a) == set()
    assert "/hapus/" not in html
    assert "Returned for repair, round 1" in html


def test_the_filter_shows_only_the_returned_indicators(client, returned, operator):
    a = returned["assessment"]
    client.force_login(operator)
    response = client.get(url("page", a) + "?tampil=perbaikan")
    shown = [row.indicator.code for c in response.context["criteria"] for row in c.indicators]
    assert shown == sorted(returned["returned"])


def test_saving_a_returned_indicator_works(client, returned, operator):
    a = returned["assessment"]
    code = returned["returned"][0]
    answer = Answer.objects.get(assessment=a, indicator_code=code)
    new = next(o for o in _options(a, code) if o.pk != answer.option_id)
    client.force_login(operator)
    data = {"option": new.pk, "note": "SK terlampir.", "version": answer.version}
    response = client.post(url("answer", a, code), data)
    assert response.status_code == 302
    assert messages_of(response)[-1] == f"Answer to {code} saved."
    answer.refresh_from_db()
    assert (answer.option_id, answer.note) == (new.pk, "SK terlampir.")


def test_saving_an_indicator_that_was_not_returned_is_refused(client, returned, operator):
    a = returned["assessment"]
    code = returned["rejected"]
    answer = Answer.objects.get(assessment=a, indicator_code=code)
    before = (answer.option_id, answer.note, answer.version)
    new = next(o for o in _options(a, code) if o.pk != answer.option_id)
    client.force_login(operator)
    data = {"option": new.pk, "note": "Diubah.", "version": answer.version}
    response = client.post(url("answer", a, code), data)
    assert response.status_code == 302
    assert messages_of(response)[-1] == (
        f"Indicator {code} was not returned for repair; only the returned indicators can be changed."
    )
    response = client.post(url("answer", a, code), data, **HTMX)
    assert response.status_code == 409
    assert "was not returned for repair" in response.content.decode()
    answer.refresh_from_db()
    assert (answer.option_id, answer.note, answer.version) == before


def test_evidence_goes_only_to_the_returned_indicators(client, returned, operator):
    a = returned["assessment"]
    code = returned["returned"][0]
    other = returned["rejected"]
    client.force_login(operator)
    response = client.post(url("evidence_upload", a, code), {"file": pdf_upload("sk.pdf", b"sk")})
    assert response.status_code == 302 and messages_of(response)[-1] == f"File saved for {code}."
    response = client.post(url("evidence_upload", a, other), {"file": pdf_upload("x.pdf", b"x")}, **HTMX)
    assert response.status_code == 409
    assert "was not returned for repair" in response.content.decode()
    assert not Evidence.objects.filter(answer__assessment=a, original_name="x.pdf").exists()
    kept = Evidence.objects.filter(answer__assessment=a, answer__indicator_code=other, removed_at=None).first()
    response = client.post(reverse("assessments:evidence_remove", args=[kept.pk]))
    assert "was not returned for repair" in messages_of(response)[-1]
    kept.refresh_from_db()
    assert kept.removed_at is None


def test_the_evidence_block_of_a_returned_indicator_stays_editable_after_an_upload(client, returned, operator):
    a = returned["assessment"]
    code = returned["returned"][0]
    client.force_login(operator)
    response = client.post(url("evidence_upload", a, code), {"file": pdf_upload("sk.pdf", b"sk2")}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="{url("evidence_upload", a, code)}"' in html and "/hapus/" in html


# ---------------------------------------------------------------- past the due date


def test_past_the_due_date_nothing_can_be_changed_or_sent_back(client, returned, operator, kepala):
    a = returned["assessment"]
    code = returned["returned"][0]
    answer = Answer.objects.get(assessment=a, indicator_code=code)
    new = next(o for o in _options(a, code) if o.pk != answer.option_id)
    with _after_due(returned):
        client.force_login(operator)
        html = client.get(url("page", a)).content.decode()
        assert "The due date has passed." in html
        assert "The due date has passed: this indicator stays as it was." in html
        assert 'name="option"' not in html and "/hapus/" not in html and _upload_codes(html, a) == set()
        response = client.post(url("answer", a, code), {"option": new.pk, "note": "Terlambat.", "version": 0})
        assert messages_of(response)[-1].startswith("The repair was due on ")
        client.force_login(kepala)
        html = client.get(url("page", a)).content.decode()
        assert "Send the repairs back to the verifier" not in html
        response = client.post(url("resubmit", a), {"confirm": "1", "version": a.version})
        assert response.status_code == 409
        assert "The repair was due on" in response.content.decode()
    answer.refresh_from_db()
    assert answer.option_id != new.pk and answer.note != "Terlambat."
    assert _status(a) == S.RETURNED


# ---------------------------------------------------------------- sending the repairs back


def test_the_head_sends_the_repairs_back(client, returned, operator, kepala, verifier):
    a = returned["assessment"]
    first = returned["returned"][0]
    answer = Answer.objects.get(assessment=a, indicator_code=first)
    client.force_login(operator)
    data = {"option": answer.option_id, "note": "SK terlampir.", "version": answer.version}
    assert messages_of(client.post(url("answer", a, first), data))[-1] == f"Answer to {first} saved."
    client.force_login(kepala)
    html = client.get(url("page", a)).content.decode()
    assert f'href="{url("resubmit", a)}"' in html
    response = client.get(url("resubmit", a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The note was changed." in html
    assert "1 returned indicator has not been changed." in html  # the second one
    assert 'name="confirm"' in html
    response = client.post(url("resubmit", a), {"confirm": "1", "version": a.version})
    assert response.status_code == 302 and response["Location"] == url("page", a)
    assert messages_of(response)[-1] == "The repairs of round 1 have been sent back to the verifier."
    assert _status(a) == S.IN_VERIFICATION
    assert RevisionRequest.objects.get(assessment=a, round=1).resubmitted
    assert Notification.objects.filter(recipient=verifier, title__contains="sent back its repairs (round 1)").exists()


def test_sending_back_needs_the_confirmation(client, returned, kepala):
    a = returned["assessment"]
    client.force_login(kepala)
    response = client.post(url("resubmit", a), {"version": a.version})
    assert response.status_code == 400
    assert "Tick the box to confirm that the repairs are final." in response.content.decode()
    assert _status(a) == S.RETURNED


def test_a_stale_page_is_refused_with_a_clear_message(client, returned, kepala):
    a = returned["assessment"]
    client.force_login(kepala)
    response = client.post(url("resubmit", a), {"confirm": "1", "version": a.version - 1})
    assert response.status_code == 409
    assert "Someone changed this assessment in the meantime." in response.content.decode()
    assert _status(a) == S.RETURNED


@pytest.mark.parametrize("who", ["operator", "kanwil"])
def test_only_the_head_sends_the_repairs_back(request, client, returned, who):
    a = returned["assessment"]
    client.force_login(request.getfixturevalue(who))
    html = client.get(url("resubmit", a)).content.decode()
    assert 'name="confirm"' not in html
    assert "Only the head of the unit sends the repairs back." in html
    response = client.post(url("resubmit", a), {"confirm": "1", "version": a.version})
    assert response.status_code == 403
    assert "Only the head of this unit sends the repairs back." in response.content.decode()
    assert _status(a) == S.RETURNED


@pytest.mark.parametrize("who", ["sibling_operator", "other_kanwil", "outsider"])
def test_people_outside_the_unit_cannot_even_see_it(request, client, returned, who):
    a = returned["assessment"]
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("resubmit", a)).status_code == 404
    assert client.post(url("resubmit", a), {"confirm": "1", "version": a.version}).status_code == 404
    assert _status(a) == S.RETURNED


def test_the_resubmit_page_of_an_assessment_not_returned_says_so(client, in_verification, kepala):
    client.force_login(kepala)
    html = client.get(url("resubmit", in_verification)).content.decode()
    assert "This assessment is not waiting for repairs." in html and 'name="confirm"' not in html
    response = client.post(url("resubmit", in_verification), {"confirm": "1", "version": in_verification.version})
    assert response.status_code == 409
    assert "This assessment is not waiting for repairs." in response.content.decode()


# ---------------------------------------------------------------- the verdicts the unit sees


def test_no_verdict_is_shown_while_the_first_verification_goes_on(client, in_verification, verifier, operator):
    verify_all(in_verification, verifier)
    client.force_login(operator)
    html = client.get(url("page", in_verification)).content.decode()
    assert "Verifier&#x27;s verdict" not in html and "Verifier's verdict" not in html
    assert "The verifier is checking this assessment." in html


def test_the_verdicts_appear_for_the_unit_after_the_return(client, returned, operator):
    a = returned["assessment"]
    client.force_login(operator)
    response = client.get(url("page", a))
    html = response.content.decode()
    rows = {row.indicator.code: row for row in response.context["page"].rows}
    rejected = rows[returned["rejected"]]
    assert rejected.verdict.verdict == Verdict.REJECTED
    assert str(Verdict.REJECTED.label) in html
    assert f"{returned['other'].label} <span" in html  # the verified answer, which differs from the unit's
    assert "the unit answered “" in html
    assert ReasonCode.objects.get(code="jawaban-tidak-sesuai-bukti").label in html
    assert REJECT_NOTE in html
    assert html.count(str(Verdict.ACCEPTED.label)) == len(_codes(a)) - 3
    for code in returned["returned"]:
        assert rows[code].repair is not None and rows[code].editable
    assert "Repair rounds (1)" in html


def test_after_the_repairs_only_what_the_unit_was_told_is_shown(client, returned, kepala, verifier, operator):
    a = returned["assessment"]
    first, _second = returned["returned"]
    review_services.verification_resubmit(actor=kepala, assessment=a)
    a.refresh_from_db()
    # The verifier re-judges the rejected indicator: that new verdict stays with the verifier for now.
    version = Verification.objects.get(assessment=a, indicator_code=returned["rejected"]).version
    review_services.verification_save(
        actor=verifier,
        assessment=a,
        indicator_code=returned["rejected"],
        verdict=Verdict.ACCEPTED,
        option_id=returned["other"].pk,
        version=version,
    )
    client.force_login(operator)
    response = client.get(url("page", a))
    html = response.content.decode()
    rows = {row.indicator.code: row for row in response.context["page"].rows}
    assert rows[returned["rejected"]].verdict is None
    assert rows[first].repair is not None and not rows[first].editable
    assert "the verifier is checking this indicator again" in html
    assert "The verifier is checking the repairs." in html
    assert 'name="option"' not in html
    assert "repairs sent back" in html  # the round's history


def test_after_the_due_date_the_unit_sees_that_the_verifier_went_on(client, returned, verifier, operator):
    a = returned["assessment"]
    with _after_due(returned):
        review_services.verification_resume(actor=verifier, assessment=a)
        client.force_login(operator)
        html = client.get(url("page", a)).content.decode()
    assert "the verifier continues with this indicator as it was" in html
    assert "closed by the due date" in html
    assert 'name="option"' not in html


def test_when_verification_is_complete_every_verdict_and_round_is_shown(client, returned, kepala, verifier, operator):
    a = returned["assessment"]
    review_services.verification_resubmit(actor=kepala, assessment=a)
    a.refresh_from_db()
    for code in returned["returned"]:
        current = Verification.objects.get(assessment=a, indicator_code=code)
        review_services.verification_save(
            actor=verifier,
            assessment=a,
            indicator_code=code,
            verdict=Verdict.ACCEPTED,
            option_id=_options(a, code)[0].pk,
            version=current.version,
        )
    review_services.verification_complete(actor=verifier, assessment=a)
    a.refresh_from_db()
    assert a.status == S.VERIFIED
    client.force_login(operator)
    response = client.get(url("page", a))
    html = response.content.decode()
    assert all(row.verdict is not None and row.repair is None for row in response.context["page"].rows)
    assert "Verification completed" in html
    assert f"{Verdict.ACCEPTED.label}: <strong>{len(_codes(a)) - 1}</strong>" in html
    assert "Repair rounds (1)" in html and REPAIR_NOTE in html


def test_the_returned_page_does_not_load_verdicts_one_by_one(client, returned, operator):
    """Every verdict with a reason, a note and another answer costs the same queries as plain acceptances."""
    a = returned["assessment"]
    client.force_login(operator)
    client.get(url("page", a))  # warm-up
    with CaptureQueriesContext(connection) as plain:
        client.get(url("page", a))
    reason = ReasonCode.objects.get(code="lainnya")
    for verification in Verification.objects.filter(assessment=a, verdict=Verdict.ACCEPTED):
        verification.reason, verification.note = reason, "Catatan."
        verification.option = next(
            o for o in _options(a, verification.indicator_code) if o.pk != verification.option_id
        )
        verification.save()
    with CaptureQueriesContext(connection) as detailed:
        response = client.get(url("page", a))
    assert response.content.decode().count("Catatan.") == len(_codes(a)) - 3
    assert len(detailed) == len(plain), "\n".join(q["sql"][:160] for q in detailed.captured_queries)


# ---------------------------------------------------------------- the list


def test_the_list_shows_the_repair_due_date(client, returned, operator, kanwil):
    a = returned["assessment"]
    due = local_datetime(returned["round"].due_at, a.unit)
    for person in (operator, kanwil):
        client.force_login(person)
        html = client.get(reverse("assessments:list") + "?status=returned").content.decode()
        assert a.unit.name in html
        assert f"repair due {due}" in html
    with _after_due(returned):
        client.force_login(operator)
        html = client.get(reverse("assessments:list") + "?status=returned").content.decode()
        assert f"repair was due {due}" in html
