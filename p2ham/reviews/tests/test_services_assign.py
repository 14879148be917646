"""Assignment by Ditjen HAM: verifiers and panels, singly and in bulk, never someone from the unit's own
regional subtree; one chair; a declared conflict takes the assessor off and asks Ditjen HAM for a
replacement; the panel starts only when the assessment is verified and its panel complete."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments.models import Assessment, StatusChange
from p2ham.audit.models import AuditEntry
from p2ham.notifications.models import Notification
from p2ham.periods.services import TransitionError
from p2ham.reviews import selectors, services, services_panel
from p2ham.reviews.models import PanelAssignment, VerifierAssignment
from p2ham.reviews.services import ConflictOfInterest
from p2ham.reviews.tests.fixtures import submit_and_forward, verify_all

S = Assessment.Status
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield


def _person(username: str, *grants: tuple[Role, object]):
    user = UserFactory(username=username, full_name=username.replace("_", " ").title())
    for role, unit in grants:
        RoleAssignmentFactory(user=user, role=role, unit=unit)
    return user


@pytest.fixture
def forwarded(assessment, operator, kepala, kanwil) -> Assessment:
    """Lapas Ambon's assessment in verification, nobody assigned yet."""
    return submit_and_forward(assessment, operator, kepala, kanwil)


@pytest.fixture
def medan_forwarded(medan_assessment, medan_operator, other_kanwil, tree) -> Assessment:
    """Lapas Medan's assessment (Kanwil Sumatera Utara) in verification, nobody assigned yet."""
    kepala_medan = _person("kepala_medan", (Role.KEPALA_UNIT, tree.lapas_medan))
    return submit_and_forward(medan_assessment, medan_operator, kepala_medan, other_kanwil)


@pytest.fixture
def maluku_verifier(tree):
    """A national verifier who is also an operator of Rutan Ambon: inside Lapas Ambon's regional subtree."""
    return _person("verifikator_maluku", (Role.VERIFIKATOR, None), (Role.OPERATOR, tree.rutan_ambon))


# ---------------------------------------------------------------- verifiers


