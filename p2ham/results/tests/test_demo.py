"""The results demo: last year's whole cycle (determined, certificates, a year of follow-up) and the current
year at every stage before its decree, built by ``seed_demo`` through the real services."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from p2ham.accounts.models import Role, RoleAssignment, User
from p2ham.assessments.models import Assessment, StatusChange
from p2ham.audit.models import AuditEntry
from p2ham.declarations.models import Declaration
from p2ham.instruments.models import Indicator
from p2ham.notifications.models import Notification
from p2ham.organizations.demo import STAFFED_UPTS, demo_unit_rows
from p2ham.periods.models import Period
from p2ham.results import selectors
from p2ham.results.demo import CURRENT_STAGES, LAST_YEAR_STAFFED, last_year_participants, theme
from p2ham.results.models import Certificate, Determination, FollowUpAction, FollowUpEvidence, Result
from p2ham.reviews.models import PanelResult

S = Assessment.Status
F_ = FollowUpAction.Status


def test_last_year_participants_are_deterministic_and_cover_the_country() -> None:
    participants = last_year_participants()
    assert participants == last_year_participants()
    codes = [p.code for p in participants]
    assert len(set(codes)) == len(codes)
    assert 40 <= len(participants) <= 80
    assert set(LAST_YEAR_STAFFED) <= set(codes)
    # Units whose people report on follow-up or submit this year have demo accounts.
    assert set(LAST_YEAR_STAFFED) | set(CURRENT_STAGES) <= set(STAFFED_UPTS)
    units = {row.values["code"]: row.values for row in demo_unit_rows()}
    assert all(units[p.code]["province"] == p.province for p in participants)
    assert len({p.province for p in participants}) >= 30
    profiles = Counter(p.profile for p in participants)
    assert profiles["not_eligible"] >= 2 and profiles["below"] >= 2 and profiles["veto"] == 1
    assert profiles["revoked"] == 1


def test_findings_follow_the_subject_of_the_indicator() -> None:
    finding, action, report = theme("Apakah unit kerja menyediakan jalan landai (ram) dengan kemiringan yang aman?")
    assert "ramp" in finding and "1:12" in action and report
    assert theme("Sesuatu yang lain sama sekali?")[0].startswith("Data dukung")


@pytest.fixture
def seeded(
    settings: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[list[Callable[[], Any]]]],
) -> Iterator[dt.datetime]:
    settings.VAR_DIR = tmp_path
    storages = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    with override_settings(STORAGES=storages):
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):  # e-mails go out once the seed commits
            call_command("seed_demo", quiet=True)
        yield before


@pytest.mark.django_db
def test_seed_demo_tells_last_year_and_the_current_year(seeded: dt.datetime) -> None:
    now = timezone.now()
    this_year = timezone.localdate().year
    last = Period.objects.get(year=this_year - 1)
    current = Period.objects.get(year=this_year)
    assert (last.status, current.status) == (Period.Status.CLOSED, Period.Status.OPEN)
    # The current instruments continue last year's, indicator by indicator.
    assert not Indicator.objects.filter(instrument__period=current, continues_code="").exists()

    # Last year: declared, evaluated, submitted, verified, scored by the panels and determined by decree.
    determination = Determination.objects.get(period=last)
    assert determination.decree_date.year == last.year and determination.decree_date.month == 12
    assert timezone.localtime(determination.determined_at).date() == determination.decree_date
    statuses = Counter(Assessment.objects.filter(period=last).values_list("status", flat=True))
    assert set(statuses) == {S.DETERMINED, S.NOT_ELIGIBLE, S.DRAFT}
    assert Declaration.objects.filter(period=last, status=Declaration.Status.COMPLETED).count() >= 25
    results = list(Result.objects.filter(period=last).select_related("unit"))
    assert len(results) == statuses[S.DETERMINED] >= 40
    assert all(55 <= r.total <= 100 for r in results)
    assert {r.breakdown["decided_by"] for r in results} == {"granted", "below_threshold", "mandatory_failed"}
    assert any(r.vetoed and not r.predicate for r in results)
    awarded = [r for r in results if r.awarded]
    assert 0.7 * len(results) <= len(awarded) < len(results) - 5
    for cohort in {r.cohort for r in results}:
        assert sorted(r.rank for r in results if r.cohort == cohort)[0] == 1
    # Each result is exactly what its panel's scoring engine produced.
    panels = {p.assessment_id: p for p in PanelResult.objects.filter(assessment__period=last)}
    # (the result also keeps the chair's justification of each adjustment).
    assert all(
        panels[r.assessment_id].total == r.total
        and panels[r.assessment_id].breakdown == {k: v for k, v in r.breakdown.items() if k != "justifications"}
        for r in results
    )

    # Certificates: one per awarded unit, one revoked since; the public site lists the others, everywhere.
    certificates = Certificate.objects.filter(result__period=last)
    revoked = certificates.filter(revoked_at__isnull=False)
    assert revoked.count() == 1 and revoked.get().revoke_reason
    assert certificates.filter(revoked_at__isnull=True).count() == len(awarded)
    assert selectors.certificate_by_code(revoked.get().code) is not None
    assert selectors.public_results(year=last.year).count() == len(awarded)
    assert len(selectors.public_counts_by_province(year=last.year)) >= 25

    # A year of follow-up: every state, overdue ones, evidence with the reports, all audited.
    follow_ups = FollowUpAction.objects.filter(period=last)
    assert set(follow_ups.values_list("status", flat=True)) == set(F_.values)
    assert follow_ups.filter(selectors.overdue_q()).exists()
    assert follow_ups.filter(status=F_.CONFIRMED, due_date__gt=timezone.localdate()).exists()
    reported = follow_ups.filter(status__in=[F_.REPORTED, F_.CLOSED])
    assert FollowUpEvidence.objects.filter(action__in=reported).values("action").distinct().count() == reported.count()
    assert AuditEntry.objects.filter(action="followup.close").count() == follow_ups.filter(status=F_.CLOSED).count()
    assert AuditEntry.objects.filter(action="followup.send_back").exists()

    # It happened last year, not today: nothing of last year is dated in the future or today.
    assert StatusChange.objects.filter(assessment__period=last, created_at__gte=seeded).count() == 0
    assert not follow_ups.filter(updated_at__gte=seeded).exists()
    assert not certificates.filter(issued_at__gte=seeded).exists()
    assert max(f.updated_at for f in follow_ups) < now
    # Last year's notifications are in the bell, read; their e-mails were not sent today.
    assert not Notification.objects.filter(created_at__lt=now - dt.timedelta(days=14), read_at__isnull=True).exists()
    assert mail.outbox and not [m for m in mail.outbox if str(last.year) in m.subject]

    # The demo accounts see it: the unit its own follow-up, the Kanwil both Ambon units, leadership all.
    operator, kanwil, pimpinan = (User.objects.get(username=n) for n in ("operator", "kanwil", "pimpinan"))
    assert RoleAssignment.objects.filter(user=pimpinan, role=Role.PIMPINAN).exists()
    own = selectors.follow_up_list(user=operator, period=last)
    assert set(own.values_list("unit__code", flat=True)) == {"LAPAS-81-AMBON"}
    assert set(own.values_list("status", flat=True)) == set(F_.values)
    assert {"LAPAS-81-AMBON", "RUTAN-81-AMBON"} <= set(
        selectors.follow_up_list(user=kanwil, period=last).values_list("unit__code", flat=True)
    )
    assert selectors.follow_up_list(user=pimpinan, period=last).count() == follow_ups.count()
    assert selectors.result_for(user=operator, year=last.year, unit_code="LAPAS-81-AMBON").awarded

    # The current year: units at every stage before the decree, and no decree yet.
    now_statuses = set(Assessment.objects.filter(period=current).values_list("status", flat=True))
    assert {
        S.DRAFT,
        S.SUBMITTED,
        S.IN_KANWIL_REVIEW,
        S.IN_VERIFICATION,
        S.RETURNED,
        S.VERIFIED,
        S.IN_PANEL,
        S.SCORED,
    } <= now_statuses
    assert S.DETERMINED not in now_statuses
    assert not Determination.objects.filter(period=current).exists()
    assert not Result.objects.filter(period=current).exists()
    assert Declaration.objects.filter(period=current, status=Declaration.Status.SUBMITTED).exists()

    # A second run changes nothing.
    counts = (Result.objects.count(), FollowUpAction.objects.count(), Assessment.objects.count())
    call_command("seed_demo", quiet=True)
    assert (Result.objects.count(), FollowUpAction.objects.count(), Assessment.objects.count()) == counts
