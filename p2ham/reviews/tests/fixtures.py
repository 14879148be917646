"""Fixtures for verification and the panel (registered in the root conftest.py so the API and browser tests
can use them): Lapas Ambon's assessment submitted, forwarded and assigned to a verifier; a panel of three."""

from __future__ import annotations

import pytest

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments import services as assessment_services
from p2ham.assessments.models import Assessment
from p2ham.assessments.tests.fixtures import fill_in
from p2ham.reviews import services
from p2ham.reviews.models import Verdict


def _person(username: str, role: Role, unit=None):
    user = UserFactory(username=username, full_name=username.replace("_", " ").title())
    RoleAssignmentFactory(user=user, role=role, unit=unit)
    return user


@pytest.fixture
def second_verifier(tree):
    return _person("verifikator_dua", Role.VERIFIKATOR)


@pytest.fixture
def assessors(tree):
    """Three national assessors: the first chairs when the panel is assigned with ``seat_panel``."""
    return [
        _person("penilai_ketua", Role.PENILAI),
        _person("penilai_satu", Role.PENILAI),
        _person("penilai_dua", Role.PENILAI),
    ]


@pytest.fixture
def conflicted_assessor(tree):
    """An assessor who also works in Kanwil Maluku: may not judge Lapas Ambon."""
    user = _person("penilai_maluku", Role.PENILAI)
    RoleAssignmentFactory(user=user, role=Role.KANWIL, unit=tree.kanwil_maluku)
    return user


def submit_and_forward(assessment: Assessment, operator, kepala, kanwil) -> Assessment:
    fill_in(assessment, operator)
    assessment_services.assessment_submit(actor=kepala, assessment=assessment)
    assessment.refresh_from_db()
    assessment_services.assessment_forward(actor=kanwil, assessment=assessment)
    assessment.refresh_from_db()
    return assessment


@pytest.fixture
def in_verification(assessment, operator, kepala, kanwil, ditjen, verifier) -> Assessment:
    """Lapas Ambon's assessment, complete, submitted, forwarded, and assigned to ``verifier``."""
    submit_and_forward(assessment, operator, kepala, kanwil)
    services.verifier_assign(actor=ditjen, assessment=assessment, verifier=verifier)
    assessment.refresh_from_db()
    return assessment


def verify_all(
    assessment: Assessment, verifier, *, verdict: str = Verdict.ACCEPTED, skip: tuple[str, ...] = ()
) -> None:
    """Record ``verdict`` with the unit's own answer on every indicator except ``skip``."""
    answers = {a.indicator_code: a for a in assessment.answers.all()}
    for indicator in assessment.instrument.indicators.all():
        if indicator.code in skip:
            continue
        answer = answers.get(indicator.code)
        services.verification_save(
            actor=verifier,
            assessment=assessment,
            indicator_code=indicator.code,
            verdict=verdict,
            option_id=answer.option_id if answer else indicator.scale.options.first().pk,
        )


def seat_panel(assessment: Assessment, ditjen, assessors) -> None:
    services.panel_assign(actor=ditjen, assessment=assessment, assessor=assessors[0], chair=True)
    for person in assessors[1:]:
        services.panel_assign(actor=ditjen, assessment=assessment, assessor=person)
    assessment.refresh_from_db()


@pytest.fixture
def in_panel(in_verification, verifier, ditjen, assessors) -> Assessment:
    """Verified (every indicator accepted as the unit answered) with a panel of three: chair first."""
    verify_all(in_verification, verifier)
    services.verification_complete(actor=verifier, assessment=in_verification)
    in_verification.refresh_from_db()
    seat_panel(in_verification, ditjen, assessors)
    return in_verification
