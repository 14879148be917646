"""Reading notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from p2ham.notifications.models import Notification


def notification_unread_count(*, user: Any) -> int:
    """Unread notifications of a user (the bell badge)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_list(*, user: Any) -> QuerySet[Notification]:
    """A user's notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
