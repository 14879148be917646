"""The pencanangan screens through the test client: who may open each page, what each form does, and
that a refused or invalid request leaves everything as it was."""

import datetime as dt
import io

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.declarations import services
from p2ham.declarations.models import Declaration, DeclarationDocument, DeclarationUnit, ReviewRound, Witness
from p2ham.declarations.tests.conftest import pdf_file, png_file, request_data
from p2ham.declarations.tests.test_flow import approved_with_ceremony
from p2ham.organizations.models import UnitType
from p2ham.organizations.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Rahasia-Kuat-2026"
S = Declaration.Status
DITJEN_WITNESS = services.WitnessInput("Dr. Dhahana Putra", "Direktur Jenderal HAM", "", "ditjen")
ACTIONS = ("ajukan", "setujui", "kembalikan", "tolak", "selesaikan")


# --- helpers -------------------------------------------------------------------------------------


def _draft(tree, kanwil, period, **changes):
    return services.declaration_create(actor=kanwil, period=period, **request_data(tree, **changes))


def _submitted(tree, kanwil, period):
    declaration = _draft(tree, kanwil, period)
    return services.declaration_submit(actor=kanwil, declaration=declaration)


def _approved(tree, kanwil, ditjen, period):
    declaration = _submitted(tree, kanwil, period)
    return services.declaration_approve(actor=ditjen, declaration=declaration, ditjen_witness=DITJEN_WITNESS)


def _english(client):
    client.cookies["p2ham_language"] = "en"


def _error_messages(response):
    return [m.message for m in get_messages(response.wsgi_request) if m.level == messages.ERROR]


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _state(declaration):
    declaration.refresh_from_db()
    return (
        declaration.status,
        declaration.version,
        declaration.rounds.count(),
        declaration.witnesses.count(),
        list(declaration.units.order_by("pk").values_list("active", "signature")),
    )


def _stored(declaration) -> set[str]:
    """The files in the declaration's private folder (the in-memory storage outlives a test's database)."""
    try:
        return set(default_storage.listdir(f"declarations/{declaration.pk}")[1])
    except FileNotFoundError:
        return set()


def _form_post(tree, **changes):
    data = {
        "requester_unit": tree.kanwil_maluku.pk,
        "units": [tree.kanwil_maluku.pk, tree.lapas_ambon.pk, tree.rutan_ambon.pk],
        "planned_date": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        "planned_venue": "Aula Kanwil Maluku, Ambon",
        "declarer_name": "Hendrik Pattiradjawane",
        "declarer_position": "Kepala Kantor Wilayah Maluku",
        "w0_name": "Ir. Murad Ismail",
        "w0_position": "Gubernur Maluku",
        "w0_institution": "Pemerintah Provinsi Maluku",
        "w0_kind": "forkopimda",
        "w1_name": "Brigjen Pol. Adi",
        "w1_position": "Wakapolda Maluku",
        "w1_institution": "Polda Maluku",
        "w1_kind": "forkopimda",
    }
    for row in (2, 3):
        data.update({f"w{row}_name": "", f"w{row}_position": "", f"w{row}_institution": "", f"w{row}_kind": ""})
    data.update(changes)
    return data


def _url(name, declaration, unit_code="LAPAS-AMBON"):
    pk = declaration.pk
    if name == "list":
        return reverse("declarations:list")
    if name == "create":
        return reverse("declarations:create")
    if name in ("detail", "edit", "ceremony"):
        return reverse(f"declarations:{name}", args=[pk])
    if name in ACTIONS:
        return reverse("declarations:act", args=[pk, name])
    if name in ("sign", "statement"):
        return reverse(f"declarations:{name}", args=[pk, unit_code])
    if name == "document":
        return reverse("declarations:document", args=[pk, declaration.documents.first().pk])
    raise AssertionError(name)


VIEW_NAMES = ["list", "create", "detail", "edit", *ACTIONS, "ceremony", "sign", "statement", "document"]


