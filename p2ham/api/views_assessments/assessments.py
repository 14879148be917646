"""Evaluation, the assessment list and page, answers, submission, the Kanwil's review and comments."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2ham.api import serializers_assessments as s
from p2ham.api.errors import ApiError
from p2ham.api.views import ERROR_BODY
from p2ham.api.views_assessments.common import (
    IF_MATCH,
    WRITE_ERRORS,
    _assessment,
    _evidence,
    _indicator,
    _may,
    _refreshed_summary,
    _summary,
    _unit,
    _version,
)
from p2ham.api.views_periods import _require
from p2ham.assessments import selectors, services
from p2ham.assessments.models import Answer, Assessment, Comment, CommentRead
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.instruments.models import AnswerOption, Indicator
from p2ham.periods.deadlines import WindowState

STALE_ANSWER_BODY = inline_serializer(
    "AnswerConflict",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(help_text="stale, deadline_passed or illegal_transition"),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        "current": s.AnswerSerializer(required=False, help_text="the answer as someone else saved it (stale only)"),
    },
)


def _deadline(state: WindowState | None) -> dict[str, Any] | None:
    if state is None:
        return None
    return {
        "stage": state.stage,
        "status": state.status,
        "opens": state.opens.isoformat(),
        "closes": state.closes.isoformat(),
        "days_left": state.days_left,
        "extended": state.extended,
    }


def _indicator_row(request: Request, row: selectors.IndicatorRow) -> dict[str, Any]:
    indicator = row.indicator
    return {
        "code": indicator.code,
        "question": indicator.question,
        "guidance_unit": indicator.guidance_unit,
        "mandatory": indicator.mandatory,
        "evidence_rule": {
            "required": indicator.evidence_required,
            "min_files": row.evidence_needed,
            "kinds": list(services.allowed_kinds(indicator)),
            "max_mb": services.file_limit_bytes(indicator) // services.MB,
        },
        "options": [{"id": o.pk, "label": o.label} for o in indicator.scale.options.all()],
        "answer": s.answer_data(indicator.code, row.answer),
        "answered": row.answered,
        "evidence_ok": row.evidence_ok,
        "complete": row.complete,
        "evidence": [_evidence(request, e, indicator.code) for e in row.evidence],
        "comments": row.comments,
        "unread": row.unread,
    }


def _detail(request: Request, assessment: Assessment) -> dict[str, Any]:
    page = selectors.assessment_page(assessment=assessment, user=request.user)
    user, unit = request.user, assessment.unit
    window = selectors.edit_window(assessment)
    editable = assessment.status == Assessment.Status.DRAFT and window is not None and window.status == "open"
    return {
        **_summary(assessment),
        "deadline": _deadline(window),
        "progress": {
            "total": page.total,
            "answered": page.answered,
            "evidence_ok": page.evidence_ok,
            "complete": page.complete,
            "percent": page.percent,
            "unread": page.unread,
        },
        "allowed": {
            "edit": editable and policy.can(user, Action.ASSESSMENT_EDIT, unit),
            "submit": editable and policy.can(user, Action.ASSESSMENT_SUBMIT, unit),
            "review": policy.can(user, Action.ASSESSMENT_KANWIL_REVIEW, unit)
            and assessment.status in (Assessment.Status.SUBMITTED, Assessment.Status.IN_KANWIL_REVIEW),
            "comment": policy.can(user, Action.ASSESSMENT_COMMENT, unit) and assessment.eligible,
        },
        "criteria": [
            {
                "code": c.criterion.code,
                "name": c.criterion.name,
                "total": c.total,
                "answered": c.answered,
                "evidence_ok": c.evidence_ok,
                "percent": c.percent,
                "indicators": [_indicator_row(request, r) for r in c.indicators],
            }
            for c in page.criteria
        ],
    }


class EvaluationDecide(APIView):
    """``POST /periods/{year}/units/{code}/evaluation``: Ditjen HAM decides lolos / tidak lolos."""

    @extend_schema(
        request=s.EvaluationWriteSerializer,
        responses={
            200: OpenApiResponse(s.AssessmentSummarySerializer, description="the decision changed or was restated"),
            201: OpenApiResponse(s.AssessmentSummarySerializer, description="the first decision for the unit"),
            **WRITE_ERRORS,
        },
    )
    def post(self, request: Request, year: int, code: str) -> Response:
        _require(request, Action.EVALUATION_DECIDE)
        period = selectors.period_by_year_or_404(year)
        unit = policy.get_unit_or_404(request.user, code, Action.ASSESSMENT_VIEW)
        data = s.EvaluationWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        existed = Assessment.objects.filter(period=period, unit=unit).exists()
        assessment = services.evaluation_decide(
            actor=request.user,
            period=period,
            unit=unit,
            eligible=data.validated_data["decision"] == "lolos",
            reasons=data.validated_data["reasons"],
        )
        assessment.unit = unit
        return Response(
            _refreshed_summary(assessment), status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )


class EvaluationBulk(APIView):
    """``POST /periods/{year}/evaluations``: one decision for many units, all or nothing."""

    @extend_schema(
        request=s.EvaluationBulkWriteSerializer,
        responses={200: s.EvaluationResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, year: int) -> Response:
        _require(request, Action.EVALUATION_DECIDE)
        period = selectors.period_by_year_or_404(year)
        data = s.EvaluationBulkWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        codes = list(dict.fromkeys(data.validated_data["units"]))
        units = list(
            policy.scope_units(request.user, Action.ASSESSMENT_VIEW)
            .filter(code__in=codes)
            .select_related("unit_type", "province")
        )
        missing = sorted(set(codes) - {u.code for u in units})
        if missing:
            message = _("Unknown unit(s): %(codes)s.") % {"codes": ", ".join(missing)}
            raise exceptions.ValidationError({"units": [message]})
        decided = services.evaluation_decide_many(
            actor=request.user,
            period=period,
            units=sorted(units, key=lambda u: codes.index(u.code)),
            eligible=data.validated_data["decision"] == "lolos",
            reasons=data.validated_data["reasons"],
        )
        return Response(s.EvaluationResultSerializer({"decided": [_summary(a) for a in decided]}).data)


class AssessmentList(GenericAPIView):  # type: ignore[type-arg]
    """``GET /periods/{year}/assessments``: the assessments in the caller's scope with their progress."""

    serializer_class = s.AssessmentRowSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=list(Assessment.Status.values)),
            OpenApiParameter("province", str, description="2-digit Kemendagri province code"),
            OpenApiParameter("type", str, description="unit type code"),
            OpenApiParameter("q", str, description="search in unit name and code"),
        ],
        responses={200: s.AssessmentRowSerializer(many=True), 400: ERROR_BODY, 404: ERROR_BODY},
    )
    def get(self, request: Request, year: int) -> Response:
        _require(request, Action.ASSESSMENT_VIEW)
        period = selectors.period_by_year_or_404(year)
        params = request.query_params
        wanted = params.get("status", "")
        if wanted and wanted not in Assessment.Status.values:
            raise exceptions.ValidationError({"status": [_("Unknown status “%(status)s”.") % {"status": wanted}]})
        qs = selectors.assessment_list(
            user=request.user,
            period=period,
            status=wanted,
            province=params.get("province", ""),
            unit_type=params.get("type", ""),
            q=params.get("q", ""),
        )
        page = self.paginate_queryset(qs) or []
        rows = [
            {
                "year": period.year,
                "unit": _unit(a.unit),
                "status": a.status,
                "status_label": str(a.get_status_display()),
                "version": a.version,
                "submitted_at": a.submitted_at,
                "indicator_total": a.indicator_total,  # type: ignore[attr-defined]
                "answered_total": a.answered_total,  # type: ignore[attr-defined]
                "evidence_files": a.evidence_files,  # type: ignore[attr-defined]
            }
            for a in page
        ]
        return self.get_paginated_response(s.AssessmentRowSerializer(rows, many=True).data)


