"""What every page's frame needs: navigation for the user's roles and the notification badge."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from p2ham.core import policy
from p2ham.core.policy import Action


def _navigation(user: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        {"label": _("Home"), "url": reverse("core:home"), "icon": "house", "name": "home"},
        {"label": _("Units"), "url": reverse("organizations:unit_list"), "icon": "diagram-3", "name": "units"},
    ]
    if policy.can(user, Action.DECLARATION_VIEW):
        items.append(
            {
                "label": _("Declarations"),
                "url": reverse("declarations:list"),
                "icon": "megaphone",
                "name": "declarations",
            }
        )
    if policy.can(user, Action.ASSESSMENT_VIEW):
        items.append(
            {
                "label": _("Assessments"),
                "url": reverse("assessments:list"),
                "icon": "clipboard-check",
                "name": "assessments",
            }
        )
    if policy.can(user, Action.REVIEW_ASSIGN):
        items.append(
            {"label": _("Assignments"), "url": reverse("assign:index"), "icon": "person-check", "name": "assignments"}
        )
    if policy.can(user, Action.VERIFICATION_PERFORM) or policy.can(user, Action.PANEL_SCORE):
        items.append(
            {
                "label": _("Verification & panel"),
                "url": reverse("assign:mine_current"),
                "icon": "list-check",
                "name": "my_reviews",
            }
        )
    if policy.can(user, Action.RESULTS_OVERVIEW):
        items.append({"label": _("Results"), "url": reverse("ranking:index"), "icon": "trophy", "name": "results"})
        items.append(
            {"label": _("Dashboard"), "url": reverse("reports:index"), "icon": "bar-chart-line", "name": "dashboard"}
        )
    if policy.can(user, Action.RESULT_VIEW):
        items.append(
            {"label": _("Follow-up"), "url": reverse("followup:list"), "icon": "arrow-repeat", "name": "followups"}
        )
    if policy.can(user, Action.PERIOD_VIEW):
        items.append({"label": _("Periods"), "url": reverse("periods:list"), "icon": "calendar3", "name": "periods"})
    if policy.can(user, Action.UNIT_MANAGE):
        items.append(
            {"label": _("Import"), "url": reverse("organizations:import_units"), "icon": "upload", "name": "import"}
        )
    if policy.can(user, Action.AUDIT_VIEW):
        items.append({"label": _("Audit log"), "url": reverse("audit:list"), "icon": "journal-text", "name": "audit"})
    if policy.can(user, Action.UNIT_MANAGE):
        items.append({"label": _("Administration"), "url": reverse("admin:index"), "icon": "gear", "name": "admin"})
    return items


def shell(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}

    def unread() -> int:
        from p2ham.notifications.selectors import notification_unread_count

        return notification_unread_count(user=user)

    return {
        "nav_items": SimpleLazyObject(lambda: _navigation(user)),
        "unread_notifications": SimpleLazyObject(unread),
        "primary_role": SimpleLazyObject(lambda: policy.primary_role(user)),
    }
