"""API v1 panel (stage 7): what each caller sees of it, an assessor's own scores and submission, the chair's
moderation, adjustments, veto, field visits and finish, and a declared conflict — each with its refusals."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from p2ham.api.tests.helpers import assert_error
from p2ham.assessments.models import Assessment
from p2ham.assessments.tests.fixtures import pdf_upload, png_upload
from p2ham.reviews import services_panel
from p2ham.reviews.models import (
    Adjustment,
    FieldVisit,
    FieldVisitPhoto,
    ModeratedScore,
    PanelAssignment,
    PanelResult,
    PanelScore,
    Verification,
    Veto,
)
from p2ham.reviews.tests.fixtures import seat_panel

pytestmark = pytest.mark.django_db

S = Assessment.Status
CODE = "K1.01"  # scale Ada / Proses / Tidak


def base(assessment, unit_code=None):
    return f"/api/v1/periods/{assessment.period.year}/assessments/{unit_code or assessment.unit.code}"


def score_url(assessment, code=CODE):
    return f"{base(assessment)}/panel/scores/{code}"


def option(assessment, label="Ada", code=CODE):
    return assessment.instrument.indicators.get(code=code).scale.options.get(label=label)


def score_all(assessment, person, *, low=()):
    """Score every indicator with its first option, the ``low`` ones with their last."""
    for indicator in assessment.instrument.indicators.select_related("scale"):
        options = list(indicator.scale.options.all())
        pick = options[-1] if indicator.code in low else options[0]
        services_panel.panel_score_save(
            actor=person, assessment=assessment, indicator_code=indicator.code, option_id=pick.pk
        )


def all_submitted(assessment, assessors, *, disagree=(CODE,)):
    """Every assessor scored and submitted; the last one disagrees on ``disagree``."""
    for person in assessors:
        score_all(assessment, person, low=disagree if person == assessors[-1] else ())
        services_panel.panel_submit(actor=person, assessment=assessment)


def moderated(assessment, chair, code=CODE):
    services_panel.panel_moderate(
        actor=chair, assessment=assessment, indicator_code=code, option_id=option(assessment).pk, note="Bukti kuat"
    )


# --- reading ---------------------------------------------------------------------------------------------------


def test_assessor_sees_only_their_own_scores_before_submitting(client_for, assessors, in_panel):
    chair, one, two = assessors
    score_all(in_panel, chair)
    services_panel.panel_submit(actor=chair, assessment=in_panel)
    score_all(in_panel, one, low=(CODE,))
    services_panel.panel_submit(actor=one, assessment=in_panel)
    services_panel.panel_score_save(
        actor=two, assessment=in_panel, indicator_code=CODE, option_id=option(in_panel, "Proses").pk
    )

    body = client_for(two).get(f"{base(in_panel)}/panel").json()

    assert body["see_all"] is False and body["totals"] == [] and body["total_spread"] is None
    assert all(row["scores"] == [] and row["flagged"] is False for row in body["indicators"])
    row = next(r for r in body["indicators"] if r["code"] == CODE)
    assert row["own"]["option_label"] == "Proses" and row["own"]["version"] == 1
    assert body["seat"]["username"] == "penilai_dua" and body["seat"]["submitted_at"] is None
    assert body["allowed"]["score"] is True and body["allowed"]["moderate"] is False
    assert "Ada" not in json.dumps([r["scores"] for r in body["indicators"]])


def test_after_submitting_an_assessor_sees_the_others_and_the_flags(client_for, assessors, in_panel):
    all_submitted(in_panel, assessors)

    body = client_for(assessors[1]).get(f"{base(in_panel)}/panel").json()

    assert body["see_all"] is True and body["progress"]["all_submitted"] is True
    row = next(r for r in body["indicators"] if r["code"] == CODE)
    assert {s["assessor"]["username"] for s in row["scores"]} == {"penilai_ketua", "penilai_satu", "penilai_dua"}
    assert row["flagged"] is True and row["spread"] is not None
    assert [r["code"] for r in body["indicators"] if r["flagged"]] == [CODE]
    assert len(body["totals"]) == 3 and body["progress"]["unmoderated"] == 1


def test_chair_sees_what_is_allowed_once_everyone_submitted(client_for, assessors, in_panel):
    all_submitted(in_panel, assessors)

    body = client_for(assessors[0]).get(f"{base(in_panel)}/panel").json()

    assert body["allowed"] == {
        "score": False,
        "submit": False,
        "moderate": True,
        "record": True,
        "finish": False,
        "declare_conflict": True,
    }
    assert body["seat"]["chair"] is True and len(body["panel"]) == 3


def test_ditjen_sees_submitted_scores_only(client_for, ditjen, assessors, in_panel):
    score_all(in_panel, assessors[0])
    services_panel.panel_submit(actor=assessors[0], assessment=in_panel)
    score_all(in_panel, assessors[1])

    body = client_for(ditjen).get(f"{base(in_panel)}/panel").json()

    assert body["seat"] is None and body["see_all"] is True
    row = next(r for r in body["indicators"] if r["code"] == CODE)
    assert row["own"] is None and [s["assessor"]["username"] for s in row["scores"]] == ["penilai_ketua"]


@pytest.mark.parametrize("actor", ["operator", "kepala", "kanwil", "verifier", "other_assessor"])
def test_panel_is_not_shown_outside_the_panel(client_for, request, conflicted_assessor, in_panel, actor):
    user = conflicted_assessor if actor == "other_assessor" else request.getfixturevalue(actor)

    assert_error(client_for(user).get(f"{base(in_panel)}/panel"), 404)


def test_panel_page_queries_do_not_grow_with_the_scores(client_for, ditjen, assessors, in_panel):
    api, url = client_for(ditjen), f"{base(in_panel)}/panel"
    score_all(in_panel, assessors[0])
    services_panel.panel_submit(actor=assessors[0], assessment=in_panel)
    api.get(url)
    with CaptureQueriesContext(connection) as before:
        assert api.get(url).status_code == 200
    all_submitted(in_panel, assessors[1:], disagree=(CODE, "K1.02"))
    moderated(in_panel, assessors[0])
    moderated(in_panel, assessors[0], "K1.02")
    with CaptureQueriesContext(connection) as after:
        body = api.get(url).json()

    assert body["progress"]["flagged"] == 2 and len(body["totals"]) == 3
    assert len(after.captured_queries) == len(before.captured_queries)


def test_panel_refusals(client_for, api, other_kanwil, outsider, in_panel):
    assert_error(client_for(other_kanwil).get(f"{base(in_panel)}/panel"), 404)
    assert_error(client_for(outsider).get(f"{base(in_panel)}/panel"), 403)
    assert_error(api.get(f"{base(in_panel)}/panel"), 401)


# --- scores ----------------------------------------------------------------------------------------------------


def test_assessor_scores_an_indicator(client_for, assessors, in_panel):
    response = client_for(assessors[1]).put(
        score_url(in_panel), {"option_label": "Proses", "note": "Sebagian", "version": 0}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["option_label"] == "Proses" and body["version"] == 1 and body["note"] == "Sebagian"
    assert PanelScore.objects.get(assignment__assessor=assessors[1]).option == option(in_panel, "Proses")


def test_stale_score_is_409_with_the_saved_one_and_nothing_changes(client_for, assessors, in_panel):
    api = client_for(assessors[1])
    api.put(score_url(in_panel), {"option": option(in_panel).pk, "version": 0}, format="json")

    response = api.put(score_url(in_panel), {"option": option(in_panel, "Tidak").pk, "version": 0}, format="json")

    assert response.status_code == 409, response.json()
    body = response.json()
    assert body["code"] == "stale" and body["current"]["option_label"] == "Ada" and body["current"]["version"] == 1
    assert PanelScore.objects.get().option == option(in_panel)


def test_score_input_errors(client_for, assessors, in_panel):
    api = client_for(assessors[1])

    assert "option" in assert_error(api.put(score_url(in_panel), {"version": 0}, format="json"), 400)["errors"]
    response = api.put(score_url(in_panel), {"option": 999999, "version": 0}, format="json")
    assert "option" in assert_error(response, 400)["errors"]
    assert (
        "version" in assert_error(api.put(score_url(in_panel), {"option_label": "Ada"}, format="json"), 400)["errors"]
    )
    assert_error(api.put(score_url(in_panel, "NOPE"), {"option_label": "Ada", "version": 0}, format="json"), 404)
    assert not PanelScore.objects.exists()


def test_scoring_before_verification_is_409(client_for, ditjen, assessors, in_verification):
    seat_panel(in_verification, ditjen, assessors)

    response = client_for(assessors[0]).put(score_url(in_verification), {"option_label": "Ada", "version": 0})

    assert_error(response, 409, "illegal_transition")
    assert not PanelScore.objects.exists()


@pytest.mark.parametrize("actor", ["other_assessor", "verifier", "ditjen", "operator"])
def test_only_the_panel_scores(client_for, request, conflicted_assessor, in_panel, actor):
    user = conflicted_assessor if actor == "other_assessor" else request.getfixturevalue(actor)

    assert_error(client_for(user).put(score_url(in_panel), {"option_label": "Ada", "version": 0}), 403)
    assert not PanelScore.objects.exists()


def test_score_refusals_out_of_scope(client_for, api, other_kanwil, in_panel):
    assert_error(client_for(other_kanwil).put(score_url(in_panel), {"option_label": "Ada", "version": 0}), 404)
    assert_error(api.put(score_url(in_panel), {"option_label": "Ada", "version": 0}), 401)


def test_submit_needs_every_verified_indicator_scored(client_for, assessors, in_panel):
    api = client_for(assessors[1])
    api.put(score_url(in_panel), {"option_label": "Ada", "version": 0}, format="json")

    body = assert_error(api.post(f"{base(in_panel)}/panel/submit"), 400, "incomplete")

    assert CODE not in body["errors"]["indicators"]
    assert len(body["errors"]["indicators"]) == in_panel.instrument.indicators.count() - 1
    assert PanelAssignment.objects.get(assessor=assessors[1]).submitted_at is None


def test_submit_then_scores_are_final(client_for, assessors, in_panel):
    score_all(in_panel, assessors[1])
    api = client_for(assessors[1])

    response = api.post(f"{base(in_panel)}/panel/submit")

    assert response.status_code == 200, response.json()
    assert response.json()["submitted_at"] is not None
    assert_error(api.post(f"{base(in_panel)}/panel/submit"), 409, "illegal_transition")
    assert_error(api.put(score_url(in_panel), {"option_label": "Tidak", "version": 1}), 409, "illegal_transition")


# --- moderation and finish -------------------------------------------------------------------------------------


def moderate_url(assessment):
    return f"{base(assessment)}/panel/moderate"


def test_chair_moderates_a_flagged_indicator(client_for, assessors, in_panel):
    all_submitted(in_panel, assessors)

    response = client_for(assessors[0]).post(
        moderate_url(in_panel),
        {"indicator": CODE, "option_label": "Ada", "note": "Bukti kuat", "version": 0},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["option_label"] == "Ada" and response.json()["set_by"]["username"] == "penilai_ketua"
    assert ModeratedScore.objects.get().note == "Bukti kuat"


def test_non_chair_cannot_moderate(client_for, assessors, in_panel):
    all_submitted(in_panel, assessors)

    response = client_for(assessors[1]).post(
        moderate_url(in_panel), {"indicator": CODE, "option_label": "Ada", "note": "x", "version": 0}, format="json"
    )

    assert_error(response, 403)
    assert not ModeratedScore.objects.exists()


def test_moderation_waits_for_every_assessor(client_for, assessors, in_panel):
    score_all(in_panel, assessors[0])
    services_panel.panel_submit(actor=assessors[0], assessment=in_panel)

    response = client_for(assessors[0]).post(
        moderate_url(in_panel), {"indicator": CODE, "option_label": "Ada", "note": "x", "version": 0}, format="json"
    )

    assert "Penilai Satu" in assert_error(response, 409, "illegal_transition")["detail"]


def test_moderation_input_errors(client_for, assessors, in_panel):
    all_submitted(in_panel, assessors)
    api = client_for(assessors[0])

    response = api.post(moderate_url(in_panel), {"indicator": CODE, "option_label": "Ada", "version": 0}, format="json")
    assert "note" in assert_error(response, 400)["errors"]
    response = api.post(
        moderate_url(in_panel), {"indicator": "NOPE", "option_label": "Ada", "note": "x", "version": 0}, format="json"
    )
    assert "indicator" in assert_error(response, 400)["errors"]
    response = api.post(moderate_url(in_panel), {"indicator": CODE, "option_label": "Ada", "note": "x"}, format="json")
    assert "version" in assert_error(response, 400)["errors"]


def test_stale_moderation_is_409_with_the_current_value(client_for, assessors, in_panel):
    all_submitted(in_panel, assessors)
    moderated(in_panel, assessors[0])

    response = client_for(assessors[0]).post(
        moderate_url(in_panel), {"indicator": CODE, "option_label": "Tidak", "note": "x", "version": 0}, format="json"
    )

    assert response.status_code == 409, response.json()
    assert response.json()["current"]["option_label"] == "Ada" and response.json()["current"]["version"] == 1
    assert ModeratedScore.objects.get().option == option(in_panel)


def test_finish_needs_the_flagged_indicators_moderated(client_for, assessors, in_panel):
    all_submitted(in_panel, assessors)

    body = assert_error(client_for(assessors[0]).post(f"{base(in_panel)}/panel/finish"), 400, "unmoderated")

    assert body["errors"]["indicators"] == [CODE]
    in_panel.refresh_from_db()
    assert in_panel.status == S.IN_PANEL


def test_chair_finishes_and_the_assessment_is_scored(client_for, assessors, in_panel):
    all_submitted(in_panel, assessors)
    moderated(in_panel, assessors[0])
    api = client_for(assessors[0])

    assert_error(client_for(assessors[1]).post(f"{base(in_panel)}/panel/finish"), 403)
    response = api.post(f"{base(in_panel)}/panel/finish", {"note": "Sepakat", "version": in_panel.version})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["assessment"]["status"] == "scored"
    assert body["result"]["predicate"] in (True, False) and body["result"]["vetoed"] is False
    assert body["result"]["scores"][CODE] == str(option(in_panel).score)
    assert PanelResult.objects.get().total == pytest.approx(float(body["result"]["total"]))
    # The result is shown on the panel page from now on; the panel can no longer change.
    page = api.get(f"{base(in_panel)}/panel").json()
    assert page["result"]["total"] == body["result"]["total"] and page["allowed"]["declare_conflict"] is False


def test_finish_with_a_stale_version_is_409(client_for, assessors, in_panel):
    all_submitted(in_panel, assessors, disagree=())

    assert_error(client_for(assessors[0]).post(f"{base(in_panel)}/panel/finish", {"version": 1}), 409, "stale")


# --- conflict --------------------------------------------------------------------------------------------------


def test_assessor_declares_a_conflict_and_leaves(client_for, ditjen, assessors, in_panel):
    api = client_for(assessors[2])

    assert "reason" in assert_error(api.post(f"{base(in_panel)}/panel/conflict", {"reason": " "}), 400)["errors"]
    response = api.post(f"{base(in_panel)}/panel/conflict", {"reason": "Saudara kandung kepala lapas"})

    assert response.status_code == 200, response.json()
    assert response.json()["active"] is False and response.json()["conflict_reason"] == "Saudara kandung kepala lapas"
    assert_error(api.put(score_url(in_panel), {"option_label": "Ada", "version": 0}), 403)
    assert_error(api.get(f"{base(in_panel)}/panel"), 404)
    assert_error(api.post(f"{base(in_panel)}/panel/conflict", {"reason": "lagi"}), 403)
    # Ditjen sees the declared conflict on the panel.
    seats = client_for(ditjen).get(f"{base(in_panel)}/panel").json()["panel"]
    assert [s["username"] for s in seats if not s["active"]] == ["penilai_dua"]


def test_only_a_panel_member_declares_a_conflict(client_for, verifier, conflicted_assessor, in_panel):
    assert_error(client_for(conflicted_assessor).post(f"{base(in_panel)}/panel/conflict", {"reason": "x"}), 403)
    assert_error(client_for(verifier).post(f"{base(in_panel)}/panel/conflict", {"reason": "x"}), 403)


# --- adjustments and veto --------------------------------------------------------------------------------------


def adjust(client, assessment, **data):
    return client.post(f"{base(assessment)}/adjustments", data, format="multipart")


def test_chair_records_an_adjustment_with_a_document(client_for, assessors, in_panel):
    api = client_for(assessors[0])

    response = adjust(
        api, in_panel, kind="wbk_wbbm", points="2,5", justification="Predikat WBK 2025", document=pdf_upload("sk.pdf")
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "wbk_wbbm" and body["points"] == "2.50" and body["document"]["name"] == "sk.pdf"
    download = api.get(body["document"]["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert client_for(assessors[1]).get(body["document"]["download_url"]).status_code == 200
    page = client_for(assessors[1]).get(f"{base(in_panel)}/panel").json()
    assert [a["id"] for a in page["adjustments"]] == [body["id"]]


def test_adjustment_in_json_without_a_document(client_for, assessors, in_panel):
    response = client_for(assessors[0]).post(
        f"{base(in_panel)}/adjustments",
        {"kind": "complaints", "points": -3, "justification": "Dua aduan Ombudsman terbukti"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["points"] == "-3.00" and response.json()["document"] is None


def test_adjustment_input_errors(client_for, assessors, in_panel):
    api = client_for(assessors[0])

    response = adjust(api, in_panel, kind="wbk_wbbm", points="9", justification="x")
    assert "points" in assert_error(response, 400)["errors"]
    response = adjust(api, in_panel, kind="bonus", points="1", justification="x")
    assert "kind" in assert_error(response, 400)["errors"]
    response = adjust(api, in_panel, kind="ikm", points="lots", justification="x")
    assert "points" in assert_error(response, 400)["errors"]
    response = adjust(api, in_panel, kind="ikm", points="1")
    assert "justification" in assert_error(response, 400)["errors"]
    assert not Adjustment.objects.exists()


def test_adjustment_document_kind_and_size_are_checked(client_for, assessors, in_panel, monkeypatch):
    api = client_for(assessors[0])
    text = SimpleUploadedFile("notes.pdf", b"just text pretending", content_type="application/pdf")

    assert_error(adjust(api, in_panel, kind="ikm", points="1", justification="x", document=text), 415)
    monkeypatch.setattr(services_panel, "MAX_DOCUMENT_MB", 0)
    assert_error(adjust(api, in_panel, kind="ikm", points="1", justification="x", document=pdf_upload()), 413)
    assert not Adjustment.objects.exists()


@pytest.mark.parametrize("actor", ["assessor", "ditjen", "verifier"])
def test_only_the_chair_records_adjustments(client_for, request, assessors, in_panel, actor):
    user = assessors[1] if actor == "assessor" else request.getfixturevalue(actor)

    assert_error(adjust(client_for(user), in_panel, kind="ikm", points="1", justification="x"), 403)


def test_chair_withdraws_an_adjustment(client_for, assessors, in_panel):
    adjustment = services_panel.adjustment_add(
        actor=assessors[0], assessment=in_panel, kind="ikm", points="2", justification="IKM 92"
    )
    url = f"{base(in_panel)}/adjustments/{adjustment.pk}"

    assert_error(client_for(assessors[1]).delete(url), 403)
    assert client_for(assessors[0]).delete(url).status_code == 204
    adjustment.refresh_from_db()
    assert adjustment.removed_at is not None
    assert_error(client_for(assessors[0]).delete(url), 409, "illegal_transition")
    assert_error(client_for(assessors[0]).delete(f"{base(in_panel)}/adjustments/999999"), 404)
    assert_error(client_for(assessors[0]).get(f"{url}/document"), 404)


def test_chair_sets_changes_and_lifts_a_veto(client_for, assessors, in_panel):
    api, url = client_for(assessors[0]), f"{base(in_panel)}/veto"

    assert "reasons" in assert_error(api.post(url, {"reasons": ""}), 400)["errors"]
    response = api.post(url, {"reasons": "Pungli terbukti"})
    assert response.status_code == 201, response.json()
    assert response.json()["reasons"] == "Pungli terbukti"
    assert api.post(url, {"reasons": "Pungli terbukti (putusan)"}).status_code == 200
    assert client_for(assessors[1]).get(f"{base(in_panel)}/panel").json()["veto"]["reasons"].endswith("(putusan)")
    assert_error(client_for(assessors[1]).post(url, {"reasons": "x"}), 403)
    assert_error(client_for(assessors[1]).delete(url), 403)
    assert api.delete(url).status_code == 204
    assert not Veto.objects.exists()
    assert_error(api.delete(url), 409, "illegal_transition")


# --- field visits ----------------------------------------------------------------------------------------------


def visit(client, assessment, **data):
    defaults = {
        "visited_on": timezone.localdate().isoformat(),
        "participants": "Ketua tim, dua penilai",
        "findings": "Ruang laktasi belum tersedia",
    }
    return client.post(f"{base(assessment)}/field-visits", {**defaults, **data}, format="multipart")


def test_chair_records_a_field_visit_that_changes_a_verified_answer(client_for, assessors, in_panel):
    api = client_for(assessors[0])
    changes = json.dumps([{"indicator": CODE, "option_label": "Tidak", "note": "Tidak ada di lapangan"}])

    response = visit(api, in_panel, photos=[png_upload("a.png", 1), png_upload("b.png", 2)], changes=changes)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert [p["name"] for p in body["photos"]] == ["a.png", "b.png"]
    assert body["changes"] == [
        {
            "indicator": CODE,
            "option_before_id": option(in_panel).pk,
            "option_before_label": "Ada",
            "option_after_id": option(in_panel, "Tidak").pk,
            "option_after_label": "Tidak",
            "note": "Tidak ada di lapangan",
        }
    ]
    verification = Verification.objects.get(indicator_code=CODE)
    assert verification.option == option(in_panel, "Tidak") and "field visit" in verification.note
    photo = api.get(body["photos"][0]["download_url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert_error(client_for(assessors[1]).get(f"{base(in_panel)}/field-visits/{body['id']}/photos/999999"), 404)


def test_field_visit_in_json_without_photos(client_for, assessors, in_panel):
    response = client_for(assessors[0]).post(
        f"{base(in_panel)}/field-visits",
        {
            "visited_on": timezone.localdate().isoformat(),
            "participants": "Tim",
            "findings": "Sesuai",
            "changes": [{"indicator": CODE, "option": option(in_panel, "Proses").pk, "note": "Sebagian"}],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["changes"][0]["option_after_label"] == "Proses"


def test_field_visit_input_errors(client_for, assessors, in_panel):
    api = client_for(assessors[0])
    tomorrow = (timezone.localdate() + dt.timedelta(days=2)).isoformat()

    assert "visited_on" in assert_error(visit(api, in_panel, visited_on=tomorrow), 400)["errors"]
    assert "findings" in assert_error(visit(api, in_panel, findings=" "), 400)["errors"]
    assert "changes" in assert_error(visit(api, in_panel, changes="not json"), 400)["errors"]
    bad = json.dumps([{"indicator": "NOPE", "option": 1, "note": "x"}, {"indicator": CODE, "note": "x"}])
    errors = assert_error(visit(api, in_panel, changes=bad), 400)["errors"]["changes"]
    assert errors[0].startswith("1.indicator") and errors[1].startswith("2.option")
    no_note = json.dumps([{"indicator": CODE, "option_label": "Tidak", "note": ""}])
    assert "changes" in assert_error(visit(api, in_panel, changes=no_note), 400)["errors"]
    assert not FieldVisit.objects.exists()


def test_field_visit_photo_kind_is_checked(client_for, assessors, in_panel):
    response = visit(client_for(assessors[0]), in_panel, photos=[pdf_upload()])

    assert_error(response, 415)
    assert not FieldVisit.objects.exists() and not FieldVisitPhoto.objects.exists()


@pytest.mark.parametrize("actor", ["assessor", "ditjen", "operator"])
def test_only_the_chair_records_field_visits(client_for, request, assessors, in_panel, actor):
    user = assessors[1] if actor == "assessor" else request.getfixturevalue(actor)

    assert_error(visit(client_for(user), in_panel), 403)


# --- the whole path through the API ----------------------------------------------------------------------------


def test_complete_path_through_the_api(client_for, in_verification, verifier, operator, kepala, ditjen, assessors):
    a = in_verification
    as_verifier, as_ditjen, as_chair = client_for(verifier), client_for(ditjen), client_for(assessors[0])
    codes = [i.code for i in a.instrument.indicators.order_by("code")]
    answers = {x.indicator_code: x.option_id for x in a.answers.all()}
    for code in codes:
        body = (
            {"verdict": "needs_repair", "reason": "bukti-tidak-lengkap", "note": "Lengkapi", "version": 0}
            if code in codes[:2]
            else {"verdict": "accepted", "option": answers[code], "version": 0}
        )
        assert as_verifier.put(f"{base(a)}/answers/{code}/verification", body, format="json").status_code == 200
    due_date = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    assert as_verifier.post(f"{base(a)}/return", {"due_date": due_date}, format="json").status_code == 201
    version = a.answers.get(indicator_code=codes[0]).version
    response = client_for(operator).put(f"{base(a)}/answers/{codes[0]}", {"note": "SK terlampir", "version": version})
    assert response.status_code == 200, response.json()
    assert client_for(kepala).post(f"{base(a)}/resubmit").status_code == 200
    page = as_verifier.get(f"{base(a)}/verification").json()
    changed = {r["code"]: r["change"]["any"] for r in page["indicators"] if r["change"] is not None}
    assert changed == {codes[0]: True, codes[1]: False}
    for code in codes[:2]:
        version = next(r for r in page["indicators"] if r["code"] == code)["verification"]["version"]
        body = {"verdict": "accepted", "option": answers[code], "version": version}
        assert as_verifier.put(f"{base(a)}/answers/{code}/verification", body, format="json").status_code == 200
    assert as_verifier.post(f"{base(a)}/verify").json()["status"] == "verified"
    assert as_ditjen.post(f"{base(a)}/panel/assessors", {"username": "penilai_ketua", "chair": True}).status_code == 201
    assert as_ditjen.post(f"{base(a)}/panel/assessors", {"username": "penilai_satu"}).status_code == 201
    for person, low in ((assessors[0], False), (assessors[1], True)):
        api = client_for(person)
        for row in api.get(f"{base(a)}/panel").json()["indicators"]:
            pick = row["options"][-1] if (low and row["code"] == codes[2]) else row["options"][0]
            body = {"option": pick["id"], "version": row["own"]["version"]}
            assert api.put(f"{base(a)}/panel/scores/{row['code']}", body, format="json").status_code == 200
        assert api.post(f"{base(a)}/panel/submit").status_code == 200
    page = as_chair.get(f"{base(a)}/panel").json()
    assert [r["code"] for r in page["indicators"] if r["flagged"]] == [codes[2]]
    body = {"indicator": codes[2], "option_label": "Ada", "note": "Bukti kuat", "version": 0}
    assert as_chair.post(f"{base(a)}/panel/moderate", body, format="json").status_code == 200
    body = {"kind": "wbk_wbbm", "points": "3", "justification": "Predikat WBK 2025"}
    assert as_chair.post(f"{base(a)}/adjustments", body, format="json").status_code == 201
    response = as_chair.post(f"{base(a)}/panel/finish", {"note": ""}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["assessment"]["status"] == "scored"
    assert response.json()["result"]["breakdown"]["bonus"] == "3.00"
