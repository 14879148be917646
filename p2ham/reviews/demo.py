"""Demo content for verification and the panel, made through the real services after the self-assessment
demo: the Kanwil forward three submitted assessments, Ditjen HAM assigns verifiers and panels, and the
units stand at different points — Rutan Ambon returned for repair (two indicators), Lapas Malang with its
panel (one assessor has submitted, the well-known ``penilai`` chairs and has yet to score), Bapas Surabaya
scored after a moderated disagreement and an adjustment. Used by ``seed_demo`` only (never in production)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from p2ham.accounts.models import User
from p2ham.assessments import services as assessment_services
from p2ham.assessments.models import Assessment
from p2ham.instruments.models import Indicator
from p2ham.periods.models import Period
from p2ham.reviews import services, services_panel
from p2ham.reviews.models import PanelAssignment, Verdict

S = Assessment.Status


def _verify(assessment: Assessment, verifier: User, *, repair: tuple[str, ...] = ()) -> None:
    """Accept every indicator as the unit answered it, except ``repair`` (needs repair, with a reason)."""
    answers = {a.indicator_code: a for a in assessment.answers.all()}
    for index, indicator in enumerate(
        Indicator.objects.filter(instrument_id=assessment.instrument_id or 0)
        .select_related("scale")
        .order_by("order", "pk")
    ):
        answer = answers.get(indicator.code)
        if indicator.code in repair:
            services.verification_save(
                actor=verifier,
                assessment=assessment,
                indicator_code=indicator.code,
                verdict=Verdict.NEEDS_REPAIR,
                option_id=answer.option_id if answer else None,
                reason_code="bukti-tidak-lengkap" if index % 2 else "tidak-ditandatangani",
                note="Lampirkan dokumen yang sudah ditandatangani Kepala Unit dan foto terbaru sarana.",
            )
            continue
        services.verification_save(
            actor=verifier,
            assessment=assessment,
            indicator_code=indicator.code,
            verdict=Verdict.ACCEPTED,
            option_id=answer.option_id
            if answer and answer.option_id
            else indicator.scale.options.values("pk")[0]["pk"],
            note="Data dukung sesuai." if index % 5 == 0 else "",
        )


def _score(assessment: Assessment, assessor: User, *, lower: tuple[str, ...] = ()) -> None:
    """Score every scorable indicator with the verified answer; ``lower`` gets the scale's lowest option."""
    verified = {v.indicator_code: v for v in assessment.verifications.select_related("option")}
    for indicator in (
        Indicator.objects.filter(instrument_id=assessment.instrument_id or 0)
        .select_related("scale")
        .order_by("order", "pk")
    ):
        verification = verified.get(indicator.code)
        if verification is None or verification.verdict == Verdict.NOT_APPLICABLE:
            continue
        option = verification.option
        if indicator.code in lower:
            option = list(indicator.scale.options.all())[-1]
        services_panel.panel_score_save(
            actor=assessor,
            assessment=assessment,
            indicator_code=indicator.code,
            option_id=option.pk if option else None,
        )


