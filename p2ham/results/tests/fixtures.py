"""Fixtures for determination and follow-up (registered in the root conftest.py so API and browser tests
can use them): Lapas Ambon's assessment scored by its panel, and the period determined by decree."""

from __future__ import annotations

import datetime as dt

import pytest

from p2ham.assessments.models import Assessment
from p2ham.results import services
from p2ham.results.models import Determination
from p2ham.reviews import selectors as review_selectors
from p2ham.reviews import services_panel


def panel_scores(assessment: Assessment, assessors, picks: dict[str, int] | None = None) -> None:
    """Every assessor scores every indicator (option index ``picks[code]``, else the first: 100) and submits;
    the chair finishes: the assessment is *scored*."""
    picks = picks or {}
    for person in assessors:
        for row in review_selectors.panel_page(assessment=assessment, user=person).scorable_rows:
            services_panel.panel_score_save(
                actor=person,
                assessment=assessment,
                indicator_code=row.indicator.code,
                option_id=row.options[min(picks.get(row.indicator.code, 0), len(row.options) - 1)].pk,
            )
        services_panel.panel_submit(actor=person, assessment=assessment)
    services_panel.panel_finish(actor=assessors[0], assessment=assessment, note="Selisih total dijelaskan")
    assessment.refresh_from_db()


@pytest.fixture
def scored(in_panel, assessors) -> Assessment:
    """Lapas Ambon scored by its panel: every indicator 100 but one (so one follow-up is proposed)."""
    codes = [
        row.indicator.code for row in review_selectors.panel_page(assessment=in_panel, user=assessors[0]).scorable_rows
    ]
    panel_scores(in_panel, assessors, {codes[-1]: 1})
    return in_panel


def determine(period, ditjen, **extra) -> Determination:
    return services.determine(
        actor=ditjen,
        period=period,
        decree_number=extra.pop("decree_number", "M.HH-12.HA.01.01 TAHUN 2026"),
        decree_date=extra.pop("decree_date", dt.date(2026, 12, 3)),
        signatory_name=extra.pop("signatory_name", "Natalius Pigai"),
        signatory_title=extra.pop("signatory_title", "Menteri Hak Asasi Manusia"),
        **extra,
    )


@pytest.fixture
def determined(scored, ditjen) -> Determination:
    """The period of ``scored`` determined by decree."""
    return determine(scored.period, ditjen)
