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


class ApiError(exceptions.APIException):
    """An error whose body carries field ``errors`` and, beside the three keys, ``extra`` ones (e.g. the
    answer someone else saved, or where an upload stands)."""

    def __init__(
        self,
        detail: str,
        *,
        code: str,
        status_code: int,
        errors: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail, code=code)
        self.status_code = status_code
        self.errors = errors or {}
        self.extra = extra or {}
        self.headers = headers or {}


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
        from p2ham.assessments import services as assessment_services
        from p2ham.core.files import UploadKindNotAllowed, UploadTooLarge
        from p2ham.declarations.services import StaleVersion
        from p2ham.periods.services import TransitionError
        from p2ham.reviews.services import ConflictOfInterest

        if isinstance(exc, assessment_services.StaleVersion):
            exc = _assessment_stale(exc)
        elif isinstance(exc, assessment_services.DeadlinePassed):
            exc = Conflict(" ".join(exc.messages), code="deadline_passed")
        elif isinstance(exc, assessment_services.UploadOffsetMismatch):
            exc = ApiError(
                " ".join(exc.messages),
                code="offset_mismatch",
                status_code=status.HTTP_409_CONFLICT,
                extra={"expected_offset": exc.expected},
                headers={"Upload-Offset": str(exc.expected)},
            )
        elif isinstance(exc, StaleVersion):
            exc = Conflict(" ".join(exc.messages), code="stale")
        elif isinstance(exc, ConflictOfInterest):
            exc = Conflict(" ".join(exc.messages), code="conflict_of_interest")
        elif isinstance(exc, TransitionError):
            exc = ApiError(
                " ".join(exc.messages),
                code="illegal_transition",
                status_code=status.HTTP_409_CONFLICT,
                errors=_flatten(exc.message_dict) if hasattr(exc, "error_dict") else None,
            )
        elif isinstance(exc, UploadTooLarge):
            # The per-assessment total keeps its own code: a smaller file would not help there.
            limit = getattr(exc, "code", None) == "assessment_limit"
            exc = FileTooLarge(" ".join(exc.messages), code="assessment_limit" if limit else None)
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
    if isinstance(exc, ApiError):
        body = {**body, "errors": exc.errors, **exc.extra}
        for name, value in exc.headers.items():
            response[name] = value
    response.data = body
    return response


def _assessment_stale(exc: Any) -> exceptions.APIException:
    """A stale save (an answer, a verdict, a panel score or a moderation) shows the change that won, so the
    client can merge instead of overwriting."""
    from p2ham.api.serializers_assessments import AnswerSerializer, answer_data
    from p2ham.api.serializers_reviews import stale_current
    from p2ham.assessments.models import Answer

    current = getattr(exc, "current", None)
    shown = (
        AnswerSerializer(answer_data(current.indicator_code, current)).data
        if isinstance(current, Answer)
        else stale_current(current)
    )
    if shown is None:
        return Conflict(" ".join(exc.messages), code="stale")
    return ApiError(
        " ".join(exc.messages), code="stale", status_code=status.HTTP_409_CONFLICT, extra={"current": shown}
    )
