"""API v1: results, determination, certificates and follow-up (stages 8–9) — the same services, selectors and
policy as the screens.

Who reads and does what (out of scope is 404; a role that lacks the permission altogether is 403, as in the
rest of the API):

* ``GET /periods/{year}/results``: the ranking, for the roles with the results overview (Ditjen HAM,
  leadership, admin: every unit; a Kanwil: the units of its region). Before the decree the rows are the
  draft from the panels' results (``determined`` false, no ``url``). A unit's own operator and head get 403
  here: they read their own result at ``GET /periods/{year}/results/{unit_code}``.
* ``GET /periods/{year}/results/{unit_code}``: a determined result with its full breakdown, for everyone who
  may see the unit's result (the unit itself, its Kanwil, Ditjen HAM, leadership); 404 before the decree.
* ``GET /periods/{year}/determination``: the decree (anyone who may see results); ``POST`` records it,
  ``POST /periods/{year}/redetermination`` amends named units, ``POST .../results/{unit_code}/correction``
  reopens a result for its panel, ``POST /certificates/{code}/revocation`` revokes a predicate: Ditjen HAM.
* ``GET /certificates/{code}``: public, no token needed (throttled per client address).
* ``GET /periods/{year}/follow-ups`` and ``GET /follow-ups/{id}``: the follow-up actions of the units whose
  results the caller may see. ``PATCH /follow-ups/{id}`` moves one through its services: ``confirm``,
  ``dismiss``, ``close`` and ``send_back`` by Ditjen HAM or the unit's Kanwil, ``report`` by the unit
  itself. The report's evidence travels in the same PATCH as ``multipart/form-data`` (repeat ``files``);
  there is no separate evidence upload.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.db.models import BooleanField, ExpressionWrapper
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from p2ham.api import serializers_results as s
from p2ham.api.serializers_assessments import user_ref
from p2ham.api.views import ERROR_BODY
from p2ham.api.views_assessments.common import IF_MATCH, UPLOAD_ERRORS, WRITE_ERRORS, _version
from p2ham.api.views_assessments.files import AnyMediaRenderer
from p2ham.api.views_periods import _require
from p2ham.assessments.models import Assessment
from p2ham.assessments.selectors import period_by_year_or_404
from p2ham.core import policy
from p2ham.core.files import CONTENT_TYPES
from p2ham.core.policy import Action
from p2ham.organizations.models import Province
from p2ham.periods.models import Period
from p2ham.results import selectors, services
from p2ham.results.models import Certificate, Determination, FollowUpAction, FollowUpEvidence, Result

F = FollowUpAction.Status
READ_ERRORS: dict[int, Any] = {403: ERROR_BODY, 404: ERROR_BODY}


# --------------------------------------------------------------------------- shared


def _result_url(request: Request, year: int, unit_code: str) -> str:
    return request.build_absolute_uri(reverse("api:result", args=[year, unit_code]))


def _rank_row(request: Request, year: int, row: selectors.RankRow) -> dict[str, Any]:
    determined = row.result is not None
    return {
        "year": year,
        "unit": s.unit_data(row.unit),
        "cohort": row.cohort,
        "rank": row.rank,
        "province_rank": row.province_rank,
        "total": row.total,
        "base_total": row.base_total,
        "predicate": row.predicate,
        "vetoed": row.vetoed,
        "awarded": row.awarded,
        "determined": determined,
        "correction_open": row.correction_open,
        "url": _result_url(request, year, row.unit.code) if determined else None,
    }


def _result_row(request: Request, result: Result) -> dict[str, Any]:
    """A determined result as a ranking row (``unit__province``, ``unit__unit_type`` and ``period`` selected)."""
    year = result.period.year
    return {
        "year": year,
        "unit": s.unit_data(result.unit),
        "cohort": result.cohort,
        "rank": result.rank,
        "province_rank": result.province_rank,
        "total": result.total,
        "base_total": result.base_total,
        "predicate": result.predicate,
        "vetoed": result.vetoed,
        "awarded": result.awarded,
        "determined": True,
        "correction_open": result.correction_opened_at is not None,
        "url": _result_url(request, year, result.unit.code),
    }


def _results(pks: list[int]) -> list[Result]:
    return list(
        Result.objects.filter(pk__in=pks)
        .select_related("unit__province", "unit__unit_type", "period")
        .order_by("cohort", "rank")
    )


def _determination(request: Request, determination: Determination) -> dict[str, Any]:
    """The decree with the number of results (and awarded ones) the caller may see."""
    q = policy.unit_scope_q(request.user, Action.RESULT_VIEW, prefix="unit__")
    results = Result.objects.filter(determination=determination)
    if q is not None:
        results = results.filter(q)
    awarded = results.filter(predicate=True, revoked_at__isnull=True).count()
    return s.determination_data(determination, results=results.count(), awarded=awarded)


def _certificate_url(request: Request) -> Any:
    def url(certificate: Certificate) -> str:
        return request.build_absolute_uri(reverse("api:certificate", args=[certificate.code]))

    return url


def _follow_up_url(request: Request) -> Any:
    def url(action: FollowUpAction) -> str:
        return request.build_absolute_uri(reverse("api:follow_up", args=[action.pk]))

    return url


# --------------------------------------------------------------------------- results


class ResultList(GenericAPIView):  # type: ignore[type-arg]
    """``GET /periods/{year}/results``: the ranking as the caller may see it, per cohort in rank order — the
    draft from the panels' results before the decree, the frozen results after it. For the results overview
    (Ditjen HAM, leadership, admin, a Kanwil for its region); a unit's own people read their result at
    ``.../results/{unit_code}`` and get 403 here."""

    serializer_class = s.ResultRowSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("cohort", str, description="ranking cohort of the unit types"),
            OpenApiParameter("province", str, description="2-digit Kemendagri province code"),
            OpenApiParameter("awarded", bool, description="only units with the predicate (not revoked)"),
        ],
        responses={200: s.ResultRowSerializer(many=True), 400: ERROR_BODY, **READ_ERRORS},
    )
    def get(self, request: Request, year: int) -> Response:
        _require(request, Action.RESULTS_OVERVIEW)
        period = period_by_year_or_404(year)
        params = request.query_params
        cohort, province_code = params.get("cohort", ""), params.get("province", "")
        errors: dict[str, list[str]] = {}
        known = selectors.cohorts()
        if cohort and cohort not in known:
            errors["cohort"] = [_("Choose one of: %(values)s.") % {"values": ", ".join(known)}]
        province = Province.objects.filter(code=province_code).first() if province_code else None
        if province_code and province is None:
            errors["province"] = [_("Unknown province “%(code)s”.") % {"code": province_code}]
        awarded = _flag(params.get("awarded", ""), "awarded", errors)
        if errors:
            raise exceptions.ValidationError(errors)
        ranking = selectors.ranking(
            period=period, user=request.user, cohort=cohort, province=province, awarded_only=awarded
        )
        page: list[selectors.RankRow] = self.paginate_queryset(ranking.rows) or []  # type: ignore[arg-type]
        rows = [_rank_row(request, year, row) for row in page]
        return self.get_paginated_response(s.ResultRowSerializer(rows, many=True).data)


def _flag(raw: str, field: str, errors: dict[str, list[str]]) -> bool:
    """A boolean query parameter: empty is false; anything but true/false/1/0 is an error on ``field``."""
    value = raw.strip().lower()
    if value in ("", "false", "0"):
        return False
    if value in ("true", "1"):
        return True
    errors[field] = [_("Send true or false.")]
    return False


class ResultDetail(APIView):
    """``GET /periods/{year}/results/{unit_code}``: a determined result explained — the decree, rank, the
    criteria and indicators with the unit's answer, the verifier's verdict and the panel's notes, the
    adjustments, veto and field visits, the indicators not fully met with their follow-up action, and the
    certificate. 404 before the decree and outside the caller's scope."""

    @extend_schema(responses={200: s.ResultDetailSerializer, **READ_ERRORS})
    def get(self, request: Request, year: int, unit_code: str) -> Response:
        _require(request, Action.RESULT_VIEW)
        result = selectors.result_for(user=request.user, year=year, unit_code=unit_code)
        report = selectors.result_report(result)
        body = s.result_detail(
            report,
            _result_row(request, result),
            _determination(request, result.determination),
            _follow_up_url(request),
            _certificate_url(request),
        )
        return Response(s.ResultDetailSerializer(body).data)


