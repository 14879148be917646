"""API v1: pencanangan — every action of the flow, through the same services and policy as the screens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2ham.api.views import ERROR_BODY
from p2ham.api.views_periods import _require
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.declarations import selectors, services, statements
from p2ham.declarations.models import Declaration, DeclarationDocument, DeclarationUnit, Witness
from p2ham.periods.models import Period


class WitnessSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=150, allow_blank=True)
    position = serializers.CharField(max_length=200, allow_blank=True)
    institution = serializers.CharField(max_length=200, allow_blank=True)
    kind = serializers.ChoiceField(choices=Witness.Kind.choices)
    present = serializers.BooleanField(read_only=True)


class DeclarationWriteSerializer(serializers.Serializer):
    requester_unit = serializers.CharField(max_length=40, help_text="code of the requesting unit (Kanwil)")
    units = serializers.ListField(child=serializers.CharField(max_length=40), help_text="codes of the units")
    planned_date = serializers.DateField()
    planned_venue = serializers.CharField(max_length=200, allow_blank=True)
    declarer_name = serializers.CharField(max_length=150, allow_blank=True)
    declarer_position = serializers.CharField(max_length=200, allow_blank=True)
    witnesses = WitnessSerializer(many=True)
    version = serializers.IntegerField(required=False, help_text="required on PATCH: the version you read")


class DeclarationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    status = serializers.CharField()
    version = serializers.IntegerField()
    requester_unit = serializers.CharField()
    planned_date = serializers.DateField()
    planned_venue = serializers.CharField()
    declarer_name = serializers.CharField()
    declarer_position = serializers.CharField()
    actual_date = serializers.DateField(allow_null=True)
    actual_venue = serializers.CharField()
    units = serializers.ListField(child=serializers.DictField())
    witnesses = WitnessSerializer(many=True)
    rounds = serializers.ListField(child=serializers.DictField())


def _data(declaration: Declaration) -> dict[str, Any]:
    return {
        "id": declaration.pk,
        "year": declaration.period.year,
        "status": declaration.status,
        "version": declaration.version,
        "requester_unit": declaration.requester_unit.code,
        "planned_date": declaration.planned_date,
        "planned_venue": declaration.planned_venue,
        "declarer_name": declaration.declarer_name,
        "declarer_position": declaration.declarer_position,
        "actual_date": declaration.actual_date,
        "actual_venue": declaration.actual_venue,
        "units": [
            {
                "code": p.unit.code,
                "name": p.unit.name,
                "signature": p.signature or None,
                "signed_at": p.signed_at,
                "verification_code": p.verification_code,
            }
            for p in declaration.units.select_related("unit").order_by("unit__name")
        ],
        "witnesses": [
            {
                "id": w.pk,
                "name": w.name,
                "position": w.position,
                "institution": w.institution,
                "kind": w.kind,
                "present": w.present,
            }
            for w in declaration.witnesses.all()
        ],
        "rounds": [
            {"action": r.action, "note": r.note, "at": r.created_at} for r in declaration.rounds.order_by("created_at")
        ],
    }


def _may_request(request: Request, declaration: Declaration) -> None:
    """Seeing a request (a participating unit does) is not being allowed to act on it: that is a 403."""
    if not policy.can(request.user, Action.DECLARATION_REQUEST, declaration.requester_unit):
        raise exceptions.PermissionDenied(_("Only the requesting unit acts on this request."))


def _version(body: Any) -> int | None:
    raw = body.get("version")
    if raw in (None, ""):
        return None
    if not str(raw).isdigit():
        raise exceptions.ValidationError({"version": [_("Send the version you read.")]})
    return int(raw)


def _visible(request: Request, pk: int) -> Declaration:
    return selectors.declaration_get_or_404(user=request.user, pk=pk)


def _inputs(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    scope = policy.scope_units(request.user, Action.DECLARATION_REQUEST)
    units = list(scope.filter(code__in=data["units"]).select_related("province"))
    missing = sorted(set(data["units"]) - {u.code for u in units})
    if missing:
        raise exceptions.ValidationError({"units": [_("Unknown unit(s): %(codes)s.") % {"codes": ", ".join(missing)}]})
    return {
        "units": units,
        "planned_date": data["planned_date"],
        "planned_venue": data["planned_venue"],
        "declarer_name": data["declarer_name"],
        "declarer_position": data["declarer_position"],
        "witnesses": [
            services.WitnessInput(w["name"], w["position"], w["institution"], w["kind"]) for w in data["witnesses"]
        ],
    }


class DeclarationList(GenericAPIView):  # type: ignore[type-arg]
    serializer_class = DeclarationSerializer

    @extend_schema(responses={200: DeclarationSerializer(many=True), 404: ERROR_BODY})
    def get(self, request: Request, year: int) -> Response:
        _require(request, Action.DECLARATION_VIEW)
        period = get_object_or_404(Period, year=year)
        qs = selectors.declaration_list(user=request.user, period=period)
        params = request.query_params
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("province"):
            qs = qs.filter(requester_unit__province__code=params["province"])
        month = params.get("month", "")
        if month:
            if not (month.isascii() and month.isdigit() and 1 <= int(month) <= 12):
                raise exceptions.ValidationError({"month": [_("Use a month number from 1 to 12.")]})
            qs = qs.filter(planned_date__month=int(month))
        page = self.paginate_queryset(qs.order_by("-created_at"))
        return self.get_paginated_response([_data(d) for d in page or []])

    @extend_schema(
        request=DeclarationWriteSerializer,
        responses={201: DeclarationSerializer, 400: ERROR_BODY, 403: ERROR_BODY, 409: ERROR_BODY},
    )
    def post(self, request: Request, year: int) -> Response:
        _require(request, Action.DECLARATION_REQUEST)
        period = get_object_or_404(Period, year=year)
        data = DeclarationWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        requester = (
            policy.scope_units(request.user, Action.DECLARATION_REQUEST)
            .filter(code=data.validated_data["requester_unit"])
            .select_related("province")
            .first()
        )
        if requester is None:
            raise exceptions.ValidationError({"requester_unit": [_("Unknown unit code.")]})
        declaration = services.declaration_create(
            actor=request.user, period=period, requester_unit=requester, **_inputs(request, data.validated_data)
        )
        return Response(_data(declaration), status=status.HTTP_201_CREATED)


class DeclarationDetail(APIView):
    @extend_schema(responses={200: DeclarationSerializer, 404: ERROR_BODY})
    def get(self, request: Request, id: int) -> Response:
        _require(request, Action.DECLARATION_VIEW)
        return Response(_data(_visible(request, id)))

    @extend_schema(
        request=DeclarationWriteSerializer,
        responses={200: DeclarationSerializer, 400: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY},
    )
    def patch(self, request: Request, id: int) -> Response:
        _require(request, Action.DECLARATION_REQUEST)
        declaration = _visible(request, id)
        _may_request(request, declaration)
        data = DeclarationWriteSerializer(
            data={**_data(declaration), "units": [u["code"] for u in _data(declaration)["units"]], **request.data}
        )
        data.is_valid(raise_exception=True)
        if "version" not in request.data:
            raise exceptions.ValidationError({"version": [_("Send the version you read.")]})
        declaration = services.declaration_update(
            actor=request.user,
            declaration=declaration,
            version=int(request.data["version"]),
            **_inputs(request, data.validated_data),
        )
        return Response(_data(declaration))


NOTE = inline_serializer(
    "DeclarationNote",
    fields={"note": serializers.CharField(required=False), "version": serializers.IntegerField(required=False)},
)
APPROVAL = inline_serializer(
    "DeclarationApproval",
    fields={
        "witness_name": serializers.CharField(),
        "witness_position": serializers.CharField(required=False),
        "note": serializers.CharField(required=False),
        "version": serializers.IntegerField(required=False),
    },
)


class DeclarationAction(APIView):
    """``POST /declarations/{id}/{submit|approve|return|reject|complete}``."""

    @extend_schema(
        request=APPROVAL,
        responses={200: DeclarationSerializer, 400: ERROR_BODY, 403: ERROR_BODY, 404: ERROR_BODY, 409: ERROR_BODY},
    )
    def post(self, request: Request, id: int, action: str) -> Response:
        declaration = _visible(request, id)
        body = request.data
        version = _version(body)
        note = str(body.get("note", ""))
        if action == "submit":
            _require(request, Action.DECLARATION_REQUEST)
            _may_request(request, declaration)
            declaration = services.declaration_submit(actor=request.user, declaration=declaration, version=version)
        elif action in {"approve", "return", "reject", "complete"}:
            _require(request, Action.DECLARATION_REVIEW)
            if action == "approve":
                witness = services.WitnessInput(
                    str(body.get("witness_name", "")), str(body.get("witness_position", "")), "", Witness.Kind.DITJEN
                )
                declaration = services.declaration_approve(
                    actor=request.user, declaration=declaration, ditjen_witness=witness, note=note, version=version
                )
            elif action == "return":
                declaration = services.declaration_return(
                    actor=request.user, declaration=declaration, note=note, version=version
                )
            elif action == "reject":
                declaration = services.declaration_reject(
                    actor=request.user, declaration=declaration, note=note, version=version
                )
            else:
                declaration = services.declaration_complete(
                    actor=request.user, declaration=declaration, version=version
                )
        else:
            raise Http404
        declaration.refresh_from_db()
        return Response(_data(declaration))


class CeremonyRecord(APIView):
    """``POST /declarations/{id}/ceremony`` (multipart): date, venue, witnesses present, minutes, photos."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=inline_serializer(
            "Ceremony",
            fields={
                "actual_date": serializers.DateField(),
                "actual_venue": serializers.CharField(),
                "present": serializers.ListField(child=serializers.IntegerField()),
                "minutes": serializers.FileField(),
                "photos": serializers.ListField(child=serializers.FileField()),
                "version": serializers.IntegerField(required=False),
            },
        ),
        responses={
            200: DeclarationSerializer,
            400: ERROR_BODY,
            403: ERROR_BODY,
            404: ERROR_BODY,
            409: ERROR_BODY,
            413: ERROR_BODY,
            415: ERROR_BODY,
        },
    )
    def post(self, request: Request, id: int) -> Response:
        _require(request, Action.DECLARATION_REQUEST)
        declaration = _visible(request, id)
        _may_request(request, declaration)
        try:
            actual_date = dt.date.fromisoformat(str(request.data.get("actual_date", "")))
        except ValueError:
            raise exceptions.ValidationError({"actual_date": [_("Use the date format YYYY-MM-DD.")]}) from None
        present = [int(v) for v in request.data.getlist("present") if str(v).isdigit()]  # type: ignore[attr-defined]
        declaration = services.ceremony_record(
            actor=request.user,
            declaration=declaration,
            actual_date=actual_date,
            actual_venue=str(request.data.get("actual_venue", "")),
            present=present,
            extra_witnesses=[],
            minutes=request.FILES.get("minutes"),
            photos=request.FILES.getlist("photos"),
        )
        return Response(_data(declaration))


