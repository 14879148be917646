"""The head's submission page (the gaps, the confirmation, the deadline) and the Kanwil's review actions
(start, forward, send back), including the rule that a Kanwil never reviews its own office's assessment."""

from __future__ import annotations

import pytest

from p2ham.assessments import services
from p2ham.assessments.models import Assessment, StatusChange
from p2ham.assessments.tests.fixtures import fill_in
from p2ham.assessments.tests.test_views import (
    after_the_deadline,
    english,
    force_status,
    messages_of,
    page_url,
    url,
)

pytestmark = pytest.mark.django_db

S = Assessment.Status


@pytest.fixture(autouse=True)
def _english(client):
    english(client)


def _last_message(response) -> str:
    """The message the redirect carries (earlier ones of the session were never displayed)."""
    return messages_of(response)[-1]


def _status(assessment: Assessment) -> str:
    return Assessment.objects.get(pk=assessment.pk).status


# ---------------------------------------------------------------- submission


def test_the_summary_lists_the_gaps_with_links(client, assessment, operator, kepala):
    fill_in(assessment, operator, skip=("K1.01", "K2.02"))
    client.force_login(kepala)
    response = client.get(url("submit", assessment))
    assert response.status_code == 200
    html = response.content.decode()
    gaps = response.context["gaps"]
    assert {(g.indicator.code, g.problem) for g in gaps} == {
        ("K1.01", "unanswered"),
        ("K1.01", "evidence"),
        ("K2.02", "unanswered"),
        ("K2.02", "evidence"),
    }
    assert "block submission" in html
    assert f'href="{page_url(assessment, "K1.01")}">K1.01</a>' in html
    assert f'href="{page_url(assessment, "K2.02")}">K2.02</a>' in html
    assert "needs at least 2 evidence files" in html
    assert 'name="confirm"' not in html  # nothing to confirm while something is missing


def test_the_summary_of_a_complete_assessment_offers_the_confirmation(client, assessment, operator, kepala):
    fill_in(assessment, operator)
    client.force_login(kepala)
    html = client.get(url("submit", assessment)).content.decode()
    assert "Every indicator is answered and has the evidence it needs." in html
    assert 'type="checkbox" name="confirm" value="1"' in html


@pytest.mark.parametrize("who", ["operator", "kanwil", "ditjen"])
def test_others_read_the_summary_without_the_form(request, client, assessment, operator, who):
    fill_in(assessment, operator)
    client.force_login(request.getfixturevalue(who))
    response = client.get(url("submit", assessment))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="confirm"' not in html
    assert "Only the head of the unit submits the assessment." in html


@pytest.mark.parametrize("who", ["sibling_operator", "other_kanwil", "outsider"])
def test_the_summary_is_not_found_outside_the_scope(request, client, assessment, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("submit", assessment)).status_code == 404
    assert client.post(url("submit", assessment), {"confirm": "1"}).status_code == 404


def test_submitting_without_the_tick_is_refused(client, assessment, operator, kepala):
    fill_in(assessment, operator)
    client.force_login(kepala)
    response = client.post(url("submit", assessment), {"version": assessment.version})
    assert response.status_code == 400
    assert "Tick the box to confirm that the answers and evidence are final." in response.content.decode()
    assert _status(assessment) == S.DRAFT


def test_gaps_block_the_submission(client, assessment, operator, kepala):
    fill_in(assessment, operator, skip=("K1.01",))
    client.force_login(kepala)
    response = client.post(url("submit", assessment), {"confirm": "1", "version": assessment.version})
    assert response.status_code == 400
    assert "cannot be submitted yet: 1 indicator(s) not answered" in response.content.decode()
    assert _status(assessment) == S.DRAFT


