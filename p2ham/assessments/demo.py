"""Demo content for the self-assessment, made through the real services: two Kanwil declare units (request,
approval, ceremony, signatures), Ditjen HAM evaluates them, and the units are at different points of
filling in — so the evaluation, the assessment page, the Kanwil's list and the API show something real
on a fresh ``make run``. Used by ``seed_demo`` only (never in production)."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw
from weasyprint import HTML

from p2ham.accounts.models import User
from p2ham.assessments import services
from p2ham.assessments.models import Assessment
from p2ham.assessments.selectors import assessment_page
from p2ham.declarations import services as declaration_services
from p2ham.declarations import statements
from p2ham.declarations.models import Declaration
from p2ham.organizations.models import Unit
from p2ham.periods.models import Period

# (requesting Kanwil user, Kanwil unit, units) — each unit has a demo operator and head of unit.
DECLARATIONS = (
    ("kanwil", "KANWIL-81", ("LAPAS-81-AMBON", "RUTAN-81-AMBON")),
    ("kanwil.73", "KANWIL-73", ("LAPAS-73-MAKASSAR", "RUTAN-73-SINJAI")),
    ("kanwil.35", "KANWIL-35", ("BAPAS-35-SURABAYA", "LAPAS-35-MALANG")),
)
# How far each unit has got: the share of indicators answered with their evidence, and whether it submitted.
PROGRESS = {
    "LAPAS-81-AMBON": (0.6, False),
    "RUTAN-81-AMBON": (1.0, True),
    "LAPAS-73-MAKASSAR": (0.25, False),
    # These two go on to verification and the panel (p2ham.reviews.demo).
    "BAPAS-35-SURABAYA": (1.0, True),
    "LAPAS-35-MALANG": (1.0, True),
}
NOT_ELIGIBLE = {
    "RUTAN-73-SINJAI": "1. Belum tersedia jalur landai (ramp) pada pintu masuk layanan kunjungan.\n"
    "2. Maklumat pelayanan belum ditandatangani Kepala Unit Kerja.",
}


def _png(text: str, shade: int) -> bytes:
    image = Image.new("RGB", (480, 320), (230, 236 - shade % 40, 245))
    ImageDraw.Draw(image).text((20, 140), text, fill=(20, 40, 90))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class _Files:
    """Small, distinct evidence files: a PNG photo or a one-page PDF (the PDF rendered once, then varied)."""

    def __init__(self) -> None:
        self._pdf = HTML(string="<h1>Dokumen contoh</h1><p>Data dukung demo P2HAM.</p>").write_pdf()
        self._count = 0

    def for_indicator(self, indicator: Any, unit_code: str) -> SimpleUploadedFile:
        self._count += 1
        kinds = indicator.evidence_kinds or ["pdf"]
        label = f"{unit_code} {indicator.code} #{self._count}"
        if "png" in kinds:
            return SimpleUploadedFile(f"foto-{indicator.code}-{self._count}.png", _png(label, self._count))
        # A comment after %%EOF keeps the PDF valid and makes each file's content (and hash) distinct.
        data = self._pdf + f"\n% {label}\n".encode()
        return SimpleUploadedFile(f"dokumen-{indicator.code}-{self._count}.pdf", data)


def _declare(period: Period, requester_name: str, kanwil_code: str, codes: tuple[str, ...], passwords: dict[str, str]):
    kanwil = User.objects.get(username=requester_name)
    ditjen = User.objects.get(username="ditjen")
    units = list(Unit.objects.filter(code__in=codes).select_related("province"))
    requester = Unit.objects.get(code=kanwil_code)
    today = timezone.localtime(timezone.now(), requester.province.tzinfo).date()
    declaration = declaration_services.declaration_create(
        actor=kanwil,
        period=period,
        requester_unit=requester,
        units=units,
        planned_date=today,
        planned_venue=f"Aula {requester.name}",
        declarer_name="Kepala Kantor Wilayah",
        declarer_position=f"Kepala {requester.name}",
        witnesses=[
            declaration_services.WitnessInput(
                "Perwakilan Pemerintah Provinsi", "Asisten Pemerintahan", "Pemerintah Provinsi", "forkopimda"
            )
        ],
    )
    declaration_services.declaration_submit(actor=kanwil, declaration=declaration)
    declaration = declaration_services.declaration_approve(
        actor=ditjen,
        declaration=declaration,
        ditjen_witness=declaration_services.WitnessInput("Direktur Pelayanan Publik HAM", "Direktur", "", "ditjen"),
    )
    minutes = SimpleUploadedFile("berita-acara.pdf", _Files()._pdf)
    photo = SimpleUploadedFile("foto-acara.png", _png("Pencanangan P2HAM", 0))
    declaration = declaration_services.ceremony_record(
        actor=kanwil,
        declaration=declaration,
        actual_date=today,
        actual_venue=f"Aula {requester.name}",
        present=list(declaration.witnesses.values_list("pk", flat=True)),
        extra_witnesses=[],
        minutes=minutes,
        photos=[photo],
    )
    for participant in declaration.units.select_related("unit"):
        head = User.objects.filter(
            role_assignments__unit=participant.unit, role_assignments__role="kepala_unit"
        ).first()
        if head is None or head.username not in passwords:
            continue
        statements.statement_sign_in_app(actor=head, participant=participant, password=passwords[head.username])
    return units


def seed_demo_assessments(*, period: Period, passwords: dict[str, str]) -> str:
    """Declarations, evaluations and assessments at several stages for the demo year (once per period)."""
    if period.status != Period.Status.OPEN or Declaration.objects.filter(period=period).exists():
        return "Demo declarations and assessments: already there (or the period is not open); left as they are."
    ditjen = User.objects.get(username="ditjen")
    files = _Files()
    assessments = []
    for requester_name, kanwil_code, codes in DECLARATIONS:
        for unit in _declare(period, requester_name, kanwil_code, codes, passwords):
            reasons = NOT_ELIGIBLE.get(unit.code, "")
            assessment = services.evaluation_decide(
                actor=ditjen, period=period, unit=unit, eligible=not reasons, reasons=reasons
            )
            assessments.append(assessment)
            share, submit = PROGRESS.get(unit.code, (0.0, False))
            if not share:
                continue
            operator = User.objects.filter(role_assignments__unit=unit, role_assignments__role="operator").first()
            head = User.objects.filter(role_assignments__unit=unit, role_assignments__role="kepala_unit").first()
            if operator is None:
                continue
            rows = assessment_page(assessment=assessment).rows
            for index, row in enumerate(rows[: round(len(rows) * share)]):
                options = list(row.indicator.scale.options.all())
                option = options[0] if index % 4 else options[min(1, len(options) - 1)]
                note = "Tersedia dan dipasang di area layanan." if index % 3 == 0 else ""
                services.answer_save(
                    actor=operator,
                    assessment=assessment,
                    indicator_code=row.indicator.code,
                    option_id=option.pk,
                    note=note,
                )
                for _ in range(row.evidence_needed):
                    services.evidence_add(
                        actor=operator,
                        assessment=assessment,
                        indicator_code=row.indicator.code,
                        uploaded=files.for_indicator(row.indicator, unit.code),
                    )
            if rows:
                services.comment_post(
                    actor=operator,
                    assessment=assessment,
                    indicator_code=rows[0].indicator.code,
                    body="Foto maklumat pelayanan sudah kami perbarui. Mohon arahan bila perlu foto tambahan.",
                )
            if submit and head is not None:
                services.assessment_submit(actor=head, assessment=assessment)
    counts = {s: sum(1 for a in assessments if a.status == s) for s in (Assessment.Status.DRAFT, "not_eligible")}
    return (
        f"Demo: {len(DECLARATIONS)} declarations completed; {len(assessments)} units evaluated "
        f"({counts['not_eligible']} not eligible), assessments filled in part, three submitted to their Kanwil."
    )
