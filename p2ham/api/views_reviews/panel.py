"""The panel (stage 7): what the caller may see of it, an assessor's own scores and their submission, the
chair's moderation, adjustments, veto, field visits and finish, and an assessor's declared conflict."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2ham.api import serializers_reviews as s
from p2ham.api.errors import ApiError
from p2ham.api.views import ERROR_BODY
from p2ham.api.views_assessments.assessments import _chosen_option
from p2ham.api.views_assessments.common import (
    IF_MATCH,
    UPLOAD_ERRORS,
    WRITE_ERRORS,
    _assessment,
    _indicator,
    _summary,
    _version,
)
from p2ham.api.views_assessments.files import AnyMediaRenderer
from p2ham.api.views_reviews.common import attach_users, fresh, indicator_by_code, panel_reader, require_seat
from p2ham.assessments.models import Assessment
from p2ham.core.files import CONTENT_TYPES
from p2ham.instruments.models import Indicator
from p2ham.reviews import selectors, services, services_panel
from p2ham.reviews.models import (
    Adjustment,
    FieldVisit,
    FieldVisitPhoto,
    PanelAssignment,
    PanelResult,
    PanelScore,
    Verdict,
    Verification,
    Veto,
)

S = Assessment.Status


def _conflict_body(name: str, current: Any, what: str) -> Any:
    return inline_serializer(
        name,
        fields={
            "detail": serializers.CharField(),
            "code": serializers.CharField(help_text="stale or illegal_transition"),
            "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
            "current": current(required=False, help_text=what),
        },
    )


STALE_SCORE_BODY = _conflict_body("ScoreConflict", s.ScoreSerializer, "your score as saved in another window (stale)")
STALE_MODERATION_BODY = _conflict_body(
    "ModerationConflict", s.ModeratedSerializer, "the value as someone else set it (stale)"
)
SCORE_WRITE_ERRORS: dict[int, Any] = {400: ERROR_BODY, 403: ERROR_BODY, 404: ERROR_BODY}


def _base(assessment: Assessment) -> list[Any]:
    return [assessment.period.year, assessment.unit.code]


def _document_url(request: Request, assessment: Assessment, adjustment: Adjustment) -> str | None:
    if not adjustment.document_name:
        return None
    return request.build_absolute_uri(reverse("api:adjustment_document", args=[*_base(assessment), adjustment.pk]))


def _photo_url(request: Request, assessment: Assessment) -> Any:
    def url(photo: FieldVisitPhoto) -> str:
        return request.build_absolute_uri(
            reverse("api:field_visit_photo", args=[*_base(assessment), photo.visit_id, photo.pk])
        )

    return url


def _seat_rows(seats: list[PanelAssignment]) -> list[dict[str, Any]]:
    attach_users([(seat, "assigned_by") for seat in seats])
    return [s.seat_data(seat) for seat in seats]


def _detail(request: Request, assessment: Assessment) -> dict[str, Any]:
    page = selectors.panel_page(assessment=assessment, user=request.user)
    seat = page.seat
    attach_users(
        [(r.verification, "verified_by") for r in page.rows if r.verification is not None]
        + [(r.moderated, "set_by") for r in page.rows if r.moderated is not None]
    )
    in_panel = assessment.status == S.IN_PANEL
    chair = seat is not None and seat.chair
    rows = []
    for row in page.rows:
        indicator, code = row.indicator, row.indicator.code
        rows.append(
            {
                "code": code,
                "criterion": indicator.criterion.code,
                "question": indicator.question,
                "options": [{"id": o.pk, "label": o.label, "score": o.score} for o in row.options],
                "verification": s.verification_data(code, row.verification),
                "scorable": row.scorable,
                "own": s.score_data(code, row.own) if seat is not None else None,
                "scores": [
                    {
                        "assessor": {
                            "username": score.assignment.assessor.username,
                            "full_name": score.assignment.assessor.full_name,
                        },
                        "option_id": score.option_id,
                        "option_label": score.option.label,
                        "score": score.option.score,
                        "note": score.note,
                    }
                    for score in row.others
                ],
                "spread": row.spread,
                "flagged": row.flagged,
                "moderated": s.moderated_data(code, row.moderated),
            }
        )
    moderate = chair and in_panel and page.all_submitted
    photo_url = _photo_url(request, assessment)
    return {
        **_summary(assessment),
        "seat": _seat_rows([seat])[0] if seat is not None else None,
        "see_all": page.see_all,
        "margins": {"indicator": page.margin_indicator, "total": page.margin_total},
        "progress": {
            "scorable": len(page.scorable_rows),
            "own_scored": page.own_scored,
            "flagged": len(page.flagged_rows),
            "unmoderated": len(page.unmoderated),
            "all_submitted": page.all_submitted,
        },
        "allowed": {
            "score": seat is not None and seat.submitted_at is None and in_panel,
            "submit": seat is not None and seat.submitted_at is None and in_panel,
            "moderate": moderate,
            "record": chair and in_panel,
            "finish": moderate and not page.unmoderated,
            "declare_conflict": seat is not None and assessment.status not in (S.SCORED, S.DETERMINED),
        },
        "panel": _seat_rows(page.panel),
        "indicators": rows,
        "totals": [
            {
                "assessor": {"username": t.seat.assessor.username, "full_name": t.seat.assessor.full_name},
                "total": t.total,
            }
            for t in page.totals
        ],
        "total_spread": page.total_spread,
        "total_flagged": page.total_flagged,
        "adjustments": [s.adjustment_data(a, _document_url(request, assessment, a)) for a in page.adjustments],
        "field_visits": [s.field_visit_data(v, photo_url) for v in page.field_visits],
        "veto": s.veto_data(Veto.objects.filter(assessment=assessment).select_related("created_by").first()),
        "result": s.result_data(PanelResult.objects.filter(assessment=assessment).select_related("scored_by").first()),
    }


class PanelDetail(APIView):
    """``GET .../panel``: the panel's work as the caller may see it. An assessor sees their own scores, and the
    others' (with the flags and totals) only after submitting their own; Ditjen HAM sees the submitted
    scores. Read by Ditjen HAM and the assessors seated on the panel; anyone else gets 404."""

    @extend_schema(responses={200: s.PanelDetailSerializer, 404: ERROR_BODY})
    def get(self, request: Request, year: int, unit_code: str) -> Response:
        assessment, _seat = panel_reader(request, year, unit_code)
        response = Response(s.PanelDetailSerializer(_detail(request, assessment)).data)
        response["ETag"] = f'"{assessment.version}"'
        return response


class ScoreWrite(APIView):
    """``PUT .../panel/scores/{indicator_code}``: an assessor's own score of one verified indicator (until they
    submit). 409 before the assessment is verified and with the panel."""

    @extend_schema(
        request=s.ScoreWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: s.ScoreSerializer, **SCORE_WRITE_ERRORS, 409: STALE_SCORE_BODY},
    )
    def put(self, request: Request, year: int, unit_code: str, indicator_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_seat(request, assessment)
        indicator = _indicator(assessment, indicator_code)
        data = s.ScoreWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = _version(request, required=True)
        score = services_panel.panel_score_save(
            actor=request.user,
            assessment=assessment,
            indicator_code=indicator.code,
            option_id=_chosen_option(indicator, data.validated_data, None),
            note=data.validated_data["note"],
            version=version,
        )
        response = Response(s.ScoreSerializer(s.score_data(indicator.code, score)).data)
        response["ETag"] = f'"{score.version}"'
        return response


def _unscored(assessment: Assessment, seat: PanelAssignment) -> list[str]:
    needed = Verification.objects.filter(assessment=assessment, verdict__in=[Verdict.ACCEPTED, Verdict.REJECTED])
    scored = set(PanelScore.objects.filter(assignment=seat).values_list("indicator_code", flat=True))
    return sorted(set(needed.values_list("indicator_code", flat=True)) - scored)


class PanelSubmit(APIView):
    """``POST .../panel/submit``: the assessor's scores become final (every verified indicator scored); from
    now on ``GET .../panel`` shows them the other submitted scores."""

    @extend_schema(
        request=None,
        responses={
            200: s.PanelSeatSerializer,
            400: OpenApiResponse(ERROR_BODY, description="code `incomplete`: `errors.indicators` lists the unscored"),
            403: ERROR_BODY,
            404: ERROR_BODY,
            409: ERROR_BODY,
        },
    )
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        seat = require_seat(request, assessment)
        try:
            seat = services_panel.panel_submit(actor=request.user, assessment=assessment)
        except DjangoValidationError as exc:
            if getattr(exc, "code", None) != "incomplete":
                raise
            raise ApiError(
                " ".join(exc.messages),
                code="incomplete",
                status_code=status.HTTP_400_BAD_REQUEST,
                errors={"indicators": _unscored(assessment, seat)},
            ) from None
        return Response(s.PanelSeatSerializer(_seat_rows([_with_people(seat)])[0]).data)


def _with_people(seat: PanelAssignment) -> PanelAssignment:
    return PanelAssignment.objects.select_related("assessor", "assigned_by").get(pk=seat.pk)


class PanelModerate(APIView):
    """``POST .../panel/moderate``: the chair sets the final value of an indicator on which the assessors
    disagree, with a note (once every assessor has submitted)."""

    @extend_schema(
        request=s.ModerateWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: s.ModeratedSerializer, **SCORE_WRITE_ERRORS, 409: STALE_MODERATION_BODY},
    )
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_seat(request, assessment, chair=True)
        data = s.ModerateWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = _version(request, required=True)
        indicator = indicator_by_code(assessment, data.validated_data["indicator"])
        moderated = services_panel.panel_moderate(
            actor=request.user,
            assessment=assessment,
            indicator_code=indicator.code,
            option_id=_chosen_option(indicator, data.validated_data, None),
            note=data.validated_data["note"],
            version=version,
        )
        response = Response(s.ModeratedSerializer(s.moderated_data(indicator.code, moderated)).data)
        response["ETag"] = f'"{moderated.version}"'
        return response


class PanelFinish(APIView):
    """``POST .../panel/finish``: the chair closes the panel — every assessor submitted, every flagged
    indicator moderated, a note when the totals disagree. The scoring engine's breakdown is stored and the
    assessment is *scored*."""

    @extend_schema(
        request=s.FinishWriteSerializer,
        parameters=[IF_MATCH],
        responses={
            200: s.FinishResultSerializer,
            400: OpenApiResponse(
                ERROR_BODY,
                description="code `unmoderated`: `errors.indicators` lists the flagged indicators still to set; "
                "otherwise `invalid` (e.g. `errors.note`)",
            ),
            403: ERROR_BODY,
            404: ERROR_BODY,
            409: ERROR_BODY,
        },
    )
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_seat(request, assessment, chair=True)
        data = s.FinishWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            result = services_panel.panel_finish(
                actor=request.user, assessment=assessment, note=data.validated_data["note"], version=_version(request)
            )
        except DjangoValidationError as exc:
            if getattr(exc, "code", None) != "unmoderated":
                raise
            page = selectors.panel_page(assessment=assessment, user=request.user)
            raise ApiError(
                " ".join(exc.messages),
                code="unmoderated",
                status_code=status.HTTP_400_BAD_REQUEST,
                errors={"indicators": [r.indicator.code for r in page.unmoderated]},
            ) from None
        return Response(
            s.FinishResultSerializer({"assessment": _summary(fresh(assessment)), "result": s.result_data(result)}).data
        )


class PanelConflict(APIView):
    """``POST .../panel/conflict``: an assessor declares a conflict of interest and leaves the panel (Ditjen
    HAM is asked to replace them)."""

    @extend_schema(request=s.ConflictWriteSerializer, responses={200: s.PanelSeatSerializer, **WRITE_ERRORS})
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_seat(request, assessment)
        data = s.ConflictWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        seat = services.panel_declare_conflict(
            actor=request.user, assessment=assessment, reason=data.validated_data["reason"]
        )
        return Response(s.PanelSeatSerializer(_seat_rows([_with_people(seat)])[0]).data)


class AdjustmentCreate(APIView):
    """``POST .../adjustments`` (multipart, or JSON without a document): the chair records a bonus or penalty
    within the kind's configured range, justified, with an optional document checked by its content."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=s.AdjustmentWriteSerializer, responses={201: s.AdjustmentSerializer, **UPLOAD_ERRORS})
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_seat(request, assessment, chair=True)
        data = s.AdjustmentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        adjustment = services_panel.adjustment_add(
            actor=request.user,
            assessment=assessment,
            kind=given["kind"],
            points=given["points"],
            justification=given["justification"],
            document=given.get("document"),
        )
        adjustment = Adjustment.objects.select_related("created_by").get(pk=adjustment.pk)
        body = s.AdjustmentSerializer(s.adjustment_data(adjustment, _document_url(request, assessment, adjustment)))
        return Response(body.data, status=status.HTTP_201_CREATED)


