"""Telling people what happened."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from p2ham.notifications.models import Notification
from p2ham.notifications.tasks import send_notification_email


def notify(*, recipient: Any, title: str, body: str = "", url: str = "", email: bool = True) -> Notification:
    """Record an in-app notification; e-mail it once the surrounding transaction commits."""
    if url and not (url.startswith("/") and not url.startswith("//")):
        # Links point inside the platform only: never another site, never a javascript: URL.
        raise ValueError(f"notification links must be local paths, got {url!r}")
    notification = Notification.objects.create(recipient=recipient, title=title, body=body, url=url)
    if email and recipient.email:
        link = f"\n\n{settings.SITE_URL}{url}" if url else ""
        transaction.on_commit(
            partial(
                send_notification_email.enqueue,
                to=recipient.email,
                subject=f"[P2HAM] {title}",
                body=f"{body}{link}",
            )
        )
    return notification


def notify_many(items: list[tuple[Any, str, str, str]]) -> int:
    """``notify`` for many (recipient, title, body, url) at once, e.g. every unit of a decree."""
    rows = []
    for recipient, title, body, url in items:
        if url and not (url.startswith("/") and not url.startswith("//")):
            raise ValueError(f"notification links must be local paths, got {url!r}")
        rows.append(Notification(recipient=recipient, title=title, body=body, url=url))
    Notification.objects.bulk_create(rows, batch_size=1000)
    for recipient, title, body, url in items:
        if recipient.email:
            link = f"\n\n{settings.SITE_URL}{url}" if url else ""
            transaction.on_commit(
                partial(
                    send_notification_email.enqueue,
                    to=recipient.email,
                    subject=f"[P2HAM] {title}",
                    body=f"{body}{link}",
                )
            )
    return len(rows)


def notification_mark_read(*, user: Any, notification_id: int | None = None) -> int:
    """Mark one of the user's notifications (or all of them) read; returns how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
