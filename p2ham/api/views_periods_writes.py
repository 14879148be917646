"""API v1 writes on periods and instruments that the screens also offer: windows, extensions, corrections,
clones and the default instruments. Each calls the same service as its screen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2ham.api import serializers as s
from p2ham.api.views import ERROR_BODY
from p2ham.api.views_periods import _instrument_summary, _period_data, _require
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.instruments import services as instrument_services
from p2ham.instruments.defaults import load_default_instruments
from p2ham.instruments.models import Instrument
from p2ham.periods import selectors as period_selectors
from p2ham.periods import services as period_services
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import DeadlineExtension, Period, Stage


def _stage(value: str) -> Stage:
    try:
        return Stage(value)
    except ValueError:
        raise exceptions.ValidationError({"stage": [_("Unknown stage “%(stage)s”.") % {"stage": value}]}) from None


class StageWindowWrite(APIView):
    """``PUT /periods/{year}/windows/{stage}``: when a stage opens and closes."""

    @extend_schema(
        request=s.StageWindowWriteSerializer,
        responses={200: s.PeriodDetailSerializer, 400: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY},
    )
    def put(self, request: Request, year: int, stage: str) -> Response:
        _require(request, Action.PERIOD_MANAGE)
        period = get_object_or_404(Period, year=year)
        data = s.StageWindowWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        opens, closes = (_wall_clock(request.data.get(k), data.validated_data[k]) for k in ("opens_at", "closes_at"))
        period_services.stage_window_set(
            actor=request.user, period=period, stage=_stage(stage), opens_at=opens, closes_at=closes
        )
        return Response(_period_data(period, detail=True))


def _wall_clock(raw: Any, parsed: dt.datetime, tz: Any = REFERENCE_TZ) -> dt.datetime:
    """Honour an explicit offset; a time without one is a wall-clock time in ``tz``."""
    try:
        explicit = isinstance(raw, str) and dt.datetime.fromisoformat(raw.replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        explicit = False
    if explicit:
        return parsed
    return timezone.localtime(parsed).replace(tzinfo=None).replace(tzinfo=tz)


class ExtensionList(GenericAPIView):  # type: ignore[type-arg]
    """``GET/POST /periods/{year}/extensions``: later deadlines for single units (Ditjen HAM)."""

    serializer_class = s.ExtensionSerializer

    def _data(self, extension: DeadlineExtension) -> dict[str, Any]:
        return {
            "unit": extension.unit.code,
            "stage": extension.stage,
            "closes_at": extension.closes_at,
            "reason": extension.reason,
            "granted_by": extension.granted_by.username,
        }

    @extend_schema(responses={200: s.ExtensionSerializer(many=True), 404: ERROR_BODY})
    def get(self, request: Request, year: int) -> Response:
        _require(request, Action.PERIOD_VIEW)
        period = get_object_or_404(Period, year=year)
        extensions = period_selectors.extension_list(period=period)
        scope = policy.unit_scope_q(request.user, Action.UNIT_VIEW, prefix="unit__")
        if scope is not None:
            extensions = extensions.filter(scope)
        page = self.paginate_queryset(extensions)
        return self.get_paginated_response([self._data(e) for e in page or []])

    @extend_schema(
        request=s.ExtensionSerializer,
        responses={201: s.ExtensionSerializer, 400: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY},
    )
    def post(self, request: Request, year: int) -> Response:
        _require(request, Action.DEADLINE_EXTEND)
        period = get_object_or_404(Period, year=year)
        data = s.ExtensionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        unit = (
            policy.scope_units(request.user, Action.DEADLINE_EXTEND)
            .filter(code=v["unit"], active=True)
            .select_related("province")
            .first()
        )
        if unit is None:
            raise exceptions.ValidationError({"unit": [_("Unknown unit code.")]})
        closes_at = _wall_clock(request.data.get("closes_at"), v["closes_at"], unit.province.tzinfo)
        extension = period_services.deadline_extension_grant(
            actor=request.user,
            period=period,
            unit=unit,
            stage=_stage(v["stage"]),
            closes_at=closes_at,
            reason=v["reason"],
        )
        return Response(self._data(extension), status=status.HTTP_201_CREATED)


def _instrument(year: int, code: str, version: int | None = None) -> Instrument:
    qs = Instrument.objects.filter(period__year=year, code=code).select_related("period")
    return get_object_or_404(qs.filter(version=version) if version else qs.filter(current=True))


class InstrumentVersions(APIView):
    """``POST /periods/{year}/instruments/{code}/versions``: start a correction of the frozen instrument."""

    @extend_schema(
        request=s.NewVersionSerializer,
        responses={201: s.InstrumentSummarySerializer, 400: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY},
    )
    def post(self, request: Request, year: int, code: str) -> Response:
        _require(request, Action.INSTRUMENT_MANAGE)
        data = s.NewVersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        draft = instrument_services.instrument_new_version(
            actor=request.user, instrument=_instrument(year, code), change_note=data.validated_data["change_note"]
        )
        return Response(_instrument_summary(draft), status=status.HTTP_201_CREATED)


class InstrumentPublish(APIView):
    """``POST /periods/{year}/instruments/{code}/versions/{version}/publish``: put a correction in force."""

    @extend_schema(request=None, responses={200: s.InstrumentSummarySerializer, 404: ERROR_BODY, 409: ERROR_BODY})
    def post(self, request: Request, year: int, code: str, version: int) -> Response:
        _require(request, Action.INSTRUMENT_MANAGE)
        draft = instrument_services.instrument_publish_version(
            actor=request.user, draft=_instrument(year, code, version)
        )
        return Response(_instrument_summary(draft))


class InstrumentClone(APIView):
    """``POST /periods/{year}/instruments/{code}/clone``: copy into a draft period with continuation codes."""

    @extend_schema(
        request=s.CloneSerializer,
        responses={201: s.InstrumentSummarySerializer, 400: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY},
    )
    def post(self, request: Request, year: int, code: str) -> Response:
        _require(request, Action.INSTRUMENT_MANAGE)
        data = s.CloneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        target = Period.objects.filter(year=data.validated_data["year"]).first()
        if target is None:
            raise exceptions.ValidationError({"year": [_("No period for that year.")]})
        clone = instrument_services.instrument_clone(
            actor=request.user, instrument=_instrument(year, code), period=target
        )
        return Response(_instrument_summary(clone), status=status.HTTP_201_CREATED)


class DefaultInstruments(APIView):
    """``POST /periods/{year}/instruments/defaults``: add the shipped default instruments to a draft period."""

    @extend_schema(
        request=None, responses={200: s.InstrumentSummarySerializer(many=True), 404: ERROR_BODY, 409: ERROR_BODY}
    )
    def post(self, request: Request, year: int) -> Response:
        _require(request, Action.INSTRUMENT_MANAGE)
        added = load_default_instruments(actor=request.user, period=get_object_or_404(Period, year=year))
        return Response([_instrument_summary(i) for i in added])
