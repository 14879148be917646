import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from p2ham.audit.models import AuditEntry
from p2ham.instruments.defaults import load_default_instruments
from p2ham.instruments.excel import tree_to_xlsx
from p2ham.instruments.models import Criterion, Indicator
from p2ham.instruments.selectors import instrument_for_unit_type, instrument_tree
from p2ham.periods.models import Period
from p2ham.periods.services import period_create, period_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def instrument(admin_user):
    period = period_create(actor=admin_user, year=2027, regulation_label="Permenkumham 25/2023")
    load_default_instruments(actor=admin_user, period=period)
    return instrument_for_unit_type(period=period, unit_type_code="lapas")


def frozen(instrument, admin_user):
    period_transition(actor=admin_user, period=instrument.period, to=Period.Status.OPEN)
    instrument.refresh_from_db()
    return instrument


@pytest.mark.parametrize("actor", ["operator", "kanwil", "verifier", "ditjen", "admin_user"])
def test_every_role_can_read_and_preview(request, client, instrument, actor):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("instruments:detail", args=[instrument.pk])).status_code == 200
    response = client.get(reverse("instruments:preview", args=[instrument.pk]))
    assert response.status_code == 200
    assert instrument.indicators.first().question in response.content.decode()
    assert client.get(reverse("instruments:export", args=[instrument.pk])).content.startswith(b"PK")


