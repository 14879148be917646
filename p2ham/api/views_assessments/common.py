"""What the evaluation and self-assessment views share: finding the assessment, the version a write is
based on, and the dicts the serializers render."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions
from rest_framework.request import Request

from p2ham.api import serializers_assessments as s
from p2ham.api.views import ERROR_BODY
from p2ham.api.views_periods import _require
from p2ham.assessments import selectors
from p2ham.assessments.models import Assessment, Evidence
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.instruments.models import Indicator

IF_MATCH = OpenApiParameter(
    "If-Match", str, location=OpenApiParameter.HEADER, description="the version you read, instead of `version`"
)
WRITE_ERRORS: dict[int, Any] = {400: ERROR_BODY, 403: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY}
UPLOAD_ERRORS: dict[int, Any] = {**WRITE_ERRORS, 413: ERROR_BODY, 415: ERROR_BODY}


def _assessment(request: Request, year: int, unit_code: str) -> Assessment:
    _require(request, Action.ASSESSMENT_VIEW)
    return selectors.assessment_get_or_404(user=request.user, year=year, unit_code=unit_code)


def _may(request: Request, action: Action, assessment: Assessment, message: str) -> None:
    """The role check before the body is parsed, so a role that may not act gets 403, not a 400."""
    if not policy.can(request.user, action, assessment.unit):
        raise PermissionDenied(message)


def _indicator(assessment: Assessment, code: str) -> Indicator:
    """An indicator of the assessment's instrument, addressed in the path: 404 when there is none."""
    indicator = (
        Indicator.objects.select_related("scale").filter(instrument_id=assessment.instrument_id, code=code).first()
        if assessment.instrument_id
        else None
    )
    if indicator is None:
        raise Http404
    return indicator


def _version(request: Request, *, required: bool = False) -> int | None:
    """The version the write is based on: the ``version`` field or the ``If-Match`` header."""
    raw = request.data.get("version") if hasattr(request.data, "get") else None
    header = request.headers.get("If-Match", "").strip()
    if header.startswith("W/"):
        header = header[2:]
    header = header.strip('"')
    values = {str(v).strip() for v in (raw, header) if v not in (None, "")}
    if not values:
        if required:
            raise exceptions.ValidationError(
                {"version": [_("Send the version you read (0 if it was never saved), or an If-Match header.")]}
            )
        return None
    if len(values) > 1 or not all(v.isascii() and v.isdigit() for v in values):
        raise exceptions.ValidationError({"version": [_("Send one version: a whole number.")]})
    return int(values.pop())


def _unit(unit: Any) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "type": unit.unit_type.code,
        "province": unit.province.code,
        "timezone": unit.province.timezone,
    }


def _summary(assessment: Assessment) -> dict[str, Any]:
    instrument = assessment.instrument
    return {
        "year": assessment.period.year,
        "unit": _unit(assessment.unit),
        "status": assessment.status,
        "status_label": str(assessment.get_status_display()),
        "version": assessment.version,
        "instrument": instrument.code if instrument else None,
        "instrument_version": instrument.version if instrument else None,
        "eligibility_reasons": assessment.eligibility_reasons,
        "evaluated_at": assessment.evaluated_at,
        "submitted_at": assessment.submitted_at,
        "kanwil_note": assessment.kanwil_note,
        "kanwil_returned_at": assessment.kanwil_returned_at,
    }


def _refreshed_summary(assessment: Assessment) -> dict[str, Any]:
    return s.AssessmentSummarySerializer(_summary(assessment)).data


def _evidence(request: Request, evidence: Evidence, indicator_code: str) -> dict[str, Any]:
    blob = evidence.blob
    return {
        "id": evidence.pk,
        "indicator": indicator_code,
        "name": evidence.original_name,
        "size": blob.size,
        "kind": blob.kind,
        "content_type": blob.content_type,
        "sha256": blob.sha256,
        "uploaded_at": evidence.created_at,
        "uploaded_by": s.user_ref(evidence.uploaded_by),
        "current": evidence.current,
        "replaces": evidence.replaces_id,
        "superseded_at": evidence.superseded_at,
        "removed_at": evidence.removed_at,
        "download_url": request.build_absolute_uri(reverse("api:evidence_download", args=[evidence.pk])),
    }


def _evidence_by_pk(request: Request, pk: int, field: str) -> Evidence:
    """A file named in the body: one the caller cannot see is invalid input, not a missing page."""
    try:
        return selectors.evidence_get_or_404(user=request.user, pk=pk)
    except Http404:
        raise exceptions.ValidationError({field: [_("Unknown file.")]}) from None


def _replaces(request: Request) -> Evidence | None:
    raw = request.data.get("replaces")
    if raw in (None, ""):
        return None
    if not str(raw).isascii() or not str(raw).isdigit():
        raise exceptions.ValidationError({"replaces": [_("Send the id of the file to replace.")]})
    return _evidence_by_pk(request, int(str(raw)), "replaces")
