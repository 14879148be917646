"""Saving an answer through the page: with htmx (the small saved state comes back) and without JavaScript (a
redirect to the indicator), a stale save that shows the other person's answer, and every refusal."""

from __future__ import annotations

import re

import pytest

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments import services
from p2ham.assessments.models import Answer, Assessment
from p2ham.assessments.tests.test_views import (
    HTMX,
    after_the_deadline,
    english,
    force_status,
    messages_of,
    page_url,
    url,
)
from p2ham.audit.models import AuditEntry
from p2ham.instruments.models import AnswerOption

pytestmark = pytest.mark.django_db

S = Assessment.Status
CODE = "K1.01"


@pytest.fixture(autouse=True)
def _english(client):
    english(client)


@pytest.fixture
def options(assessment) -> list[AnswerOption]:
    """K1.01's answers: Ada / Proses / Tidak."""
    return list(assessment.instrument.indicators.get(code=CODE).scale.options.order_by("order"))


@pytest.fixture
def second_operator(tree):
    """Another operator of Lapas Ambon, filling in the same assessment at the same time."""
    user = UserFactory(username="operator_ambon_2", full_name="Operator Kedua")
    RoleAssignmentFactory(user=user, role=Role.OPERATOR, unit=tree.lapas_ambon)
    return user


def _save(client, assessment, data, *, htmx=True, code=CODE):
    return client.post(url("answer", assessment, code), data, **(HTMX if htmx else {}))


def _nothing_saved(assessment):
    assert not Answer.objects.filter(assessment=assessment).exists()
    assert not AuditEntry.objects.filter(action="assessment.answer.save").exists()


# ---------------------------------------------------------------- allowed


def test_an_htmx_save_returns_the_small_partial(client, assessment, operator, options):
    client.force_login(operator)
    response = _save(client, assessment, {"option": options[1].pk, "note": "Sedang dibangun.", "version": 0})
    assert response.status_code == 200
    answer = Answer.objects.get(assessment=assessment, indicator_code=CODE)
    assert (answer.option_id, answer.note, answer.version, answer.updated_by) == (
        options[1].pk,
        "Sedang dibangun.",
        1,
        operator,
    )
    html = response.content.decode()
    assert "<html" not in html and "<article" not in html  # not the page, not the card
    assert "Saved " in html
    assert re.search(r'<input type="hidden" name="version" value="1" id="version-K1-01" hx-swap-oob="true">', html)
    assert 'id="progress-overall" class="card mb-3" hx-swap-oob="true"' in html
    assert 'id="badges-K1-01" hx-swap-oob="true"' in html
    assert "Answered: 1 of 24" in html


def test_the_next_save_uses_the_new_version(client, assessment, operator, options):
    client.force_login(operator)
    assert _save(client, assessment, {"option": options[0].pk, "version": 0}).status_code == 200
    response = _save(client, assessment, {"option": options[2].pk, "version": 1})
    assert response.status_code == 200
    assert 'value="2" id="version-K1-01"' in response.content.decode()
    assert Answer.objects.get(assessment=assessment, indicator_code=CODE).option_id == options[2].pk


def test_a_save_without_javascript_goes_back_to_the_indicator(client, assessment, operator, options):
    client.force_login(operator)
    response = _save(client, assessment, {"option": options[0].pk, "note": ""}, htmx=False)
    assert response.status_code == 302
    assert response.url == page_url(assessment, CODE)
    assert response.url.endswith("#ind-K1-01")
    assert messages_of(response) == ["Answer to K1.01 saved."]
    assert Answer.objects.get(assessment=assessment, indicator_code=CODE).option_id == options[0].pk


def test_a_refused_save_without_javascript_says_why(client, assessment, operator):
    client.force_login(operator)
    response = _save(client, assessment, {"option": "abc"}, htmx=False)
    assert response.status_code == 302
    assert response.url == page_url(assessment, CODE)
    assert messages_of(response) == ["Choose one of the answers offered for this indicator."]
    _nothing_saved(assessment)


# ---------------------------------------------------------------- stale and invalid


