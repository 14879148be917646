"""End to end: the dashboard and the exports in the browser, axe-core on each page.

Ditjen HAM opens the dashboard of a determined year: the charts are drawn (Chart.js, from the data the page
carries) next to their tables; the year-over-year table is searched and sorted in place (htmx) and the address
follows. On a phone-sized screen nothing is wider than the screen. Then an Excel export is started, its
progress shown while it runs (the list refreshes by itself every two seconds) and the file downloaded and opened.
The Kanwil sees its own province only, on the dashboard and in its export.

The interface text is being translated while this is written: everything is found by id, name, role or URL.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from p2ham.assessments.models import Assessment
from p2ham.periods.models import Period
from p2ham.reports.models import ExportJob
from p2ham.reports.tests.factories import assessment_in, decree, scored, scored_plain
from tests.browser.conftest import ARTIFACTS, check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rahasia-Kuat-2026"
SHOTS = Path("/tmp/dashboard-shots")  # noqa: S108  (screenshots for people to look at, not test data)
PHONE = {"width": 390, "height": 844}
S = Assessment.Status


def log_in(page, username):
    page.context.clear_cookies()
    page.goto("/akun/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


def look(page, name):
    """axe-core on the page; its screenshot is also kept for people to look at."""
    artifact = f"dashboards-{name}"
    try:
        check_accessibility(page, artifact)
    finally:
        SHOTS.mkdir(parents=True, exist_ok=True)
        if (ARTIFACTS / f"{artifact}.png").exists():
            shutil.copyfile(ARTIFACTS / f"{artifact}.png", SHOTS / f"{name}.png")


def no_horizontal_overflow(page):
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the page is {width}px wide on a {inner}px screen"


@pytest.fixture
def year(sa_period, declared, tree, ditjen) -> Period:
    """A determined year with last year to compare with: Lapas Ambon 85 (70 last year), Lapas Medan 91 (95),
    Rutan Ambon scored after the decree (62.5), Kanwil Maluku in verification."""
    determination = decree(sa_period, ditjen)
    scored(sa_period, tree.lapas_ambon, ditjen, total="85.00", low={"K1.02": "50.00"}, determination=determination)
    scored(sa_period, tree.lapas_medan, ditjen, total="91.00", determination=determination, rank=2)
    scored(sa_period, tree.rutan_ambon, ditjen, total="62.50", low={"K1.01": "0.00"})
    assessment_in(sa_period, tree.kanwil_maluku, S.IN_VERIFICATION)
    previous = Period.objects.create(year=sa_period.year - 1, regulation_label="Permenkumham 2/2022", status="closed")
    scored_plain(previous, tree.lapas_ambon, ditjen, "70.00")
    scored_plain(previous, tree.lapas_medan, ditjen, "95.00")
    return sa_period


def test_dashboard_and_export(page, year, ditjen, kanwil):
    dashboard = f"/laporan/{year.year}/"
    log_in(page, ditjen.username)
    page.goto("/laporan/")
    page.wait_for_url(f"**{dashboard}")
    # The charts are drawn by Chart.js from the page's own data; the tables carry the same numbers.
    page.wait_for_selector("figure.p2ham-chart-ready canvas[role=img]")
    assert page.locator("figure.p2ham-chart-ready").count() == 3
    assert page.locator("#funnel-title").is_visible()
    look(page, "dashboard-ditjen")

    # Year over year: search and sort without reloading the page; the address follows.
    marker = page.evaluate("() => (window.__stay = Math.random())")
    page.fill("#yoy-q", "medan")
    with page.expect_response(lambda r: "q=medan" in r.url):
        page.press("#yoy-q", "Enter")
    page.wait_for_function("() => document.querySelectorAll('#yoy tbody tr').length === 1")
    assert "Lapas Kelas I Medan" in page.locator("#yoy tbody").inner_text()
    assert "q=medan" in page.url
    assert page.evaluate("() => window.__stay") == marker  # swapped in place, not a new page
    page.fill("#yoy-q", "")
    with page.expect_response(lambda r: "/laporan/" in r.url and "q=" in r.url):
        page.press("#yoy-q", "Enter")
    page.wait_for_function("() => document.querySelectorAll('#yoy tbody tr').length === 3")
    with page.expect_response(lambda r: "sort=-change" in r.url):
        page.click("#yoy thead th:nth-child(5) a")
    page.wait_for_function("() => document.querySelector('#yoy tbody tr th').textContent.includes('Ambon')")
    assert page.evaluate("() => window.__stay") == marker

    # A phone: nothing wider than the screen, and still accessible.
    phone = page.context.new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(dashboard)
    phone.wait_for_selector("figure.p2ham-chart-ready")
    no_horizontal_overflow(phone)
    look(phone, "dashboard-phone")
    phone.close()

    # The export: started, then listed with its progress and, once ready, its file.
    page.click(f"a[href='/laporan/{year.year}/ekspor/']")
    page.wait_for_url("**/ekspor/")
    look(page, "exports-empty")
    page.check("#format-xlsx")
    page.select_option("#e-province", "81")
    with page.expect_navigation():
        page.click("main form[method=post] button[type=submit]")
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE and job.rows_total == 3  # the immediate backend of the tests
    link = page.locator(f"a[href='/laporan/ekspor/{job.pk}/unduh/']")
    assert link.is_visible()
    look(page, "exports-done")
    with page.expect_download() as info:
        link.click()
    data = Path(info.value.path()).read_bytes()
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == {"LAPAS-AMBON", "RUTAN-AMBON", "KANWIL-81"}

    # A job still running: the list shows its progress and refreshes itself until it is done.
    running = ExportJob.objects.create(
        period=year, format="csv", requested_by=ditjen, status=ExportJob.Status.RUNNING, rows_total=200, rows_done=50
    )
    page.reload()
    bar = page.locator("#export-jobs progress").first
    assert bar.get_attribute("value") == "25"
    look(page, "exports-running")
    ExportJob.objects.filter(pk=running.pk).update(rows_done=150)
    page.wait_for_function(
        "() => document.querySelector('#export-jobs progress').getAttribute('value') === '75'", timeout=6000
    )
    ExportJob.objects.filter(pk=running.pk).update(
        status=ExportJob.Status.DONE, rows_done=200, storage_name=job.storage_name, file_name="x.csv"
    )
    page.wait_for_selector(f"a[href='/laporan/ekspor/{running.pk}/unduh/']", timeout=6000)
    assert page.locator("#export-jobs[hx-trigger]").count() == 0  # polling stops once nothing runs
    assert page.console_errors == []


def test_the_kanwil_sees_its_province(page, year, kanwil):
    log_in(page, kanwil.username)
    page.goto(f"/laporan/{year.year}/")
    page.wait_for_selector("figure.p2ham-chart-ready")
    text = page.locator("main").inner_text()
    assert "Lapas Kelas IIA Ambon" in text and "Lapas Kelas I Medan" not in text
    look(page, "dashboard-kanwil")
    page.goto(f"/laporan/{year.year}/ekspor/")
    look(page, "exports-kanwil")
    assert page.console_errors == []
