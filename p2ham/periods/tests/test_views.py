import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from p2ham.instruments.defaults import load_default_instruments
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import DeadlineExtension, Period, Stage
from p2ham.periods.services import period_create, period_transition, stage_window_set

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(admin_user):
    return period_create(actor=admin_user, year=2027, regulation_label="Permenkumham 25/2023")


@pytest.fixture
def open_period(period, admin_user):
    load_default_instruments(actor=admin_user, period=period)
    return period_transition(actor=admin_user, period=period, to=Period.Status.OPEN)


@pytest.mark.parametrize("actor", ["operator", "kanwil", "ditjen", "verifier", "admin_user"])
def test_every_role_sees_the_periods(request, client, period, actor):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("periods:list")).status_code == 200
    response = client.get(reverse("periods:detail", args=[2027]))
    assert response.status_code == 200
    assert len(response.context["timeline"]) == 9


def test_periods_need_login_and_an_account_with_a_role(client, outsider, period):
    assert client.get(reverse("periods:list")).status_code == 302
    client.force_login(outsider)
    assert client.get(reverse("periods:list")).status_code == 403


@pytest.mark.parametrize("actor", ["ditjen", "kanwil", "operator"])
def test_only_admin_creates_and_moves_periods(request, client, period, actor):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("periods:create")).status_code == 403
    assert client.post(reverse("periods:create"), {"year": 2030, "regulation_label": "x"}).status_code == 403
    assert client.post(reverse("periods:windows", args=[2027]), {}).status_code == 403
    assert client.post(reverse("periods:transition", args=[2027, "open"])).status_code == 403
    assert not Period.objects.filter(year=2030).exists()


def test_admin_creates_a_period(client, admin_user):
    client.force_login(admin_user)
    response = client.post(reverse("periods:create"), {"year": 2031, "regulation_label": "Permenkumham 25/2023"})
    assert response.status_code == 302
    assert Period.objects.get(year=2031).windows.count() == 9


def test_bad_year_keeps_what_was_typed(client, admin_user, period):
    client.force_login(admin_user)
    response = client.post(reverse("periods:create"), {"year": 2027, "regulation_label": "Aturan baru"})
    assert response.status_code == 400
    assert "Aturan baru" in response.content.decode()
    assert response.context["form"].errors["year"]
    response = client.post(reverse("periods:create"), {"year": 1990, "regulation_label": "x"})
    assert response.status_code == 400


def window_post(period, **changes):
    data = {}
    for window in period.windows.all():
        data[f"{window.stage}_opens"] = window.opens_at.astimezone(REFERENCE_TZ).strftime("%Y-%m-%dT%H:%M")
        data[f"{window.stage}_closes"] = window.closes_at.astimezone(REFERENCE_TZ).strftime("%Y-%m-%dT%H:%M")
    data.update(changes)
    return data


def test_admin_edits_windows_as_wib_wall_clock(client, admin_user, period):
    client.force_login(admin_user)
    response = client.post(
        reverse("periods:windows", args=[2027]), window_post(period, penilaian_mandiri_closes="2027-10-05T23:59")
    )
    assert response.status_code == 302
    closes = period.windows.get(stage=Stage.PENILAIAN_MANDIRI).closes_at
    assert closes == dt.datetime(2027, 10, 5, 23, 59, tzinfo=REFERENCE_TZ)


def test_window_closing_before_opening_is_refused_with_the_form_kept(client, admin_user, period):
    client.force_login(admin_user)
    before = list(period.windows.values_list("stage", "opens_at", "closes_at"))
    response = client.post(
        reverse("periods:windows", args=[2027]),
        window_post(period, evaluasi_opens="2027-08-10T00:00", evaluasi_closes="2027-08-01T23:59"),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["evaluasi_closes"]
    assert 'value="2027-08-10T00:00"' in response.content.decode()
    assert list(period.windows.values_list("stage", "opens_at", "closes_at")) == before


def test_opening_asks_for_confirmation_then_explains_a_refusal(client, admin_user, period):
    client.force_login(admin_user)
    url = reverse("periods:transition", args=[2027, "open"])
    assert client.get(url).status_code == 200
    response = client.post(url)
    assert response.status_code == 409
    assert response.context["error"]
    period.refresh_from_db()
    assert period.status == Period.Status.DRAFT
    load_default_instruments(actor=admin_user, period=period)
    assert client.post(url).status_code == 302
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN


def test_extension_screen_is_for_ditjen(client, ditjen, kanwil, operator, open_period, tree):
    for user in (kanwil, operator):
        client.force_login(user)
        assert client.get(reverse("periods:extension", args=[2027])).status_code == 403
    client.force_login(ditjen)
    response = client.post(
        reverse("periods:extension", args=[2027]),
        {
            "unit": "LAPAS-AMBON",
            "stage": "penilaian_mandiri",
            "closes_at": "2027-10-07T23:59",
            "reason": "Banjir di Ambon",
        },
    )
    assert response.status_code == 302
    extension = DeadlineExtension.objects.get()
    # Typed as the unit's own local time (WIT).
    assert extension.closes_at == dt.datetime(2027, 10, 7, 23, 59, tzinfo=tree.lapas_ambon.province.tzinfo)


def test_extension_with_unknown_unit_or_earlier_date_is_refused(client, ditjen, open_period, tree):
    client.force_login(ditjen)
    url = reverse("periods:extension", args=[2027])
    response = client.post(
        url, {"unit": "NOPE", "stage": "penilaian_mandiri", "closes_at": "2027-10-07T23:59", "reason": "x"}
    )
    assert response.status_code == 400 and response.context["form"].errors["unit"]
    response = client.post(
        url, {"unit": "LAPAS-AMBON", "stage": "penilaian_mandiri", "closes_at": "2027-09-01T23:59", "reason": "x"}
    )
    assert response.status_code == 400 and response.context["form"].errors["closes_at"]
    assert not DeadlineExtension.objects.exists()


def test_home_timeline_shows_days_left_in_the_units_zone(client, operator, admin_user, open_period):
    stage_window_set(
        actor=admin_user,
        period=open_period,
        stage=Stage.PENILAIAN_MANDIRI,
        opens_at=dt.datetime(2027, 7, 15, tzinfo=REFERENCE_TZ),
        closes_at=dt.datetime(2027, 9, 30, 23, 59, tzinfo=REFERENCE_TZ),
    )
    # 29 Sep 23.30 WIB is already 30 Sep 01.30 in Ambon (WIT): the last day there.
    with time_machine.travel(dt.datetime(2027, 9, 29, 23, 30, tzinfo=REFERENCE_TZ), tick=False):
        client.force_login(operator)
        response = client.get(reverse("core:home"))
    state = next(w for w in response.context["timeline"] if w.stage == "penilaian_mandiri")
    assert state.status == "open" and state.days_left == 0
    assert "WIT" in response.content.decode()


@pytest.mark.parametrize("actor", ["kanwil", "operator", "verifier"])
def test_extension_post_is_refused_to_other_roles(request, client, open_period, actor):
    client.force_login(request.getfixturevalue(actor))
    response = client.post(
        reverse("periods:extension", args=[2027]),
        {
            "unit": "LAPAS-AMBON",
            "stage": "penilaian_mandiri",
            "closes_at": "2027-10-07T23:59",
            "reason": "x",
        },
    )
    assert response.status_code == 403
    assert not DeadlineExtension.objects.exists()
