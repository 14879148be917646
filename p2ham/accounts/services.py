"""Writes about people: password events and their consequences."""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.db import transaction
from django.utils import timezone

from p2ham.accounts.backends import lockout_username
from p2ham.accounts.models import User
from p2ham.audit.services import audit_log


@transaction.atomic
def user_password_changed(*, user: User, action: str, unlock: bool = False) -> int:
    """After a password change or reset: revoke the user's API tokens and audit; returns tokens revoked.

    A new password must shut out whoever held the old one, including through tokens issued with it. A
    reset (``unlock``) proves control of the mailbox, so it also lifts a lockout from earlier failures.
    """
    from p2ham.api.models import ApiToken

    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if unlock:
        axes_reset(username=lockout_username(None, {"username": user.username}))
    audit_log(actor=user, action=action, target=user, data={"api_tokens_revoked": revoked})
    return revoked
