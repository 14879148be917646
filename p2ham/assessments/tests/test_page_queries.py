"""The assessment page and the answer save run a fixed number of SQL queries, whatever the size of the
instrument: 10 indicators with 20 files cost the same queries as 60 indicators with 120 files.

The builders here (``sized_tree``, ``open_period_with``, ``filled_assessment``) are also used by
``bench/assessment_queries.py``, so the benchmark measures the same data the test checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from p2ham.assessments import services
from p2ham.assessments.models import Answer, Assessment, Evidence
from p2ham.assessments.tests.fixtures import declare
from p2ham.instruments.models import AnswerOption
from p2ham.instruments.services import instrument_create
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import Period, Stage
from p2ham.periods.services import period_create, period_transition, stage_window_set

# ---------------------------------------------------------------- builders (shared with the benchmark)

# Stage windows in days from today: the self-assessment is open now.
WINDOWS = {
    Stage.PENCANANGAN: (-60, -30),
    Stage.EVALUASI: (-20, 10),
    Stage.PENILAIAN_MANDIRI: (-10, 20),
    Stage.REVIU_KANWIL: (21, 30),
}
FILES_PER_INDICATOR = 2


def sized_tree(code: str, unit_type: str, indicators: int) -> dict[str, Any]:
    """An instrument tree with ``indicators`` indicators over three criteria, each needing two PDF/PNG files."""
    criteria: list[dict[str, Any]] = []
    sizes = [indicators // 3 + (1 if i < indicators % 3 else 0) for i in range(3)]
    for c_index, size in enumerate(sizes, start=1):
        criteria.append(
            {
                "code": f"K{c_index}",
                "name": f"Kriteria {c_index}",
                "weight": ["40", "30", "30"][c_index - 1],
                "indicators": [
                    {
                        "code": f"K{c_index}.{i:02d}",
                        "question": f"Apakah unit kerja memenuhi syarat {c_index}.{i}?",
                        "guidance_unit": "Unggah dua dokumen pendukung.",
                        "guidance_verifier": "Periksa keaslian dokumen.",
                        "scale": "ada_proses_tidak",
                        "weight": "1",
                        "mandatory": i % 5 == 0,
                        "evidence": {"required": True, "min_files": FILES_PER_INDICATOR, "kinds": ["pdf", "png"]},
                    }
                    for i in range(1, size + 1)
                ],
            }
        )
    return {
        "code": code,
        "name": f"Instrumen uji {indicators} indikator",
        "regulation": "Permenkumham 25/2023",
        "unit_types": [unit_type],
        "scales": [
            {
                "code": "ada_proses_tidak",
                "name": "Ada / Proses / Tidak",
                "options": [
                    {"label": "Ada", "score": "100"},
                    {"label": "Proses", "score": "50"},
                    {"label": "Tidak", "score": "0"},
                ],
            }
        ],
        "criteria": [c for c in criteria if c["indicators"]],
    }


def _at(days: int, hour: int, minute: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=REFERENCE_TZ)


def open_period_with(*, actor: Any, trees: list[dict[str, Any]], year: int | None = None) -> Period:
    """An open period holding exactly these instruments, with the self-assessment open today."""
    period = period_create(
        actor=actor, year=year or timezone.localdate().year + 1, regulation_label="Permenkumham 25/2023"
    )
    for stage, (opens, closes) in WINDOWS.items():
        stage_window_set(
            actor=actor, period=period, stage=stage, opens_at=_at(opens, 0, 0), closes_at=_at(closes, 23, 59)
        )
    for tree in trees:
        instrument_create(actor=actor, period=period, tree=tree)
    return period_transition(actor=actor, period=period, to=Period.Status.OPEN)


def pdf_file(name: str, tag: str) -> SimpleUploadedFile:
    """A small PDF whose content (and so SHA-256) is unique to ``tag``."""
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n% " + tag.encode() + b"\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def filled_assessment(
    *, period: Period, unit: Any, operator: Any, ditjen: Any, files_per_indicator: int = FILES_PER_INDICATOR
) -> Assessment:
    """Declare the unit, find it eligible, answer every indicator and attach the files, all through the
    services (so the rows look like the real ones: versions, audit, blobs)."""
    declare(period, unit, [unit], ditjen)
    assessment = services.evaluation_decide(actor=ditjen, period=period, unit=unit, eligible=True, reasons="")
    assert assessment.instrument is not None
    for indicator in assessment.instrument.indicators.select_related("scale").order_by("code"):
        option = AnswerOption.objects.filter(scale=indicator.scale).order_by("order").first()
        assert option is not None
        services.answer_save(
            actor=operator, assessment=assessment, indicator_code=indicator.code, option_id=option.pk, note="Ada."
        )
        for n in range(files_per_indicator):
            services.evidence_add(
                actor=operator,
                assessment=assessment,
                indicator_code=indicator.code,
                uploaded=pdf_file(f"{indicator.code}-{n}.pdf", f"{unit.code}/{indicator.code}/{n}"),
            )
    assessment.refresh_from_db()
    return assessment


def save_data(assessment: Assessment, code: str, option_index: int = 1) -> dict[str, Any]:
    """The form fields of an answer save that changes ``code``'s answer to another option."""
    answer = Answer.objects.get(assessment=assessment, indicator_code=code)
    option = AnswerOption.objects.filter(scale=answer.indicator.scale).order_by("order")[option_index]
    return {"option": option.pk, "note": f"Diubah ke {option.label}.", "version": answer.version}


