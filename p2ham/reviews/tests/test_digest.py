"""The daily digest: what has waited longer than REVIEW_WAIT_DAYS for each verifier, assessor, chair and
Ditjen HAM, and repairs due within two days for the unit — one e-mail and one notification per person, never
empty, never twice on the same date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone, translation

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory, UserFactory
from p2ham.assessments.models import Assessment
from p2ham.notifications.models import Notification
from p2ham.reviews import services, services_panel
from p2ham.reviews.digest import digest_collect, digest_send
from p2ham.reviews.models import DigestLog, Verdict
from p2ham.reviews.tasks import send_review_digest
from p2ham.reviews.tests.fixtures import submit_and_forward, verify_all

S = Assessment.Status
pytestmark = pytest.mark.django_db
DAYS = 5


@pytest.fixture(autouse=True)
def _english_and_five_days() -> Iterator[None]:
    with translation.override("en"), override_settings(REVIEW_WAIT_DAYS=DAYS):
        yield


def later(**delta: float) -> time_machine.travel:
    return time_machine.travel(timezone.now() + dt.timedelta(**delta), tick=False)


def on_day(days: int, hour: int) -> time_machine.travel:
    """``days`` after today at ``hour`` o'clock local time: "the same day" must not depend on when the test runs."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return time_machine.travel(
        dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone()), tick=False
    )


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run the digest as the task does, with the e-mails that go once the transaction commits."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return send_review_digest.call()

    return run


def mails_to(person) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if m.to == [person.email]]


def items_of(person, **delta: float) -> list[str]:
    """The texts of the person's digest (empty: none) after ``delta`` from now."""
    with later(**delta):
        digest = digest_collect().get(person.pk)
    return [item.text for item in digest.items] if digest else []


# ---------------------------------------------------------------- verifiers and Ditjen HAM


def test_a_verifier_is_told_of_what_has_waited_too_long(in_verification, verifier, ditjen, kanwil, send):
    with later(days=DAYS, hours=-1):
        assert send() == 0  # not longer than five days yet
    assert mail.outbox == [] and not DigestLog.objects.exists()

    with later(days=DAYS + 1):
        assert send() == 1
    [message] = mail.outbox
    assert message.to == [verifier.email]
    assert message.subject == "[P2HAM] Daily digest: 1 item waits for you"
    assert "Lapas Kelas IIA Ambon" in message.body and "waits for your verification" in message.body
    assert f"{settings.SITE_URL}/penilaian/{in_verification.period.year}/LAPAS-AMBON/verifikasi/" in message.body
    assert "waiting 6 days" in message.body
    note = Notification.objects.get(recipient=verifier, title__startswith="Daily digest")
    assert "waits for your verification" in note.body and note.url.endswith("/verifikasi/")
    # Nobody else had anything waiting: no empty digest for them.
    assert not Notification.objects.filter(recipient__in=[ditjen, kanwil], title__startswith="Daily digest").exists()
    assert list(DigestLog.objects.values_list("user", "items")) == [(verifier.pk, 1)]


def test_one_digest_a_day(in_verification, verifier, send):
    with on_day(DAYS + 1, 8):
        assert send() == 1
    with on_day(DAYS + 1, 11):
        assert send() == 0  # the same day again: nothing
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=verifier, title__startswith="Daily digest").count() == 1
    with on_day(DAYS + 2, 8):
        assert send() == 1  # still waiting the next day
    assert len(mail.outbox) == 2


def test_ditjen_is_told_of_an_assessment_without_a_verifier(assessment, operator, kepala, kanwil, ditjen, send):
    submit_and_forward(assessment, operator, kepala, kanwil)
    assert items_of(ditjen, days=DAYS + 1) == [
        f"Lapas Kelas IIA Ambon ({assessment.period.year}) is in verification without a verifier"
    ]
    with later(days=DAYS + 1):
        send()
    [message] = mails_to(ditjen)
    assert f"/penugasan/{assessment.period.year}/?q=LAPAS-AMBON" in message.body


def test_a_verifier_is_told_to_resume_after_the_repair_due_date(in_verification, verifier, operator, kepala, send):
    a = in_verification
    verify_all(a, verifier, skip=("K1.01",))
    services.verification_save(
        actor=verifier,
        assessment=a,
        indicator_code="K1.01",
        verdict=Verdict.NEEDS_REPAIR,
        reason_code="bukti-tidak-lengkap",
        note="Lampirkan SK",
    )
    due = timezone.localdate(timezone=a.unit.province.tzinfo) + dt.timedelta(days=DAYS + 2)
    request = services.verification_return(actor=verifier, assessment=a, due_date=due)
    until_due = request.due_at - timezone.now()
    # Returned longer than five days ago, but the unit may still repair: nothing for the verifier.
    assert items_of(verifier, seconds=(until_due - dt.timedelta(hours=1)).total_seconds()) == []
    after = (until_due + dt.timedelta(minutes=1)).total_seconds()
    [text] = items_of(verifier, seconds=after)
    assert "the repair was due on" in text and "resume the verification" in text
    assert items_of(operator, seconds=after) == []  # too late for the unit: no reminder


# ---------------------------------------------------------------- the unit


