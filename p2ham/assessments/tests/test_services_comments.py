"""Comment threads per indicator: the others in the thread are told, unread counts on the page, mark read."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from p2ham.assessments import selectors, services
from p2ham.assessments.models import Comment, CommentRead
from p2ham.audit.models import AuditEntry
from p2ham.notifications.models import Notification

pytestmark = pytest.mark.django_db


def post(actor, assessment, body: str, code: str = "K1.01") -> Comment:
    return services.comment_post(actor=actor, assessment=assessment, indicator_code=code, body=body)


def told(after: int) -> set[str]:
    """Who received a comment notification since notification ``after``."""
    return set(
        Notification.objects.filter(pk__gt=after, url__contains="#ind-").values_list("recipient__username", flat=True)
    )


def last_notification_pk() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_a_thread_tells_the_others_and_never_the_author(
    assessment, operator, kepala, kanwil, other_kanwil, verifier, sibling_operator
):
    before = last_notification_pk()
    first = post(operator, assessment, "  Foto ramp sudah diunggah.  ")
    assert first.body == "Foto ramp sudah diunggah."
    # The unit's people and its own Kanwil; not the author, not another province, not a sibling unit.
    assert told(before) == {kepala.username, kanwil.username}
    note = Notification.objects.get(pk__gt=before, recipient=kanwil)
    assert note.url.endswith("#ind-K1.01") and note.body == "Foto ramp sudah diunggah."

    before = last_notification_pk()
    post(verifier, assessment, "Foto kurang jelas.")
    assert told(before) == {operator.username, kepala.username, kanwil.username}

    before = last_notification_pk()
    post(kanwil, assessment, "Mohon diperbaiki.")
    # The verifier wrote in the thread before, so is told now too.
    assert told(before) == {operator.username, kepala.username, verifier.username}
    assert AuditEntry.objects.filter(action="assessment.comment").count() == 3
    thread = selectors.comment_thread(assessment=assessment, indicator_code="K1.01")
    assert [c.author for c in thread] == [operator, verifier, kanwil]


def test_comments_are_checked(assessment, operator):
    with pytest.raises(ValidationError):
        post(operator, assessment, "   ")
    with pytest.raises(ValidationError):
        post(operator, assessment, "x" * (services.COMMENT_MAX + 1))
    with pytest.raises(ValidationError):
        post(operator, assessment, "Ada?", code="K9.99")
    assert not Comment.objects.exists()


@pytest.mark.parametrize("who", ["sibling_operator", "other_kanwil", "outsider"])
def test_people_outside_the_unit_cannot_comment(request, assessment, who):
    with pytest.raises(PermissionDenied):
        post(request.getfixturevalue(who), assessment, "Halo")
    assert not Comment.objects.exists()


def test_there_is_nothing_to_discuss_for_an_ineligible_unit(assessment, sa_period, tree, ditjen, operator):
    services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.lapas_ambon, eligible=False, reasons="Tidak")
    assessment.refresh_from_db()
    with pytest.raises(services.TransitionError):
        post(operator, assessment, "Kenapa?")


def test_unread_counts_on_the_page_and_mark_read(assessment, operator, kepala, kanwil):
    post(kanwil, assessment, "Satu", code="K1.01")
    post(kanwil, assessment, "Dua", code="K1.01")
    post(kanwil, assessment, "Tiga", code="K2.01")
    post(operator, assessment, "Jawaban operator", code="K1.01")

    page = selectors.assessment_page(assessment=assessment, user=operator)
    # Posting marks the author's own thread read: what came before counts as seen.
    assert (page.row("K1.01").comments, page.row("K1.01").unread) == (3, 0)
    assert (page.row("K2.01").comments, page.row("K2.01").unread) == (1, 1)
    assert page.unread == 1

    head = selectors.assessment_page(assessment=assessment, user=kepala)
    assert (head.row("K1.01").unread, head.row("K2.01").unread, head.unread) == (3, 1, 4)
    own = selectors.assessment_page(assessment=assessment, user=kanwil)
    assert (own.row("K1.01").unread, own.row("K2.01").unread) == (1, 0)

    services.comments_mark_read(user=kepala, assessment=assessment, indicator_code="K1.01")
    head = selectors.assessment_page(assessment=assessment, user=kepala)
    assert (head.row("K1.01").unread, head.row("K2.01").unread, head.unread) == (0, 1, 1)
    assert CommentRead.objects.filter(user=kepala).count() == 1
    assert not AuditEntry.objects.filter(action__contains="read").exists()

    post(kanwil, assessment, "Empat", code="K1.01")
    head = selectors.assessment_page(assessment=assessment, user=kepala)
    assert head.row("K1.01").unread == 1
    # Without a user the page counts comments but nothing as unread.
    anonymous = selectors.assessment_page(assessment=assessment)
    assert (anonymous.row("K1.01").comments, anonymous.unread) == (4, 0)
