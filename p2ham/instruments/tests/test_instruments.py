"""Instruments as data: defaults, validation, editing, freezing, versions, clones, Excel round trip."""

import copy
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import load_workbook

from p2ham.audit.models import AuditEntry
from p2ham.core.tabular import TableFileError
from p2ham.instruments import services
from p2ham.instruments.defaults import default_trees, load_default_instruments
from p2ham.instruments.excel import tree_to_xlsx, xlsx_to_tree
from p2ham.instruments.models import Criterion, Indicator, Instrument
from p2ham.instruments.selectors import instrument_for_unit_type, instrument_tree
from p2ham.organizations.models import UnitType
from p2ham.organizations.reference import DEFAULT_UNIT_TYPES
from p2ham.periods.models import Period
from p2ham.periods.services import period_create, period_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(db):
    return period_create(actor=None, year=2027, regulation_label="Permenkumham 25/2023")


def lapas_tree():
    return copy.deepcopy(next(t for t in default_trees() if "lapas" in t["unit_types"]))


def test_default_instruments_cover_every_unit_type_once_and_are_valid(db):
    seen = []
    for tree in default_trees():
        result = services.check_tree(tree)
        assert result.valid, (tree["code"], result.errors[:3])
        seen += tree["unit_types"]
        assert [c["code"] for c in tree["criteria"]][:3] == ["K1", "K2", "K3"]
    assert sorted(seen) == sorted(code for code, _name, _cohort in DEFAULT_UNIT_TYPES)


def test_loading_defaults_is_idempotent_and_audited(period, admin_user):
    added = load_default_instruments(actor=admin_user, period=period)
    assert len(added) == 5
    assert load_default_instruments(actor=admin_user, period=period) == []
    instrument = instrument_for_unit_type(period=period, unit_type_code="kanim")
    assert instrument is not None and instrument.indicators.count() >= 12
    assert AuditEntry.objects.filter(action="instrument.create", actor=admin_user).count() == 5


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda t: t["criteria"][0].update(weight="0"), "criteria[0].weight"),
        (lambda t: t["criteria"][1].update(weight="-5"), "criteria[1].weight"),
        (lambda t: t["criteria"][0]["indicators"][0].update(weight="0"), "criteria[0].indicators[0].weight"),
        (lambda t: t["scales"][0]["options"][0].update(score="101"), "scales[0].options[0].score"),
        (lambda t: t["scales"][0]["options"][1].update(score="-1"), "scales[0].options[1].score"),
        (
            lambda t: t["criteria"][0]["indicators"][1].update(code=t["criteria"][0]["indicators"][0]["code"]),
            "criteria[0].indicators[1].code",
        ),
        (lambda t: t["criteria"][0]["indicators"][0].update(scale="nope"), "criteria[0].indicators[0].scale"),
        (lambda t: t["unit_types"].append("unknown"), "unit_types[5]"),
        (
            lambda t: t["criteria"][0]["indicators"][0]["evidence"].update(kinds=["exe"]),
            "criteria[0].indicators[0].evidence.kinds",
        ),
        (lambda t: t.update(criteria=[]), "criteria"),
    ],
)
def test_bad_trees_are_refused_with_the_place_of_the_problem(period, change, where):
    tree = lapas_tree()
    change(tree)
    result = services.check_tree(tree)
    assert where in [e.where for e in result.errors]
    with pytest.raises(ValidationError):
        services.instrument_create(actor=None, period=period, tree=tree)
    assert not Instrument.objects.exists()


def test_a_unit_type_belongs_to_one_instrument_per_period(period):
    services.instrument_create(actor=None, period=period, tree=lapas_tree())
    other = lapas_tree()
    other["code"] = "lapas-kedua"
    with pytest.raises(ValidationError):
        services.instrument_create(actor=None, period=period, tree=other)
    assert Instrument.objects.count() == 1


