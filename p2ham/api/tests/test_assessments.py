"""API v1 evaluation and self-assessment: each endpoint's allowed case and its refusals, with the documented
error body (files and resumable uploads are in test_assessments_evidence.py)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from p2ham.api.tests.helpers import assert_error
from p2ham.assessments import services
from p2ham.assessments.models import Answer, Assessment, Comment, CommentRead, StatusChange
from p2ham.assessments.tests.fixtures import WINDOWS, evidence_for, fill_in
from p2ham.audit.models import AuditEntry
from p2ham.instruments.models import Indicator
from p2ham.periods.models import Stage

pytestmark = pytest.mark.django_db

CODE = "K1.01"  # the first indicator of the Pemasyarakatan instrument (scale Ada / Proses / Tidak)


def base(assessment, unit_code=None):
    return f"/api/v1/periods/{assessment.period.year}/assessments/{unit_code or assessment.unit.code}"


def answer_url(assessment, code=CODE):
    return f"{base(assessment)}/answers/{code}"


def option(assessment, label="Ada", code=CODE):
    indicator = Indicator.objects.get(instrument=assessment.instrument, code=code)
    return indicator.scale.options.get(label=label)


def past_the_deadline():
    """A moment after the self-assessment window closed everywhere (its last day is WINDOWS' close)."""
    closes = WINDOWS[Stage.PENILAIAN_MANDIRI][1]
    return time_machine.travel(timezone.now() + dt.timedelta(days=closes + 2), tick=False)


def submitted(assessment, operator, kepala):
    fill_in(assessment, operator)
    return services.assessment_submit(actor=kepala, assessment=assessment)


# --- evaluation ------------------------------------------------------------------------------------------------


def evaluation_url(period, code):
    return f"/api/v1/periods/{period.year}/units/{code}/evaluation"


def test_ditjen_decides_lolos_then_tidak_lolos(client_for, ditjen, sa_period, declared):
    as_ditjen = client_for(ditjen)

    response = as_ditjen.post(evaluation_url(sa_period, "LAPAS-AMBON"), {"decision": "lolos"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["unit"]["code"] == "LAPAS-AMBON"
    assert body["instrument"] == "pemasyarakatan" and body["year"] == sa_period.year

    response = as_ditjen.post(
        evaluation_url(sa_period, "LAPAS-AMBON"),
        {"decision": "tidak_lolos", "reasons": "Belum ada SK tim pelaksana"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "not_eligible"
    assert response.json()["eligibility_reasons"] == "Belum ada SK tim pelaksana"
    assert Assessment.objects.get(unit__code="LAPAS-AMBON").status == Assessment.Status.NOT_ELIGIBLE


def test_tidak_lolos_needs_reasons(client_for, ditjen, sa_period, declared):
    response = client_for(ditjen).post(
        evaluation_url(sa_period, "LAPAS-AMBON"), {"decision": "tidak_lolos", "reasons": " "}, format="json"
    )

    assert "reasons" in assert_error(response, 400, "invalid")["errors"]
    assert not Assessment.objects.exists()


def test_unknown_decision_is_400(client_for, ditjen, sa_period, declared):
    response = client_for(ditjen).post(evaluation_url(sa_period, "LAPAS-AMBON"), {"decision": "maybe"}, format="json")

    assert "decision" in assert_error(response, 400)["errors"]


@pytest.mark.parametrize("actor", ["kanwil", "operator", "verifier", "outsider"])
def test_only_ditjen_decides_the_evaluation(client_for, request, sa_period, declared, actor):
    user = request.getfixturevalue(actor)

    response = client_for(user).post(evaluation_url(sa_period, "LAPAS-AMBON"), {"decision": "lolos"}, format="json")

    assert_error(response, 403)
    assert not Assessment.objects.exists()


def test_evaluating_an_undeclared_unit_is_409(client_for, ditjen, sa_period, declared):
    response = client_for(ditjen).post(evaluation_url(sa_period, "KANWIL-12"), {"decision": "lolos"}, format="json")

    assert_error(response, 409, "illegal_transition")


def test_evaluation_of_unknown_unit_or_year_is_404(client_for, ditjen, sa_period, declared):
    api = client_for(ditjen)

    assert_error(api.post(evaluation_url(sa_period, "NOPE"), {"decision": "lolos"}, format="json"), 404)
    response = api.post("/api/v1/periods/1999/units/LAPAS-AMBON/evaluation", {"decision": "lolos"}, format="json")
    assert_error(response, 404)


def test_evaluation_cannot_change_after_submission(client_for, ditjen, assessment, operator, kepala):
    submitted(assessment, operator, kepala)

    response = client_for(ditjen).post(
        evaluation_url(assessment.period, "LAPAS-AMBON"), {"decision": "tidak_lolos", "reasons": "x"}, format="json"
    )

    assert_error(response, 409, "illegal_transition")
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.SUBMITTED


def test_bulk_evaluation_decides_every_unit(client_for, ditjen, sa_period, declared):
    response = client_for(ditjen).post(
        f"/api/v1/periods/{sa_period.year}/evaluations",
        {"units": ["RUTAN-AMBON", "LAPAS-AMBON"], "decision": "lolos"},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert [a["unit"]["code"] for a in response.json()["decided"]] == ["RUTAN-AMBON", "LAPAS-AMBON"]
    assert Assessment.objects.filter(status=Assessment.Status.DRAFT).count() == 2


def test_bulk_evaluation_is_all_or_nothing(client_for, ditjen, sa_period, declared):
    response = client_for(ditjen).post(
        f"/api/v1/periods/{sa_period.year}/evaluations",
        {"units": ["LAPAS-AMBON", "KANWIL-12"], "decision": "lolos"},
        format="json",
    )

    # A unit in the wrong state (not declared) makes it a conflict, as for a single unit.
    errors = assert_error(response, 409)["errors"]
    assert any(message.startswith("KANWIL-12") for message in errors["units"])
    assert not Assessment.objects.exists()


def test_bulk_evaluation_names_unknown_units(client_for, ditjen, sa_period, declared):
    response = client_for(ditjen).post(
        f"/api/v1/periods/{sa_period.year}/evaluations", {"units": ["LAPAS-AMBON", "NOPE"], "decision": "lolos"}
    )

    assert "NOPE" in assert_error(response, 400)["errors"]["units"][0]
    assert not Assessment.objects.exists()


def test_bulk_evaluation_is_ditjen_only(client_for, kanwil, sa_period, declared):
    response = client_for(kanwil).post(
        f"/api/v1/periods/{sa_period.year}/evaluations", {"units": ["LAPAS-AMBON"], "decision": "lolos"}
    )

    assert_error(response, 403)


# --- the list --------------------------------------------------------------------------------------------------


@pytest.fixture
def three(assessment, sibling_assessment, medan_assessment):
    return [assessment, sibling_assessment, medan_assessment]


def list_codes(client, period, **params):
    response = client.get(f"/api/v1/periods/{period.year}/assessments", params)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert {"count", "next", "previous", "results"} <= set(body)
    return [row["unit"]["code"] for row in body["results"]]


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("ditjen", ["LAPAS-AMBON", "LAPAS-MEDAN", "RUTAN-AMBON"]),
        ("verifier", ["LAPAS-AMBON", "LAPAS-MEDAN", "RUTAN-AMBON"]),
        ("kanwil", ["LAPAS-AMBON", "RUTAN-AMBON"]),
        ("other_kanwil", ["LAPAS-MEDAN"]),
        ("operator", ["LAPAS-AMBON"]),
        ("kepala", ["LAPAS-AMBON"]),
        ("sibling_operator", ["RUTAN-AMBON"]),
    ],
)
def test_list_shows_the_callers_scope(client_for, request, three, actor, expected):
    user = request.getfixturevalue(actor)

    assert sorted(list_codes(client_for(user), three[0].period)) == expected


def test_list_is_refused_to_an_account_without_a_role(client_for, outsider, three):
    assert_error(client_for(outsider).get(f"/api/v1/periods/{three[0].period.year}/assessments"), 403)


def test_list_of_an_unknown_year_is_404(client_for, ditjen, three):
    assert_error(client_for(ditjen).get("/api/v1/periods/1999/assessments"), 404)


def test_list_rows_carry_the_progress(client_for, ditjen, operator, three):
    assessment = three[0]
    services.answer_save(
        actor=operator, assessment=assessment, indicator_code=CODE, option_id=option(assessment).pk, note=""
    )
    indicator = Indicator.objects.get(instrument=assessment.instrument, code=CODE)
    services.evidence_add(actor=operator, assessment=assessment, indicator_code=CODE, uploaded=evidence_for(indicator))

    response = client_for(ditjen).get(f"/api/v1/periods/{assessment.period.year}/assessments", {"q": "LAPAS-AMBON"})

    (row,) = response.json()["results"]
    assert row["unit"] == {
        "code": "LAPAS-AMBON",
        "name": "Lapas Kelas IIA Ambon",
        "type": "lapas",
        "province": "81",
        "timezone": "Asia/Jayapura",
    }
    assert row["status"] == "draft" and row["version"] == assessment.version
    assert row["indicator_total"] == assessment.instrument.indicators.count()
    assert row["answered_total"] == 1 and row["evidence_files"] == 1
    assert row["submitted_at"] is None


def test_list_filters(client_for, ditjen, operator, kepala, three):
    api, period = client_for(ditjen), three[0].period
    submitted(three[0], operator, kepala)

    assert list_codes(api, period, status="submitted") == ["LAPAS-AMBON"]
    assert sorted(list_codes(api, period, province="81")) == ["LAPAS-AMBON", "RUTAN-AMBON"]
    assert list_codes(api, period, type="rutan") == ["RUTAN-AMBON"]
    assert list_codes(api, period, q="medan") == ["LAPAS-MEDAN"]
    assert sorted(list_codes(api, period, status="")) == ["LAPAS-AMBON", "LAPAS-MEDAN", "RUTAN-AMBON"]


def test_list_refuses_an_unknown_status(client_for, ditjen, three):
    response = client_for(ditjen).get(f"/api/v1/periods/{three[0].period.year}/assessments", {"status": "done"})

    assert "status" in assert_error(response, 400)["errors"]


def test_list_queries_do_not_grow_with_the_rows(client_for, ditjen, assessment, sibling_assessment, medan_assessment):
    api, url = client_for(ditjen), f"/api/v1/periods/{assessment.period.year}/assessments"
    api.get(url)  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as one:
        assert len(api.get(url, {"q": "LAPAS-AMBON"}).json()["results"]) == 1
    with CaptureQueriesContext(connection) as three_rows:
        assert len(api.get(url).json()["results"]) == 3

    assert len(three_rows) == len(one)


# --- the detail ------------------------------------------------------------------------------------------------


def test_operator_reads_the_whole_assessment(client_for, operator, assessment):
    response = client_for(operator).get(base(assessment))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["version"] == assessment.version
    assert response["ETag"] == f'"{assessment.version}"'
    assert body["deadline"]["status"] == "open" and body["deadline"]["extended"] is False
    # Days left on the unit's own calendar (Ambon's day starts two hours before Jakarta's).
    closes_on = timezone.localdate() + dt.timedelta(days=WINDOWS[Stage.PENILAIAN_MANDIRI][1])
    unit_today = timezone.localdate(timezone=assessment.unit.tzinfo)
    assert body["deadline"]["days_left"] == (closes_on - unit_today).days
    # The deadline is 23.59 on the unit's own wall clock: Ambon is WIT (+09:00).
    assert body["deadline"]["closes"].endswith("T23:59:00+09:00")
    total = assessment.instrument.indicators.count()
    assert body["progress"] == {
        "total": total,
        "answered": 0,
        "evidence_ok": 0,
        "complete": 0,
        "percent": 0,
        "unread": 0,
    }
    assert body["allowed"] == {"edit": True, "submit": False, "review": False, "comment": True}
    indicators = [i for c in body["criteria"] for i in c["indicators"]]
    assert len(indicators) == total
    first = indicators[0]
    assert first["code"] == CODE
    assert [o["label"] for o in first["options"]] == ["Ada", "Proses", "Tidak"]
    assert first["answer"]["version"] == 0 and first["answer"]["option_id"] is None
    assert first["evidence_rule"]["min_files"] == 2 and "pdf" in first["evidence_rule"]["kinds"]
    assert first["evidence"] == [] and first["comments"] == 0
    assert "guidance_verifier" not in first


def test_detail_shows_answers_files_and_who(client_for, operator, kanwil, assessment):
    ada = option(assessment)
    services.answer_save(actor=operator, assessment=assessment, indicator_code=CODE, option_id=ada.pk, note="SOP ada")
    indicator = Indicator.objects.get(instrument=assessment.instrument, code=CODE)
    evidence = services.evidence_add(
        actor=operator, assessment=assessment, indicator_code=CODE, uploaded=evidence_for(indicator)
    )

    body = client_for(kanwil).get(base(assessment)).json()

    first = body["criteria"][0]["indicators"][0]
    assert first["answer"]["option_id"] == ada.pk and first["answer"]["option_label"] == "Ada"
    assert first["answer"]["note"] == "SOP ada" and first["answer"]["version"] == 1
    assert first["answer"]["updated_by"] == {"username": "operator_ambon", "full_name": "Operator Ambon"}
    (file,) = first["evidence"]
    assert file["id"] == evidence.pk and file["name"] == f"{CODE}-0.pdf"
    assert file["download_url"].endswith(f"/api/v1/evidence/{evidence.pk}/download")
    assert body["progress"]["answered"] == 1 and body["progress"]["evidence_ok"] == 0  # two files required
    assert body["allowed"] == {"edit": False, "submit": False, "review": False, "comment": True}


@pytest.mark.parametrize(("actor", "status"), [("kanwil", 200), ("verifier", 200), ("ditjen", 200), ("kepala", 200)])
def test_detail_is_seen_in_scope(client_for, request, assessment, actor, status):
    assert client_for(request.getfixturevalue(actor)).get(base(assessment)).status_code == status


@pytest.mark.parametrize("actor", ["sibling_operator", "other_kanwil", "medan_operator"])
def test_detail_outside_the_scope_is_404(client_for, request, assessment, actor):
    assert_error(client_for(request.getfixturevalue(actor)).get(base(assessment)), 404)


def test_detail_refused_to_an_account_without_a_role(client_for, outsider, assessment):
    assert_error(client_for(outsider).get(base(assessment)), 403)


def test_detail_of_a_unit_without_an_assessment_is_404(client_for, ditjen, assessment):
    assert_error(client_for(ditjen).get(base(assessment, "KANWIL-81")), 404)
    assert_error(client_for(ditjen).get(base(assessment, "NOPE")), 404)


def test_detail_queries_do_not_grow_with_answers_and_files(client_for, kanwil, operator, assessment):
    api = client_for(kanwil)
    api.get(base(assessment))  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as empty:
        api.get(base(assessment))
    fill_in(assessment, operator)
    with CaptureQueriesContext(connection) as full:
        body = api.get(base(assessment)).json()

    assert body["progress"]["percent"] == 100
    assert len(full) == len(empty)


# --- answers ---------------------------------------------------------------------------------------------------


def test_operator_saves_an_answer_by_id_then_by_label(client_for, operator, assessment):
    api = client_for(operator)

    response = api.put(
        answer_url(assessment), {"option": option(assessment).pk, "note": "SOP ada", "version": 0}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 1 and response.json()["option_label"] == "Ada"
    assert response["ETag"] == '"1"'

    # By label, the version as If-Match; the note left out stays.
    response = api.put(answer_url(assessment), {"option_label": "proses"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["option_label"] == "Proses" and body["note"] == "SOP ada" and body["version"] == 2
    assert body["updated_by"]["username"] == "operator_ambon"

    response = api.put(answer_url(assessment), {"option": None, "version": 2}, format="json")
    assert response.json()["option_id"] is None and response.json()["note"] == "SOP ada"
    assert AuditEntry.objects.filter(action="assessment.answer.save").count() == 3


def test_stale_answer_is_409_with_the_others_change(client_for, operator, assessment):
    services.answer_save(
        actor=operator, assessment=assessment, indicator_code=CODE, option_id=option(assessment).pk, note="mine"
    )

    response = client_for(operator).put(
        answer_url(assessment), {"option_label": "Tidak", "note": "yours", "version": 0}, format="json"
    )

    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"detail", "code", "errors", "current"}
    assert body["code"] == "stale" and body["errors"] == {}
    assert body["current"]["option_label"] == "Ada" and body["current"]["note"] == "mine"
    assert body["current"]["version"] == 1
    assert body["current"]["updated_by"]["username"] == "operator_ambon" and body["current"]["updated_at"]
    answer = Answer.objects.get(assessment=assessment, indicator_code=CODE)
    assert (answer.option.label, answer.note, answer.version) == ("Ada", "mine", 1)


def test_answer_needs_the_version_read(client_for, operator, assessment):
    response = client_for(operator).put(answer_url(assessment), {"option_label": "Ada"}, format="json")

    assert "version" in assert_error(response, 400)["errors"]
    assert not Answer.objects.exists()


def test_answer_version_and_if_match_must_agree(client_for, operator, assessment):
    response = client_for(operator).put(
        answer_url(assessment), {"option_label": "Ada", "version": 0}, format="json", HTTP_IF_MATCH='"3"'
    )

    assert "version" in assert_error(response, 400)["errors"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"option_label": "Mungkin"}, "option_label"),
        ({"option": 999999}, "option"),
        ({"option": "x"}, "option"),
        ({"note": "x" * 5001}, "note"),
    ],
)
def test_invalid_answers_are_400(client_for, operator, assessment, payload, field):
    response = client_for(operator).put(answer_url(assessment), {**payload, "version": 0}, format="json")

    assert field in assert_error(response, 400)["errors"]
    assert not Answer.objects.filter(version__gt=0).exists()


def test_an_option_of_another_scale_is_400(client_for, operator, assessment):
    other = Indicator.objects.filter(instrument=assessment.instrument).exclude(scale__code="ada_proses_tidak").first()
    foreign = other.scale.options.first()

    response = client_for(operator).put(answer_url(assessment), {"option": foreign.pk, "version": 0}, format="json")

    assert "option" in assert_error(response, 400)["errors"]


def test_unknown_indicator_is_404(client_for, operator, assessment):
    response = client_for(operator).put(answer_url(assessment, "K9.99"), {"option": None, "version": 0}, format="json")

    assert_error(response, 404)


@pytest.mark.parametrize("actor", ["kepala", "kanwil", "ditjen", "verifier"])
def test_only_the_units_operator_saves_answers(client_for, request, assessment, actor):
    response = client_for(request.getfixturevalue(actor)).put(
        answer_url(assessment), {"option_label": "Ada", "version": 0}, format="json"
    )

    assert_error(response, 403)
    assert not Answer.objects.exists()


@pytest.mark.parametrize("actor", ["sibling_operator", "other_kanwil", "medan_operator"])
def test_saving_an_answer_outside_the_scope_is_404(client_for, request, assessment, actor):
    response = client_for(request.getfixturevalue(actor)).put(
        answer_url(assessment), {"option_label": "Ada", "version": 0}, format="json"
    )

    assert_error(response, 404)
    assert not Answer.objects.exists()


def test_an_ineligible_unit_has_nothing_to_fill_in(client_for, ditjen, operator, assessment):
    services.evaluation_decide(
        actor=ditjen, period=assessment.period, unit=assessment.unit, eligible=False, reasons="Tidak lengkap"
    )

    response = client_for(operator).put(answer_url(assessment), {"option_label": "Ada", "version": 0}, format="json")

    assert_error(response, 409, "illegal_transition")
    assert not Answer.objects.exists()


def test_no_answer_after_the_deadline(client_for, operator, assessment):
    with past_the_deadline():
        response = client_for(operator).put(
            answer_url(assessment), {"option_label": "Ada", "version": 0}, format="json"
        )

    assert_error(response, 409, "deadline_passed")
    assert not Answer.objects.exists()


def test_no_answer_after_submission(client_for, operator, kepala, assessment):
    submitted(assessment, operator, kepala)
    version = Answer.objects.get(assessment=assessment, indicator_code=CODE).version

    response = client_for(operator).put(
        answer_url(assessment), {"option_label": "Tidak", "version": version}, format="json"
    )

    assert_error(response, 409, "illegal_transition")


# --- submission ------------------------------------------------------------------------------------------------


def test_submission_with_gaps_lists_them(client_for, operator, kepala, assessment):
    fill_in(assessment, operator, skip=(CODE, "K1.02"))
    services.answer_save(
        actor=operator,
        assessment=assessment,
        indicator_code="K1.02",
        option_id=option(assessment, code="K1.02").pk,
        note="",
    )

    response = client_for(kepala).post(f"{base(assessment)}/submit", {}, format="json")

    body = assert_error(response, 400, "incomplete")
    assert sorted(body["errors"]["indicators"]) == ["K1.01: evidence", "K1.01: unanswered", "K1.02: evidence"]
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.DRAFT


def test_kepala_submits_a_complete_assessment(client_for, operator, kepala, assessment):
    fill_in(assessment, operator)
    version = Assessment.objects.get(pk=assessment.pk).version

    response = client_for(kepala).post(f"{base(assessment)}/submit", {"version": version}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "submitted" and body["version"] == version + 1 and body["submitted_at"]
    assert StatusChange.objects.filter(assessment=assessment, to_status="submitted").exists()


def test_submission_with_a_stale_version_is_409(client_for, operator, kepala, assessment):
    fill_in(assessment, operator)

    response = client_for(kepala).post(f"{base(assessment)}/submit", {}, format="json", HTTP_IF_MATCH='"99"')

    assert_error(response, 409, "stale")
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.DRAFT


@pytest.mark.parametrize("actor", ["operator", "kanwil", "ditjen"])
def test_only_the_head_of_the_unit_submits(client_for, request, operator, assessment, actor):
    fill_in(assessment, operator)

    response = client_for(request.getfixturevalue(actor)).post(f"{base(assessment)}/submit", {}, format="json")

    assert_error(response, 403)
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.DRAFT


@pytest.mark.parametrize("actor", ["sibling_operator", "other_kanwil"])
def test_submitting_outside_the_scope_is_404(client_for, request, assessment, actor):
    assert_error(client_for(request.getfixturevalue(actor)).post(f"{base(assessment)}/submit", {}), 404)


def test_no_submission_after_the_deadline(client_for, operator, kepala, assessment):
    fill_in(assessment, operator)

    with past_the_deadline():
        response = client_for(kepala).post(f"{base(assessment)}/submit", {}, format="json")

    assert_error(response, 409, "deadline_passed")
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.DRAFT


def test_submitting_twice_is_409(client_for, operator, kepala, assessment):
    submitted(assessment, operator, kepala)

    assert_error(client_for(kepala).post(f"{base(assessment)}/submit", {}, format="json"), 409, "illegal_transition")


# --- the Kanwil's review ---------------------------------------------------------------------------------------


def review(client, assessment, action, **body):
    return client.post(f"{base(assessment)}/review/{action}", body, format="json")


def test_kanwil_takes_in_and_forwards(client_for, kanwil, operator, kepala, assessment):
    submitted(assessment, operator, kepala)
    api = client_for(kanwil)

    response = review(api, assessment, "start")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "in_kanwil_review"

    response = review(api, assessment, "forward", note="Lengkap", version=response.json()["version"])
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "in_verification"


def test_kanwil_sends_back_with_a_note(client_for, kanwil, operator, kepala, assessment):
    submitted(assessment, operator, kepala)
    api = client_for(kanwil)

    assert "note" in assert_error(review(api, assessment, "return", note=" "), 400)["errors"]
    response = review(api, assessment, "return", note="Foto ramp kurang jelas")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["kanwil_note"] == "Foto ramp kurang jelas"
    assert body["kanwil_returned_at"]
    # The unit may edit again.
    assert client_for(operator).get(base(assessment)).json()["allowed"]["edit"] is True


def test_review_of_a_draft_is_409(client_for, kanwil, assessment):
    assert_error(review(client_for(kanwil), assessment, "start"), 409, "illegal_transition")


def test_review_with_a_stale_version_is_409(client_for, kanwil, operator, kepala, assessment):
    submitted(assessment, operator, kepala)

    assert_error(review(client_for(kanwil), assessment, "start", version=1), 409, "stale")
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.SUBMITTED


@pytest.mark.parametrize("actor", ["operator", "kepala", "verifier"])
def test_review_is_the_kanwils(client_for, request, operator, kepala, assessment, actor):
    submitted(assessment, operator, kepala)

    assert_error(review(client_for(request.getfixturevalue(actor)), assessment, "forward"), 403)
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.SUBMITTED


def test_review_by_the_kanwil_of_another_province_is_404(client_for, other_kanwil, operator, kepala, assessment):
    submitted(assessment, operator, kepala)

    assert_error(review(client_for(other_kanwil), assessment, "forward"), 404)


def test_unknown_review_action_is_404(client_for, kanwil, assessment):
    assert_error(review(client_for(kanwil), assessment, "approve"), 404)


# --- comments --------------------------------------------------------------------------------------------------


def comments_url(assessment, code=CODE):
    return f"{answer_url(assessment, code)}/comments"


def test_comment_thread_and_unread(client_for, operator, kanwil, assessment):
    as_operator, as_kanwil = client_for(operator), client_for(kanwil)

    response = as_operator.post(comments_url(assessment), {"body": "Apakah SOP 2023 cukup?"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["author"]["username"] == "operator_ambon" and response.json()["unread"] is False

    detail = as_kanwil.get(base(assessment)).json()
    assert detail["progress"]["unread"] == 1
    assert detail["criteria"][0]["indicators"][0]["comments"] == 1

    page = as_kanwil.get(comments_url(assessment)).json()
    assert page["count"] == 1
    assert [(c["body"], c["unread"]) for c in page["results"]] == [("Apakah SOP 2023 cukup?", True)]
    # Fetching the thread marked it read.
    assert as_kanwil.get(comments_url(assessment)).json()["results"][0]["unread"] is False
    assert as_kanwil.get(base(assessment)).json()["progress"]["unread"] == 0

    as_kanwil.post(comments_url(assessment), {"body": "Perlu SOP terbaru."}, format="json")
    page = as_operator.get(comments_url(assessment)).json()
    assert [(c["author"]["username"], c["unread"]) for c in page["results"]] == [
        ("operator_ambon", False),
        ("kanwil_maluku", True),
    ]


def test_comment_needs_a_body(client_for, operator, assessment):
    assert "body" in assert_error(client_for(operator).post(comments_url(assessment), {"body": "  "}), 400)["errors"]


def test_comments_on_an_unknown_indicator_are_404(client_for, operator, assessment):
    assert_error(client_for(operator).get(comments_url(assessment, "K9.99")), 404)
    assert_error(client_for(operator).post(comments_url(assessment, "K9.99"), {"body": "x"}), 404)


@pytest.mark.parametrize("actor", ["sibling_operator", "other_kanwil"])
def test_comments_outside_the_scope_are_404(client_for, request, operator, assessment, actor):
    services.comment_post(actor=operator, assessment=assessment, indicator_code=CODE, body="rahasia")
    api = client_for(request.getfixturevalue(actor))

    assert_error(api.get(comments_url(assessment)), 404)
    assert_error(api.post(comments_url(assessment), {"body": "x"}), 404)
    assert Comment.objects.count() == 1


def test_a_reader_without_the_comment_role_may_read_but_not_post(client_for, tree, assessment):
    from p2ham.accounts.models import Role
    from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory

    pimpinan = UserFactory(username="pimpinan")
    RoleAssignmentFactory(user=pimpinan, role=Role.PIMPINAN, unit=None)
    api = client_for(pimpinan)

    assert api.get(comments_url(assessment)).status_code == 200
    assert_error(api.post(comments_url(assessment), {"body": "x"}), 403)


def test_no_comments_on_an_ineligible_unit(client_for, ditjen, operator, assessment):
    services.evaluation_decide(
        actor=ditjen, period=assessment.period, unit=assessment.unit, eligible=False, reasons="x"
    )

    assert_error(client_for(operator).post(comments_url(assessment), {"body": "x"}), 409, "illegal_transition")


def test_comments_refused_to_an_account_without_a_role(client_for, outsider, assessment):
    assert_error(client_for(outsider).get(comments_url(assessment)), 403)
    assert not CommentRead.objects.exists()