def test_the_unit_is_reminded_of_a_repair_due_within_two_days(
    in_verification, verifier, operator, kepala, kanwil, send
):
    a = in_verification
    verify_all(a, verifier, skip=("K1.01",))
    services.verification_save(
        actor=verifier,
        assessment=a,
        indicator_code="K1.01",
        verdict=Verdict.NEEDS_REPAIR,
        reason_code="bukti-tidak-lengkap",
        note="Lampirkan SK",
    )
    due = timezone.localdate(timezone=a.unit.province.tzinfo) + dt.timedelta(days=4)
    request = services.verification_return(actor=verifier, assessment=a, due_date=due)
    until_due = request.due_at - timezone.now()
    three_days_before = (until_due - dt.timedelta(days=2, hours=1)).total_seconds()
    assert items_of(operator, seconds=three_days_before) == []

    with later(seconds=(until_due - dt.timedelta(days=1)).total_seconds()):
        assert send() == 2
    for person in (operator, kepala):
        [message] = mails_to(person)
        assert "returned for repair are due soon" in message.body and "due " in message.body
        assert f"/penilaian/{a.period.year}/LAPAS-AMBON/" in message.body
    assert mails_to(kanwil) == [] and mails_to(verifier) == []


# ---------------------------------------------------------------- the panel


def test_assessors_are_told_of_scores_not_submitted_and_the_chair_of_moderation(in_panel, assessors, send):
    a = in_panel
    chair, one, two = assessors
    for person in assessors:
        assert items_of(person, days=DAYS + 1) == [f"Lapas Kelas IIA Ambon ({a.period.year}) waits for your scores"]
    for person in (one, two):
        for row in services_panel.selectors.panel_page(assessment=a, user=person).scorable_rows:
            services_panel.panel_score_save(
                actor=person, assessment=a, indicator_code=row.indicator.code, option_id=row.options[0].pk
            )
        services_panel.panel_submit(actor=person, assessment=a)
    assert items_of(one, days=DAYS + 1) == [] and items_of(two, days=DAYS + 1) == []
    assert items_of(chair, days=DAYS + 1) == [f"Lapas Kelas IIA Ambon ({a.period.year}) waits for your scores"]

    for row in services_panel.selectors.panel_page(assessment=a, user=chair).scorable_rows:
        services_panel.panel_score_save(
            actor=chair, assessment=a, indicator_code=row.indicator.code, option_id=row.options[0].pk
        )
    services_panel.panel_submit(actor=chair, assessment=a)
    [text] = items_of(chair, days=DAYS + 1)
    assert "the panel waits for your moderation" in text
    with later(days=DAYS + 1):
        assert send() == 1
    assert [m.to for m in mail.outbox] == [[chair.email]]
    assert f"/penilaian/{a.period.year}/LAPAS-AMBON/panel/" in mail.outbox[0].body


def test_ditjen_is_told_of_an_incomplete_panel(in_verification, verifier, ditjen, assessors):
    verify_all(in_verification, verifier)
    services.verification_complete(actor=verifier, assessment=in_verification)
    services.panel_assign(actor=ditjen, assessment=in_verification, assessor=assessors[0], chair=True)
    [text] = items_of(ditjen, days=DAYS + 1)
    assert "the panel is incomplete" in text
    services.panel_assign(actor=ditjen, assessment=in_verification, assessor=assessors[1])
    assert items_of(ditjen, days=DAYS + 1) == []


def test_ditjen_is_told_of_a_conflict_not_replaced(in_panel, ditjen, assessors):
    one = assessors[1]
    services.panel_declare_conflict(actor=one, assessment=in_panel, reason="Keluarga Kalapas")
    # The panel is still complete (the chair and one assessor), but the conflict awaits a replacement.
    [text] = items_of(ditjen, days=DAYS + 1)
    assert "declared a conflict of interest and was not replaced" in text
    replacement = UserFactory(username="penilai_pengganti", full_name="Penilai Pengganti")
    RoleAssignmentFactory(user=replacement, role=Role.PENILAI, unit=None)
    services.panel_assign(actor=ditjen, assessment=in_panel, assessor=replacement)
    assert items_of(ditjen, days=DAYS + 1) == []
    assert items_of(one, days=DAYS + 1) == []  # off the panel: not asked for scores


def test_a_person_gets_one_digest_with_everything(in_panel, assessors, ditjen, send):
    chair, one, two = assessors
    RoleAssignmentFactory(user=chair, role=Role.DITJEN, unit=None)  # the chair also works at Ditjen HAM
    services.panel_declare_conflict(actor=one, assessment=in_panel, reason="Keluarga")
    with later(days=DAYS + 1):
        assert send() == 3  # the chair, Ditjen HAM, the other assessor
    [message] = mails_to(chair)
    assert message.subject == "[P2HAM] Daily digest: 2 items wait for you"
    assert "2 items in P2HAM are waiting for you" in message.body
    assert "waits for your scores" in message.body and "not replaced" in message.body
    assert [len(mails_to(p)) for p in (ditjen, two, one)] == [1, 1, 0]


# ---------------------------------------------------------------- running it


def test_the_command_runs_the_digest(in_verification, verifier, django_capture_on_commit_callbacks):
    out = StringIO()
    with later(days=DAYS + 1), django_capture_on_commit_callbacks(execute=True):
        call_command("send_review_digest", stdout=out)
        call_command("send_review_digest", stdout=out)
    assert out.getvalue().splitlines() == ["1 digest(s) sent.", "0 digest(s) sent."]
    assert len(mails_to(verifier)) == 1


def test_the_task_can_be_queued(in_verification, verifier, django_capture_on_commit_callbacks):
    with later(days=DAYS + 1), django_capture_on_commit_callbacks(execute=True):
        result = send_review_digest.enqueue()  # the immediate backend of the tests runs it at once
    assert result.return_value == 1
    assert len(mails_to(verifier)) == 1


def test_no_email_address_means_the_notification_only(in_verification, verifier, send):
    verifier.email = ""
    verifier.save(update_fields=["email"])
    with later(days=DAYS + 1):
        assert send() == 1
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=verifier, title__startswith="Daily digest").count() == 1


def test_digest_send_takes_the_time_it_is_given(in_verification, verifier):
    assert digest_send(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert digest_send(now=timezone.now() + dt.timedelta(days=DAYS + 1)) == 1
