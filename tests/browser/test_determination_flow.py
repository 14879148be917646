"""End to end: Ditjen HAM determines the year, the unit reads its result, the Kanwil and the unit carry a
follow-up action through (stages 8–9).

Ditjen reviews the draft ranking, tries to determine without confirming (refused, what was typed is kept),
then confirms: the ranking is frozen, a certificate is listed. The unit's operator opens the result page and
the follow-up proposed for the indicator it did not fully meet; its Kanwil confirms the action with a due
date; the operator reports with a file; the Kanwil closes it. Every page is checked by axe-core, the ranking
and the follow-up list also on a phone-sized screen. Elements are found by id, name or URL.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from p2ham.assessments.models import Assessment
from p2ham.results.models import Certificate, FollowUpAction, Result
from tests.browser.conftest import check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rahasia-Kuat-2026"
PHONE = {"width": 390, "height": 844}


def log_in(page, username):
    page.context.clear_cookies()
    page.goto("/akun/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


def fits_a_phone(page, url, name):
    phone = page.context.new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(url)
    check_accessibility(phone, name)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{url} is {width}px wide on a phone"
    phone.close()


def test_determination_result_and_follow_up(page, scored, ditjen, operator, kanwil, tmp_path):
    year = scored.period.year
    unit = scored.unit

    # Ditjen HAM: the draft ranking, then the decree.
    log_in(page, ditjen.username)
    page.goto(f"/hasil/{year}/")
    assert page.locator("main").get_by_text(unit.name).count() >= 1
    check_accessibility(page, "det-01-draft-ranking")
    page.goto(f"/hasil/{year}/penetapan/")
    page.fill("#id_decree_number", "M.HA-12.HA.01.01 TAHUN 2026")
    page.fill("#id_decree_date", timezone.localdate().isoformat())
    page.fill("#id_signatory_name", "Natalius Pigai")
    page.fill("#id_signatory_title", "Menteri Hak Asasi Manusia")
    page.click("main form button[type=submit]")
    # Without the confirmation nothing is determined and the form keeps what was typed.
    assert page.input_value("#id_decree_number") == "M.HA-12.HA.01.01 TAHUN 2026"
    assert not Result.objects.exists()
    check_accessibility(page, "det-02-determination-refused")
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    page.console_errors.clear()  # the refused form answers 400 on purpose
    page.check("#id_confirm")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/hasil/{year}/")
    scored.refresh_from_db()
    assert scored.status == Assessment.Status.DETERMINED
    assert Result.objects.get(assessment=scored).rank == 1
    check_accessibility(page, "det-03-determined-ranking")
    fits_a_phone(page, f"/hasil/{year}/", "det-04-ranking-phone")
    page.goto(f"/hasil/{year}/piagam/")
    code = Certificate.objects.get(result__assessment=scored).code
    assert page.get_by_text(code).count() >= 1
    check_accessibility(page, "det-05-certificates")

    # The unit reads its result and its follow-up.
    log_in(page, operator.username)
    page.goto(f"/hasil/{year}/{unit.code}/")
    check_accessibility(page, "det-06-unit-result")
    action = FollowUpAction.objects.get(result__assessment=scored)
    page.goto("/tindak-lanjut/")
    assert page.locator(f"a[href='/tindak-lanjut/{action.pk}/']").count() >= 1
    check_accessibility(page, "det-07-follow-ups-unit")
    fits_a_phone(page, "/tindak-lanjut/", "det-08-follow-ups-phone")

    # The Kanwil confirms it with a due date.
    log_in(page, kanwil.username)
    page.goto(f"/tindak-lanjut/{action.pk}/")
    check_accessibility(page, "det-09-follow-up-proposed")
    page.fill("#confirm textarea", "Pasang jalan landai dengan pegangan tangan")
    due = timezone.localdate() + dt.timedelta(days=60)
    page.fill("#confirm input[name=due_date]", due.isoformat())
    page.click("#confirm button[type=submit]")
    page.wait_for_load_state()
    action.refresh_from_db()
    assert action.status == FollowUpAction.Status.CONFIRMED and action.due_date == due

    # The unit reports with a file.
    log_in(page, operator.username)
    page.goto(f"/tindak-lanjut/{action.pk}/")
    proof = Path(tmp_path) / "bukti.pdf"
    proof.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.fill("textarea[name=report]", "Jalan landai sudah dipasang")
    page.set_input_files("#report input[type=file]", str(proof))
    page.click("#report button[type=submit]")
    page.wait_for_load_state()
    action.refresh_from_db()
    assert action.status == FollowUpAction.Status.REPORTED
    check_accessibility(page, "det-10-follow-up-reported")

    # The Kanwil closes it.
    log_in(page, kanwil.username)
    page.goto(f"/tindak-lanjut/{action.pk}/")
    page.click("button[name=decision][value=close]")
    page.wait_for_load_state()
    action.refresh_from_db()
    assert action.status == FollowUpAction.Status.CLOSED
    check_accessibility(page, "det-11-follow-up-closed")
    assert not page.console_errors
