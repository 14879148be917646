"""The complete path of stages 6–7 through the services: verify → return two indicators → the unit repairs
only those → verify → two assessors score with a disagreement → the chair moderates with an adjustment →
scored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from p2ham.assessments import services as assessment_services
from p2ham.assessments.models import Assessment
from p2ham.audit.models import AuditEntry
from p2ham.notifications.models import Notification
from p2ham.periods.services import TransitionError
from p2ham.reviews import selectors, services, services_panel
from p2ham.reviews.models import PanelResult, Verdict
from p2ham.reviews.tests.fixtures import seat_panel, verify_all

S = Assessment.Status
pytestmark = pytest.mark.django_db


def _option(indicator, label_index: int):
    return list(indicator.scale.options.all())[label_index]


def test_complete_path(in_verification, verifier, operator, kepala, ditjen, assessors):
    a = in_verification
    indicators = list(a.instrument.indicators.select_related("scale").order_by("code"))
    first, second, third = indicators[0], indicators[1], indicators[2]
    verify_all(a, verifier, skip=(first.code, second.code))
    for ind in (first, second):
        services.verification_save(
            actor=verifier,
            assessment=a,
            indicator_code=ind.code,
            verdict=Verdict.NEEDS_REPAIR,
            reason_code="bukti-tidak-lengkap",
            note="Lampirkan SK yang ditandatangani.",
        )
    request = services.verification_return(
        actor=verifier, assessment=a, due_date=timezone.localdate() + dt.timedelta(days=7), note="Dua indikator"
    )
    a.refresh_from_db()
    assert a.status == S.RETURNED and request.round == 1
    assert {i.indicator_code for i in request.items.all()} == {first.code, second.code}
    assert Notification.objects.filter(recipient=operator, title__contains="returned for repair").exists()

    # The unit can edit only the returned indicators.
    with pytest.raises(TransitionError, match="not returned"):
        assessment_services.answer_save(
            actor=operator, assessment=a, indicator_code=third.code, option_id=_option(third, 0).pk, note="x"
        )
    assessment_services.answer_save(
        actor=operator, assessment=a, indicator_code=first.code, option_id=_option(first, 0).pk, note="SK terlampir"
    )
    services.verification_resubmit(actor=kepala, assessment=a)
    a.refresh_from_db()
    assert a.status == S.IN_VERIFICATION
    assert Notification.objects.filter(recipient=verifier, title__contains="sent back its repairs").exists()

    page = selectors.verification_page(assessment=a)
    change = page.row(first.code).change
    assert change is not None and change.note_changed and not change.option_changed
    assert page.row(second.code).change is not None and not page.row(second.code).change.any
    assert page.row(third.code).change is None

    for ind in (first, second):
        services.verification_save(
            actor=verifier,
            assessment=a,
            indicator_code=ind.code,
            verdict=Verdict.ACCEPTED,
            option_id=_option(ind, 0).pk,
            version=page.row(ind.code).verification.version,
        )
    services.verification_complete(actor=verifier, assessment=a)
    a.refresh_from_db()
    assert a.status == S.VERIFIED

    chair, one, _two = assessors
    seat_panel(a, ditjen, [chair, one])
    assert a.status == S.IN_PANEL
    for person, low in ((chair, False), (one, True)):
        for ind in a.instrument.indicators.select_related("scale"):
            options = list(ind.scale.options.all())
            pick = options[-1] if (low and ind.code == third.code) else options[0]
            services_panel.panel_score_save(actor=person, assessment=a, indicator_code=ind.code, option_id=pick.pk)
    # Before submitting, an assessor sees only their own scores.
    hidden = selectors.panel_page(assessment=a, user=one)
    assert not hidden.see_all and all(not r.others for r in hidden.rows)
    services_panel.panel_submit(actor=one, assessment=a)
    services_panel.panel_submit(actor=chair, assessment=a)
    assert Notification.objects.filter(recipient=chair, title__contains="every assessor has submitted").exists()
    page = selectors.panel_page(assessment=a, user=chair)
    assert [r.indicator.code for r in page.flagged_rows] == [third.code]
    with pytest.raises(Exception, match="disagree"):
        services_panel.panel_finish(actor=chair, assessment=a)
    services_panel.panel_moderate(
        actor=chair, assessment=a, indicator_code=third.code, option_id=_option(third, 0).pk, note="Bukti kuat"
    )
    services_panel.adjustment_add(
        actor=chair, assessment=a, kind="wbk_wbbm", points="3", justification="Predikat WBK 2025"
    )
    result = services_panel.panel_finish(actor=chair, assessment=a)
    a.refresh_from_db()
    assert a.status == S.SCORED
    assert PanelResult.objects.get(assessment=a) == result
    assert result.breakdown["bonus"] == "3.00"
    assert result.total == min(Decimal("100"), Decimal(result.breakdown["base_total"]) + 3)
    assert AuditEntry.objects.filter(action="panel.scored").exists()
