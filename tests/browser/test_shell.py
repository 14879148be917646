"""End to end: an operator logs in and moves around; each page passes axe-core."""

import pytest

from tests.browser.conftest import check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rahasia-Kuat-2026"


def log_in(page, username):
    page.goto("/akun/masuk/")
    page.get_by_label("Nama pengguna atau e-mail").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/")


def test_operator_logs_in_and_reaches_home(page, operator):
    page.goto("/")
    page.wait_for_url("**/akun/masuk/**")
    check_accessibility(page, "01-login")

    # A wrong password keeps the typed username and explains in Indonesian.
    page.get_by_label("Nama pengguna atau e-mail").fill(operator.username)
    page.get_by_label("Kata sandi").fill("salah-sekali")
    page.get_by_role("button", name="Masuk").click()
    assert page.get_by_label("Nama pengguna atau e-mail").input_value() == operator.username
    assert "salah" in page.locator(".alert-danger").inner_text()
    check_accessibility(page, "02-login-error")

    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url("**/")
    assert "Selamat datang" in page.locator("h1").inner_text()
    assert "Lapas Kelas IIA Ambon" in page.content()
    check_accessibility(page, "03-home-operator")

    page.get_by_role("link", name="Unit", exact=True).first.click()
    page.wait_for_url("**/unit/")
    assert page.locator("tbody tr").count() == 1
    check_accessibility(page, "04-units-operator")

    page.get_by_role("link", name="Lapas Kelas IIA Ambon").click()
    page.wait_for_url("**/unit/LAPAS-AMBON/")
    check_accessibility(page, "05-unit-detail")
    assert page.console_errors == []


def test_keyboard_only_login_and_skip_link(page, operator):
    page.goto("/akun/masuk/")
    # The username field has focus on arrival; everything else is reached with Tab and Enter.
    page.keyboard.type(operator.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    assert "Selamat datang" in page.locator("h1").inner_text()
    # On a page without autofocus the first Tab reaches the skip link, which moves focus to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Langsung ke konten utama"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Then the first Tab lands inside the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")


def test_english_interface_and_phone_viewport(page, kanwil):
    log_in(page, kanwil.username)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert "Welcome" in page.locator("h1").inner_text()
    check_accessibility(page, "06-home-kanwil-en")
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/unit/")
    check_accessibility(page, "07-units-kanwil-phone-en")
    # The menu collapses behind a toggler that works.
    toggler = page.get_by_role("button", name="Show menu")
    toggler.click()
    page.wait_for_selector("#main-nav.show:not(.collapsing)")
    page.locator("#main-nav").get_by_role("link", name="Home").wait_for(state="visible")
    check_accessibility(page, "07b-menu-open-phone-en")


def test_national_home_and_admin_import(page, ditjen, admin_user):
    log_in(page, ditjen.username)
    assert page.locator("svg.tile-map a").count() == 38
    page.locator("details summary").click()
    assert page.locator("details table tbody tr").count() == 38
    check_accessibility(page, "08-home-ditjen")
    page.context.clear_cookies()
    log_in(page, admin_user.username)
    page.goto("/unit/impor/unit/")
    check_accessibility(page, "09-import-units")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "unit.csv",
                "mimeType": "text/csv",
                "buffer": b"code,name,type,institution,parent,province\nX-1,Rutan Uji,rutan,KEMENIMIPAS,NOPE,99\n",
            }
        ],
    )
    page.get_by_role("button", name="Periksa berkas").click()
    page.wait_for_load_state()
    assert page.locator("table tbody tr").count() >= 2
    check_accessibility(page, "10-import-errors")
