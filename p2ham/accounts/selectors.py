"""Reads about people."""

from __future__ import annotations

from django.db.models import QuerySet

from p2ham.accounts.models import RoleAssignment, User


def role_assignment_list(*, user: User) -> QuerySet[RoleAssignment]:
    """A person's roles with their units."""
    return RoleAssignment.objects.filter(user=user).select_related("unit", "unit__province").order_by("role")
