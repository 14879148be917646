import csv
import io

import pytest
from django.urls import reverse

from p2ham.audit.models import AuditEntry
from p2ham.audit.services import audit_log

pytestmark = pytest.mark.django_db


def test_audit_log_records_actor_target_unit_and_ip(rf, tree, admin_user):
    entry = audit_log(actor=admin_user, action="unit.update", target=tree.lapas_ambon, data={"x": 1}, ip="10.1.2.3")
    assert entry.actor_name == admin_user.full_name
    assert entry.unit == tree.lapas_ambon
    assert entry.target_type == "organizations.unit"
    assert entry.ip == "10.1.2.3"


def test_request_ip_is_recorded_by_services(client, operator):
    client.post(reverse("accounts:login"), {"username": operator.username, "password": "Rahasia-Kuat-2026"})
    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "Rahasia-Kuat-2026",
            "new_password1": "Kata-Sandi-Baru-99",
            "new_password2": "Kata-Sandi-Baru-99",
        },
        REMOTE_ADDR="10.9.8.7",
    )
    entry = AuditEntry.objects.get(action="user.password_change")
    assert entry.ip == "10.9.8.7"


def test_viewer_is_refused_to_operators_and_kanwil(client, operator, kanwil):
    for user in (operator, kanwil):
        client.force_login(user)
        assert client.get(reverse("audit:list")).status_code == 403
        assert client.get(reverse("audit:export")).status_code == 403


def test_viewer_filters_by_actor_unit_and_action(client, admin_user, ditjen, tree):
    audit_log(actor=ditjen, action="unit.update", target=tree.lapas_ambon)
    audit_log(actor=admin_user, action="user.import")
    client.force_login(admin_user)
    url = reverse("audit:list")
    by_actor = client.get(url, {"actor": "ditjen"}).context["page"].object_list
    assert {e.action for e in by_actor} == {"unit.update"}
    by_unit = client.get(url, {"unit": "LAPAS-AMBON"}).context["page"].object_list
    assert all(e.unit_id == tree.lapas_ambon.pk for e in by_unit) and by_unit
    by_action = client.get(url, {"action": "user."}).context["page"].object_list
    assert {e.action for e in by_action} == {"user.import"}


def test_csv_export_neutralises_formulas(client, admin_user, tree):
    audit_log(actor=admin_user, action="unit.update", target=tree.lapas_ambon, data={"name": "=HYPERLINK(1)"})
    tree.lapas_ambon.name = "=cmd|' /C calc'!A0"
    audit_log(actor=admin_user, action="unit.rename", target=tree.lapas_ambon)
    client.force_login(admin_user)
    response = client.get(reverse("audit:export"), {"action": "unit.rename"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["time", "actor", "action"]
    assert len(rows) == 2
    assert rows[1][5].startswith("'=")


def test_ditjen_sees_all_entries(client, ditjen, admin_user, tree):
    audit_log(actor=admin_user, action="unit.update", target=tree.lapas_medan)
    client.force_login(ditjen)
    response = client.get(reverse("audit:list"), {"unit": "LAPAS-MEDAN"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) >= 1
