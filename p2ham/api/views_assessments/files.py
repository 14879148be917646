"""Evidence files: upload checked by content, metadata, streamed download, removal and resumable uploads."""

from __future__ import annotations

import json
from typing import Any, cast

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import BaseParser, FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2ham.api import serializers_assessments as s
from p2ham.api.errors import ApiError
from p2ham.api.views import ERROR_BODY
from p2ham.api.views_assessments.common import (
    UPLOAD_ERRORS,
    WRITE_ERRORS,
    _assessment,
    _evidence,
    _indicator,
    _may,
    _replaces,
)
from p2ham.api.views_periods import _require
from p2ham.assessments import selectors, services
from p2ham.assessments.models import Evidence, UploadSession
from p2ham.core.policy import Action

OFFSET_BODY = inline_serializer(
    "UploadOffsetConflict",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(help_text="offset_mismatch, deadline_passed or illegal_transition"),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        "expected_offset": serializers.IntegerField(required=False, help_text="resume from this byte"),
    },
)


def _evidence_detail(request: Request, evidence: Evidence) -> dict[str, Any]:
    assessment = evidence.answer.assessment
    return {
        **_evidence(request, evidence, evidence.answer.indicator_code),
        "year": assessment.period.year,
        "unit": assessment.unit.code,
    }


