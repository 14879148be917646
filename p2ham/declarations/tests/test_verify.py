import pytest
from django.urls import reverse

from p2ham.declarations import services, statements
from p2ham.declarations.tests.conftest import request_data
from p2ham.declarations.tests.test_flow import approved_with_ceremony

pytestmark = pytest.mark.django_db


def test_anyone_can_verify_a_signed_statement_and_learns_nothing_more(client, tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    participant = declaration.units.get(unit=tree.lapas_ambon)
    url = reverse("declarations:verify", args=[participant.verification_code])
    response = client.get(url)  # not logged in
    assert response.status_code == 200
    assert response.context["participant"] == participant and not participant.signed
    statements.statement_sign_in_app(actor=heads["LAPAS-AMBON"], participant=participant, password="Rahasia-Kuat-2026")
    html = client.get(url).content.decode()
    assert "Lapas Kelas IIA Ambon" in html
    assert heads["LAPAS-AMBON"].nip not in html  # no personal data on the public page


def test_unknown_code_is_404_with_a_message(client, db):
    response = client.get(reverse("declarations:verify", args=["NOPE123"]))
    assert response.status_code == 404
    assert "NOPE123" in response.content.decode()


def test_codes_are_unique_per_unit(tree, kanwil, open_period):
    declaration = services.declaration_create(actor=kanwil, period=open_period, **request_data(tree))
    codes = list(declaration.units.values_list("verification_code", flat=True))
    assert len(set(codes)) == len(codes) == 3


def test_unit_page_shows_the_declaration_state(client, tree, kanwil, open_period):
    client.force_login(kanwil)
    response = client.get(reverse("organizations:unit_detail", args=["LAPAS-AMBON"]))
    assert response.context["declaration_state"] == "not_started"
    services.declaration_create(actor=kanwil, period=open_period, **request_data(tree))
    response = client.get(reverse("organizations:unit_detail", args=["LAPAS-AMBON"]))
    assert response.context["declaration_state"] == "in_process"


def test_progress_per_province_counts_and_excel(client, tree, kanwil, ditjen, other_kanwil, open_period):
    import io

    from openpyxl import load_workbook

    services.declaration_create(actor=kanwil, period=open_period, **request_data(tree))
    client.force_login(ditjen)
    response = client.get(reverse("declarations:progress"))
    rows = {r["province"].code: r for r in response.context["rows"]}
    assert (rows["81"]["in_process"], rows["81"]["declared"], rows["81"]["not_started"]) == (3, 0, 0)
    assert rows["12"]["not_started"] == 2
    data = client.get(reverse("declarations:progress"), {"format": "xlsx"}).content
    sheet = load_workbook(io.BytesIO(data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["81", "Maluku", 3, 0, 3, 0] in values
    client.force_login(other_kanwil)
    rows = {r["province"].code: r for r in client.get(reverse("declarations:progress")).context["rows"]}
    assert set(rows) == {"12"}


def test_progress_is_refused_without_a_declaration_role(client, verifier, outsider, open_period):
    for user in (verifier, outsider):
        client.force_login(user)
        assert client.get(reverse("declarations:progress")).status_code == 403


def test_list_filters_by_province_and_month(client, tree, kanwil, ditjen, open_period):
    declaration = services.declaration_create(actor=kanwil, period=open_period, **request_data(tree))
    client.force_login(ditjen)
    url = reverse("declarations:list")
    assert list(client.get(url, {"province": "81"}).context["declarations"]) == [declaration]
    assert list(client.get(url, {"province": "12"}).context["declarations"]) == []
    month = declaration.planned_date.month
    assert list(client.get(url, {"month": str(month)}).context["declarations"]) == [declaration]
    other = month % 12 + 1
    assert list(client.get(url, {"month": str(other)}).context["declarations"]) == []
    assert client.get(url, {"month": "13x"}).status_code == 200


def test_a_cover_letter_goes_with_the_request_and_is_checked_by_content(tree, kanwil, open_period):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from p2ham.core.files import UploadKindNotAllowed
    from p2ham.declarations.models import Declaration, DeclarationDocument
    from p2ham.declarations.tests.conftest import pdf_file

    with pytest.raises(UploadKindNotAllowed):
        services.declaration_create(
            actor=kanwil,
            period=open_period,
            cover_letter=SimpleUploadedFile("surat.pdf", b"bukan pdf"),
            **request_data(tree),
        )
    assert not Declaration.objects.exists()
    declaration = services.declaration_create(
        actor=kanwil, period=open_period, cover_letter=pdf_file("surat.pdf"), **request_data(tree)
    )
    assert declaration.documents.get().kind == DeclarationDocument.Kind.COVER_LETTER


def test_calendar_lists_the_planned_ceremonies_of_a_month(
    client, tree, kanwil, ditjen, other_kanwil, verifier, open_period
):
    declaration = services.declaration_create(actor=kanwil, period=open_period, **request_data(tree))
    month = f"{declaration.planned_date:%Y-%m}"
    client.force_login(ditjen)
    response = client.get(reverse("declarations:calendar"), {"bulan": month})
    assert response.context["days"] == [(declaration.planned_date, [declaration])]
    assert client.get(reverse("declarations:calendar"), {"bulan": "bukan-bulan"}).status_code == 200
    client.force_login(other_kanwil)
    assert client.get(reverse("declarations:calendar"), {"bulan": month}).context["days"] == []
    client.force_login(verifier)
    assert client.get(reverse("declarations:calendar")).status_code == 403


def test_unit_page_links_to_its_declaration_for_those_who_see_it(
    client, tree, kanwil, other_kanwil, ditjen, open_period
):
    declaration = services.declaration_create(actor=kanwil, period=open_period, **request_data(tree))
    client.force_login(kanwil)
    response = client.get(reverse("organizations:unit_detail", args=["LAPAS-AMBON"]))
    assert response.context["participation"].declaration == declaration
    assert reverse("declarations:detail", args=[declaration.pk]) in response.content.decode()
    client.force_login(ditjen)
    assert client.get(reverse("organizations:unit_detail", args=["LAPAS-MEDAN"])).context["participation"] is None


def test_a_sibling_unit_cannot_read_another_units_statement(
    client, tree, kanwil, ditjen, operator, sibling_operator, heads, open_period
):
    from p2ham.api.services import token_issue

    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    url = reverse("declarations:statement", args=[declaration.pk, "LAPAS-AMBON"])
    client.force_login(sibling_operator)  # the Rutan takes part, but the Lapas head's NIP is not its business
    assert client.get(url).status_code == 404
    client.force_login(operator)
    assert client.get(url).status_code == 200
    raw, _token = token_issue(user=sibling_operator)
    api = client.get(
        f"/api/v1/declarations/{declaration.pk}/statements/LAPAS-AMBON/pdf", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert api.status_code == 404


def test_in_app_signing_stops_after_five_wrong_passwords(tree, kanwil, ditjen, heads, open_period):
    from django.core.exceptions import ValidationError

    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    participant = declaration.units.get(unit=tree.lapas_ambon)
    for _ in range(5):
        with pytest.raises(ValidationError):
            statements.statement_sign_in_app(actor=heads["LAPAS-AMBON"], participant=participant, password="salah")
    with pytest.raises(ValidationError):  # even the right password is refused now
        statements.statement_sign_in_app(
            actor=heads["LAPAS-AMBON"], participant=participant, password="Rahasia-Kuat-2026"
        )
    participant.refresh_from_db()
    assert not participant.signed


def test_bad_versions_and_months_are_not_server_errors(client, tree, kanwil, ditjen, open_period):
    declaration = services.declaration_create(actor=kanwil, period=open_period, **request_data(tree))
    client.force_login(kanwil)
    response = client.post(reverse("declarations:act", args=[declaration.pk, "ajukan"]), {"version": "abc"})
    assert response.status_code == 302
    client.force_login(ditjen)
    for month in ("9999-12", "0001-01", "1-1", "2027-13"):
        assert client.get(reverse("declarations:calendar"), {"bulan": month}).status_code == 200


def test_api_progress_filters_and_documents(client, tree, kanwil, ditjen, other_kanwil, heads, open_period):
    from p2ham.api.services import token_issue

    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    minutes = declaration.documents.get()

    def api(user, path, **params):
        raw, _token = token_issue(user=user)
        return client.get(path, params, HTTP_AUTHORIZATION=f"Bearer {raw}")

    year = open_period.year
    rows = {r["province"]: r for r in api(ditjen, f"/api/v1/periods/{year}/declarations/progress").json()}
    assert rows["81"]["in_process"] == 3
    assert api(ditjen, f"/api/v1/periods/{year}/declarations", province="81").json()["count"] == 1
    assert api(ditjen, f"/api/v1/periods/{year}/declarations", province="12").json()["count"] == 0
    month = str(declaration.planned_date.month)
    assert api(ditjen, f"/api/v1/periods/{year}/declarations", month=month).json()["count"] == 1
    assert api(ditjen, f"/api/v1/periods/{year}/declarations", month="13").status_code == 400
    response = api(kanwil, f"/api/v1/declarations/{declaration.pk}/documents/{minutes.pk}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert api(other_kanwil, f"/api/v1/declarations/{declaration.pk}/documents/{minutes.pk}").status_code == 404
