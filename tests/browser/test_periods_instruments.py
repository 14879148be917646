"""End to end: an administrator prepares a period and edits an instrument by keyboard; axe on every page."""

import pytest

from p2ham.instruments.defaults import load_default_instruments
from p2ham.instruments.selectors import instrument_for_unit_type
from p2ham.periods.services import period_create
from tests.browser.conftest import check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rahasia-Kuat-2026"


def log_in(page, username):
    page.goto("/akun/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


@pytest.fixture
def draft_period(admin_user):
    period = period_create(actor=admin_user, year=2027, regulation_label="Permenkumham 25/2023")
    load_default_instruments(actor=admin_user, period=period)
    return period


def test_admin_prepares_a_period_and_reorders_by_keyboard(page, admin_user, draft_period):
    log_in(page, admin_user.username)
    page.goto("/periode/")
    check_accessibility(page, "20-periods")
    page.goto("/periode/2027/")
    assert page.locator("main table tbody tr").count() == 5
    check_accessibility(page, "21-period-detail")
    page.goto("/periode/2027/tahapan/")
    check_accessibility(page, "22-stage-windows")

    instrument = instrument_for_unit_type(period=draft_period, unit_type_code="lapas")
    page.goto(f"/instrumen/{instrument.pk}/")
    check_accessibility(page, "23-instrument-editor")
    first, second = list(instrument.criteria.order_by("order"))[:2]
    # Keyboard only: focus the "down" button of the first criterion and press Enter (htmx swaps the editor).
    page.focus(f"#kriteria-{first.pk}-turun")
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelector('#editor article').id === 'criterion-{second.pk}'")
    # Focus stays on the moved item's control, so the next key press continues the work.
    assert page.evaluate("document.activeElement.id") in {f"kriteria-{first.pk}-naik", f"kriteria-{first.pk}-turun"}
    assert [c.pk for c in instrument.criteria.order_by("order")][:2] == [second.pk, first.pk]

    page.goto(f"/instrumen/{instrument.pk}/pratinjau/")
    check_accessibility(page, "24-instrument-preview")
    page.locator("input[type=radio]").first.check()
    page.click("button[name=hitung]")
    page.wait_for_selector("#score")
    assert page.locator("#score table tbody tr").count() > 10
    check_accessibility(page, "24b-instrument-score-breakdown")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"/instrumen/{instrument.pk}/")
    check_accessibility(page, "25-instrument-editor-phone")
    page.goto(f"/instrumen/{instrument.pk}/indikator/{instrument.indicators.first().pk}/")
    check_accessibility(page, "26-indicator-form-phone")
    assert page.console_errors == []


def test_operator_sees_the_timeline_on_the_home_page(page, operator, admin_user, draft_period):
    from p2ham.periods.models import Period
    from p2ham.periods.services import period_transition

    period_transition(actor=admin_user, period=draft_period, to=Period.Status.OPEN)
    log_in(page, operator.username)
    assert page.locator(".timeline-item").count() == 9
    check_accessibility(page, "27-home-operator-timeline")
