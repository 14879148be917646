"""The panel screens through the test client: who reads and who acts, the independence of the assessors until
they submit, a score saved per row (with htmx and without JavaScript), refused and stale saves, the chair's
moderation, adjustments, veto, field visits and finish, the private files, and a declared conflict."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments.models import Assessment
from p2ham.assessments.tests.fixtures import pdf_upload, png_upload
from p2ham.assessments.tests.test_views import HTMX, english, messages_of, unresolved
from p2ham.audit.models import AuditEntry
from p2ham.instruments.models import AnswerOption
from p2ham.reviews import services, services_panel
from p2ham.reviews.models import (
    Adjustment,
    FieldVisit,
    ModeratedScore,
    PanelAssignment,
    PanelResult,
    PanelScore,
    Verdict,
    Verification,
    Veto,
)
from p2ham.reviews.tests.fixtures import seat_panel, verify_all

pytestmark = pytest.mark.django_db

S = Assessment.Status
CODE = "K1.01"
SECRET = "Catatan rahasia penilai satu"


@pytest.fixture(autouse=True)
def _english(client):
    english(client)


def url(name: str, assessment: Assessment, *args: Any) -> str:
    return reverse(f"panel:{name}", args=[assessment.period.year, assessment.unit.code, *args])


def options_of(assessment: Assessment, code: str = CODE) -> list[Any]:
    return list(assessment.instrument.indicators.get(code=code).scale.options.order_by("order"))


def score_all(assessment: Assessment, person: Any, *, low: tuple[str, ...] = (), note: str = "") -> None:
    """Score every scorable indicator: the first answer, or the last one for the ``low`` codes."""
    na = set(
        Verification.objects.filter(assessment=assessment, verdict=Verdict.NOT_APPLICABLE).values_list(
            "indicator_code", flat=True
        )
    )
    for indicator in assessment.instrument.indicators.select_related("scale").order_by("code"):
        if indicator.code in na:
            continue
        options = list(indicator.scale.options.order_by("order"))
        pick = options[-1] if indicator.code in low else options[0]
        services_panel.panel_score_save(
            actor=person, assessment=assessment, indicator_code=indicator.code, option_id=pick.pk, note=note
        )


def stored_files(folder: str = "") -> set[str]:
    """Every file name in the (test) private storage."""
    dirs, files = default_storage.listdir(folder)
    found = {f"{folder}/{name}".lstrip("/") for name in files}
    for name in dirs:
        found |= stored_files(f"{folder}/{name}".lstrip("/"))
    return found


@pytest.fixture
def chair(assessors):
    return assessors[0]


@pytest.fixture
def submitted(in_panel, assessors):
    """Every assessor has scored and submitted; assessors[1] scored K1.01 lowest (a disagreement)."""
    for person in assessors:
        low = (CODE,) if person == assessors[1] else ()
        score_all(in_panel, person, low=low, note=SECRET if person == assessors[1] else "")
        services_panel.panel_submit(actor=person, assessment=in_panel)
    in_panel.refresh_from_db()
    return in_panel


@pytest.fixture
def stranger_assessor(tree):
    """An assessor who does not sit on this panel."""
    user = UserFactory(username="penilai_lain", full_name="Penilai Lain")
    RoleAssignmentFactory(user=user, role=Role.PENILAI)
    return user


# ---------------------------------------------------------------- who reads the page


def test_an_assessor_on_the_panel_gets_the_scoring_form(client, in_panel, assessors):
    client.force_login(assessors[1])
    response = client.get(url("page", in_panel))
    assert response.status_code == 200
    html = response.content.decode()
    indicators = in_panel.instrument.indicators.count()
    assert html.count('name="option"') == indicators  # one score form per verified indicator
    assert "Submit my scores" in html and "Declare a conflict of interest" in html
    assert f"Scored: 0 of {indicators} indicators" in html
    assert "Penilai Ketua" in html and "Chair" in html
    assert "more than 25 points" in html  # the margins in force
    assert not unresolved(html)


def test_ditjen_reads_without_forms(client, in_panel, ditjen):
    client.force_login(ditjen)
    response = client.get(url("page", in_panel))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="option"' not in html and "Submit my scores" not in html
    assert "Declare a conflict of interest" not in html
    assert "No assessor has submitted yet." in html


@pytest.mark.parametrize(
    "who", ["verifier", "operator", "kepala", "kanwil", "other_kanwil", "outsider", "admin_user", "stranger_assessor"]
)
def test_everyone_else_gets_404(client, in_panel, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("page", in_panel)).status_code == 404
    assert client.post(url("score", in_panel, CODE), {"option": options_of(in_panel)[0].pk}).status_code == 404
    assert client.post(url("submit", in_panel), {"confirm": "1"}).status_code == 404
    assert client.get(url("preview", in_panel)).status_code == 404
    assert not PanelScore.objects.exists()


def test_anonymous_is_sent_to_log_in(client, in_panel):
    response = client.get(url("page", in_panel))
    assert response.status_code == 302 and "/akun/" in response["Location"]


# ---------------------------------------------------------------- independence


def test_no_other_score_is_shown_before_one_submits(client, in_panel, assessors, ditjen):
    one, two = assessors[1], assessors[2]
    score_all(in_panel, one, low=(CODE,), note=SECRET)
    services_panel.panel_submit(actor=one, assessment=in_panel)
    score_all(in_panel, two)  # scored, not submitted
    client.force_login(two)
    html = client.get(url("page", in_panel)).content.decode()
    assert 'id="score-form-K1-01"' in html  # the assessor's own form, with their own score
    assert SECRET not in html
    assert "Submitted scores" not in html and "Totals of the submitted scores" not in html
    assert "Differs by" not in html and "Flag:" not in html
    assert "Penilai Satu:" not in html  # no per-assessor score line
    # The preview of the result is not open to an assessor who has not submitted either.
    assert client.get(url("preview", in_panel)).status_code == 404

    # Ditjen sees what was submitted (assessors[1]'s), not what the others only saved.
    client.force_login(ditjen)
    html = client.get(url("page", in_panel)).content.decode()
    assert SECRET in html and "Penilai Dua:" not in html

    # Once the assessor submits, the others' submitted scores appear.
    services_panel.panel_submit(actor=two, assessment=in_panel)
    client.force_login(two)
    html = client.get(url("page", in_panel)).content.decode()
    assert SECRET in html and "Penilai Satu:" in html and "Penilai Dua:" in html
    assert 'name="option"' not in html  # own scores are final


def test_after_everyone_submitted_flags_totals_and_spreads_show(client, submitted, assessors):
    client.force_login(assessors[2])
    html = client.get(url("page", submitted)).content.decode()
    low, high = options_of(submitted)[-1].score, options_of(submitted)[0].score
    assert f"Differs by {int(high - low)} points" in html  # a text flag, not a colour only
    assert "Totals of the submitted scores" in html
    assert html.count('<th scope="row" class="fw-normal">Penilai') >= 3  # a total per assessor
    assert "Waiting for the chair&#x27;s decision" in html or "Waiting for the chair's decision" in html


# ---------------------------------------------------------------- saving a score


def test_an_htmx_save_returns_the_saved_state(client, in_panel, assessors):
    options = options_of(in_panel)
    client.force_login(assessors[1])
    response = client.post(
        url("score", in_panel, CODE), {"option": options[1].pk, "note": "Cukup", "version": 0}, **HTMX
    )
    assert response.status_code == 200
    score = PanelScore.objects.get(assignment__assessor=assessors[1], indicator_code=CODE)
    assert (score.option_id, score.note, score.version) == (options[1].pk, "Cukup", 1)
    html = response.content.decode()
    assert "<html" not in html and "Saved " in html
    assert 'id="score-version-K1-01" hx-swap-oob="true"' in html and 'value="1"' in html
    assert 'id="panel-progress" hx-swap-oob="true"' in html and "Scored: 1 of" in html


def test_a_save_without_javascript_redirects_to_the_row(client, in_panel, assessors):
    client.force_login(assessors[1])
    response = client.post(url("score", in_panel, CODE), {"option": options_of(in_panel)[0].pk, "version": 0})
    assert response.status_code == 302 and response["Location"].endswith("#row-K1-01")
    assert PanelScore.objects.filter(indicator_code=CODE).count() == 1
    assert any("K1.01" in m for m in messages_of(response))


def test_a_refused_save_keeps_what_was_typed(client, in_panel, assessors):
    foreign = AnswerOption.objects.exclude(scale_id=options_of(in_panel)[0].scale_id).first()
    client.force_login(assessors[1])
    # htmx: the error comes back in the row's status; the browser still holds what was typed.
    response = client.post(url("score", in_panel, CODE), {"option": "", "note": "Catatan saya", "version": 0}, **HTMX)
    assert response.status_code == 400
    assert "Choose one of the answers offered for this indicator." in response.content.decode()
    # Without JavaScript: the page comes back with the note typed and the error on the row.
    response = client.post(url("score", in_panel, CODE), {"option": "", "note": "Catatan saya", "version": 0})
    assert response.status_code == 400
    html = response.content.decode()
    assert ">Catatan saya</textarea>" in html and 'aria-invalid="true"' in html
    assert "Choose one of the answers offered for this indicator." in html
    # An answer of another indicator's scale.
    response = client.post(url("score", in_panel, CODE), {"option": foreign.pk, "version": 0}, **HTMX)
    assert response.status_code == 400
    assert not PanelScore.objects.exists()


def test_a_stale_save_shows_the_stored_score_and_overwrites_nothing(client, in_panel, assessors):
    options = options_of(in_panel)
    one = assessors[1]
    # Saved meanwhile in another window.
    services_panel.panel_score_save(
        actor=one, assessment=in_panel, indicator_code=CODE, option_id=options[0].pk, note="Dari jendela lain"
    )
    client.force_login(one)
    response = client.post(
        url("score", in_panel, CODE), {"option": options[2].pk, "note": "Baru", "version": 0}, **HTMX
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#score-form-K1-01"
    html = response.content.decode()
    assert "You saved this score in another window" in html and f"“{options[0].label}”" in html
    assert ">Dari jendela lain</textarea>" in html  # the stored value is shown, not what was typed
    assert f'<option value="{options[0].pk}" selected>' in html
    score = PanelScore.objects.get(indicator_code=CODE)
    assert (score.option_id, score.note, score.version) == (options[0].pk, "Dari jendela lain", 1)
    # Without JavaScript too: the page shows the conflict.
    response = client.post(url("score", in_panel, CODE), {"option": options[2].pk, "version": 0})
    assert response.status_code == 409 and "You saved this score in another window" in response.content.decode()


def test_scoring_before_verification_is_refused_with_a_clear_message(client, in_verification, ditjen, assessors):
    seat_panel(in_verification, ditjen, assessors)
    assert in_verification.status == S.IN_VERIFICATION
    client.force_login(assessors[1])
    response = client.get(url("page", in_verification))
    assert response.status_code == 200
    message = "The panel scores an assessment once it is verified and its panel is complete."
    html = response.content.decode()
    assert message in html and 'name="option"' not in html
    option = options_of(in_verification)[0]
    response = client.post(url("score", in_verification, CODE), {"option": option.pk, "version": 0}, **HTMX)
    assert response.status_code == 409 and message in response.content.decode()
    assert not PanelScore.objects.exists()


def test_a_not_applicable_indicator_is_shown_as_not_scored(client, in_verification, verifier, ditjen, assessors):
    verify_all(in_verification, verifier, skip=(CODE,))
    services.verification_save(
        actor=verifier, assessment=in_verification, indicator_code=CODE, verdict=Verdict.NOT_APPLICABLE, note="x"
    )
    services.verification_complete(actor=verifier, assessment=in_verification)
    in_verification.refresh_from_db()
    seat_panel(in_verification, ditjen, assessors)
    client.force_login(assessors[1])
    html = client.get(url("page", in_verification)).content.decode()
    assert 'id="score-form-K1-01"' not in html and "Not applicable: not scored" in html
    assert html.count('name="option"') == in_verification.instrument.indicators.count() - 1


# ---------------------------------------------------------------- submitting


def test_submitting_needs_the_box_ticked_and_every_score(client, in_panel, assessors):
    one = assessors[1]
    client.force_login(one)
    response = client.post(url("submit", in_panel), {})
    assert response.status_code == 400 and "Tick the box" in response.content.decode()
    response = client.post(url("submit", in_panel), {"confirm": "1"})
    assert response.status_code == 400 and "Score every verified indicator first" in response.content.decode()
    score_all(in_panel, one)
    response = client.post(url("submit", in_panel), {"confirm": "1"})
    assert response.status_code == 302
    assert PanelAssignment.objects.get(assessment=in_panel, assessor=one).submitted_at is not None
    # Once submitted, a score can no longer change.
    response = client.post(url("score", in_panel, CODE), {"option": options_of(in_panel)[1].pk, "version": 1}, **HTMX)
    assert response.status_code == 409 and "no longer change" in response.content.decode()


def test_ditjen_cannot_score_or_submit(client, in_panel, ditjen):
    client.force_login(ditjen)
    assert client.post(url("score", in_panel, CODE), {"option": options_of(in_panel)[0].pk}).status_code == 403
    assert client.post(url("submit", in_panel), {"confirm": "1"}).status_code == 403


# ---------------------------------------------------------------- the chair


def _chair_posts(assessment: Assessment, adjustment: Adjustment | None = None) -> list[tuple[str, dict[str, Any]]]:
    option = options_of(assessment)[0]
    posts = [
        (url("moderate", assessment, CODE), {"option": option.pk, "note": "x", "version": 0}),
        (url("adjustment_add", assessment), {"kind": "wbk_wbbm", "points": "2", "justification": "WBK"}),
        (url("veto_set", assessment), {"reasons": "Pungli", "confirm": "1"}),
        (url("veto_remove", assessment), {}),
        (url("field_visit", assessment), {"visited_on": "2020-01-01", "participants": "a", "findings": "b"}),
        (url("finish", assessment), {"confirm": "1"}),
    ]
    if adjustment is not None:
        posts.append((url("adjustment_remove", assessment, adjustment.pk), {}))
    return posts


def test_only_the_chair_moderates_adjusts_vetoes_visits_and_finishes(client, submitted, assessors, ditjen, chair):
    adjustment = services_panel.adjustment_add(
        actor=chair, assessment=submitted, kind="ikm", points="1", justification="IKM 90"
    )
    for person in (assessors[1], ditjen):
        client.force_login(person)
        for target, data in _chair_posts(submitted, adjustment):
            assert client.post(target, data).status_code == 403, target
    assert not ModeratedScore.objects.exists() and not Veto.objects.exists() and not FieldVisit.objects.exists()
    assert Adjustment.objects.filter(removed_at__isnull=True).count() == 1
    # A non-chair sees the results but no chair tool.
    client.force_login(assessors[1])
    html = client.get(url("page", submitted)).content.decode()
    assert "Record an adjustment" not in html and "Finish the panel" not in html and "moderate-form" not in html


def test_the_chair_tools_appear_once_everyone_submitted(client, in_panel, assessors, chair):
    score_all(in_panel, chair)
    services_panel.panel_submit(actor=chair, assessment=in_panel)
    client.force_login(chair)
    html = client.get(url("page", in_panel)).content.decode()
    assert "Record an adjustment" not in html and "Finish the panel" not in html
    assert (
        client.post(url("moderate", in_panel, CODE), {"option": options_of(in_panel)[0].pk, "note": "x"}).status_code
        == 409
    )


def test_the_chair_moderates_a_flagged_indicator(client, submitted, chair):
    options = options_of(submitted)
    client.force_login(chair)
    html = client.get(url("page", submitted)).content.decode()
    assert 'id="moderate-form-K1-01"' in html and "Preview of the final result" in html
    # A missing note is refused; without JavaScript the page keeps the chosen answer.
    response = client.post(url("moderate", submitted, CODE), {"option": options[1].pk, "note": " ", "version": 0})
    assert response.status_code == 400
    html = response.content.decode()
    assert "This note is required." in html and f'<option value="{options[1].pk}" selected>' in html
    response = client.post(
        url("moderate", submitted, CODE), {"option": options[1].pk, "note": "Bukti kuat", "version": 0}, **HTMX
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "panel-changed"
    assert 'id="moderate-version-K1-01" hx-swap-oob="true"' in response.content.decode()
    moderated = ModeratedScore.objects.get(assessment=submitted, indicator_code=CODE)
    assert (moderated.option_id, moderated.note, moderated.version) == (options[1].pk, "Bukti kuat", 1)
    # The live preview reloads from its own URL.
    preview = client.get(url("preview", submitted), **HTMX)
    assert preview.status_code == 200 and "Preview of the final result" in preview.content.decode()
    assert 'id="finish-pending" hx-swap-oob="true"' in preview.content.decode()
    assert "Still to decide by the chair" not in preview.content.decode()
    # A second window still holding version 0: the conflict is shown, nothing is overwritten.
    response = client.post(
        url("moderate", submitted, CODE), {"option": options[0].pk, "note": "Lain", "version": 0}, **HTMX
    )
    assert response.status_code == 409 and response["HX-Retarget"] == "#moderate-form-K1-01"
    assert "Their change is shown; yours was not saved." in response.content.decode()
    assert ModeratedScore.objects.get(pk=moderated.pk).option_id == options[1].pk


def test_an_adjustment_out_of_range_is_refused(client, submitted, chair):
    client.force_login(chair)
    data = {"kind": "wbk_wbbm", "points": "9", "justification": "Predikat WBK 2025"}
    response = client.post(url("adjustment_add", submitted), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "WBK/WBBM status may carry from 0.00 to 5.00 points." in html
    assert ">Predikat WBK 2025</textarea>" in html and 'value="9"' in html
    assert "from 0.00 to 5.00" in html  # the configured ranges are shown next to the form
    assert not Adjustment.objects.exists()


def test_an_out_of_range_adjustment_is_explained_in_the_users_language(client, submitted, chair):
    """The refusal is a translatable message shown in the page's error summary: in Indonesian once the
    translation has it, until then in the English source; it names the configured range either way."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    client.force_login(chair)
    data = {"kind": "complaints", "points": "3", "justification": "Dua aduan Ombudsman"}
    response = client.post(url("adjustment_add", submitted), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="id">' in html
    summary = html[html.index("data-error-summary") : html.index("</div>", html.index("data-error-summary"))]
    assert "-10.00" in summary and "0.00" in summary
    assert ">Dua aduan Ombudsman</textarea>" in html
    assert not Adjustment.objects.exists()


def test_an_adjustment_with_its_document(client, submitted, chair, assessors, ditjen, verifier, outsider):
    client.force_login(chair)
    data = {"kind": "wbk_wbbm", "points": "3", "justification": "Predikat WBK", "document": pdf_upload("sk-wbk.pdf")}
    response = client.post(url("adjustment_add", submitted), data)
    assert response.status_code == 302 and response["Location"].endswith("#adjustments")
    adjustment = Adjustment.objects.get()
    assert adjustment.points == Decimal("3") and adjustment.document_kind == "pdf"
    html = client.get(url("page", submitted)).content.decode()
    link = reverse("panel:adjustment_document", args=[adjustment.pk])
    assert link in html and "sk-wbk.pdf" in html and "bonus 3.00" in html  # counted in the live preview
    for reader in (chair, assessors[2], ditjen):
        client.force_login(reader)
        response = client.get(link)
        assert response.status_code == 200
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "attachment" in response["Content-Disposition"] and "sk-wbk.pdf" in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    for refused in (verifier, outsider):
        client.force_login(refused)
        assert client.get(link).status_code == 404


def test_a_document_of_the_wrong_kind_is_refused(client, submitted, chair):
    stored_before = stored_files()
    client.force_login(chair)
    fake = SimpleUploadedFile("surat.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    data = {"kind": "ikm", "points": "2", "justification": "IKM 88", "document": fake}
    response = client.post(url("adjustment_add", submitted), data)
    assert response.status_code == 415
    assert "not one of the allowed kinds" in response.content.decode()
    assert not Adjustment.objects.exists()
    assert stored_files() == stored_before  # nothing was kept of the refused file


def test_the_chair_withdraws_an_adjustment(client, submitted, chair):
    adjustment = services_panel.adjustment_add(
        actor=chair, assessment=submitted, kind="ikm", points="1.5", justification="IKM 90"
    )
    client.force_login(chair)
    html = client.get(url("page", submitted)).content.decode()
    assert 'data-confirm="Withdraw this adjustment?' in html
    response = client.post(url("adjustment_remove", submitted, adjustment.pk))
    assert response.status_code == 302
    adjustment.refresh_from_db()
    assert adjustment.removed_at is not None
    response = client.post(url("adjustment_remove", submitted, adjustment.pk))
    assert "already withdrawn" in " ".join(messages_of(response))


def test_the_chair_strikes_the_unit_out_and_lifts_it(client, submitted, chair, assessors):
    client.force_login(chair)
    response = client.post(url("veto_set", submitted), {"reasons": "Pungutan liar terbukti"})
    assert response.status_code == 400 and ">Pungutan liar terbukti</textarea>" in response.content.decode()
    response = client.post(url("veto_set", submitted), {"reasons": "Pungutan liar terbukti", "confirm": "1"})
    assert response.status_code == 302 and Veto.objects.filter(assessment=submitted).exists()
    client.force_login(assessors[2])
    html = client.get(url("page", submitted)).content.decode()
    assert "Pungutan liar terbukti" in html and "Struck out (coret)" in html
    client.force_login(chair)
    assert client.post(url("veto_remove", submitted)).status_code == 302
    assert not Veto.objects.filter(assessment=submitted).exists()


def test_the_chair_records_a_field_visit(client, submitted, chair, assessors, verifier, outsider):
    options = options_of(submitted, "K1.02")
    client.force_login(chair)
    data = {
        "visited_on": "2020-03-04",
        "participants": "Ketua tim, Kanwil",
        "findings": "Ramp tersedia",
        "photos": [png_upload("ramp.png", 1), png_upload("toilet.png", 2)],
        "change_0": f"K1.02|{options[-1].pk}",
        "change_note_0": "Tidak ditemukan di lapangan",
    }
    response = client.post(url("field_visit", submitted), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    visit = FieldVisit.objects.get()
    assert visit.photos.count() == 2 and visit.changes.get().option_after_id == options[-1].pk
    assert Verification.objects.get(assessment=submitted, indicator_code="K1.02").option_id == options[-1].pk
    html = client.get(url("page", submitted)).content.decode()
    assert "Ramp tersedia" in html and "toilet.png" in html and "Tidak ditemukan di lapangan" in html
    photo = visit.photos.first()
    link = reverse("panel:field_visit_photo", args=[photo.pk])
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff" and "inline" in response["Content-Disposition"]
    assert "sandbox" in response["Content-Security-Policy"]
    for refused in (verifier, outsider):
        client.force_login(refused)
        assert client.get(link).status_code == 404


def test_a_refused_field_visit_keeps_what_was_typed(client, submitted, chair):
    client.force_login(chair)
    data = {"visited_on": "2999-01-01", "participants": "Tim panel", "findings": "", "change_note_1": "tanpa pilihan"}
    response = client.post(url("field_visit", submitted), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose the indicator and its new answer" in html
    assert ">Tim panel</textarea>" in html and 'value="tanpa pilihan"' in html
    data = {"visited_on": "2999-01-01", "participants": "Tim panel", "findings": ""}
    html = client.post(url("field_visit", submitted), data).content.decode()
    assert "A visit cannot be recorded before it has happened." in html and "Write down what the visit found." in html
    assert 'value="2999-01-01"' in html
    fake = SimpleUploadedFile("foto.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    data = {"visited_on": "2020-01-01", "participants": "Tim", "findings": "Ada", "photos": [fake]}
    response = client.post(url("field_visit", submitted), data)
    assert response.status_code == 415 and "not one of the allowed kinds" in response.content.decode()
    assert not FieldVisit.objects.exists()


def test_the_chair_finishes_the_panel(client, submitted, chair, assessors, ditjen):
    options = options_of(submitted)
    client.force_login(chair)
    response = client.post(url("finish", submitted), {"confirm": "1", "version": submitted.version})
    assert response.status_code == 400 and "Set the final value of every indicator" in response.content.decode()
    services_panel.panel_moderate(
        actor=chair, assessment=submitted, indicator_code=CODE, option_id=options[0].pk, note="Bukti kuat"
    )
    response = client.post(url("finish", submitted), {"version": submitted.version})
    assert response.status_code == 400 and "Tick the box" in response.content.decode()
    response = client.post(url("finish", submitted), {"confirm": "1", "note": "Sepakat", "version": submitted.version})
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == S.SCORED and PanelResult.objects.filter(assessment=submitted).exists()
    assert AuditEntry.objects.filter(action="panel.scored").exists()
    for reader in (chair, assessors[1], ditjen):
        client.force_login(reader)
        html = client.get(url("page", submitted)).content.decode()
        assert "Result of the panel" in html and "Sepakat" in html
        assert 'name="option"' not in html and "Finish the panel" not in html and "Record an adjustment" not in html
        assert "Declare a conflict of interest" not in html


def test_a_stale_finish_is_refused(client, submitted, chair):
    services_panel.panel_moderate(
        actor=chair, assessment=submitted, indicator_code=CODE, option_id=options_of(submitted)[0].pk, note="ok"
    )
    client.force_login(chair)
    response = client.post(url("finish", submitted), {"confirm": "1", "version": submitted.version - 1})
    assert response.status_code == 409 and "changed this assessment in the meantime" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == S.IN_PANEL


# ---------------------------------------------------------------- conflict of interest


def test_an_assessor_declares_a_conflict_and_then_sees_only_a_notice(client, in_panel, assessors):
    one = assessors[1]
    score_all(in_panel, one, note=SECRET)
    client.force_login(one)
    response = client.post(url("conflict", in_panel), {"reason": "Saudara bekerja di sana"})
    assert response.status_code == 400 and ">Saudara bekerja di sana</textarea>" in response.content.decode()
    response = client.post(url("conflict", in_panel), {"reason": "", "confirm": "1"})
    assert response.status_code == 400 and "Say what the conflict of interest is." in response.content.decode()
    response = client.post(url("conflict", in_panel), {"reason": "Saudara bekerja di sana", "confirm": "1"})
    assert response.status_code == 302
    seat = PanelAssignment.objects.get(assessment=in_panel, assessor=one)
    assert seat.conflict_declared_at is not None and seat.conflict_reason == "Saudara bekerja di sana"
    html = client.get(url("page", in_panel)).content.decode()
    assert "You no longer sit on this panel" in html and "Saudara bekerja di sana" in html
    assert SECRET not in html and CODE not in html and 'name="option"' not in html
    # No longer on the panel: nothing else opens or saves.
    assert client.get(url("preview", in_panel)).status_code == 404
    assert client.post(url("score", in_panel, CODE), {"option": options_of(in_panel)[0].pk}).status_code == 404
    # The others see the declaration in the panel list.
    client.force_login(assessors[2])
    assert "Declared a conflict of interest on" in client.get(url("page", in_panel)).content.decode()


def test_ditjen_cannot_declare_a_conflict(client, in_panel, ditjen):
    client.force_login(ditjen)
    assert client.post(url("conflict", in_panel), {"reason": "x", "confirm": "1"}).status_code == 403