class ResultCorrection(APIView):
    """``POST /periods/{year}/results/{unit_code}/correction``: Ditjen HAM reopens a determined result for
    correction, with the reason; the assessment goes back to its panel, and the result stays as decreed
    until ``POST /periods/{year}/redetermination`` names the unit. 409 when it is already open."""

    @extend_schema(request=s.ReasonWriteSerializer, responses={200: s.ResultRowSerializer, **WRITE_ERRORS})
    def post(self, request: Request, year: int, unit_code: str) -> Response:
        _require(request, Action.RESULTS_DETERMINE)
        result = selectors.result_for(user=request.user, year=year, unit_code=unit_code)
        data = s.ReasonWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.correction_open(actor=request.user, result=result, reason=data.validated_data["reason"])
        return Response(s.ResultRowSerializer(_result_row(request, _results([result.pk])[0])).data)


class DeterminationView(APIView):
    """``GET /periods/{year}/determination``: the decree (404 before it). ``POST``: Ditjen HAM records it —
    every scored result of the period is frozen and ranked, certificates are issued to the awarded units
    and follow-up actions proposed. 409 when the period is already determined, when nothing is scored, or
    when ``expected_count`` no longer matches the number of scored units (code ``stale``)."""

    @extend_schema(responses={200: s.DeterminationSerializer, **READ_ERRORS})
    def get(self, request: Request, year: int) -> Response:
        _require(request, Action.RESULT_VIEW)
        determination = selectors.determination_of(period_by_year_or_404(year))
        if determination is None:
            raise Http404
        return Response(s.DeterminationSerializer(_determination(request, determination)).data)

    @extend_schema(
        request=s.DeterminationWriteSerializer,
        responses={
            201: s.DeterminationSerializer,
            400: ERROR_BODY,
            403: ERROR_BODY,
            404: ERROR_BODY,
            409: OpenApiResponse(
                ERROR_BODY,
                description="`illegal_transition`: already determined or nothing scored; "
                "`stale`: the number of scored units changed since you reviewed them",
            ),
        },
    )
    def post(self, request: Request, year: int) -> Response:
        _require(request, Action.RESULTS_DETERMINE)
        period = period_by_year_or_404(year)
        data = s.DeterminationWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        determination = services.determine(actor=request.user, period=period, **data.validated_data)
        determination = Determination.objects.select_related("period", "determined_by").get(pk=determination.pk)
        return Response(
            s.DeterminationSerializer(_determination(request, determination)).data, status=status.HTTP_201_CREATED
        )


