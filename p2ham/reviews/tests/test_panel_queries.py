"""The panel page runs a fixed number of SQL queries whatever the size of the instrument and of the panel:
10 indicators scored by two assessors cost the same queries as 60 indicators scored by three — for an
assessor still scoring, for the chair with every tool open, and for Ditjen HAM reading."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
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
from p2ham.assessments.tests.fixtures import png_upload
from p2ham.assessments.tests.test_page_queries import filled_assessment, open_period_with, sized_tree
from p2ham.reviews import services, services_panel
from p2ham.reviews.models import PanelScore
from p2ham.reviews.tests.fixtures import seat_panel, verify_all

pytestmark = pytest.mark.django_db

S = Assessment.Status
HTMX = {"HTTP_HX_REQUEST": "true"}


def _page_url(assessment: Assessment) -> str:
    return reverse("panel:page", args=[assessment.period.year, assessment.unit.code])


def _listing(queries: CaptureQueriesContext) -> str:
    return "\n".join(f"{i + 1:3d}. {q['sql'][:200]}" for i, q in enumerate(queries.captured_queries))


def _in_panel(
    assessment: Assessment, *, kepala: Any, kanwil: Any, ditjen: Any, verifier: Any, panel: list[Any]
) -> Assessment:
    assessment_services.assessment_submit(actor=kepala, assessment=assessment)
    assessment.refresh_from_db()
    assessment_services.assessment_forward(actor=kanwil, assessment=assessment)
    assessment.refresh_from_db()
    services.verifier_assign(actor=ditjen, assessment=assessment, verifier=verifier)
    verify_all(assessment, verifier)
    services.verification_complete(actor=verifier, assessment=assessment)
    assessment.refresh_from_db()
    seat_panel(assessment, ditjen, panel)
    assert assessment.status == S.IN_PANEL
    return assessment


def _score(assessment: Assessment, person: Any, *, low: bool) -> None:
    for indicator in assessment.instrument.indicators.select_related("scale").order_by("code"):
        options = list(indicator.scale.options.order_by("order"))
        pick = options[-1] if low and indicator.code.endswith("1") else options[0]
        services_panel.panel_score_save(
            actor=person, assessment=assessment, indicator_code=indicator.code, option_id=pick.pk, note="Catatan."
        )


@pytest.fixture
def sized(tree, admin_user, ditjen, operator, sibling_operator, kepala, kanwil, verifier, assessors):
    """Lapas Ambon: 10 indicators, a panel of two. Rutan Ambon: 60 indicators, a panel of three. Every
    assessor but the last has scored and submitted (the last has scored only)."""
    period = open_period_with(
        actor=admin_user, trees=[sized_tree("kecil", "lapas", 10), sized_tree("besar", "rutan", 60)]
    )
    kepala_rutan = UserFactory(username="kepala_rutan", full_name="Kepala Rutan")
    RoleAssignmentFactory(user=kepala_rutan, role=Role.KEPALA_UNIT, unit=tree.rutan_ambon)
    built = {}
    for size, unit, unit_operator, head, panel in (
        (10, tree.lapas_ambon, operator, kepala, assessors[:2]),
        (60, tree.rutan_ambon, sibling_operator, kepala_rutan, assessors),
    ):
        assessment = filled_assessment(period=period, unit=unit, operator=unit_operator, ditjen=ditjen)
        assessment = _in_panel(assessment, kepala=head, kanwil=kanwil, ditjen=ditjen, verifier=verifier, panel=panel)
        for index, person in enumerate(panel):
            _score(assessment, person, low=index == 1)
            if person != panel[-1]:
                services_panel.panel_submit(actor=person, assessment=assessment)
        built[size] = (assessment, panel)
    return built


def _count(client: Any, user: Any, page_url: str, send: Callable[[], Any]) -> tuple[int, str]:
    """The queries of ``send()`` by ``user``, after a warm-up visit of the page (per-process caches)."""
    client.force_login(user)
    client.get(page_url)
    with CaptureQueriesContext(connection) as queries:
        response = send()
    assert response.status_code == 200, response.content[:500]
    return len(queries), _listing(queries)


def _same(counts: dict[int, tuple[int, str]], what: str) -> None:
    assert counts[10][0] == counts[60][0], f"{what}, 10 indicators:\n{counts[10][1]}\n\n60 indicators:\n{counts[60][1]}"


def test_the_panel_page_runs_the_same_queries_for_any_size(client, sized, ditjen):
    # An assessor still scoring (sees only their own scores), and their save of one score with htmx.
    scoring, saving = {}, {}
    for size, (assessment, panel) in sized.items():
        last = panel[-1]
        page = _page_url(assessment)
        scoring[size] = _count(client, last, page, lambda page=page: client.get(page))
        score = PanelScore.objects.filter(assignment__assessor=last, assignment__assessment=assessment).first()
        options = list(score.option.scale.options.order_by("order"))
        data = {"option": options[1].pk, "note": "Diubah.", "version": score.version}
        url = reverse("panel:score", args=[assessment.period.year, assessment.unit.code, score.indicator_code])
        saving[size] = _count(client, last, page, lambda url=url, data=data: client.post(url, data, **HTMX))
    _same(scoring, "assessor scoring")
    _same(saving, "htmx save of one score")

    # Everyone submits; the chair records an adjustment, a veto and a field visit with photos and a change.
    chair_counts, ditjen_counts = {}, {}
    for size, (assessment, panel) in sized.items():
        chair = panel[0]
        services_panel.panel_submit(actor=panel[-1], assessment=assessment)
        services_panel.adjustment_add(actor=chair, assessment=assessment, kind="ikm", points="2", justification="IKM")
        services_panel.veto_set(actor=chair, assessment=assessment, reasons="Uji")
        indicator = assessment.instrument.indicators.select_related("scale").order_by("code").first()
        services_panel.field_visit_record(
            actor=chair,
            assessment=assessment,
            visited_on=timezone.localdate() - dt.timedelta(days=1),
            participants="Tim",
            findings="Sesuai",
            photos=[png_upload("a.png", 1), png_upload("b.png", 2)],
            changes=[(indicator.code, indicator.scale.options.order_by("order").last().pk, "Tidak ada di lapangan")],
        )
        page = _page_url(assessment)
        chair_counts[size] = _count(client, chair, page, lambda page=page: client.get(page))
        ditjen_counts[size] = _count(client, ditjen, page, lambda page=page: client.get(page))
    _same(chair_counts, "chair with every tool")
    _same(ditjen_counts, "Ditjen HAM reading")
