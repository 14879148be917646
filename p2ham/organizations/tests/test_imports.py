import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from p2ham.accounts.models import RoleAssignment, User
from p2ham.audit.models import AuditEntry
from p2ham.core.tabular import TableFileError
from p2ham.organizations import imports
from p2ham.organizations.models import Unit

pytestmark = pytest.mark.django_db

UNIT_HEADER = "code,name,type,institution,parent,province,address,active\n"
GOOD_UNITS = (
    UNIT_HEADER
    + "RUTAN-TUAL,Rutan Kelas IIB Tual,rutan,KEMENIMIPAS,KANWIL-81,81,Jl. Jenderal Sudirman Tual,ya\n"
    + "LPKA-AMBON,LPKA Kelas II Ambon,lpka,KEMENIMIPAS,KANWIL-81,Maluku,,ya\n"
    + "POS-TUAL,Pos Pelayanan Tual,rutan,KEMENIMIPAS,RUTAN-TUAL,81,,tidak\n"
)


def xlsx_bytes(rows, merge=None, formula_cell=None):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    if formula_cell:
        ws[formula_cell] = "=1+1"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_valid_units_file_imports_with_parents_from_the_same_file(tree, admin_user):
    plan = imports.units_import_plan(data=GOOD_UNITS.encode(), filename="u.csv")
    assert plan.valid, plan.errors
    assert (plan.creates, plan.updates) == (3, 0)
    summary = imports.units_import_apply(actor=admin_user, plan=plan)
    assert summary == {"created": 3, "updated": 0, "unchanged": 0}
    pos = Unit.objects.get(code="POS-TUAL")
    assert pos.parent.code == "RUTAN-TUAL"
    assert pos.path.startswith(tree.kanwil_maluku.path)
    assert pos.active is False
    assert Unit.objects.get(code="LPKA-AMBON").province.code == "81"
    assert AuditEntry.objects.filter(action="unit.import", actor=admin_user).exists()
    assert AuditEntry.objects.filter(action="unit.create", actor=admin_user).count() == 3


def test_reimport_updates_instead_of_duplicating(tree, admin_user):
    imports.units_import_apply(
        actor=admin_user, plan=imports.units_import_plan(data=GOOD_UNITS.encode(), filename="u.csv")
    )
    count = Unit.objects.count()
    changed = GOOD_UNITS.replace("Rutan Kelas IIB Tual", "Rutan Kelas IIB Tual (baru)")
    plan = imports.units_import_plan(data=changed.encode(), filename="u.csv")
    assert (plan.creates, plan.updates) == (0, 3)
    summary = imports.units_import_apply(actor=admin_user, plan=plan)
    assert summary == {"created": 0, "updated": 1, "unchanged": 2}
    assert Unit.objects.count() == count
    assert Unit.objects.get(code="RUTAN-TUAL").name == "Rutan Kelas IIB Tual (baru)"


def test_every_row_error_is_reported(tree):
    bad = (
        UNIT_HEADER
        + "A-1,Satu,rutan,KEMENIMIPAS,NO-SUCH-PARENT,81,,ya\n"
        + "A-1,Dua,rutan,KEMENIMIPAS,KANWIL-81,81,,ya\n"
        + "A-3,Tiga,nosuchtype,NOPE,KANWIL-81,99,,mungkin\n"
        + "bad code!,Empat,rutan,KEMENIMIPAS,,81,,ya\n"
        + ",,,,,,,\n"
        + "A-5,,rutan,KEMENIMIPAS,,81,,ya\n"
    )
    plan = imports.units_import_plan(data=bad.encode(), filename="u.csv")
    found = {(e.row, e.column) for e in plan.errors}
    assert (2, "parent") in found  # unknown parent
    assert (3, "code") in found  # duplicate code
    assert {(4, "type"), (4, "institution"), (4, "province"), (4, "active")} <= found
    assert (5, "code") in found  # invalid characters
    assert (7, "name") in found  # required; the blank row 6 is skipped, numbering keeps spreadsheet rows
    assert not plan.valid


