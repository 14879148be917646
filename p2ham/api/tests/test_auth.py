"""Bearer tokens, lockout, throttling and ``GET /api/v1/me`` (../shared/API.md, "Conventions")."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from conftest import PASSWORD
from p2ham.accounts.tests.factories import RoleAssignmentFactory
from p2ham.api.models import ApiToken
from p2ham.api.services import token_issue
from p2ham.api.tests.helpers import assert_error, bearer
from p2ham.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token"
ME_URL = "/api/v1/me"
WRONG_PASSWORD_EN = "The username/e-mail or password is wrong."


def set_token_rate(monkeypatch: pytest.MonkeyPatch, rate: str) -> None:
    """DRF reads the rates into a class attribute at import, so overriding settings would not reach it."""
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "token": rate})


@pytest.fixture
def generous_throttle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lift the token throttle so lockout tests do not run into it."""
    set_token_rate(monkeypatch, "1000/min")


def post_token(client: APIClient, username: str, password: str = PASSWORD):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json")


# --- issuing ---------------------------------------------------------------------------------------------------


def test_token_for_username_is_201_with_token_and_expiry(api, operator):
    response = post_token(api, "operator_ambon")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    assert isinstance(body["token"], str) and len(body["token"]) >= 32
    assert parse_datetime(body["expires_at"]) is not None


def test_token_expiry_follows_the_configured_lifetime(api, operator):
    before = timezone.now()
    response = post_token(api, "operator_ambon")

    expires_at = parse_datetime(response.json()["expires_at"])
    lifetime = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
    assert before + lifetime <= expires_at <= timezone.now() + lifetime


@pytest.mark.parametrize("identifier", ["operator_ambon@example.go.id", "OPERATOR_AMBON@Example.GO.ID"])
def test_token_for_email_in_any_case(api, operator, identifier):
    response = post_token(api, identifier)

    assert response.status_code == 201
    assert ApiToken.objects.get().user == operator


def test_each_token_request_gives_a_different_token(api, operator):
    first = post_token(api, "operator_ambon").json()["token"]
    second = post_token(api, "operator_ambon").json()["token"]

    assert first != second
    assert ApiToken.objects.filter(user=operator).count() == 2


def test_issuing_writes_an_audit_entry(api, operator):
    post_token(api, "operator_ambon")

    entry = AuditEntry.objects.get(action="api.token.issue")
    assert entry.actor == operator
    assert entry.data["token_id"] == ApiToken.objects.get().pk


def test_stored_key_hash_is_not_the_raw_token(api, operator):
    raw = post_token(api, "operator_ambon").json()["token"]

    token = ApiToken.objects.get()
    assert token.key_hash != raw
    assert raw not in token.key_hash
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()


def test_wrong_password_is_401_with_error_body(api, operator):
    response = post_token(api, "operator_ambon", "salah-sekali-2026")

    body = assert_error(response, 401, "authentication_failed")
    assert body["errors"] == {}
    assert body["detail"] == WRONG_PASSWORD_EN
    assert not ApiToken.objects.exists()


def test_wrong_password_response_names_the_bearer_scheme(api, operator):
    response = post_token(api, "operator_ambon", "salah-sekali-2026")

    assert response.status_code == 401
    assert "bearer" in response["WWW-Authenticate"].lower()


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(api, operator):
    wrong_password = post_token(api, "operator_ambon", "salah-sekali-2026")
    unknown_user = post_token(api, "tidak_ada_orangnya")

    assert unknown_user.status_code == wrong_password.status_code == 401
    assert unknown_user.json() == wrong_password.json()


def test_inactive_account_gets_no_token(api, operator):
    operator.is_active = False
    operator.save(update_fields=["is_active"])

    response = post_token(api, "operator_ambon")

    assert_error(response, 401, "authentication_failed")
    assert not ApiToken.objects.exists()


def test_missing_fields_are_400_with_an_error_per_field(api, operator):
    response = api.post(TOKEN_URL, {}, format="json")

    body = assert_error(response, 400, "invalid")
    assert set(body["errors"]) == {"username", "password"}
    assert all(isinstance(m, list) and m and all(isinstance(x, str) for x in m) for m in body["errors"].values())


def test_missing_password_names_only_the_password(api, operator):
    response = api.post(TOKEN_URL, {"username": "operator_ambon"}, format="json")

    body = assert_error(response, 400, "invalid")
    assert set(body["errors"]) == {"password"}


