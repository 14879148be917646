"""The verification page through the test client: who may see it and act on it, saving a verdict with htmx
and without JavaScript, typed values kept on a refusal, a stale save showing the other verifier's verdict,
returning for repair, continuing after the due date, closing verification, what changed in a round, and the
evidence shown inline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from p2ham.assessments import services as assessment_services
from p2ham.assessments.models import Assessment, Evidence
from p2ham.assessments.tests.test_views import english
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.reviews import selectors, services
from p2ham.reviews.models import RevisionRequest, Verdict, Verification
from p2ham.reviews.tests.fixtures import verify_all

pytestmark = pytest.mark.django_db

S = Assessment.Status
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "verification-main"}


def page_url(a: Assessment, code: str = "") -> str:
    url = reverse("verification:page", args=[a.period.year, a.unit.code])
    return url + (f"?i={code}" if code else "")


def action_url(a: Assessment, name: str, *args: Any) -> str:
    return reverse(f"verification:{name}", args=[a.period.year, a.unit.code, *args])


def codes(a: Assessment) -> list[str]:
    """The indicator codes in the page's order."""
    return [r.indicator.code for r in selectors.verification_page(assessment=a).rows]


def unit_option(a: Assessment, code: str) -> int:
    return a.answers.get(indicator_code=code).option_id


def mark_repair(a: Assessment, verifier: Any, code: str, note: str = "Lampirkan SK yang ditandatangani.") -> None:
    services.verification_save(
        actor=verifier,
        assessment=a,
        indicator_code=code,
        verdict=Verdict.NEEDS_REPAIR,
        reason_code="bukti-tidak-lengkap",
        note=note,
    )


# ---------------------------------------------------------------- who sees the page


def test_the_assigned_verifier_gets_the_first_indicator_with_the_form(client, in_verification, verifier):
    english(client)
    client.force_login(verifier)
    response = client.get(page_url(in_verification))
    assert response.status_code == 200
    first = codes(in_verification)[0]
    assert response.context["code"] == first
    body = response.content.decode()
    assert 'name="verdict"' in body and 'value="needs_repair"' in body
    assert f"0 of {len(codes(in_verification))} with a final verdict" in body
    assert "Keyboard shortcuts" in body and "reviews/verification.js" in body
    # The unit's evidence is shown in the page: PDFs in a frame, images as images.
    row = response.context["row"]
    assert row.evidence
    for e in row.evidence:
        if e.blob.kind == "pdf":
            assert f'src="{action_url(in_verification, "evidence", e.pk)}"' in body
        else:
            assert f'src="{reverse("assessments:evidence_preview", args=[e.pk])}"' in body


def test_the_first_indicator_without_a_final_verdict_is_shown_by_default(client, in_verification, verifier):
    first, second = codes(in_verification)[:2]
    services.verification_save(
        actor=verifier,
        assessment=in_verification,
        indicator_code=first,
        verdict=Verdict.ACCEPTED,
        option_id=unit_option(in_verification, first),
    )
    client.force_login(verifier)
    assert client.get(page_url(in_verification)).context["code"] == second
    assert client.get(page_url(in_verification, first)).context["code"] == first


def test_ditjen_reads_the_page_without_the_form(client, in_verification, ditjen):
    english(client)
    client.force_login(ditjen)
    response = client.get(page_url(in_verification))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="verdict"' not in body
    assert "Only the verifiers assigned to the assessment record verdicts" in body
    assert "Return for repair" not in body


