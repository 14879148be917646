"""Managing people and their roles in the admin screens."""

import pytest
from django.urls import reverse

from p2ham.accounts.models import RoleAssignment
from p2ham.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def user_form(user, role, unit_pk):
    return {
        "username": user.username,
        "full_name": user.full_name,
        "nip": user.nip or "",
        "email": user.email,
        "phone": "",
        "is_active": "on",
        "role_assignments-TOTAL_FORMS": "1",
        "role_assignments-INITIAL_FORMS": "0",
        "role_assignments-MIN_NUM_FORMS": "0",
        "role_assignments-MAX_NUM_FORMS": "1000",
        "role_assignments-0-role": role,
        "role_assignments-0-unit": unit_pk or "",
    }


def test_granting_a_role_in_the_admin_is_audited_with_its_unit(client, admin_user, outsider, tree):
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[outsider.pk])
    response = client.post(url, user_form(outsider, "operator", tree.lapas_ambon.pk))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert RoleAssignment.objects.filter(user=outsider, role="operator", unit=tree.lapas_ambon).exists()
    entry = AuditEntry.objects.get(action="role.grant", actor=admin_user)
    assert entry.unit == tree.lapas_ambon


def test_admin_role_for_a_unit_is_refused_with_a_message(client, admin_user, outsider, tree):
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[outsider.pk])
    response = client.post(url, user_form(outsider, "admin", tree.kanwil_maluku.pk))
    assert response.status_code == 200
    assert "nationwide" in response.content.decode() or "nasional" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=outsider).exists()


def test_operator_without_unit_is_refused_with_a_message(client, admin_user, outsider):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_user_change", args=[outsider.pk]), user_form(outsider, "operator", None)
    )
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user=outsider).exists()


def test_user_admin_is_refused_to_other_roles(client, ditjen, kanwil, outsider):
    for user in (ditjen, kanwil):
        client.force_login(user)
        response = client.get(reverse("admin:accounts_user_change", args=[outsider.pk]), follow=True)
        assert response.status_code == 403