# --- anonymous ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", VIEW_NAMES)
def test_anonymous_is_sent_to_the_login_page(client, tree, kanwil, ditjen, open_period, name):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    before = _state(declaration)
    url = _url(name, declaration)
    response = client.post(url) if name in ACTIONS else client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert _state(declaration) == before


# --- list -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["kanwil", "kepala", "operator", "ditjen", "admin_user"])
def test_the_list_shows_the_declarations_in_scope(request, client, tree, kanwil, open_period, actor):
    _draft(tree, kanwil, open_period)
    client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse("declarations:list"))
    assert response.status_code == 200
    assert b"Kanwil Maluku" in response.content
    assert [d.requester_unit for d in response.context["declarations"]] == [tree.kanwil_maluku]


def test_the_list_filters_by_status(client, tree, kanwil, open_period):
    _draft(tree, kanwil, open_period)
    client.force_login(kanwil)
    assert len(client.get(reverse("declarations:list"), {"status": "draft"}).context["declarations"]) == 1
    assert len(client.get(reverse("declarations:list"), {"status": "approved"}).context["declarations"]) == 0


def test_the_list_of_another_province_does_not_show_the_declaration(client, tree, kanwil, other_kanwil, open_period):
    _draft(tree, kanwil, open_period)
    client.force_login(other_kanwil)
    response = client.get(reverse("declarations:list"))
    assert response.status_code == 200
    assert list(response.context["declarations"]) == []
    assert b"Kanwil Maluku</a>" not in response.content


@pytest.mark.parametrize("actor", ["outsider", "verifier"])
def test_the_list_is_refused_to_roles_without_declarations(request, client, tree, kanwil, open_period, actor):
    _draft(tree, kanwil, open_period)
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("declarations:list")).status_code == 403


def test_the_list_query_count_does_not_grow_with_the_declarations(client, tree, kanwil, ditjen, open_period):
    def add(count):
        for _ in range(count):
            # A requesting unit must be of a requesting cohort (Kanwil): one per declaration in this test.
            unit = UnitFactory(parent=tree.kanwil_maluku, unit_type=UnitType.objects.get(code="kanwil"))
            requester = UserFactory()
            RoleAssignmentFactory(user=requester, role=Role.KANWIL, unit=unit)
            services.declaration_create(
                actor=requester, period=open_period, **request_data(tree, requester_unit=unit, units=[unit])
            )

    def queries(viewer):
        client.force_login(viewer)
        client.get(reverse("declarations:list"))  # warm up: session, content types
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("declarations:list"))
        assert response.status_code == 200
        return len(captured), len(response.context["declarations"])

    add(2)
    small = {viewer.username: queries(viewer) for viewer in (kanwil, ditjen)}
    add(4)
    large = {viewer.username: queries(viewer) for viewer in (kanwil, ditjen)}
    for name in small:
        assert small[name][1] == 2 and large[name][1] == 6
        assert large[name][0] == small[name][0], f"{name}: {small[name][0]} queries for 2, {large[name][0]} for 6"


# --- create ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["kanwil", "operator"])
def test_the_request_form_opens_for_requesters(request, client, tree, open_period, actor):
    client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse("declarations:create"))
    assert response.status_code == 200
    assert b'name="planned_venue"' in response.content


@pytest.mark.parametrize("actor", ["kepala", "ditjen", "verifier", "outsider"])
def test_the_request_form_is_refused_to_other_roles(request, client, tree, open_period, actor):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("declarations:create")).status_code == 403
    assert client.post(reverse("declarations:create"), _form_post(tree)).status_code == 403
    assert not Declaration.objects.exists()


