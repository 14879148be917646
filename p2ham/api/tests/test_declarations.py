"""API v1 pencanangan: the whole path through the endpoints, and every refusal with the documented error body."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from p2ham.api.tests.helpers import assert_error
from p2ham.declarations import selectors, services
from p2ham.declarations.models import Declaration, DeclarationDocument, ReviewRound
from p2ham.declarations.tests.conftest import heads, open_period, pdf_file, png_file, request_data  # noqa: F401

pytestmark = pytest.mark.django_db

PASSWORD = "Rahasia-Kuat-2026"


def payload(**changes):
    """The JSON body of a new request from Kanwil Maluku for itself and its two UPTs."""
    data = {
        "requester_unit": "KANWIL-81",
        "units": ["KANWIL-81", "LAPAS-AMBON", "RUTAN-AMBON"],
        "planned_date": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        "planned_venue": "Aula Kanwil Maluku, Ambon",
        "declarer_name": "Hendrik Pattiradjawane",
        "declarer_position": "Kepala Kantor Wilayah Maluku",
        "witnesses": [
            {
                "name": "Ir. Murad Ismail",
                "position": "Gubernur Maluku",
                "institution": "Pemerintah Provinsi Maluku",
                "kind": "forkopimda",
            },
            {
                "name": "Brigjen Pol. Adi",
                "position": "Wakapolda Maluku",
                "institution": "Polda Maluku",
                "kind": "forkopimda",
            },
        ],
    }
    data.update(changes)
    return data


def list_url(period):
    return f"/api/v1/periods/{period.year}/declarations"


def url(declaration_id, tail=""):
    return f"/api/v1/declarations/{declaration_id}{tail}"


def draft(tree, kanwil, period):
    """A draft made through the service: the setup of the refusal tests."""
    return services.declaration_create(actor=kanwil, period=period, **request_data(tree))


def approved(tree, kanwil, ditjen, period):
    declaration = draft(tree, kanwil, period)
    services.declaration_submit(actor=kanwil, declaration=declaration)
    return services.declaration_approve(
        actor=ditjen,
        declaration=declaration,
        ditjen_witness=services.WitnessInput("Dr. Dhahana Putra", "Direktur Jenderal HAM", "", "ditjen"),
    )


def record_ceremony(client, declaration_id, present):
    return client.post(
        url(declaration_id, "/ceremony"),
        {
            "actual_date": timezone.localdate().isoformat(),
            "actual_venue": "Aula Kanwil Maluku",
            "present": present,
            "minutes": pdf_file(),
            "photos": [png_file()],
        },
        format="multipart",
    )


@pytest.fixture
def ceremony_done(tree, kanwil, ditjen, open_period, client_for):  # noqa: F811
    """An approved declaration whose ceremony was recorded with every witness present."""
    declaration = approved(tree, kanwil, ditjen, open_period)
    present = list(declaration.witnesses.values_list("pk", flat=True))
    response = record_ceremony(client_for(kanwil), declaration.pk, present)
    assert response.status_code == 200, response.json()
    return declaration


# --- the full path --------------------------------------------------------------------------------------------


def test_the_full_path_through_the_api(tree, kanwil, ditjen, heads, open_period, client_for):  # noqa: F811
    as_kanwil, as_ditjen = client_for(kanwil), client_for(ditjen)

    response = as_kanwil.post(list_url(open_period), payload(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft" and body["year"] == open_period.year
    assert body["requester_unit"] == "KANWIL-81"
    assert sorted(u["code"] for u in body["units"]) == ["KANWIL-81", "LAPAS-AMBON", "RUTAN-AMBON"]
    assert sorted(w["name"] for w in body["witnesses"]) == ["Brigjen Pol. Adi", "Ir. Murad Ismail"]
    pk = body["id"]
    assert selectors.unit_declaration_state(period=open_period, unit=tree.lapas_ambon) == selectors.IN_PROCESS

    response = as_kanwil.post(url(pk, "/submit"), {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"

    response = as_ditjen.post(url(pk, "/return"), {"note": "Lengkapi saksi Forkopimda dari Kejati"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "returned"
    version = response.json()["version"]

    response = as_kanwil.patch(
        url(pk), {"version": version, "planned_venue": "Balai Pengayoman Kanwil Maluku"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["planned_venue"] == "Balai Pengayoman Kanwil Maluku"
    assert body["version"] == version + 1
    assert body["status"] == "returned"
    assert len(body["units"]) == 3 and len(body["witnesses"]) == 2  # the rest of the request is kept

    response = as_kanwil.post(url(pk, "/submit"), {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"

    response = as_ditjen.post(
        url(pk, "/approve"),
        {"witness_name": "Dr. Dhahana Putra", "witness_position": "Direktur Jenderal HAM"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "approved"
    assert [w["name"] for w in body["witnesses"] if w["kind"] == "ditjen"] == ["Dr. Dhahana Putra"]
    assert [r["action"] for r in body["rounds"]] == ["submit", "return", "submit", "approve"]
    assert body["rounds"][1]["note"] == "Lengkapi saksi Forkopimda dari Kejati"

    response = record_ceremony(as_kanwil, pk, [w["id"] for w in body["witnesses"]])
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["actual_date"] == timezone.localdate().isoformat()
    assert body["actual_venue"] == "Aula Kanwil Maluku"
    assert all(w["present"] for w in body["witnesses"])
    declaration = Declaration.objects.get(pk=pk)
    assert declaration.documents.filter(kind=DeclarationDocument.Kind.MINUTES).count() == 1
    assert declaration.documents.filter(kind=DeclarationDocument.Kind.PHOTO).count() == 1

    response = client_for(heads["KANWIL-81"]).post(
        url(pk, "/statements/KANWIL-81/sign"), {"password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.json()
    response = client_for(heads["RUTAN-AMBON"]).post(
        url(pk, "/statements/RUTAN-AMBON/sign"), {"file": pdf_file("scan.pdf")}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"  # one statement still unsigned
    response = client_for(heads["LAPAS-AMBON"]).post(
        url(pk, "/statements/LAPAS-AMBON/sign"), {"password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "completed"
    signatures = {u["code"]: u["signature"] for u in body["units"]}
    assert signatures == {"KANWIL-81": "in_app", "LAPAS-AMBON": "in_app", "RUTAN-AMBON": "upload"}
    for unit in (tree.kanwil_maluku, tree.lapas_ambon, tree.rutan_ambon):
        assert selectors.is_declared(period=open_period, unit=unit)

    response = as_kanwil.get(url(pk, "/statements/LAPAS-AMBON/pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    assert "Lapas Kelas IIA Ambon" in text
    assert heads["LAPAS-AMBON"].nip in text

    response = as_kanwil.get(url(pk))
    assert response.status_code == 200 and response.json()["status"] == "completed"


# --- refusals -------------------------------------------------------------------------------------------------


def test_anonymous_is_401_everywhere(tree, kanwil, api, open_period):  # noqa: F811
    declaration = draft(tree, kanwil, open_period)
    assert_error(api.get(list_url(open_period)), 401)
    assert_error(api.post(list_url(open_period), payload(), format="json"), 401)
    assert_error(api.get(url(declaration.pk)), 401)
    assert_error(api.post(url(declaration.pk, "/submit"), {}, format="json"), 401)
    assert_error(api.get(url(declaration.pk, "/statements/LAPAS-AMBON/pdf")), 401)
    assert Declaration.objects.count() == 1


def test_an_operator_cannot_request_for_the_kanwil(operator, open_period, client_for):  # noqa: F811
    # The operator may request declarations, but only for units in its own subtree: KANWIL-81 is invalid input.
    response = client_for(operator).post(list_url(open_period), payload(), format="json")
    body = assert_error(response, 400, "invalid")
    assert "requester_unit" in body["errors"]
    assert not Declaration.objects.exists()


@pytest.mark.parametrize("who", ["verifier", "outsider"])
def test_roles_without_the_request_right_are_403(who, request, open_period, client_for):  # noqa: F811
    user = request.getfixturevalue(who)
    response = client_for(user).post(list_url(open_period), payload(), format="json")
    assert_error(response, 403, "permission_denied")
    assert not Declaration.objects.exists()


def test_another_kanwil_sees_404_just_like_a_missing_id(tree, kanwil, other_kanwil, open_period, client_for):  # noqa: F811
    declaration = draft(tree, kanwil, open_period)
    client = client_for(other_kanwil)
    outside = assert_error(client.get(url(declaration.pk)), 404, "not_found")
    missing = assert_error(client.get(url(declaration.pk + 1000)), 404, "not_found")
    assert outside == missing
    # Nor can it act on it or read its statements.
    assert_error(client.post(url(declaration.pk, "/submit"), {}, format="json"), 404, "not_found")
    assert_error(client.get(url(declaration.pk, "/statements/LAPAS-AMBON/pdf")), 404, "not_found")
    assert client_for(kanwil).get(url(declaration.pk)).status_code == 200


def test_the_kanwil_cannot_approve(tree, kanwil, open_period, client_for):  # noqa: F811
    declaration = draft(tree, kanwil, open_period)
    services.declaration_submit(actor=kanwil, declaration=declaration)
    response = client_for(kanwil).post(
        url(declaration.pk, "/approve"), {"witness_name": "Siapa Saja", "witness_position": "Kepala"}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.SUBMITTED
    assert not declaration.witnesses.filter(kind="ditjen").exists()


def test_ditjen_approving_a_draft_is_an_illegal_transition(tree, kanwil, ditjen, open_period, client_for):  # noqa: F811
    declaration = draft(tree, kanwil, open_period)
    response = client_for(ditjen).post(
        url(declaration.pk, "/approve"),
        {"witness_name": "Dr. Dhahana Putra", "witness_position": "Direktur Jenderal HAM"},
        format="json",
    )
    assert_error(response, 409, "illegal_transition")
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.DRAFT and declaration.version == 1
    assert not ReviewRound.objects.filter(declaration=declaration).exists()
    assert not declaration.witnesses.filter(kind="ditjen").exists()


def test_patch_with_an_old_version_is_stale_and_changes_nothing(tree, kanwil, open_period, client_for):  # noqa: F811
    declaration = draft(tree, kanwil, open_period)
    client = client_for(kanwil)
    response = client.patch(url(declaration.pk), {"version": 1, "planned_venue": "Aula Baru"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    response = client.patch(url(declaration.pk), {"version": 1, "planned_venue": "Aula Lama"}, format="json")
    assert_error(response, 409, "stale")
    declaration.refresh_from_db()
    assert declaration.planned_venue == "Aula Baru" and declaration.version == 2


def test_patch_without_a_version_is_400(tree, kanwil, open_period, client_for):  # noqa: F811
    declaration = draft(tree, kanwil, open_period)
    response = client_for(kanwil).patch(url(declaration.pk), {"planned_venue": "Aula Baru"}, format="json")
    body = assert_error(response, 400, "invalid")
    assert "version" in body["errors"]
    declaration.refresh_from_db()
    assert declaration.planned_venue == "Aula Kanwil Maluku, Ambon" and declaration.version == 1


def test_a_unit_of_another_kanwil_is_400_on_units(kanwil, open_period, client_for):  # noqa: F811
    response = client_for(kanwil).post(
        list_url(open_period), payload(units=["KANWIL-81", "LAPAS-AMBON", "LAPAS-MEDAN"]), format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert "units" in body["errors"]
    assert "LAPAS-MEDAN" in " ".join(body["errors"]["units"])
    assert not Declaration.objects.exists()


def test_a_past_planned_date_is_400_on_planned_date(kanwil, open_period, client_for):  # noqa: F811
    past = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    response = client_for(kanwil).post(list_url(open_period), payload(planned_date=past), format="json")
    body = assert_error(response, 400, "invalid")
    assert "planned_date" in body["errors"]
    assert not Declaration.objects.exists()


def test_the_head_of_the_rutan_cannot_sign_for_the_lapas(ceremony_done, heads, client_for):  # noqa: F811
    response = client_for(heads["RUTAN-AMBON"]).post(
        url(ceremony_done.pk, "/statements/LAPAS-AMBON/sign"), {"password": PASSWORD}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert not ceremony_done.units.get(unit__code="LAPAS-AMBON").signed


def test_a_scan_that_is_really_text_is_415(ceremony_done, heads, client_for):  # noqa: F811
    fake = SimpleUploadedFile("scan.pdf", b"Ini hanya teks biasa, bukan PDF.\n", content_type="application/pdf")
    response = client_for(heads["LAPAS-AMBON"]).post(
        url(ceremony_done.pk, "/statements/LAPAS-AMBON/sign"), {"file": fake}, format="multipart"
    )
    assert_error(response, 415)
    participant = ceremony_done.units.get(unit__code="LAPAS-AMBON")
    assert not participant.signed and not participant.signed_file


def test_an_oversized_scan_is_413(ceremony_done, heads, client_for, monkeypatch):  # noqa: F811
    monkeypatch.setattr("p2ham.declarations.statements.SCAN_MAX_BYTES", 10)
    response = client_for(heads["LAPAS-AMBON"]).post(
        url(ceremony_done.pk, "/statements/LAPAS-AMBON/sign"), {"file": pdf_file("scan.pdf")}, format="multipart"
    )
    assert_error(response, 413, "file_too_large")
    participant = ceremony_done.units.get(unit__code="LAPAS-AMBON")
    assert not participant.signed and not participant.signed_file


def test_a_wrong_password_is_400_on_password(ceremony_done, heads, client_for):  # noqa: F811
    response = client_for(heads["LAPAS-AMBON"]).post(
        url(ceremony_done.pk, "/statements/LAPAS-AMBON/sign"), {"password": "salah-sekali"}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert "password" in body["errors"]
    assert not ceremony_done.units.get(unit__code="LAPAS-AMBON").signed


def test_completion_without_a_forkopimda_witness_present_is_refused(
    tree,
    kanwil,
    ditjen,
    heads,  # noqa: F811
    open_period,  # noqa: F811
    client_for,
):
    declaration = approved(tree, kanwil, ditjen, open_period)
    only_ditjen = list(declaration.witnesses.filter(kind="ditjen").values_list("pk", flat=True))
    # The ceremony record already refuses it, so the heads never sign a record that could not complete.
    response = record_ceremony(client_for(kanwil), declaration.pk, only_ditjen)
    body = assert_error(response, 400, "invalid")
    assert "present" in body["errors"]
    response = client_for(ditjen).post(url(declaration.pk, "/complete"), {}, format="json")
    body = assert_error(response, 409, "illegal_transition")
    assert "Forkopimda" in body["detail"]
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.APPROVED
    assert not selectors.is_declared(period=open_period, unit=tree.lapas_ambon)


def test_the_list_is_scoped_and_filters_by_status(
    tree,
    kanwil,
    other_kanwil,
    ditjen,
    open_period,  # noqa: F811
    client_for,
):
    declaration = draft(tree, kanwil, open_period)
    response = client_for(other_kanwil).get(list_url(open_period))
    assert response.status_code == 200
    assert response.json()["count"] == 0 and response.json()["results"] == []

    as_ditjen = client_for(ditjen)
    body = as_ditjen.get(list_url(open_period)).json()
    assert body["count"] == 1 and body["results"][0]["id"] == declaration.pk
    assert set(body) >= {"count", "next", "previous", "results"}
    assert as_ditjen.get(list_url(open_period), {"status": "draft"}).json()["count"] == 1
    assert as_ditjen.get(list_url(open_period), {"status": "submitted"}).json()["count"] == 0
    assert client_for(kanwil).get(list_url(open_period)).json()["count"] == 1

    services.declaration_submit(actor=kanwil, declaration=declaration)
    assert as_ditjen.get(list_url(open_period), {"status": "submitted"}).json()["count"] == 1
    assert as_ditjen.get(list_url(open_period), {"status": "draft"}).json()["count"] == 0


def test_an_unknown_action_is_404(tree, kanwil, ditjen, open_period, client_for):  # noqa: F811
    declaration = draft(tree, kanwil, open_period)
    assert_error(client_for(kanwil).post(url(declaration.pk, "/dance"), {}, format="json"), 404, "not_found")
    assert_error(client_for(ditjen).post(url(declaration.pk, "/dance"), {}, format="json"), 404, "not_found")
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.DRAFT and declaration.version == 1


def test_an_operator_who_sees_the_request_cannot_submit_or_change_it(
    tree,
    kanwil,
    operator,
    open_period,  # noqa: F811
    client_for,
):
    # The operator of Lapas Ambon sees the Kanwil's request (its unit takes part) but may not act on it: 403.
    declaration = draft(tree, kanwil, open_period)
    client = client_for(operator)
    assert client.get(url(declaration.pk)).status_code == 200
    assert_error(client.post(url(declaration.pk, "/submit"), {}, format="json"), 403)
    assert_error(client.patch(url(declaration.pk), {"version": 1, "planned_venue": "Aula Lapas"}, format="json"), 403)
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.DRAFT and declaration.version == 1
    assert declaration.planned_venue == "Aula Kanwil Maluku, Ambon"
