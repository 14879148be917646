"""A unit's operator and head read their own unit's result and follow-up only, never those of the units
below them; a Kanwil (the role) reads its units'."""

from __future__ import annotations

import pytest

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.results import selectors
from p2ham.results.models import FollowUpAction

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.KEPALA_UNIT])
def test_the_kanwil_offices_own_staff_do_not_see_its_upts_results(client, tree, determined, role):
    staff = UserFactory(username=f"{role}_kanwil_maluku")
    RoleAssignmentFactory(user=staff, role=role, unit=tree.kanwil_maluku)
    year = determined.period.year

    assert not policy.can(staff, Action.RESULT_VIEW, tree.lapas_ambon)
    assert policy.can(staff, Action.RESULT_VIEW, tree.kanwil_maluku)
    assert not selectors.follow_up_list(user=staff).exists()
    client.force_login(staff)
    assert client.get(f"/hasil/{year}/LAPAS-AMBON/").status_code == 404
    assert client.get(f"/hasil/{year}/LAPAS-AMBON/laporan.pdf").status_code == 404
    action = FollowUpAction.objects.get()
    assert client.get(f"/tindak-lanjut/{action.pk}/").status_code == 404


def test_the_units_own_operator_and_its_kanwil_do(client, tree, determined, operator, kanwil):
    year = determined.period.year
    for who in (operator, kanwil):
        assert policy.can(who, Action.RESULT_VIEW, tree.lapas_ambon)
        assert selectors.follow_up_list(user=who).count() == 1
        client.force_login(who)
        assert client.get(f"/hasil/{year}/LAPAS-AMBON/").status_code == 200


def test_an_instrument_correction_leaves_determined_assessments_on_their_version(determined, scored, admin_user):
    from p2ham.instruments import services as instrument_services

    v1 = scored.instrument
    answers_before = list(scored.answers.order_by("indicator_code").values_list("indicator_id", "option_id"))
    v2 = instrument_services.instrument_new_version(actor=admin_user, instrument=v1, change_note="Koreksi redaksi")
    instrument_services.instrument_publish_version(actor=admin_user, draft=v2)

    scored.refresh_from_db()
    assert scored.instrument == v1
    assert list(scored.answers.order_by("indicator_code").values_list("indicator_id", "option_id")) == answers_before


def test_before_the_decree_only_national_roles_see_the_draft_ranking(client, scored, kanwil, ditjen):
    year = scored.period.year
    assert selectors.ranking(period=scored.period, user=ditjen).rows
    board = selectors.ranking(period=scored.period, user=kanwil)
    assert board.draft_hidden and not board.rows
    client.force_login(kanwil)
    page = client.get(f"/hasil/{year}/").content.decode()
    assert "Lapas Kelas IIA Ambon" not in page