# ---------------------------------------------------------------- the test


@pytest.fixture
def sized(tree, admin_user, ditjen, operator, sibling_operator):
    """Lapas Ambon fills in a 10-indicator instrument, Rutan Ambon a 60-indicator one (120 files)."""
    period = open_period_with(
        actor=admin_user, trees=[sized_tree("kecil", "lapas", 10), sized_tree("besar", "rutan", 60)]
    )
    small = filled_assessment(period=period, unit=tree.lapas_ambon, operator=operator, ditjen=ditjen)
    large = filled_assessment(period=period, unit=tree.rutan_ambon, operator=sibling_operator, ditjen=ditjen)
    return {10: (small, operator), 60: (large, sibling_operator)}


def _page_url(assessment: Assessment) -> str:
    return reverse("assessments:page", args=[assessment.period.year, assessment.unit.code])


def _answer_url(assessment: Assessment, code: str) -> str:
    return reverse("assessments:answer", args=[assessment.period.year, assessment.unit.code, code])


def _listing(queries: CaptureQueriesContext) -> str:
    return "\n".join(f"{i + 1:3d}. {q['sql'][:200]}" for i, q in enumerate(queries.captured_queries))


def test_the_assessment_page_runs_the_same_queries_for_10_and_60_indicators(client, sized):
    counts = {}
    listings = {}
    for size, (assessment, operator) in sized.items():
        assert Answer.objects.filter(assessment=assessment, option__isnull=False).count() == size
        assert Evidence.objects.filter(answer__assessment=assessment).count() == size * FILES_PER_INDICATOR
        client.force_login(operator)
        url = _page_url(assessment)
        assert client.get(url).status_code == 200  # warm-up: per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.count(b"/lihat/") == size * FILES_PER_INDICATOR  # every file is listed
        assert response.content.count(b'name="option"') == size * 3  # every indicator's form is editable
        counts[size], listings[size] = len(queries), _listing(queries)
    assert counts[10] == counts[60], f"10 indicators:\n{listings[10]}\n\n60 indicators:\n{listings[60]}"


def test_saving_one_answer_runs_the_same_queries_for_10_and_60_indicators(client, sized):
    """Both ways: htmx (the saved state and the progress come back) and without JavaScript (a redirect)."""
    for htmx, code, option_index in [(True, "K2.01", 1), (False, "K2.01", 2)]:
        headers = {"HX-Request": "true"} if htmx else {}
        counts = {}
        listings = {}
        for size, (assessment, operator) in sized.items():
            client.force_login(operator)
            client.get(_page_url(assessment))  # warm-up
            url, data = _answer_url(assessment, code), save_data(assessment, code, option_index)
            with CaptureQueriesContext(connection) as queries:
                response = client.post(url, data, headers=headers)
            assert response.status_code == (200 if htmx else 302), response.content[:500]
            answer = Answer.objects.get(assessment=assessment, indicator_code=code)
            assert answer.option_id == data["option"]
            counts[size], listings[size] = len(queries), _listing(queries)
        way = "htmx" if htmx else "plain"
        assert counts[10] == counts[60], f"{way}, 10 indicators:\n{listings[10]}\n\n60 indicators:\n{listings[60]}"
