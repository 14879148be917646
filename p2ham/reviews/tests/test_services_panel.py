"""The panel (stage 7): assessors score the verified indicators independently and submit; disagreements
beyond the margins are flagged; the chair alone moderates, adjusts, vetoes, records field visits and
finishes — the assessment is then scored with the engine's breakdown stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.test import override_settings
from django.utils import timezone, translation

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments.models import Assessment, StatusChange
from p2ham.assessments.services import StaleVersion
from p2ham.assessments.tests.fixtures import pdf_upload, png_upload
from p2ham.audit.models import AuditEntry
from p2ham.instruments import scoring
from p2ham.instruments.models import AnswerOption
from p2ham.instruments.selectors import instrument_scorer, instrument_with_tree
from p2ham.notifications.models import Notification
from p2ham.periods.services import TransitionError
from p2ham.reviews import selectors, services, services_panel
from p2ham.reviews.models import (
    Adjustment,
    AdjustmentRule,
    FieldVisitChange,
    ModeratedScore,
    PanelResult,
    PanelScore,
    Verdict,
    Verification,
    Veto,
)
from p2ham.reviews.services import ConflictOfInterest
from p2ham.reviews.tests.fixtures import seat_panel, verify_all

S = Assessment.Status
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield


def options(assessment: Assessment, code: str) -> list[AnswerOption]:
    return list(assessment.instrument.indicators.get(code=code).scale.options.all())


def score_all(person, assessment: Assessment, picks: dict[str, int] | None = None, *, skip: tuple[str, ...] = ()):
    """Score every scorable indicator: the first option (100) unless ``picks`` gives another option index."""
    picks = picks or {}
    for row in selectors.panel_page(assessment=assessment, user=person).scorable_rows:
        code = row.indicator.code
        if code in skip:
            continue
        services_panel.panel_score_save(
            actor=person,
            assessment=assessment,
            indicator_code=code,
            option_id=row.options[picks.get(code, 0)].pk,
        )


def submit_all(assessment: Assessment, people, picks: dict | None = None) -> None:
    """Each person scores (their own ``picks[person]``) and submits."""
    for person in people:
        score_all(person, assessment, (picks or {}).get(person))
        services_panel.panel_submit(actor=person, assessment=assessment)


def reload(assessment: Assessment) -> Assessment:
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def panel(in_panel, assessors):
    chair, one, two = assessors
    return in_panel, chair, one, two


@pytest.fixture
def submitted(panel):
    """Every assessor has scored 100 everywhere and submitted: nothing is flagged."""
    a, chair, one, two = panel
    submit_all(a, [one, two, chair])
    return panel


# ---------------------------------------------------------------- who scores, and when


def test_scoring_before_verification_is_refused(in_verification, ditjen, assessors):
    seat_panel(in_verification, ditjen, assessors)  # a panel may be seated early
    assert in_verification.status == S.IN_VERIFICATION
    with pytest.raises(TransitionError, match="once it is verified"):
        services_panel.panel_score_save(
            actor=assessors[1],
            assessment=in_verification,
            indicator_code="K1.01",
            option_id=options(in_verification, "K1.01")[0].pk,
        )
    assert not PanelScore.objects.exists()


def test_only_the_panels_assessors_score(panel, verifier, ditjen):
    a = panel[0]
    outsider_assessor = UserFactory(username="penilai_lain", full_name="Penilai Lain")
    RoleAssignmentFactory(user=outsider_assessor, role=Role.PENILAI, unit=None)
    for person in (outsider_assessor, verifier, ditjen):
        with pytest.raises(PermissionDenied):
            services_panel.panel_score_save(
                actor=person, assessment=a, indicator_code="K1.01", option_id=options(a, "K1.01")[0].pk
            )
    assert not PanelScore.objects.exists()


def test_an_assessor_who_declared_a_conflict_no_longer_scores(panel):
    a, _chair, one, _two = panel
    services.panel_declare_conflict(actor=one, assessment=a, reason="Mantan pegawai Lapas Ambon")
    with pytest.raises(PermissionDenied):
        services_panel.panel_score_save(
            actor=one, assessment=a, indicator_code="K1.01", option_id=options(a, "K1.01")[0].pk
        )
    assert not PanelScore.objects.exists()


def test_an_assessor_with_a_conflict_arisen_after_seating_is_refused(panel, tree):
    a, _chair, one, _two = panel
    # Seated while national only, then posted to Kanwil Maluku: Lapas Ambon's own regional office.
    RoleAssignmentFactory(user=one, role=Role.KANWIL, unit=tree.kanwil_maluku)
    with pytest.raises(ConflictOfInterest):
        services_panel.panel_score_save(
            actor=one, assessment=a, indicator_code="K1.01", option_id=options(a, "K1.01")[0].pk
        )
    assert not PanelScore.objects.exists()


def test_a_score_is_an_option_of_the_indicators_scale(panel):
    a, _chair, one, _two = panel
    with pytest.raises(ValidationError) as caught:
        services_panel.panel_score_save(
            actor=one, assessment=a, indicator_code="K1.01", option_id=options(a, "K3.04")[1].pk
        )
    assert set(caught.value.message_dict) == {"option"}


def test_a_score_is_saved_and_audited(panel):
    a, _chair, one, _two = panel
    low = options(a, "K1.01")[1]
    score = services_panel.panel_score_save(
        actor=one, assessment=a, indicator_code="K1.01", option_id=low.pk, note="Bukti foto kurang", version=0
    )
    assert (score.option, score.note, score.version) == (low, "Bukti foto kurang", 1)
    assert AuditEntry.objects.get(action="panel.score.save").data["score"] == str(low.score)
    with pytest.raises(StaleVersion) as caught:
        services_panel.panel_score_save(
            actor=one, assessment=a, indicator_code="K1.01", option_id=options(a, "K1.01")[0].pk, version=0
        )
    assert caught.value.current.pk == score.pk
    assert PanelScore.objects.get(pk=score.pk).option == low


@pytest.fixture
def with_not_applicable(in_verification, verifier, ditjen, assessors):
    """Verified with K3.07 accepted as not applicable; the panel of three seated."""
    verify_all(in_verification, verifier, skip=("K3.07",))
    services.verification_save(
        actor=verifier, assessment=in_verification, indicator_code="K3.07", verdict=Verdict.NOT_APPLICABLE
    )
    services.verification_complete(actor=verifier, assessment=in_verification)
    seat_panel(reload(in_verification), ditjen, assessors)
    assert in_verification.status == S.IN_PANEL
    return in_verification


def test_not_applicable_indicators_are_not_scored(with_not_applicable, assessors):
    a, one = with_not_applicable, assessors[1]
    with pytest.raises(TransitionError, match="not applicable"):
        services_panel.panel_score_save(
            actor=one, assessment=a, indicator_code="K3.07", option_id=options(a, "K3.07")[0].pk
        )
    page = selectors.panel_page(assessment=a, user=one)
    assert "K3.07" not in {r.indicator.code for r in page.scorable_rows}
    assert len(page.scorable_rows) == len(page.rows) - 1
    score_all(one, a)
    services_panel.panel_submit(actor=one, assessment=a)  # K3.07 is not needed


def test_submit_needs_every_verified_indicator_scored(panel):
    a, _chair, one, _two = panel
    score_all(one, a, skip=("K2.03", "K3.01"))
    with pytest.raises(ValidationError) as caught:
        services_panel.panel_submit(actor=one, assessment=a)
    assert caught.value.code == "incomplete" and "2 left (K2.03, K3.01)" in caught.value.messages[0]
    assert selectors.panel_seat(one, a).submitted_at is None


def test_scores_are_final_once_submitted(panel):
    a, _chair, one, _two = panel
    submit_all(a, [one])
    assert selectors.panel_seat(one, a).submitted_at is not None
    assert AuditEntry.objects.filter(action="panel.submit", actor=one).count() == 1
    with pytest.raises(TransitionError, match="can no longer change"):
        services_panel.panel_score_save(
            actor=one, assessment=a, indicator_code="K1.01", option_id=options(a, "K1.01")[2].pk
        )
    with pytest.raises(TransitionError, match="already submitted"):
        services_panel.panel_submit(actor=one, assessment=a)
    assert not PanelScore.objects.filter(assignment__assessor=one, option__score=0).exists()


def test_the_chair_is_told_when_everyone_has_submitted(panel):
    a, chair, one, two = panel
    submit_all(a, [one, chair])
    assert not Notification.objects.filter(recipient=chair, title__contains="every assessor has submitted").exists()
    submit_all(a, [two])
    assert Notification.objects.filter(recipient=chair, title__contains="every assessor has submitted").count() == 1


# ---------------------------------------------------------------- independence


def test_nobody_sees_the_others_scores_before_submitting(panel, ditjen):
    a, chair, one, two = panel
    submit_all(a, [two], {two: {"K1.01": 2}})
    score_all(one, a, {"K1.01": 1})  # scored, not submitted

    page = selectors.panel_page(assessment=a, user=one)
    assert not page.see_all and page.totals == [] and page.total_spread is None
    row = next(r for r in page.rows if r.indicator.code == "K1.01")
    assert row.own is not None and row.own.option == options(a, "K1.01")[1]
    assert all(r.others == [] and not r.flagged for r in page.rows)

    # Ditjen HAM sees the submitted scores only: two's, not one's.
    page = selectors.panel_page(assessment=a, user=ditjen)
    assert page.see_all and page.seat is None
    row = next(r for r in page.rows if r.indicator.code == "K1.01")
    assert [s.assignment.assessor for s in row.others] == [two]
    assert [t.seat.assessor for t in page.totals] == [two]

    # Once they submit, they see every submitted score.
    services_panel.panel_submit(actor=one, assessment=a)
    page = selectors.panel_page(assessment=a, user=one)
    row = next(r for r in page.rows if r.indicator.code == "K1.01")
    assert page.see_all and {s.assignment.assessor for s in row.others} == {one, two}
    assert chair not in {t.seat.assessor for t in page.totals}


# ---------------------------------------------------------------- flags


@pytest.mark.parametrize(("margin", "flagged"), [(49, True), (50, False)])
def test_an_indicator_is_flagged_beyond_the_margin(panel, margin, flagged):
    a, chair, one, two = panel
    submit_all(a, [one, two, chair], {one: {"K1.01": 1}})  # 50 against 100
    with override_settings(PANEL_MARGIN_INDICATOR=margin, PANEL_MARGIN_TOTAL=100):
        page = selectors.panel_page(assessment=a, user=chair)
    row = next(r for r in page.rows if r.indicator.code == "K1.01")
    assert row.spread == Decimal(50)
    assert [r.indicator.code for r in page.flagged_rows] == (["K1.01"] if flagged else [])
    assert page.margin_indicator == margin


@pytest.mark.parametrize(("margin", "flagged"), [(4, True), (5, False)])
def test_totals_are_flagged_beyond_the_margin(panel, margin, flagged):
    a, chair, one, two = panel
    # 0 against 100 on one of K1's nine indicators: K1 (weight 40 of 100) differs by 100/9, the total by 4.44.
    submit_all(a, [one, two, chair], {one: {"K1.01": 2}})
    with override_settings(PANEL_MARGIN_INDICATOR=100, PANEL_MARGIN_TOTAL=margin):
        page = selectors.panel_page(assessment=a, user=chair)
        assert page.flagged_rows == []
        totals = {t.seat.assessor: t.total for t in page.totals}
        assert totals == {chair: Decimal("100.00"), one: Decimal("95.56"), two: Decimal("100.00")}
        assert page.total_spread == Decimal("4.44") and page.total_flagged is flagged
        if flagged:
            with pytest.raises(ValidationError) as caught:
                services_panel.panel_finish(actor=chair, assessment=a)
            assert set(caught.value.message_dict) == {"note"}
            result = services_panel.panel_finish(actor=chair, assessment=a, note="Bukti SK K1.01 tidak sah")
            assert result.breakdown["note"] == "Bukti SK K1.01 tidak sah"
        else:
            services_panel.panel_finish(actor=chair, assessment=a)
    assert reload(a).status == S.SCORED


# ---------------------------------------------------------------- the chair


def _chair_actions(a):
    code = "K1.01"
    return {
        "moderate": lambda who: services_panel.panel_moderate(
            actor=who, assessment=a, indicator_code=code, option_id=options(a, code)[1].pk, note="Sepakat"
        ),
        "adjust": lambda who: services_panel.adjustment_add(
            actor=who, assessment=a, kind="wbk_wbbm", points="2", justification="WBK 2025"
        ),
        "veto": lambda who: services_panel.veto_set(actor=who, assessment=a, reasons="Kasus penyiksaan"),
        "visit": lambda who: services_panel.field_visit_record(
            actor=who, assessment=a, visited_on=timezone.localdate(), participants="Tim", findings="Sesuai"
        ),
        "finish": lambda who: services_panel.panel_finish(actor=who, assessment=a),
    }


@pytest.mark.parametrize("action", ["moderate", "adjust", "veto", "visit", "finish"])
def test_only_the_chair_moderates_adjusts_vetoes_visits_and_finishes(submitted, action):
    a, _chair, one, _two = submitted
    with pytest.raises(PermissionDenied, match="chair"):
        _chair_actions(a)[action](one)
    assert not ModeratedScore.objects.exists() and not Adjustment.objects.exists() and not Veto.objects.exists()
    assert not a.field_visits.exists() and reload(a).status == S.IN_PANEL


def test_moderation_waits_for_every_assessor(panel):
    a, chair, one, two = panel
    submit_all(a, [chair, one])
    with pytest.raises(TransitionError, match="still waiting for: Penilai Dua"):
        services_panel.panel_moderate(
            actor=chair, assessment=a, indicator_code="K1.01", option_id=options(a, "K1.01")[1].pk, note="x"
        )
    with pytest.raises(TransitionError, match="still waiting"):
        services_panel.panel_finish(actor=chair, assessment=a)
    assert not ModeratedScore.objects.exists()
    submit_all(a, [two])
    services_panel.panel_moderate(
        actor=chair, assessment=a, indicator_code="K1.01", option_id=options(a, "K1.01")[1].pk, note="x"
    )


def test_moderation_needs_a_note_and_a_stale_one_is_refused(submitted):
    a, chair, _one, _two = submitted
    low, zero = options(a, "K1.01")[1:3]
    with pytest.raises(ValidationError):
        services_panel.panel_moderate(
            actor=chair, assessment=a, indicator_code="K1.01", option_id=low.pk, note=" ", version=0
        )
    first = services_panel.panel_moderate(
        actor=chair, assessment=a, indicator_code="K1.01", option_id=low.pk, note="Bukti lemah", version=0
    )
    assert (first.option, first.version, first.set_by) == (low, 1, chair)
    with pytest.raises(StaleVersion) as caught:
        services_panel.panel_moderate(
            actor=chair, assessment=a, indicator_code="K1.01", option_id=zero.pk, note="Tidak ada", version=0
        )
    assert caught.value.current.pk == first.pk and caught.value.current.option == low
    stored = ModeratedScore.objects.get()
    assert (stored.option, stored.note, stored.version) == (low, "Bukti lemah", 1)
    assert AuditEntry.objects.filter(action="panel.moderate").count() == 1


# ---------------------------------------------------------------- adjustments


@pytest.mark.parametrize(
    ("kind", "points", "justification", "field"),
    [
        ("wbk_wbbm", "6", "WBK", "points"),  # above 5
        ("wbk_wbbm", "-1", "WBK", "points"),  # below 0
        ("complaints", "-10.01", "Ombudsman", "points"),
        ("complaints", "0", "Ombudsman", "points"),  # changes nothing
        ("wbk_wbbm", "2.555", "WBK", "points"),
        ("wbk_wbbm", "banyak", "WBK", "points"),
        ("wbk_wbbm", "2", "   ", "justification"),
        ("hadiah", "2", "WBK", "kind"),
    ],
)
def test_adjustments_are_validated(submitted, kind, points, justification, field):
    a, chair, _one, _two = submitted
    with pytest.raises(ValidationError) as caught:
        services_panel.adjustment_add(actor=chair, assessment=a, kind=kind, points=points, justification=justification)
    assert set(caught.value.message_dict) == {field}
    assert not Adjustment.objects.exists()


def test_an_adjustment_without_a_configured_range_is_refused(submitted):
    a, chair, _one, _two = submitted
    AdjustmentRule.objects.filter(kind="ikm").delete()
    with pytest.raises(ValidationError, match="no configured range"):
        services_panel.adjustment_add(actor=chair, assessment=a, kind="ikm", points="1", justification="IKM 90")


@pytest.fixture
def stored_names(monkeypatch) -> list[str]:
    """The private storage names written by the panel services."""
    names: list[str] = []
    real = services_panel.store_private

    def spy(*args, **kwargs):
        name = real(*args, **kwargs)
        names.append(name)
        return name

    monkeypatch.setattr(services_panel, "store_private", spy)
    return names


def test_an_adjustment_with_its_document(submitted, stored_names):
    a, chair, _one, _two = submitted
    adjustment = services_panel.adjustment_add(
        actor=chair,
        assessment=a,
        kind="complaints",
        points="-2,5",
        justification="Dua aduan Ombudsman terbukti",
        document=pdf_upload("lhp ombudsman.pdf"),
    )
    assert adjustment.points == Decimal("-2.50")
    assert (adjustment.document_kind, adjustment.document_original) == ("pdf", "lhp ombudsman.pdf")
    assert stored_names == [adjustment.document_name] and default_storage.exists(adjustment.document_name)
    entry = AuditEntry.objects.get(action="panel.adjustment.add")
    assert (entry.data["kind"], Decimal(entry.data["points"]), entry.data["document"]) == (
        "complaints",
        Decimal("-2.5"),
        True,
    )


def test_a_document_is_checked_by_its_content(submitted, stored_names):
    a, chair, _one, _two = submitted
    fake = SimpleUploadedFile("lhp.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError):
        services_panel.adjustment_add(
            actor=chair, assessment=a, kind="ikm", points="1", justification="IKM 90", document=fake
        )
    assert stored_names == [] and not Adjustment.objects.exists()


def test_the_document_is_deleted_when_the_database_write_fails(submitted, stored_names, monkeypatch):
    a, chair, _one, _two = submitted

    def fail(**kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(services_panel, "audit_log", fail)  # after the adjustment row was written
    with pytest.raises(DatabaseError):
        services_panel.adjustment_add(
            actor=chair, assessment=a, kind="ikm", points="1", justification="IKM 90", document=pdf_upload()
        )
    assert len(stored_names) == 1 and not default_storage.exists(stored_names[0])
    assert not Adjustment.objects.exists()


def test_a_refused_chair_action_leaves_no_document(submitted, stored_names):
    a, _chair, one, _two = submitted
    with pytest.raises(PermissionDenied):
        services_panel.adjustment_add(
            actor=one, assessment=a, kind="ikm", points="1", justification="IKM 90", document=pdf_upload()
        )
    assert all(not default_storage.exists(name) for name in stored_names)


def test_a_withdrawn_adjustment_no_longer_counts(submitted):
    a, chair, _one, _two = submitted
    adjustment = services_panel.adjustment_add(
        actor=chair, assessment=a, kind="negative_news", points="-3", justification="Berita kekerasan"
    )
    services_panel.adjustment_remove(actor=chair, adjustment=adjustment)
    with pytest.raises(TransitionError, match="already withdrawn"):
        services_panel.adjustment_remove(actor=chair, adjustment=adjustment)
    result = services_panel.panel_finish(actor=chair, assessment=a)
    assert result.breakdown["penalty"] == "0.00" and result.total == Decimal("100.00")


# ---------------------------------------------------------------- veto and field visits


def test_a_veto_takes_the_predicate_away(submitted):
    a, chair, _one, _two = submitted
    with pytest.raises(ValidationError):
        services_panel.veto_set(actor=chair, assessment=a, reasons="  ")
    services_panel.veto_set(actor=chair, assessment=a, reasons="Temuan penyiksaan warga binaan")
    result = services_panel.panel_finish(actor=chair, assessment=a)
    assert result.total == Decimal("100.00") and result.breakdown["predicate"] is True  # the engine's own say
    assert result.predicate is False and result.vetoed is True
    assert result.breakdown["veto"] == "Temuan penyiksaan warga binaan"
    assert AuditEntry.objects.filter(action="panel.veto.set").exists()


def test_a_lifted_veto_leaves_the_predicate(submitted):
    a, chair, _one, _two = submitted
    services_panel.veto_set(actor=chair, assessment=a, reasons="Dugaan")
    services_panel.veto_remove(actor=chair, assessment=a)
    with pytest.raises(TransitionError):
        services_panel.veto_remove(actor=chair, assessment=a)
    result = services_panel.panel_finish(actor=chair, assessment=a)
    assert (result.predicate, result.vetoed, result.breakdown["veto"]) == (True, False, None)


def test_a_field_visit_changes_a_verified_answer_with_a_note(submitted, stored_names):
    a, chair, _one, _two = submitted
    before = Verification.objects.get(assessment=a, indicator_code="K1.03")
    after = options(a, "K1.03")[1]
    visit = services_panel.field_visit_record(
        actor=chair,
        assessment=a,
        visited_on=timezone.localdate() - dt.timedelta(days=1),
        participants="Ketua tim, Kabid HAM",
        findings="Ruang layanan belum ramah disabilitas",
        photos=[png_upload("ruang.png")],
        changes=[("K1.03", after.pk, "Ramp belum ada")],
    )
    change = FieldVisitChange.objects.get(visit=visit)
    assert (change.indicator_code, change.option_before, change.option_after, change.note) == (
        "K1.03",
        before.option,
        after,
        "Ramp belum ada",
    )
    verification = Verification.objects.get(pk=before.pk)
    assert verification.option == after and verification.version == before.version + 1
    assert "Changed after the field visit" in verification.note and "Ramp belum ada" in verification.note
    photo = visit.photos.get()
    assert photo.kind == "png" and stored_names == [photo.storage_name] and default_storage.exists(photo.storage_name)
    entry = AuditEntry.objects.get(action="panel.field_visit")
    assert entry.data["changes"] == [{"indicator": "K1.03", "option": after.label}]


@pytest.mark.parametrize(
    ("days", "changes", "field"),
    [
        (1, [], "visited_on"),  # not yet happened
        (0, [("K1.03", None, "  ")], "changes"),  # a change needs its note
    ],
)
def test_field_visits_are_validated(submitted, days, changes, field):
    a, chair, _one, _two = submitted
    with pytest.raises(ValidationError) as caught:
        services_panel.field_visit_record(
            actor=chair,
            assessment=a,
            visited_on=timezone.localdate(timezone=a.unit.province.tzinfo) + dt.timedelta(days=days),
            participants="Tim",
            findings="Temuan",
            changes=changes,
        )
    assert field in caught.value.message_dict
    assert not a.field_visits.exists()


def test_a_fake_photo_is_refused_and_nothing_is_kept(submitted, stored_names):
    a, chair, _one, _two = submitted
    fake = SimpleUploadedFile("foto.png", b"GIF89a not a png", content_type="image/png")
    with pytest.raises(ValidationError):
        services_panel.field_visit_record(
            actor=chair,
            assessment=a,
            visited_on=timezone.localdate(),
            participants="Tim",
            findings="Temuan",
            photos=[png_upload("baik.png"), fake],
        )
    assert len(stored_names) == 1 and not default_storage.exists(stored_names[0])
    assert not a.field_visits.exists()


# ---------------------------------------------------------------- finishing


def test_finish_is_refused_while_flags_are_not_moderated(panel):
    a, chair, one, two = panel
    submit_all(a, [one, two, chair], {one: {"K1.02": 2}})
    with pytest.raises(ValidationError) as caught:
        services_panel.panel_finish(actor=chair, assessment=a)
    assert caught.value.code == "unmoderated" and "K1.02" in caught.value.messages[0]
    assert reload(a).status == S.IN_PANEL and not PanelResult.objects.exists()


@override_settings(PANEL_MARGIN_INDICATOR=40, PANEL_MARGIN_TOTAL=10)
def test_finish_stores_the_engines_breakdown(panel, ditjen):
    a, chair, one, two = panel
    # K1.02: 100 / 50 / 100 — flagged (50 > 40), moderated to 50. K3.04: 100 / 100 / 60 — not flagged
    # (40), the mean counts.
    submit_all(a, [one, two, chair], {one: {"K1.02": 1}, two: {"K3.04": 1}})
    services_panel.panel_moderate(
        actor=chair, assessment=a, indicator_code="K1.02", option_id=options(a, "K1.02")[1].pk, note="Baru proses"
    )
    services_panel.adjustment_add(
        actor=chair, assessment=a, kind="complaints", points="-4", justification="Empat aduan e-Lapor terbukti"
    )
    result = services_panel.panel_finish(actor=chair, assessment=a)

    # By hand: K1 = (8×100 + 50)/9, K2 = 100, K3 = (6×100 + 260/3)/7; weights 40/35/25.
    assert result.breakdown["base_total"] == "97.30"
    assert (result.breakdown["bonus"], result.breakdown["penalty"]) == ("0.00", "4.00")
    assert result.total == Decimal("93.30") and result.predicate is True and result.vetoed is False
    # The same as the engine's own breakdown of these final values.
    answers = {code: Decimal(100) for code in a.instrument.indicators.values_list("code", flat=True)}
    answers["K1.02"] = Decimal(50)
    answers["K3.04"] = (Decimal(100) + Decimal(100) + Decimal(60)) / 3
    expected = instrument_scorer(instrument_with_tree(pk=a.instrument_id)).score(
        answers, [scoring.Adjustment(kind="complaints", label="", points=Decimal(-4))]
    )
    stored = {k: v for k, v in result.breakdown.items() if k not in ("veto", "note", "adjustments")}
    assert stored == {k: v for k, v in expected.as_dict().items() if k != "adjustments"}
    assert [(x["kind"], x["counted"]) for x in result.breakdown["adjustments"]] == [("complaints", "-4.00")]
    assert result.scores["K1.02"] == "50.00" and result.scores["K3.04"].startswith("86.666")
    assert result.scored_by == chair

    a = reload(a)
    assert a.status == S.SCORED and PanelResult.objects.get(assessment=a) == result
    change = StatusChange.objects.filter(assessment=a).latest("pk")
    assert (change.from_status, change.to_status, change.actor) == (S.IN_PANEL, S.SCORED, chair)
    assert AuditEntry.objects.get(action="panel.scored").data["total"] == "93.30"
    assert Notification.objects.filter(recipient=ditjen, title__contains="scored by its panel: 93.30").exists()
    # Nothing more can change.
    with pytest.raises(TransitionError):
        services_panel.panel_moderate(
            actor=chair, assessment=a, indicator_code="K1.02", option_id=options(a, "K1.02")[0].pk, note="x"
        )
    with pytest.raises(TransitionError):
        services.panel_declare_conflict(actor=one, assessment=a, reason="Terlambat")


def test_an_indicator_made_scorable_by_a_field_visit_needs_a_final_value(with_not_applicable, assessors):
    a = with_not_applicable
    chair, one, two = assessors
    submit_all(a, [chair, one, two])  # K3.07 was not applicable: nobody scored it
    services_panel.field_visit_record(
        actor=chair,
        assessment=a,
        visited_on=timezone.localdate(timezone=a.unit.province.tzinfo),
        participants="Tim",
        findings="Survei kepuasan ternyata dilaksanakan",
        changes=[("K3.07", options(a, "K3.07")[1].pk, "Ada laporan survei")],
    )
    assert Verification.objects.get(assessment=a, indicator_code="K3.07").verdict == Verdict.ACCEPTED
    # Without a value it would count as unanswered (0): the chair sets it first.
    with pytest.raises(ValidationError) as caught:
        services_panel.panel_finish(actor=chair, assessment=a)
    assert caught.value.code == "unmoderated" and "K3.07" in caught.value.messages[0]
    services_panel.panel_moderate(
        actor=chair, assessment=a, indicator_code="K3.07", option_id=options(a, "K3.07")[1].pk, note="Uji petik"
    )
    result = services_panel.panel_finish(actor=chair, assessment=a)
    assert result.scores["K3.07"] == "60.00"