def test_creating_through_the_form_saves_a_draft(client, tree, kanwil, open_period):
    client.force_login(kanwil)
    response = client.post(reverse("declarations:create"), _form_post(tree))
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert response.url == reverse("declarations:detail", args=[declaration.pk])
    assert declaration.status == S.DRAFT
    assert declaration.period == open_period
    assert declaration.requester_unit == tree.kanwil_maluku
    assert declaration.created_by == kanwil
    assert declaration.planned_venue == "Aula Kanwil Maluku, Ambon"
    assert set(declaration.units.values_list("unit__code", flat=True)) == {"KANWIL-81", "LAPAS-AMBON", "RUTAN-AMBON"}
    assert sorted(declaration.witnesses.values_list("name", flat=True)) == ["Brigjen Pol. Adi", "Ir. Murad Ismail"]
    assert set(declaration.witnesses.values_list("kind", flat=True)) == {"forkopimda"}


def test_a_past_planned_date_keeps_what_was_typed(client, tree, kanwil, open_period):
    client.force_login(kanwil)
    past = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    response = client.post(
        reverse("declarations:create"), _form_post(tree, planned_date=past, planned_venue="Gedung Siwalima Ambon")
    )
    assert response.status_code == 400
    assert "planned_date" in response.context["form"].errors
    content = response.content.decode()
    assert "Gedung Siwalima Ambon" in content
    assert "Brigjen Pol. Adi" in content
    assert not Declaration.objects.exists()


def test_a_unit_of_another_province_is_not_a_choice(client, tree, kanwil, open_period):
    client.force_login(kanwil)
    response = client.post(
        reverse("declarations:create"), _form_post(tree, units=[tree.lapas_ambon.pk, tree.lapas_medan.pk])
    )
    assert response.status_code == 400
    assert "units" in response.context["form"].errors
    assert "Aula Kanwil Maluku, Ambon" in response.content.decode()
    assert not Declaration.objects.exists()
    assert not DeclarationUnit.objects.exists()


# --- detail ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["kanwil", "kepala", "sibling_operator", "ditjen"])
def test_the_declaration_page_opens_in_scope(request, client, tree, kanwil, open_period, actor):
    declaration = _draft(tree, kanwil, open_period)
    client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse("declarations:detail", args=[declaration.pk]))
    assert response.status_code == 200
    assert response.context["declaration"] == declaration
    assert b"Aula Kanwil Maluku, Ambon" in response.content


@pytest.mark.parametrize("actor", ["other_kanwil", "verifier", "outsider"])
def test_the_declaration_page_is_not_found_outside_scope(request, client, tree, kanwil, open_period, actor):
    declaration = _draft(tree, kanwil, open_period)
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("declarations:detail", args=[declaration.pk])).status_code == 404


def test_a_unit_operator_does_not_see_the_declaration_of_a_sibling_unit(
    client, tree, kanwil, operator, sibling_operator, open_period
):
    declaration = services.declaration_create(
        actor=kanwil,
        period=open_period,
        **request_data(tree, units=[tree.lapas_ambon]),
    )
    client.force_login(operator)
    assert client.get(reverse("declarations:detail", args=[declaration.pk])).status_code == 200
    client.force_login(sibling_operator)
    assert client.get(reverse("declarations:detail", args=[declaration.pk])).status_code == 404


# --- edit -----------------------------------------------------------------------------------------


