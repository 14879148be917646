"""Verification (stage 6): a verdict per indicator by an assigned verifier, no silent overwrite, repair rounds
that send back only what needs repair until a due date, the unit's resubmission or the verifier's resumption,
what changed since the last round, and "verified" once every indicator has a final verdict."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from p2ham.accounts.models import Role
from p2ham.accounts.tests.factories import RoleAssignmentFactory
from p2ham.assessments import services as assessment_services
from p2ham.assessments.models import Assessment, Evidence, StatusChange
from p2ham.assessments.services import DeadlinePassed, StaleVersion
from p2ham.assessments.tests.fixtures import evidence_for
from p2ham.audit.models import AuditEntry
from p2ham.instruments.models import AnswerOption, Indicator
from p2ham.notifications.models import Notification
from p2ham.periods.services import TransitionError
from p2ham.reviews import selectors, services
from p2ham.reviews.models import ReasonCode, RevisionRequest, Verdict, Verification
from p2ham.reviews.services import ConflictOfInterest
from p2ham.reviews.tests.fixtures import verify_all

S = Assessment.Status
pytestmark = pytest.mark.django_db
REASON = "bukti-tidak-lengkap"


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    with translation.override("en"):
        yield


def today(assessment: Assessment) -> dt.date:
    return timezone.localdate(timezone=assessment.unit.province.tzinfo)


def indicator(assessment: Assessment, code: str) -> Indicator:
    return assessment.instrument.indicators.select_related("scale").get(code=code)


def options(assessment: Assessment, code: str) -> list[AnswerOption]:
    return list(indicator(assessment, code).scale.options.all())


def mark_for_repair(assessment: Assessment, verifier, *codes: str, note: str = "Lampirkan SK.") -> None:
    for code in codes:
        services.verification_save(
            actor=verifier,
            assessment=assessment,
            indicator_code=code,
            verdict=Verdict.NEEDS_REPAIR,
            reason_code=REASON,
            note=note,
        )


def current_files(assessment: Assessment, code: str) -> list[Evidence]:
    return list(
        Evidence.objects.filter(
            answer__assessment=assessment, answer__indicator_code=code, superseded_at=None, removed_at=None
        ).order_by("pk")
    )


def reload(assessment: Assessment) -> Assessment:
    assessment.refresh_from_db()
    return assessment


@dataclass
class Returned:
    assessment: Assessment
    request: RevisionRequest
    codes: tuple[str, ...]


def send_back(assessment: Assessment, verifier, codes: tuple[str, ...], days: int = 7) -> Returned:
    verify_all(assessment, verifier, skip=codes)
    mark_for_repair(assessment, verifier, *codes)
    request = services.verification_return(
        actor=verifier, assessment=assessment, due_date=today(assessment) + dt.timedelta(days=days), note="Perbaiki"
    )
    return Returned(reload(assessment), request, codes)


@pytest.fixture
def returned(in_verification, verifier) -> Returned:
    """Lapas Ambon's assessment with K1.01 and K1.02 returned for repair (round 1, due in a week)."""
    return send_back(in_verification, verifier, ("K1.01", "K1.02"))


def after_due(request: RevisionRequest) -> time_machine.travel:
    return time_machine.travel(request.due_at + dt.timedelta(minutes=1), tick=False)


# ---------------------------------------------------------------- verdicts


def test_only_an_assigned_verifier_records_a_verdict(in_verification, second_verifier, ditjen):
    option = options(in_verification, "K1.01")[0]
    for person in (second_verifier, ditjen):
        with pytest.raises(PermissionDenied):
            services.verification_save(
                actor=person,
                assessment=in_verification,
                indicator_code="K1.01",
                verdict=Verdict.ACCEPTED,
                option_id=option.pk,
            )
    assert not Verification.objects.exists()