def _participant(request: Request, pk: int, unit_code: str) -> DeclarationUnit:
    declaration = _visible(request, pk)
    return get_object_or_404(
        DeclarationUnit.objects.select_related("declaration__period", "unit__province"),
        declaration=declaration,
        unit__code=unit_code,
    )


class StatementSign(APIView):
    """``POST .../statements/{unit_code}/sign``: a scan (multipart ``file``) or in-app (``password``)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request=inline_serializer(
            "StatementSignature",
            fields={"file": serializers.FileField(required=False), "password": serializers.CharField(required=False)},
        ),
        responses={
            200: DeclarationSerializer,
            400: ERROR_BODY,
            403: ERROR_BODY,
            404: ERROR_BODY,
            409: ERROR_BODY,
            413: ERROR_BODY,
            415: ERROR_BODY,
        },
    )
    def post(self, request: Request, id: int, unit_code: str) -> Response:
        participant = _participant(request, id, unit_code)
        if not policy.can(request.user, Action.STATEMENT_SIGN, participant.unit):
            raise exceptions.PermissionDenied(_("Only the head of this unit signs its statement."))
        if "file" in request.FILES:
            statements.statement_sign_upload(
                actor=request.user, participant=participant, uploaded=request.FILES["file"]
            )
        else:
            statements.statement_sign_in_app(
                actor=request.user, participant=participant, password=str(request.data.get("password", ""))
            )
        participant.declaration.refresh_from_db()
        return Response(_data(participant.declaration))


class StatementPdf(APIView):
    """``GET .../statements/{unit_code}/pdf``: the signed document, else the statement to sign."""

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(description="PDF or the signed scan"), 404: ERROR_BODY}
    )
    def get(self, request: Request, id: int, unit_code: str) -> FileResponse:
        _require(request, Action.DECLARATION_VIEW)
        participant = _participant(request, id, unit_code)
        if not selectors.may_read_statement(user=request.user, participant=participant):
            raise Http404
        if participant.signed_file:
            handle = default_storage.open(participant.signed_file, "rb")
            name = participant.signed_file.rsplit("/", 1)[-1]
            return FileResponse(handle, as_attachment=True, filename=f"pernyataan-{unit_code}-{name}")
        import io

        data = statements.statement_pdf(participant)
        return FileResponse(
            io.BytesIO(data), as_attachment=True, filename=f"pernyataan-{unit_code}.pdf", content_type="application/pdf"
        )


class DocumentDownload(APIView):
    """``GET /declarations/{id}/documents/{document_id}``: the cover letter, minutes or a photo."""

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiResponse(description="the file"), 404: ERROR_BODY}
    )
    def get(self, request: Request, id: int, document_id: int) -> FileResponse:
        _require(request, Action.DECLARATION_VIEW)
        declaration = _visible(request, id)
        document = get_object_or_404(DeclarationDocument, pk=document_id, declaration=declaration)
        return FileResponse(
            default_storage.open(document.file, "rb"),
            as_attachment=True,
            filename=document.original_name or f"dokumen-{document.pk}",
            content_type=document.content_type,
        )


class DeclarationProgress(APIView):
    """``GET /periods/{year}/declarations/progress``: per province, units declared / in process / not started."""

    @extend_schema(
        responses={
            200: inline_serializer(
                "DeclarationProgress",
                fields={
                    "province": serializers.CharField(),
                    "total": serializers.IntegerField(),
                    "declared": serializers.IntegerField(),
                    "in_process": serializers.IntegerField(),
                    "not_started": serializers.IntegerField(),
                },
                many=True,
            ),
            404: ERROR_BODY,
        }
    )
    def get(self, request: Request, year: int) -> Response:
        _require(request, Action.DECLARATION_VIEW)
        period = get_object_or_404(Period, year=year)
        rows = selectors.province_progress(user=request.user, period=period)
        return Response([{**row, "province": row["province"].code} for row in rows])