def test_a_complete_assessment_is_submitted(client, assessment, operator, kepala):
    fill_in(assessment, operator)
    client.force_login(kepala)
    response = client.post(url("submit", assessment), {"confirm": "1", "version": assessment.version})
    assert response.status_code == 302
    assert response.url == page_url(assessment)
    assert _last_message(response) == "The self-assessment has been submitted to the Kanwil."
    submitted = Assessment.objects.get(pk=assessment.pk)
    assert (submitted.status, submitted.submitted_by) == (S.SUBMITTED, kepala)
    # The page is now read-only for the operator, and the head sees no submit button any more.
    html = client.get(page_url(assessment)).content.decode()
    assert "/kirim/" not in html


def test_a_submission_based_on_an_old_version_is_refused(client, assessment, operator, kepala):
    fill_in(assessment, operator)
    client.force_login(kepala)
    response = client.post(url("submit", assessment), {"confirm": "1", "version": assessment.version - 1})
    assert response.status_code == 409
    assert _status(assessment) == S.DRAFT


def test_the_operator_cannot_submit(client, assessment, operator):
    fill_in(assessment, operator)
    client.force_login(operator)
    assert client.post(url("submit", assessment), {"confirm": "1"}).status_code == 403
    assert _status(assessment) == S.DRAFT


@pytest.mark.parametrize("who", ["kanwil", "ditjen"])
def test_nobody_but_the_head_submits(request, client, assessment, operator, who):
    fill_in(assessment, operator)
    client.force_login(request.getfixturevalue(who))
    assert client.post(url("submit", assessment), {"confirm": "1"}).status_code == 403
    assert _status(assessment) == S.DRAFT


def test_after_the_deadline_the_submission_is_refused(client, assessment, operator, kepala, sa_period):
    fill_in(assessment, operator)
    with after_the_deadline(sa_period):
        client.force_login(kepala)
        page = client.get(url("submit", assessment))
        response = client.post(url("submit", assessment), {"confirm": "1", "version": assessment.version})
    assert 'name="confirm"' not in page.content.decode()
    # The head is told why, not that only the head submits.
    assert "The deadline passed on" in page.content.decode()
    assert "Only the head of the unit submits" not in page.content.decode()
    assert response.status_code == 409
    assert "The self-assessment deadline passed on" in response.content.decode()
    assert _status(assessment) == S.DRAFT


# ---------------------------------------------------------------- the Kanwil's review


@pytest.fixture
def submitted(assessment) -> Assessment:
    return force_status(assessment, S.SUBMITTED)


def _review(client, assessment, action, **data):
    return client.post(url("kanwil_review", assessment, action), {"version": assessment.version, **data})


def test_the_kanwil_starts_the_review(client, submitted, kanwil):
    client.force_login(kanwil)
    response = _review(client, submitted, "mulai")
    assert response.status_code == 302
    assert response.url == page_url(submitted)
    assert _last_message(response) == "Review started."
    assert _status(submitted) == S.IN_KANWIL_REVIEW
    assert StatusChange.objects.filter(assessment=submitted, to_status=S.IN_KANWIL_REVIEW, actor=kanwil).exists()


def test_forwarding_needs_the_tick(client, submitted, kanwil):
    client.force_login(kanwil)
    response = _review(client, submitted, "teruskan", note="Lengkap.")
    assert response.status_code == 302
    assert _last_message(response) == "Tick the box to confirm."
    assert _status(submitted) == S.SUBMITTED
    response = _review(client, submitted, "teruskan", note="Lengkap.", confirm="1")
    assert _last_message(response) == "Forwarded to Ditjen HAM for verification."
    assert _status(submitted) == S.IN_VERIFICATION
    assert StatusChange.objects.get(assessment=submitted, to_status=S.IN_VERIFICATION).note == "Lengkap."


def test_forwarding_after_the_start_of_the_review(client, submitted, kanwil):
    client.force_login(kanwil)
    _review(client, submitted, "mulai")
    submitted.refresh_from_db()
    _review(client, submitted, "teruskan", confirm="1")
    assert _status(submitted) == S.IN_VERIFICATION