def test_a_verifier_with_a_conflict_arisen_after_assignment_is_refused(in_verification, verifier, tree):
    # Assigned while national only, then made an operator of Rutan Ambon: inside Lapas Ambon's Kanwil subtree.
    RoleAssignmentFactory(user=verifier, role=Role.OPERATOR, unit=tree.rutan_ambon)
    with pytest.raises(ConflictOfInterest):
        services.verification_save(
            actor=verifier,
            assessment=in_verification,
            indicator_code="K1.01",
            verdict=Verdict.ACCEPTED,
            option_id=options(in_verification, "K1.01")[0].pk,
        )
    assert not Verification.objects.exists()


def test_a_verdict_is_recorded_and_audited(in_verification, verifier):
    option = options(in_verification, "K1.01")[1]
    saved = services.verification_save(
        actor=verifier,
        assessment=in_verification,
        indicator_code="K1.01",
        verdict=Verdict.ACCEPTED,
        option_id=option.pk,
        note="  Sesuai dengan SK  ",
        version=0,
    )
    assert (saved.verdict, saved.option, saved.note, saved.version, saved.round) == (
        Verdict.ACCEPTED,
        option,
        "Sesuai dengan SK",
        1,
        0,
    )
    entry = AuditEntry.objects.get(action="verification.save")
    assert entry.data == {
        "indicator": "K1.01",
        "verdict": "accepted",
        "option": option.label,
        "reason": None,
        "round": 0,
    }
    # The same verdict again changes nothing and is not audited twice.
    again = services.verification_save(
        actor=verifier,
        assessment=in_verification,
        indicator_code="K1.01",
        verdict=Verdict.ACCEPTED,
        option_id=option.pk,
        note="Sesuai dengan SK",
    )
    assert again.version == 1
    assert AuditEntry.objects.filter(action="verification.save").count() == 1


OWN, OTHER_SCALE = "own", "other"


@pytest.mark.parametrize(
    ("verdict", "option", "reason", "note", "errors"),
    [
        (Verdict.ACCEPTED, None, "", "", {"option"}),
        (Verdict.REJECTED, None, "", "", {"option", "reason"}),
        (Verdict.REJECTED, OWN, "", "", {"reason"}),
        (Verdict.NEEDS_REPAIR, None, "", "", {"reason", "note"}),
        (Verdict.NEEDS_REPAIR, None, REASON, "", {"note"}),
        (Verdict.NEEDS_REPAIR, None, "", "Lampirkan SK", {"reason"}),
        (Verdict.ACCEPTED, OWN, "tidak-ada", "", {"reason"}),
        (Verdict.ACCEPTED, OWN, "lainnya-nonaktif", "", {"reason"}),
        (Verdict.ACCEPTED, OTHER_SCALE, "", "", {"option"}),
        ("sesuai", OWN, "", "", {"verdict"}),
        (Verdict.ACCEPTED, OWN, "", "x" * 5001, {"note"}),
    ],
)
def test_verdicts_are_validated(in_verification, verifier, verdict, option, reason, note, errors):
    ReasonCode.objects.create(code="lainnya-nonaktif", label="Tidak dipakai lagi", active=False)
    code = "K3.04"  # the "kepatuhan" scale
    option_id = {
        None: None,
        OWN: options(in_verification, code)[0].pk,
        OTHER_SCALE: options(in_verification, "K3.01")[0].pk,  # "ada / tidak"
    }[option]
    with pytest.raises(ValidationError) as caught:
        services.verification_save(
            actor=verifier,
            assessment=in_verification,
            indicator_code=code,
            verdict=verdict,
            option_id=option_id,
            reason_code=reason,
            note=note,
        )
    assert set(caught.value.message_dict) == errors
    assert not Verification.objects.exists()
    assert not AuditEntry.objects.filter(action="verification.save").exists()


