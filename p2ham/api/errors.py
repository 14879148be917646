"""Every API error has the body ``{"detail", "code", "errors"}`` (../shared/API.md)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class FileTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "File too large."
    default_code = "file_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict."
    default_code = "conflict"


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found, or outside your scope."))
    elif isinstance(exc, DjangoValidationError):
        # A service refused: an illegal state move is a conflict, anything else invalid input.
        from p2ham.core.files import UploadKindNotAllowed, UploadTooLarge
        from p2ham.declarations.services import StaleVersion
        from p2ham.periods.services import TransitionError

        if isinstance(exc, StaleVersion):
            exc = Conflict(" ".join(exc.messages), code="stale")
        elif isinstance(exc, TransitionError):
            exc = Conflict(" ".join(exc.messages), code="illegal_transition")
        elif isinstance(exc, UploadTooLarge):
            exc = FileTooLarge(" ".join(exc.messages))
        elif isinstance(exc, UploadKindNotAllowed):
            exc = exceptions.UnsupportedMediaType(media_type="", detail=" ".join(exc.messages))
        else:
            exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        body = {"detail": _("Invalid input."), "code": "invalid", "errors": _flatten(exc.detail)}
    else:
        codes = exc.get_codes()
        body = {"detail": str(exc.detail), "code": codes if isinstance(codes, str) else "error", "errors": {}}
    response.data = body
    return response
