"""The verification page and the save of a verdict run a fixed number of SQL queries, whatever the size of
the instrument: an assessment of 10 indicators costs the same queries as one of 40, both with verdicts, a
repair round, a repaired answer and a file per indicator shown inline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments import services as assessment_services
from p2ham.assessments.models import Assessment
from p2ham.assessments.tests.test_page_queries import filled_assessment, open_period_with, sized_tree
from p2ham.reviews import selectors, services
from p2ham.reviews.models import Verdict

pytestmark = pytest.mark.django_db

S = Assessment.Status
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "verification-main"}


def _in_a_second_round(assessment: Assessment, *, operator: Any, ditjen: Any, verifier: Any) -> Assessment:
    """Forwarded (set directly: the way there is tested elsewhere), verified but for two indicators returned
    for repair, one of them repaired and resubmitted: every part of the page has something to show."""
    Assessment.objects.filter(pk=assessment.pk).update(status=S.IN_VERIFICATION)
    assessment.refresh_from_db()
    services.verifier_assign(actor=ditjen, assessment=assessment, verifier=verifier)
    rows = selectors.verification_page(assessment=assessment).rows
    for row in rows[2:]:
        services.verification_save(
            actor=verifier,
            assessment=assessment,
            indicator_code=row.indicator.code,
            verdict=Verdict.ACCEPTED,
            option_id=row.answer.option_id if row.answer else None,
        )
    for row in rows[:2]:
        services.verification_save(
            actor=verifier,
            assessment=assessment,
            indicator_code=row.indicator.code,
            verdict=Verdict.NEEDS_REPAIR,
            reason_code="bukti-tidak-lengkap",
            note="Lengkapi.",
        )
    services.verification_return(
        actor=verifier, assessment=assessment, due_date=timezone.localdate() + dt.timedelta(days=7)
    )
    assessment.refresh_from_db()
    first = rows[0]
    assessment_services.answer_save(
        actor=operator,
        assessment=assessment,
        indicator_code=first.indicator.code,
        option_id=first.answer.option_id if first.answer else None,
        note="Sudah dilengkapi.",
    )
    kepala = UserFactory(username=f"kepala_{assessment.unit.code.lower()}")
    RoleAssignmentFactory(user=kepala, role=Role.KEPALA_UNIT, unit=assessment.unit)
    services.verification_resubmit(actor=kepala, assessment=assessment)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def sized(tree, admin_user, ditjen, verifier, operator, sibling_operator):
    """Lapas Ambon verified on a 10-indicator instrument, Rutan Ambon on a 40-indicator one."""
    period = open_period_with(
        actor=admin_user, trees=[sized_tree("kecil", "lapas", 10), sized_tree("besar", "rutan", 40)]
    )
    result = {}
    for size, unit, person in ((10, tree.lapas_ambon, operator), (40, tree.rutan_ambon, sibling_operator)):
        a = filled_assessment(period=period, unit=unit, operator=person, ditjen=ditjen, files_per_indicator=1)
        result[size] = _in_a_second_round(a, operator=person, ditjen=ditjen, verifier=verifier)
    return result


def _page(a: Assessment) -> str:
    return reverse("verification:page", args=[a.period.year, a.unit.code])


def _listing(queries: CaptureQueriesContext) -> str:
    return "\n".join(f"{i + 1:3d}. {q['sql'][:200]}" for i, q in enumerate(queries.captured_queries))


def test_the_verification_page_runs_the_same_queries_for_10_and_40_indicators(client, sized, verifier):
    client.force_login(verifier)
    counts, listings = {}, {}
    for size, assessment in sized.items():
        first = selectors.verification_page(assessment=assessment).rows[0].indicator.code
        url = f"{_page(assessment)}?i={first}"
        assert client.get(url).status_code == 200  # warm-up: per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert body.count('class="d-flex flex-wrap justify-content-between align-items-center') == size  # listed
        assert 'id="change-title"' in body and "<iframe" in body  # the round's changes and a PDF shown
        counts[size], listings[size] = len(queries), _listing(queries)
    assert counts[10] == counts[40], f"10 indicators:\n{listings[10]}\n\n40 indicators:\n{listings[40]}"


def test_saving_a_verdict_runs_the_same_queries_for_10_and_40_indicators(client, sized, verifier):
    client.force_login(verifier)
    for htmx in (True, False):
        counts, listings = {}, {}
        for size, assessment in sized.items():
            page = selectors.verification_page(assessment=assessment)
            row = page.rows[0 if htmx else 1]
            url = reverse("verification:save", args=[assessment.period.year, assessment.unit.code, row.indicator.code])
            data = {
                "verdict": Verdict.ACCEPTED,
                "option": row.answer.option_id,
                "version": row.verification.version,
            }
            client.get(_page(assessment))  # warm-up
            with CaptureQueriesContext(connection) as queries:
                response = client.post(url, data, **(HTMX if htmx else {}))
            assert response.status_code == (200 if htmx else 302), response.content[:500]
            counts[size], listings[size] = len(queries), _listing(queries)
        way = "htmx" if htmx else "plain"
        assert counts[10] == counts[40], f"{way}, 10 indicators:\n{listings[10]}\n\n40 indicators:\n{listings[40]}"
