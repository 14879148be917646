from __future__ import annotations

from django.contrib import admin

from p2ham.accounts.models import RoleAssignment, User
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
