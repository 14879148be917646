"""End to end: verification and the panel as people do it in the browser; axe-core on every kind of page visited.

The verifier goes through Lapas Ambon's indicators with the keyboard, marks two "needs repair" and returns
them with a due date; the operator can change only those two and repairs one; the head sends the repairs back;
the verifier sees what changed, accepts both and closes verification. Ditjen HAM seats a panel of two (in
English, through the language switch); each assessor scores on their own, the chair lower on one indicator;
the chair sees the disagreement flagged, sets its final value, records a WBK/WBBM adjustment and finishes:
the assessment is scored, with the bonus in the stored breakdown. The verification and panel pages are also
checked on a phone-sized screen.

The interface text is being translated while this is written: everything is found by id, name, role or URL.
"""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import timezone

from p2ham.assessments.models import Assessment
from p2ham.reviews.models import Adjustment, ModeratedScore, PanelResult, RevisionRequest, Verdict, Verification
from p2ham.reviews.tests.fixtures import verify_all
from tests.browser.conftest import ARTIFACTS, check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rahasia-Kuat-2026"
UNIT = "LAPAS-AMBON"
RETURNED = ("K1.02", "K1.03")  # sent back for repair; the operator repairs the first only
UNTOUCHED = "K1.01"  # accepted: the operator may not change it during the repair round
DISPUTED = "K2.01"  # the chair scores it lower than the other assessor
SHOTS = Path("/tmp/review-shots")  # noqa: S108  (screenshots for people to look at, not test data)
PHONE = {"width": 390, "height": 844}
S = Assessment.Status


def dom(code: str) -> str:
    return code.replace(".", "-")


def log_in(page, username):
    """Start from a clean session (another person at another desk), then log in with the form."""
    page.context.clear_cookies()
    page.goto("/akun/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


def post(page, selector):
    """Click a submit button and wait for the POST → redirect → page to finish loading."""
    with page.expect_navigation():
        page.click(selector)


def htmx_post(page, path_part):
    """Wait for the htmx POST whose URL contains ``path_part`` (use as a context manager around the action)."""
    return page.expect_response(lambda r: r.request.method == "POST" and path_part in r.url)


def at_indicator(page, code):
    """Wait for the verification page's address to name ``code`` (htmx pushes it without a page load)."""
    page.wait_for_function("code => new URLSearchParams(location.search).get('i') === code", arg=code)


def shot(page, name):
    """A full-page screenshot for people to look at (not asserted)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def look(page, name):
    """axe-core on the page (``check_accessibility``), whose screenshot is also kept with the others."""
    artifact = "review-" + name.split("-", 1)[1]
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
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.')
                      + ' → ' + Math.round(e.getBoundingClientRect().right));
          return [document.documentElement.scrollWidth, inner, wide.slice(0, 8)];
        }"""
    )
    assert width <= inner, f"the page is {width}px wide on a {inner}px screen: {culprits}"


