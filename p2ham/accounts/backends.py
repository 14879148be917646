"""Log in with either the username or the e-mail address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.http import HttpRequest

from p2ham.accounts.models import User


def find_login_user(identifier: str) -> User | None:
    """The account a login identifier (username or e-mail, any case) names, if exactly one."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    matches = list(User.objects.filter(Q(username__iexact=identifier) | Q(email__iexact=identifier))[:2])
    if len(matches) == 2:
        # A username equal to someone else's e-mail: the exact username wins.
        exact = [u for u in matches if u.username.lower() == identifier.lower()]
        return exact[0] if exact else None
    return matches[0] if matches else None


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        user = find_login_user(username or "")
        if user is None or password is None:
            User().set_password(password or "")  # same work as a real check: no timing hint that the user is unknown
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def lockout_username(request: HttpRequest | None, credentials: dict[str, Any]) -> str:
    """Axes counts failures per account, whichever identifier was typed."""
    typed = (credentials or {}).get("username", "") or ""
    user = find_login_user(typed)
    return user.username.lower() if user else typed.strip().lower()