def test_editing_a_frozen_instrument_is_refused_and_changes_nothing(period, admin_user):
    load_default_instruments(actor=admin_user, period=period)
    period_transition(actor=admin_user, period=period, to=Period.Status.OPEN)
    instrument = instrument_for_unit_type(period=period, unit_type_code="lapas")
    criterion = instrument.criteria.first()
    indicator = criterion.indicators.first()
    with pytest.raises(services.FrozenError):
        services.criterion_save(
            actor=admin_user,
            instrument=instrument,
            criterion=criterion,
            code="K1",
            name="Diubah",
            weight=criterion.weight,
        )
    with pytest.raises(services.FrozenError):
        services.item_delete(actor=admin_user, item=indicator)
    with pytest.raises(services.FrozenError):
        services.instrument_replace(actor=admin_user, instrument=instrument, tree=lapas_tree())
    criterion.refresh_from_db()
    assert criterion.name != "Diubah"
    assert Indicator.objects.filter(pk=indicator.pk).exists()


def test_a_correction_is_a_new_version_that_replaces_the_old_one_when_published(period, admin_user):
    load_default_instruments(actor=admin_user, period=period)
    period_transition(actor=admin_user, period=period, to=Period.Status.OPEN)
    v1 = instrument_for_unit_type(period=period, unit_type_code="lapas")
    with pytest.raises(ValidationError):
        services.instrument_new_version(actor=admin_user, instrument=v1, change_note=" ")
    v2 = services.instrument_new_version(actor=admin_user, instrument=v1, change_note="Salah ketik pada K1.02")
    assert (v2.version, v2.current, v2.frozen) == (2, False, False)
    assert instrument_for_unit_type(period=period, unit_type_code="lapas") == v1  # still in force
    removed = v2.indicators.order_by("pk").last()
    services.item_delete(actor=admin_user, item=removed)
    services.instrument_publish_version(actor=admin_user, draft=v2)
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.current, v2.current, v2.frozen) == (False, True, True)
    assert instrument_for_unit_type(period=period, unit_type_code="lapas") == v2
    entry = AuditEntry.objects.get(action="instrument.version.publish")
    assert entry.data["indicators_removed"] == [removed.code]
    with pytest.raises(services.TransitionError):
        services.instrument_publish_version(actor=admin_user, draft=v2)


def test_clone_into_next_year_fills_the_continuation_codes(period, admin_user):
    source = services.instrument_create(actor=admin_user, period=period, tree=lapas_tree())
    next_year = period_create(actor=admin_user, year=2028, regulation_label="Permenkumham 25/2023")
    clone = services.instrument_clone(actor=admin_user, instrument=source, period=next_year)
    pairs = set(clone.indicators.values_list("code", "continues_code"))
    assert pairs == {(code, code) for code in source.indicators.values_list("code", flat=True)}
    assert AuditEntry.objects.filter(action="instrument.clone").exists()


def test_moving_items_up_and_down(period, admin_user):
    instrument = services.instrument_create(actor=admin_user, period=period, tree=lapas_tree())
    codes = list(instrument.criteria.order_by("order").values_list("code", flat=True))
    last = instrument.criteria.get(code=codes[-1])
    services.item_move(actor=admin_user, item=last, direction=-1)
    assert list(instrument.criteria.order_by("order").values_list("code", flat=True)) == [codes[0], codes[2], codes[1]]
    first = instrument.criteria.get(code=codes[0])
    services.item_move(actor=admin_user, item=first, direction=-1)  # already first: nothing happens
    assert instrument.criteria.order_by("order").first().code == codes[0]
    criterion = instrument.criteria.get(code=codes[0])
    indicators = list(criterion.indicators.order_by("order").values_list("code", flat=True))
    services.item_move(actor=admin_user, item=criterion.indicators.get(code=indicators[0]), direction=1)
    assert list(criterion.indicators.order_by("order").values_list("code", flat=True))[:2] == indicators[1::-1]


def test_scale_save_refuses_bad_scores_and_duplicate_labels(period, admin_user):
    from decimal import Decimal

    instrument = services.instrument_create(actor=admin_user, period=period, tree=lapas_tree())
    with pytest.raises(ValidationError):
        services.scale_save(
            actor=admin_user,
            instrument=instrument,
            scale=None,
            code="baru",
            name="Baru",
            options=[("Ya", Decimal("120")), ("Tidak", Decimal("0"))],
        )
    with pytest.raises(ValidationError):
        services.scale_save(
            actor=admin_user,
            instrument=instrument,
            scale=None,
            code="baru",
            name="Baru",
            options=[("Ya", Decimal("100")), ("ya", Decimal("0"))],
        )
    assert not instrument.scales.filter(code="baru").exists()