class AssessmentDetail(APIView):
    """``GET .../{unit_code}``: status, deadline, progress and every indicator with its answer and files."""

    @extend_schema(responses={200: s.AssessmentDetailSerializer, 404: ERROR_BODY})
    def get(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        response = Response(s.AssessmentDetailSerializer(_detail(request, assessment)).data)
        response["ETag"] = f'"{assessment.version}"'
        return response


class AnswerWrite(APIView):
    """``PUT .../answers/{indicator_code}``: the unit's operator saves an answer and its note."""

    @extend_schema(
        request=s.AnswerWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: s.AnswerSerializer, 400: ERROR_BODY, 403: ERROR_BODY, 404: ERROR_BODY, 409: STALE_ANSWER_BODY},
    )
    def put(self, request: Request, year: int, unit_code: str, indicator_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        _may(request, Action.ASSESSMENT_EDIT, assessment, _("Only the operators of this unit fill in its assessment."))
        indicator = _indicator(assessment, indicator_code)
        data = s.AnswerWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = _version(request, required=True)
        given = data.validated_data
        # A field left out keeps what is saved: the version check makes this read safe.
        saved = Answer.objects.filter(assessment=assessment, indicator_code=indicator.code).first()
        option_id = _chosen_option(indicator, given, saved)
        note = given["note"] if "note" in given else (saved.note if saved else "")
        answer = services.answer_save(
            actor=request.user,
            assessment=assessment,
            indicator_code=indicator.code,
            option_id=option_id,
            note=note,
            version=version,
        )
        response = Response(s.AnswerSerializer(s.answer_data(indicator.code, answer)).data)
        response["ETag"] = f'"{answer.version}"'
        return response


def _chosen_option(indicator: Indicator, given: dict[str, Any], saved: Answer | None) -> int | None:
    by_id = given.get("option")
    if "option_label" in given:
        options = list(AnswerOption.objects.filter(scale_id=indicator.scale_id))
        label = given["option_label"].strip()
        match = next((o for o in options if o.label == label), None) or next(
            (o for o in options if o.label.casefold() == label.casefold()), None
        )
        if match is None:
            raise exceptions.ValidationError(
                {
                    "option_label": [
                        _("Choose one of: %(labels)s.") % {"labels": ", ".join(o.label for o in options)},
                    ]
                }
            )
        if "option" in given and by_id != match.pk:
            raise exceptions.ValidationError({"option": [_("option and option_label name different answers.")]})
        return match.pk
    if "option" in given:
        return by_id
    return saved.option_id if saved else None


class SubmitAssessment(APIView):
    """``POST .../submit``: the head of the unit submits a complete assessment before the deadline."""

    @extend_schema(
        request=s.VersionSerializer,
        parameters=[IF_MATCH],
        responses={
            200: s.AssessmentSummarySerializer,
            400: OpenApiResponse(
                ERROR_BODY, description="code `incomplete`: `errors.indicators` lists `CODE: unanswered|evidence`"
            ),
            403: ERROR_BODY,
            404: ERROR_BODY,
            409: ERROR_BODY,
        },
    )
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        _may(request, Action.ASSESSMENT_SUBMIT, assessment, _("Only the head of this unit submits its assessment."))
        s.VersionSerializer(data=request.data).is_valid(raise_exception=True)
        version = _version(request)
        try:
            assessment = services.assessment_submit(actor=request.user, assessment=assessment, version=version)
        except DjangoValidationError as exc:
            if getattr(exc, "code", None) != "incomplete":
                raise
            gaps = selectors.submission_gaps(assessment)
            raise ApiError(
                " ".join(exc.messages),
                code="incomplete",
                status_code=status.HTTP_400_BAD_REQUEST,
                errors={"indicators": [f"{g.indicator.code}: {g.problem}" for g in gaps]},
            ) from None
        return Response(_refreshed_summary(assessment))


class KanwilReview(APIView):
    """``POST .../review/{start|forward|return}``: the Kanwil's internal review of a submitted assessment."""

    ACTIONS = ("start", "forward", "return")

    @extend_schema(
        operation_id="assessments_review",
        request=s.ReviewWriteSerializer,
        parameters=[
            OpenApiParameter("action", str, location=OpenApiParameter.PATH, enum=list(ACTIONS)),
            IF_MATCH,
        ],
        responses={200: s.AssessmentSummarySerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, year: int, unit_code: str, action: str) -> Response:
        if action not in self.ACTIONS:
            raise Http404
        assessment = _assessment(request, year, unit_code)
        _may(
            request,
            Action.ASSESSMENT_KANWIL_REVIEW,
            assessment,
            _("Only the unit's Kanwil (or Ditjen HAM) reviews this assessment."),
        )
        data = s.ReviewWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version, note = _version(request), data.validated_data["note"]
        if action == "start":
            assessment = services.assessment_review_start(actor=request.user, assessment=assessment, version=version)
        elif action == "forward":
            assessment = services.assessment_forward(
                actor=request.user, assessment=assessment, note=note, version=version
            )
        else:
            assessment = services.assessment_send_back(
                actor=request.user, assessment=assessment, note=note, version=version
            )
        return Response(_refreshed_summary(assessment))


class CommentThread(GenericAPIView):  # type: ignore[type-arg]
    """``GET`` one indicator's thread (oldest first; fetching it marks it read) and ``POST`` a message."""

    serializer_class = s.CommentSerializer

    @extend_schema(responses={200: s.CommentSerializer(many=True), 404: ERROR_BODY})
    def get(self, request: Request, year: int, unit_code: str, indicator_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        indicator = _indicator(assessment, indicator_code)
        # Read before the thread is marked read, so this page can still flag what was new.
        read_at = (
            CommentRead.objects.filter(
                user_id=cast(int, request.user.pk), assessment=assessment, indicator_code=indicator.code
            )
            .values_list("read_at", flat=True)
            .first()
        )
        thread = selectors.comment_thread(assessment=assessment, indicator_code=indicator.code)
        page = self.paginate_queryset(thread) or []
        rows = [_comment(c, request.user.pk, read_at) for c in page]
        services.comments_mark_read(user=request.user, assessment=assessment, indicator_code=indicator.code)
        return self.get_paginated_response(s.CommentSerializer(rows, many=True).data)

    @extend_schema(request=s.CommentWriteSerializer, responses={201: s.CommentSerializer, **WRITE_ERRORS})
    def post(self, request: Request, year: int, unit_code: str, indicator_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        _may(request, Action.ASSESSMENT_COMMENT, assessment, _("You cannot comment on this assessment."))
        indicator = _indicator(assessment, indicator_code)
        data = s.CommentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_post(
            actor=request.user, assessment=assessment, indicator_code=indicator.code, body=data.validated_data["body"]
        )
        return Response(
            s.CommentSerializer(_comment(comment, request.user.pk, None)).data, status=status.HTTP_201_CREATED
        )


def _comment(comment: Comment, user_pk: Any, read_at: Any) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "indicator": comment.indicator_code,
        "author": s.user_ref(comment.author),
        "body": comment.body,
        "created_at": comment.created_at,
        "unread": comment.author_id != user_pk and (read_at is None or comment.created_at > read_at),
    }
