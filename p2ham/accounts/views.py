from __future__ import annotations

from typing import Any, cast

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _

from p2ham.accounts.backends import lockout_username
from p2ham.accounts.forms import LoginForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm
from p2ham.accounts.models import RoleAssignment, User
from p2ham.audit.services import audit_log
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
        response = super().form_valid(form)
        user = cast(User, self.request.user)  # login required
        audit_log(actor=user, action="user.password_change", target=user)
        messages.success(self.request, _("Your password has been changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # Whoever can read the account's mailbox may log in again: lift a lockout from earlier failures.
        axes_reset(username=lockout_username(self.request, {"username": form.user.username}))
        audit_log(actor=form.user, action="user.password_reset", target=form.user)
        return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login required
    assignments = RoleAssignment.objects.filter(user=user).select_related("unit", "unit__province")
    return render(
        request,
        "accounts/profile.html",
        {
            "assignments": assignments,
            "timezone_name": policy.user_timezone(request.user),
            "breadcrumbs": [(_("Home"), reverse("core:home")), (_("My account"), "")],
        },
    )
