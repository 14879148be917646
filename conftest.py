"""Shared fixtures: a small national tree and the actors every permission test needs.

Tree:  KEMENHAM (31) ─ DITJEN-HAM
                     ├ KANWIL-81 (Maluku) ─ LAPAS-AMBON, RUTAN-AMBON (sibling)
                     └ KANWIL-12 (Sumatera Utara) ─ LAPAS-MEDAN
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache

from p2ham.accounts.models import Role, User
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.organizations.models import Province, Unit, UnitType
from p2ham.organizations.reference import load_reference_data
from p2ham.organizations.tests.factories import InstitutionFactory, UnitFactory

PASSWORD = "Rahasia-Kuat-2026"

# Fixtures of the apps whose objects other apps' tests (the API's) also need.
pytest_plugins = [
    "p2ham.assessments.tests.fixtures",
    "p2ham.reviews.tests.fixtures",
    "p2ham.results.tests.fixtures",
]


@dataclass
class Tree:
    root: Unit
    ditjen: Unit
    kanwil_maluku: Unit
    lapas_ambon: Unit
    rutan_ambon: Unit
    kanwil_sumut: Unit
    lapas_medan: Unit


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()  # throttling and lockout state must not leak between tests


@pytest.fixture
def tree(db: None) -> Tree:
    # Normally present from the data migration; transactional (browser) tests flush it between tests.
    load_reference_data(Province, UnitType)
    kemenham = InstitutionFactory(code="KEMENHAM", name="Kementerian Hak Asasi Manusia")
    imipas = InstitutionFactory(code="KEMENIMIPAS", name="Kementerian Imigrasi dan Pemasyarakatan")
    types = {t.code: t for t in UnitType.objects.all()}
    prov = {p.code: p for p in Province.objects.all()}
    root = UnitFactory(
        code="KEMENHAM",
        name="Kementerian HAM",
        unit_type=types["kementerian"],
        institution=kemenham,
        province=prov["31"],
    )
    ditjen = UnitFactory(
        code="DITJEN-HAM",
        name="Direktorat Jenderal HAM",
        unit_type=types["eselon1"],
        institution=kemenham,
        province=prov["31"],
        parent=root,
    )
    kanwil_maluku = UnitFactory(
        code="KANWIL-81",
        name="Kanwil Maluku",
        unit_type=types["kanwil"],
        institution=kemenham,
        province=prov["81"],
        parent=root,
    )
    kanwil_sumut = UnitFactory(
        code="KANWIL-12",
        name="Kanwil Sumatera Utara",
        unit_type=types["kanwil"],
        institution=kemenham,
        province=prov["12"],
        parent=root,
    )
    lapas_ambon = UnitFactory(
        code="LAPAS-AMBON",
        name="Lapas Kelas IIA Ambon",
        unit_type=types["lapas"],
        institution=imipas,
        province=prov["81"],
        parent=kanwil_maluku,
    )
    rutan_ambon = UnitFactory(
        code="RUTAN-AMBON",
        name="Rutan Kelas IIA Ambon",
        unit_type=types["rutan"],
        institution=imipas,
        province=prov["81"],
        parent=kanwil_maluku,
    )
    lapas_medan = UnitFactory(
        code="LAPAS-MEDAN",
        name="Lapas Kelas I Medan",
        unit_type=types["lapas"],
        institution=imipas,
        province=prov["12"],
        parent=kanwil_sumut,
    )
    return Tree(root, ditjen, kanwil_maluku, lapas_ambon, rutan_ambon, kanwil_sumut, lapas_medan)


def _actor(username: str, role: Role | None, unit: Unit | None) -> User:
    user = UserFactory(username=username, full_name=username.replace("_", " ").title())
    if role is not None:
        RoleAssignmentFactory(user=user, role=role, unit=unit)
    return user


@pytest.fixture
def operator(tree: Tree) -> User:
    """Operator of Lapas Ambon."""
    return _actor("operator_ambon", Role.OPERATOR, tree.lapas_ambon)


@pytest.fixture
def sibling_operator(tree: Tree) -> User:
    """Operator of Rutan Ambon, a sibling unit under the same Kanwil."""
    return _actor("operator_rutan", Role.OPERATOR, tree.rutan_ambon)


@pytest.fixture
def kepala(tree: Tree) -> User:
    return _actor("kepala_ambon", Role.KEPALA_UNIT, tree.lapas_ambon)


@pytest.fixture
def kanwil(tree: Tree) -> User:
    """Kanwil Maluku: sees Lapas and Rutan Ambon."""
    return _actor("kanwil_maluku", Role.KANWIL, tree.kanwil_maluku)


@pytest.fixture
def other_kanwil(tree: Tree) -> User:
    """Kanwil of another province (Sumatera Utara)."""
    return _actor("kanwil_sumut", Role.KANWIL, tree.kanwil_sumut)


@pytest.fixture
def verifier(tree: Tree) -> User:
    return _actor("verifikator", Role.VERIFIKATOR, None)


@pytest.fixture
def ditjen(tree: Tree) -> User:
    return _actor("ditjen", Role.DITJEN, None)


@pytest.fixture
def admin_user(tree: Tree) -> User:
    return _actor("admin", Role.ADMIN, None)


@pytest.fixture
def outsider(tree: Tree) -> User:
    """An account with no role at all."""
    return _actor("outsider", None, None)
