"""Issuing and revoking API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from p2ham.api.authentication import hash_token
from p2ham.api.models import ApiToken
from p2ham.audit.services import audit_log


def token_issue(*, user: Any) -> tuple[str, ApiToken]:
    """Create a token for the user; the raw token is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        key_hash=hash_token(raw),
        expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    audit_log(actor=user, action="api.token.issue", target=user, data={"token_id": token.pk})
    return raw, token


def token_revoke(*, token: ApiToken) -> None:
    """Revoke a token now."""
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_log(actor=token.user, action="api.token.revoke", target=token.user, data={"token_id": token.pk})