# ---------------------------------------------------------------- Excel


def test_excel_round_trip_gives_back_the_same_tree(period):
    instrument = services.instrument_create(actor=None, period=period, tree=lapas_tree())
    tree = instrument_tree(instrument)
    back, places, errors = xlsx_to_tree(tree_to_xlsx(tree))
    assert errors == []
    assert services.check_tree(back, where=places).valid
    normalised = services.check_tree(tree).data
    assert services.check_tree(back).data == normalised


def test_excel_export_neutralises_formulas_and_import_restores_the_text(period):
    tree = lapas_tree()
    tree["criteria"][0]["indicators"][0]["question"] = '=HYPERLINK("http://evil")'
    instrument = services.instrument_create(actor=None, period=period, tree=tree)
    data = tree_to_xlsx(instrument_tree(instrument))
    sheet = load_workbook(io.BytesIO(data))["indikator"]
    assert sheet["C2"].value.startswith("'=")
    assert sheet["C2"].data_type != "f"
    back, _places, _errors = xlsx_to_tree(data)
    assert back["criteria"][0]["indicators"][0]["question"] == '=HYPERLINK("http://evil")'


def test_excel_with_a_missing_column_reports_it(period):
    instrument = services.instrument_create(actor=None, period=period, tree=lapas_tree())
    workbook = load_workbook(io.BytesIO(tree_to_xlsx(instrument_tree(instrument))))
    workbook["indikator"].delete_cols(7)  # weight
    buffer = io.BytesIO()
    workbook.save(buffer)
    _tree, _places, errors = xlsx_to_tree(buffer.getvalue())
    assert any("weight" in message for _where, message in errors)


def test_excel_errors_name_sheet_row_and_column(period):
    instrument = services.instrument_create(actor=None, period=period, tree=lapas_tree())
    workbook = load_workbook(io.BytesIO(tree_to_xlsx(instrument_tree(instrument))))
    workbook["indikator"]["G3"] = "0"  # weight of the second indicator
    buffer = io.BytesIO()
    workbook.save(buffer)
    with translation.override("en"):
        tree, places, errors = xlsx_to_tree(buffer.getvalue())
        assert errors == []
        result = services.check_tree(tree, where=places)
    assert [e.where for e in result.errors] == ["sheet indikator, row 3, column weight"]
    with translation.override("id"):
        tree, places, errors = xlsx_to_tree(buffer.getvalue())
    assert places["criteria[0].indicators[1].weight"] != "sheet indikator, row 3, column weight"  # translated


def test_excel_with_a_formula_or_a_missing_sheet_is_refused(period):
    instrument = services.instrument_create(actor=None, period=period, tree=lapas_tree())
    workbook = load_workbook(io.BytesIO(tree_to_xlsx(instrument_tree(instrument))))
    workbook["kriteria"]["C2"] = "=40+0"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(TableFileError, match="C2"):
        xlsx_to_tree(buffer.getvalue())
    del workbook["skala"]
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(TableFileError, match="skala"):
        xlsx_to_tree(buffer.getvalue())


def test_replacing_from_a_tree_is_all_or_nothing(period, admin_user):
    instrument = services.instrument_create(actor=admin_user, period=period, tree=lapas_tree())
    before = instrument_tree(instrument)
    broken = lapas_tree()
    broken["criteria"][2]["weight"] = "0"
    with pytest.raises(ValidationError):
        services.instrument_replace(actor=admin_user, instrument=instrument, tree=broken)
    assert instrument_tree(instrument) == before
    assert Criterion.objects.filter(instrument=instrument).count() == len(before["criteria"])


def test_new_unit_type_needs_no_code_change(period):
    UnitType.objects.create(code="samsat", name="Samsat", cohort="pemda")
    tree = lapas_tree()
    tree.update(code="samsat", unit_types=["samsat"])
    instrument = services.instrument_create(actor=None, period=period, tree=tree)
    assert instrument_for_unit_type(period=period, unit_type_code="samsat") == instrument


# ---------------------------------------------------------------- review findings


def open_period_with_defaults(period, admin):
    load_default_instruments(actor=admin, period=period)
    return period_transition(actor=admin, period=period, to=Period.Status.OPEN)


