"""The assessment page costs the same number of queries whatever the number of indicators and files."""

from __future__ import annotations

import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from p2ham.assessments import selectors
from p2ham.assessments.models import Answer, Assessment, Comment, CommentRead, Evidence, EvidenceBlob
from p2ham.instruments.services import instrument_create
from p2ham.periods.services import period_create

pytestmark = pytest.mark.django_db


def tree_with(code: str, unit_type: str, indicators: int) -> dict:
    """A valid instrument tree with ``indicators`` indicators over three criteria."""
    per_criterion = [indicators // 3 + (1 if i < indicators % 3 else 0) for i in range(3)]
    criteria = []
    number = 0
    for c_index, count in enumerate(per_criterion, start=1):
        items = []
        for _ in range(count):
            number += 1
            items.append(
                {
                    "code": f"K{c_index}.{number:02d}",
                    "question": f"Pertanyaan {number}?",
                    "guidance_unit": "Unggah foto.",
                    "guidance_verifier": "Periksa foto.",
                    "scale": "ada_tidak",
                    "weight": "1",
                    "mandatory": number == 1,
                    "evidence": {"required": True, "min_files": 2, "kinds": ["pdf"], "max_mb": 20},
                    "continues": "",
                }
            )
        criteria.append({"code": f"K{c_index}", "name": f"Kriteria {c_index}", "weight": "1", "indicators": items})
    return {
        "code": code,
        "name": f"Instrumen {code}",
        "regulation": "Permenkumham 25/2023",
        "unit_types": [unit_type],
        "predicate_threshold": "80",
        "scales": [
            {
                "code": "ada_tidak",
                "name": "Ada / Tidak",
                "options": [{"label": "Ada", "score": "100"}, {"label": "Tidak", "score": "0"}],
            }
        ],
        "criteria": criteria,
    }


def filled_assessment(period, unit, instrument, operator, kanwil) -> Assessment:
    """An assessment with every indicator answered, two files each, and a comment thread on each."""
    assessment = Assessment.objects.create(period=period, unit=unit, instrument=instrument)
    for indicator in instrument.indicators.select_related("scale"):
        answer = Answer.objects.create(
            assessment=assessment,
            indicator=indicator,
            indicator_code=indicator.code,
            option=indicator.scale.options.first(),
            updated_by=operator,
            version=1,
        )
        for n in range(2):
            digest = hashlib.sha256(f"{unit.pk}-{indicator.code}-{n}".encode()).hexdigest()
            blob = EvidenceBlob.objects.create(
                assessment=assessment,
                sha256=digest,
                storage_name=f"evidence/x/{digest}.pdf",
                size=100,
                kind="pdf",
                content_type="application/pdf",
            )
            Evidence.objects.create(answer=answer, blob=blob, original_name=f"{n}.pdf", uploaded_by=operator)
        Comment.objects.create(assessment=assessment, indicator_code=indicator.code, author=kanwil, body="Cek")
        Comment.objects.create(assessment=assessment, indicator_code=indicator.code, author=operator, body="Ok")
    CommentRead.objects.create(
        user=operator, assessment=assessment, indicator_code=instrument.indicators.first().code, read_at=timezone.now()
    )
    return assessment


def page_queries(assessment: Assessment, user) -> tuple[int, selectors.AssessmentPage]:
    assessment = Assessment.objects.select_related("period", "unit__province").get(pk=assessment.pk)
    with CaptureQueriesContext(connection) as captured:
        page = selectors.assessment_page(assessment=assessment, user=user)
        # Everything a template reads from the rows is already loaded.
        for row in page.rows:
            _ = (row.indicator.scale.name, [o.label for o in row.indicator.scale.options.all()])
            _ = (row.answer.option.label, row.answer.updated_by.full_name)
            _ = [(e.blob.size, e.uploaded_by.full_name, e.original_name) for e in row.evidence]
            _ = (row.complete, row.unread, row.comments)
        _ = (page.percent, page.unread, [c.percent for c in page.criteria])
    return len(captured), page


def test_the_page_of_60_indicators_costs_the_same_queries_as_that_of_10(admin_user, tree, operator, kanwil):
    period = period_create(actor=admin_user, year=2031, regulation_label="Permenkumham 25/2023")
    small = instrument_create(actor=admin_user, period=period, tree=tree_with("uji-kecil", "lapas", 10))
    large = instrument_create(actor=admin_user, period=period, tree=tree_with("uji-besar", "rutan", 60))
    few = filled_assessment(period, tree.lapas_ambon, small, operator, kanwil)
    many = filled_assessment(period, tree.rutan_ambon, large, operator, kanwil)

    small_count, small_page = page_queries(few, operator)
    large_count, large_page = page_queries(many, operator)

    assert (small_page.total, large_page.total) == (10, 60)
    assert sum(len(r.evidence) for r in large_page.rows) == 120
    assert large_page.complete == 60 and large_page.percent == 100
    assert large_page.unread == 59  # the Kanwil's comment on each thread but the one marked read
    assert large_count == small_count
    assert small_count <= 12, small_count
