"""API v1: authentication, identity and the organisation, under the same policy as the HTML views."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import authenticate
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from p2ham.accounts.models import RoleAssignment, User
from p2ham.api import serializers as s
from p2ham.api.models import ApiToken
from p2ham.api.services import token_issue, token_revoke
from p2ham.core import policy
from p2ham.organizations import selectors as org_selectors
from p2ham.organizations.models import Province, Unit, UnitType

ERROR_BODY = inline_serializer(
    "Error",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


class TokenView(APIView):
    """``POST`` exchanges username/e-mail and password for a bearer token; ``DELETE`` revokes the token used."""

    throttle_scope = "token"

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else list(super().get_permissions())

    def get_throttles(self) -> list[Any]:
        return [ScopedRateThrottle()] if self.request.method == "POST" else super().get_throttles()

    @extend_schema(
        request=s.TokenRequestSerializer,
        responses={201: s.TokenSerializer, 400: ERROR_BODY, 401: ERROR_BODY, 403: ERROR_BODY, 429: ERROR_BODY},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = s.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Through Django's authenticate so the account lockout (django-axes) counts API attempts too.
        user = authenticate(
            request._request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if getattr(request._request, "axes_locked_out", False):
            raise exceptions.PermissionDenied(
                _("Too many failed attempts: this account is temporarily locked."), code="account_locked"
            )
        if user is None:
            raise exceptions.AuthenticationFailed(_("The username/e-mail or password is wrong."))
        raw, token = token_issue(user=user)
        return Response({"token": raw, "expires_at": token.expires_at}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None, 401: ERROR_BODY})
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, ApiToken):
            raise exceptions.ValidationError({"authorization": [_("Send the bearer token you want to revoke.")]})
        token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses={200: s.MeSerializer, 401: ERROR_BODY})
    def get(self, request: Request) -> Response:
        user = User.objects.prefetch_related(
            Prefetch("role_assignments", queryset=RoleAssignment.objects.select_related("unit"))
        ).get(pk=cast(int, request.user.pk))
        return Response(s.MeSerializer(user).data)


@extend_schema_view(get=extend_schema(responses={200: s.UnitTypeSerializer(many=True), 401: ERROR_BODY}))
class UnitTypeList(generics.ListAPIView):
    serializer_class = s.UnitTypeSerializer
    queryset = UnitType.objects.all()


@extend_schema_view(get=extend_schema(responses={200: s.ProvinceSerializer(many=True), 401: ERROR_BODY}))
class ProvinceList(generics.ListAPIView):
    serializer_class = s.ProvinceSerializer
    queryset = Province.objects.all()


UNIT_FILTER_PARAMS = [
    OpenApiParameter("type", str, description="unit type code"),
    OpenApiParameter("province", str, description="2-digit Kemendagri province code"),
    OpenApiParameter("parent", str, description="code of the parent unit"),
    OpenApiParameter("q", str, description="search in name, code and address"),
    OpenApiParameter("active", bool),
    OpenApiParameter("ordering", str, enum=list(org_selectors.UNIT_SORTS)),
]


class UnitList(generics.ListAPIView):
    serializer_class = s.UnitSerializer

    @extend_schema(
        parameters=UNIT_FILTER_PARAMS, responses={200: s.UnitSerializer(many=True), 400: ERROR_BODY, 401: ERROR_BODY}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        # An empty parameter (a form's "all" choice) means "no filter", not an invalid value.
        given = {k: v for k, v in self.request.query_params.items() if v != ""}
        params = s.UnitFilterSerializer(data=given)
        params.is_valid(raise_exception=True)
        v = params.validated_data
        parent = v.get("parent", "")
        if parent and not policy.scope_units(self.request.user).filter(code=parent).exists():
            raise exceptions.ValidationError({"parent": [_("Unknown unit “%(code)s”.") % {"code": parent}]})
        filters = org_selectors.UnitFilters(
            q=v.get("q", ""),
            unit_type=v["type"].code if v.get("type") else "",
            province=v["province"].code if v.get("province") else "",
            parent=parent,
            active=v.get("active"),
            sort=v.get("ordering", "name"),
        )
        return org_selectors.unit_list(user=self.request.user, filters=filters)


class UnitDetail(APIView):
    @extend_schema(responses={200: s.UnitSerializer, 401: ERROR_BODY, 404: ERROR_BODY})
    def get(self, request: Request, code: str) -> Response:
        unit: Unit = policy.get_unit_or_404(request.user, code)
        return Response(s.UnitSerializer(unit).data)
