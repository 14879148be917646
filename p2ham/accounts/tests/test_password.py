"""Changing and resetting a password, and the profile page."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD
from p2ham.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Baru-Sangat-Aman-2027!"
RESET_LINK = re.compile(r"https?://[^/\s]+(/akun/atur-kata-sandi/[^/\s]+/[^/\s]+/)")


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def request_reset(client, email):
    return client.post(reverse("accounts:password_reset"), {"email": email})


def reset_link_from(message):
    match = RESET_LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def set_password_via(client, link, password=NEW_PASSWORD):
    """Follow a reset link (which redirects to the token-less form) and submit a new password."""
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"] is True
    return client.post(form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})


# --- password change ------------------------------------------------------------------------------


def test_password_change_requires_login(client):
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_password_change_page_renders(client, operator):
    client.force_login(operator)
    response = client.get(reverse("accounts:password_change"))
    assert response.status_code == 200
    assert {"old_password", "new_password1", "new_password2"} <= set(response.context["form"].fields)


def test_password_change_with_wrong_old_password_is_refused(client, operator):
    client.force_login(operator)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "Bukan-Kata-Sandi-99", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="user.password_change").exists()


def test_password_change_shows_the_wrong_old_password_error_in_english(client, operator):
    english(client)
    client.force_login(operator)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "Bukan-Kata-Sandi-99", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "Your old password was entered incorrectly" in response.content.decode()


def test_password_change_refuses_a_weak_new_password(client, operator):
    client.force_login(operator)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"},
    )
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)


def test_password_change_succeeds_and_redirects_to_profile(client, operator):
    client.force_login(operator)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    operator.refresh_from_db()
    assert operator.check_password(NEW_PASSWORD)


def test_password_change_keeps_the_user_logged_in(client, operator):
    client.force_login(operator)
    client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_password_change_writes_an_audit_entry(client, operator):
    client.force_login(operator)
    client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    entry = AuditEntry.objects.get(action="user.password_change")
    assert entry.actor == operator
    assert entry.target_type == "accounts.user"
    assert entry.target_id == str(operator.pk)


def test_password_change_confirms_with_a_message(client, operator):
    english(client)
    client.force_login(operator)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password has been changed." in [str(m) for m in response.context["messages"]]


def test_new_password_works_for_login_after_change(client, operator):
    client.force_login(operator)
    client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    client.post(reverse("accounts:logout"))
    assert login(client, "operator_ambon", PASSWORD).status_code == 200
    assert login(client, "operator_ambon", NEW_PASSWORD).status_code == 302


# --- password reset: request ----------------------------------------------------------------------


def test_password_reset_page_renders(client):
    response = client.get(reverse("accounts:password_reset"))
    assert response.status_code == 200
    assert "email" in response.context["form"].fields


def test_password_reset_sends_one_mail_with_a_link(client, operator):
    response = request_reset(client, operator.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [operator.email]
    assert reset_link_from(message).startswith("/akun/atur-kata-sandi/")


def test_password_reset_mail_names_the_username(client, operator):
    request_reset(client, operator.email)
    assert "operator_ambon" in mail.outbox[0].body


def test_password_reset_accepts_the_email_in_another_case(client, operator):
    request_reset(client, operator.email.upper())
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [operator.email]


def test_password_reset_reaches_an_account_without_a_usable_password(client, operator):
    operator.set_unusable_password()
    operator.save()
    request_reset(client, operator.email)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [operator.email]
    assert RESET_LINK.search(mail.outbox[0].body)


def test_password_reset_for_unknown_email_sends_nothing_but_shows_the_same_page(client, operator):
    response = request_reset(client, "tidak.ada@example.go.id")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_reset_for_inactive_account_sends_nothing(client, operator):
    operator.is_active = False
    operator.save()
    response = request_reset(client, operator.email)
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_reset_done_page_renders(client):
    english(client)
    response = client.get(reverse("accounts:password_reset_done"))
    assert response.status_code == 200
    assert "Check your e-mail" in response.content.decode()


# --- password reset: following the link -----------------------------------------------------------


def test_reset_link_lets_the_user_set_a_password_and_log_in(client, operator):
    request_reset(client, operator.email)
    response = set_password_via(client, reset_link_from(mail.outbox[0]))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert login(client, "operator_ambon", NEW_PASSWORD).status_code == 302
    assert logged_in_user_id(client) == str(operator.pk)


def test_reset_replaces_the_old_password(client, operator):
    request_reset(client, operator.email)
    set_password_via(client, reset_link_from(mail.outbox[0]))
    assert login(client, "operator_ambon", PASSWORD).status_code == 200
    assert logged_in_user_id(client) is None


def test_imported_account_sets_its_first_password_by_reset(client, operator):
    operator.set_unusable_password()
    operator.save()
    request_reset(client, operator.email)
    set_password_via(client, reset_link_from(mail.outbox[0]))
    operator.refresh_from_db()
    assert operator.has_usable_password()
    assert login(client, operator.email, NEW_PASSWORD).status_code == 302
    assert logged_in_user_id(client) == str(operator.pk)


def test_reset_writes_an_audit_entry(client, operator):
    request_reset(client, operator.email)
    set_password_via(client, reset_link_from(mail.outbox[0]))
    entry = AuditEntry.objects.get(action="user.password_reset")
    assert entry.actor == operator
    assert entry.target_id == str(operator.pk)
    assert entry.ip == "127.0.0.1"


def test_reset_does_not_log_the_user_in(client, operator):
    request_reset(client, operator.email)
    set_password_via(client, reset_link_from(mail.outbox[0]))
    assert logged_in_user_id(client) is None


def test_reset_ends_the_users_other_sessions(client, operator):
    other_device = Client()
    other_device.force_login(operator)
    request_reset(client, operator.email)
    set_password_via(client, reset_link_from(mail.outbox[0]))
    response = other_device.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_reset_refuses_mismatched_passwords(client, operator):
    request_reset(client, operator.email)
    form_page = client.get(reset_link_from(mail.outbox[0]), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    assert response.status_code == 200
    assert "new_password2" in response.context["form"].errors
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="user.password_reset").exists()


def test_reset_link_works_only_once(client, operator):
    request_reset(client, operator.email)
    link = reset_link_from(mail.outbox[0])
    set_password_via(client, link)
    response = client.get(link, follow=True)
    assert response.context["validlink"] is False


def test_invalid_reset_token_shows_the_invalid_link_message(client, operator):
    english(client)
    request_reset(client, operator.email)
    uidb64 = reset_link_from(mail.outbox[0]).split("/")[-3]
    url = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": "abc-0123456789abcdef"})
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["validlink"] is False
    assert "This link is invalid or has already been used." in response.content.decode()
    assert 'name="new_password1"' not in response.content.decode()


def test_invalid_reset_user_id_shows_the_invalid_link_message(client):
    url = reverse("accounts:password_reset_confirm", kwargs={"uidb64": "bm9ib2R5", "token": "abc-0123456789abcdef"})
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_password_reset_complete_page_links_to_login(client):
    response = client.get(reverse("accounts:password_reset_complete"))
    assert response.status_code == 200
    assert reverse("accounts:login") in response.content.decode()


def test_password_reset_unlocks_a_locked_account(client, operator):
    # The lock-out page says "Try again later, or reset your password": a reset must lift the lock.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "operator_ambon", "Bukan-Kata-Sandi-99")
    assert "accounts/locked_out.html" in [t.name for t in login(client, "operator_ambon", PASSWORD).templates]
    request_reset(client, operator.email)
    set_password_via(client, reset_link_from(mail.outbox[0]))
    response = login(client, "operator_ambon", NEW_PASSWORD)
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(operator.pk)


# --- profile --------------------------------------------------------------------------------------


def test_profile_refuses_anonymous_users(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_profile_shows_the_users_roles_and_units(client, operator):
    english(client)
    client.force_login(operator)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "P2HAM operator" in html
    assert "Lapas Kelas IIA Ambon" in html


def test_profile_shows_a_national_role_as_nationwide(client, verifier):
    english(client)
    client.force_login(verifier)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "Verifier" in html
    assert "nationwide" in html


def test_profile_lists_only_the_users_own_roles(client, operator, kanwil):
    client.force_login(operator)
    response = client.get(reverse("accounts:profile"))
    assert [a.user_id for a in response.context["assignments"]] == [operator.pk]
    assert "Kanwil Maluku" not in response.content.decode()


def test_profile_without_roles_says_so(client, outsider):
    english(client)
    client.force_login(outsider)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert "No role has been assigned to your account yet." in html


def test_profile_shows_the_users_details(client, operator):
    client.force_login(operator)
    html = client.get(reverse("accounts:profile")).content.decode()
    assert operator.full_name in html
    assert operator.nip in html
    assert operator.email in html


def test_profile_shows_the_time_zone_of_the_users_unit(client, operator):
    client.force_login(operator)
    response = client.get(reverse("accounts:profile"))
    assert response.context["timezone_name"] == "Asia/Jayapura"  # Maluku is WIT
