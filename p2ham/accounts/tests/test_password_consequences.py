"""What a new password does to the old one's reach: API tokens, lockout, and where reset links point."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from conftest import PASSWORD
from p2ham.api.services import token_issue

pytestmark = pytest.mark.django_db


def me_status(raw_token):
    client = APIClient()
    return client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw_token}").status_code


def test_password_change_revokes_api_tokens(client, operator):
    raw, _ = token_issue(user=operator)
    assert me_status(raw) == 200
    client.force_login(operator)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Kata-Sandi-Baru-2027",
            "new_password2": "Kata-Sandi-Baru-2027",
        },
    )
    assert response.status_code == 302
    assert me_status(raw) == 401


def test_password_reset_revokes_api_tokens(client, operator):
    raw, _ = token_issue(user=operator)
    client.post(reverse("accounts:password_reset"), {"email": operator.email})
    link = re.search(r"https?://\S+/atur-kata-sandi/\S+/", mail.outbox[0].body).group(0)
    path = "/" + link.split("/", 3)[3]
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "Kata-Sandi-Baru-2027", "new_password2": "Kata-Sandi-Baru-2027"})
    operator.refresh_from_db()
    assert operator.check_password("Kata-Sandi-Baru-2027")
    assert me_status(raw) == 401


def test_reset_link_uses_site_url_not_the_request_host(client, operator, settings):
    settings.SITE_URL = "https://p2ham.example.go.id"
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    client.post(reverse("accounts:password_reset"), {"email": operator.email}, HTTP_HOST="evil.example")
    body = mail.outbox[0].body
    assert "https://p2ham.example.go.id/akun/atur-kata-sandi/" in body
    assert "evil.example" not in body
