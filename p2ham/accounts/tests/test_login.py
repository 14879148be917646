"""Logging in and out: username or e-mail, one clear error, per-account lockout, safe redirects, language."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from conftest import PASSWORD
from p2ham.accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WRONG = "Bukan-Kata-Sandi-99"
INVALID_LOGIN_EN = "The username/e-mail or password is wrong. Check them and try again."


def login(client, username, password=PASSWORD, **extra):
    return client.post(reverse("accounts:login"), {"username": username, "password": password, **extra})


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def template_names(response):
    return [t.name for t in response.templates]


def fail_until_locked(client, identifiers):
    """Type a wrong password AXES_FAILURE_LIMIT times, cycling through ``identifiers``; return the last response."""
    response = None
    for i in range(settings.AXES_FAILURE_LIMIT):
        response = login(client, identifiers[i % len(identifiers)], WRONG)
    return response


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


# --- the page -------------------------------------------------------------------------------------


def test_login_page_renders(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "accounts/login.html" in template_names(response)
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert reverse("accounts:password_reset") in html


def test_login_page_redirects_a_user_who_is_already_logged_in(client, operator):
    client.force_login(operator)
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")


# --- successful log-in ----------------------------------------------------------------------------


def test_login_with_username_redirects_home(client, operator):
    response = login(client, "operator_ambon")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert logged_in_user_id(client) == str(operator.pk)


def test_login_with_email(client, operator):
    response = login(client, operator.email)
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(operator.pk)


def test_login_with_email_in_another_case(client, operator):
    response = login(client, operator.email.upper())
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(operator.pk)


def test_login_with_username_in_another_case(client, operator):
    response = login(client, "Operator_Ambon")
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(operator.pk)


def test_login_ignores_surrounding_spaces_in_identifier(client, operator):
    response = login(client, f"  {operator.email}  ")
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(operator.pk)


def test_username_equal_to_someone_elses_email_logs_in_the_username_owner(client, db):
    owner = UserFactory(username="budi@example.go.id", email="budi.pribadi@example.go.id")
    UserFactory(username="budi", email="budi@example.go.id")
    response = login(client, "budi@example.go.id")
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(owner.pk)


def test_home_is_reachable_after_login(client, operator):
    login(client, "operator_ambon")
    assert client.get(reverse("core:home")).status_code == 200


# --- refused log-in -------------------------------------------------------------------------------


def test_wrong_password_is_refused_with_a_clear_error(client, operator):
    english(client)
    response = login(client, "operator_ambon", WRONG)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [INVALID_LOGIN_EN]
    assert logged_in_user_id(client) is None


def test_unknown_user_gets_the_same_error_as_a_wrong_password(client, operator):
    english(client)
    wrong_password = login(client, "operator_ambon", WRONG)
    unknown_user = login(client, "tidak_ada", PASSWORD)
    assert unknown_user.status_code == 200
    assert unknown_user.context["form"].non_field_errors() == wrong_password.context["form"].non_field_errors()
    assert logged_in_user_id(client) is None


def test_refused_form_keeps_the_typed_username(client, operator):
    response = login(client, "operator_ambon", WRONG)
    assert 'value="operator_ambon"' in response.content.decode()


def test_refused_form_does_not_echo_the_password(client, operator):
    response = login(client, "operator_ambon", WRONG)
    assert WRONG not in response.content.decode()


def test_inactive_user_is_refused(client, operator):
    operator.is_active = False
    operator.save()
    response = login(client, "operator_ambon")
    assert response.status_code == 200
    assert response.context["form"].errors
    assert logged_in_user_id(client) is None


def test_user_with_unusable_password_cannot_log_in(client, operator):
    operator.set_unusable_password()
    operator.save()
    response = login(client, "operator_ambon", "")
    assert response.status_code == 200
    assert logged_in_user_id(client) is None


# --- language of the messages ---------------------------------------------------------------------


def test_login_error_is_indonesian_by_default(client, operator):
    response = login(client, "operator_ambon", WRONG)
    errors = " ".join(response.context["form"].non_field_errors())
    assert "salah" in errors.lower()  # "Nama pengguna/e-mail atau kata sandi salah ..."


def test_login_page_is_marked_indonesian_by_default(client):
    assert 'lang="id"' in client.get(reverse("accounts:login")).content.decode()


def test_login_error_is_english_with_the_language_cookie(client, operator):
    english(client)
    response = login(client, "operator_ambon", WRONG)
    assert INVALID_LOGIN_EN in response.content.decode()
    assert 'lang="en"' in response.content.decode()


def test_browser_language_does_not_switch_the_login_page_to_english(client, operator):
    response = client.post(
        reverse("accounts:login"), {"username": "operator_ambon", "password": WRONG}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert 'lang="id"' in response.content.decode()


# --- lockout --------------------------------------------------------------------------------------


def test_failures_below_the_limit_do_not_lock(client, operator):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "operator_ambon", WRONG)
    response = login(client, "operator_ambon")
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(operator.pk)


def test_account_is_locked_after_the_failure_limit(client, operator):
    response = fail_until_locked(client, ["operator_ambon"])
    assert "accounts/locked_out.html" in template_names(response)
    assert logged_in_user_id(client) is None


def test_locked_page_offers_a_password_reset(client, operator):
    response = fail_until_locked(client, ["operator_ambon"])
    assert reverse("accounts:password_reset") in response.content.decode()


def test_locked_account_refuses_the_right_password(client, operator):
    fail_until_locked(client, ["operator_ambon"])
    response = login(client, "operator_ambon", PASSWORD)
    assert "accounts/locked_out.html" in template_names(response)
    assert logged_in_user_id(client) is None


def test_locked_account_refuses_the_right_password_typed_as_email(client, operator):
    fail_until_locked(client, ["operator_ambon"])
    response = login(client, operator.email, PASSWORD)
    assert "accounts/locked_out.html" in template_names(response)
    assert logged_in_user_id(client) is None


def test_failures_by_email_and_by_username_count_against_the_same_account(client, operator):
    fail_until_locked(client, [operator.email, "operator_ambon", operator.email.upper(), "OPERATOR_AMBON"])
    response = login(client, "operator_ambon", PASSWORD)
    assert "accounts/locked_out.html" in template_names(response)
    assert logged_in_user_id(client) is None


def test_failures_are_recorded_under_the_account_username(client, operator):
    login(client, operator.email.upper(), WRONG)
    login(client, "Operator_Ambon", WRONG)
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"operator_ambon"}
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 2


def test_lockout_follows_the_account_not_the_ip_address(client, operator):
    for i in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("accounts:login"), {"username": "operator_ambon", "password": WRONG}, REMOTE_ADDR=f"10.0.0.{i + 1}"
        )
    response = login(client, "operator_ambon", PASSWORD, REMOTE_ADDR="10.9.9.9")
    assert "accounts/locked_out.html" in template_names(response)
    assert logged_in_user_id(client) is None


def test_lockout_of_one_account_does_not_lock_a_colleague_on_the_same_network(client, operator, kanwil):
    fail_until_locked(client, ["operator_ambon"])
    response = login(client, "kanwil_maluku", PASSWORD)
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(kanwil.pk)


def test_successful_login_resets_the_failure_counter(client, operator):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "operator_ambon", WRONG)
    assert login(client, "operator_ambon").status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "operator_ambon", WRONG)
    response = login(client, "operator_ambon")
    assert response.status_code == 302
    assert logged_in_user_id(client) == str(operator.pk)


def test_successful_login_with_email_resets_failures_typed_with_the_username(client, operator):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "operator_ambon", WRONG)
    assert login(client, operator.email).status_code == 302
    assert not AccessAttempt.objects.filter(username="operator_ambon").exists()


# --- redirect after log-in ------------------------------------------------------------------------


def test_next_redirects_to_a_local_page(client, operator):
    response = login(client, "operator_ambon", next=reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "http://evil.example/akun/profil/", "https:///evil.example/"],
)
def test_next_never_redirects_to_another_site(client, operator, target):
    response = login(client, "operator_ambon", next=target)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert logged_in_user_id(client) == str(operator.pk)


def test_login_page_carries_next_into_the_form(client):
    response = client.get(reverse("accounts:login"), {"next": reverse("accounts:profile")})
    assert f'name="next" value="{reverse("accounts:profile")}"' in response.content.decode()


def test_next_is_escaped_in_the_login_page(client):
    response = client.get(reverse("accounts:login"), {"next": '"><script>alert(1)</script>'})
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_protected_page_sends_anonymous_user_to_login_and_back(client, operator):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={reverse('accounts:profile')}"
    response = login(client, "operator_ambon", next=reverse("accounts:profile"))
    assert response["Location"] == reverse("accounts:profile")


# --- log-out --------------------------------------------------------------------------------------


def test_logout_by_get_is_not_allowed(client, operator):
    client.force_login(operator)
    response = client.get(reverse("accounts:logout"))
    assert response.status_code == 405
    assert logged_in_user_id(client) == str(operator.pk)


def test_logout_by_post_ends_the_session(client, operator):
    login(client, "operator_ambon")
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert logged_in_user_id(client) is None
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_logout_invalidates_the_old_session_cookie(client, operator):
    login(client, "operator_ambon")
    old_session = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("accounts:logout"))
    client.cookies[settings.SESSION_COOKIE_NAME] = old_session
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