@pytest.mark.parametrize("who", ["second_verifier", "operator", "kepala", "kanwil", "other_kanwil", "outsider"])
def test_anyone_else_does_not_find_the_page(client, in_verification, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(page_url(in_verification)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, in_verification):
    response = client.get(page_url(in_verification))
    assert response.status_code == 302 and "/akun/" in response["Location"]


# ---------------------------------------------------------------- saving a verdict


def test_an_htmx_save_records_the_verdict_and_brings_the_next_indicator(client, in_verification, verifier):
    english(client)
    first, second = codes(in_verification)[:2]
    client.force_login(verifier)
    response = client.post(
        action_url(in_verification, "save", first),
        {"verdict": Verdict.ACCEPTED, "option": unit_option(in_verification, first), "version": 0},
        **HTMX,
    )
    assert response.status_code == 200
    saved = Verification.objects.get(assessment=in_verification, indicator_code=first)
    assert saved.verdict == Verdict.ACCEPTED and saved.verified_by == verifier
    assert response.context["code"] == second
    assert response["HX-Push-Url"] == page_url(in_verification, second)
    body = response.content.decode()
    assert f"{first} saved: Accepted (Sesuai)." in body  # the live status region, out of band
    nav = body[body.index('<nav id="verification-nav"') :]
    assert 'hx-swap-oob="true"' in nav[: nav.index(">")]  # the badges and the progress, out of band
    assert "1 of" in body


def test_a_save_without_javascript_redirects_to_the_next_indicator(client, in_verification, verifier):
    first, second = codes(in_verification)[:2]
    client.force_login(verifier)
    response = client.post(
        action_url(in_verification, "save", first),
        {"verdict": Verdict.NOT_APPLICABLE, "reason": "tidak-berlaku-unit", "version": 0},
    )
    assert response.status_code == 302
    assert response["Location"] == page_url(in_verification, second)
    assert Verification.objects.get(indicator_code=first, assessment=in_verification).option is None


@pytest.mark.parametrize("htmx", [True, False])
def test_a_refused_save_keeps_what_was_typed(client, in_verification, verifier, htmx):
    english(client)
    first = codes(in_verification)[0]
    client.force_login(verifier)
    extra = HTMX if htmx else {}
    response = client.post(
        action_url(in_verification, "save", first),
        {"verdict": Verdict.NEEDS_REPAIR, "note": "Lampirkan notulen rapat yang asli.", "version": 0},
        **extra,
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choose the reason for this verdict." in body
    assert "Lampirkan notulen rapat yang asli.</textarea>" in body
    assert 'value="needs_repair" id="verdict-needs_repair" checked' in body
    assert not Verification.objects.filter(assessment=in_verification).exists()


def test_a_stale_save_shows_the_other_verdict_and_overwrites_nothing(
    client, in_verification, verifier, second_verifier, ditjen
):
    english(client)
    services.verifier_assign(actor=ditjen, assessment=in_verification, verifier=second_verifier)
    first = codes(in_verification)[0]
    client.force_login(verifier)
    client.get(page_url(in_verification, first))  # the form shows version 0
    mark_repair(in_verification, second_verifier, first, note="Catatan dari verifikator kedua.")
    response = client.post(
        action_url(in_verification, "save", first),
        {
            "verdict": Verdict.ACCEPTED,
            "option": unit_option(in_verification, first),
            "note": "Punya saya",
            "version": 0,
        },
        **HTMX,
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Verifikator Dua saved this verdict" in body and "yours was not saved" in body
    assert "Catatan dari verifikator kedua.</textarea>" in body  # the current values are loaded
    assert "Punya saya" not in body
    current = Verification.objects.get(assessment=in_verification, indicator_code=first)
    assert current.verdict == Verdict.NEEDS_REPAIR and current.verified_by == second_verifier
    assert f'name="version" value="{current.version}"' in body


def test_only_an_assigned_verifier_saves(client, in_verification, ditjen, second_verifier, operator):
    first = codes(in_verification)[0]
    data = {"verdict": Verdict.ACCEPTED, "option": unit_option(in_verification, first), "version": 0}
    client.force_login(ditjen)
    assert client.post(action_url(in_verification, "save", first), data).status_code == 403
    for person in (second_verifier, operator):
        client.force_login(person)
        assert client.post(action_url(in_verification, "save", first), data).status_code == 404
    assert not Verification.objects.exists()


def test_an_unknown_indicator_is_not_found(client, in_verification, verifier):
    client.force_login(verifier)
    response = client.post(action_url(in_verification, "save", "X9.99"), {"verdict": Verdict.ACCEPTED})
    assert response.status_code == 404


# ---------------------------------------------------------------- return, resume, complete


def test_return_for_repair_sends_back_the_marked_indicators(client, in_verification, verifier):
    english(client)
    first, second = codes(in_verification)[:2]
    mark_repair(in_verification, verifier, first)
    mark_repair(in_verification, verifier, second)
    client.force_login(verifier)
    page = client.get(page_url(in_verification)).content.decode()
    assert "Only these 2 indicators go back to the unit" in page
    due = timezone.localdate() + dt.timedelta(days=7)
    response = client.post(
        action_url(in_verification, "return"),
        {"due_date": due.isoformat(), "note": "Dua indikator", "confirm": "1", "version": in_verification.version},
    )
    assert response.status_code == 302
    in_verification.refresh_from_db()
    assert in_verification.status == S.RETURNED
    revision = RevisionRequest.objects.get(assessment=in_verification)
    assert {i.indicator_code for i in revision.items.all()} == {first, second}
    # The page is now read-only for the round and lists it.
    body = client.get(page_url(in_verification)).content.decode()
    assert 'name="verdict"' not in body and "Round 1" in body and "With the unit." in body


def test_a_refused_return_keeps_the_due_date_and_note(client, in_verification, verifier):
    english(client)
    mark_repair(in_verification, verifier, codes(in_verification)[0])
    client.force_login(verifier)
    past = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    response = client.post(
        action_url(in_verification, "return"),
        {"due_date": past, "note": "Perbaiki segera", "confirm": "1", "version": in_verification.version},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The due date cannot be in the past." in body
    assert f'value="{past}"' in body and "Perbaiki segera</textarea>" in body
    response = client.post(
        action_url(in_verification, "return"),
        {"due_date": past, "note": "Tanpa centang", "version": in_verification.version},
    )
    assert response.status_code == 400 and "Tick the box" in response.content.decode()
    in_verification.refresh_from_db()
    assert in_verification.status == S.IN_VERIFICATION


def test_verified_closes_verification_once_every_indicator_is_decided(client, in_verification, verifier):
    english(client)
    client.force_login(verifier)
    response = client.post(action_url(in_verification, "complete"), {"confirm": "1"})
    assert response.status_code == 400
    assert "Verification cannot be closed yet" in response.content.decode()
    verify_all(in_verification, verifier)
    page = client.get(page_url(in_verification)).content.decode()
    assert "Every indicator has a final verdict" in page
    response = client.post(
        action_url(in_verification, "complete"), {"confirm": "1", "version": in_verification.version}
    )
    assert response.status_code == 302
    in_verification.refresh_from_db()
    assert in_verification.status == S.VERIFIED
    assert "Verification is complete" in client.get(page_url(in_verification)).content.decode()


def test_after_the_due_date_the_verifier_continues(client, in_verification, verifier):
    english(client)
    mark_repair(in_verification, verifier, codes(in_verification)[0])
    services.verification_return(
        actor=verifier, assessment=in_verification, due_date=timezone.localdate() + dt.timedelta(days=1)
    )
    in_verification.refresh_from_db()
    client.force_login(verifier)
    assert "Continue verification" not in client.get(page_url(in_verification)).content.decode()
    response = client.post(action_url(in_verification, "resume"), {"version": in_verification.version})
    assert response.status_code == 409 and "may repair until" in response.content.decode()
    later = dt.datetime.combine(timezone.localdate() + dt.timedelta(days=4), dt.time(10, 0), tzinfo=REFERENCE_TZ)
    with time_machine.travel(later, tick=False):
        client.force_login(verifier)
        assert "Continue verification" in client.get(page_url(in_verification)).content.decode()
        response = client.post(action_url(in_verification, "resume"), {"version": in_verification.version})
        assert response.status_code == 302
    in_verification.refresh_from_db()
    assert in_verification.status == S.IN_VERIFICATION


def test_the_verifier_sees_what_changed_in_the_round(client, in_verification, verifier, operator, kepala):
    english(client)
    first, second = codes(in_verification)[:2]
    mark_repair(in_verification, verifier, first)
    mark_repair(in_verification, verifier, second)
    services.verification_return(
        actor=verifier, assessment=in_verification, due_date=timezone.localdate() + dt.timedelta(days=7)
    )
    in_verification.refresh_from_db()
    answer = in_verification.answers.get(indicator_code=first)
    assessment_services.answer_save(
        actor=operator, assessment=in_verification, indicator_code=first, option_id=answer.option_id, note="SK baru"
    )
    services.verification_resubmit(actor=kepala, assessment=in_verification)
    client.force_login(verifier)
    body = client.get(page_url(in_verification, first)).content.decode()
    assert "Changed since the last round" in body and "Note now:" in body and "SK baru" in body
    assert "Returned for repair in round 1" in body
    body = client.get(page_url(in_verification, second)).content.decode()
    assert "The unit changed nothing in this indicator." in body
    assert "Repairs sent back by Kepala Ambon" in body


def test_after_a_repair_the_form_proposes_the_units_repaired_answer(
    client, in_verification, verifier, operator, kepala
):
    code = codes(in_verification)[0]
    before = unit_option(in_verification, code)
    services.verification_save(
        actor=verifier,
        assessment=in_verification,
        indicator_code=code,
        verdict=Verdict.NEEDS_REPAIR,
        option_id=before,
        reason_code="bukti-tidak-lengkap",
        note="Jawaban tidak sesuai bukti.",
    )
    services.verification_return(
        actor=verifier, assessment=in_verification, due_date=timezone.localdate() + dt.timedelta(days=7)
    )
    in_verification.refresh_from_db()
    indicator = in_verification.instrument.indicators.get(code=code)
    repaired = next(o.pk for o in indicator.scale.options.all() if o.pk != before)
    assessment_services.answer_save(
        actor=operator, assessment=in_verification, indicator_code=code, option_id=repaired, note=""
    )
    services.verification_resubmit(actor=kepala, assessment=in_verification)
    client.force_login(verifier)
    body = client.get(page_url(in_verification, code)).content.decode()
    assert f'<option value="{repaired}" selected>' in body
    assert f'<option value="{before}" selected>' not in body


# ---------------------------------------------------------------- evidence in the page


def test_the_pdf_frame_is_served_to_the_page_only(client, in_verification, verifier, other_kanwil, ditjen):
    evidence = Evidence.objects.filter(answer__assessment=in_verification, blob__kind="pdf").first()
    assert evidence is not None
    url = action_url(in_verification, "evidence", evidence.pk)
    for person in (verifier, ditjen):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        assert response["X-Frame-Options"] == "SAMEORIGIN"
        assert response["Content-Security-Policy"] == "frame-ancestors 'self'"
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(other_kanwil)
    assert client.get(url).status_code == 404


def test_the_pdf_frame_refuses_a_file_of_another_assessment(
    client, in_verification, verifier, medan_assessment, medan_operator
):
    from p2ham.assessments.tests.fixtures import pdf_upload

    code = codes(in_verification)[0]
    other = assessment_services.evidence_add(
        actor=medan_operator, assessment=medan_assessment, indicator_code=code, uploaded=pdf_upload(extra=b"medan")
    )
    client.force_login(verifier)
    assert client.get(action_url(in_verification, "evidence", other.pk)).status_code == 404