def test_a_stale_save_shows_the_other_persons_answer_and_changes_nothing(
    client, assessment, operator, second_operator, options
):
    services.answer_save(
        actor=second_operator, assessment=assessment, indicator_code=CODE, option_id=options[0].pk, note="Sudah ada."
    )
    client.force_login(operator)
    # This operator loaded the page before that save (version 0) and now picks "Tidak".
    response = _save(client, assessment, {"option": options[2].pk, "note": "Belum.", "version": 0})
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#ind-K1-01"
    assert response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert '<article class="card mb-3 indicator" id="ind-K1-01"' in html
    assert "Operator Kedua changed this answer" in html
    assert f'value="{options[0].pk}" id="opt-K1-01-{options[0].pk}" checked' in html
    assert f'value="{options[2].pk}" id="opt-K1-01-{options[2].pk}" checked' not in html
    assert ">Sudah ada.</textarea>" in html
    assert 'name="version" value="1" id="version-K1-01"' in html  # the next save can go through
    answer = Answer.objects.get(assessment=assessment, indicator_code=CODE)
    assert (answer.option_id, answer.note, answer.version, answer.updated_by) == (
        options[0].pk,
        "Sudah ada.",
        1,
        second_operator,
    )


@pytest.mark.parametrize("option", ["abc", "-1", "999999", "1.5"])
def test_an_invalid_option_is_refused(client, assessment, operator, option):
    client.force_login(operator)
    response = _save(client, assessment, {"option": option, "version": 0})
    assert response.status_code == 400
    assert "Choose one of the answers offered for this indicator." in response.content.decode()
    _nothing_saved(assessment)


def test_an_option_of_another_scale_is_refused(client, assessment, operator):
    other = assessment.instrument.indicators.get(code="K3.04").scale  # kepatuhan, not ada/proses/tidak
    client.force_login(operator)
    response = _save(client, assessment, {"option": other.options.first().pk})
    assert response.status_code == 400
    _nothing_saved(assessment)


def test_an_unknown_indicator_is_refused(client, assessment, operator, options):
    client.force_login(operator)
    # The URL names no indicator of the assessment: there is no card to update.
    assert _save(client, assessment, {"option": options[0].pk}, code="K9.99").status_code == 404
    plain = _save(client, assessment, {"option": options[0].pk}, code="K9.99", htmx=False)
    assert messages_of(plain) == ["There is no indicator K9.99 in this assessment."]
    _nothing_saved(assessment)


# ---------------------------------------------------------------- refused


@pytest.mark.parametrize("who", ["kepala", "kanwil", "ditjen", "verifier"])
def test_people_who_only_read_cannot_save(request, client, assessment, options, who):
    client.force_login(request.getfixturevalue(who))
    for htmx in (True, False):
        assert _save(client, assessment, {"option": options[0].pk}, htmx=htmx).status_code == 403
    _nothing_saved(assessment)


@pytest.mark.parametrize("who", ["sibling_operator", "other_kanwil", "outsider", "medan_operator"])
def test_people_outside_the_scope_get_not_found(request, client, assessment, options, who):
    client.force_login(request.getfixturevalue(who))
    assert _save(client, assessment, {"option": options[0].pk}).status_code == 404
    _nothing_saved(assessment)


def test_anonymous_is_sent_to_the_login_page(client, assessment, options):
    response = _save(client, assessment, {"option": options[0].pk})
    assert response.status_code == 302
    _nothing_saved(assessment)


def test_a_get_is_not_allowed(client, assessment, operator):
    client.force_login(operator)
    assert client.get(url("answer", assessment, CODE)).status_code == 405


def test_after_the_deadline_nothing_is_saved(client, assessment, operator, options, sa_period):
    with after_the_deadline(sa_period):
        client.force_login(operator)
        response = _save(client, assessment, {"option": options[0].pk, "version": 0})
        plain = _save(client, assessment, {"option": options[0].pk, "version": 0}, htmx=False)
    assert response.status_code == 409
    assert "The self-assessment deadline passed on" in response.content.decode()
    assert "WIT" in response.content.decode()  # in the unit's own time
    assert plain.status_code == 302
    assert messages_of(plain)[0].startswith("The self-assessment deadline passed on")
    _nothing_saved(assessment)


@pytest.mark.parametrize("status", [S.SUBMITTED, S.IN_KANWIL_REVIEW, S.IN_VERIFICATION])
def test_a_submitted_assessment_cannot_be_changed(client, assessment, operator, options, status):
    force_status(assessment, status)
    client.force_login(operator)
    response = _save(client, assessment, {"option": options[0].pk})
    assert response.status_code == 409
    assert "This assessment has been submitted" in response.content.decode()
    _nothing_saved(assessment)