class Redetermination(APIView):
    """``POST /periods/{year}/redetermination``: Ditjen HAM determines named units again by an amending decree
    (units whose result was reopened and scored again by the panel, or scored after the decree). The ranks of
    their cohorts are recomputed; certificates follow the predicate. 409 when a unit is not scored again."""

    @extend_schema(request=s.RedeterminationWriteSerializer, responses={200: s.RedeterminedSerializer, **WRITE_ERRORS})
    def post(self, request: Request, year: int) -> Response:
        _require(request, Action.RESULTS_DETERMINE)
        period = period_by_year_or_404(year)
        data = s.RedeterminationWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        changed = services.redetermine(
            actor=request.user,
            period=period,
            assessments=_assessments(request, period, given["units"]),
            decree_number=given["decree_number"],
            decree_date=given["decree_date"],
            reason=given["reason"],
        )
        rows = [_result_row(request, r) for r in _results([r.pk for r in changed])]
        return Response(s.RedeterminedSerializer({"redetermined": rows}).data)


def _assessments(request: Request, period: Period, codes: list[str]) -> list[Assessment]:
    """The period's assessments of the units named in the body; an unknown code is invalid input."""
    codes = list(dict.fromkeys(codes))
    q = policy.unit_scope_q(request.user, Action.RESULTS_DETERMINE, prefix="unit__")
    qs = Assessment.objects.filter(period=period, unit__code__in=codes).select_related("unit")
    found = list(qs if q is None else qs.filter(q))
    missing = sorted(set(codes) - {a.unit.code for a in found})
    if missing:
        message = _("No assessment of %(year)s for: %(codes)s.") % {"year": period.year, "codes": ", ".join(missing)}
        raise exceptions.ValidationError({"units": [message]})
    return found