def test_sending_back_needs_a_note_and_the_tick(client, submitted, kanwil, operator):
    client.force_login(kanwil)
    response = _review(client, submitted, "kembalikan", note="   ", confirm="1")
    assert _last_message(response) == "Tell the unit what to repair."
    assert _status(submitted) == S.SUBMITTED
    response = _review(client, submitted, "kembalikan", note="Foto ramp buram.")
    assert _last_message(response) == "Tick the box to confirm."
    assert _status(submitted) == S.SUBMITTED
    response = _review(client, submitted, "kembalikan", note="Foto ramp buram.", confirm="1")
    assert _last_message(response) == "Sent back to the unit with your notes."
    back = Assessment.objects.get(pk=submitted.pk)
    assert (back.status, back.kanwil_note) == (S.DRAFT, "Foto ramp buram.")
    assert back.kanwil_returned_at is not None


def test_a_review_on_an_old_version_is_refused_with_a_message(client, submitted, kanwil):
    client.force_login(kanwil)
    response = client.post(url("kanwil_review", submitted, "teruskan"), {"version": 1, "confirm": "1"})
    assert response.status_code == 302
    assert "Someone changed this assessment in the meantime" in _last_message(response)
    assert _status(submitted) == S.SUBMITTED


def test_a_draft_cannot_be_forwarded(client, assessment, kanwil):
    client.force_login(kanwil)
    response = _review(client, assessment, "teruskan", confirm="1")
    assert response.status_code == 302
    assert "cannot go from" in _last_message(response)
    assert _status(assessment) == S.DRAFT


def test_an_unknown_action_is_not_found(client, submitted, kanwil):
    client.force_login(kanwil)
    assert _review(client, submitted, "hapus", confirm="1").status_code == 404
    assert _status(submitted) == S.SUBMITTED


def test_a_get_is_not_allowed(client, submitted, kanwil):
    client.force_login(kanwil)
    assert client.get(url("kanwil_review", submitted, "mulai")).status_code == 405


@pytest.mark.parametrize("action", ["mulai", "teruskan", "kembalikan"])
def test_the_other_kanwil_gets_not_found(client, submitted, other_kanwil, action):
    client.force_login(other_kanwil)
    assert _review(client, submitted, action, note="x", confirm="1").status_code == 404
    assert _status(submitted) == S.SUBMITTED


@pytest.mark.parametrize("who", ["operator", "kepala", "verifier"])
def test_the_unit_and_the_verifiers_cannot_review(request, client, submitted, who):
    client.force_login(request.getfixturevalue(who))
    for action in ("mulai", "teruskan", "kembalikan"):
        assert _review(client, submitted, action, note="x", confirm="1").status_code == 403
    assert _status(submitted) == S.SUBMITTED


@pytest.mark.parametrize("who", ["sibling_operator", "outsider"])
def test_people_outside_the_scope_get_not_found(request, client, submitted, who):
    client.force_login(request.getfixturevalue(who))
    assert _review(client, submitted, "mulai").status_code == 404
    assert _status(submitted) == S.SUBMITTED


def test_a_kanwil_cannot_review_its_own_assessment_but_ditjen_can(client, sa_period, declared, tree, kanwil, ditjen):
    own = services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.kanwil_maluku, eligible=True)
    own = force_status(own, S.SUBMITTED)
    client.force_login(kanwil)
    page = client.get(page_url(own))
    assert page.status_code == 200  # the Kanwil reads its own assessment...
    assert not page.context["can_review"]
    assert "review-heading" not in page.content.decode()
    for action in ("mulai", "teruskan", "kembalikan"):  # ...but does not judge it
        assert _review(client, own, action, note="x", confirm="1").status_code == 403
    assert _status(own) == S.SUBMITTED

    client.force_login(ditjen)
    assert client.get(page_url(own)).context["can_review"]
    response = _review(client, own, "mulai")
    assert response.status_code == 302
    assert _status(own) == S.IN_KANWIL_REVIEW
