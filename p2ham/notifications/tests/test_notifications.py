import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from p2ham.notifications.models import Notification
from p2ham.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_notify_records_and_emails_after_commit(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=operator, title="Permohonan disetujui", body="Silakan lanjutkan.", url="/")
        assert mail.outbox == []  # not before the transaction commits
    assert Notification.objects.filter(recipient=operator, read_at__isnull=True).count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [operator.email]
    assert "Permohonan disetujui" in mail.outbox[0].subject


def test_no_email_when_the_transaction_rolls_back(operator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify(recipient=operator, title="Batal")
                raise RuntimeError
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert not Notification.objects.filter(title="Batal").exists()


def test_bell_shows_unread_count(client, operator):
    notify(recipient=operator, title="Satu", email=False)
    notify(recipient=operator, title="Dua", email=False)
    client.force_login(operator)
    response = client.get(reverse("core:home"))
    assert response.context["unread_notifications"] == 2


def test_list_and_mark_read(client, operator):
    n = notify(recipient=operator, title="Satu", email=False)
    client.force_login(operator)
    assert "Satu" in client.get(reverse("notifications:list")).content.decode()
    client.post(reverse("notifications:read"), {"id": n.pk})
    n.refresh_from_db()
    assert n.read_at is not None


def test_cannot_mark_someone_elses_notification(client, operator, sibling_operator):
    n = notify(recipient=operator, title="Milik operator", email=False)
    client.force_login(sibling_operator)
    response = client.post(reverse("notifications:read"), {"id": n.pk})
    assert response.status_code == 302
    n.refresh_from_db()
    assert n.read_at is None
    assert "Milik operator" not in client.get(reverse("notifications:list")).content.decode()


def test_mark_read_refuses_get_and_anonymous(client, operator):
    assert client.post(reverse("notifications:read")).status_code == 302  # to login
    client.force_login(operator)
    assert client.get(reverse("notifications:read")).status_code == 405


def test_mark_read_ignores_external_next(client, operator):
    client.force_login(operator)
    response = client.post(reverse("notifications:read"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notifications:list")


def test_notification_list_requires_login(client, db):
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "https://evil.example/", "//evil.example/x"])
def test_notification_links_must_be_local(operator, url):
    with pytest.raises(ValueError):
        notify(recipient=operator, title="x", url=url, email=False)
    assert not Notification.objects.filter(recipient=operator).exists()
