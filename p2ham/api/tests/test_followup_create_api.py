"""Adding a follow-up action by hand (Ditjen HAM or the unit's Kanwil): ``POST /periods/{year}/follow-ups``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from p2ham.api.tests.helpers import assert_error
from p2ham.audit.models import AuditEntry
from p2ham.results.models import FollowUpAction

pytestmark = pytest.mark.django_db


def body(**extra):
    return {
        "unit": "LAPAS-AMBON",
        "indicator_code": "K1.01",
        "finding": "Uji petik: jalur kursi roda terhalang pot bunga",
        "action_text": "Bebaskan jalur dan laporkan dengan foto",
        "due_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        **extra,
    }


def test_kanwil_adds_a_confirmed_follow_up(client_for, kanwil, operator, determined):
    url = f"/api/v1/periods/{determined.period.year}/follow-ups"
    response = client_for(kanwil).post(url, body(), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "confirmed" and data["indicator"] == "K1.01"
    action = FollowUpAction.objects.get(indicator_code="K1.01")
    assert action.confirmed_by == kanwil and action.action.startswith("Bebaskan")
    assert AuditEntry.objects.filter(action="followup.create", target_id=str(action.pk)).exists()
    # The unit sees it in its own list.
    listed = client_for(operator).get(url).json()
    assert {row["indicator"] for row in listed["results"]} == {"K1.01", "K3.07"}


def test_bad_input_is_refused_and_nothing_saved(client_for, ditjen, determined):
    url = f"/api/v1/periods/{determined.period.year}/follow-ups"
    api = client_for(ditjen)
    before = FollowUpAction.objects.count()
    errors = assert_error(
        api.post(url, body(indicator_code="K9.99", due_date=timezone.localdate().isoformat()), format="json"), 400
    )["errors"]
    assert set(errors) == {"indicator_code", "due_date"}
    # An indicator that already has an action (K3.07 was proposed at determination).
    assert "indicator_code" in assert_error(api.post(url, body(indicator_code="K3.07"), format="json"), 400)["errors"]
    assert "finding" in assert_error(api.post(url, body(finding=""), format="json"), 400)["errors"]
    assert FollowUpAction.objects.count() == before


def test_refusals(client_for, operator, other_kanwil, verifier, ditjen, determined):
    url = f"/api/v1/periods/{determined.period.year}/follow-ups"
    before = FollowUpAction.objects.count()
    assert_error(client_for(operator).post(url, body(), format="json"), 403)
    assert_error(client_for(verifier).post(url, body(), format="json"), 403)
    # Another province's Kanwil does not see the unit: it is unknown to them.
    assert "unit" in assert_error(client_for(other_kanwil).post(url, body(), format="json"), 400)["errors"]
    assert_error(client_for(ditjen).post("/api/v1/periods/1999/follow-ups", body(), format="json"), 404)
    assert FollowUpAction.objects.count() == before