@pytest.mark.parametrize(
    ("verdict", "with_option", "reason", "note"),
    [
        (Verdict.ACCEPTED, True, "", ""),
        (Verdict.REJECTED, True, "jawaban-tidak-sesuai-bukti", ""),
        (Verdict.NEEDS_REPAIR, False, REASON, "Lampirkan SK"),
        (Verdict.NOT_APPLICABLE, True, "tidak-berlaku-unit", ""),
        (Verdict.NOT_APPLICABLE, False, "", ""),
    ],
)
def test_valid_verdicts(in_verification, verifier, verdict, with_option, reason, note):
    option = options(in_verification, "K3.04")[2]
    saved = services.verification_save(
        actor=verifier,
        assessment=in_verification,
        indicator_code="K3.04",
        verdict=verdict,
        option_id=option.pk if with_option else None,
        reason_code=reason,
        note=note,
    )
    expected_option = option if with_option and verdict != Verdict.NOT_APPLICABLE else None
    assert saved.option == expected_option  # "not applicable" keeps no verified answer
    assert saved.reason == (ReasonCode.objects.get(code=reason) if reason else None)
    assert saved.final == (verdict != Verdict.NEEDS_REPAIR)


def test_a_stale_save_is_refused_with_the_others_change(in_verification, verifier, second_verifier, ditjen):
    services.verifier_assign(actor=ditjen, assessment=in_verification, verifier=second_verifier)
    first, second = options(in_verification, "K1.01")[:2]
    page = selectors.verification_page(assessment=in_verification)
    seen = page.row("K1.01").verification  # nobody has judged it yet
    assert seen is None
    mine = services.verification_save(
        actor=verifier,
        assessment=in_verification,
        indicator_code="K1.01",
        verdict=Verdict.ACCEPTED,
        option_id=first.pk,
        version=0,
    )
    audited = AuditEntry.objects.filter(action="verification.save").count()
    with pytest.raises(StaleVersion) as caught:
        services.verification_save(
            actor=second_verifier,
            assessment=in_verification,
            indicator_code="K1.01",
            verdict=Verdict.REJECTED,
            option_id=second.pk,
            reason_code=REASON,
            version=0,
        )
    assert caught.value.current.pk == mine.pk and caught.value.current.version == 1
    assert "Verifikator saved this verdict" in str(caught.value) and first.label in str(caught.value)
    stored = Verification.objects.get(pk=mine.pk)
    assert (stored.verdict, stored.option_id, stored.version, stored.verified_by) == (
        Verdict.ACCEPTED,
        first.pk,
        1,
        verifier,
    )
    assert AuditEntry.objects.filter(action="verification.save").count() == audited
    # Based on the version they now see, the second verifier's save goes through.
    services.verification_save(
        actor=second_verifier,
        assessment=in_verification,
        indicator_code="K1.01",
        verdict=Verdict.REJECTED,
        option_id=second.pk,
        reason_code=REASON,
        version=1,
    )
    stored.refresh_from_db()
    assert (stored.verdict, stored.version, stored.verified_by) == (Verdict.REJECTED, 2, second_verifier)


def test_no_verdict_while_the_unit_repairs(returned, verifier):
    with pytest.raises(TransitionError, match="with the unit for repair"):
        services.verification_save(
            actor=verifier,
            assessment=returned.assessment,
            indicator_code="K1.03",
            verdict=Verdict.REJECTED,
            option_id=options(returned.assessment, "K1.03")[2].pk,
            reason_code=REASON,
        )


# ---------------------------------------------------------------- returning for repair


def test_return_needs_an_indicator_marked_for_repair(in_verification, verifier):
    verify_all(in_verification, verifier)
    with pytest.raises(TransitionError, match="nothing to send back"):
        services.verification_return(
            actor=verifier, assessment=in_verification, due_date=today(in_verification) + dt.timedelta(days=7)
        )
    assert reload(in_verification).status == S.IN_VERIFICATION
    assert not RevisionRequest.objects.exists()


@pytest.mark.parametrize(("days", "ok"), [(None, False), (-1, False), (0, True), (60, True), (61, False)])
def test_the_due_date_is_not_past_and_at_most_60_days_ahead(in_verification, verifier, days, ok):
    mark_for_repair(in_verification, verifier, "K1.01")
    due = None if days is None else today(in_verification) + dt.timedelta(days=days)
    if ok:
        request = services.verification_return(actor=verifier, assessment=in_verification, due_date=due)
        local_due = timezone.localtime(request.due_at, in_verification.unit.province.tzinfo)
        assert (local_due.date(), local_due.hour, local_due.minute) == (due, 23, 59)  # the end of the unit's day
    else:
        with pytest.raises(ValidationError) as caught:
            services.verification_return(actor=verifier, assessment=in_verification, due_date=due)
        assert set(caught.value.message_dict) == {"due_date"}
        assert reload(in_verification).status == S.IN_VERIFICATION