@pytest.mark.parametrize("who", ["operator", "kanwil", "verifier", "admin_user"])
def test_only_ditjen_assigns_a_verifier(request, forwarded, verifier, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.verifier_assign(actor=actor, assessment=forwarded, verifier=verifier)
    assert not VerifierAssignment.objects.exists()


def test_assigning_a_verifier_is_recorded_and_told(forwarded, ditjen, verifier):
    assignment = services.verifier_assign(actor=ditjen, assessment=forwarded, verifier=verifier)
    assert assignment.assigned_by == ditjen
    assert selectors.is_assigned_verifier(verifier, forwarded)
    entry = AuditEntry.objects.get(action="review.verifier.assign")
    assert entry.data["verifier"] == verifier.pk and entry.actor == ditjen
    assert Notification.objects.filter(recipient=verifier, title__startswith="You verify").exists()


def test_the_same_verifier_twice_is_refused(forwarded, ditjen, verifier):
    services.verifier_assign(actor=ditjen, assessment=forwarded, verifier=verifier)
    with pytest.raises(ValidationError, match="already verifies"):
        services.verifier_assign(actor=ditjen, assessment=forwarded, verifier=verifier)
    assert VerifierAssignment.objects.count() == 1


def test_a_verifier_needs_the_verifier_role(forwarded, ditjen, assessors, kanwil):
    for person in (assessors[0], kanwil):
        with pytest.raises(ValidationError) as caught:
            services.verifier_assign(actor=ditjen, assessment=forwarded, verifier=person)
        assert "is not a verifier" in caught.value.message_dict["verifier"][0]
    assert not VerifierAssignment.objects.exists()


def test_an_inactive_verifier_is_refused(forwarded, ditjen, verifier):
    verifier.is_active = False
    verifier.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        services.verifier_assign(actor=ditjen, assessment=forwarded, verifier=verifier)


def test_a_verifier_is_assigned_only_once_the_assessment_is_forwarded(assessment, ditjen, verifier):
    with pytest.raises(TransitionError, match="has not been forwarded"):
        services.verifier_assign(actor=ditjen, assessment=assessment, verifier=verifier)


def test_a_verifier_from_the_units_own_kanwil_subtree_is_refused(forwarded, ditjen, maluku_verifier):
    with pytest.raises(ConflictOfInterest, match="conflict of interest"):
        services.verifier_assign(actor=ditjen, assessment=forwarded, verifier=maluku_verifier)
    assert not VerifierAssignment.objects.exists()
    assert not AuditEntry.objects.filter(action="review.verifier.assign").exists()


def test_a_role_in_another_province_is_no_conflict(forwarded, ditjen, tree):
    sumut_verifier = _person("verifikator_sumut", (Role.VERIFIKATOR, None), (Role.OPERATOR, tree.lapas_medan))
    services.verifier_assign(actor=ditjen, assessment=forwarded, verifier=sumut_verifier)
    assert selectors.is_assigned_verifier(sumut_verifier, forwarded)


def test_bulk_verifier_assignment_skips_conflicts_and_ineligible_with_reasons(
    forwarded, medan_forwarded, sibling_assessment, ditjen, tree
):
    # Conflicted with the Sumatera Utara units only.
    person = _person("verifikator_medan", (Role.VERIFIKATOR, None), (Role.KANWIL, tree.kanwil_sumut))
    assigned, skipped = services.verifiers_assign_many(
        actor=ditjen,
        period=forwarded.period,
        verifier=person,
        assessments=[forwarded, medan_forwarded, sibling_assessment],
    )
    assert assigned == 1
    assert len(skipped) == 2
    medan, rutan = skipped
    assert medan.startswith(str(medan_forwarded.unit)) and "conflict of interest" in medan
    assert rutan.startswith(str(sibling_assessment.unit)) and "has not been forwarded" in rutan
    assert list(VerifierAssignment.objects.values_list("assessment", flat=True)) == [forwarded.pk]
    # Assigning the same again counts nothing and skips nothing; one notification per run that assigned.
    assert services.verifiers_assign_many(
        actor=ditjen, period=forwarded.period, verifier=person, assessments=[forwarded]
    ) == (0, [])
    assert Notification.objects.filter(recipient=person, title__contains="assigned to you").count() == 1


def test_bulk_verifier_assignment_skips_a_non_verifier(forwarded, ditjen, assessors):
    assigned, skipped = services.verifiers_assign_many(
        actor=ditjen, period=forwarded.period, verifier=assessors[0], assessments=[forwarded]
    )
    assert assigned == 0 and len(skipped) == 1 and "is not a verifier" in skipped[0]
    assert not VerifierAssignment.objects.exists()


def test_bulk_verifier_assignment_is_ditjens(forwarded, kanwil, verifier):
    with pytest.raises(PermissionDenied):
        services.verifiers_assign_many(
            actor=kanwil, period=forwarded.period, verifier=verifier, assessments=[forwarded]
        )


def test_an_unassigned_verifier_can_no_longer_verify(in_verification, ditjen, verifier):
    assignment = VerifierAssignment.objects.get(assessment=in_verification, verifier=verifier)
    services.verifier_unassign(actor=ditjen, assignment=assignment)
    assert not selectors.is_assigned_verifier(verifier, in_verification)
    assert AuditEntry.objects.filter(action="review.verifier.unassign").exists()
    with pytest.raises(PermissionDenied):
        verify_all(in_verification, verifier)


# ---------------------------------------------------------------- panels


def test_only_ditjen_seats_a_panel(forwarded, kanwil, assessors):
    with pytest.raises(PermissionDenied):
        services.panel_assign(actor=kanwil, assessment=forwarded, assessor=assessors[0], chair=True)
    assert not PanelAssignment.objects.exists()


def test_an_assessor_needs_the_assessor_role(forwarded, ditjen, verifier):
    with pytest.raises(ValidationError, match="is not an assessor"):
        services.panel_assign(actor=ditjen, assessment=forwarded, assessor=verifier)
    assert not PanelAssignment.objects.exists()


def test_a_conflicted_assessor_is_refused(forwarded, ditjen, conflicted_assessor):
    for chair in (True, False):
        with pytest.raises(ConflictOfInterest):
            services.panel_assign(actor=ditjen, assessment=forwarded, assessor=conflicted_assessor, chair=chair)
    assert not PanelAssignment.objects.exists()


def test_a_panel_has_one_chair(forwarded, ditjen, assessors):
    first, second, _third = assessors
    services.panel_assign(actor=ditjen, assessment=forwarded, assessor=first, chair=True)
    services.panel_assign(actor=ditjen, assessment=forwarded, assessor=second, chair=True)
    seats = {s.assessor_id: s.chair for s in selectors.active_panel(forwarded)}
    # The new chair takes over; the former chair stays on the panel as an assessor.
    assert seats == {first.pk: False, second.pk: True}
    with pytest.raises(ValidationError, match="already sits"):
        services.panel_assign(actor=ditjen, assessment=forwarded, assessor=second, chair=True)
    # Making an assessor the chair moves the seat, it does not add one.
    services.panel_assign(actor=ditjen, assessment=forwarded, assessor=first, chair=True)
    seats = {s.assessor_id: s.chair for s in selectors.active_panel(forwarded)}
    assert seats == {first.pk: True, second.pk: False}
    assert Notification.objects.filter(recipient=first, title__startswith="You chair").count() == 2


def test_the_panel_waits_for_verification(in_verification, ditjen, verifier, assessors):
    chair, member, _ = assessors
    services.panel_assign(actor=ditjen, assessment=in_verification, assessor=chair, chair=True)
    services.panel_assign(actor=ditjen, assessment=in_verification, assessor=member)
    in_verification.refresh_from_db()
    assert in_verification.status == S.IN_VERIFICATION  # a complete panel, but not verified yet
    verify_all(in_verification, verifier)
    services.verification_complete(actor=verifier, assessment=in_verification)
    in_verification.refresh_from_db()
    assert in_verification.status == S.IN_PANEL
    assert StatusChange.objects.filter(assessment=in_verification, to_status=S.IN_PANEL).count() == 1
    for person in (chair, member):
        assert Notification.objects.filter(recipient=person, title__contains="your scores are awaited").exists()


@pytest.fixture
def verified(in_verification, verifier) -> Assessment:
    verify_all(in_verification, verifier)
    services.verification_complete(actor=verifier, assessment=in_verification)
    in_verification.refresh_from_db()
    assert in_verification.status == S.VERIFIED
    return in_verification


def test_the_panel_starts_with_two_assessors_one_of_them_chair(verified, ditjen, assessors):
    chair, one, two = assessors
    services.panel_assign(actor=ditjen, assessment=verified, assessor=chair, chair=True)
    verified.refresh_from_db()
    assert verified.status == S.VERIFIED  # a chair alone is not a panel
    services.panel_assign(actor=ditjen, assessment=verified, assessor=one)
    verified.refresh_from_db()
    assert verified.status == S.IN_PANEL
    assert AuditEntry.objects.filter(action="panel.start").count() == 1
    services.panel_assign(actor=ditjen, assessment=verified, assessor=two)  # a third: the panel goes on
    verified.refresh_from_db()
    assert verified.status == S.IN_PANEL


def test_the_panel_does_not_start_without_a_chair(verified, ditjen, assessors):
    _chair, one, two = assessors
    services.panel_assign(actor=ditjen, assessment=verified, assessor=one)
    services.panel_assign(actor=ditjen, assessment=verified, assessor=two)
    verified.refresh_from_db()
    assert verified.status == S.VERIFIED
    services.panel_assign(actor=ditjen, assessment=verified, assessor=two, chair=True)
    verified.refresh_from_db()
    assert verified.status == S.IN_PANEL


def test_bulk_panels_skip_conflicts_without_leaving_half_a_panel(
    forwarded, sibling_assessment, ditjen, assessors, conflicted_assessor
):
    chair, one, _ = assessors
    done, skipped = services.panels_assign_many(
        actor=ditjen,
        period=forwarded.period,
        chair=chair,
        assessors=[one, conflicted_assessor],
        assessments=[forwarded, sibling_assessment],
    )
    assert done == 0
    assert "conflict of interest" in skipped[0] and skipped[0].startswith(str(forwarded.unit))
    assert "has not been forwarded" in skipped[1]
    assert not PanelAssignment.objects.exists()  # the chair seated before the conflict was rolled back

    done, skipped = services.panels_assign_many(
        actor=ditjen, period=forwarded.period, chair=chair, assessors=[one], assessments=[forwarded]
    )
    assert (done, skipped) == (1, [])
    assert {(s.assessor_id, s.chair) for s in selectors.active_panel(forwarded)} == {(chair.pk, True), (one.pk, False)}
    # Again: nothing changes, nothing is duplicated.
    assert services.panels_assign_many(
        actor=ditjen, period=forwarded.period, chair=chair, assessors=[one], assessments=[forwarded]
    ) == (1, [])
    assert PanelAssignment.objects.count() == 2


def test_bulk_panels_need_two_people(forwarded, ditjen, assessors):
    with pytest.raises(ValidationError, match="at least two"):
        services.panels_assign_many(
            actor=ditjen, period=forwarded.period, chair=assessors[0], assessors=[assessors[0]], assessments=[forwarded]
        )


def test_bulk_panels_start_verified_assessments(verified, ditjen, assessors):
    chair, one, _ = assessors
    services.panels_assign_many(
        actor=ditjen, period=verified.period, chair=chair, assessors=[one], assessments=[verified]
    )
    verified.refresh_from_db()
    assert verified.status == S.IN_PANEL


# ---------------------------------------------------------------- declared conflicts and replacement


def test_a_declared_conflict_takes_the_chair_off_and_tells_ditjen(in_panel, ditjen, assessors):
    chair, one, two = assessors
    seat = services.panel_declare_conflict(actor=chair, assessment=in_panel, reason="Saudara kandung Kalapas")
    assert not seat.active and not seat.chair and seat.conflict_reason == "Saudara kandung Kalapas"
    assert selectors.panel_seat(chair, in_panel) is None
    assert {s.assessor_id for s in selectors.active_panel(in_panel)} == {one.pk, two.pk}
    assert not any(s.chair for s in selectors.active_panel(in_panel))
    note = Notification.objects.get(recipient=ditjen, title__contains="declared a conflict of interest")
    assert note.body == "Saudara kandung Kalapas"
    entry = AuditEntry.objects.get(action="review.panel.conflict")
    assert entry.actor == chair and entry.data["chair"] is True
    # They cannot score any more, and cannot be seated again.
    with pytest.raises(PermissionDenied):
        services_panel.panel_submit(actor=chair, assessment=in_panel)
    with pytest.raises(ConflictOfInterest):
        services.panel_assign(actor=ditjen, assessment=in_panel, assessor=chair, chair=True)


def test_declaring_a_conflict_needs_a_reason_and_a_seat(in_panel, verifier, assessors):
    with pytest.raises(ValidationError):
        services.panel_declare_conflict(actor=assessors[1], assessment=in_panel, reason="   ")
    with pytest.raises(PermissionDenied):
        services.panel_declare_conflict(actor=verifier, assessment=in_panel, reason="Tidak ada")
    assert all(s.active for s in PanelAssignment.objects.filter(assessment=in_panel))


def test_a_replacement_completes_the_panel_again(in_panel, ditjen, assessors):
    chair, one, two = assessors
    services.panel_declare_conflict(actor=chair, assessment=in_panel, reason="Pernah bertugas di Lapas Ambon")
    replacement = _person("penilai_pengganti", (Role.PENILAI, None))
    services.panel_assign(actor=ditjen, assessment=in_panel, assessor=replacement, chair=True)
    panel = selectors.active_panel(in_panel)
    assert selectors.panel_complete(panel)
    assert {(s.assessor_id, s.chair) for s in panel} == {(replacement.pk, True), (one.pk, False), (two.pk, False)}
    assert selectors.panel_seat(replacement, in_panel) is not None
    in_panel.refresh_from_db()
    assert in_panel.status == S.IN_PANEL
    # The declared seat is kept for the record.
    assert PanelAssignment.objects.filter(assessment=in_panel, assessor=chair, conflict_declared_at__isnull=False)
