"""Per-request context: the client IP for the audit log, and the user's own time zone."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import timezone, translation

_client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("p2ham_client_ip", default=None)


def current_client_ip() -> str | None:
    return _client_ip.get()


def client_ip_from_request(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind our load balancer the hop it appended last."""
    if settings.BEHIND_PROXY:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _client_ip.set(client_ip_from_request(request))
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from p2ham.core.policy import user_timezone

            # Times are shown in the user's own zone (WIB/WITA/WIT) unless a page names a unit's zone.
            timezone.activate(user_timezone(user))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
            _client_ip.reset(token)


class LanguageMiddleware(LocaleMiddleware):
    """Indonesian unless the person chose English with the switch (cookie).

    A browser's Accept-Language is ignored for pages — an official on an English-language laptop still
    gets the Indonesian interface — but honoured by the API, whose clients ask for a language explicitly.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/"):
            language = translation.get_language_from_request(request)
        else:
            chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
            language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