def test_corrections_need_an_open_period(period, admin_user):
    open_period_with_defaults(period, admin_user)
    v1 = instrument_for_unit_type(period=period, unit_type_code="lapas")
    draft = services.instrument_new_version(actor=admin_user, instrument=v1, change_note="Perbaikan")
    period_transition(actor=admin_user, period=period, to=Period.Status.CLOSED)
    with pytest.raises(services.TransitionError):
        services.instrument_publish_version(actor=admin_user, draft=draft)
    with pytest.raises(services.TransitionError):
        services.instrument_new_version(actor=admin_user, instrument=v1, change_note="Lagi")
    v1.refresh_from_db()
    assert v1.current


def test_a_replaced_version_cannot_be_published_again(period, admin_user):
    open_period_with_defaults(period, admin_user)
    v1 = instrument_for_unit_type(period=period, unit_type_code="lapas")
    v2 = services.instrument_new_version(actor=admin_user, instrument=v1, change_note="a")
    services.instrument_publish_version(actor=admin_user, draft=v2)
    v3 = services.instrument_new_version(actor=admin_user, instrument=v2, change_note="b")
    services.instrument_publish_version(actor=admin_user, draft=v3)
    with pytest.raises(services.TransitionError):
        services.instrument_publish_version(actor=admin_user, draft=v2)
    assert instrument_for_unit_type(period=period, unit_type_code="lapas") == v3


def test_an_incomplete_correction_cannot_come_into_force(period, admin_user):
    open_period_with_defaults(period, admin_user)
    v1 = instrument_for_unit_type(period=period, unit_type_code="lapas")
    draft = services.instrument_new_version(actor=admin_user, instrument=v1, change_note="Kosongkan K1")
    criterion = draft.criteria.first()
    for indicator in list(criterion.indicators.all()):
        services.item_delete(actor=admin_user, item=indicator)
    with pytest.raises(ValidationError):
        services.instrument_publish_version(actor=admin_user, draft=draft)
    assert instrument_for_unit_type(period=period, unit_type_code="lapas") == v1


def test_a_correction_cannot_take_a_unit_type_of_another_instrument(period, admin_user):
    open_period_with_defaults(period, admin_user)
    v1 = instrument_for_unit_type(period=period, unit_type_code="lapas")
    draft = services.instrument_new_version(actor=admin_user, instrument=v1, change_note="Tambah kanim")
    # Simulate a drift the editor's own check would refuse: add a type covered by the immigration instrument.
    draft.unit_types.add(UnitType.objects.get(code="kanim"))
    with pytest.raises(ValidationError):
        services.instrument_publish_version(actor=admin_user, draft=draft)
    assert instrument_for_unit_type(period=period, unit_type_code="kanim").code != v1.code


def test_a_period_with_an_empty_criterion_does_not_open(period, admin_user):
    from decimal import Decimal

    load_default_instruments(actor=admin_user, period=period)
    lapas = instrument_for_unit_type(period=period, unit_type_code="lapas")
    services.criterion_save(
        actor=admin_user, instrument=lapas, criterion=None, code="K9", name="Kosong", weight=Decimal("5")
    )
    with pytest.raises(services.TransitionError):
        period_transition(actor=admin_user, period=period, to=Period.Status.OPEN)
    period.refresh_from_db()
    assert period.status == Period.Status.DRAFT


def test_replace_with_a_stale_fingerprint_changes_nothing(period, admin_user):
    from p2ham.instruments.selectors import instrument_fingerprint

    instrument = services.instrument_create(actor=admin_user, period=period, tree=lapas_tree())
    seen = instrument_fingerprint(instrument)
    first = lapas_tree()
    first["name"] = "Perubahan pertama"
    services.instrument_replace(actor=admin_user, instrument=instrument, tree=first, expected_fingerprint=seen)
    second = lapas_tree()
    second["name"] = "Perubahan kedua"
    with pytest.raises(services.StaleError):
        services.instrument_replace(actor=admin_user, instrument=instrument, tree=second, expected_fingerprint=seen)
    instrument.refresh_from_db()
    assert instrument.name == "Perubahan pertama"


def test_a_zip_bomb_workbook_is_refused_before_it_is_unpacked(period):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    with translation.override("en"), pytest.raises(TableFileError, match="too large"):
        xlsx_to_tree(data)