def phone_check(page, url, name):
    """``url`` on a phone-sized screen (another tab of the same session): nothing wider than the screen, and
    axe-core. The page under test keeps its size, so nothing in it moves while the test works on it."""
    phone = page.context.new_page()
    phone.on("console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None)
    phone.set_viewport_size(PHONE)
    phone.goto(url)
    no_horizontal_overflow(phone)
    look(phone, name)
    phone.close()


@pytest.fixture
def review_config(db):
    """The verification reasons and adjustment ranges a data migration installs (a transactional test's flush
    removes them, so they are put back the way the migration does)."""
    migration = importlib.import_module("p2ham.reviews.migrations.0002_default_reasons_and_adjustment_rules")
    migration.forwards(apps, None)


def test_verify_repair_verify_panel_scored(
    page, review_config, in_verification, verifier, operator, kepala, ditjen, assessors
):
    a = in_verification
    year = a.period.year
    chair, member, _spare = assessors
    verification_url = f"/penilaian/{year}/{UNIT}/verifikasi/"
    assessment_url = f"/penilaian/{year}/{UNIT}/"
    panel_url = f"/penilaian/{year}/{UNIT}/panel/"
    # Every indicator but the two to return is accepted as the unit answered (not the point of this test).
    verify_all(a, verifier, skip=RETURNED)

    # ---- The verifier: one indicator at a time, with the keyboard.
    log_in(page, verifier.username)
    page.goto(f"{verification_url}?i={RETURNED[0]}")
    title = page.locator("#indicator-title")
    assert RETURNED[0] in title.inner_text()
    assert page.locator("#verification-nav [aria-current=true]").get_attribute("id") == f"nav-{dom(RETURNED[0])}"
    # The unit's evidence is shown in the page (a PDF in a frame), no download needed.
    assert page.locator("#verification-main iframe").count() >= 1
    look(page, "01-verification-first")

    # j / k move through the indicators without a page load (htmx), the address follows.
    page.keyboard.press("j")
    at_indicator(page, RETURNED[1])
    title.filter(has_text=RETURNED[1]).wait_for()
    page.keyboard.press("k")
    at_indicator(page, RETURNED[0])
    title.filter(has_text=RETURNED[0]).wait_for()

    # "2" chooses the second verdict (needs repair); Ctrl+Enter in the note saves.
    page.keyboard.press("2")
    assert page.locator("#verdict-needs_repair").is_checked()
    page.select_option("#verdict-reason", "bukti-tidak-lengkap")
    page.fill("#verdict-note", "Lampirkan SK yang ditandatangani Kepala Unit Kerja.")
    with htmx_post(page, f"/verifikasi/{RETURNED[0]}/") as response:
        page.press("#verdict-note", "Control+Enter")
    assert response.value.status == 200
    # The next indicator without a final verdict comes in its place.
    title.filter(has_text=RETURNED[1]).wait_for()
    at_indicator(page, RETURNED[1])
    page.locator(f"#nav-{dom(RETURNED[0])} .badge.text-bg-warning").wait_for()
    page.locator("#verification-status .text-success").wait_for()

    # The second one with the mouse.
    page.check("#verdict-needs_repair")
    page.select_option("#verdict-reason", "jawaban-tidak-sesuai-bukti")
    page.fill("#verdict-note", "Foto tidak memperlihatkan ramp di pintu utama.")
    with htmx_post(page, f"/verifikasi/{RETURNED[1]}/"):
        page.click("#verdict-form button[type=submit]")
    page.locator(f"#nav-{dom(RETURNED[1])} .badge.text-bg-warning").wait_for()
    verdicts = dict(Verification.objects.filter(assessment=a).values_list("indicator_code", "verdict"))
    assert sorted(c for c, v in verdicts.items() if v == Verdict.NEEDS_REPAIR) == sorted(RETURNED)
    assert len(verdicts) == a.instrument.indicators.count()

    # Only the two go back, with a due date, after a confirmation.
    actions = page.locator("#verification-actions")
    assert sorted(actions.locator("form[action$='/kembalikan/'] li a").all_inner_texts()) == sorted(RETURNED)
    assert page.locator("form[action$='/selesai/'] button[type=submit]").is_disabled()
    look(page, "02-verification-marked")
    due = timezone.localdate() + dt.timedelta(days=10)
    page.fill("#return-due", due.isoformat())
    page.fill("#return-note", "Mohon perbaiki dua indikator berikut.")
    page.check("#return-confirm")
    post(page, "form[action$='/kembalikan/'] button[type=submit]")
    a.refresh_from_db()
    assert a.status == S.RETURNED
    revision = RevisionRequest.objects.get(assessment=a)
    assert revision.round == 1
    assert sorted(revision.items.values_list("indicator_code", flat=True)) == sorted(RETURNED)
    # The verifier sees the status: with the unit, no verdict form any more, the round recorded.
    page.locator("main .alert-warning[role=status]").wait_for()
    assert page.locator("#verdict-form").count() == 0
    assert page.locator("#rounds-title").is_visible()
    look(page, "03-verification-returned")

    # ---- The operator: the banner, and only the returned indicators can be changed.
    log_in(page, operator.username)
    page.goto(assessment_url)
    banner = page.locator("#repair")
    banner.wait_for()
    assert sorted(banner.locator("ul li a").all_inner_texts()) == sorted(RETURNED)
    for code in RETURNED:
        card = page.locator(f"#ind-{dom(code)}")
        assert card.locator(".repair-request").count() == 1
        assert card.locator("input[type=radio]").count() >= 2
    untouched = page.locator(f"#ind-{dom(UNTOUCHED)}")
    assert untouched.locator("input, select, textarea, button").count() == 0
    look(page, "04-unit-returned")

    # The filter shows only what to repair.
    page.click("a[href='?tampil=perbaikan']")
    page.wait_for_url("**?tampil=perbaikan")
    assert page.locator("article.indicator").count() == 2

    # The first returned indicator: a different answer and a new note, each saved as it is made.
    code = RETURNED[0]
    card = page.locator(f"#ind-{dom(code)}")
    before = a.answers.get(indicator_code=code).option_id
    with htmx_post(page, f"/jawaban/{code}/") as response:
        card.locator(f"input[type=radio]:not([value='{before}'])").first.check()
    assert response.value.status == 200
    card.locator(f"#note-{dom(code)}").fill("SK Kepala Unit Kerja Nomor W27.PAS.12 kini terlampir.")
    with htmx_post(page, f"/jawaban/{code}/") as response:
        card.locator(f"#note-{dom(code)}").press("Tab")  # leaving the field saves the note
    assert response.value.status == 200
    repaired = a.answers.get(indicator_code=code)
    assert repaired.option_id != before and repaired.note.startswith("SK Kepala")
    look(page, "05-unit-repaired")

    # ---- The head of the unit sends the repairs back, after seeing what changed.
    log_in(page, kepala.username)
    page.goto(assessment_url)
    assert page.locator("#repair input[type=radio], article.indicator input[type=radio]").count() == 0
    post(page, f"#repair a[href='/penilaian/{year}/{UNIT}/kirim-perbaikan/']")
    changes = page.locator("section[aria-labelledby=changes-heading] .list-group-item")
    assert changes.count() == 2
    for code, badge in ((RETURNED[0], "text-bg-success"), (RETURNED[1], "text-bg-warning")):  # changed / not
        assert changes.filter(has=page.locator(f"a:text-is('{code}')")).locator(f".badge.{badge}").count() == 1
    look(page, "06-unit-resubmit")
    page.check("#confirm")
    post(page, "main form button[type=submit]")
    a.refresh_from_db()
    assert a.status == S.IN_VERIFICATION
    page.locator("#verification-note").wait_for()

    # ---- The verifier: what changed since the last round, then accept both and close verification.
    log_in(page, verifier.username)
    page.goto(f"{verification_url}?i={RETURNED[0]}")
    changed = page.locator("section[aria-labelledby=change-title]")
    changed.wait_for()
    assert changed.locator("del").count() >= 1 and changed.locator("ins").count() >= 1
    assert page.locator(f"#nav-{dom(RETURNED[0])} .badge.text-bg-info").count() == 1  # "changed" in the list
    assert page.locator(f"#nav-{dom(RETURNED[1])} .badge.text-bg-info").count() == 0
    look(page, "07-verification-changed")
    # Accept the repaired answer: "1" chooses "accepted"; the verified answer is the unit's new one.
    page.keyboard.press("1")
    assert page.locator("#verdict-accepted").is_checked()
    assert page.locator("#verdict-option").input_value() == str(repaired.option_id)
    page.fill("#verdict-note", "SK sudah sesuai.")
    with htmx_post(page, f"/verifikasi/{RETURNED[0]}/"):
        page.press("#verdict-note", "Control+Enter")
    title.filter(has_text=RETURNED[1]).wait_for()
    # The second was not changed by the unit: the page says so; accepted as it is.
    page.locator("section[aria-labelledby=change-title].alert-light").wait_for()
    page.keyboard.press("1")
    with htmx_post(page, f"/verifikasi/{RETURNED[1]}/"):
        page.click("#verdict-form button[type=submit]")
    page.locator(f"#nav-{dom(RETURNED[1])} .badge.text-bg-success").wait_for()
    complete = page.locator("form[action$='/selesai/'] button[type=submit]")
    assert complete.is_enabled()

    # A phone-sized screen: the same page, nothing wider than the screen.
    phone_check(page, f"{verification_url}?i={RETURNED[0]}", "08-verification-phone")

    page.check("#complete-confirm")
    post(page, "form[action$='/selesai/'] button[type=submit]")
    a.refresh_from_db()
    assert a.status == S.VERIFIED
    assert Verification.objects.get(assessment=a, indicator_code=RETURNED[0]).option_id == repaired.option_id
    page.locator("main .alert-success").first.wait_for()
    assert page.locator("#verdict-form").count() == 0
    look(page, "09-verification-verified")

    # ---- Ditjen HAM seats the panel, in English this time (the language switch).
    log_in(page, ditjen.username)
    page.goto(f"/penugasan/{year}/")
    post(page, "form.lang-switch button[value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    row = page.locator(f"#a-{a.pk}")
    row.locator("details summary").click()
    page.select_option(f"#p-{a.pk}", str(chair.pk))
    page.check(f"#c-{a.pk}")
    look(page, "10-assign-en")
    post(page, f"#a-{a.pk} form[action$='/panel/'] button[type=submit]")
    row.locator("details summary").click()
    page.select_option(f"#p-{a.pk}", str(member.pk))
    post(page, f"#a-{a.pk} form[action$='/panel/'] button[type=submit]")
    a.refresh_from_db()
    assert a.status == S.IN_PANEL  # verified, and the panel complete: a chair and one more assessor
    seats = {s.assessor_id: s.chair for s in a.panel.all()}
    assert seats == {chair.pk: True, member.pk: False}
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "11-assign-panel-seated")

    # ---- Each assessor scores on their own: the member first, everything at the top of the scale.
    codes = list(a.instrument.indicators.values_list("code", flat=True))

    def score_all(lower: str | None = None) -> None:
        for code in codes:
            select = page.locator(f"#score-option-{dom(code)}")
            with htmx_post(page, f"/nilai/{code}/") as response:
                # The first choice is the highest score; the chair goes two steps lower on ``lower``.
                select.select_option(index=3 if code == lower else 1)
            assert response.value.status == 200, code
        page.wait_for_function("n => document.querySelector('#panel-progress progress').value === n", arg=len(codes))

    log_in(page, member.username)
    page.goto(panel_url)
    assert page.locator(".panel-scores").count() == 0  # no one else's scores before one's own are submitted
    look(page, "12-panel-scoring")
    score_all()
    page.fill(f"#score-note-{dom(DISPUTED)}", "Data dukung lengkap.")
    with htmx_post(page, f"/nilai/{DISPUTED}/"):
        page.press(f"#score-note-{dom(DISPUTED)}", "Tab")
    shot(page, "13-panel-member-scored")
    page.check("#submit-confirm")
    post(page, "#submit form button[type=submit]")
    assert page.locator("#score-option-" + dom(DISPUTED)).count() == 0  # final for oneself
    look(page, "14-panel-member-submitted")

    log_in(page, chair.username)
    page.goto(panel_url)
    assert page.locator(".panel-scores").count() == 0  # the member has submitted, but the chair has not
    score_all(lower=DISPUTED)
    page.check("#submit-confirm")
    post(page, "#submit form button[type=submit]")

    # ---- The chair: the disagreement is flagged; set its final value, add an adjustment, finish.
    flagged = page.locator("tr .panel-agreement .badge.text-bg-warning")
    assert flagged.count() == 1
    assert page.locator(f"#row-{dom(DISPUTED)} .panel-agreement .badge.text-bg-warning").count() == 1
    assert page.locator(f"#row-{dom(DISPUTED)} .panel-scores li").count() == 2  # both scores shown now
    assert page.locator("#panel-preview").count() == 1
    assert page.locator("#finish-pending a").all_inner_texts() == [DISPUTED]
    look(page, "15-panel-chair-flagged")

    moderate = page.locator(f"#moderate-form-{dom(DISPUTED)}")
    moderate.locator("select").select_option(index=2)  # the middle value
    moderate.locator("textarea").fill("Data dukung ada tetapi belum lengkap untuk semua layanan.")
    with page.expect_response(lambda r: r.request.method == "GET" and r.url.endswith("/pratinjau/")):
        with htmx_post(page, f"/moderasi/{DISPUTED}/") as response:
            moderate.locator("button[type=submit]").click()
    assert response.value.status == 200
    page.locator(f"#moderate-status-{dom(DISPUTED)} .text-success").wait_for()
    # The preview reloads itself, and with it the list of what the chair still has to decide: now nothing.
    page.locator("#finish-pending a").first.wait_for(state="detached")
    moderated = ModeratedScore.objects.get(assessment=a, indicator_code=DISPUTED)
    assert moderated.set_by_id == chair.pk and moderated.note.startswith("Data dukung ada")

    page.select_option("#adj-kind", "wbk_wbbm")
    page.fill("#adj-points", "3")
    page.fill("#adj-justification", "Unit meraih predikat WBK tahun 2025 (SK Menteri terlampir di berkas).")
    post(page, "#adjustments form[action$='/penyesuaian/'] button[type=submit]")
    assert page.locator("#adjustments tbody tr").count() == 1
    adjustment = Adjustment.objects.get(assessment=a)
    assert (adjustment.kind, adjustment.points, adjustment.created_by_id) == ("wbk_wbbm", Decimal(3), chair.pk)

    # A phone-sized screen: the panel's tables scroll inside themselves, the page does not.
    phone_check(page, panel_url, "16-panel-phone")

    page.fill("#finish-note", "Satu indikator dimoderasi; bonus predikat WBK.")
    page.check("#finish-confirm")
    shot(page, "17-panel-before-finish")
    post(page, "#finish form button[type=submit]")
    a.refresh_from_db()
    assert a.status == S.SCORED
    result = PanelResult.objects.get(assessment=a)
    assert Decimal(result.breakdown["bonus"]) == Decimal(3)
    assert result.scored_by_id == chair.pk
    assert page.locator("#result").is_visible()
    assert page.locator("#finish").count() == 0
    look(page, "18-panel-scored")
    assert page.console_errors == []