# --------------------------------------------------------------------------- certificates


class CertificateLookupThrottle(SimpleRateThrottle):
    """Per client address, whoever asks: certificate codes are unguessable, and this keeps it so.

    The rate is ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["certificate"]`` when configured, else 60/min."""

    scope = "certificate"
    default_rate = "60/min"

    def get_rate(self) -> str | None:
        return self.THROTTLE_RATES.get(self.scope) or self.default_rate

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _certificate_or_404(code: str) -> Certificate:
    certificate = selectors.certificate_by_code(code)
    if certificate is None:
        raise Http404
    return certificate


class CertificateVerify(APIView):
    """``GET /certificates/{code}``: public — anyone holding a piagam checks it here without a token: valid or
    revoked (with the date and reason), the unit, the year and the decree. An unknown code, or one whose
    determination is not published, is 404. Throttled per client address (429)."""

    permission_classes = [AllowAny]
    throttle_classes = [CertificateLookupThrottle]

    @extend_schema(responses={200: s.CertificateSerializer, 404: ERROR_BODY, 429: ERROR_BODY})
    def get(self, request: Request, code: str) -> Response:
        certificate = _certificate_or_404(code)
        # As on the public page: a certificate is public once its determination is published.
        if not certificate.result.determination.published:
            raise Http404
        return Response(s.CertificateSerializer(s.certificate_data(certificate)).data)


class CertificateRevocation(APIView):
    """``POST /certificates/{code}/revocation``: Ditjen HAM revokes a predicate with the reason; the public
    check answers *revoked* from now on. 409 when it is already revoked."""

    @extend_schema(request=s.ReasonWriteSerializer, responses={200: s.CertificateSerializer, **WRITE_ERRORS})
    def post(self, request: Request, code: str) -> Response:
        _require(request, Action.RESULTS_DETERMINE)
        certificate = _certificate_or_404(code)
        data = s.ReasonWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.certificate_revoke(actor=request.user, certificate=certificate, reason=data.validated_data["reason"])
        return Response(s.CertificateSerializer(s.certificate_data(_certificate_or_404(code), with_reason=True)).data)


# --------------------------------------------------------------------------- follow-up


