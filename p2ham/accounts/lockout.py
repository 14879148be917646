"""What a locked-out person sees: the lockout page in the browser, the documented error body in the API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """Axes calls this once an account is locked (``AXES_LOCKOUT_CALLABLE``)."""
    minutes = round(float(settings.AXES_COOLOFF_TIME) * 60)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "detail": _("Too many failed attempts: this account is locked for %(minutes)s minutes.")
                % {"minutes": minutes},
                "code": "account_locked",
                "errors": {},
            },
            status=403,
        )
    return render(request, "accounts/locked_out.html", {"cooloff_minutes": minutes}, status=429)