def test_detail_query_count_does_not_grow_with_indicators(
    client, admin_user, instrument, django_assert_max_num_queries
):
    client.force_login(admin_user)
    url = reverse("instruments:detail", args=[instrument.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(url)
    criterion = instrument.criteria.first()
    scale = instrument.scales.first()
    for n in range(15):
        Indicator.objects.create(
            instrument=instrument,
            criterion=criterion,
            code=f"X{n}",
            question="q",
            scale=scale,
            evidence_kinds=["pdf"],
            order=100 + n,
        )
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


@pytest.mark.parametrize("actor", ["operator", "kanwil", "verifier"])
def test_editing_is_refused_to_other_roles(request, client, instrument, actor):
    client.force_login(request.getfixturevalue(actor))
    criterion = instrument.criteria.first()
    urls = [
        reverse("instruments:criterion_edit", args=[instrument.pk, criterion.pk]),
        reverse("instruments:indicator_new", args=[instrument.pk]) + f"?kriteria={criterion.pk}",
        reverse("instruments:scale_new", args=[instrument.pk]),
        reverse("instruments:settings", args=[instrument.pk]),
        reverse("instruments:import", args=[instrument.pk]),
        reverse("instruments:clone", args=[instrument.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("instruments:item_action", args=[instrument.pk, "kriteria", criterion.pk, "hapus"]))
    assert response.status_code == 403
    assert Criterion.objects.filter(pk=criterion.pk).exists()
    assert client.post(reverse("instruments:load_defaults", args=[2027])).status_code == 403


def test_ditjen_edits_a_criterion(client, ditjen, instrument):
    client.force_login(ditjen)
    criterion = instrument.criteria.first()
    response = client.post(
        reverse("instruments:criterion_edit", args=[instrument.pk, criterion.pk]),
        {"code": "K1", "name": "Aksesibilitas", "weight": "45"},
    )
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert (criterion.name, str(criterion.weight)) == ("Aksesibilitas", "45.00")
    assert AuditEntry.objects.filter(action="instrument.criterion.save", actor=ditjen).exists()


def test_zero_weight_is_refused_and_the_form_keeps_what_was_typed(client, admin_user, instrument):
    client.force_login(admin_user)
    criterion = instrument.criteria.first()
    response = client.post(
        reverse("instruments:indicator_new", args=[instrument.pk]) + f"?kriteria={criterion.pk}",
        {
            "criterion": criterion.pk,
            "code": "K1.99",
            "question": "Apakah tersedia kursi roda?",
            "scale": instrument.scales.first().pk,
            "weight": "0",
            "evidence_min_files": 1,
            "evidence_kinds": ["pdf"],
            "evidence_max_mb": 20,
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["weight"]
    assert "Apakah tersedia kursi roda?" in response.content.decode()
    assert not Indicator.objects.filter(code="K1.99").exists()


def test_duplicate_indicator_code_is_refused(client, admin_user, instrument):
    client.force_login(admin_user)
    criterion = instrument.criteria.first()
    existing = criterion.indicators.first()
    response = client.post(
        reverse("instruments:indicator_new", args=[instrument.pk]) + f"?kriteria={criterion.pk}",
        {
            "criterion": criterion.pk,
            "code": existing.code,
            "question": "Duplikat",
            "scale": instrument.scales.first().pk,
            "weight": "1",
            "evidence_min_files": 1,
            "evidence_kinds": ["pdf"],
            "evidence_max_mb": 20,
        },
    )
    assert response.status_code == 400
    assert not Indicator.objects.filter(question="Duplikat").exists()


def test_scale_with_a_score_above_100_is_refused(client, admin_user, instrument):
    client.force_login(admin_user)
    response = client.post(
        reverse("instruments:scale_new", args=[instrument.pk]),
        {
            "code": "baru",
            "name": "Skala baru",
            "label_0": "Ya",
            "score_0": "150",
            "label_1": "Tidak",
            "score_1": "0",
        },
    )
    assert response.status_code == 400
    assert not instrument.scales.filter(code="baru").exists()


def test_moving_by_button_and_by_htmx(client, admin_user, instrument):
    client.force_login(admin_user)
    criteria = list(instrument.criteria.order_by("order"))
    url = reverse("instruments:item_action", args=[instrument.pk, "kriteria", criteria[1].pk, "naik"])
    assert client.post(url).status_code == 302
    assert instrument.criteria.order_by("order").first() == criteria[1]
    url = reverse("instruments:item_action", args=[instrument.pk, "kriteria", criteria[1].pk, "turun"])
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert instrument.criteria.order_by("order").first() == criteria[0]
    assert f'id="kriteria-{criteria[1].pk}-naik"' in response.content.decode()
    assert 'hx-swap-oob="true"' in response.content.decode()  # the new position is announced to screen readers


def test_frozen_instrument_cannot_be_edited_through_the_screens(client, admin_user, instrument):
    instrument = frozen(instrument, admin_user)
    client.force_login(admin_user)
    criterion = instrument.criteria.first()
    response = client.post(
        reverse("instruments:criterion_edit", args=[instrument.pk, criterion.pk]),
        {"code": "K1", "name": "Diubah", "weight": "1"},
    )
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.name != "Diubah"
    response = client.post(reverse("instruments:item_action", args=[instrument.pk, "kriteria", criterion.pk, "hapus"]))
    assert Criterion.objects.filter(pk=criterion.pk).exists()


def test_correction_flow_through_the_screens(client, admin_user, instrument):
    instrument = frozen(instrument, admin_user)
    client.force_login(admin_user)
    response = client.post(reverse("instruments:new_version", args=[instrument.pk]), {"change_note": "Perbaikan K2"})
    assert response.status_code == 302
    draft = instrument.period.instruments.get(code=instrument.code, version=2)
    assert client.get(reverse("instruments:publish", args=[draft.pk])).status_code == 200
    assert client.post(reverse("instruments:publish", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.current and draft.frozen


def workbook_upload(instrument, edit=None):
    data = tree_to_xlsx(instrument_tree(instrument))
    if edit:
        workbook = load_workbook(io.BytesIO(data))
        edit(workbook)
        buffer = io.BytesIO()
        workbook.save(buffer)
        data = buffer.getvalue()
    return SimpleUploadedFile("instrumen.xlsx", data)


def test_excel_import_dry_run_then_confirm(client, admin_user, instrument):
    client.force_login(admin_user)
    url = reverse("instruments:import", args=[instrument.pk])

    def rename(workbook):
        workbook["kriteria"]["B2"] = "Aksesibilitas (diperbarui)"

    response = client.post(url, {"file": workbook_upload(instrument, rename)})
    assert response.status_code == 200 and response.context["errors"] == []
    assert instrument.criteria.get(code="K1").name != "Aksesibilitas (diperbarui)"  # dry run
    response = client.post(url, {"confirm": "1", "token": response.context["token"]})
    assert response.status_code == 302
    assert instrument.criteria.get(code="K1").name == "Aksesibilitas (diperbarui)"


def test_excel_import_with_errors_lists_them_and_changes_nothing(client, admin_user, instrument):
    client.force_login(admin_user)
    client.cookies["p2ham_language"] = "en"

    def break_it(workbook):
        workbook["kriteria"]["C2"] = "-3"
        workbook["skala"]["D2"] = "200"

    response = client.post(
        reverse("instruments:import", args=[instrument.pk]), {"file": workbook_upload(instrument, break_it)}
    )
    places = [e.where for e in response.context["errors"]]
    assert "sheet kriteria, row 2, column weight" in places
    assert "sheet skala, row 2, column option_score" in places
    assert "token" not in response.context
    assert str(instrument.criteria.get(code="K1").weight) != "-3.00"


def test_preview_calculates_the_score_and_explains_it(client, operator, instrument):
    client.force_login(operator)
    params = {"hitung": "1"}
    for indicator in instrument.indicators.select_related("scale"):
        best = indicator.scale.options.order_by("-score").first()
        params[f"a{indicator.pk}"] = str(best.pk)
    response = client.get(reverse("instruments:preview", args=[instrument.pk]), params)
    assert response.context["breakdown"].total == 100
    assert response.context["breakdown"].decided_by == "granted"
    mandatory = instrument.indicators.filter(mandatory=True).select_related("scale").first()
    params[f"a{mandatory.pk}"] = str(mandatory.scale.options.order_by("score").first().pk)
    response = client.get(reverse("instruments:preview", args=[instrument.pk]), params)
    assert response.context["breakdown"].decided_by == "mandatory_failed"
    assert mandatory.code in response.context["breakdown"].failed_mandatory
    assert mandatory.code in response.content.decode()


def test_preview_ignores_options_of_another_scale(client, operator, instrument):
    client.force_login(operator)
    indicators = list(instrument.indicators.select_related("scale"))
    first = indicators[0]
    other = next(i for i in indicators if i.scale_id != first.scale_id)
    foreign = (
        other.scale.options.exclude(label__in=first.scale.options.values("label")).first()
        or other.scale.options.first()
    )
    params = {"hitung": "1", f"a{first.pk}": str(foreign.pk), f"a{other.pk}": "na", f"a{indicators[1].pk}": "²"}
    response = client.get(reverse("instruments:preview", args=[instrument.pk]), params)
    assert response.status_code == 200
    results = {i.code: i for c in response.context["breakdown"].criteria for i in c.indicators}
    assert results[first.code].status == "unanswered"
    assert results[other.code].status == "not_applicable"


@pytest.mark.parametrize("actor", ["operator", "kanwil", "verifier"])
def test_corrections_and_imports_are_refused_to_other_roles_on_post(request, client, admin_user, instrument, actor):
    instrument = frozen(instrument, admin_user)
    client.force_login(request.getfixturevalue(actor))
    assert (
        client.post(reverse("instruments:new_version", args=[instrument.pk]), {"change_note": "x"}).status_code == 403
    )
    assert client.post(reverse("instruments:publish", args=[instrument.pk])).status_code == 403
    assert (
        client.post(reverse("instruments:import", args=[instrument.pk]), {"confirm": "1", "token": "x"}).status_code
        == 403
    )
    assert (
        client.post(reverse("instruments:clone", args=[instrument.pk]), {"period": instrument.period_id}).status_code
        == 403
    )
    assert instrument.period.instruments.filter(code=instrument.code).count() == 1