def test_invalid_file_writes_nothing(tree, admin_user):
    bad = GOOD_UNITS + "X-1,Rusak,rutan,KEMENIMIPAS,,99,,ya\n"
    plan = imports.units_import_plan(data=bad.encode(), filename="u.csv")
    assert not plan.valid
    with pytest.raises(ValueError):
        imports.units_import_apply(actor=admin_user, plan=plan)
    assert not Unit.objects.filter(code__in=["RUTAN-TUAL", "LPKA-AMBON", "X-1"]).exists()


def test_missing_required_column_is_reported_once(tree):
    plan = imports.units_import_plan(data=b"code,name\nA,B\n", filename="u.csv")
    assert {e.column for e in plan.errors} == {"type", "institution", "province"}
    assert all(e.row == 1 for e in plan.errors)


def test_parent_cycle_in_file_is_an_error(tree):
    data = UNIT_HEADER + "C-1,C1,rutan,KEMENIMIPAS,C-2,81,,ya\nC-2,C2,rutan,KEMENIMIPAS,C-1,81,,ya\n"
    plan = imports.units_import_plan(data=data.encode(), filename="u.csv")
    assert not plan.valid
    assert {e.column for e in plan.errors} == {"parent"}


def test_semicolon_csv_with_indonesian_headers_and_bom(tree):
    data = (
        "\ufeffkode;nama;jenis;instansi;induk;provinsi;alamat;aktif\n"
        "R-9;Rutan Saumlaki;rutan;KEMENIMIPAS;KANWIL-81;81;;ya\n"
    )
    plan = imports.units_import_plan(data=data.encode(), filename="u.csv")
    assert plan.valid, plan.errors


def test_broken_encoding_is_refused_with_a_clear_message(tree):
    data = (UNIT_HEADER + "R-1,Rutan \xe9,rutan,KEMENIMIPAS,,81,,ya\n").encode("latin-1")
    with pytest.raises(TableFileError, match="UTF-8"):
        imports.units_import_plan(data=data, filename="u.csv")


def test_xlsx_imports(tree):
    data = xlsx_bytes(
        [
            ["code", "name", "type", "institution", "parent", "province", "address", "active"],
            ["R-10", "Rutan Kelas IIB Masohi", "rutan", "KEMENIMIPAS", "KANWIL-81", 81, None, "ya"],
        ]
    )
    plan = imports.units_import_plan(data=data, filename="u.xlsx")
    assert plan.valid, plan.errors
    assert plan.rows[0]["province"].code == "81"


def test_xlsx_with_merged_cells_is_refused(tree):
    data = xlsx_bytes([["code", "name"], ["A", "B"], ["C", "D"]], merge="A2:A3")
    with pytest.raises(TableFileError, match="A2:A3"):
        imports.units_import_plan(data=data, filename="u.xlsx")


def test_xlsx_with_formulas_is_refused(tree):
    data = xlsx_bytes([["code", "name"], ["A", "B"]], formula_cell="B2")
    with pytest.raises(TableFileError, match="B2"):
        imports.units_import_plan(data=data, filename="u.xlsx")


def test_file_named_xlsx_that_is_not_one_is_refused(tree):
    with pytest.raises(TableFileError):
        imports.units_import_plan(data=b"not a workbook", filename="u.xlsx")


# ---------------------------------------------------------------- users

USER_HEADER = "username,full_name,nip,email,phone,role,unit\n"


