"""API writes that mirror the period and instrument screens."""

import datetime as dt

import pytest

from p2ham.audit.models import AuditEntry
from p2ham.instruments.defaults import load_default_instruments
from p2ham.instruments.models import Instrument
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import DeadlineExtension, Period, Stage
from p2ham.periods.services import period_create, period_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(admin_user):
    return period_create(actor=admin_user, year=2027, regulation_label="Permenkumham 25/2023")


@pytest.fixture
def open_period(period, admin_user):
    load_default_instruments(actor=admin_user, period=period)
    return period_transition(actor=admin_user, period=period, to=Period.Status.OPEN)


def test_admin_sets_a_window_as_wall_clock_time(client_for, admin_user, period):
    response = client_for(admin_user).put(
        "/api/v1/periods/2027/windows/penilaian_mandiri",
        {"opens_at": "2027-07-20T00:00", "closes_at": "2027-10-02T23:59"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    window = period.windows.get(stage=Stage.PENILAIAN_MANDIRI)
    assert window.closes_at == dt.datetime(2027, 10, 2, 23, 59, tzinfo=REFERENCE_TZ)


def test_window_with_an_offset_is_taken_as_that_instant(client_for, admin_user, period):
    client_for(admin_user).put(
        "/api/v1/periods/2027/windows/evaluasi",
        {"opens_at": "2027-07-01T00:00:00+09:00", "closes_at": "2027-07-31T23:59:00+09:00"},
        format="json",
    )
    window = period.windows.get(stage=Stage.EVALUASI)
    assert window.closes_at == dt.datetime(2027, 7, 31, 14, 59, tzinfo=dt.UTC)


def test_window_closing_before_it_opens_is_400_and_unknown_stage_too(client_for, admin_user, period):
    api = client_for(admin_user)
    before = period.windows.get(stage=Stage.EVALUASI).closes_at
    response = api.put(
        "/api/v1/periods/2027/windows/evaluasi",
        {"opens_at": "2027-08-10T00:00", "closes_at": "2027-08-01T00:00"},
        format="json",
    )
    assert response.status_code == 400 and "closes_at" in response.json()["errors"]
    assert period.windows.get(stage=Stage.EVALUASI).closes_at == before
    response = api.put(
        "/api/v1/periods/2027/windows/nope",
        {"opens_at": "2027-08-01T00:00", "closes_at": "2027-08-10T00:00"},
        format="json",
    )
    assert response.status_code == 400 and "stage" in response.json()["errors"]


def test_only_admin_sets_windows(client_for, ditjen, operator, period):
    for user in (ditjen, operator):
        response = client_for(user).put(
            "/api/v1/periods/2027/windows/evaluasi",
            {"opens_at": "2027-08-01T00:00", "closes_at": "2027-08-10T00:00"},
            format="json",
        )
        assert response.status_code == 403


def test_ditjen_extends_a_deadline_in_the_units_own_time(client_for, ditjen, open_period, tree):
    response = client_for(ditjen).post(
        "/api/v1/periods/2027/extensions",
        {
            "unit": "LAPAS-AMBON",
            "stage": "penilaian_mandiri",
            "closes_at": "2027-10-07T23:59",
            "reason": "Jaringan internet terputus",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    extension = DeadlineExtension.objects.get()
    assert extension.closes_at == dt.datetime(2027, 10, 7, 23, 59, tzinfo=tree.lapas_ambon.province.tzinfo)
    assert client_for(ditjen).get("/api/v1/periods/2027/extensions").json()["count"] == 1


def test_extension_refusals(client_for, ditjen, kanwil, open_period, tree):
    response = client_for(kanwil).post(
        "/api/v1/periods/2027/extensions",
        {"unit": "LAPAS-AMBON", "stage": "penilaian_mandiri", "closes_at": "2027-10-07T23:59", "reason": "x"},
        format="json",
    )
    assert response.status_code == 403
    response = client_for(ditjen).post(
        "/api/v1/periods/2027/extensions",
        {"unit": "NOPE", "stage": "penilaian_mandiri", "closes_at": "2027-10-07T23:59", "reason": "x"},
        format="json",
    )
    assert response.status_code == 400 and "unit" in response.json()["errors"]
    response = client_for(ditjen).post(
        "/api/v1/periods/2027/extensions",
        {"unit": "LAPAS-AMBON", "stage": "penilaian_mandiri", "closes_at": "2027-09-01T23:59", "reason": "x"},
        format="json",
    )
    assert response.status_code == 400 and "closes_at" in response.json()["errors"]
    assert not DeadlineExtension.objects.exists()


def test_extensions_list_is_scoped(client_for, ditjen, other_kanwil, open_period, tree):
    client_for(ditjen).post(
        "/api/v1/periods/2027/extensions",
        {"unit": "LAPAS-AMBON", "stage": "penilaian_mandiri", "closes_at": "2027-10-07T23:59", "reason": "x"},
        format="json",
    )
    assert client_for(other_kanwil).get("/api/v1/periods/2027/extensions").json()["count"] == 0


def test_correction_through_the_api(client_for, ditjen, open_period):
    api = client_for(ditjen)
    response = api.post(
        "/api/v1/periods/2027/instruments/pemasyarakatan/versions", {"change_note": "Salah ketik"}, format="json"
    )
    assert response.status_code == 201 and response.json()["version"] == 2
    assert (
        api.post(
            "/api/v1/periods/2027/instruments/pemasyarakatan/versions", {"change_note": "lagi"}, format="json"
        ).status_code
        == 409
    )
    response = api.post("/api/v1/periods/2027/instruments/pemasyarakatan/versions/2/publish")
    assert response.status_code == 200 and response.json()["current"] is True
    assert api.post("/api/v1/periods/2027/instruments/pemasyarakatan/versions/2/publish").status_code == 409
    assert AuditEntry.objects.filter(action="instrument.version.publish", actor=ditjen).exists()


def test_correction_needs_a_reason_and_the_right_role(client_for, ditjen, operator, open_period):
    assert (
        client_for(ditjen)
        .post("/api/v1/periods/2027/instruments/pemasyarakatan/versions", {}, format="json")
        .status_code
        == 400
    )
    assert (
        client_for(operator)
        .post("/api/v1/periods/2027/instruments/pemasyarakatan/versions", {"change_note": "x"}, format="json")
        .status_code
        == 403
    )
    assert Instrument.objects.filter(code="pemasyarakatan").count() == 1


def test_clone_and_defaults_through_the_api(client_for, admin_user, open_period):
    period_create(actor=admin_user, year=2028, regulation_label="Permenkumham 25/2023")
    api = client_for(admin_user)
    response = api.post("/api/v1/periods/2027/instruments/imigrasi/clone", {"year": 2028}, format="json")
    assert response.status_code == 201
    response = api.post("/api/v1/periods/2028/instruments/defaults")
    assert response.status_code == 200
    assert {i["code"] for i in response.json()} == {"bhp", "kanwil_eselon1", "pemasyarakatan", "pemda"}
    assert api.post("/api/v1/periods/2027/instruments/defaults").status_code == 409  # open period
    assert (
        api.post("/api/v1/periods/2027/instruments/imigrasi/clone", {"year": 2027}, format="json").status_code == 409
    )  # into an open period


def test_clone_and_defaults_are_refused_to_units(client_for, operator, kanwil, open_period):
    for user in (operator, kanwil):
        api = client_for(user)
        assert api.post("/api/v1/periods/2027/instruments/defaults").status_code == 403
        assert (
            api.post("/api/v1/periods/2027/instruments/imigrasi/clone", {"year": 2028}, format="json").status_code
            == 403
        )
