"""API v1: periods and instruments, through the same services and policy as the screens."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2ham.api import serializers as s
from p2ham.api.errors import Conflict
from p2ham.api.views import ERROR_BODY
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.instruments import selectors as instrument_selectors
from p2ham.instruments import services as instrument_services
from p2ham.instruments.models import Instrument
from p2ham.organizations.models import UnitType
from p2ham.periods import services as period_services
from p2ham.periods.deadlines import local_wall_clock
from p2ham.periods.models import Period, Stage


def _require(request: Request, action: Action) -> None:
    if not policy.can(request.user, action):
        raise exceptions.PermissionDenied()


def _period_data(period: Period, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "year": period.year,
        "regulation_label": period.regulation_label,
        "status": period.status,
        "opened_at": period.opened_at,
        "closed_at": period.closed_at,
    }
    if detail:
        data["windows"] = [
            {
                "stage": w.stage,
                "stage_name": str(Stage(w.stage).label),
                "opens_at": w.opens_at,
                "closes_at": w.closes_at,
                # The wall-clock times every unit applies in its own zone (no offset on purpose).
                "opens_local": local_wall_clock(w.opens_at),
                "closes_local": local_wall_clock(w.closes_at),
            }
            for w in period.windows.order_by("order")
        ]
        data["instruments"] = [_instrument_summary(i) for i in instrument_selectors.period_instruments(period=period)]
    return data


def _instrument_summary(instrument: Instrument) -> dict[str, Any]:
    return {
        "code": instrument.code,
        "name": instrument.name,
        "version": instrument.version,
        "current": instrument.current,
        "frozen": instrument.frozen,
        "unit_types": sorted(t.code for t in instrument.unit_types.all()),
    }


def _etag(instrument: Instrument) -> str:
    return f'"{instrument_selectors.instrument_fingerprint(instrument)}"'


class PeriodList(GenericAPIView):  # type: ignore[type-arg]
    serializer_class = s.PeriodSerializer

    @extend_schema(responses={200: s.PeriodSerializer(many=True), 401: ERROR_BODY})
    def get(self, request: Request) -> Response:
        _require(request, Action.PERIOD_VIEW)
        page = self.paginate_queryset(Period.objects.order_by("-year"))
        return self.get_paginated_response([_period_data(p) for p in page or []])

    @extend_schema(
        request=s.PeriodCreateSerializer, responses={201: s.PeriodDetailSerializer, 400: ERROR_BODY, 403: ERROR_BODY}
    )
    def post(self, request: Request) -> Response:
        _require(request, Action.PERIOD_MANAGE)
        data = s.PeriodCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        period = period_services.period_create(actor=request.user, **data.validated_data)
        return Response(_period_data(period, detail=True), status=status.HTTP_201_CREATED)


class PeriodDetail(APIView):
    @extend_schema(responses={200: s.PeriodDetailSerializer, 401: ERROR_BODY, 404: ERROR_BODY})
    def get(self, request: Request, year: int) -> Response:
        _require(request, Action.PERIOD_VIEW)
        return Response(_period_data(get_object_or_404(Period, year=year), detail=True))


class PeriodTransition(APIView):
    """``POST /periods/{year}/{open|close|archive|reopen}``: the status pipeline (409 for an illegal move)."""

    # move name -> (the status it starts from, the status it reaches)
    MOVES = {
        "open": (Period.Status.DRAFT, Period.Status.OPEN),
        "reopen": (Period.Status.CLOSED, Period.Status.OPEN),
        "close": (Period.Status.OPEN, Period.Status.CLOSED),
        "archive": (Period.Status.CLOSED, Period.Status.ARCHIVED),
    }

    @extend_schema(
        operation_id="periods_transition",
        request=None,
        responses={200: s.PeriodDetailSerializer, 403: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY},
    )
    def post(self, request: Request, year: int, move: str) -> Response:
        _require(request, Action.PERIOD_MANAGE)
        if move not in self.MOVES:
            raise exceptions.NotFound()
        start, target = self.MOVES[move]
        period = period_services.period_transition(
            actor=request.user, period=get_object_or_404(Period, year=year), to=target, expected_from=start
        )
        return Response(_period_data(period, detail=True))


UNIT_TYPE_PARAM = OpenApiParameter("unit_type", str, required=True, description="unit type code, e.g. lapas")


class InstrumentForUnitType(APIView):
    """The instrument in force for a unit type: criteria → indicators → options."""

    @extend_schema(
        parameters=[UNIT_TYPE_PARAM],
        responses={200: s.InstrumentTreeSerializer, 400: ERROR_BODY, 401: ERROR_BODY, 404: ERROR_BODY},
    )
    def get(self, request: Request, year: int) -> Response:
        _require(request, Action.INSTRUMENT_VIEW)
        period = get_object_or_404(Period, year=year)
        code = request.query_params.get("unit_type", "")
        if not UnitType.objects.filter(code=code).exists():
            raise exceptions.ValidationError({"unit_type": [_("Unknown unit type “%(code)s”.") % {"code": code}]})
        instrument = instrument_selectors.instrument_for_unit_type(period=period, unit_type_code=code)
        if instrument is None:
            raise exceptions.NotFound(_("This period has no instrument for that unit type."))
        response = Response(instrument_selectors.instrument_tree(instrument))
        response["ETag"] = _etag(instrument)
        return response


class InstrumentList(GenericAPIView):  # type: ignore[type-arg]
    serializer_class = s.InstrumentSummarySerializer

    @extend_schema(responses={200: s.InstrumentSummarySerializer(many=True), 401: ERROR_BODY, 404: ERROR_BODY})
    def get(self, request: Request, year: int) -> Response:
        _require(request, Action.INSTRUMENT_VIEW)
        period = get_object_or_404(Period, year=year)
        page = self.paginate_queryset(instrument_selectors.period_instruments(period=period))
        return self.get_paginated_response([_instrument_summary(i) for i in page or []])

    @extend_schema(
        request=s.InstrumentTreeSerializer,
        responses={201: s.InstrumentTreeSerializer, 400: ERROR_BODY, 403: ERROR_BODY, 409: ERROR_BODY},
    )
    def post(self, request: Request, year: int) -> Response:
        _require(request, Action.INSTRUMENT_MANAGE)
        period = get_object_or_404(Period, year=year)
        _raise_tree_errors(request.data)
        instrument = instrument_services.instrument_create(actor=request.user, period=period, tree=request.data)
        response = Response(instrument_selectors.instrument_tree(instrument), status=status.HTTP_201_CREATED)
        response["ETag"] = _etag(instrument)
        return response


def _raise_tree_errors(tree: Any) -> None:
    result = instrument_services.check_tree(tree)
    if not result.valid:
        errors: dict[str, list[str]] = {}
        for error in result.errors:
            errors.setdefault(error.where or "non_field_errors", []).append(error.message)
        raise exceptions.ValidationError(errors)


class InstrumentDetail(APIView):
    """One instrument (the one in force, or ``?version=``); ``PUT`` replaces a draft's whole tree."""

    def _get(self, year: int, code: str, version: str | None = None) -> Instrument:
        qs = Instrument.objects.filter(period__year=year, code=code)
        qs = qs.filter(version=version) if version and version.isdigit() else qs.filter(current=True)
        return get_object_or_404(qs.select_related("period"))

    @extend_schema(
        parameters=[OpenApiParameter("version", int)],
        responses={200: s.InstrumentTreeSerializer, 401: ERROR_BODY, 404: ERROR_BODY},
    )
    def get(self, request: Request, year: int, code: str) -> Response:
        _require(request, Action.INSTRUMENT_VIEW)
        instrument = self._get(year, code, request.query_params.get("version"))
        response = Response(instrument_selectors.instrument_tree(instrument))
        response["ETag"] = _etag(instrument)
        return response

    @extend_schema(
        request=s.InstrumentTreeSerializer,
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                location=OpenApiParameter.HEADER,
                required=True,
                description="the ETag of the tree this change is based on",
            ),
            OpenApiParameter("version", int),
        ],
        responses={
            200: s.InstrumentTreeSerializer,
            400: ERROR_BODY,
            403: ERROR_BODY,
            404: ERROR_BODY,
            409: ERROR_BODY,
            428: ERROR_BODY,
        },
    )
    def put(self, request: Request, year: int, code: str) -> Response:
        _require(request, Action.INSTRUMENT_MANAGE)
        instrument = self._get(year, code, request.query_params.get("version"))
        if_match = request.headers.get("If-Match")
        if not if_match:
            raise _precondition_required()
        _raise_tree_errors(request.data)
        try:
            instrument = instrument_services.instrument_replace(
                actor=request.user, instrument=instrument, tree=request.data, expected_fingerprint=if_match.strip('"')
            )
        except instrument_services.StaleError as exc:
            raise Conflict(" ".join(exc.messages), code="stale") from None
        response = Response(instrument_selectors.instrument_tree(instrument))
        response["ETag"] = _etag(instrument)
        return response


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "Precondition required."
    default_code = "precondition_required"


def _precondition_required() -> PreconditionRequired:
    return PreconditionRequired(
        _("Send If-Match with the ETag of the tree you edited, so no one else's change is overwritten.")
    )
