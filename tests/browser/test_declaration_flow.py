"""End to end: a whole pencanangan as people do it in the browser; axe-core on every kind of page visited.

The Kanwil requests for itself and two units, Ditjen HAM returns it with a note, the Kanwil revises and
resubmits, Ditjen HAM approves with its witness, the Kanwil records the ceremony, the three heads sign (two in
the application, one by uploading a scan) and the declaration completes itself: each unit is declared.
"""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image

from p2ham.declarations.models import Declaration, DeclarationDocument, DeclarationUnit
from p2ham.declarations.tests.conftest import heads, open_period  # noqa: F401  (fixtures used below)
from tests.browser.conftest import check_accessibility

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Rahasia-Kuat-2026"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(buffer, format="PNG")
    return buffer.getvalue()


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


def status_badge(page):
    return page.locator("main h1 + p .badge").inner_text().strip()


def history(page):
    return page.locator("section[aria-labelledby=history-heading] li").all_inner_texts()


def test_kanwil_declares_with_its_units_and_the_heads_sign(
    page,
    tree,
    kanwil,
    ditjen,
    heads,  # noqa: F811
    open_period,  # noqa: F811
):
    units = (tree.kanwil_maluku, tree.lapas_ambon, tree.rutan_ambon)
    today = timezone.localdate()  # never later than the date in Maluku (WIT), so "held today" is never future
    planned = today + dt.timedelta(days=14)

    # ---- The Kanwil prepares the request.
    log_in(page, kanwil.username)
    page.goto("/pencanangan/")
    assert str(open_period.year) in page.locator("main h1").inner_text()
    assert page.locator("main table").count() == 0
    check_accessibility(page, "30-declarations-empty-kanwil")

    page.click("main a[href='/pencanangan/baru/']")
    page.wait_for_url("**/pencanangan/baru/")
    check_accessibility(page, "31-declaration-form-new")
    assert page.locator("#id_requester_unit").input_value() == str(tree.kanwil_maluku.pk)
    for unit in units:
        page.get_by_role("checkbox", name=unit.name, exact=True).check()
    page.fill("#id_planned_date", planned.isoformat())
    page.fill("#id_planned_venue", "Aula Kanwil Maluku, Ambon")
    page.fill("#id_declarer_name", "Hendrik Pattiradjawane")
    page.fill("#id_declarer_position", "Kepala Kantor Wilayah Maluku")
    for row, (name, position, institution) in enumerate(
        [
            ("Ir. Murad Ismail", "Gubernur Maluku", "Pemerintah Provinsi Maluku"),
            ("Brigjen Pol. Adi", "Wakapolda Maluku", "Polda Maluku"),
        ]
    ):
        page.fill(f"#id_w{row}_name", name)
        page.fill(f"#id_w{row}_position", position)
        page.fill(f"#id_w{row}_institution", institution)
        page.select_option(f"#id_w{row}_kind", "forkopimda")
    post(page, "main form[method=post] button[type=submit]")

    declaration = Declaration.objects.get()
    detail = f"/pencanangan/{declaration.pk}/"
    assert page.url.endswith(detail)
    assert declaration.status == Declaration.Status.DRAFT
    assert declaration.requester_unit == tree.kanwil_maluku
    assert declaration.planned_date == planned
    assert {p.unit_id for p in declaration.units.all()} == {u.pk for u in units}
    assert sorted(declaration.witnesses.values_list("name", "kind")) == [
        ("Brigjen Pol. Adi", "forkopimda"),
        ("Ir. Murad Ismail", "forkopimda"),
    ]
    assert page.locator(".alert-success").count() == 1
    assert page.locator("section[aria-labelledby=units-heading] tbody tr").count() == 3
    check_accessibility(page, "32-declaration-detail-kanwil-draft")

    post(page, f"form[action='{detail}aksi/ajukan/'] button[type=submit]")
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.SUBMITTED
    assert page.locator(f"form[action='{detail}aksi/ajukan/']").count() == 0  # nothing left to submit

    # ---- Ditjen HAM returns it with a note.
    log_in(page, ditjen.username)
    page.goto("/pencanangan/")
    assert page.locator("main tbody tr").count() == 1
    check_accessibility(page, "33-declarations-list-ditjen")
    page.click(f"main tbody a[href='{detail}']")
    page.wait_for_url(f"**{detail}")
    check_accessibility(page, "34-declaration-detail-ditjen-submitted")
    note = "Lengkapi alamat lengkap tempat pelaksanaan."
    page.fill("#review-note", note)
    post(page, f"form[action='{detail}aksi/kembalikan/'] button[type=submit]:not([formaction])")
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.RETURNED
    assert any(note in item for item in history(page))

    # ---- The Kanwil reads the note, changes the venue and submits again.
    log_in(page, kanwil.username)
    page.goto(detail)
    assert any(note in item for item in history(page))
    page.click(f"main a[href='{detail}ubah/']")
    page.wait_for_url(f"**{detail}ubah/")
    assert page.locator("#id_w0_name").input_value() in {"Ir. Murad Ismail", "Brigjen Pol. Adi"}
    # The saved date must come back in the date picker (an <input type=date> only accepts YYYY-MM-DD),
    # or the Kanwil who only changes the venue gets "this field is required".
    rendered = page.locator("#id_planned_date").get_attribute("value")
    assert page.locator("#id_planned_date").input_value() == planned.isoformat(), f"date dropped: value={rendered!r}"
    for unit in units:
        assert page.get_by_role("checkbox", name=unit.name, exact=True).is_checked()
    check_accessibility(page, "35-declaration-form-edit")
    new_venue = "Aula Kanwil Maluku, Jl. Sultan Hairun No. 1, Ambon"
    page.fill("#id_planned_venue", new_venue)
    post(page, "main form[method=post] button[type=submit]")
    declaration.refresh_from_db()
    assert declaration.planned_venue == new_venue
    assert declaration.witnesses.count() == 2  # the rows came back filled, so nothing was lost
    post(page, f"form[action='{detail}aksi/ajukan/'] button[type=submit]")
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.SUBMITTED

    # ---- Ditjen HAM approves and names its witness.
    log_in(page, ditjen.username)
    page.goto(detail)
    assert new_venue in page.locator("main").inner_text()
    page.fill("#id_witness_name", "Dr. Dhahana Putra")
    page.fill("#id_witness_position", "Direktur Jenderal HAM")
    post(page, f"form[action='{detail}aksi/setujui/'] button[type=submit]")
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.APPROVED
    assert declaration.witnesses.filter(kind="ditjen", name="Dr. Dhahana Putra").exists()
    assert page.locator("section[aria-labelledby=complete-heading]").count() == 1
    check_accessibility(page, "36-declaration-detail-ditjen-approved")

    # ---- The Kanwil records the ceremony: today, everyone present, the minutes and a photo.
    log_in(page, kanwil.username)
    page.goto(detail)
    page.click(f"main a[href='{detail}acara/']")
    page.wait_for_url(f"**{detail}acara/")
    assert page.locator("#id_actual_venue").input_value() == new_venue
    check_accessibility(page, "37-ceremony-form")
    page.fill("#id_actual_date", today.isoformat())
    present = page.locator("main input[name=present]")
    assert present.count() == 3
    for index in range(present.count()):
        present.nth(index).check()
    page.set_input_files(
        "#id_minutes", files=[{"name": "berita-acara.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.set_input_files(
        "#id_photos", files=[{"name": "foto-pencanangan.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    post(page, "main form[enctype='multipart/form-data'] button[type=submit]")
    assert page.url.endswith(detail)
    declaration.refresh_from_db()
    assert declaration.ceremony_recorded_at is not None
    assert declaration.actual_date == today
    assert declaration.witnesses.filter(present=False).count() == 0
    assert sorted(declaration.documents.values_list("kind", flat=True)) == sorted(
        [DeclarationDocument.Kind.MINUTES, DeclarationDocument.Kind.PHOTO]
    )
    assert page.locator(f"main a[href^='{detail}dokumen/']").count() == 2
    assert page.locator(f"main a[href='{detail}acara/']").count() == 0  # recorded once
    check_accessibility(page, "38-declaration-detail-kanwil-ceremony-recorded")

    # ---- The three heads sign: two in the application, one by uploading the wet-signed scan.
    signers = [("KANWIL-81", "in_app"), ("LAPAS-AMBON", "in_app"), ("RUTAN-AMBON", "upload")]
    for number, (code, method) in enumerate(signers):
        log_in(page, heads[code].username)
        page.goto(detail)
        sign_links = page.locator("main a[href$='/tandatangan/']")
        assert sign_links.count() == 1  # only their own unit's statement
        page.click(f"main a[href='{detail}pernyataan/{code}/tandatangan/']")
        page.wait_for_url(f"**{detail}pernyataan/{code}/tandatangan/")
        if number == 0:
            check_accessibility(page, "39-sign-statement")
        if method == "in_app":
            page.fill("#id_password", PASSWORD)
            post(page, "main button[name=in_app]")
        else:
            page.set_input_files(
                "#id_file", files=[{"name": "pernyataan-ttd.png", "mimeType": "image/png", "buffer": png_bytes()}]
            )
            post(page, "main button[name=upload]")
        assert page.url.endswith(detail)
        participant = DeclarationUnit.objects.get(declaration=declaration, unit__code=code)
        assert participant.signed
        assert participant.signature == method
        assert participant.signed_by == heads[code]
        assert page.locator("main a[href$='/tandatangan/']").count() == 0

    # ---- Every head has signed: the declaration completed itself.
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.COMPLETED
    assert declaration.completed_at is not None
    page.goto(detail)
    assert status_badge(page) == "Selesai"
    assert page.locator("section[aria-labelledby=units-heading] .badge.text-bg-success").count() == 3
    check_accessibility(page, "40-declaration-detail-completed")

    # ---- The Kanwil sees it completed in the list, and each unit's page shows it declared.
    log_in(page, kanwil.username)
    page.goto("/pencanangan/")
    assert page.locator("main tbody tr .badge").inner_text().strip() == "Selesai"
    page.goto(detail)
    assert status_badge(page) == "Selesai"
    for unit in units:
        page.goto(f"/unit/{unit.code}/")
        assert page.locator("main dl .badge.text-bg-success").inner_text().strip() == "sudah mencanangkan"
        if unit == tree.lapas_ambon:
            check_accessibility(page, "41-unit-detail-declared")
    assert page.console_errors == []


def test_ditjen_overview_pages_are_accessible(page, tree, kanwil, ditjen, open_period):  # noqa: F811
    from p2ham.declarations import services
    from p2ham.declarations.tests.conftest import request_data

    declaration = services.declaration_create(actor=kanwil, period=open_period, **request_data(tree))
    log_in(page, ditjen.username)
    page.goto("/pencanangan/kemajuan/")
    assert page.locator("main table tbody tr").count() >= 2
    check_accessibility(page, "42-declaration-progress")
    page.goto(f"/pencanangan/kalender/?bulan={declaration.planned_date:%Y-%m}")
    assert page.locator(f"a[href='/pencanangan/{declaration.pk}/']").count() == 1
    check_accessibility(page, "43-declaration-calendar")
