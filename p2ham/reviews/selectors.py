"""Reads of verification and the panel: who may act, the open repair round and what changed in it, the
verification page and the panel page in a fixed number of queries, the work lists and the workload."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from p2ham.accounts.models import Role, RoleAssignment, User
from p2ham.assessments.models import Answer, Assessment, Evidence, StatusChange
from p2ham.assessments.selectors import _instrument_for_page
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.instruments.models import AnswerOption, Indicator
from p2ham.instruments.scoring import NOT_APPLICABLE, Breakdown
from p2ham.instruments.scoring import Adjustment as EngineAdjustment
from p2ham.instruments.selectors import instrument_scorer, instrument_with_tree
from p2ham.organizations.models import Unit
from p2ham.periods.models import Period
from p2ham.reviews.models import (
    Adjustment,
    FieldVisit,
    ModeratedScore,
    PanelAssignment,
    PanelScore,
    ReasonCode,
    RevisionItem,
    RevisionRequest,
    Verdict,
    Verification,
    VerifierAssignment,
)

S = Assessment.Status
# The statuses in which verification work happens, and those in which the panel's work can be seen.
VERIFYING = (S.IN_VERIFICATION, S.RETURNED)
AFTER_VERIFICATION = (S.VERIFIED, S.IN_PANEL, S.SCORED, S.DETERMINED)

# ---------------------------------------------------------------- who may act


def conflict_root_path(unit: Unit) -> str:
    """The path of the unit's own regional subtree: its Kanwil (or Eselon I / OPD) with everything below."""
    parts = [p for p in unit.path.split("/") if p]
    return "/" + "/".join(parts[:2]) + "/" if len(parts) >= 2 else unit.path


def conflict_of_interest(user: Any, unit: Unit) -> bool:
    """Does the person hold any role inside the unit's own regional subtree (so may not judge it)?"""
    root = conflict_root_path(unit)
    return RoleAssignment.objects.filter(user=user, unit__path__startswith=root).exists()


def is_assigned_verifier(user: Any, assessment: Assessment) -> bool:
    return (
        policy.can(user, Action.VERIFICATION_PERFORM, assessment.unit)
        and VerifierAssignment.objects.filter(assessment=assessment, verifier=user).exists()
    )


def panel_seat(user: Any, assessment: Assessment) -> PanelAssignment | None:
    """The person's active seat on the assessment's panel (none after a declared conflict)."""
    if not policy.can(user, Action.PANEL_SCORE, assessment.unit):
        return None
    return PanelAssignment.objects.filter(
        assessment=assessment, assessor=user, conflict_declared_at__isnull=True
    ).first()


def active_panel(assessment: Assessment) -> list[PanelAssignment]:
    return list(
        PanelAssignment.objects.filter(assessment=assessment, conflict_declared_at__isnull=True).select_related(
            "assessor"
        )
    )


def panel_complete(panel: list[PanelAssignment]) -> bool:
    """At least two assessors without a conflict, one of them the chair."""
    return len(panel) >= 2 and sum(1 for seat in panel if seat.chair) == 1


def verifiers_of(assessment: Assessment) -> list[User]:
    return list(User.objects.filter(is_active=True, pk__in=assessment.verifiers.values("verifier")))


def reason_codes() -> QuerySet[ReasonCode]:
    """The reasons a verifier can choose from."""
    return ReasonCode.objects.filter(active=True)


# ---------------------------------------------------------------- repair rounds


@dataclass(frozen=True)
class OpenRevision:
    request: RevisionRequest
    codes: frozenset[str]

    @property
    def due_at(self) -> dt.datetime:
        return self.request.due_at

    @property
    def overdue(self) -> bool:
        return self.request.due_at <= timezone.now()


def open_revision(assessment: Assessment) -> OpenRevision | None:
    """The repair round in progress (sent back, not yet closed), with the codes of its indicators."""
    request = RevisionRequest.objects.filter(assessment=assessment, closed_at__isnull=True).order_by("-round").first()
    if request is None:
        return None
    return OpenRevision(request, frozenset(request.items.values_list("indicator_code", flat=True)))


def last_revision(assessment: Assessment) -> RevisionRequest | None:
    return RevisionRequest.objects.filter(assessment=assessment).order_by("-round").first()


def revision_rounds(assessment: Assessment) -> list[RevisionRequest]:
    """Every repair round with its items, oldest first (kept for the record)."""
    return list(
        RevisionRequest.objects.filter(assessment=assessment)
        .select_related("created_by", "closed_by")
        .prefetch_related("items__reason")
        .order_by("round")
    )