def _adjustment(assessment: Assessment, pk: int) -> Adjustment:
    adjustment = Adjustment.objects.filter(pk=pk, assessment=assessment).first()
    if adjustment is None:
        raise Http404
    adjustment.assessment = assessment
    return adjustment


class AdjustmentDetail(APIView):
    """``DELETE .../adjustments/{id}``: the chair withdraws an adjustment (kept in the record, not counted)."""

    @extend_schema(request=None, responses={204: None, 403: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY})
    def delete(self, request: Request, year: int, unit_code: str, id: int) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_seat(request, assessment, chair=True)
        services_panel.adjustment_remove(actor=request.user, adjustment=_adjustment(assessment, id))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _download(storage_name: str, name: str, kind: str) -> FileResponse:
    response = FileResponse(
        default_storage.open(storage_name, "rb"),
        as_attachment=True,
        filename=name,
        content_type=CONTENT_TYPES.get(kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


class AdjustmentDocument(APIView):
    """``GET .../adjustments/{id}/document``: an adjustment's document (those who read the panel)."""

    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY), 404: ERROR_BODY})
    def get(self, request: Request, year: int, unit_code: str, id: int) -> FileResponse:
        assessment, _seat = panel_reader(request, year, unit_code)
        adjustment = _adjustment(assessment, id)
        if not adjustment.document_name:
            raise Http404
        return _download(adjustment.document_name, adjustment.document_original, adjustment.document_kind)