def test_users_import_creates_people_with_roles_and_no_password(tree, admin_user):
    data = (
        USER_HEADER
        + "op.tual,Siti Rahma,198703152010122001,siti@example.go.id,0812,operator,LAPAS-AMBON\n"
        + "op.tual,Siti Rahma,198703152010122001,siti@example.go.id,0812,kepala_unit,RUTAN-AMBON\n"
        + "verif2,Budi Santoso,,budi@example.go.id,,verifikator,\n"
    )
    plan = imports.users_import_plan(data=data.encode(), filename="p.csv")
    assert plan.valid, plan.errors
    assert (plan.creates, plan.updates) == (2, 0)
    summary = imports.users_import_apply(actor=admin_user, plan=plan)
    assert summary == {"created": 2, "updated": 0, "roles_added": 3}
    siti = User.objects.get(username="op.tual")
    assert not siti.has_usable_password()
    assert set(RoleAssignment.objects.filter(user=siti).values_list("role", "unit__code")) == {
        ("operator", "LAPAS-AMBON"),
        ("kepala_unit", "RUTAN-AMBON"),
    }
    # Idempotent: the same file again adds nothing.
    again = imports.users_import_apply(
        actor=admin_user, plan=imports.users_import_plan(data=data.encode(), filename="p.csv")
    )
    assert again == {"created": 0, "updated": 0, "roles_added": 0}
    assert User.objects.filter(username="op.tual").count() == 1


def test_users_import_row_errors(tree, operator):
    data = (
        USER_HEADER
        + "a1,A,12345,a1@example.go.id,,operator,LAPAS-AMBON\n"  # bad NIP
        + "a2,B,,not-an-email,,operator,NO-UNIT\n"  # bad e-mail, unknown unit
        + "a3,C,,,,superhero,LAPAS-AMBON\n"  # unknown role
        + "a4,D,,,,operator,\n"  # operator needs a unit
        + f"a5,E,{operator.nip},,,operator,LAPAS-AMBON\n"  # NIP of someone else
        + "a6,F,198703152010122001,,,operator,LAPAS-AMBON\n"
        + "a7,G,198703152010122001,,,operator,LAPAS-AMBON\n"  # same NIP as row 7 for another user
    )
    plan = imports.users_import_plan(data=data.encode(), filename="p.csv")
    found = {(e.row, e.column) for e in plan.errors}
    assert {(2, "nip"), (3, "email"), (3, "unit"), (4, "role"), (5, "unit"), (6, "nip"), (8, "nip")} <= found
    assert not User.objects.filter(username__in=["a1", "a2", "a6"]).exists()


def test_users_nip_typed_as_a_number_in_excel_is_refused(tree):
    data = xlsx_bytes(
        [
            ["username", "full_name", "nip", "email", "phone", "role", "unit"],
            ["x1", "X Satu", 198703152010122001, "", "", "operator", "LAPAS-AMBON"],
        ]
    )
    plan = imports.users_import_plan(data=data, filename="p.xlsx")
    assert [(e.row, e.column) for e in plan.errors] == [(2, "nip")]


# ---------------------------------------------------------------- views


def upload(client, url, content, name="data.csv"):
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def test_import_pages_are_for_admins_only(client, ditjen, kanwil, operator):
    for user in (ditjen, kanwil, operator):
        client.force_login(user)
        assert client.get(reverse("organizations:import_units")).status_code == 403
        assert client.get(reverse("organizations:import_users")).status_code == 403
        assert upload(client, reverse("organizations:import_units"), GOOD_UNITS.encode()).status_code == 403
        assert client.get(reverse("organizations:import_template", args=["units"])).status_code == 403
    assert not Unit.objects.filter(code="RUTAN-TUAL").exists()


def test_import_dry_run_then_confirm(client, admin_user):
    client.force_login(admin_user)
    url = reverse("organizations:import_units")
    response = upload(client, url, GOOD_UNITS.encode())
    assert response.status_code == 200
    assert response.context["plan"].valid
    assert not Unit.objects.filter(code="RUTAN-TUAL").exists()  # dry run writes nothing
    token = response.context["token"]
    response = client.post(url, {"confirm": "1", "token": token})
    assert response.status_code == 302
    assert Unit.objects.filter(code="RUTAN-TUAL").exists()
    # The same confirmation cannot be replayed.
    response = client.post(url, {"confirm": "1", "token": token})
    assert response.status_code == 302
    assert Unit.objects.filter(code="RUTAN-TUAL").count() == 1