def test_return_sends_back_only_what_needs_repair_with_a_snapshot(returned, operator, kepala, kanwil, verifier):
    a, request = returned.assessment, returned.request
    assert a.status == S.RETURNED
    assert request.round == 1 and request.note == "Perbaiki" and request.closed_at is None
    items = {i.indicator_code: i for i in request.items.select_related("reason")}
    assert set(items) == {"K1.01", "K1.02"}
    answer = a.answers.get(indicator_code="K1.01")
    item = items["K1.01"]
    assert (item.reason.code, item.note) == (REASON, "Lampirkan SK.")
    assert (item.option_before_id, item.note_before) == (answer.option_id, answer.note)
    assert item.evidence_before == sorted(e.pk for e in current_files(a, "K1.01")) != []
    change = StatusChange.objects.filter(assessment=a).latest("pk")
    assert (change.from_status, change.to_status, change.actor) == (S.IN_VERIFICATION, S.RETURNED, verifier)
    entry = AuditEntry.objects.get(action="verification.return")
    assert entry.data["round"] == 1 and sorted(entry.data["indicators"]) == ["K1.01", "K1.02"]
    for person in (operator, kepala, kanwil):
        note = Notification.objects.get(recipient=person, title__contains="returned for repair")
        assert "2 indicator(s)" in note.title and "Lampirkan SK." in note.body
    assert not Notification.objects.filter(recipient=verifier, title__contains="returned for repair").exists()


def test_a_stale_return_changes_nothing(in_verification, verifier, kepala):
    a = in_verification
    seen = a.version  # the verifier's page, while the round below goes and comes back
    returned = send_back(a, verifier, ("K1.01",))
    services.verification_resubmit(actor=kepala, assessment=returned.assessment)
    with pytest.raises(StaleVersion):
        services.verification_return(actor=verifier, assessment=a, due_date=today(a), version=seen)
    assert reload(a).status == S.IN_VERIFICATION
    assert RevisionRequest.objects.count() == 1
    # With the version they now see, it goes through.
    services.verification_return(actor=verifier, assessment=a, due_date=today(a), version=a.version)
    assert reload(a).status == S.RETURNED


# ---------------------------------------------------------------- the unit repairs only what was returned


def test_the_unit_edits_only_returned_indicators(returned, operator):
    a = returned.assessment
    other = "K1.03"
    with pytest.raises(TransitionError, match="not returned"):
        assessment_services.answer_save(
            actor=operator, assessment=a, indicator_code=other, option_id=options(a, other)[1].pk, note="x"
        )
    with pytest.raises(TransitionError, match="not returned"):
        assessment_services.evidence_add(
            actor=operator, assessment=a, indicator_code=other, uploaded=evidence_for(indicator(a, other), 9)
        )
    with pytest.raises(TransitionError, match="not returned"):
        assessment_services.evidence_remove(actor=operator, evidence=current_files(a, other)[0])
    with pytest.raises(TransitionError, match="not returned"):
        assessment_services.upload_start(actor=operator, assessment=a, indicator_code=other, name="sk.pdf", size=100)
    assert current_files(a, other) != []

    code = "K1.01"
    assessment_services.answer_save(
        actor=operator, assessment=a, indicator_code=code, option_id=options(a, code)[1].pk, note="SK terlampir"
    )
    added = assessment_services.evidence_add(
        actor=operator, assessment=a, indicator_code=code, uploaded=evidence_for(indicator(a, code), 9)
    )
    assessment_services.evidence_remove(actor=operator, evidence=added)
    session = assessment_services.upload_start(
        actor=operator, assessment=a, indicator_code=code, name="sk.pdf", size=100
    )
    assert session.indicator_code == code
    assert reload(a).status == S.RETURNED