class VetoWrite(APIView):
    """``POST .../veto``: the chair strikes the unit out (coret) with reasons, or changes them; ``DELETE`` lifts
    it before the panel finishes."""

    @extend_schema(
        request=s.VetoWriteSerializer,
        responses={
            200: OpenApiResponse(s.VetoSerializer, description="the reasons of an existing veto changed"),
            201: s.VetoSerializer,
            **WRITE_ERRORS,
        },
    )
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_seat(request, assessment, chair=True)
        data = s.VetoWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        existed = Veto.objects.filter(assessment=assessment).exists()
        veto = services_panel.veto_set(
            actor=request.user, assessment=assessment, reasons=data.validated_data["reasons"]
        )
        return Response(
            s.VetoSerializer(s.veto_data(veto)).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )

    @extend_schema(
        request=None,
        responses={
            204: None,
            403: ERROR_BODY,
            404: ERROR_BODY,
            409: OpenApiResponse(ERROR_BODY, description="no veto to lift, or the panel is not scoring"),
        },
    )
    def delete(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_seat(request, assessment, chair=True)
        services_panel.veto_remove(actor=request.user, assessment=assessment)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _changes(assessment: Assessment, rows: list[dict[str, Any]]) -> list[tuple[str, int | None, str]]:
    """The body's changes as (indicator code, option id, note); problems are reported on ``changes``."""
    codes = {row["indicator"] for row in rows}
    indicators = {
        i.code: i
        for i in Indicator.objects.select_related("scale").filter(
            instrument_id=assessment.instrument_id or 0, code__in=codes
        )
    }
    resolved: list[tuple[str, int | None, str]] = []
    problems: list[str] = []
    for n, row in enumerate(rows, start=1):
        indicator = indicators.get(row["indicator"])
        if indicator is None:
            problems.append(
                f"{n}.indicator: "
                + _("There is no indicator %(code)s in this assessment.") % {"code": row["indicator"]}
            )
            continue
        try:
            option_id = _chosen_option(indicator, row, None)
        except exceptions.ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {}
            problems += [f"{n}.{field}: {m}" for field, messages in detail.items() for m in messages]
            continue
        if option_id is None:
            problems.append(f"{n}.option: " + _("Choose the new verified answer."))
            continue
        resolved.append((indicator.code, option_id, row["note"]))
    if problems:
        raise exceptions.ValidationError({"changes": problems})
    return resolved


class FieldVisitCreate(APIView):
    """``POST .../field-visits`` (multipart; JSON without photos): the chair records a field visit — date, who,
    findings, photos (repeat ``photos``) and the verified answers it changed (``changes``, a JSON array)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request=s.FieldVisitWriteSerializer, responses={201: s.FieldVisitSerializer, **UPLOAD_ERRORS})
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_seat(request, assessment, chair=True)
        data = s.FieldVisitWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        visit = services_panel.field_visit_record(
            actor=request.user,
            assessment=assessment,
            visited_on=given["visited_on"],
            participants=given["participants"],
            findings=given["findings"],
            photos=list(given.get("photos") or []),
            changes=_changes(assessment, given.get("changes") or []),
        )
        visit = (
            FieldVisit.objects.select_related("created_by")
            .prefetch_related("photos", "changes__option_before", "changes__option_after")
            .get(pk=visit.pk)
        )
        body = s.FieldVisitSerializer(s.field_visit_data(visit, _photo_url(request, assessment)))
        return Response(body.data, status=status.HTTP_201_CREATED)


class FieldVisitPhotoDownload(APIView):
    """``GET .../field-visits/{id}/photos/{photo_id}``: a photo of a field visit (those who read the panel)."""

    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY), 404: ERROR_BODY})
    def get(self, request: Request, year: int, unit_code: str, id: int, photo_id: int) -> FileResponse:
        assessment, _seat = panel_reader(request, year, unit_code)
        photo = FieldVisitPhoto.objects.filter(pk=photo_id, visit_id=id, visit__assessment=assessment).first()
        if photo is None:
            raise Http404
        return _download(photo.storage_name, photo.original_name, photo.kind)
