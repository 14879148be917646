"""User and RoleAssignment: names, uniqueness of NIP and e-mail, and the role/unit constraints."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from p2ham.accounts.models import NATIONAL_ROLES, Role, RoleAssignment, User
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory, nip_for

pytestmark = pytest.mark.django_db


# --- names ----------------------------------------------------------------------------------------


def test_get_full_name_returns_full_name():
    user = UserFactory(full_name="Siti Rahmawati Lestari")
    assert user.get_full_name() == "Siti Rahmawati Lestari"


def test_get_short_name_is_the_first_word_of_the_full_name():
    user = UserFactory(full_name="Siti Rahmawati Lestari")
    assert user.get_short_name() == "Siti"


def test_get_short_name_falls_back_to_username():
    user = UserFactory(username="siti", full_name="")
    assert user.get_short_name() == "siti"


def test_str_is_the_full_name():
    assert str(UserFactory(full_name="Siti Rahmawati")) == "Siti Rahmawati"


def test_str_falls_back_to_username():
    assert str(UserFactory(username="siti", full_name="")) == "siti"


def test_user_has_no_first_or_last_name_fields():
    field_names = {f.name for f in User._meta.get_fields()}
    assert "full_name" in field_names
    assert "first_name" not in field_names
    assert "last_name" not in field_names


# --- NIP ------------------------------------------------------------------------------------------


def test_nip_is_unique():
    UserFactory(nip=nip_for(7))
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(nip=nip_for(7))


def test_several_users_may_have_no_nip():
    UserFactory(nip=None)
    UserFactory(nip=None)
    assert User.objects.filter(nip__isnull=True).count() == 2


def test_invalid_nip_fails_model_validation():
    user = UserFactory.build(nip="12345")
    with pytest.raises(ValidationError) as info:
        user.full_clean()
    assert "nip" in info.value.message_dict


def test_valid_nip_passes_model_validation():
    user = UserFactory.build(nip=nip_for(5))
    user.full_clean(exclude=["password"])


# --- e-mail ---------------------------------------------------------------------------------------


def test_email_is_unique():
    UserFactory(email="siti@example.go.id")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="siti@example.go.id")


def test_email_is_unique_ignoring_case():
    UserFactory(email="siti@example.go.id")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(email="Siti@Example.GO.ID")


def test_email_update_to_another_users_address_in_another_case_is_refused():
    UserFactory(email="siti@example.go.id")
    other = UserFactory(email="budi@example.go.id")
    other.email = "SITI@example.go.id"
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save()


def test_several_users_may_have_a_blank_email():
    UserFactory(email="")
    UserFactory(email="")
    UserFactory(email="")
    assert User.objects.filter(email="").count() == 3


def test_duplicate_email_in_another_case_fails_model_validation():
    UserFactory(email="siti@example.go.id")
    user = UserFactory.build(email="SITI@example.go.id")
    with pytest.raises(ValidationError):
        user.full_clean(exclude=["password"])


def test_username_is_unique_ignoring_case():
    # Login and the lockout counter treat usernames case-insensitively, so "Budi" and "budi" must not coexist:
    # otherwise typing "budi" may pick the other account and the two share one lockout counter.
    UserFactory(username="Budi", email="budi.satu@example.go.id")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="budi", email="budi.dua@example.go.id")


# --- role assignments -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.KEPALA_UNIT, Role.KANWIL])
def test_unit_bound_role_without_unit_is_refused(role):
    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role=role, unit=None)


@pytest.mark.parametrize("role", sorted(NATIONAL_ROLES))
def test_national_role_may_have_no_unit(role):
    assignment = RoleAssignment.objects.create(user=UserFactory(), role=role, unit=None)
    assert assignment.pk is not None
    assert assignment.unit is None


def test_national_roles_are_exactly_the_expected_ones():
    assert {r.value for r in NATIONAL_ROLES} == {"admin", "ditjen", "verifikator", "penilai", "pimpinan"}


@pytest.mark.parametrize("role", sorted(NATIONAL_ROLES))
def test_same_national_role_twice_for_one_user_is_refused(role):
    user = UserFactory()
    RoleAssignment.objects.create(user=user, role=role, unit=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role=role, unit=None)


def test_same_national_role_for_two_users_is_allowed():
    RoleAssignment.objects.create(user=UserFactory(), role=Role.VERIFIKATOR, unit=None)
    RoleAssignment.objects.create(user=UserFactory(), role=Role.VERIFIKATOR, unit=None)
    assert RoleAssignment.objects.filter(role=Role.VERIFIKATOR).count() == 2


def test_operator_with_a_unit_is_allowed(tree):
    assignment = RoleAssignmentFactory(role=Role.OPERATOR, unit=tree.lapas_ambon)
    assert assignment.unit == tree.lapas_ambon


def test_same_role_on_the_same_unit_twice_is_refused(tree):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.OPERATOR, unit=tree.lapas_ambon)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignmentFactory(user=user, role=Role.OPERATOR, unit=tree.lapas_ambon)


def test_same_role_on_two_units_is_allowed(tree):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.OPERATOR, unit=tree.lapas_ambon)
    RoleAssignmentFactory(user=user, role=Role.OPERATOR, unit=tree.rutan_ambon)
    assert user.role_assignments.count() == 2


def test_national_role_may_also_be_held_on_a_unit(tree):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.PENILAI, unit=None)
    RoleAssignmentFactory(user=user, role=Role.PENILAI, unit=tree.kanwil_maluku)
    assert user.role_assignments.count() == 2


def test_role_assignment_str_names_role_and_unit(tree):
    assignment = RoleAssignmentFactory(role=Role.OPERATOR, unit=tree.lapas_ambon)
    assert "Lapas Kelas IIA Ambon" in str(assignment)


def test_deleting_a_user_deletes_their_role_assignments(tree):
    assignment = RoleAssignmentFactory(role=Role.OPERATOR, unit=tree.lapas_ambon)
    assignment.user.delete()
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_a_unit_with_role_assignments_cannot_be_deleted(tree):
    RoleAssignmentFactory(role=Role.OPERATOR, unit=tree.lapas_ambon)
    with pytest.raises(ProtectedError):
        tree.lapas_ambon.delete()


def test_admin_role_cannot_be_tied_to_a_unit(tree):
    from django.db import IntegrityError, transaction

    from p2ham.accounts.models import RoleAssignment
    from p2ham.accounts.tests.factories import UserFactory

    user = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role="admin", unit=tree.kanwil_maluku)