def test_nothing_changes_after_the_repair_due_date(returned, operator):
    a, code = returned.assessment, "K1.01"
    existing = current_files(a, code)[0]
    with after_due(returned.request):
        with pytest.raises(DeadlinePassed):
            assessment_services.answer_save(
                actor=operator, assessment=a, indicator_code=code, option_id=options(a, code)[1].pk, note="x"
            )
        with pytest.raises(DeadlinePassed):
            assessment_services.evidence_add(
                actor=operator, assessment=a, indicator_code=code, uploaded=evidence_for(indicator(a, code), 9)
            )
        with pytest.raises(DeadlinePassed):
            assessment_services.evidence_remove(actor=operator, evidence=existing)
        with pytest.raises(DeadlinePassed):
            assessment_services.upload_start(actor=operator, assessment=a, indicator_code=code, name="a.pdf", size=10)
    assert current_files(a, code)[0] == existing


def test_only_the_head_of_the_unit_resubmits(returned, operator, kanwil, verifier):
    for person in (operator, kanwil, verifier):
        with pytest.raises(PermissionDenied):
            services.verification_resubmit(actor=person, assessment=returned.assessment)
    assert reload(returned.assessment).status == S.RETURNED


def test_resubmission_reopens_verification_and_tells_the_verifiers(returned, kepala, verifier, second_verifier, ditjen):
    a = returned.assessment
    services.verifier_assign(actor=ditjen, assessment=a, verifier=second_verifier)
    request = services.verification_resubmit(actor=kepala, assessment=a)
    assert (request.closed_by, request.resubmitted) == (kepala, True) and request.closed_at is not None
    assert reload(a).status == S.IN_VERIFICATION
    change = StatusChange.objects.filter(assessment=a).latest("pk")
    assert (change.from_status, change.to_status, change.actor) == (S.RETURNED, S.IN_VERIFICATION, kepala)
    entry = AuditEntry.objects.filter(action="verification.reopen").get()
    assert entry.data["by"] == "unit" and entry.data["round"] == 1
    for person in (verifier, second_verifier):
        assert Notification.objects.filter(recipient=person, title__contains="sent back its repairs (round 1)")
    assert selectors.open_revision(a) is None
    with pytest.raises(TransitionError, match="not waiting for repairs"):
        services.verification_resubmit(actor=kepala, assessment=a)


def test_no_resubmission_after_the_due_date(returned, kepala):
    with after_due(returned.request), pytest.raises(TransitionError, match="was due"):
        services.verification_resubmit(actor=kepala, assessment=returned.assessment)
    assert reload(returned.assessment).status == S.RETURNED
    assert selectors.open_revision(returned.assessment) is not None


def test_the_verifier_resumes_only_after_the_due_date(returned, verifier, second_verifier, kepala, operator):
    a = returned.assessment
    with pytest.raises(TransitionError, match="may repair until"):
        services.verification_resume(actor=verifier, assessment=a)
    with after_due(returned.request):
        for person in (second_verifier, kepala):  # not assigned / not a verifier
            with pytest.raises(PermissionDenied):
                services.verification_resume(actor=person, assessment=a)
        request = services.verification_resume(actor=verifier, assessment=a)
    assert (request.closed_by, request.resubmitted) == (verifier, False)
    assert reload(a).status == S.IN_VERIFICATION
    assert AuditEntry.objects.get(action="verification.reopen").data["by"] == "due_date"
    for person in (operator, kepala):
        assert Notification.objects.filter(recipient=person, title__contains="repair period has ended").exists()
    # The indicators stay as they were, still marked for repair: verification is not complete yet.
    with pytest.raises(ValidationError) as caught:
        services.verification_complete(actor=verifier, assessment=a)
    assert caught.value.code == "incomplete" and "2 still marked" in caught.value.messages[0]


# ---------------------------------------------------------------- what changed since the last round