def test_blank_fields_are_400(api, operator):
    response = api.post(TOKEN_URL, {"username": "", "password": ""}, format="json")

    body = assert_error(response, 400, "invalid")
    assert set(body["errors"]) == {"username", "password"}


def test_non_string_username_is_400_not_500(api, operator):
    response = api.post(TOKEN_URL, {"username": ["operator_ambon"], "password": PASSWORD}, format="json")

    body = assert_error(response, 400, "invalid")
    assert "username" in body["errors"]


def test_malformed_json_is_400_with_error_body(api, operator):
    response = api.post(TOKEN_URL, data='{"username": "operator_ambon",', content_type="application/json")

    assert_error(response, 400)


def test_form_encoded_credentials_are_accepted(api, operator):
    response = api.post(TOKEN_URL, {"username": "operator_ambon", "password": PASSWORD})

    assert response.status_code == 201


# --- using the token -------------------------------------------------------------------------------------------


def test_token_authenticates_as_bearer(api, operator):
    raw = post_token(api, "operator_ambon").json()["token"]

    response = api.get(ME_URL, **bearer(raw))

    assert response.status_code == 200
    assert response.json()["username"] == "operator_ambon"


def test_bearer_keyword_is_case_insensitive(api, operator):
    raw, _ = token_issue(user=operator)

    response = api.get(ME_URL, HTTP_AUTHORIZATION=f"bearer {raw}")

    assert response.status_code == 200


def test_using_a_token_records_last_use(api, operator):
    raw, token = token_issue(user=operator)
    assert token.last_used_at is None

    api.get(ME_URL, **bearer(raw))

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_anonymous_me_is_401_with_www_authenticate(api, tree):
    response = api.get(ME_URL)

    assert_error(response, 401, "not_authenticated")
    assert "bearer" in response["WWW-Authenticate"].lower()


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer  "])
def test_malformed_authorization_header_is_401(api, operator, header):
    response = api.get(ME_URL, HTTP_AUTHORIZATION=header)

    assert_error(response, 401)
    assert "bearer" in response["WWW-Authenticate"].lower()


def test_unknown_token_is_401(api, operator):
    token_issue(user=operator)

    response = api.get(ME_URL, **bearer("dfP1pM5h0tReAl-token-at-all-0123456789abcd"))

    assert_error(response, 401, "authentication_failed")


def test_expired_token_is_401_with_a_clear_detail(api, operator):
    raw, token = token_issue(user=operator)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    response = api.get(ME_URL, **bearer(raw))

    body = assert_error(response, 401, "authentication_failed")
    assert "expired" in body["detail"].lower()


def test_token_of_a_deactivated_account_is_401(api, operator):
    raw, _ = token_issue(user=operator)
    operator.is_active = False
    operator.save(update_fields=["is_active"])

    response = api.get(ME_URL, **bearer(raw))

    assert_error(response, 401)


def test_session_login_also_works(api, operator):
    api.force_login(operator)

    response = api.get(ME_URL)

    assert response.status_code == 200
    assert response.json()["username"] == "operator_ambon"


# --- revoking --------------------------------------------------------------------------------------------------


def test_delete_revokes_the_token(api, operator):
    raw = post_token(api, "operator_ambon").json()["token"]

    response = api.delete(TOKEN_URL, **bearer(raw))

    assert response.status_code == 204
    assert ApiToken.objects.get().revoked_at is not None


def test_revoked_token_is_401_on_reuse(api, operator):
    raw = post_token(api, "operator_ambon").json()["token"]
    api.delete(TOKEN_URL, **bearer(raw))

    assert_error(api.get(ME_URL, **bearer(raw)), 401, "authentication_failed")
    assert_error(api.delete(TOKEN_URL, **bearer(raw)), 401, "authentication_failed")


def test_revoking_writes_an_audit_entry(api, operator):
    raw, token = token_issue(user=operator)

    api.delete(TOKEN_URL, **bearer(raw))

    entry = AuditEntry.objects.get(action="api.token.revoke")
    assert entry.actor == operator
    assert entry.data["token_id"] == token.pk


def test_revoking_one_token_leaves_the_others_working(api, operator):
    first, _ = token_issue(user=operator)
    second, _ = token_issue(user=operator)

    api.delete(TOKEN_URL, **bearer(first))

    assert api.get(ME_URL, **bearer(second)).status_code == 200


