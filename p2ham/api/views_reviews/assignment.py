"""Assignment by Ditjen HAM: the verifiers and the panel of one assessment, the same in bulk for a province,
a unit type or a list of units, and the verifiers' workload. A person holding a role in the unit's own
regional subtree is refused with 409 ``conflict_of_interest``."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2ham.accounts.models import User
from p2ham.api import serializers_reviews as s
from p2ham.api.views import ERROR_BODY
from p2ham.api.views_assessments.common import _assessment
from p2ham.api.views_periods import _require
from p2ham.api.views_reviews.common import as_field, person, require_assigner
from p2ham.assessments.models import Assessment
from p2ham.assessments.selectors import period_by_year_or_404
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.organizations.models import Province, Unit, UnitType
from p2ham.periods.models import Period
from p2ham.reviews import selectors, services
from p2ham.reviews.models import PanelAssignment, VerifierAssignment

S = Assessment.Status
ASSIGN_ERRORS: dict[int, Any] = {
    400: ERROR_BODY,
    403: ERROR_BODY,
    404: ERROR_BODY,
    409: OpenApiResponse(
        ERROR_BODY, description="`conflict_of_interest`, or `illegal_transition` (not forwarded / already scored)"
    ),
}


class VerifierList(GenericAPIView):  # type: ignore[type-arg]
    """``GET .../verifiers`` (Ditjen HAM and the assigned verifiers) and ``POST`` (Ditjen HAM assigns one)."""

    serializer_class = s.VerifierAssignmentSerializer

    @extend_schema(responses={200: s.VerifierAssignmentSerializer(many=True), 403: ERROR_BODY, 404: ERROR_BODY})
    def get(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        if not (
            policy.can(request.user, Action.REVIEW_ASSIGN) or selectors.is_assigned_verifier(request.user, assessment)
        ):
            raise exceptions.PermissionDenied(_("Only Ditjen HAM and the assigned verifiers see who verifies."))
        qs = VerifierAssignment.objects.filter(assessment=assessment).select_related("verifier", "assigned_by")
        page = self.paginate_queryset(qs) or []
        return self.get_paginated_response(
            s.VerifierAssignmentSerializer([s.verifier_data(a) for a in page], many=True).data
        )

    @extend_schema(request=s.AssignWriteSerializer, responses={201: s.VerifierAssignmentSerializer, **ASSIGN_ERRORS})
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_assigner(request)
        data = s.AssignWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verifier = person(data.validated_data["username"])
        assignment = as_field(
            "username",
            lambda: services.verifier_assign(actor=request.user, assessment=assessment, verifier=verifier),
        )
        return Response(
            s.VerifierAssignmentSerializer(s.verifier_data(assignment)).data, status=status.HTTP_201_CREATED
        )


class VerifierDetail(APIView):
    """``DELETE .../verifiers/{username}``: Ditjen HAM takes a verifier off (their verdicts stay)."""

    @extend_schema(request=None, responses={204: None, 403: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY})
    def delete(self, request: Request, year: int, unit_code: str, username: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_assigner(request)
        assignment = VerifierAssignment.objects.filter(assessment=assessment, verifier__username=username).first()
        if assignment is None:
            raise Http404
        assignment.assessment = assessment
        services.verifier_unassign(actor=request.user, assignment=assignment)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _seats(assessment: Assessment) -> Any:
    return PanelAssignment.objects.filter(assessment=assessment).select_related("assessor", "assigned_by")


class PanelAssessorList(GenericAPIView):  # type: ignore[type-arg]
    """``GET .../panel/assessors`` (Ditjen HAM and the panel) and ``POST`` (Ditjen HAM seats an assessor or the
    chair; the present chair stays as an assessor). A complete verified panel starts scoring."""

    serializer_class = s.PanelSeatSerializer

    @extend_schema(responses={200: s.PanelSeatSerializer(many=True), 403: ERROR_BODY, 404: ERROR_BODY})
    def get(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        if not (
            policy.can(request.user, Action.REVIEW_ASSIGN) or selectors.panel_seat(request.user, assessment) is not None
        ):
            raise exceptions.PermissionDenied(_("Only Ditjen HAM and the panel see who sits on it."))
        page = self.paginate_queryset(_seats(assessment)) or []
        return self.get_paginated_response(s.PanelSeatSerializer([s.seat_data(p) for p in page], many=True).data)

    @extend_schema(
        request=s.PanelAssignWriteSerializer,
        responses={
            200: OpenApiResponse(s.PanelSeatSerializer, description="an assessor already seated was made chair"),
            201: s.PanelSeatSerializer,
            **ASSIGN_ERRORS,
        },
    )
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_assigner(request)
        data = s.PanelAssignWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessor = person(data.validated_data["username"])
        existed = PanelAssignment.objects.filter(assessment=assessment, assessor=assessor).exists()
        seat = as_field(
            "username",
            lambda: services.panel_assign(
                actor=request.user, assessment=assessment, assessor=assessor, chair=data.validated_data["chair"]
            ),
        )
        seat = _seats(assessment).get(pk=seat.pk)
        return Response(
            s.PanelSeatSerializer(s.seat_data(seat)).data,
            status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED,
        )


class PanelAssessorDetail(APIView):
    """``DELETE .../panel/assessors/{username}``: Ditjen HAM takes an assessor off before the panel scores."""

    @extend_schema(request=None, responses={204: None, 403: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY})
    def delete(self, request: Request, year: int, unit_code: str, username: str) -> Response:
        assessment = _assessment(request, year, unit_code)
        require_assigner(request)
        seat = PanelAssignment.objects.filter(assessment=assessment, assessor__username=username).first()
        if seat is None:
            raise Http404
        seat.assessment = assessment
        services.panel_unassign(actor=request.user, seat=seat)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _selection(period: Period, data: dict[str, Any]) -> tuple[list[Assessment], list[str]]:
    """The assessments a bulk assignment covers, and "unit: why" for listed units without one."""
    qs = Assessment.objects.filter(period=period).select_related("unit__province", "unit__unit_type", "period")
    errors: dict[str, list[str]] = {}
    province, unit_type, codes = data.get("province", ""), data.get("unit_type", ""), data.get("units") or []
    if province:
        if not Province.objects.filter(code=province).exists():
            errors["province"] = [_("Unknown province “%(code)s”.") % {"code": province}]
        qs = qs.filter(unit__province__code=province)
    if unit_type:
        if not UnitType.objects.filter(code=unit_type).exists():
            errors["unit_type"] = [_("Unknown unit type “%(code)s”.") % {"code": unit_type}]
        qs = qs.filter(unit__unit_type__code=unit_type)
    codes = list(dict.fromkeys(codes))
    if codes:
        known = set(Unit.objects.filter(code__in=codes).values_list("code", flat=True))
        missing = [c for c in codes if c not in known]
        if missing:
            errors["units"] = [_("Unknown unit(s): %(codes)s.") % {"codes": ", ".join(missing)}]
        qs = qs.filter(unit__code__in=codes)
    else:
        # By province or type: the assessments that can take a verifier or a panel now.
        qs = qs.filter(status__in=services.ASSIGNABLE)
    if errors:
        raise exceptions.ValidationError(errors)
    assessments = list(qs.order_by("unit__province__code", "unit__name", "pk"))
    found = {a.unit.code for a in assessments}
    without = [
        _("%(unit)s: no assessment in %(year)s") % {"unit": c, "year": period.year} for c in codes if c not in found
    ]
    return assessments, without


def _with_role(user: User, action: Action, field: str, message: str) -> User:
    if not policy.can(user, action):
        raise exceptions.ValidationError({field: [message % {"person": user.full_name}]})
    return user


class VerifiersBulk(APIView):
    """``POST /periods/{year}/assignments/verifiers``: one verifier for many assessments (a province, a unit
    type or listed units). Assessments not forwarded or with a conflict of interest are skipped, with why."""

    @extend_schema(
        request=s.VerifiersBulkWriteSerializer,
        responses={200: s.BulkResultSerializer, 400: ERROR_BODY, 403: ERROR_BODY, 404: ERROR_BODY},
    )
    def post(self, request: Request, year: int) -> Response:
        _require(request, Action.REVIEW_ASSIGN)
        period = period_by_year_or_404(year)
        data = s.VerifiersBulkWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verifier = _with_role(
            person(data.validated_data["username"]),
            Action.VERIFICATION_PERFORM,
            "username",
            _("%(person)s is not a verifier."),
        )
        assessments, without = _selection(period, data.validated_data)
        assigned, skipped = services.verifiers_assign_many(
            actor=request.user, period=period, verifier=verifier, assessments=assessments
        )
        return Response(s.BulkResultSerializer({"assigned": assigned, "skipped": without + skipped}).data)


class PanelsBulk(APIView):
    """``POST /periods/{year}/assignments/panels``: the same panel (a chair and assessors) for many
    assessments; those that cannot take it (conflict of interest, not forwarded) are skipped, with why."""

    @extend_schema(
        request=s.PanelsBulkWriteSerializer,
        responses={200: s.BulkResultSerializer, 400: ERROR_BODY, 403: ERROR_BODY, 404: ERROR_BODY},
    )
    def post(self, request: Request, year: int) -> Response:
        _require(request, Action.REVIEW_ASSIGN)
        period = period_by_year_or_404(year)
        data = s.PanelsBulkWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        not_assessor = _("%(person)s is not an assessor.")
        chair = _with_role(person(data.validated_data["chair"], "chair"), Action.PANEL_SCORE, "chair", not_assessor)
        members = []
        for name in dict.fromkeys(data.validated_data["assessors"]):
            members.append(_with_role(person(name, "assessors"), Action.PANEL_SCORE, "assessors", not_assessor))
        assessments, without = _selection(period, data.validated_data)
        done, skipped = services.panels_assign_many(
            actor=request.user, period=period, chair=chair, assessors=members, assessments=assessments
        )
        return Response(s.BulkResultSerializer({"assigned": done, "skipped": without + skipped}).data)


class Workload(GenericAPIView):  # type: ignore[type-arg]
    """``GET /periods/{year}/workload``: per verifier, the pending assessments and how long the oldest waited."""

    serializer_class = s.WorkloadRowSerializer

    @extend_schema(responses={200: s.WorkloadRowSerializer(many=True), 403: ERROR_BODY, 404: ERROR_BODY})
    def get(self, request: Request, year: int) -> Response:
        _require(request, Action.REVIEW_ASSIGN)
        period = period_by_year_or_404(year)
        rows = selectors.workload(period=period)
        page: list[selectors.VerifierLoad] = self.paginate_queryset(rows) or []  # type: ignore[arg-type]
        now = timezone.now()
        data = [
            {
                "verifier": {"username": r.verifier.username, "full_name": r.verifier.full_name},
                "pending": r.pending,
                "returned": r.returned,
                "done": r.done,
                "oldest_waiting": r.oldest_waiting,
                "waiting_days": (now - r.oldest_waiting).days if r.oldest_waiting else None,
            }
            for r in page
        ]
        return self.get_paginated_response(s.WorkloadRowSerializer(data, many=True).data)
