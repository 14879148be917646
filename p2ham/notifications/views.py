from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from p2ham.notifications.selectors import notification_list
from p2ham.notifications.services import notification_mark_read


@login_required
@require_GET
def notification_index(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_list(user=request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "breadcrumbs": [(_("Home"), reverse("core:home")), (_("Notifications"), "")],
        },
    )


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    raw_id = request.POST.get("id", "")
    # Only the recipient's own notifications are touched: the service filters by user.
    notification_mark_read(user=request.user, notification_id=int(raw_id) if raw_id.isdigit() else None)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")