class EvidenceUpload(APIView):
    """``POST .../answers/{indicator_code}/evidence`` (multipart ``file``): a file checked by its content."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=s.EvidenceUploadSerializer, responses={201: s.EvidenceSerializer, **UPLOAD_ERRORS})
    def post(self, request: Request, year: int, unit_code: str, indicator_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        _may(request, Action.ASSESSMENT_EDIT, assessment, _("Only the operators of this unit attach its evidence."))
        indicator = _indicator(assessment, indicator_code)
        uploaded = request.FILES.get("file")
        if uploaded is None:
            raise exceptions.ValidationError({"file": [_("Attach the file as the multipart field “file”.")]})
        replaces = _replaces(request)
        evidence = services.evidence_add(
            actor=request.user,
            assessment=assessment,
            indicator_code=indicator.code,
            uploaded=uploaded,
            replaces=replaces,
        )
        return Response(
            s.EvidenceSerializer(_evidence(request, evidence, indicator.code)).data, status=status.HTTP_201_CREATED
        )


class AnyMediaRenderer(BaseRenderer):
    """Lets a download be asked for with its own type in Accept (e.g. ``application/pdf``) instead of 406;
    an error body is still sent as JSON."""

    media_type = "*/*"
    format = "file"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return json.dumps(data, default=str).encode()


class EvidenceDetail(APIView):
    """``GET /evidence/{id}`` (metadata) and ``DELETE`` (the operator takes the file off its indicator)."""

    @extend_schema(responses={200: s.EvidenceDetailSerializer, 404: ERROR_BODY})
    def get(self, request: Request, id: int) -> Response:
        _require(request, Action.ASSESSMENT_VIEW)
        evidence = selectors.evidence_get_or_404(user=request.user, pk=id)
        return Response(s.EvidenceDetailSerializer(_evidence_detail(request, evidence)).data)

    @extend_schema(request=None, responses={204: None, 403: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY})
    def delete(self, request: Request, id: int) -> Response:
        _require(request, Action.ASSESSMENT_VIEW)
        evidence = selectors.evidence_get_or_404(user=request.user, pk=id)
        services.evidence_remove(actor=request.user, evidence=evidence)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EvidenceDownload(APIView):
    """``GET /evidence/{id}/download``: the stored bytes, streamed, as an attachment with the content's type."""

    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY), 404: ERROR_BODY})
    def get(self, request: Request, id: int) -> FileResponse:
        _require(request, Action.ASSESSMENT_VIEW)
        evidence = selectors.evidence_get_or_404(user=request.user, pk=id)
        response = FileResponse(
            default_storage.open(evidence.blob.storage_name, "rb"),
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.blob.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class OctetStreamParser(BaseParser):
    """A chunk as the raw request body (never more than one chunk is read into memory)."""

    media_type = "application/octet-stream"

    def parse(  # type: ignore[override]  # the body is bytes, not a mapping
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> bytes:
        if stream is None:
            return b""
        data = stream.read(settings.UPLOAD_CHUNK_BYTES + 1)
        if len(data) > settings.UPLOAD_CHUNK_BYTES:
            raise ApiError(
                _("A chunk is at most %(n)s bytes.") % {"n": settings.UPLOAD_CHUNK_BYTES},
                code="chunk_too_large",
                status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            )
        return bytes(data)


class TusChunkParser(OctetStreamParser):
    media_type = "application/offset+octet-stream"


def _session_data(request: Request, session: UploadSession) -> dict[str, Any]:
    return {
        "id": session.pk,
        "indicator": session.indicator_code,
        "name": session.original_name,
        "size": session.size,
        "offset": session.received,
        "chunk_size": settings.UPLOAD_CHUNK_BYTES,
        "url": request.build_absolute_uri(reverse("api:upload", args=[session.pk])),
    }


class UploadStart(APIView):
    """``POST .../answers/{indicator_code}/uploads``: open a resumable upload of ``size`` bytes."""

    parser_classes = [JSONParser]

    @extend_schema(
        request=s.UploadStartSerializer, responses={201: s.UploadSessionSerializer, **WRITE_ERRORS, 413: ERROR_BODY}
    )
    def post(self, request: Request, year: int, unit_code: str, indicator_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        _may(request, Action.ASSESSMENT_EDIT, assessment, _("Only the operators of this unit attach its evidence."))
        indicator = _indicator(assessment, indicator_code)
        data = s.UploadStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.upload_start(
            actor=request.user,
            assessment=assessment,
            indicator_code=indicator.code,
            name=data.validated_data["name"],
            size=data.validated_data["size"],
            replaces=_replaces(request),
        )
        body = s.UploadSessionSerializer(_session_data(request, session)).data
        return Response(
            body,
            status=status.HTTP_201_CREATED,
            headers={"Location": body["url"], "Upload-Offset": "0", "Upload-Length": str(session.size)},
        )


class UploadChunk(APIView):
    """``GET``/``HEAD /uploads/{id}``: where the upload stands; ``PATCH``: the chunk starting at ``Upload-Offset``.
    Only the person who started an upload sees it."""

    parser_classes = [OctetStreamParser, TusChunkParser]

    def _session(self, request: Request, id: Any) -> UploadSession:
        _require(request, Action.ASSESSMENT_VIEW)
        session = (
            UploadSession.objects.select_related("assessment__unit__province", "assessment__period")
            .filter(pk=id, user_id=cast(int, request.user.pk))
            .first()
        )
        if session is None:
            raise Http404
        return session

    @extend_schema(responses={200: s.UploadSessionSerializer, 404: ERROR_BODY})
    def get(self, request: Request, id: Any) -> Response:
        session = self._session(request, id)
        return Response(
            s.UploadSessionSerializer(_session_data(request, session)).data,
            headers={"Upload-Offset": str(session.received), "Upload-Length": str(session.size)},
        )

    @extend_schema(
        request={
            "application/octet-stream": OpenApiTypes.BINARY,
            "application/offset+octet-stream": OpenApiTypes.BINARY,
        },
        parameters=[
            OpenApiParameter(
                "Upload-Offset",
                int,
                location=OpenApiParameter.HEADER,
                required=True,
                description="the byte this chunk starts at (the offset the server reported)",
            )
        ],
        responses={
            200: OpenApiResponse(s.UploadOffsetSerializer, description="chunk stored; more to come"),
            201: OpenApiResponse(s.EvidenceSerializer, description="the last chunk: the file is now evidence"),
            400: ERROR_BODY,
            403: ERROR_BODY,
            404: ERROR_BODY,
            409: OFFSET_BODY,
            413: ERROR_BODY,
            415: ERROR_BODY,
        },
    )
    def patch(self, request: Request, id: Any) -> Response:
        session = self._session(request, id)
        raw = request.headers.get("Upload-Offset", "").strip()
        if not (raw.isascii() and raw.isdigit()):
            raise exceptions.ValidationError({"Upload-Offset": [_("Send the byte this chunk starts at.")]})
        data = request.data if isinstance(request.data, bytes) else b""  # an empty body parses as {}
        result = services.upload_chunk(actor=request.user, session=session, offset=int(raw), data=data)
        if isinstance(result, Evidence):
            return Response(
                s.EvidenceSerializer(_evidence(request, result, session.indicator_code)).data,
                status=status.HTTP_201_CREATED,
            )
        return Response(
            s.UploadOffsetSerializer({"id": result.pk, "offset": result.received, "size": result.size}).data,
            headers={"Upload-Offset": str(result.received)},
        )
