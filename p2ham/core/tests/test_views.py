import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_requires_login(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    ("actor", "expected_text"),
    [
        ("operator", "No assessment period is open for your unit yet."),
        ("kepala", "Lapas Kelas IIA Ambon"),
        ("kanwil", "Units in your region"),
        ("ditjen", "Units per province"),
        ("verifier", "Units nationwide"),
        ("admin_user", "Import units"),
    ],
)
def test_home_fits_the_role(request, client, actor, expected_text, settings):
    settings.LANGUAGE_CODE = "en"
    user = request.getfixturevalue(actor)
    client.force_login(user)
    response = client.get(reverse("core:home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert expected_text in response.content.decode()


def test_home_of_operator_counts_only_own_unit(client, operator):
    client.force_login(operator)
    response = client.get(reverse("core:home"))
    assert response.context["unit_total"] == 1
    assert "Lapas Kelas I Medan" not in response.content.decode()


def test_home_without_role_explains_what_to_do(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    assert response.context["unit_total"] == 0
    assert "administrator" in response.content.decode().lower()


def test_home_is_indonesian_by_default(client, operator):
    client.force_login(operator)
    html = client.get(reverse("core:home")).content.decode()
    assert 'lang="id"' in html
    assert "Selamat datang" in html


def test_language_switch_to_english(client, operator):
    client.force_login(operator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("core:home")).content.decode()
    assert 'lang="en"' in html
    assert "Welcome" in html


def test_healthz_reports_database_and_storage(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["storage"] == "ok"


def test_healthz_reports_broken_storage(client, db, monkeypatch):
    from django.core.files.storage import default_storage

    def broken(*args, **kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(default_storage, "save", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["storage"].startswith("error")


def test_security_headers_present(client, operator):
    client.force_login(operator)
    response = client.get(reverse("core:home"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