@dataclass(frozen=True)
class RoundChange:
    """What the unit changed in an indicator since it was sent back."""

    option_changed: bool
    option_before: AnswerOption | None
    note_changed: bool
    note_before: str
    added: list[Evidence]  # current files that were not there when it went back (new or replacements)
    gone: list[int]  # ids of files current then and not any more (replaced or removed)

    @property
    def any(self) -> bool:
        return self.option_changed or self.note_changed or bool(self.added) or bool(self.gone)


def round_change(item: RevisionItem, answer: Answer | None, current: list[Evidence]) -> RoundChange:
    before = set(item.evidence_before)
    now = {e.pk for e in current}
    return RoundChange(
        option_changed=(answer.option_id if answer else None) != item.option_before_id,
        option_before=item.option_before,
        note_changed=(answer.note if answer else "") != item.note_before,
        note_before=item.note_before,
        added=[e for e in current if e.pk not in before],
        gone=sorted(before - now),
    )


# ---------------------------------------------------------------- the verification page


@dataclass
class VerificationRow:
    indicator: Indicator
    answer: Answer | None
    evidence: list[Evidence]
    verification: Verification | None
    item: RevisionItem | None  # the indicator's item in the last round, if it was sent back then
    change: RoundChange | None
    last_year: Verification | None  # last year's verification of the indicator it continues

    @property
    def verdict(self) -> str:
        return self.verification.verdict if self.verification else ""

    @property
    def final(self) -> bool:
        return self.verification is not None and self.verification.final


@dataclass
class VerificationPage:
    assessment: Assessment
    rows: list[VerificationRow]
    criteria: list[tuple[Any, list[VerificationRow]]]
    revision: RevisionRequest | None  # the last round
    reasons: list[ReasonCode] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def decided(self) -> int:
        return sum(1 for r in self.rows if r.final)

    @property
    def needs_repair(self) -> list[VerificationRow]:
        return [r for r in self.rows if r.verdict == Verdict.NEEDS_REPAIR]

    @property
    def open(self) -> list[VerificationRow]:
        return [r for r in self.rows if r.verification is None]

    @property
    def complete(self) -> bool:
        return bool(self.rows) and self.decided == self.total

    def row(self, code: str) -> VerificationRow | None:
        return next((r for r in self.rows if r.indicator.code == code), None)

    def neighbours(self, code: str) -> tuple[str | None, str | None]:
        codes = [r.indicator.code for r in self.rows]
        if code not in codes:
            return None, None
        i = codes.index(code)
        return (codes[i - 1] if i > 0 else None, codes[i + 1] if i + 1 < len(codes) else None)


def _last_year_verifications(assessment: Assessment, codes: list[str]) -> dict[str, Verification]:
    if not codes:
        return {}
    previous = (
        Assessment.objects.filter(unit_id=assessment.unit_id, period__year__lt=assessment.period.year)
        .order_by("-period__year")
        .values("pk")[:1]
    )
    return {
        v.indicator_code: v
        for v in Verification.objects.filter(assessment__in=Subquery(previous), indicator_code__in=codes)
        .exclude(verdict=Verdict.NEEDS_REPAIR)
        .select_related("option")
    }


def verification_page(*, assessment: Assessment) -> VerificationPage:
    """Everything the verification page shows, in a fixed number of queries whatever the number of indicators."""
    if assessment.instrument_id is None:
        return VerificationPage(assessment, [], [], None)
    instrument = _instrument_for_page(assessment.instrument_id)
    answers = {a.indicator_code: a for a in Answer.objects.filter(assessment=assessment).select_related("option")}
    current: dict[int, list[Evidence]] = {}
    for evidence in Evidence.objects.filter(
        answer__assessment=assessment, superseded_at=None, removed_at=None
    ).select_related("blob"):
        current.setdefault(evidence.answer_id, []).append(evidence)
    verifications = {
        v.indicator_code: v
        for v in Verification.objects.filter(assessment=assessment).select_related("option", "reason", "verified_by")
    }
    revision = last_revision(assessment)
    items: dict[str, RevisionItem] = {}
    if revision is not None:
        items = {i.indicator_code: i for i in revision.items.select_related("reason", "option_before")}
    continued = [i.continues_code for c in instrument.criteria.all() for i in c.indicators.all() if i.continues_code]
    last_year = _last_year_verifications(assessment, continued)
    rows: list[VerificationRow] = []
    criteria = []
    for criterion in instrument.criteria.all():
        crows = []
        for indicator in criterion.indicators.all():
            answer = answers.get(indicator.code)
            files = current.get(answer.pk, []) if answer else []
            item = items.get(indicator.code)
            row = VerificationRow(
                indicator=indicator,
                answer=answer,
                evidence=files,
                verification=verifications.get(indicator.code),
                item=item,
                change=round_change(item, answer, files) if item is not None else None,
                last_year=last_year.get(indicator.continues_code) if indicator.continues_code else None,
            )
            crows.append(row)
            rows.append(row)
        criteria.append((criterion, crows))
    return VerificationPage(assessment, rows, criteria, revision, list(reason_codes()))


