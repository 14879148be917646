"""The demo organisation data and the ``seed_demo`` command."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from p2ham.accounts.models import Role, RoleAssignment, User
from p2ham.accounts.validators import validate_nip
from p2ham.assessments.models import Assessment, Evidence
from p2ham.declarations.models import Declaration
from p2ham.organizations.demo import (
    UPT_TYPES,
    WELL_KNOWN_USERNAMES,
    demo_accounts,
    demo_unit_rows,
    demo_user_rows,
    new_demo_password,
)
from p2ham.organizations.models import Institution, Unit
from p2ham.organizations.reference import province_rows


def test_every_demo_nip_is_valid_and_unique() -> None:
    nips = [row.values["nip"] for row in demo_user_rows()]
    for nip in nips:
        validate_nip(nip)
    assert len(set(nips)) == len(nips)


def test_demo_upts_cover_all_upt_types_and_provinces() -> None:
    upts = [row.values for row in demo_unit_rows() if row.values["type"] in UPT_TYPES]
    assert len(upts) >= 600
    assert {u["type"] for u in upts} == set(UPT_TYPES)
    assert {u["province"] for u in upts} == {p["code"] for p in province_rows()}
    assert {u["province"] for u in upts if u["type"] == "bhp"} == {"31", "33", "35", "12", "73"}


def test_every_kanwil_province_has_exactly_one_kanwil() -> None:
    kanwils = Counter(row.values["province"] for row in demo_unit_rows() if row.values["type"] == "kanwil")
    expected = {p["code"] for p in province_rows() if p["had_kanwil_2024"] == "yes"}
    assert len(expected) == 33
    assert set(kanwils) == expected
    assert set(kanwils.values()) == {1}


def test_upts_hang_on_an_existing_kanwil() -> None:
    rows = [row.values for row in demo_unit_rows()]
    kanwil_codes = {r["code"] for r in rows if r["type"] == "kanwil"}
    for r in rows:
        if r["type"] in UPT_TYPES:
            assert r["parent"] in kanwil_codes, r["code"]


def test_demo_rows_are_well_formed_and_deterministic() -> None:
    units, users = demo_unit_rows(), demo_user_rows()
    codes = [row.values["code"] for row in units]
    assert len(set(codes)) == len(codes)
    assert all(len(code) <= 40 and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", code) for code in codes)
    usernames = [row.values["username"] for row in users]
    assert len(set(usernames)) == len(usernames)
    assert all(re.fullmatch(r"[A-Za-z0-9@.+_-]+", name) for name in usernames)
    assert len({row.values["email"] for row in users}) == len(users)
    assert [row.number for row in units] == list(range(2, len(units) + 2))
    assert units == demo_unit_rows() and users == demo_user_rows()


def test_demo_passwords_pass_the_password_validators_and_are_random() -> None:
    for row in demo_user_rows():
        username = row.values["username"]
        user = User(username=username, email=row.values["email"], full_name=row.values["full_name"])
        for _ in range(5):
            validate_password(
                new_demo_password(username=username, email=user.email, full_name=user.full_name), user=user
            )
    assert len({new_demo_password() for _ in range(50)}) > 45


def test_password_words_never_resemble_a_demo_person() -> None:
    from p2ham.organizations.demo import PASSWORD_WORDS

    people = " ".join(f"{row.values['username']} {row.values['full_name']}" for row in demo_user_rows()).lower()
    assert [word for word in PASSWORD_WORDS if word.lower() in people] == []


def _counts() -> tuple[int, int, int, int]:
    return Institution.objects.count(), Unit.objects.count(), User.objects.count(), RoleAssignment.objects.count()


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_writes_working_accounts(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", quiet=True)
    first = _counts()
    assert first[1] == len(demo_unit_rows())
    assert first[2] == len(demo_user_rows())
    # The demo year is under way: declared units, evaluated, assessments at several stages (real services).
    this_year = Assessment.objects.filter(period__year=timezone.localdate().year)
    statuses = Counter(this_year.values_list("status", flat=True))
    assert statuses == {
        "draft": 4,
        "not_eligible": 1,
        "submitted": 1,
        "in_kanwil_review": 1,
        "in_verification": 1,
        "returned": 1,
        "verified": 1,
        "in_panel": 1,
        "scored": 3,
    }
    assert Evidence.objects.count() > 20
    # Last year's Kanwil declarations and this year's.
    assert Declaration.objects.filter(status=Declaration.Status.COMPLETED).count() >= 3
    call_command("seed_demo", quiet=True)
    assert _counts() == first
    assert Counter(this_year.values_list("status", flat=True)) == statuses

    accounts = json.loads((tmp_path / "demo_accounts.json").read_text(encoding="utf-8"))
    assert {a["role"] for a in accounts} == {r.value for r in Role}
    assert {
        "admin",
        "ditjen",
        "kanwil",
        "operator",
        "kepala",
        "verifikator",
        "penilai",
        "pimpinan",
        "operator.pemda",
    } <= {a["username"] for a in accounts}
    for account in accounts:
        user = User.objects.get(username=account["username"])
        assert user.check_password(account["password"]), account["username"]
        unit_code = account["unit_code"] or None
        assert RoleAssignment.objects.filter(user=user, role=account["role"], unit__code=unit_code).exists()
    operator = next(a for a in accounts if a["username"] == "operator")
    assert Unit.objects.get(code=operator["unit_code"]).name == "Lapas Kelas IIA Ambon"


@pytest.mark.django_db
def test_seed_demo_rerun_keeps_passwords_and_never_sets_an_existing_one(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    path = tmp_path / "demo_accounts.json"
    call_command("seed_demo", quiet=True)
    first = {a["username"]: a["password"] for a in json.loads(path.read_text(encoding="utf-8"))}
    operator = User.objects.get(username="operator")
    operator.set_unusable_password()  # e.g. a real account waiting for its first password
    operator.save(update_fields=["password"])
    kepala = User.objects.get(username="kepala")
    kepala.set_password("Ganti-sendiri-2026")
    kepala.save(update_fields=["password"])

    call_command("seed_demo", quiet=True)

    operator.refresh_from_db()
    kepala.refresh_from_db()
    assert not operator.has_usable_password()  # no takeover of an account the seed did not create now
    assert kepala.check_password("Ganti-sendiri-2026")
    second = {a["username"]: a["password"] for a in json.loads(path.read_text(encoding="utf-8"))}
    assert "operator" not in second and "kepala" not in second
    assert second["admin"] == first["admin"]


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", quiet=True)
    assert not Unit.objects.exists()


def test_demo_accounts_name_known_users() -> None:
    users = {row.values["username"]: row.values for row in demo_user_rows()}
    accounts = demo_accounts({name: "x" for name in users})
    assert [a["username"] for a in accounts[: len(WELL_KNOWN_USERNAMES)]] == list(WELL_KNOWN_USERNAMES)
    for account in accounts:
        assert users[account["username"]]["role"] == account["role"]
        assert users[account["username"]]["unit"] == account["unit_code"]


@pytest.mark.django_db
def test_seed_demo_if_empty_skips_a_populated_database(settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", quiet=True, if_empty=True)
    assert Unit.objects.count() == len(demo_unit_rows())
    Unit.objects.filter(code="LAPAS-81-AMBON").update(name="Renamed")
    call_command("seed_demo", quiet=True, if_empty=True)
    assert Unit.objects.get(code="LAPAS-81-AMBON").name == "Renamed"


@pytest.mark.django_db
def test_seed_demo_opens_the_current_year_with_the_default_instruments(settings, tmp_path) -> None:
    from django.utils import timezone

    from p2ham.periods.models import Period

    settings.VAR_DIR = tmp_path
    call_command("seed_demo", quiet=True)
    period = Period.objects.get(year=timezone.localdate().year)
    assert period.status == Period.Status.OPEN
    assert period.instruments.filter(current=True, frozen=True).count() == 5
    # The self-assessment window is open today, so the demo shows days left.
    window = period.windows.get(stage="penilaian_mandiri")
    assert window.opens_at <= timezone.now() <= window.closes_at
    call_command("seed_demo", quiet=True)  # a second run leaves the periods alone
    assert Period.objects.count() == 2  # last year's, determined, and the open one