def test_the_verifier_sees_what_changed_since_the_round(in_verification, verifier, operator, kepala):
    codes = ("K1.01", "K1.02", "K1.03", "K1.04", "K1.05", "K1.06")
    returned = send_back(in_verification, verifier, codes)
    a = returned.assessment
    before = {code: current_files(a, code) for code in codes}
    option_before = a.answers.get(indicator_code="K1.01").option
    # K1.01: another answer; K1.02: a note; K1.03: a file added; K1.04: a file replaced; K1.05: a file
    # removed; K1.06: nothing.
    assessment_services.answer_save(
        actor=operator, assessment=a, indicator_code="K1.01", option_id=options(a, "K1.01")[1].pk, note=""
    )
    assessment_services.answer_save(
        actor=operator, assessment=a, indicator_code="K1.02", option_id=option_before.pk, note="SK sudah diteken"
    )
    added = assessment_services.evidence_add(
        actor=operator, assessment=a, indicator_code="K1.03", uploaded=evidence_for(indicator(a, "K1.03"), 9)
    )
    replacement = assessment_services.evidence_add(
        actor=operator,
        assessment=a,
        indicator_code="K1.04",
        uploaded=evidence_for(indicator(a, "K1.04"), 9),
        replaces=before["K1.04"][0],
    )
    removed = before["K1.05"][0]  # it has two files
    assessment_services.evidence_remove(actor=operator, evidence=removed)
    services.verification_resubmit(actor=kepala, assessment=a)

    page = selectors.verification_page(assessment=a)
    c1 = page.row("K1.01").change
    assert c1.option_changed and c1.option_before == option_before and not c1.note_changed
    assert (c1.added, c1.gone) == ([], [])
    c2 = page.row("K1.02").change
    assert c2.note_changed and c2.note_before == "" and not c2.option_changed and not c2.added
    c3 = page.row("K1.03").change
    assert [e.pk for e in c3.added] == [added.pk] and c3.gone == [] and not c3.option_changed
    c4 = page.row("K1.04").change
    assert [e.pk for e in c4.added] == [replacement.pk] and c4.gone == [before["K1.04"][0].pk]
    c5 = page.row("K1.05").change
    assert c5.added == [] and c5.gone == [removed.pk] and c5.any
    for unchanged in (c3, c4, c5):
        assert not unchanged.option_changed and not unchanged.note_changed
    assert page.row("K1.06").change is not None and not page.row("K1.06").change.any
    assert page.row("K1.07").change is None  # not sent back


def test_a_second_round_sends_back_only_what_still_needs_repair(returned, verifier, operator, kepala):
    a = returned.assessment
    assessment_services.answer_save(
        actor=operator, assessment=a, indicator_code="K1.02", option_id=options(a, "K1.02")[0].pk, note="Round 1"
    )
    services.verification_resubmit(actor=kepala, assessment=a)
    page = selectors.verification_page(assessment=a)
    services.verification_save(
        actor=verifier,
        assessment=a,
        indicator_code="K1.01",
        verdict=Verdict.ACCEPTED,
        option_id=options(a, "K1.01")[0].pk,
        version=page.row("K1.01").verification.version,
    )
    services.verification_save(
        actor=verifier,
        assessment=a,
        indicator_code="K1.02",
        verdict=Verdict.NEEDS_REPAIR,
        reason_code="tidak-ditandatangani",
        note="Belum diteken",
        version=page.row("K1.02").verification.version,
    )
    assert Verification.objects.get(assessment=a, indicator_code="K1.02").round == 1
    second = services.verification_return(actor=verifier, assessment=a, due_date=today(a) + dt.timedelta(days=3))
    assert second.round == 2
    assert [i.indicator_code for i in second.items.all()] == ["K1.02"]
    assert second.items.get().note_before == "Round 1"  # the snapshot is taken anew
    rounds = selectors.revision_rounds(a)
    assert [(r.round, sorted(i.indicator_code for i in r.items.all())) for r in rounds] == [
        (1, ["K1.01", "K1.02"]),
        (2, ["K1.02"]),
    ]
    assert rounds[0].closed_at is not None and rounds[1].closed_at is None
    with pytest.raises(TransitionError, match="not returned"):
        assessment_services.answer_save(
            actor=operator, assessment=a, indicator_code="K1.01", option_id=options(a, "K1.01")[1].pk, note="x"
        )
    assessment_services.answer_save(
        actor=operator, assessment=a, indicator_code="K1.02", option_id=options(a, "K1.02")[0].pk, note="Round 2"
    )
    services.verification_resubmit(actor=kepala, assessment=a)
    page = selectors.verification_page(assessment=a)
    assert page.revision.round == 2
    assert page.row("K1.01").change is None  # accepted in round 1, not sent back again
    change = page.row("K1.02").change
    assert change.note_changed and change.note_before == "Round 1"
    assert Notification.objects.filter(recipient=verifier, title__contains="(round 2)").exists()