def verification_gaps(assessment: Assessment) -> tuple[int, int]:
    """(indicators without a verdict, indicators still needing repair): what stops "verified"."""
    codes = Indicator.objects.filter(instrument_id=assessment.instrument_id or 0).values("code")
    total = codes.count()
    verdicts = dict(
        Verification.objects.filter(assessment=assessment, indicator_code__in=codes)
        .values("verdict")
        .annotate(n=Count("pk"))
        .values_list("verdict", "n")
    )
    return total - sum(verdicts.values()), verdicts.get(Verdict.NEEDS_REPAIR, 0)


# ---------------------------------------------------------------- the panel


def margins() -> tuple[Decimal, Decimal]:
    """(indicator margin, total margin) in points: a larger spread between assessors is flagged."""
    return Decimal(settings.PANEL_MARGIN_INDICATOR), Decimal(settings.PANEL_MARGIN_TOTAL)


@dataclass
class PanelRow:
    indicator: Indicator
    verification: Verification | None
    own: PanelScore | None
    others: list[PanelScore]  # submitted assessors' scores, only when the viewer may see them
    moderated: ModeratedScore | None
    spread: Decimal | None  # max - min of the submitted scores (None when fewer than two)
    flagged: bool

    @property
    def scorable(self) -> bool:
        """The panel scores every verified indicator except those accepted as not applicable."""
        return self.verification is not None and self.verification.verdict != Verdict.NOT_APPLICABLE

    @property
    def options(self) -> list[AnswerOption]:
        return list(self.indicator.scale.options.all())


@dataclass
class AssessorTotal:
    seat: PanelAssignment
    total: Decimal | None  # the base total of this assessor's scores (None when not visible / not submitted)


@dataclass
class PanelPage:
    assessment: Assessment
    seat: PanelAssignment | None  # the viewer's own seat
    panel: list[PanelAssignment]  # every seat, conflicts included
    rows: list[PanelRow]
    totals: list[AssessorTotal]
    total_spread: Decimal | None
    total_flagged: bool
    adjustments: list[Adjustment]
    field_visits: list[FieldVisit]
    see_all: bool  # the viewer may see every submitted score (submitted themselves, or Ditjen)
    margin_indicator: Decimal = Decimal(0)
    margin_total: Decimal = Decimal(0)

    @property
    def active(self) -> list[PanelAssignment]:
        return [s for s in self.panel if s.active]

    @property
    def all_submitted(self) -> bool:
        active = self.active
        return bool(active) and all(s.submitted_at is not None for s in active)

    @property
    def scorable_rows(self) -> list[PanelRow]:
        return [r for r in self.rows if r.scorable]

    @property
    def own_scored(self) -> int:
        return sum(1 for r in self.scorable_rows if r.own is not None)

    @property
    def flagged_rows(self) -> list[PanelRow]:
        return [r for r in self.rows if r.flagged]

    @property
    def unmoderated(self) -> list[PanelRow]:
        """Rows the chair must still decide: flagged ones, and scorable ones nobody scored (an indicator a
        field visit turned from not applicable into accepted after the assessors submitted)."""
        return [
            r
            for r in self.rows
            if r.moderated is None and (r.flagged or (self.see_all and r.scorable and not r.others))
        ]

    @property
    def is_chair(self) -> bool:
        return self.seat is not None and self.seat.chair


