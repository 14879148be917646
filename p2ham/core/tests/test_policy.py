import pytest
from django.http import Http404

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.core import policy
from p2ham.core.policy import Action

pytestmark = pytest.mark.django_db


def codes(qs):
    return set(qs.values_list("code", flat=True))


def test_operator_sees_only_own_unit(tree, operator):
    assert codes(policy.scope_units(operator)) == {"LAPAS-AMBON"}


def test_kanwil_sees_its_subtree_but_not_other_provinces(tree, kanwil):
    assert codes(policy.scope_units(kanwil)) == {"KANWIL-81", "LAPAS-AMBON", "RUTAN-AMBON"}
    assert not policy.can(kanwil, Action.UNIT_VIEW, tree.lapas_medan)
    assert policy.can(kanwil, Action.UNIT_VIEW, tree.rutan_ambon)


def test_national_roles_see_everything(tree, ditjen, verifier):
    all_codes = {"KEMENHAM", "DITJEN-HAM", "KANWIL-81", "KANWIL-12", "LAPAS-AMBON", "RUTAN-AMBON", "LAPAS-MEDAN"}
    assert codes(policy.scope_units(ditjen)) == all_codes
    assert codes(policy.scope_units(verifier)) == all_codes


def test_outsider_sees_nothing(tree, outsider):
    assert codes(policy.scope_units(outsider)) == set()
    assert not policy.can(outsider, Action.UNIT_VIEW)


def test_subtree_follows_a_moved_unit(tree, kanwil):
    from p2ham.organizations.services import unit_save

    unit_save(actor=None, code="LAPAS-MEDAN", unit=tree.lapas_medan, parent=tree.kanwil_maluku)
    policy.forget_grants(kanwil)
    assert "LAPAS-MEDAN" in codes(policy.scope_units(kanwil))


def test_several_grants_union_their_subtrees(tree):
    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.OPERATOR, unit=tree.lapas_ambon)
    RoleAssignmentFactory(user=user, role=Role.OPERATOR, unit=tree.lapas_medan)
    assert codes(policy.scope_units(user)) == {"LAPAS-AMBON", "LAPAS-MEDAN"}


def test_manage_actions_need_the_admin_role(tree, admin_user, ditjen, kanwil):
    assert policy.can(admin_user, Action.UNIT_MANAGE)
    assert not policy.can(ditjen, Action.UNIT_MANAGE)
    assert not policy.can(kanwil, Action.UNIT_MANAGE, tree.lapas_ambon)


def test_unit_outside_scope_is_404_like_a_missing_one(tree, operator):
    with pytest.raises(Http404):
        policy.get_unit_or_404(operator, "LAPAS-MEDAN")
    with pytest.raises(Http404):
        policy.get_unit_or_404(operator, "DOES-NOT-EXIST")
    assert policy.get_unit_or_404(operator, "LAPAS-AMBON") == tree.lapas_ambon


def test_inactive_user_has_no_grants(tree, operator):
    operator.is_active = False
    policy.forget_grants(operator)
    assert codes(policy.scope_units(operator)) == set()


def test_user_timezone_is_that_of_the_users_unit(tree, operator, ditjen, other_kanwil):
    assert policy.user_timezone(operator) == "Asia/Jayapura"
    assert policy.user_timezone(other_kanwil) == "Asia/Jakarta"
    assert policy.user_timezone(ditjen) == "Asia/Jakarta"


def test_scope_users_for_kanwil_covers_its_region_only(tree, kanwil, operator, sibling_operator, other_kanwil):
    usernames = set(policy.scope_users(kanwil).values_list("username", flat=True))
    assert {"operator_ambon", "operator_rutan", "kanwil_maluku"} <= usernames
    assert "kanwil_sumut" not in usernames
    assert not policy.scope_users(operator).exists()
