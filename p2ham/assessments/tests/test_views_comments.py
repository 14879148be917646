"""An indicator's discussion: opening it (htmx or the full page) marks it read, posting adds to it, and
only the people of the unit, its Kanwil and Ditjen's verifiers take part."""

from __future__ import annotations

import pytest

from p2ham.assessments import services
from p2ham.assessments.models import Comment
from p2ham.assessments.tests.test_views import HTMX, english, messages_of, page_url, url

pytestmark = pytest.mark.django_db

CODE = "K1.01"


@pytest.fixture(autouse=True)
def _english(client):
    english(client)


def _unread(client, assessment) -> int:
    response = client.get(page_url(assessment))
    return response.context["page"].row(CODE).unread


def test_opening_the_thread_marks_it_read(client, assessment, operator, kanwil):
    services.comment_post(actor=kanwil, assessment=assessment, indicator_code=CODE, body="Foto ramp kurang jelas.")
    services.comment_post(actor=kanwil, assessment=assessment, indicator_code=CODE, body="Tambahkan SOP.")
    client.force_login(operator)
    assert _unread(client, assessment) == 2
    assert "2 unread" in client.get(page_url(assessment)).content.decode()

    response = client.get(url("comments", assessment, CODE), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # the partial, swapped into the page
    assert "Foto ramp kurang jelas." in html and "Tambahkan SOP." in html
    assert html.index("Foto ramp") < html.index("Tambahkan SOP")  # oldest first
    assert _unread(client, assessment) == 0
    assert "2 unread" not in client.get(page_url(assessment)).content.decode()


def test_the_full_page_also_marks_it_read(client, assessment, operator, kanwil):
    services.comment_post(actor=kanwil, assessment=assessment, indicator_code=CODE, body="Periksa lagi.")
    client.force_login(operator)
    response = client.get(url("comments", assessment, CODE))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "Discussion on K1.01" in html
    assert "Periksa lagi." in html
    assert _unread(client, assessment) == 0


def test_reading_is_per_person(client, assessment, operator, kepala, kanwil):
    services.comment_post(actor=kanwil, assessment=assessment, indicator_code=CODE, body="Periksa lagi.")
    client.force_login(operator)
    client.get(url("comments", assessment, CODE), **HTMX)
    client.force_login(kepala)
    assert _unread(client, assessment) == 1


def test_posting_with_htmx_returns_the_thread(client, assessment, operator):
    client.force_login(operator)
    response = client.post(url("comments", assessment, CODE), {"body": "Sudah kami <b>unggah</b>."}, **HTMX)
    assert response.status_code == 200
    comment = Comment.objects.get()
    assert (comment.author, comment.indicator_code, comment.body) == (operator, CODE, "Sudah kami <b>unggah</b>.")
    html = response.content.decode()
    assert "<html" not in html
    assert "Sudah kami &lt;b&gt;unggah&lt;/b&gt;." in html
    assert '<textarea class="form-control form-control-sm" name="body"' in html  # empty again, to write more
    assert "Sudah kami" not in html.split("<textarea", 1)[1]


def test_posting_without_javascript_redirects_to_the_thread(client, assessment, operator):
    client.force_login(operator)
    response = client.post(url("comments", assessment, CODE), {"body": "Sudah."})
    assert response.status_code == 302
    assert response.url == url("comments", assessment, CODE)
    assert messages_of(response) == ["Comment posted."]
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("htmx", [True, False])
def test_an_empty_comment_is_refused_with_the_message(client, assessment, operator, htmx):
    client.force_login(operator)
    response = client.post(url("comments", assessment, CODE), {"body": "   "}, **(HTMX if htmx else {}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Write the comment first." in html
    assert 'aria-describedby="comment-error-K1-01"' in html
    assert "is-invalid" in html
    assert not Comment.objects.exists()


def test_a_too_long_comment_keeps_the_text(client, assessment, operator):
    client.force_login(operator)
    text = "panjang " * 600
    response = client.post(url("comments", assessment, CODE), {"body": text}, **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The comment is longer than 4000 characters." in html
    assert text.strip() in html  # what was typed is not lost
    assert not Comment.objects.exists()


@pytest.mark.parametrize("who", ["kepala", "kanwil", "verifier", "ditjen"])
def test_the_unit_its_kanwil_and_verifiers_take_part(request, client, assessment, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(url("comments", assessment, CODE), **HTMX)
    assert 'name="body"' in response.content.decode()
    response = client.post(url("comments", assessment, CODE), {"body": "Catatan."}, **HTMX)
    assert response.status_code == 200
    assert Comment.objects.get().author == user


def test_a_read_only_national_role_reads_without_the_form(client, assessment, admin_user, kanwil):
    services.comment_post(actor=kanwil, assessment=assessment, indicator_code=CODE, body="Catatan Kanwil.")
    client.force_login(admin_user)
    response = client.get(url("comments", assessment, CODE), **HTMX)
    assert response.status_code == 200
    assert "Catatan Kanwil." in response.content.decode()
    assert 'name="body"' not in response.content.decode()
    assert client.post(url("comments", assessment, CODE), {"body": "x"}, **HTMX).status_code == 403
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("who", ["sibling_operator", "other_kanwil", "outsider", "medan_operator"])
def test_people_outside_the_scope_get_not_found(request, client, assessment, kanwil, who):
    services.comment_post(actor=kanwil, assessment=assessment, indicator_code=CODE, body="Rahasia unit.")
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("comments", assessment, CODE)).status_code == 404
    assert client.get(url("comments", assessment, CODE), **HTMX).status_code == 404
    assert client.post(url("comments", assessment, CODE), {"body": "Halo"}, **HTMX).status_code == 404
    assert Comment.objects.count() == 1


def test_an_unknown_indicator_is_not_found(client, assessment, operator):
    client.force_login(operator)
    assert client.get(url("comments", assessment, "K9.99")).status_code == 404
    assert client.post(url("comments", assessment, "K9.99"), {"body": "x"}).status_code == 404
    assert not Comment.objects.exists()


def test_a_not_eligible_assessment_refuses_comments(client, sa_period, declared, tree, ditjen, operator):
    assessment = services.evaluation_decide(
        actor=ditjen, period=sa_period, unit=tree.lapas_ambon, eligible=False, reasons="Belum ada ramp."
    )
    client.force_login(operator)
    response = client.get(url("comments", assessment, CODE), **HTMX)
    assert response.status_code == 200
    assert 'name="body"' not in response.content.decode()
    response = client.post(url("comments", assessment, CODE), {"body": "Mohon ditinjau."}, **HTMX)
    assert response.status_code == 409
    assert "This unit has no assessment to discuss." in response.content.decode()
    assert not Comment.objects.exists()