def test_import_with_errors_shows_them_and_offers_no_confirmation(client, admin_user):
    client.force_login(admin_user)
    response = upload(client, reverse("organizations:import_units"), (UNIT_HEADER + "A,B,nope,X,,99,,ya\n").encode())
    assert response.status_code == 200
    assert not response.context["plan"].valid
    assert "token" not in response.context
    assert 'name="confirm"' not in response.content.decode()


def test_import_unreadable_file_keeps_the_form_with_a_message(client, admin_user):
    client.force_login(admin_user)
    response = upload(client, reverse("organizations:import_units"), "é".encode("latin-1") * 10)
    assert response.status_code == 400
    assert response.context["form"].errors["file"]


def test_import_confirm_with_a_forged_token_writes_nothing(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("organizations:import_units"), {"confirm": "1", "token": "../../etc/passwd"})
    assert response.status_code == 302
    assert not Unit.objects.filter(code="RUTAN-TUAL").exists()


def test_import_template_downloads_xlsx(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("organizations:import_template", args=["users"]))
    assert response.status_code == 200
    assert response.content.startswith(b"PK")
    assert client.get(reverse("organizations:import_template", args=["nothing"])).status_code == 404


def test_users_reimport_with_another_case_updates_the_same_account(tree, admin_user):
    data = USER_HEADER + "Op.Tual,Siti Rahma,,siti@example.go.id,,operator,LAPAS-AMBON\n"
    imports.users_import_apply(actor=admin_user, plan=imports.users_import_plan(data=data.encode(), filename="p.csv"))
    again = data.replace("Op.Tual", "op.tual").replace("Siti Rahma", "Siti Rahmawati")
    plan = imports.users_import_plan(data=again.encode(), filename="p.csv")
    assert (plan.creates, plan.updates) == (0, 1)
    imports.users_import_apply(actor=admin_user, plan=plan)
    assert User.objects.get(username__iexact="op.tual").full_name == "Siti Rahmawati"
    assert User.objects.filter(username__iexact="op.tual").count() == 1


def test_users_import_refuses_values_longer_than_the_fields(tree):
    data = USER_HEADER + f"x1,{'A' * 151},,,{'0' * 31},operator,LAPAS-AMBON\n"
    plan = imports.users_import_plan(data=data.encode(), filename="p.csv")
    assert {(e.row, e.column) for e in plan.errors} == {(2, "full_name"), (2, "phone")}


def test_admin_role_cannot_be_imported_for_a_unit(tree):
    data = USER_HEADER + "adm2,Admin Dua,,,,admin,KANWIL-81\n"
    plan = imports.users_import_plan(data=data.encode(), filename="p.csv")
    assert [(e.row, e.column) for e in plan.errors] == [(2, "unit")]


def test_a_failure_while_writing_undoes_the_earlier_rows(tree, admin_user, monkeypatch):
    plan = imports.units_import_plan(data=GOOD_UNITS.encode(), filename="u.csv")
    real_save = imports.unit_save
    calls = []

    def failing_save(**kwargs):
        calls.append(kwargs["code"])
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_save(**kwargs)

    monkeypatch.setattr(imports, "unit_save", failing_save)
    with pytest.raises(RuntimeError):
        imports.units_import_apply(actor=admin_user, plan=plan)
    assert not Unit.objects.filter(code__in=["RUTAN-TUAL", "LPKA-AMBON", "POS-TUAL"]).exists()


def test_abandoned_dry_run_files_are_deleted(client, admin_user):
    import datetime as dt

    from django.core.files.storage import default_storage

    from p2ham.organizations import views

    client.force_login(admin_user)
    url = reverse("organizations:import_units")
    first = upload(client, url, GOOD_UNITS.encode()).context["token"]
    views._forget_abandoned_imports()  # a fresh file is kept
    assert default_storage.exists(f"imports/{first}")
    views._forget_abandoned_imports(max_age=dt.timedelta(seconds=-1))  # as if a day had passed
    assert not default_storage.exists(f"imports/{first}")