class FollowUpList(GenericAPIView):  # type: ignore[type-arg]
    """``GET /periods/{year}/follow-ups``: the follow-up actions of the units whose results the caller may see
    (a unit its own, a Kanwil its region's, Ditjen HAM and leadership all), by due date."""

    serializer_class = s.FollowUpRowSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=list(F.values)),
            OpenApiParameter("overdue", bool, description="only confirmed actions past their due date"),
            OpenApiParameter("unit", str, description="unit code"),
        ],
        responses={200: s.FollowUpRowSerializer(many=True), 400: ERROR_BODY, **READ_ERRORS},
    )
    def get(self, request: Request, year: int) -> Response:
        _require(request, Action.RESULT_VIEW)
        period = period_by_year_or_404(year)
        params = request.query_params
        errors: dict[str, list[str]] = {}
        wanted = params.get("status", "")
        if wanted and wanted not in F.values:
            errors["status"] = [_("Unknown status “%(status)s”.") % {"status": wanted}]
        overdue = _flag(params.get("overdue", ""), "overdue", errors)
        unit_code = params.get("unit", "")
        unit = (
            policy.scope_units(request.user, Action.RESULT_VIEW).filter(code=unit_code).first() if unit_code else None
        )
        if unit_code and unit is None:
            errors["unit"] = [_("Unknown unit “%(code)s”.") % {"code": unit_code}]
        if errors:
            raise exceptions.ValidationError(errors)
        qs = (
            selectors.follow_up_list(user=request.user, period=period, status=wanted, overdue=overdue, unit=unit)
            .select_related("unit__unit_type")
            .annotate(is_overdue=ExpressionWrapper(selectors.overdue_q(), output_field=BooleanField()))
        )
        page = self.paginate_queryset(qs) or []
        url = _follow_up_url(request)
        rows = [s.follow_up_row(a, overdue=bool(a.is_overdue), url=url(a)) for a in page]  # type: ignore[attr-defined]
        return self.get_paginated_response(s.FollowUpRowSerializer(rows, many=True).data)

    @extend_schema(
        request=s.FollowUpCreateSerializer,
        responses={201: s.FollowUpDetailSerializer, 400: ERROR_BODY, **READ_ERRORS},
    )
    def post(self, request: Request, year: int) -> Response:
        """Add a follow-up action of one's own (Ditjen HAM, or the unit's Kanwil) on an indicator of a unit's
        determined result that has none yet, e.g. after a monitoring visit; it starts confirmed."""
        _require(request, Action.FOLLOWUP_MANAGE)
        period = period_by_year_or_404(year)
        data = s.FollowUpCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        given = data.validated_data
        result = (
            Result.objects.filter(period=period, unit__in=policy.scope_units(request.user, Action.RESULT_VIEW))
            .select_related("unit__province", "period", "assessment__instrument")
            .filter(unit__code=given["unit"])
            .first()
        )
        if result is None:
            raise exceptions.ValidationError(
                {"unit": [_("No determined result of this unit in %(year)s.") % {"year": year}]}
            )
        action = services.follow_up_create(
            actor=request.user,
            result=result,
            indicator_code=given["indicator_code"],
            finding=given["finding"],
            action_text=given["action_text"],
            due_date=given["due_date"],
        )
        action = selectors.follow_up_for(user=request.user, pk=action.pk)
        return Response(s.FollowUpDetailSerializer(_follow_up_detail(request, action)).data, status=201)


def _follow_up(request: Request, pk: int) -> FollowUpAction:
    _require(request, Action.RESULT_VIEW)
    return selectors.follow_up_for(user=request.user, pk=pk)


def _follow_up_detail(request: Request, action: FollowUpAction) -> dict[str, Any]:
    user, unit = request.user, action.unit
    manage = policy.can(user, Action.FOLLOWUP_MANAGE, unit)
    overdue = FollowUpAction.objects.filter(pk=action.pk).filter(selectors.overdue_q()).exists()
    evidence = list(action.evidence.all())
    return {
        **s.follow_up_row(action, overdue=overdue, url=_follow_up_url(request)(action)),
        "report": action.report,
        "review_note": action.review_note,
        "confirmed_by": user_ref(action.confirmed_by),
        "reported_by": user_ref(action.reported_by),
        "closed_by": user_ref(action.closed_by),
        "evidence": [
            s.follow_up_evidence(
                e, request.build_absolute_uri(reverse("api:follow_up_evidence", args=[action.pk, e.pk]))
            )
            for e in evidence
        ],
        "allowed": {
            "confirm": manage and action.status in (F.PROPOSED, F.CONFIRMED),
            "dismiss": manage and action.status in (F.PROPOSED, F.CONFIRMED),
            "report": policy.can(user, Action.FOLLOWUP_REPORT, unit) and action.status == F.CONFIRMED,
            "close": manage and action.status == F.REPORTED,
            "send_back": manage and action.status == F.REPORTED,
        },
    }


# Which permission each PATCH action needs (checked before the body is parsed, so a role that may not act
# gets 403 rather than a 400; the service checks again under its lock).
_NEEDS = {
    "confirm": Action.FOLLOWUP_MANAGE,
    "dismiss": Action.FOLLOWUP_MANAGE,
    "close": Action.FOLLOWUP_MANAGE,
    "send_back": Action.FOLLOWUP_MANAGE,
    "report": Action.FOLLOWUP_REPORT,
}