def test_the_requester_edits_the_draft(client, tree, kanwil, open_period):
    declaration = _draft(tree, kanwil, open_period)
    client.force_login(kanwil)
    url = reverse("declarations:edit", args=[declaration.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Aula Kanwil Maluku, Ambon" in page.content
    data = _form_post(tree, planned_venue="Gedung Siwalima", units=[tree.kanwil_maluku.pk, tree.lapas_ambon.pk])
    data["version"] = declaration.version
    response = client.post(url, data)
    assert response.status_code == 302
    assert response.url == reverse("declarations:detail", args=[declaration.pk])
    declaration.refresh_from_db()
    assert declaration.planned_venue == "Gedung Siwalima"
    assert declaration.version == 2
    assert set(declaration.units.values_list("unit__code", flat=True)) == {"KANWIL-81", "LAPAS-AMBON"}


@pytest.mark.parametrize("actor", ["kepala", "sibling_operator", "ditjen"])
def test_editing_is_refused_to_those_who_only_see_it(request, client, tree, kanwil, open_period, actor):
    declaration = _draft(tree, kanwil, open_period)
    before = _state(declaration)
    client.force_login(request.getfixturevalue(actor))
    url = reverse("declarations:edit", args=[declaration.pk])
    assert client.get(url).status_code == 403
    data = _form_post(tree, planned_venue="Diubah", version=declaration.version)
    assert client.post(url, data).status_code == 403
    assert _state(declaration) == before
    assert declaration.planned_venue == "Aula Kanwil Maluku, Ambon"


def test_editing_from_another_province_is_not_found(client, tree, kanwil, other_kanwil, open_period):
    declaration = _draft(tree, kanwil, open_period)
    client.force_login(other_kanwil)
    url = reverse("declarations:edit", args=[declaration.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _form_post(tree, planned_venue="Diubah", version=1)).status_code == 404
    declaration.refresh_from_db()
    assert declaration.planned_venue == "Aula Kanwil Maluku, Ambon"


def test_a_submitted_request_cannot_be_edited(client, tree, kanwil, open_period):
    declaration = _submitted(tree, kanwil, open_period)
    before = _state(declaration)
    client.force_login(kanwil)
    data = _form_post(tree, planned_venue="Diubah", version=declaration.version)
    response = client.post(reverse("declarations:edit", args=[declaration.pk]), data)
    assert response.status_code == 400
    assert "Diubah" in response.content.decode()
    assert _state(declaration) == before


# --- actions --------------------------------------------------------------------------------------


def test_the_requester_submits(client, tree, kanwil, open_period):
    declaration = _draft(tree, kanwil, open_period)
    client.force_login(kanwil)
    response = client.post(
        reverse("declarations:act", args=[declaration.pk, "ajukan"]), {"version": declaration.version}
    )
    assert response.status_code == 302
    assert response.url == reverse("declarations:detail", args=[declaration.pk])
    declaration.refresh_from_db()
    assert declaration.status == S.SUBMITTED
    assert ReviewRound.objects.filter(declaration=declaration, action="submit").count() == 1


@pytest.mark.parametrize("actor", ["kepala", "ditjen", "sibling_operator"])
def test_submitting_is_refused_to_others(request, client, tree, kanwil, open_period, actor):
    declaration = _draft(tree, kanwil, open_period)
    before = _state(declaration)
    client.force_login(request.getfixturevalue(actor))
    response = client.post(reverse("declarations:act", args=[declaration.pk, "ajukan"]))
    assert response.status_code == 403
    assert _state(declaration) == before


def test_submitting_from_another_province_is_not_found(client, tree, kanwil, other_kanwil, open_period):
    declaration = _draft(tree, kanwil, open_period)
    before = _state(declaration)
    client.force_login(other_kanwil)
    assert client.post(reverse("declarations:act", args=[declaration.pk, "ajukan"])).status_code == 404
    assert _state(declaration) == before


def test_ditjen_approves_with_its_witness(client, tree, kanwil, ditjen, open_period):
    declaration = _submitted(tree, kanwil, open_period)
    client.force_login(ditjen)
    response = client.post(
        reverse("declarations:act", args=[declaration.pk, "setujui"]),
        {
            "version": declaration.version,
            "witness_name": "Dr. Dhahana Putra",
            "witness_position": "Direktur Jenderal HAM",
            "note": "Silakan dilaksanakan",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("declarations:detail", args=[declaration.pk])
    declaration.refresh_from_db()
    assert declaration.status == S.APPROVED
    witness = Witness.objects.get(declaration=declaration, assigned_by_ditjen=True)
    assert (witness.name, witness.kind) == ("Dr. Dhahana Putra", "ditjen")
    assert declaration.rounds.last().note == "Silakan dilaksanakan"


def test_approving_without_a_witness_changes_nothing(client, tree, kanwil, ditjen, open_period):
    declaration = _submitted(tree, kanwil, open_period)
    before = _state(declaration)
    client.force_login(ditjen)
    _english(client)
    response = client.post(reverse("declarations:act", args=[declaration.pk, "setujui"]), {"witness_name": " "})
    assert response.status_code == 302
    assert _error_messages(response) == ["Name the Ditjen HAM witness."]
    assert _state(declaration) == before


@pytest.mark.parametrize("action", ["setujui", "kembalikan", "tolak", "selesaikan"])
@pytest.mark.parametrize("actor", ["kanwil", "kepala", "admin_user"])
def test_review_actions_are_refused_to_non_reviewers(request, client, tree, kanwil, open_period, action, actor):
    declaration = _submitted(tree, kanwil, open_period)
    before = _state(declaration)
    client.force_login(request.getfixturevalue(actor))
    response = client.post(
        reverse("declarations:act", args=[declaration.pk, action]),
        {"witness_name": "X", "note": "Catatan", "confirm": "1", "version": declaration.version},
    )
    assert response.status_code == 403
    assert _state(declaration) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_from_another_province_are_not_found(client, tree, kanwil, other_kanwil, open_period, action):
    declaration = _submitted(tree, kanwil, open_period)
    before = _state(declaration)
    client.force_login(other_kanwil)
    response = client.post(
        reverse("declarations:act", args=[declaration.pk, action]),
        {"witness_name": "X", "note": "Catatan", "confirm": "1"},
    )
    assert response.status_code == 404
    assert _state(declaration) == before


def test_an_unknown_action_is_not_found_and_get_is_refused(client, tree, kanwil, ditjen, open_period):
    declaration = _submitted(tree, kanwil, open_period)
    before = _state(declaration)
    client.force_login(ditjen)
    assert client.post(reverse("declarations:act", args=[declaration.pk, "hapus"])).status_code == 404
    assert client.get(reverse("declarations:act", args=[declaration.pk, "setujui"])).status_code == 405
    assert _state(declaration) == before


def test_ditjen_returns_with_a_note(client, tree, kanwil, ditjen, open_period):
    declaration = _submitted(tree, kanwil, open_period)
    client.force_login(ditjen)
    response = client.post(
        reverse("declarations:act", args=[declaration.pk, "kembalikan"]),
        {"version": declaration.version, "note": "Lengkapi saksi dari Kejati"},
    )
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == S.RETURNED
    assert declaration.rounds.last().note == "Lengkapi saksi dari Kejati"


def test_returning_without_a_note_shows_an_error_and_changes_nothing(client, tree, kanwil, ditjen, open_period):
    declaration = _submitted(tree, kanwil, open_period)
    before = _state(declaration)
    client.force_login(ditjen)
    _english(client)
    url = reverse("declarations:act", args=[declaration.pk, "kembalikan"])
    response = client.post(url, {"version": declaration.version, "note": "  "})
    assert response.status_code == 302
    assert response.url == reverse("declarations:detail", args=[declaration.pk])
    assert _error_messages(response) == ["Say what needs to be revised."]
    assert _state(declaration) == before
    # The message is shown on the page the reviewer comes back to.
    followed = client.post(url, {"version": declaration.version, "note": ""}, follow=True)
    assert "Say what needs to be revised." in followed.content.decode()
    assert _state(declaration) == before


def test_rejecting_needs_the_confirmation_box(client, tree, kanwil, ditjen, open_period):
    declaration = _submitted(tree, kanwil, open_period)
    before = _state(declaration)
    client.force_login(ditjen)
    _english(client)
    url = reverse("declarations:act", args=[declaration.pk, "tolak"])
    response = client.post(url, {"version": declaration.version, "note": "Tidak memenuhi syarat"})
    assert response.status_code == 302
    assert _error_messages(response) == ["Tick the box to confirm the rejection."]
    assert _state(declaration) == before
    client.get(response.url)  # the message is shown (and used up) on the declaration's page

    response = client.post(url, {"version": declaration.version, "note": "Tidak memenuhi syarat", "confirm": "1"})
    assert response.status_code == 302
    assert _error_messages(response) == []
    declaration.refresh_from_db()
    assert declaration.status == S.REJECTED
    assert not declaration.units.filter(active=True).exists()
    assert declaration.rounds.last().note == "Tidak memenuhi syarat"


def test_ditjen_completes_once_everything_is_in_place(client, tree, kanwil, ditjen, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    client.force_login(ditjen)
    _english(client)
    url = reverse("declarations:act", args=[declaration.pk, "selesaikan"])
    response = client.post(url)
    assert response.status_code == 302
    assert any("Statements not yet signed" in m for m in _error_messages(response))
    client.get(response.url)  # the message is shown (and used up) on the declaration's page
    declaration.refresh_from_db()
    assert declaration.status == S.APPROVED
    # Signed outside the rule that completes by itself: mark the statements signed directly.
    DeclarationUnit.objects.filter(declaration=declaration).update(signature="upload")
    response = client.post(url)
    assert response.status_code == 302
    assert _error_messages(response) == []
    declaration.refresh_from_db()
    assert declaration.status == S.COMPLETED


# --- ceremony -------------------------------------------------------------------------------------


def test_the_requester_records_the_ceremony(client, tree, kanwil, ditjen, open_period):
    declaration = _approved(tree, kanwil, ditjen, open_period)
    present = list(declaration.witnesses.values_list("pk", flat=True))
    client.force_login(kanwil)
    url = reverse("declarations:ceremony", args=[declaration.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Dr. Dhahana Putra" in page.content
    response = client.post(
        url,
        {
            "version": declaration.version,
            "actual_date": timezone.localdate().isoformat(),
            "actual_venue": "Aula Kanwil Maluku",
            "present": [str(pk) for pk in present],
            "minutes": pdf_file(),
            "photos": [png_file(), png_file("foto2.png")],
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("declarations:detail", args=[declaration.pk])
    declaration.refresh_from_db()
    assert declaration.ceremony_recorded_at is not None
    assert declaration.actual_venue == "Aula Kanwil Maluku"
    assert declaration.witnesses.filter(present=True).count() == len(present)
    assert declaration.documents.filter(kind=DeclarationDocument.Kind.MINUTES).count() == 1
    assert declaration.documents.filter(kind=DeclarationDocument.Kind.PHOTO).count() == 2
    for document in declaration.documents.all():
        assert default_storage.exists(document.file)


def test_minutes_that_are_not_a_pdf_are_refused_and_nothing_is_stored(client, tree, kanwil, ditjen, open_period):
    declaration = _approved(tree, kanwil, ditjen, open_period)
    before, stored_before = _state(declaration), _stored(declaration)
    client.force_login(kanwil)
    fake = SimpleUploadedFile("berita-acara.pdf", b"Ini bukan PDF, hanya teks biasa.\n", content_type="application/pdf")
    response = client.post(
        reverse("declarations:ceremony", args=[declaration.pk]),
        {
            "version": declaration.version,
            "actual_date": timezone.localdate().isoformat(),
            "actual_venue": "Aula Kanwil Maluku",
            "present": [str(pk) for pk in declaration.witnesses.values_list("pk", flat=True)],
            "minutes": fake,
            "photos": [png_file()],
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "minutes" in form.errors or form.non_field_errors()
    assert "Aula Kanwil Maluku" in response.content.decode()
    assert not DeclarationDocument.objects.exists()
    declaration.refresh_from_db()
    assert declaration.ceremony_recorded_at is None
    assert not declaration.witnesses.filter(present=True).exists()
    assert _state(declaration) == before
    assert _stored(declaration) == stored_before


@pytest.mark.parametrize("actor", ["kepala", "ditjen", "sibling_operator"])
def test_the_ceremony_is_refused_to_others(request, client, tree, kanwil, ditjen, open_period, actor):
    declaration = _approved(tree, kanwil, ditjen, open_period)
    before = _state(declaration)
    client.force_login(request.getfixturevalue(actor))
    url = reverse("declarations:ceremony", args=[declaration.pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {"actual_date": timezone.localdate().isoformat(), "actual_venue": "X", "minutes": pdf_file()},
    )
    assert response.status_code == 403
    declaration.refresh_from_db()
    assert declaration.ceremony_recorded_at is None
    assert not DeclarationDocument.objects.exists()
    assert _state(declaration) == before


def test_the_ceremony_from_another_province_is_not_found(client, tree, kanwil, ditjen, other_kanwil, open_period):
    declaration = _approved(tree, kanwil, ditjen, open_period)
    client.force_login(other_kanwil)
    url = reverse("declarations:ceremony", args=[declaration.pk])
    assert client.get(url).status_code == 404
    response = client.post(
        url, {"actual_date": timezone.localdate().isoformat(), "actual_venue": "X", "minutes": pdf_file()}
    )
    assert response.status_code == 404
    declaration.refresh_from_db()
    assert declaration.ceremony_recorded_at is None
    assert not DeclarationDocument.objects.exists()


# --- sign -----------------------------------------------------------------------------------------


def test_the_head_signs_in_the_application(client, tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    client.force_login(heads["LAPAS-AMBON"])
    url = reverse("declarations:sign", args=[declaration.pk, "LAPAS-AMBON"])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Lapas Kelas IIA Ambon" in page.content
    response = client.post(url, {"in_app": "1", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("declarations:detail", args=[declaration.pk])
    participant = declaration.units.get(unit=tree.lapas_ambon)
    assert participant.signature == DeclarationUnit.Signature.IN_APP
    assert participant.signed_by == heads["LAPAS-AMBON"]
    assert default_storage.exists(participant.signed_file)


def test_a_wrong_password_does_not_sign(client, tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    client.force_login(heads["LAPAS-AMBON"])
    response = client.post(
        reverse("declarations:sign", args=[declaration.pk, "LAPAS-AMBON"]), {"in_app": "1", "password": "salah-sandi"}
    )
    assert response.status_code == 400
    assert "password" in response.context["app_form"].errors
    participant = declaration.units.get(unit=tree.lapas_ambon)
    assert not participant.signed
    assert participant.signed_file == "" and participant.signed_by is None


def test_the_head_uploads_a_scan(client, tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    client.force_login(heads["LAPAS-AMBON"])
    response = client.post(
        reverse("declarations:sign", args=[declaration.pk, "LAPAS-AMBON"]),
        {"upload": "1", "file": png_file("scan.png")},
    )
    assert response.status_code == 302
    participant = declaration.units.get(unit=tree.lapas_ambon)
    assert participant.signature == DeclarationUnit.Signature.UPLOAD
    assert participant.signed_file.endswith(".png")
    assert default_storage.exists(participant.signed_file)


@pytest.mark.parametrize("actor", ["RUTAN-AMBON", "KANWIL-81", "kanwil", "ditjen"])
def test_signing_for_another_unit_is_refused(request, client, tree, kanwil, ditjen, heads, open_period, actor):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    user = heads[actor] if actor in heads else request.getfixturevalue(actor)
    client.force_login(user)
    url = reverse("declarations:sign", args=[declaration.pk, "LAPAS-AMBON"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"in_app": "1", "password": PASSWORD}).status_code == 403
    assert client.post(url, {"upload": "1", "file": png_file()}).status_code == 403
    assert not declaration.units.get(unit=tree.lapas_ambon).signed


def test_signing_from_another_province_is_not_found(client, tree, kanwil, ditjen, heads, other_kanwil, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    client.force_login(other_kanwil)
    url = reverse("declarations:sign", args=[declaration.pk, "LAPAS-AMBON"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"in_app": "1", "password": PASSWORD}).status_code == 404
    # A unit that does not take part is not found either, even for a head who sees the declaration.
    client.force_login(heads["LAPAS-AMBON"])
    assert client.get(reverse("declarations:sign", args=[declaration.pk, "LAPAS-MEDAN"])).status_code == 404
    assert not declaration.units.exclude(signature="").exists()


# --- statement download ---------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["kanwil", "LAPAS-AMBON", "ditjen"])
def test_the_statement_downloads_as_a_pdf(request, client, tree, kanwil, ditjen, heads, open_period, actor):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    user = heads[actor] if actor in heads else request.getfixturevalue(actor)
    client.force_login(user)
    response = client.get(reverse("declarations:statement", args=[declaration.pk, "LAPAS-AMBON"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = _body(response)
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert "Lapas Kelas IIA Ambon" in text
    assert declaration.units.get(unit=tree.lapas_ambon).verification_code in text


def test_the_signed_statement_is_the_one_downloaded(client, tree, kanwil, ditjen, heads, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    client.force_login(heads["LAPAS-AMBON"])
    url = reverse("declarations:sign", args=[declaration.pk, "LAPAS-AMBON"])
    client.post(url, {"in_app": "1", "password": PASSWORD})
    participant = declaration.units.get(unit=tree.lapas_ambon)
    assert participant.signed
    client.force_login(kanwil)
    response = client.get(reverse("declarations:statement", args=[declaration.pk, "LAPAS-AMBON"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    data = _body(response)
    with default_storage.open(participant.signed_file, "rb") as fh:
        assert data == fh.read()
    assert heads["LAPAS-AMBON"].nip in _pdf_text(data)


@pytest.mark.parametrize("actor", ["other_kanwil", "verifier", "outsider"])
def test_the_statement_is_not_found_outside_scope(request, client, tree, kanwil, ditjen, open_period, actor):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("declarations:statement", args=[declaration.pk, "LAPAS-AMBON"])).status_code == 404


def test_the_statement_of_a_unit_not_taking_part_is_not_found(client, tree, kanwil, ditjen, open_period):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    client.force_login(ditjen)
    assert client.get(reverse("declarations:statement", args=[declaration.pk, "LAPAS-MEDAN"])).status_code == 404


# --- document download ----------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["kanwil", "kepala", "ditjen"])
def test_the_minutes_download(request, client, tree, kanwil, ditjen, open_period, actor):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    document = declaration.documents.get(kind=DeclarationDocument.Kind.MINUTES)
    client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse("declarations:document", args=[declaration.pk, document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "berita-acara.pdf" in response["Content-Disposition"]
    assert _body(response) == pdf_file().read()


@pytest.mark.parametrize("actor", ["other_kanwil", "verifier", "outsider"])
def test_the_minutes_are_not_found_outside_scope(request, client, tree, kanwil, ditjen, open_period, actor):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    document = declaration.documents.get()
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("declarations:document", args=[declaration.pk, document.pk])).status_code == 404


def test_a_document_is_reached_only_through_its_own_declaration(
    client, tree, kanwil, ditjen, other_kanwil, open_period
):
    declaration = approved_with_ceremony(tree, kanwil, ditjen, open_period)
    document = declaration.documents.get()
    # Another declaration, visible to the Kanwil of Sumatera Utara, that does not own the document.
    other = services.declaration_create(
        actor=other_kanwil,
        period=open_period,
        **request_data(tree, requester_unit=tree.kanwil_sumut, units=[tree.kanwil_sumut, tree.lapas_medan]),
    )
    client.force_login(other_kanwil)
    assert client.get(reverse("declarations:document", args=[other.pk, document.pk])).status_code == 404
    client.force_login(ditjen)
    assert client.get(reverse("declarations:document", args=[other.pk, document.pk])).status_code == 404
    assert client.get(reverse("declarations:document", args=[declaration.pk, document.pk])).status_code == 200