def panel_page(*, assessment: Assessment, user: Any) -> PanelPage:
    """The panel's work on an assessment as ``user`` may see it, in a fixed number of queries.

    An assessor sees only their own scores until they have submitted; then every submitted score, the flags
    and the totals. Ditjen HAM (not on the panel) sees the submitted scores."""
    instrument = _instrument_for_page(assessment.instrument_id) if assessment.instrument_id else None
    panel = list(PanelAssignment.objects.filter(assessment=assessment).select_related("assessor"))
    seat = next((s for s in panel if s.assessor_id == user.pk and s.active), None)
    if seat is not None and not policy.can(user, Action.PANEL_SCORE, assessment.unit):
        seat = None
    see_all = (seat is not None and seat.submitted_at is not None) or (
        seat is None and policy.can(user, Action.REVIEW_ASSIGN, assessment.unit)
    )
    submitted = {s.pk for s in panel if s.active and s.submitted_at is not None}
    scores: dict[str, list[PanelScore]] = {}
    own: dict[str, PanelScore] = {}
    for score in PanelScore.objects.filter(assignment__assessment=assessment).select_related(
        "option", "assignment__assessor"
    ):
        if seat is not None and score.assignment_id == seat.pk:
            own[score.indicator_code] = score
        if see_all and score.assignment_id in submitted:
            scores.setdefault(score.indicator_code, []).append(score)
    verifications = {
        v.indicator_code: v
        for v in Verification.objects.filter(assessment=assessment).select_related("option", "reason")
    }
    moderated = {
        m.indicator_code: m for m in ModeratedScore.objects.filter(assessment=assessment).select_related("option")
    }
    margin_indicator, margin_total = margins()
    rows: list[PanelRow] = []
    if instrument is not None:
        for criterion in instrument.criteria.all():
            for indicator in criterion.indicators.all():
                given = scores.get(indicator.code, [])
                values = [s.option.score for s in given]
                spread = max(values) - min(values) if len(values) >= 2 else None
                rows.append(
                    PanelRow(
                        indicator=indicator,
                        verification=verifications.get(indicator.code),
                        own=own.get(indicator.code),
                        others=given,
                        moderated=moderated.get(indicator.code),
                        spread=spread,
                        flagged=spread is not None and spread > margin_indicator,
                    )
                )
    totals: list[AssessorTotal] = []
    if see_all and instrument is not None:
        full = instrument_with_tree(pk=instrument.pk)
        scorer = instrument_scorer(full)
        for s in panel:
            if s.pk not in submitted:
                continue
            answers: dict[str, Any] = {}
            for row in rows:
                if row.verification is not None and row.verification.verdict == Verdict.NOT_APPLICABLE:
                    answers[row.indicator.code] = NOT_APPLICABLE
            for code, given in scores.items():
                for score in given:
                    if score.assignment_id == s.pk:
                        answers[code] = score.option.score
            totals.append(AssessorTotal(s, scorer.score(answers).base_total))
    shown = [t.total for t in totals if t.total is not None]
    total_spread = max(shown) - min(shown) if len(shown) >= 2 else None
    return PanelPage(
        assessment=assessment,
        seat=seat,
        panel=panel,
        rows=rows,
        totals=totals,
        total_spread=total_spread,
        total_flagged=total_spread is not None and total_spread > margin_total,
        adjustments=list(
            Adjustment.objects.filter(assessment=assessment, removed_at__isnull=True).select_related("created_by")
        ),
        field_visits=list(
            FieldVisit.objects.filter(assessment=assessment)
            .select_related("created_by")
            .prefetch_related("photos", "changes__option_before", "changes__option_after")
        ),
        see_all=see_all,
        margin_indicator=margin_indicator,
        margin_total=margin_total,
    )


def final_answers(page: PanelPage) -> dict[str, Any]:
    """The score of each indicator for the engine: the chair's value where moderated, else the mean of the
    submitted assessors' scores; not applicable where the verifier accepted it so."""
    answers: dict[str, Any] = {}
    for row in page.rows:
        if row.verification is not None and row.verification.verdict == Verdict.NOT_APPLICABLE:
            answers[row.indicator.code] = NOT_APPLICABLE
        elif row.moderated is not None:
            answers[row.indicator.code] = row.moderated.option.score
        elif row.others:
            values = [s.option.score for s in row.others]
            answers[row.indicator.code] = sum(values, Decimal(0)) / len(values)
    return answers


def panel_breakdown(page: PanelPage) -> Breakdown:
    """The scoring engine's breakdown of the panel's final values and the current adjustments."""
    assessment = page.assessment
    assert assessment.instrument_id is not None  # a verified assessment has its instrument
    scorer = instrument_scorer(instrument_with_tree(pk=assessment.instrument_id))
    adjustments = [EngineAdjustment(kind=a.kind, label=a.get_kind_display(), points=a.points) for a in page.adjustments]
    return scorer.score(final_answers(page), adjustments)


