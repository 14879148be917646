"""The admin site is the administrators' screen for reference data; it follows the policy module."""

import pytest
from django.urls import reverse

from p2ham.audit.models import AuditEntry
from p2ham.organizations.models import Unit

pytestmark = pytest.mark.django_db


def test_admin_role_reaches_the_admin_without_is_staff(client, admin_user):
    assert not admin_user.is_staff
    client.force_login(admin_user)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:organizations_unit_changelist")).status_code == 200


@pytest.mark.parametrize("actor", ["ditjen", "kanwil", "operator", "outsider"])
def test_other_roles_are_refused(request, client, actor):
    client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse("admin:organizations_unit_changelist"), follow=True)
    assert response.status_code == 403
    assert client.get(reverse("admin:index"), follow=True).status_code == 403


def test_anonymous_admin_goes_to_the_platform_login(client, db):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert "next=/django-admin/" in response.redirect_chain[-1][0]


def test_editing_a_unit_in_the_admin_moves_it_through_the_service(client, admin_user, tree):
    client.force_login(admin_user)
    url = reverse("admin:organizations_unit_change", args=[tree.lapas_ambon.pk])
    response = client.post(
        url,
        {
            "code": "LAPAS-AMBON",
            "name": "Lapas Kelas IIA Ambon",
            "unit_type": tree.lapas_ambon.unit_type_id,
            "institution": tree.lapas_ambon.institution_id,
            "parent": tree.kanwil_sumut.pk,
            "province": tree.lapas_ambon.province_id,
            "address": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    moved = Unit.objects.get(code="LAPAS-AMBON")
    assert moved.path.startswith(tree.kanwil_sumut.path)
    entry = AuditEntry.objects.filter(action="unit.update", actor=admin_user).latest("id")
    assert entry.data["parent"] == ["KANWIL-81", "KANWIL-12"]


def test_adding_a_unit_in_the_admin_sets_its_path(client, admin_user, tree):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:organizations_unit_add"),
        {
            "code": "RUTAN-TUAL",
            "name": "Rutan Kelas IIB Tual",
            "unit_type": tree.rutan_ambon.unit_type_id,
            "institution": tree.rutan_ambon.institution_id,
            "parent": tree.kanwil_maluku.pk,
            "province": tree.rutan_ambon.province_id,
            "address": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(code="RUTAN-TUAL")
    assert unit.path == f"{tree.kanwil_maluku.path}{unit.pk}/"
    assert AuditEntry.objects.filter(action="unit.create", actor=admin_user, target_id=str(unit.pk)).exists()


def test_units_cannot_be_deleted_in_the_admin(client, admin_user, tree):
    client.force_login(admin_user)
    response = client.post(reverse("admin:organizations_unit_delete", args=[tree.rutan_ambon.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Unit.objects.filter(code="RUTAN-AMBON").exists()


def test_moving_a_unit_under_its_own_sub_unit_is_refused_with_a_message(client, admin_user, tree):
    client.force_login(admin_user)
    url = reverse("admin:organizations_unit_change", args=[tree.kanwil_maluku.pk])
    response = client.post(
        url,
        {
            "code": "KANWIL-81",
            "name": "Kanwil Maluku",
            "unit_type": tree.kanwil_maluku.unit_type_id,
            "institution": tree.kanwil_maluku.institution_id,
            "parent": tree.lapas_ambon.pk,
            "province": tree.kanwil_maluku.province_id,
            "address": "",
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"]
    tree.kanwil_maluku.refresh_from_db()
    assert tree.kanwil_maluku.parent_id == tree.root.pk


def test_renaming_a_unit_code_is_audited(tree, admin_user):
    from p2ham.organizations.services import unit_save

    unit_save(actor=admin_user, code="LAPAS-AMBON-2", unit=tree.lapas_ambon)
    entry = AuditEntry.objects.filter(action="unit.update", actor=admin_user).latest("id")
    assert entry.data["code"] == ["LAPAS-AMBON", "LAPAS-AMBON-2"]
