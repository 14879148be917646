from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from p2ham.accounts.models import RoleAssignment, User
from p2ham.audit.services import audit_log
from p2ham.core.admin import PolicyAdmin
from p2ham.core.policy import Action


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ("unit",)

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        from p2ham.core import policy

        return policy.can(request.user, Action.USER_MANAGE)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission  # type: ignore[assignment]


@admin.register(User)
class UserAdmin(PolicyAdmin):
    manage_action = Action.USER_MANAGE
    list_display = ("username", "full_name", "nip", "email", "is_active")
    search_fields = ("username", "full_name", "nip", "email")
    list_filter = ("is_active", "role_assignments__role")
    fields = ("username", "full_name", "nip", "email", "phone", "is_active")
    inlines = [RoleAssignmentInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Role grants and revocations are audited one by one, with their unit, so a Kanwil's viewer sees them.
        super().save_formset(request, form, formset, change)
        if formset.model is not RoleAssignment:
            return
        for assignment in formset.new_objects:
            audit_log(
                actor=request.user,
                action="role.grant",
                target=assignment.user,
                unit=assignment.unit,
                data={"role": assignment.role},
            )
        for assignment, changed in formset.changed_objects:
            audit_log(
                actor=request.user,
                action="role.update",
                target=assignment.user,
                unit=assignment.unit,
                data={"role": assignment.role, "changed": changed},
            )
        for assignment in formset.deleted_objects:
            audit_log(
                actor=request.user,
                action="role.revoke",
                target=assignment.user,
                unit=assignment.unit,
                data={"role": assignment.role},
            )