# ---------------------------------------------------------------- verified


def test_verified_only_when_every_indicator_has_a_final_verdict(in_verification, verifier):
    a = in_verification
    verify_all(a, verifier, skip=("K3.07",))
    with pytest.raises(ValidationError) as caught:
        services.verification_complete(actor=verifier, assessment=a)
    assert caught.value.code == "incomplete"
    assert "1 indicator(s) without a verdict and 0 still marked" in caught.value.messages[0]
    mark_for_repair(a, verifier, "K3.07")
    with pytest.raises(ValidationError, match=r"0 indicator\(s\) without a verdict and 1 still marked"):
        services.verification_complete(actor=verifier, assessment=a)
    assert reload(a).status == S.IN_VERIFICATION
    assert not AuditEntry.objects.filter(action="verification.verified").exists()


def test_verification_is_closed_by_an_assigned_verifier(in_verification, verifier, second_verifier):
    verify_all(in_verification, verifier)
    with pytest.raises(PermissionDenied):
        services.verification_complete(actor=second_verifier, assessment=in_verification)
    assert reload(in_verification).status == S.IN_VERIFICATION


def test_verified_tells_the_unit_and_ditjen(in_verification, verifier, operator, kepala, kanwil, ditjen):
    a = in_verification
    verify_all(a, verifier, skip=("K3.06", "K3.07"))
    services.verification_save(
        actor=verifier,
        assessment=a,
        indicator_code="K3.06",
        verdict=Verdict.REJECTED,
        option_id=options(a, "K3.06")[2].pk,
        reason_code="jawaban-tidak-sesuai-bukti",
    )
    services.verification_save(actor=verifier, assessment=a, indicator_code="K3.07", verdict=Verdict.NOT_APPLICABLE)
    services.verification_complete(actor=verifier, assessment=a)
    assert reload(a).status == S.VERIFIED
    change = StatusChange.objects.filter(assessment=a).latest("pk")
    assert (change.from_status, change.to_status, change.actor) == (S.IN_VERIFICATION, S.VERIFIED, verifier)
    assert AuditEntry.objects.filter(action="verification.verified", actor=verifier).count() == 1
    for person in (operator, kepala, kanwil, ditjen):
        assert Notification.objects.filter(recipient=person, title__contains="verification completed").count() == 1
    with pytest.raises(TransitionError, match="not in verification"):
        services.verification_complete(actor=verifier, assessment=a)


def test_every_move_of_verification_is_audited(in_verification, verifier, kepala):
    a = in_verification
    returned = send_back(a, verifier, ("K1.01",))
    services.verification_resubmit(actor=kepala, assessment=returned.assessment)
    services.verification_save(
        actor=verifier,
        assessment=a,
        indicator_code="K1.01",
        verdict=Verdict.ACCEPTED,
        option_id=options(a, "K1.01")[0].pk,
    )
    services.verification_complete(actor=verifier, assessment=a)
    moves = list(
        AuditEntry.objects.filter(action__in=["verification.return", "verification.reopen", "verification.verified"])
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert moves == ["verification.return", "verification.reopen", "verification.verified"]
    statuses = list(StatusChange.objects.filter(assessment=a).order_by("pk").values_list("to_status", flat=True))[-3:]
    assert statuses == [S.RETURNED, S.IN_VERIFICATION, S.VERIFIED]
    saves = AuditEntry.objects.filter(action="verification.save").count()
    assert saves == a.instrument.indicators.count() + 1  # every verdict; K1.01 twice (repair, then accepted)