def test_delete_without_a_token_is_401(api, operator):
    response = api.delete(TOKEN_URL)

    assert_error(response, 401, "not_authenticated")
    assert not AuditEntry.objects.filter(action="api.token.revoke").exists()


def test_delete_with_a_session_only_is_400_naming_the_authorization(api, operator):
    api.force_login(operator)

    response = api.delete(TOKEN_URL)

    body = assert_error(response, 400, "invalid")
    assert "authorization" in body["errors"]


# --- lockout and throttling ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("generous_throttle")
def test_failures_below_the_limit_do_not_lock(api, operator):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert post_token(api, "operator_ambon", "salah-sekali-2026").status_code == 401

    assert post_token(api, "operator_ambon").status_code == 201


@pytest.mark.usefixtures("generous_throttle")
def test_account_is_locked_after_the_failure_limit(api, operator):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_token(api, "operator_ambon", "salah-sekali-2026")

    response = post_token(api, "operator_ambon")

    assert_error(response, 403, "account_locked")
    assert not ApiToken.objects.exists()


@pytest.mark.usefixtures("generous_throttle")
def test_lockout_counts_username_and_email_attempts_together(api, operator):
    for i in range(settings.AXES_FAILURE_LIMIT):
        identifier = "operator_ambon" if i % 2 else "Operator_Ambon@example.go.id"
        post_token(api, identifier, "salah-sekali-2026")

    response = post_token(api, "operator_ambon")

    assert_error(response, 403, "account_locked")


@pytest.mark.usefixtures("generous_throttle")
def test_lockout_of_one_account_leaves_others_alone(api, operator, kanwil):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_token(api, "operator_ambon", "salah-sekali-2026")

    assert post_token(api, "kanwil_maluku").status_code == 201


def test_token_requests_are_throttled(api, operator, monkeypatch):
    set_token_rate(monkeypatch, "3/min")

    statuses = [post_token(api, "operator_ambon").status_code for _ in range(3)]
    response = post_token(api, "operator_ambon")

    assert statuses == [201, 201, 201]
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert ApiToken.objects.count() == 3


# --- GET /me ---------------------------------------------------------------------------------------------------


def test_me_shows_the_user(client_for, operator):
    body = client_for(operator).get(ME_URL).json()

    assert body["username"] == "operator_ambon"
    assert body["full_name"] == "Operator Ambon"
    assert body["email"] == "operator_ambon@example.go.id"


def test_me_lists_roles_with_their_unit_codes(client_for, operator):
    body = client_for(operator).get(ME_URL).json()

    assert len(body["roles"]) == 1
    role = body["roles"][0]
    assert role["role"] == "operator"
    assert role["unit_code"] == "LAPAS-AMBON"
    assert role["unit_name"] == "Lapas Kelas IIA Ambon"


def test_me_of_a_national_role_has_no_unit_code(client_for, ditjen):
    roles = client_for(ditjen).get(ME_URL).json()["roles"]

    assert [(r["role"], r["unit_code"]) for r in roles] == [("ditjen", None)]


def test_me_lists_every_role_held(client_for, operator, tree):
    RoleAssignmentFactory(user=operator, role="kepala_unit", unit=tree.rutan_ambon)

    roles = client_for(operator).get(ME_URL).json()["roles"]

    assert sorted((r["role"], r["unit_code"]) for r in roles) == [
        ("kepala_unit", "RUTAN-AMBON"),
        ("operator", "LAPAS-AMBON"),
    ]


def test_me_of_a_user_without_roles_has_an_empty_list(client_for, outsider):
    body = client_for(outsider).get(ME_URL).json()

    assert body["username"] == "outsider"
    assert body["roles"] == []


# --- language --------------------------------------------------------------------------------------------------


def test_english_messages_when_asked_for(api, operator):
    response = post_token(api, "operator_ambon", "salah-sekali-2026")

    assert response.json()["detail"] == WRONG_PASSWORD_EN


def test_messages_are_indonesian_without_accept_language(tree):
    response = APIClient().get(ME_URL)

    assert response.status_code == 401
    assert response.json()["detail"] != "Authentication credentials were not provided."


def test_wrong_password_message_is_indonesian(operator):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="id")

    response = post_token(client, "operator_ambon", "salah-sekali-2026")

    body = assert_error(response, 401)
    assert body["detail"] != WRONG_PASSWORD_EN
