from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _

from p2ham.accounts.forms import LoginForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from p2ham.accounts.models import User
from p2ham.accounts.selectors import role_assignment_list
from p2ham.accounts.services import user_password_changed
from p2ham.core import policy


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            user_password_changed(user=cast(User, self.request.user), action="user.password_change")
        messages.success(self.request, _("Your password has been changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        # Links in the e-mail point to the configured site, never to whatever Host header the request sent.
        site = urlsplit(settings.SITE_URL)
        self.extra_email_context = {"domain": site.netloc, "protocol": site.scheme}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            user_password_changed(user=form.user, action="user.password_reset", unlock=True)
        return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login required
    assignments = role_assignment_list(user=user)
    return render(
        request,
        "accounts/profile.html",
        {
            "assignments": assignments,
            "timezone_name": policy.user_timezone(request.user),
            "breadcrumbs": [(_("Home"), reverse("core:home")), (_("My account"), "")],
        },
    )
