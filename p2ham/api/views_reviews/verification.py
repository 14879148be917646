"""Verification (stage 6): the verdict rows and the rounds, a verdict per indicator, the return for repair,
the unit's resubmission, the verifier resuming after the due date, and "verified"."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2ham.accounts.models import User
from p2ham.api import serializers_assessments as sa
from p2ham.api import serializers_reviews as s
from p2ham.api.errors import ApiError
from p2ham.api.views import ERROR_BODY
from p2ham.api.views_assessments.assessments import _chosen_option
from p2ham.api.views_assessments.common import (
    IF_MATCH,
    WRITE_ERRORS,
    _assessment,
    _evidence,
    _indicator,
    _may,
    _refreshed_summary,
    _summary,
    _version,
)
from p2ham.api.views_reviews.common import attach_users, fresh, require_verifier, verification_reader
from p2ham.assessments.models import Answer, Assessment
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.instruments.models import Indicator
from p2ham.reviews import selectors, services
from p2ham.reviews.models import RevisionRequest, Verdict, Verification

S = Assessment.Status

STALE_VERIFICATION_BODY = inline_serializer(
    "VerificationConflict",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(help_text="stale or illegal_transition"),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        "current": s.VerificationSerializer(required=False, help_text="the verdict as someone else saved it (stale)"),
    },
)
INCOMPLETE = OpenApiResponse(
    ERROR_BODY,
    description="code `incomplete`: `errors.indicators` lists `CODE: undecided|needs_repair`; "
    "otherwise `invalid` with errors per field",
)


def _rounds(assessment: Assessment) -> list[RevisionRequest]:
    rounds = selectors.revision_rounds(assessment)
    for r in rounds:
        r.assessment = assessment  # its unit's time zone, without a query per round
    return rounds


def _detail(request: Request, assessment: Assessment) -> dict[str, Any]:
    page = selectors.verification_page(assessment=assessment)
    attach_users(
        [(row.answer, "updated_by") for row in page.rows if row.answer is not None]
        + [(e, "uploaded_by") for row in page.rows for e in row.evidence]
    )
    rounds = _rounds(assessment)
    open_round = next((r for r in rounds if r.closed_at is None), None)
    user, unit = request.user, assessment.unit
    assigned = selectors.is_assigned_verifier(user, assessment)
    verifying = assigned and assessment.status == S.IN_VERIFICATION
    overdue = open_round is not None and s.round_data(open_round)["overdue"]
    needs_repair = len(page.needs_repair)
    last = page.revision
    rows = []
    for criterion, crows in page.criteria:
        for row in crows:
            indicator = row.indicator
            item, change = row.item, row.change
            rows.append(
                {
                    "code": indicator.code,
                    "criterion": criterion.code,
                    "question": indicator.question,
                    "guidance_verifier": indicator.guidance_verifier,
                    "options": [
                        {"id": o.pk, "label": o.label, "score": o.score} for o in indicator.scale.options.all()
                    ],
                    "answer": sa.answer_data(indicator.code, row.answer),
                    "evidence": [_evidence(request, e, indicator.code) for e in row.evidence],
                    "verification": s.verification_data(indicator.code, row.verification),
                    "returned": (
                        {
                            "round": last.round if last else 0,
                            "reason": item.reason.code if item.reason else None,
                            "reason_label": item.reason.label if item.reason else None,
                            "note": item.note,
                        }
                        if item is not None
                        else None
                    ),
                    "change": (
                        {
                            "any": change.any,
                            "option_changed": change.option_changed,
                            "option_before_id": change.option_before.pk if change.option_before else None,
                            "option_before_label": change.option_before.label if change.option_before else None,
                            "note_changed": change.note_changed,
                            "note_before": change.note_before,
                            "evidence_added": [e.pk for e in change.added],
                            "evidence_gone": list(change.gone),
                        }
                        if change is not None
                        else None
                    ),
                    "last_year": (
                        {
                            "indicator": row.last_year.indicator_code,
                            "verdict": row.last_year.verdict,
                            "option_id": row.last_year.option_id,
                            "option_label": row.last_year.option.label if row.last_year.option else None,
                        }
                        if row.last_year is not None
                        else None
                    ),
                }
            )
    return {
        **_summary(assessment),
        "progress": {
            "total": page.total,
            "decided": page.decided,
            "needs_repair": needs_repair,
            "undecided": len(page.open),
        },
        "allowed": {
            "save": verifying,
            "return_for_repair": verifying and needs_repair > 0,
            "complete": verifying and page.complete,
            "resubmit": assessment.status == S.RETURNED
            and policy.can(user, Action.ASSESSMENT_SUBMIT, unit)
            and not overdue,
            "resume": assessment.status == S.RETURNED and assigned and overdue,
        },
        "verifiers": [
            sa.user_ref(u)
            for u in User.objects.filter(pk__in=assessment.verifiers.values("verifier")).order_by("full_name")
        ],
        "open_round": s.round_data(open_round) if open_round is not None else None,
        "rounds": [s.round_data(r) for r in rounds],
        "reasons": [{"code": r.code, "label": r.label} for r in page.reasons],
        "indicators": rows,
    }


class VerificationDetail(APIView):
    """``GET .../verification``: every indicator with the unit's answer and files, the verdict (version 0 while
    none), what was sent back in the last round and what the unit changed since; the rounds.

    Read by Ditjen HAM, the assigned verifiers and the panel's assessors; by the unit, its Kanwil and
    leadership only once the assessment has been returned for repair or verified. Otherwise 404."""

    @extend_schema(responses={200: s.VerificationDetailSerializer, 404: ERROR_BODY})
    def get(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = verification_reader(request, year, unit_code)
        response = Response(s.VerificationDetailSerializer(_detail(request, assessment)).data)
        response["ETag"] = f'"{assessment.version}"'
        return response


class VerificationWrite(APIView):
    """``PUT .../answers/{indicator_code}/verification``: an assigned verifier records the verdict on one
    indicator. The whole verdict is replaced; an absent ``option`` means the unit's own answer."""

    @extend_schema(
        request=s.VerificationWriteSerializer,
        parameters=[IF_MATCH],
        responses={
            200: s.VerificationSerializer,
            400: ERROR_BODY,
            403: ERROR_BODY,
            404: ERROR_BODY,
            409: STALE_VERIFICATION_BODY,
        },
    )
    def put(self, request: Request, year: int, unit_code: str, indicator_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_verifier(request, assessment)
        indicator = _indicator(assessment, indicator_code)
        data = s.VerificationWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = _version(request, required=True)
        given = data.validated_data
        answer = Answer.objects.filter(assessment=assessment, indicator_code=indicator.code).first()
        verification = services.verification_save(
            actor=request.user,
            assessment=assessment,
            indicator_code=indicator.code,
            verdict=given["verdict"],
            option_id=_chosen_option(indicator, given, answer),
            reason_code=given["reason"].strip(),
            note=given["note"],
            version=version,
        )
        response = Response(s.VerificationSerializer(s.verification_data(indicator.code, verification)).data)
        response["ETag"] = f'"{verification.version}"'
        return response


def _round_result(assessment: Assessment, request: RevisionRequest) -> dict[str, Any]:
    now = fresh(assessment)
    revision = (
        RevisionRequest.objects.select_related("created_by", "closed_by")
        .prefetch_related("items__reason")
        .get(pk=request.pk)
    )
    revision.assessment = now
    return {"assessment": _summary(now), "round": s.round_data(revision)}


class VerificationReturn(APIView):
    """``POST .../return``: the verifier sends back only the indicators marked *needs repair*, with their
    reasons and notes, until ``due_date`` (a new numbered round)."""

    @extend_schema(
        request=s.ReturnWriteSerializer,
        parameters=[IF_MATCH],
        responses={201: s.RoundResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_verifier(request, assessment)
        data = s.ReturnWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        revision = services.verification_return(
            actor=request.user,
            assessment=assessment,
            due_date=data.validated_data["due_date"],
            note=data.validated_data["note"],
            version=_version(request),
        )
        body = s.RoundResultSerializer(_round_result(assessment, revision)).data
        return Response(body, status=status.HTTP_201_CREATED)


class VerificationResubmit(APIView):
    """``POST .../resubmit``: the head of the unit sends the repaired indicators back (before the due date)."""

    @extend_schema(
        request=sa.VersionSerializer,
        parameters=[IF_MATCH],
        responses={200: s.RoundResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        _may(request, Action.ASSESSMENT_SUBMIT, assessment, _("Only the head of this unit sends the repairs back."))
        sa.VersionSerializer(data=request.data).is_valid(raise_exception=True)
        revision = services.verification_resubmit(actor=request.user, assessment=assessment, version=_version(request))
        return Response(s.RoundResultSerializer(_round_result(assessment, revision)).data)


class VerificationResume(APIView):
    """``POST .../resume``: past the repair due date without a resubmission, the verifier continues with the
    returned indicators as they were."""

    @extend_schema(
        request=sa.VersionSerializer,
        parameters=[IF_MATCH],
        responses={200: s.RoundResultSerializer, **WRITE_ERRORS},
    )
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_verifier(request, assessment)
        sa.VersionSerializer(data=request.data).is_valid(raise_exception=True)
        revision = services.verification_resume(actor=request.user, assessment=assessment, version=_version(request))
        return Response(s.RoundResultSerializer(_round_result(assessment, revision)).data)


def verification_gaps(assessment: Assessment) -> list[str]:
    """``CODE: undecided`` / ``CODE: needs_repair`` for what stops "verified", in instrument order."""
    verdicts = dict(Verification.objects.filter(assessment=assessment).values_list("indicator_code", "verdict"))
    codes = Indicator.objects.filter(instrument_id=assessment.instrument_id or 0).order_by(
        "criterion__order", "order", "pk"
    )
    gaps = []
    for code in codes.values_list("code", flat=True):
        verdict = verdicts.get(code)
        if verdict is None:
            gaps.append(f"{code}: undecided")
        elif verdict == Verdict.NEEDS_REPAIR:
            gaps.append(f"{code}: needs_repair")
    return gaps


class VerificationComplete(APIView):
    """``POST .../verify``: the verifier closes verification once every indicator has a final verdict; the
    assessment goes to the panel when its panel is complete."""

    @extend_schema(
        request=sa.VersionSerializer,
        parameters=[IF_MATCH],
        responses={
            200: sa.AssessmentSummarySerializer,
            400: INCOMPLETE,
            403: ERROR_BODY,
            404: ERROR_BODY,
            409: ERROR_BODY,
        },
    )
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_verifier(request, assessment)
        sa.VersionSerializer(data=request.data).is_valid(raise_exception=True)
        try:
            assessment = services.verification_complete(
                actor=request.user, assessment=assessment, version=_version(request)
            )
        except DjangoValidationError as exc:
            if getattr(exc, "code", None) != "incomplete":
                raise
            raise ApiError(
                " ".join(exc.messages),
                code="incomplete",
                status_code=status.HTTP_400_BAD_REQUEST,
                errors={"indicators": verification_gaps(assessment)},
            ) from None
        return Response(_refreshed_summary(fresh(assessment)))
