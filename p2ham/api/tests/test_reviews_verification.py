"""API v1 verification (stage 6): the verdict rows and who may read them, a verdict per indicator with its
stale-save refusal, the return for repair, the unit's resubmission, resuming after the due date and
"verified" — each with its refusals and the documented error body."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from p2ham.api.tests.helpers import assert_error
from p2ham.assessments.models import Assessment
from p2ham.reviews import services
from p2ham.reviews.models import RevisionRequest, Verdict, Verification
from p2ham.reviews.tests.fixtures import seat_panel, verify_all

pytestmark = pytest.mark.django_db

S = Assessment.Status
CODE = "K1.01"  # scale Ada / Proses / Tidak
OTHER = "K1.02"


def base(assessment, unit_code=None):
    return f"/api/v1/periods/{assessment.period.year}/assessments/{unit_code or assessment.unit.code}"


def verdict_url(assessment, code=CODE, unit_code=None):
    return f"{base(assessment, unit_code)}/answers/{code}/verification"


def option(assessment, label="Ada", code=CODE):
    return assessment.instrument.indicators.get(code=code).scale.options.get(label=label)


def unit_answer(assessment, code=CODE):
    return assessment.answers.get(indicator_code=code)


def due(days=7):
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def mark_for_repair(assessment, verifier, *codes):
    for code in codes:
        services.verification_save(
            actor=verifier,
            assessment=assessment,
            indicator_code=code,
            verdict=Verdict.NEEDS_REPAIR,
            reason_code="bukti-tidak-lengkap",
            note="Lampirkan SK yang ditandatangani.",
        )


def returned(assessment, verifier, *codes, days=7):
    """Everything accepted except ``codes``, which go back to the unit for repair."""
    verify_all(assessment, verifier, skip=codes)
    mark_for_repair(assessment, verifier, *codes)
    services.verification_return(
        actor=verifier, assessment=assessment, due_date=timezone.localdate() + dt.timedelta(days=days)
    )
    assessment.refresh_from_db()
    return assessment


def after_the_due_date(days=9):
    return time_machine.travel(timezone.now() + dt.timedelta(days=days), tick=False)


# --- reading ---------------------------------------------------------------------------------------------------


def test_assigned_verifier_reads_every_indicator_with_the_units_answer(client_for, verifier, in_verification):
    a = in_verification
    response = client_for(verifier).get(f"{base(a)}/verification")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "in_verification" and body["unit"]["code"] == "LAPAS-AMBON"
    assert len(body["indicators"]) == a.instrument.indicators.count() == body["progress"]["total"]
    row = next(r for r in body["indicators"] if r["code"] == CODE)
    assert row["answer"]["option_id"] == unit_answer(a).option_id
    assert row["evidence"] and row["evidence"][0]["download_url"].endswith("/download")
    assert row["verification"]["version"] == 0 and row["verification"]["verdict"] is None
    assert row["returned"] is None and row["change"] is None
    assert body["allowed"] == {
        "save": True,
        "return_for_repair": False,
        "complete": False,
        "resubmit": False,
        "resume": False,
    }
    assert body["open_round"] is None and body["rounds"] == []
    assert {"code": "bukti-tidak-lengkap", "label": "Data dukung tidak lengkap"} in body["reasons"]
    assert [v["username"] for v in body["verifiers"]] == ["verifikator"]


def test_ditjen_and_the_panel_read_the_verification(client_for, ditjen, assessors, in_verification):
    seat_panel(in_verification, ditjen, assessors[:2])

    for user in (ditjen, assessors[0]):
        response = client_for(user).get(f"{base(in_verification)}/verification")
        assert response.status_code == 200, (user, response.json())
        assert response.json()["allowed"]["save"] is False


@pytest.mark.parametrize("actor", ["operator", "kepala", "kanwil", "second_verifier"])
def test_verification_in_progress_is_not_shown_to_the_unit_nor_to_other_verifiers(
    client_for, request, in_verification, actor
):
    user = request.getfixturevalue(actor)

    assert_error(client_for(user).get(f"{base(in_verification)}/verification"), 404)


@pytest.mark.parametrize("actor", ["operator", "kepala", "kanwil"])
def test_the_unit_reads_the_verification_once_returned(client_for, request, verifier, in_verification, actor):
    returned(in_verification, verifier, CODE)
    user = request.getfixturevalue(actor)

    response = client_for(user).get(f"{base(in_verification)}/verification")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["open_round"]["indicators"] == [CODE] and body["open_round"]["round"] == 1
    assert body["open_round"]["due_date"] == due() and body["open_round"]["overdue"] is False
    row = next(r for r in body["indicators"] if r["code"] == CODE)
    assert row["returned"] == {
        "round": 1,
        "reason": "bukti-tidak-lengkap",
        "reason_label": "Data dukung tidak lengkap",
        "note": "Lampirkan SK yang ditandatangani.",
    }
    assert body["allowed"]["resubmit"] is (actor == "kepala")


def test_other_province_and_unassigned_verifier_get_404_even_after_return(
    client_for, verifier, other_kanwil, second_verifier, in_verification
):
    returned(in_verification, verifier, CODE)

    assert_error(client_for(other_kanwil).get(f"{base(in_verification)}/verification"), 404)
    assert_error(client_for(second_verifier).get(f"{base(in_verification)}/verification"), 404)


def test_no_role_is_403_and_no_token_is_401(client_for, api, outsider, in_verification):
    assert_error(client_for(outsider).get(f"{base(in_verification)}/verification"), 403)
    assert_error(api.get(f"{base(in_verification)}/verification"), 401)


def test_verification_page_queries_do_not_grow_with_the_verdicts(client_for, verifier, in_verification):
    api, url = client_for(verifier), f"{base(in_verification)}/verification"
    api.get(url)
    with CaptureQueriesContext(connection) as before:
        assert api.get(url).status_code == 200
    verify_all(in_verification, verifier)
    with CaptureQueriesContext(connection) as after:
        body = api.get(url).json()

    assert body["progress"]["decided"] == in_verification.instrument.indicators.count()
    assert len(after.captured_queries) == len(before.captured_queries)


# --- a verdict -------------------------------------------------------------------------------------------------


def test_verifier_accepts_with_the_units_answer_by_default(client_for, verifier, in_verification):
    a = in_verification
    response = client_for(verifier).put(verdict_url(a), {"verdict": "accepted", "version": 0}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["verdict"] == "accepted" and body["final"] is True and body["version"] == 1
    assert body["option_id"] == unit_answer(a).option_id
    assert body["verified_by"]["username"] == "verifikator" and response["ETag"] == '"1"'
    assert Verification.objects.get(assessment=a, indicator_code=CODE).verdict == Verdict.ACCEPTED


def test_verified_answer_may_differ_from_the_units_by_label(client_for, verifier, in_verification):
    response = client_for(verifier).put(
        verdict_url(in_verification),
        {"verdict": "accepted", "option_label": "tidak", "note": "Bukti tidak mendukung Ada", "version": 0},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["option_label"] == "Tidak"
    assert Verification.objects.get(indicator_code=CODE).option == option(in_verification, "Tidak")


def test_needs_repair_with_reason_and_note(client_for, verifier, in_verification):
    response = client_for(verifier).put(
        verdict_url(in_verification),
        {"verdict": "needs_repair", "reason": "bukti-tidak-lengkap", "note": "SK belum ditandatangani", "version": 0},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["final"] is False and body["reason"] == "bukti-tidak-lengkap" and body["round"] == 0


def test_invalid_verdict_input_is_400_per_field(client_for, verifier, in_verification):
    api = client_for(verifier)

    errors = assert_error(api.put(verdict_url(in_verification), {"verdict": "maybe", "version": 0}, format="json"), 400)
    assert "verdict" in errors["errors"]
    response = api.put(verdict_url(in_verification), {"verdict": "needs_repair", "version": 0}, format="json")
    assert {"reason", "note"} <= set(assert_error(response, 400, "invalid")["errors"])
    response = api.put(
        verdict_url(in_verification),
        {"verdict": "rejected", "reason": "nope", "option": option(in_verification, code=OTHER).pk, "version": 0},
        format="json",
    )
    assert {"reason"} <= set(assert_error(response, 400)["errors"])
    response = api.put(verdict_url(in_verification), {"verdict": "accepted", "option_label": "Mungkin", "version": 0})
    assert "option_label" in assert_error(response, 400)["errors"]
    assert "version" in assert_error(api.put(verdict_url(in_verification), {"verdict": "accepted"}), 400)["errors"]
    assert not Verification.objects.exists()


def test_option_of_another_scale_is_400(client_for, verifier, in_verification):
    foreign = in_verification.instrument.indicators.exclude(
        scale=in_verification.instrument.indicators.get(code=CODE).scale
    ).first()
    if foreign is None:
        pytest.skip("one scale only")
    response = client_for(verifier).put(
        verdict_url(in_verification),
        {"verdict": "accepted", "option": foreign.scale.options.first().pk, "version": 0},
        format="json",
    )

    assert "option" in assert_error(response, 400)["errors"]


def test_stale_verdict_is_409_with_the_current_one_and_nothing_changes(
    client_for, verifier, second_verifier, ditjen, in_verification
):
    services.verifier_assign(actor=ditjen, assessment=in_verification, verifier=second_verifier)
    first = client_for(verifier).put(verdict_url(in_verification), {"verdict": "accepted", "version": 0})
    assert first.status_code == 200

    response = client_for(second_verifier).put(
        verdict_url(in_verification),
        {"verdict": "needs_repair", "reason": "lainnya", "note": "Periksa lagi", "version": 0},
        format="json",
    )

    assert response.status_code == 409, response.json()
    body = response.json()
    assert set(body) == {"detail", "code", "errors", "current"} and body["code"] == "stale"
    assert body["current"]["verdict"] == "accepted" and body["current"]["version"] == 1
    assert body["current"]["verified_by"]["username"] == "verifikator"
    assert "Verifikator" in body["detail"]
    saved = Verification.objects.get(indicator_code=CODE)
    assert saved.verdict == Verdict.ACCEPTED and saved.version == 1 and saved.verified_by == verifier


def test_if_match_header_carries_the_version(client_for, verifier, in_verification):
    api = client_for(verifier)
    api.put(verdict_url(in_verification), {"verdict": "accepted", "version": 0}, format="json")

    response = api.put(verdict_url(in_verification), {"verdict": "not_applicable"}, format="json", HTTP_IF_MATCH='"1"')

    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2 and response.json()["option_id"] is None


@pytest.mark.parametrize("actor", ["second_verifier", "operator", "kanwil", "ditjen"])
def test_only_an_assigned_verifier_records_a_verdict(client_for, request, in_verification, actor):
    user = request.getfixturevalue(actor)

    response = client_for(user).put(verdict_url(in_verification), {"verdict": "accepted", "version": 0})

    assert_error(response, 403)
    assert not Verification.objects.exists()


def test_verdict_refusals_out_of_scope(client_for, api, verifier, other_kanwil, outsider, in_verification):
    body = {"verdict": "accepted", "version": 0}
    assert_error(client_for(other_kanwil).put(verdict_url(in_verification), body), 404)
    assert_error(client_for(outsider).put(verdict_url(in_verification), body), 403)
    assert_error(api.put(verdict_url(in_verification), body), 401)
    assert_error(client_for(verifier).put(verdict_url(in_verification, "NOPE"), body), 404)
    assert_error(client_for(verifier).put(verdict_url(in_verification, unit_code="LAPAS-MEDAN"), body), 404)


def test_no_verdict_while_the_unit_repairs(client_for, verifier, in_verification):
    returned(in_verification, verifier, CODE)

    response = client_for(verifier).put(verdict_url(in_verification, OTHER), {"verdict": "rejected", "version": 1})

    assert_error(response, 409, "illegal_transition")


# --- return, resubmit, resume ----------------------------------------------------------------------------------


def test_return_sends_back_only_the_indicators_needing_repair(client_for, verifier, operator, in_verification):
    verify_all(in_verification, verifier, skip=(CODE, OTHER))
    mark_for_repair(in_verification, verifier, CODE, OTHER)

    response = client_for(verifier).post(
        f"{base(in_verification)}/return", {"due_date": due(), "note": "Dua indikator"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["assessment"]["status"] == "returned"
    assert body["round"]["round"] == 1 and body["round"]["indicators"] == [CODE, OTHER]
    assert body["round"]["open"] is True and body["round"]["due_date"] == due()
    assert body["round"]["items"][0]["reason"] == "bukti-tidak-lengkap"
    in_verification.refresh_from_db()
    assert in_verification.status == S.RETURNED
    # The unit can now change only what was sent back.
    unit = client_for(operator)
    answers = f"{base(in_verification)}/answers"
    third = in_verification.instrument.indicators.exclude(code__in=[CODE, OTHER]).order_by("code").first()
    response = unit.put(
        f"{answers}/{third.code}", {"note": "x", "version": unit_answer(in_verification, third.code).version}
    )
    assert_error(response, 409)
    response = unit.put(f"{answers}/{CODE}", {"note": "SK terlampir", "version": unit_answer(in_verification).version})
    assert response.status_code == 200, response.json()


def test_return_input_errors(client_for, verifier, in_verification):
    mark_for_repair(in_verification, verifier, CODE)
    api, url = client_for(verifier), f"{base(in_verification)}/return"

    assert "due_date" in assert_error(api.post(url, {}, format="json"), 400)["errors"]
    assert "due_date" in assert_error(api.post(url, {"due_date": "31-12-2030"}, format="json"), 400)["errors"]
    assert "due_date" in assert_error(api.post(url, {"due_date": due(-1)}, format="json"), 400)["errors"]
    assert "due_date" in assert_error(api.post(url, {"due_date": due(400)}, format="json"), 400)["errors"]
    assert not RevisionRequest.objects.exists()


def test_return_with_nothing_marked_is_409(client_for, verifier, in_verification):
    verify_all(in_verification, verifier)

    response = client_for(verifier).post(f"{base(in_verification)}/return", {"due_date": due()}, format="json")

    assert_error(response, 409, "illegal_transition")


def test_return_with_a_stale_assessment_version_is_409(client_for, verifier, in_verification):
    mark_for_repair(in_verification, verifier, CODE)

    response = client_for(verifier).post(
        f"{base(in_verification)}/return", {"due_date": due(), "version": in_verification.version - 1}, format="json"
    )

    assert_error(response, 409, "stale")
    in_verification.refresh_from_db()
    assert in_verification.status == S.IN_VERIFICATION


@pytest.mark.parametrize("actor", ["second_verifier", "operator", "ditjen"])
def test_only_an_assigned_verifier_returns(client_for, request, verifier, in_verification, actor):
    mark_for_repair(in_verification, verifier, CODE)

    response = client_for(request.getfixturevalue(actor)).post(
        f"{base(in_verification)}/return", {"due_date": due()}, format="json"
    )

    assert_error(response, 403)


def test_head_of_unit_resubmits(client_for, verifier, kepala, in_verification):
    returned(in_verification, verifier, CODE)

    response = client_for(kepala).post(f"{base(in_verification)}/resubmit", {}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["assessment"]["status"] == "in_verification"
    assert body["round"]["open"] is False and body["round"]["resubmitted"] is True
    assert body["round"]["closed_by"]["username"] == "kepala_ambon"
    # The verifier sees what changed (nothing here) and continues.
    page = client_for(verifier).get(f"{base(in_verification)}/verification").json()
    row = next(r for r in page["indicators"] if r["code"] == CODE)
    assert row["change"]["any"] is False and page["open_round"] is None and len(page["rounds"]) == 1


@pytest.mark.parametrize("actor", ["operator", "verifier", "kanwil"])
def test_only_the_head_resubmits(client_for, request, verifier, in_verification, actor):
    returned(in_verification, verifier, CODE)

    assert_error(client_for(request.getfixturevalue(actor)).post(f"{base(in_verification)}/resubmit"), 403)


def test_resubmit_when_not_returned_or_after_the_due_date_is_409(client_for, verifier, kepala, in_verification):
    assert_error(client_for(kepala).post(f"{base(in_verification)}/resubmit"), 409, "illegal_transition")
    returned(in_verification, verifier, CODE, days=1)

    with after_the_due_date(3):
        assert_error(client_for(kepala).post(f"{base(in_verification)}/resubmit"), 409, "illegal_transition")


def test_verifier_resumes_only_after_the_due_date(client_for, verifier, second_verifier, in_verification):
    returned(in_verification, verifier, CODE, days=1)
    url = f"{base(in_verification)}/resume"

    assert_error(client_for(verifier).post(url), 409, "illegal_transition")
    with after_the_due_date(3):
        assert_error(client_for(second_verifier).post(url), 403)
        response = client_for(verifier).post(url)

    assert response.status_code == 200, response.json()
    assert response.json()["assessment"]["status"] == "in_verification"
    assert response.json()["round"]["resubmitted"] is False


# --- verified --------------------------------------------------------------------------------------------------


def test_verify_lists_what_is_missing(client_for, verifier, in_verification):
    verify_all(in_verification, verifier, skip=(CODE, OTHER))
    mark_for_repair(in_verification, verifier, OTHER)

    response = client_for(verifier).post(f"{base(in_verification)}/verify")

    body = assert_error(response, 400, "incomplete")
    assert body["errors"]["indicators"] == [f"{CODE}: undecided", f"{OTHER}: needs_repair"]
    in_verification.refresh_from_db()
    assert in_verification.status == S.IN_VERIFICATION


def test_verify_closes_verification(client_for, verifier, in_verification):
    verify_all(in_verification, verifier)

    response = client_for(verifier).post(f"{base(in_verification)}/verify", {"version": in_verification.version})

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "verified"


def test_verify_with_a_complete_panel_goes_to_the_panel(client_for, verifier, ditjen, assessors, in_verification):
    seat_panel(in_verification, ditjen, assessors[:2])
    verify_all(in_verification, verifier)

    response = client_for(verifier).post(f"{base(in_verification)}/verify")

    assert response.status_code == 200 and response.json()["status"] == "in_panel"


@pytest.mark.parametrize("actor", ["second_verifier", "ditjen", "kepala"])
def test_only_an_assigned_verifier_verifies(client_for, request, verifier, in_verification, actor):
    verify_all(in_verification, verifier)

    assert_error(client_for(request.getfixturevalue(actor)).post(f"{base(in_verification)}/verify"), 403)
    in_verification.refresh_from_db()
    assert in_verification.status == S.IN_VERIFICATION


def test_verify_with_a_stale_version_is_409(client_for, verifier, in_verification):
    verify_all(in_verification, verifier)

    response = client_for(verifier).post(f"{base(in_verification)}/verify", {"version": 1}, format="json")

    assert_error(response, 409, "stale")
