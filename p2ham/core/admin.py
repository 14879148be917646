"""The Django admin is the administrators' screen for reference data; access follows the policy module."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from p2ham.core import policy
from p2ham.core.policy import Action

admin.site.site_header = _("P2HAM administration")
admin.site.site_title = _("P2HAM administration")
admin.site.index_title = _("Reference data")


def _admin_allowed(request: HttpRequest) -> bool:
    return bool(request.user.is_active and policy.can(request.user, Action.UNIT_MANAGE))


def _admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    # One login page for the whole platform (lockout, e-mail login); the admin's own form demands is_staff.
    if request.user.is_authenticated:
        # Logged in but not an administrator: a refusal, not another login (which would loop back here).
        raise PermissionDenied
    target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect_to_login(target, reverse("accounts:login"))


# Holders of the national admin role use the admin site without needing Django's is_staff flag.
admin.site.has_permission = _admin_allowed  # type: ignore[method-assign]
admin.site.login = _admin_login  # type: ignore[method-assign]


class PolicyAdmin(admin.ModelAdmin):
    """Model admin whose permissions come from ``policy`` (``manage_action``) instead of Django perms."""

    manage_action: Action = Action.UNIT_MANAGE

    def _allowed(self, request: HttpRequest) -> bool:
        return policy.can(request.user, self.manage_action)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # units and people are deactivated, never deleted: history refers to them

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        from p2ham.audit.services import audit_log

        audit_log(actor=request.user, action=f"{obj._meta.model_name}.create", target=obj)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        from p2ham.audit.services import audit_log

        audit_log(actor=request.user, action=f"{obj._meta.model_name}.update", target=obj, data={"change": message})
        return super().log_change(request, obj, message)