class FollowUpDetail(APIView):
    """``GET /follow-ups/{id}``: a follow-up action with the unit's report, its evidence and what the caller may
    do now. ``PATCH``: one step through the services, with the ``version`` read (or ``If-Match``):

    * ``confirm`` {action_text, due_date} and ``dismiss`` {reason}: Ditjen HAM or the unit's Kanwil, while
      proposed or confirmed;
    * ``report`` {report, files}: the unit's operator or head, once confirmed — as ``multipart/form-data``
      with the evidence files (repeat ``files``; at least one file in all); JSON when files were sent before;
    * ``close`` {note?} and ``send_back`` {note}: Ditjen HAM or the Kanwil, on a reported action.

    The status only moves through these steps; a ``status``, ``unit`` or ``score`` in the body is ignored.
    409: a stale ``version`` (code ``stale``) or a step the current status does not allow."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses={200: s.FollowUpDetailSerializer, **READ_ERRORS})
    def get(self, request: Request, id: int) -> Response:
        action = _follow_up(request, id)
        return Response(s.FollowUpDetailSerializer(_follow_up_detail(request, action)).data)

    @extend_schema(
        request=s.FollowUpWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: s.FollowUpDetailSerializer, **UPLOAD_ERRORS},
    )
    def patch(self, request: Request, id: int) -> Response:
        action = _follow_up(request, id)
        verb = request.data.get("action") if hasattr(request.data, "get") else None
        needed = _NEEDS.get(verb) if isinstance(verb, str) else None
        if needed is not None and not policy.can(request.user, needed, action.unit):
            raise exceptions.PermissionDenied()
        data = s.FollowUpWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = _version(request, required=True)
        given = data.validated_data
        _step(request, action, given, version)
        action = selectors.follow_up_for(user=request.user, pk=action.pk)
        return Response(s.FollowUpDetailSerializer(_follow_up_detail(request, action)).data)


def _step(request: Request, action: FollowUpAction, given: dict[str, Any], version: int | None) -> None:
    actor, verb = request.user, given["action"]
    try:
        if verb == "confirm":
            services.follow_up_confirm(
                actor=actor,
                action=action,
                action_text=given["action_text"],
                due_date=given["due_date"],
                version=version,
            )
        elif verb == "dismiss":
            services.follow_up_dismiss(actor=actor, action=action, reason=given["reason"], version=version)
        elif verb == "report":
            services.follow_up_report(
                actor=actor, action=action, report=given["report"], files=given.get("files") or [], version=version
            )
        else:
            services.follow_up_review(
                actor=actor, action=action, accept=verb == "close", note=given.get("note", ""), version=version
            )
    except DjangoValidationError as exc:
        # The service names the text of a confirmation "action"; in this body that is the step itself.
        if hasattr(exc, "error_dict") and "action" in exc.error_dict and type(exc) is DjangoValidationError:
            errors = exc.message_dict
            errors["action_text"] = errors.pop("action")
            raise exceptions.ValidationError(errors) from None
        raise


class FollowUpEvidenceDownload(APIView):
    """``GET /follow-ups/{id}/evidence/{evidence_id}``: a file of the unit's report (those who see the action)."""

    renderer_classes = [JSONRenderer, AnyMediaRenderer]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY), **READ_ERRORS})
    def get(self, request: Request, id: int, evidence_id: int) -> FileResponse:
        action = _follow_up(request, id)
        evidence = FollowUpEvidence.objects.filter(pk=evidence_id, action=action).first()
        if evidence is None:
            raise Http404
        response = FileResponse(
            default_storage.open(evidence.storage_name, "rb"),
            as_attachment=True,
            filename=evidence.original_name,
            content_type=CONTENT_TYPES.get(evidence.kind, "application/octet-stream"),
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


__all__ = [
    "CertificateRevocation",
    "CertificateVerify",
    "DeterminationView",
    "FollowUpDetail",
    "FollowUpEvidenceDownload",
    "FollowUpList",
    "Redetermination",
    "ResultCorrection",
    "ResultDetail",
    "ResultList",
]
