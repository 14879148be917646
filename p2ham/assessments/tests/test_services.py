"""Evaluation (eligibility): only declared units, reasons for tidak lolos, all-or-nothing bulk decisions,
Ditjen HAM only, audited and notified."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from p2ham.assessments import services
from p2ham.assessments.models import Assessment, StatusChange
from p2ham.assessments.tests.fixtures import fill_in
from p2ham.audit.models import AuditEntry
from p2ham.notifications.models import Notification
from p2ham.periods.models import Period
from p2ham.periods.services import period_transition

pytestmark = pytest.mark.django_db

S = Assessment.Status


def test_a_declared_unit_found_eligible_gets_an_open_assessment_audited_and_notified(
    sa_period, declared, tree, ditjen, operator, kepala, sibling_operator
):
    assessment = services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.lapas_ambon, eligible=True)

    assert assessment.status == S.DRAFT
    assert assessment.instrument is not None and "lapas" in assessment.instrument.unit_types.values_list(
        "code", flat=True
    )
    assert (assessment.evaluated_by, assessment.eligibility_reasons) == (ditjen, "")
    change = StatusChange.objects.get(assessment=assessment)
    assert (change.from_status, change.to_status, change.actor) == ("", S.DRAFT, ditjen)
    entry = AuditEntry.objects.get(action="assessment.evaluate.eligible")
    assert (entry.actor, entry.unit, entry.target_id) == (ditjen, tree.lapas_ambon, str(assessment.pk))
    assert entry.data["instrument"] == assessment.instrument.code
    # The unit's operator and head are told; a sibling unit's operator is not.
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {operator.username, kepala.username, "kanwil_maluku"}  # the unit and its Kanwil
    assert Notification.objects.filter(recipient=operator, url__contains="LAPAS-AMBON").exists()


def test_tidak_lolos_needs_reasons_and_keeps_them(sa_period, declared, tree, ditjen, operator, kepala):
    with pytest.raises(ValidationError) as caught:
        services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.lapas_ambon, eligible=False, reasons="  ")
    assert "reasons" in caught.value.message_dict
    assert not Assessment.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="assessment.").exists()
    assert not Notification.objects.exists()

    assessment = services.evaluation_decide(
        actor=ditjen,
        period=sa_period,
        unit=tree.lapas_ambon,
        eligible=False,
        reasons="  Sarana ramah disabilitas belum ada.  ",
    )
    assert (assessment.status, assessment.eligibility_reasons) == (
        S.NOT_ELIGIBLE,
        "Sarana ramah disabilitas belum ada.",
    )
    entry = AuditEntry.objects.get(action="assessment.evaluate.not_eligible")
    assert entry.data["reasons"] == "Sarana ramah disabilitas belum ada."
    notes = Notification.objects.filter(recipient__in=[operator, kepala])
    assert notes.count() == 2
    assert all(n.body == "Sarana ramah disabilitas belum ada." for n in notes)


def test_a_unit_that_is_not_declared_is_refused(sa_period, declared, tree, ditjen):
    # Kanwil Sumatera Utara requested the declaration of Lapas Medan but is not declared itself.
    with pytest.raises(services.TransitionError, match="pencanangan"):
        services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.kanwil_sumut, eligible=True)
    assert not Assessment.objects.filter(unit=tree.kanwil_sumut).exists()


@pytest.mark.parametrize("who", ["operator", "kepala", "kanwil", "admin_user", "verifier", "outsider"])
def test_only_ditjen_decides_the_evaluation(request, sa_period, declared, tree, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.evaluation_decide(actor=actor, period=sa_period, unit=tree.lapas_ambon, eligible=True)
    with pytest.raises(PermissionDenied):
        services.evaluation_decide_many(
            actor=actor, period=sa_period, units=[tree.lapas_ambon, tree.rutan_ambon], eligible=True
        )
    assert not Assessment.objects.exists()


def test_bulk_decision_is_all_or_nothing_and_names_every_failing_unit(sa_period, declared, tree, ditjen, operator):
    with pytest.raises(ValidationError) as caught:
        services.evaluation_decide_many(
            actor=ditjen,
            period=sa_period,
            units=[tree.lapas_ambon, tree.kanwil_sumut, tree.rutan_ambon, tree.ditjen],
            eligible=True,
        )
    problems = caught.value.message_dict["units"]
    assert len(problems) == 2
    assert problems[0].startswith("KANWIL-12:") and problems[1].startswith("DITJEN-HAM:")
    # The units that would have passed were not decided either.
    assert not Assessment.objects.exists()
    assert not StatusChange.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="assessment.").exists()
    assert not Notification.objects.exists()


def test_bulk_decision_decides_every_unit(sa_period, declared, tree, ditjen):
    decided = services.evaluation_decide_many(
        actor=ditjen,
        period=sa_period,
        units=[tree.lapas_ambon, tree.rutan_ambon, tree.lapas_medan],
        eligible=False,
        reasons="Belum siap.",
    )
    assert [a.unit for a in decided] == [tree.lapas_ambon, tree.rutan_ambon, tree.lapas_medan]
    assert set(Assessment.objects.values_list("status", flat=True)) == {S.NOT_ELIGIBLE}
    assert AuditEntry.objects.filter(action="assessment.evaluate.not_eligible").count() == 3
    with pytest.raises(ValidationError):
        services.evaluation_decide_many(actor=ditjen, period=sa_period, units=[], eligible=True)


def test_the_decision_may_change_until_the_unit_submits(sa_period, declared, tree, ditjen, operator, kepala):
    first = services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.lapas_ambon, eligible=True)
    changed = services.evaluation_decide(
        actor=ditjen, period=sa_period, unit=tree.lapas_ambon, eligible=False, reasons="Foto tidak asli."
    )
    assert changed.pk == first.pk
    assert (changed.status, changed.eligibility_reasons) == (S.NOT_ELIGIBLE, "Foto tidak asli.")
    assert changed.version == first.version + 1
    back = services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.lapas_ambon, eligible=True)
    assert (back.status, back.eligibility_reasons) == (S.DRAFT, "")
    assert list(StatusChange.objects.filter(assessment=first).values_list("from_status", "to_status")) == [
        ("", S.DRAFT),
        (S.DRAFT, S.NOT_ELIGIBLE),
        (S.NOT_ELIGIBLE, S.DRAFT),
    ]
    # The same decision again only updates the reasons (audited as such, no status change).
    again = services.evaluation_decide(
        actor=ditjen, period=sa_period, unit=tree.lapas_ambon, eligible=True, reasons="Catatan tambahan."
    )
    assert again.eligibility_reasons == "Catatan tambahan."
    assert StatusChange.objects.filter(assessment=first).count() == 3
    assert AuditEntry.objects.filter(action="assessment.evaluate.reasons").count() == 1

    fill_in(again, operator)
    services.assessment_submit(actor=kepala, assessment=again)
    with pytest.raises(services.TransitionError, match="already submitted"):
        services.evaluation_decide(
            actor=ditjen, period=sa_period, unit=tree.lapas_ambon, eligible=False, reasons="Terlambat."
        )
    again.refresh_from_db()
    assert again.status == S.SUBMITTED


def test_evaluations_need_an_open_period(sa_period, declared, tree, ditjen, admin_user):
    period_transition(actor=admin_user, period=sa_period, to=Period.Status.CLOSED)
    with pytest.raises(services.TransitionError):
        services.evaluation_decide(actor=ditjen, period=sa_period, unit=tree.lapas_ambon, eligible=True)
    assert not Assessment.objects.exists()
