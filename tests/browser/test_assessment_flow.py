"""End to end: a self-assessment as people do it in the browser; axe-core on every kind of page visited.

The operator of Lapas Ambon finds the two indicators still open, answers them (saved as they go, no page
reload), uploads the evidence (in resumable chunks), starts a discussion; the head of the unit reviews the
summary and submits; the Kanwil forwards it to verification.
"""

import io

import pytest
from PIL import Image

from p2ham.assessments.models import Assessment, Comment, Evidence
from p2ham.assessments.tests.fixtures import fill_in
from tests.browser.conftest import check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rahasia-Kuat-2026"
OPEN = ("K1.01", "K2.01")


def png(shade: int) -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (shade, 90, 160)).save(buffer, format="PNG")
    return {"name": f"foto-{shade}.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def log_in(page, username):
    page.context.clear_cookies()
    page.goto("/akun/masuk/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/")


def test_operator_fills_head_submits_kanwil_forwards(page, assessment, operator, kepala, kanwil):
    fill_in(assessment, operator, skip=OPEN)
    year = assessment.period.year

    # The operator goes straight to the unit's own assessment.
    log_in(page, "operator_ambon")
    page.goto("/penilaian/")
    page.wait_for_url(f"**/penilaian/{year}/LAPAS-AMBON/")
    assert "22/24" in page.locator("#progress-overall").inner_text()
    check_accessibility(page, "assessment-operator")

    # Only what is still open.
    page.click("a[href='?tampil=belum-dijawab']")
    assert page.locator("article.indicator").count() == 2
    check_accessibility(page, "assessment-filter-unanswered")

    for number, code in enumerate(OPEN):
        card = page.locator(f"#ind-{code.replace('.', '-')}")
        # Choosing an answer saves it at once (htmx), without reloading the page.
        card.locator("input[type=radio]").first.check()
        card.locator(f"#status-{code.replace('.', '-')}").get_by_text("Saved", exact=False).or_(
            card.locator(f"#status-{code.replace('.', '-')}").get_by_text("Tersimpan", exact=False)
        ).wait_for()
        card.locator("textarea[name=note]").fill("Ramp dan pegangan tangan di pintu utama.")
        card.locator("textarea[name=note]").press("Tab")  # leaving the field saves the note
        # Two photos, uploaded by the chunked uploader.
        card.locator("input[type=file]").set_input_files([png(10 + number), png(20 + number)])
        card.locator("form.evidence-upload button[type=submit]").click()
        card.locator("#evidence-" + code.replace(".", "-") + " li").nth(1).wait_for()
    page.wait_for_function("() => document.querySelector('#progress-overall').innerText.includes('24/24')")
    answered = assessment.answers.get(indicator_code="K1.01")
    assert answered.option is not None and answered.note.startswith("Ramp")
    assert Evidence.objects.filter(answer__assessment=assessment, answer__indicator_code="K2.01").count() == 2

    # A question for the Kanwil on one indicator.
    card = page.locator("#ind-K1-01")
    card.locator("details.comments summary").click()
    card.locator("details.comments textarea[name=body]").fill("Apakah foto tampak samping diperlukan?")
    card.locator("details.comments button[type=submit]").click()
    card.get_by_text("Apakah foto tampak samping diperlukan?").nth(0).wait_for()
    assert Comment.objects.filter(assessment=assessment, indicator_code="K1.01").count() == 1
    check_accessibility(page, "assessment-after-answers")

    # Phone-sized screen: still usable.
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"/penilaian/{year}/LAPAS-AMBON/")
    check_accessibility(page, "assessment-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # The head reads (no edit controls), reviews the summary, confirms and submits.
    log_in(page, "kepala_ambon")
    page.goto(f"/penilaian/{year}/LAPAS-AMBON/")
    assert page.locator("input[type=radio]").count() == 0
    page.click(f"a[href='/penilaian/{year}/LAPAS-AMBON/kirim/']")
    check_accessibility(page, "assessment-submit")
    page.check("#confirm")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED

    # The Kanwil sees it in its list (with the unread comment marker on the page) and forwards it.
    log_in(page, "kanwil_maluku")
    page.goto("/penilaian/")
    check_accessibility(page, "assessment-list-kanwil")
    page.click(f"a[href='/penilaian/{year}/LAPAS-AMBON/']")
    assert page.locator("#ind-K1-01 details.comments .badge").count() == 1
    check_accessibility(page, "assessment-kanwil-review")
    page.check("#forward-confirm")
    with page.expect_navigation():
        page.click("form[action$='/reviu/teruskan/'] button[type=submit]")
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.IN_VERIFICATION
    assert page.console_errors == []
