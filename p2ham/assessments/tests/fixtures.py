"""Fixtures for evaluation and self-assessment (registered in the root conftest.py so the API tests can
use them): a period whose self-assessment is open today, declared units, and an eligible assessment."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments import services
from p2ham.assessments.models import Assessment
from p2ham.declarations.models import Declaration, DeclarationUnit
from p2ham.instruments.defaults import load_default_instruments
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import Period, Stage
from p2ham.periods.services import period_create, period_transition, stage_window_set

# Stage windows in days from today: evaluation and self-assessment open now, the Kanwil review after.
WINDOWS = {
    Stage.PENCANANGAN: (-60, -30),
    Stage.EVALUASI: (-20, 10),
    Stage.PENILAIAN_MANDIRI: (-10, 20),
    Stage.REVIU_KANWIL: (21, 30),
}


def _at(days: int, hour: int, minute: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=REFERENCE_TZ)


@pytest.fixture
def sa_period(admin_user):
    """An open period with the default instruments; evaluation and self-assessment open today."""
    period = period_create(
        actor=admin_user, year=timezone.localdate().year + 1, regulation_label="Permenkumham 25/2023"
    )
    for stage, (opens, closes) in WINDOWS.items():
        stage_window_set(
            actor=admin_user, period=period, stage=stage, opens_at=_at(opens, 0, 0), closes_at=_at(closes, 23, 59)
        )
    load_default_instruments(actor=admin_user, period=period)
    return period_transition(actor=admin_user, period=period, to=Period.Status.OPEN)


def declare(period, requester, units, by):
    """A completed declaration for ``units`` (the pencanangan itself is tested in its own app)."""
    declaration = Declaration.objects.create(
        period=period,
        requester_unit=requester,
        created_by=by,
        status=Declaration.Status.COMPLETED,
        planned_date=timezone.localdate(),
        planned_venue="Aula",
        declarer_name="Kepala Kanwil",
        declarer_position="Kepala Kantor Wilayah",
        completed_at=timezone.now(),
    )
    for index, unit in enumerate(units):
        DeclarationUnit.objects.create(
            declaration=declaration, unit=unit, period=period, verification_code=f"T{declaration.pk:04d}{index:04d}"
        )
    return declaration


@pytest.fixture
def declared(sa_period, tree, kanwil):
    """Kanwil Maluku, Lapas Ambon, Rutan Ambon and Lapas Medan are declared for the period."""
    declare(sa_period, tree.kanwil_maluku, [tree.kanwil_maluku, tree.lapas_ambon, tree.rutan_ambon], kanwil)
    declare(sa_period, tree.kanwil_sumut, [tree.lapas_medan], kanwil)
    return [tree.kanwil_maluku, tree.lapas_ambon, tree.rutan_ambon, tree.lapas_medan]


@pytest.fixture
def assessment(sa_period, declared, tree, ditjen) -> Assessment:
    """Lapas Ambon, found eligible: its assessment is open for the operator."""
    return services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.lapas_ambon, eligible=True, reasons="")


@pytest.fixture
def sibling_assessment(sa_period, declared, tree, ditjen) -> Assessment:
    return services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.rutan_ambon, eligible=True, reasons="")


@pytest.fixture
def medan_assessment(sa_period, declared, tree, ditjen) -> Assessment:
    return services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.lapas_medan, eligible=True, reasons="")


@pytest.fixture
def medan_operator(tree):
    user = UserFactory(username="operator_medan", full_name="Operator Medan")
    RoleAssignmentFactory(user=user, role=Role.OPERATOR, unit=tree.lapas_medan)
    return user


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "sop.pdf", extra: bytes = b"") -> SimpleUploadedFile:
    """A small PDF (``extra`` makes its content, and so its SHA-256, different)."""
    return SimpleUploadedFile(name, PDF_BYTES + extra, content_type="application/pdf")


def png_upload(name: str = "ramp.png", shade: int = 30) -> SimpleUploadedFile:
    """A tiny PNG (``shade`` makes its content different)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, shade % 256, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def evidence_for(indicator, n: int = 0) -> SimpleUploadedFile:
    """A file of a kind the indicator accepts, different for each ``indicator`` and ``n``."""
    kinds = indicator.evidence_kinds or ["pdf"]
    if "pdf" in kinds:
        return pdf_upload(f"{indicator.code}-{n}.pdf", extra=f"{indicator.code}-{n}".encode())
    return png_upload(f"{indicator.code}-{n}.png", shade=indicator.pk * 7 + n)


def fill_in(assessment: Assessment, operator, *, skip: tuple[str, ...] = ()) -> None:
    """Answer every unanswered indicator (first option) and attach the evidence still missing, except for the
    ``skip`` codes."""
    from p2ham.assessments.selectors import assessment_page

    page = assessment_page(assessment=assessment)
    for row in page.rows:
        code = row.indicator.code
        if code in skip:
            continue
        if not row.answered:
            option = row.indicator.scale.options.all()[0]
            services.answer_save(
                actor=operator, assessment=assessment, indicator_code=code, option_id=option.pk, note=""
            )
        for n in range(len(row.evidence), row.evidence_needed):
            services.evidence_add(
                actor=operator,
                assessment=assessment,
                indicator_code=code,
                uploaded=evidence_for(row.indicator, n),
            )