def seed_demo_reviews(*, period: Period) -> str:
    """Verification and panel examples for the demo year (once: skipped when any verifier is assigned)."""
    from p2ham.reviews.models import VerifierAssignment

    if VerifierAssignment.objects.filter(assessment__period=period).exists():
        return "Demo verification and panel: already there; left as they are."
    people = {
        u.username: u
        for u in User.objects.filter(
            username__in=[
                "ditjen",
                "verifikator",
                "verifikator2",
                "penilai",
                "penilai2",
                "penilai3",
                "kanwil",
                "kanwil.35",
            ]
        )
    }
    ditjen = people["ditjen"]
    submitted = {
        a.unit.code: a
        for a in Assessment.objects.filter(period=period, status=S.SUBMITTED).select_related("unit__province", "period")
    }
    done = []
    for code, kanwil in (
        ("RUTAN-81-AMBON", "kanwil"),
        ("LAPAS-35-MALANG", "kanwil.35"),
        ("BAPAS-35-SURABAYA", "kanwil.35"),
    ):
        assessment = submitted.get(code)
        if assessment is None or kanwil not in people:
            continue
        assessment_services.assessment_forward(
            actor=people[kanwil], assessment=assessment, note="Telah direviu Kanwil; data dukung lengkap."
        )
        done.append(code)
    fresh = {
        a.unit.code: a
        for a in Assessment.objects.filter(period=period, unit__code__in=done).select_related(
            "unit__province", "period", "instrument"
        )
    }
    notes = []
    ambon = fresh.get("RUTAN-81-AMBON")
    if ambon is not None:
        services.verifier_assign(actor=ditjen, assessment=ambon, verifier=people["verifikator"])
        codes = list(
            Indicator.objects.filter(instrument_id=ambon.instrument_id or 0)
            .order_by("order", "pk")
            .values_list("code", flat=True)
        )
        _verify(ambon, people["verifikator"], repair=tuple(codes[1:3]))
        today = timezone.localdate(timezone=ambon.unit.province.tzinfo)
        services.verification_return(
            actor=people["verifikator"],
            assessment=ambon,
            due_date=today + dt.timedelta(days=7),
            note="Mohon perbaiki dua indikator berikut; indikator lain sudah sesuai.",
        )
        notes.append("Rutan Ambon returned for repair")
    malang = fresh.get("LAPAS-35-MALANG")
    if malang is not None:
        services.verifier_assign(actor=ditjen, assessment=malang, verifier=people["verifikator"])
        _verify(malang, people["verifikator"])
        services.verification_complete(actor=people["verifikator"], assessment=malang)
        services.panel_assign(actor=ditjen, assessment=malang, assessor=people["penilai"], chair=True)
        services.panel_assign(actor=ditjen, assessment=malang, assessor=people["penilai2"])
        malang.refresh_from_db()
        _score(malang, people["penilai2"])
        services_panel.panel_submit(actor=people["penilai2"], assessment=malang)
        notes.append("Lapas Malang with its panel")
    surabaya = fresh.get("BAPAS-35-SURABAYA")
    if surabaya is not None:
        services.verifier_assign(actor=ditjen, assessment=surabaya, verifier=people["verifikator2"])
        _verify(surabaya, people["verifikator2"])
        services.verification_complete(actor=people["verifikator2"], assessment=surabaya)
        services.panel_assign(actor=ditjen, assessment=surabaya, assessor=people["penilai2"], chair=True)
        services.panel_assign(actor=ditjen, assessment=surabaya, assessor=people["penilai3"])
        surabaya.refresh_from_db()
        first = Indicator.objects.filter(instrument_id=surabaya.instrument_id or 0).order_by("order", "pk").first()
        _score(surabaya, people["penilai2"])
        _score(surabaya, people["penilai3"], lower=(first.code,) if first else ())
        services_panel.panel_submit(actor=people["penilai3"], assessment=surabaya)
        services_panel.panel_submit(actor=people["penilai2"], assessment=surabaya)
        seat = PanelAssignment.objects.get(assessment=surabaya, assessor=people["penilai2"])
        assert seat.chair
        if first is not None:
            verified = surabaya.verifications.get(indicator_code=first.code)
            if verified.option_id is not None:
                services_panel.panel_moderate(
                    actor=people["penilai2"],
                    assessment=surabaya,
                    indicator_code=first.code,
                    option_id=verified.option_id,
                    note="Dokumen SK dan foto sarana membuktikan indikator terpenuhi.",
                )
        services_panel.adjustment_add(
            actor=people["penilai2"],
            assessment=surabaya,
            kind="wbk_wbbm",
            points="3",
            justification="Unit meraih predikat WBK tahun sebelumnya (Keputusan Menteri PANRB).",
        )
        services_panel.panel_finish(
            actor=people["penilai2"], assessment=surabaya, note="Hasil penilaian disepakati tim penilai."
        )
        notes.append("Bapas Surabaya scored")
    return "Demo verification and panel: " + (", ".join(notes) or "nothing to do") + "."
