import pytest
from django.core.exceptions import ValidationError

from p2ham.audit.models import AuditEntry
from p2ham.organizations.models import Unit
from p2ham.organizations.services import unit_save
from p2ham.organizations.tests.factories import UnitFactory

pytestmark = pytest.mark.django_db


def test_paths_follow_the_tree(tree):
    assert tree.root.path == f"/{tree.root.pk}/"
    assert tree.lapas_ambon.path == f"/{tree.root.pk}/{tree.kanwil_maluku.pk}/{tree.lapas_ambon.pk}/"
    assert tree.lapas_ambon.depth == 2


def test_moving_a_unit_moves_its_subtree(tree):
    child = UnitFactory(code="POS-AMBON", parent=tree.lapas_ambon)
    unit_save(actor=None, code="LAPAS-AMBON", unit=tree.lapas_ambon, parent=tree.kanwil_sumut)
    child.refresh_from_db()
    moved = Unit.objects.get(code="LAPAS-AMBON")
    assert moved.path == f"/{tree.root.pk}/{tree.kanwil_sumut.pk}/{moved.pk}/"
    assert child.path == f"{moved.path}{child.pk}/"
    assert child.depth == 3


def test_a_unit_cannot_move_under_its_own_subtree(tree):
    with pytest.raises(ValidationError):
        unit_save(actor=None, code="KANWIL-81", unit=tree.kanwil_maluku, parent=tree.lapas_ambon)
    tree.kanwil_maluku.refresh_from_db()
    assert tree.kanwil_maluku.parent_id == tree.root.pk


def test_unit_save_audits_creation_and_changes_only(tree, admin_user):
    unit_save(actor=admin_user, code="LAPAS-AMBON", unit=tree.lapas_ambon, name="Lapas Kelas IIA Ambon Baru")
    entry = AuditEntry.objects.filter(action="unit.update").latest("id")
    assert entry.actor == admin_user
    assert entry.unit == tree.lapas_ambon
    assert entry.data["name"] == ["Lapas Kelas IIA Ambon", "Lapas Kelas IIA Ambon Baru"]
    before = AuditEntry.objects.count()
    unit_save(actor=admin_user, code="LAPAS-AMBON", unit=Unit.objects.get(code="LAPAS-AMBON"))
    assert AuditEntry.objects.count() == before


def test_unit_save_rejects_a_bad_code(tree):
    with pytest.raises(ValidationError):
        unit_save(
            actor=None,
            code="bad code/with slash",
            name="X",
            unit_type=tree.lapas_ambon.unit_type,
            institution=tree.lapas_ambon.institution,
            province=tree.lapas_ambon.province,
        )
    assert not Unit.objects.filter(name="X").exists()
