"""End to end: the public results site as a citizen uses it, without logging in, and the unit's own result page.

A visitor reads what P2HAM is, opens the awarded units of the year, sees the map of Indonesia drawn over the
table of provinces, filters the list with the keyboard only, and checks two certificates: one valid, one
revoked (and a code that does not exist). Every page is checked by axe-core, also on a phone-sized screen,
where nothing may be wider than the screen. The unit's operator then opens the unit's result page, unfolds a
criterion with the keyboard and downloads both PDFs.

Everything is found by id, name, role or URL: the interface text is translated while this is written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from p2ham.results import services
from p2ham.results.models import Certificate, Result
from p2ham.results.tests.test_views_public import more_results
from tests.browser.conftest import ARTIFACTS, check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rahasia-Kuat-2026"
SHOTS = Path("/tmp/public-shots")  # noqa: S108  (screenshots for people to look at, not test data)
PHONE = {"width": 390, "height": 844}


def look(page, name):
    """axe-core on the page; its screenshot is also kept where people look at them."""
    artifact = "public-" + name
    try:
        check_accessibility(page, artifact)
    finally:
        SHOTS.mkdir(parents=True, exist_ok=True)
        if (ARTIFACTS / f"{artifact}.png").exists():
            shutil.copyfile(ARTIFACTS / f"{artifact}.png", SHOTS / f"{name}.png")


def no_horizontal_overflow(page):
    """Nothing makes the page wider than the screen (a table may scroll inside its own container)."""
    width, inner, culprits = page.evaluate(
        """() => {
          const inner = window.innerWidth;
          const wide = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > inner + 1)
            .filter(e => !e.closest('.table-responsive'))
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.'));
          return [document.documentElement.scrollWidth, inner, wide.slice(0, 8)];
        }"""
    )
    assert width <= inner, f"the page is {width}px wide on a {inner}px screen: {culprits}"


def phone_check(page, url, name, status=200):
    phone = page.context.new_page()
    phone.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)
    phone.set_viewport_size(PHONE)
    response = phone.goto(url)
    assert response.status == status, url
    no_horizontal_overflow(phone)
    look(phone, name)
    phone.close()


def focused(page):
    """The id (or the tag and text) of the focused element, and whether its focus ring is drawn."""
    return page.evaluate(
        """() => {
          const e = document.activeElement;
          const style = getComputedStyle(e);
          return {id: e.id, tag: e.tagName.toLowerCase(), text: (e.textContent || '').trim().slice(0, 40),
                  ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
        }"""
    )


def tab_to(page, element_id, limit=40):
    for _i in range(limit):
        page.keyboard.press("Tab")
        state = focused(page)
        if state["id"] == element_id:
            return state
    raise AssertionError(f"#{element_id} is not reachable with Tab")


@pytest.fixture
def revoked(determined, ditjen):
    """A second awarded unit (Lapas Medan's province) whose predicate Ditjen HAM revoked."""
    [result] = more_results(determined, 1, province="12")
    certificate = Certificate.objects.create(
        result=result, code="REVK-TEST-CODE-WXYZ", issued_at=result.determined_at, issued_by=ditjen
    )
    return services.certificate_revoke(actor=ditjen, certificate=certificate, reason="Pungutan liar terbukti")


def test_public_site(page, determined, revoked):
    year = determined.period.year
    valid = Certificate.objects.get(revoked_at__isnull=True)
    more_results(determined, 2, province="12")

    # ---- What P2HAM is: no login, no staff navigation, the way to the results and to the verification.
    response = page.goto("/publik/")
    assert response.status == 200
    assert page.locator("#main-nav").count() == 0
    assert page.locator("nav.public-nav a[href='/verifikasi/']").count() == 1
    assert page.locator("#groups li").count() == 4
    look(page, "01-home")

    # Keyboard: the skip link comes first and shows its focus ring.
    page.keyboard.press("Tab")
    state = focused(page)
    assert state["tag"] == "a" and state["ring"], state
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"

    # ---- The awarded units of the year, with the map drawn over the table of provinces.
    with page.expect_navigation():
        page.click("#see-results")
    assert page.url.endswith(f"/publik/hasil/{year}/")
    page.locator("#results-map.p2ham-map-ready svg path").first.wait_for()
    assert page.locator("#results-map").get_attribute("role") == "img"
    assert page.locator("#results-map").get_attribute("aria-label")
    assert page.locator("#province-table tbody tr").count() == 2  # Maluku and Sumatera Utara
    assert page.locator("#unit-table tbody tr").count() == 3  # the revoked one is not listed
    assert page.locator("#unit-table", has_text="Lapas Tambahan").count() == 1
    look(page, "02-results")

    # The table of provinces filters the list (the same as a click on the map, without JavaScript).
    with page.expect_navigation():
        page.click("#province-table a[href$='provinsi=81']")
    assert "provinsi=81" in page.url
    assert page.locator("#unit-table tbody tr").count() == 1
    assert page.locator("#province-table a[aria-current=true]").count() == 1

    # The filters with the keyboard only: to the province select, choose, then to the button.
    page.goto(f"/publik/hasil/{year}/")
    state = tab_to(page, "f-provinsi")
    assert state["ring"], state
    page.keyboard.type("Sumatera Utara")
    assert page.locator("#f-provinsi").input_value() == "12"
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "f-jenis"
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "button"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "provinsi=12" in page.url
    assert page.locator("#unit-table tbody tr").count() == 2
    look(page, "03-results-filtered")
    phone_check(page, f"/publik/hasil/{year}/", "04-results-phone")

    # ---- A valid certificate, typed as on the paper but in lower case and with spaces.
    page.click("nav.public-nav a[href='/verifikasi/']")
    page.wait_for_url("**/verifikasi/")
    page.fill("#verify-code", valid.code.lower().replace("-", " "))
    with page.expect_navigation():
        page.press("#verify-code", "Enter")
    assert page.url.endswith(f"/verifikasi/{valid.code}")
    assert page.locator("#verify-result").get_attribute("data-state") == "valid"
    assert "Lapas Kelas IIA Ambon" in page.locator("#verify-details").inner_text()
    look(page, "05-verify-valid")

    # ---- A revoked one: said so, with the date (the reason is an internal record, not shown).
    response = page.goto(f"/verifikasi/{revoked.code}")
    assert response.status == 200
    assert page.locator("#verify-result").get_attribute("data-state") == "revoked"
    assert "Pungutan liar terbukti" not in page.content()
    look(page, "06-verify-revoked")
    phone_check(page, f"/verifikasi/{revoked.code}", "07-verify-revoked-phone")

    # ---- A code that does not exist: 404, still a page that helps.
    assert page.console_errors == []
    response = page.goto("/verifikasi/AAAA-BBBB-CCCC-DDDD")
    assert response.status == 404
    assert page.locator("#verify-result").get_attribute("data-state") == "unknown"
    assert page.locator("#verify-code").input_value() == "AAAA-BBBB-CCCC-DDDD"
    look(page, "08-verify-unknown")
    phone_check(page, "/publik/", "09-home-phone")
    # The one error the browser reports is the 404 status of the unknown code's page itself.
    assert len(page.console_errors) == 1 and "404" in page.console_errors[0], page.console_errors


def test_unit_result_page(page, determined, operator):
    year = determined.period.year
    result = Result.objects.get(unit__code="LAPAS-AMBON")
    page.goto("/akun/masuk/")
    page.fill("#id_username", operator.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")
    response = page.goto(f"/hasil/{year}/LAPAS-AMBON/")
    assert response.status == 200
    assert page.locator("#predicate [data-state=awarded]").count() == 1
    look(page, "10-unit-result")

    # A criterion unfolds with the keyboard.
    first = page.locator("details.result-criterion").first
    assert first.get_attribute("open") is None
    first.locator("summary").focus()
    assert focused(page)["ring"]
    page.keyboard.press("Enter")
    assert first.get_attribute("open") is not None
    assert first.locator("li.list-group-item").first.is_visible()
    look(page, "11-unit-result-open")
    phone_check(page, f"/hasil/{year}/LAPAS-AMBON/", "12-unit-result-phone")

    # Both documents download as PDFs.
    for link in ("#report-pdf", "#certificate-pdf"):
        href = page.locator(link).get_attribute("href")
        pdf = page.request.get(href)
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf", link
        assert pdf.body().startswith(b"%PDF")
    assert result.predicate
    assert page.console_errors == []