# ---------------------------------------------------------------- work lists and workload


def _waiting_since() -> Subquery:
    """When the assessment last changed status: how long it has waited in its current step."""
    return Subquery(
        StatusChange.objects.filter(assessment=OuterRef("pk")).order_by("-created_at", "-pk").values("created_at")[:1]
    )


def verifier_worklist(*, user: Any, period: Period) -> QuerySet[Assessment]:
    """The assessments assigned to the verifier in the period, the longest waiting first."""
    return (
        Assessment.objects.filter(period=period, verifiers__verifier=user)
        .select_related("unit__province", "unit__unit_type", "period")
        .annotate(waiting_since=_waiting_since())
        .order_by("waiting_since", "pk")
    )


def assessor_worklist(*, user: Any, period: Period) -> QuerySet[PanelAssignment]:
    """The panels the assessor sits on in the period, those still to score first."""
    return (
        PanelAssignment.objects.filter(assessor=user, assessment__period=period)
        .select_related("assessment__unit__province", "assessment__unit__unit_type", "assessment__period")
        .order_by(F("submitted_at").asc(nulls_first=True), "assessment__unit__name")
    )


@dataclass
class VerifierLoad:
    verifier: User
    pending: int  # assessments in verification or returned
    returned: int
    done: int  # verified or beyond
    oldest_waiting: dt.datetime | None  # the earliest time a pending one entered its current step


def workload(*, period: Period) -> list[VerifierLoad]:
    """Per verifier (everyone holding the role): pending assessments and how long the oldest has waited."""
    verifiers = list(
        User.objects.filter(is_active=True, role_assignments__role=Role.VERIFIKATOR).distinct().order_by("full_name")
    )
    rows = (
        VerifierAssignment.objects.filter(assessment__period=period)
        .values("verifier")
        .annotate(
            pending=Count("pk", filter=Q(assessment__status=S.IN_VERIFICATION)),
            returned=Count("pk", filter=Q(assessment__status=S.RETURNED)),
            done=Count("pk", filter=Q(assessment__status__in=AFTER_VERIFICATION)),
        )
    )
    counts = {r["verifier"]: r for r in rows}
    oldest = dict(
        VerifierAssignment.objects.filter(assessment__period=period, assessment__status__in=VERIFYING)
        .annotate(
            since=Subquery(
                StatusChange.objects.filter(assessment=OuterRef("assessment"))
                .order_by("-created_at", "-pk")
                .values("created_at")[:1]
            )
        )
        .values("verifier")
        .annotate(oldest=Min("since"))
        .values_list("verifier", "oldest")
    )
    result = []
    for person in verifiers:
        c = counts.get(person.pk, {})
        result.append(
            VerifierLoad(
                verifier=person,
                pending=c.get("pending", 0) + c.get("returned", 0),
                returned=c.get("returned", 0),
                done=c.get("done", 0),
                oldest_waiting=oldest.get(person.pk),
            )
        )
    return result


def assignment_list(
    *, period: Period, province: str = "", unit_type: str = "", status: str = "", unassigned: bool = False
) -> QuerySet[Assessment]:
    """The assessments Ditjen HAM assigns: those forwarded to verification and beyond, with their people."""
    qs = (
        Assessment.objects.filter(
            period=period, status__in=[S.IN_VERIFICATION, S.RETURNED, S.VERIFIED, S.IN_PANEL, S.SCORED]
        )
        .select_related("unit__province", "unit__unit_type")
        .prefetch_related("verifiers__verifier", "panel__assessor")
        .annotate(waiting_since=_waiting_since())
        .order_by("unit__province__code", "unit__name")
    )
    if province:
        qs = qs.filter(unit__province__code=province)
    if unit_type:
        qs = qs.filter(unit__unit_type__code=unit_type)
    if status:
        qs = qs.filter(status=status)
    if unassigned:
        qs = qs.exclude(verifiers__isnull=False)
    return qs


def people_with_role(role: Role) -> QuerySet[User]:
    return User.objects.filter(is_active=True, role_assignments__role=role).distinct().order_by("full_name")


def latest_status_time(assessment: Assessment) -> dt.datetime | None:
    return StatusChange.objects.filter(assessment=assessment).aggregate(t=Max("created_at"))["t"]
