"""Reads of evaluation and self-assessment: the assessment page in a fixed number of queries, progress,
the gaps that block submission, the lists of Ditjen and the Kanwil, and each unit's deadline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from p2ham.assessments.models import Answer, Assessment, Comment, CommentRead, Evidence
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.declarations.models import Declaration, DeclarationUnit
from p2ham.instruments.models import Criterion, Indicator, Instrument
from p2ham.organizations.models import Unit
from p2ham.periods.deadlines import WindowState, window_state
from p2ham.periods.models import DeadlineExtension, Period, Stage, StageWindow
from p2ham.results.selectors import open_follow_ups

# ---------------------------------------------------------------- deadlines


def _window(assessment: Assessment, stage: str, now: dt.datetime | None = None) -> WindowState | None:
    window = StageWindow.objects.filter(period_id=assessment.period_id, stage=stage).first()
    if window is None:
        return None
    extension = (
        DeadlineExtension.objects.filter(period_id=assessment.period_id, unit_id=assessment.unit_id, stage=stage)
        .values_list("closes_at", flat=True)
        .first()
    )
    return window_state(
        stage=stage,
        opens_at=window.opens_at,
        closes_at=window.closes_at,
        tz=assessment.unit.province.tzinfo,
        now=now or timezone.now(),
        extension=extension,
    )


def kanwil_window(assessment: Assessment, now: dt.datetime | None = None) -> WindowState | None:
    """The Kanwil review window as the assessment's unit sees it."""
    return _window(assessment, Stage.REVIU_KANWIL, now)


def edit_window(assessment: Assessment, now: dt.datetime | None = None) -> WindowState | None:
    """Until when the unit may save and submit: the self-assessment window (with the unit's extension);
    after the Kanwil sent it back, also the Kanwil window, whichever closes later."""
    own = _window(assessment, Stage.PENILAIAN_MANDIRI, now)
    if assessment.kanwil_returned_at is None:
        return own
    review = kanwil_window(assessment, now)
    candidates = [w for w in (own, review) if w is not None]
    open_ones = [w for w in candidates if w.status == "open"]
    if open_ones:
        return max(open_ones, key=lambda w: w.closes)
    return max(candidates, key=lambda w: w.closes) if candidates else None


# ---------------------------------------------------------------- finding an assessment


def period_by_year_or_404(year: int) -> Period:
    period = Period.objects.filter(year=year).first()
    if period is None:
        raise Http404
    return period


def assessment_get_or_404(*, user: Any, year: int, unit_code: str) -> Assessment:
    """The unit's assessment of that year if the user may see the unit; otherwise 404."""
    period = period_by_year_or_404(year)
    unit = policy.get_unit_or_404(user, unit_code, Action.ASSESSMENT_VIEW)
    assessment = (
        Assessment.objects.select_related("period", "instrument", "evaluated_by", "submitted_by")
        .filter(period=period, unit=unit)
        .first()
    )
    if assessment is None:
        raise Http404
    assessment.unit = unit  # already loaded with its province and type
    return assessment


def evidence_get_or_404(*, user: Any, pk: int) -> Evidence:
    """A file of an assessment the user may see; otherwise 404."""
    evidence = (
        Evidence.objects.select_related(
            "blob", "answer__assessment__period", "answer__assessment__unit__province", "uploaded_by"
        )
        .filter(pk=pk)
        .first()
    )
    if evidence is None or not policy.can(user, Action.ASSESSMENT_VIEW, evidence.answer.assessment.unit):
        raise Http404
    return evidence


def own_assessments(*, user: Any, period: Period) -> QuerySet[Assessment]:
    """The assessments of the units the user itself belongs to (operator / head of unit)."""
    own = [g.unit_id for g in policy.grants(user) if g.unit_id is not None]
    return Assessment.objects.filter(period=period, unit_id__in=own).select_related("unit", "period")


# ---------------------------------------------------------------- the assessment page


@dataclass
class IndicatorRow:
    indicator: Indicator
    answer: Answer | None
    evidence: list[Evidence]
    history: list[Evidence]
    comments: int = 0
    unread: int = 0
    open_follow_ups: list[Any] = field(default_factory=list)
    file_count: int | None = None  # set by ``assessment_progress``, which counts files without loading them
    # Set by the views from ``verification_for_unit``: the verdict the unit has been told (a
    # ``reviews.Verification``), the indicator's item in the latest repair round (a ``reviews.RevisionItem``),
    # and whether the viewer may change the indicator now.
    verdict: Any = None
    repair: Any = None
    editable: bool = False

    @property
    def evidence_count(self) -> int:
        return len(self.evidence) if self.file_count is None else self.file_count

    @property
    def answered(self) -> bool:
        return self.answer is not None and self.answer.option_id is not None

    @property
    def evidence_needed(self) -> int:
        return self.indicator.evidence_min_files if self.indicator.evidence_required else 0

    @property
    def evidence_ok(self) -> bool:
        return self.evidence_count >= self.evidence_needed

    @property
    def complete(self) -> bool:
        return self.answered and self.evidence_ok


@dataclass
class CriterionRow:
    criterion: Criterion
    indicators: list[IndicatorRow]

    @property
    def total(self) -> int:
        return len(self.indicators)

    @property
    def answered(self) -> int:
        return sum(1 for r in self.indicators if r.answered)

    @property
    def evidence_ok(self) -> int:
        return sum(1 for r in self.indicators if r.evidence_ok)

    @property
    def percent(self) -> int:
        return _percent(sum(1 for r in self.indicators if r.complete), self.total)


def _percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


@dataclass
class AssessmentPage:
    assessment: Assessment
    instrument: Instrument | None
    criteria: list[CriterionRow]

    @property
    def rows(self) -> list[IndicatorRow]:
        return [r for c in self.criteria for r in c.indicators]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def answered(self) -> int:
        return sum(1 for r in self.rows if r.answered)

    @property
    def evidence_ok(self) -> int:
        return sum(1 for r in self.rows if r.evidence_ok)

    @property
    def complete(self) -> int:
        return sum(1 for r in self.rows if r.complete)

    @property
    def percent(self) -> int:
        return _percent(self.complete, self.total)

    @property
    def unread(self) -> int:
        return sum(r.unread for r in self.rows)

    def row(self, code: str) -> IndicatorRow | None:
        return next((r for r in self.rows if r.indicator.code == code), None)


def _instrument_for_page(pk: int) -> Instrument:
    """The instrument with what the page shows: criteria → indicators → their answer options (4 queries)."""
    return Instrument.objects.prefetch_related(
        Prefetch(
            "criteria",
            queryset=Criterion.objects.order_by("order", "pk").prefetch_related(
                Prefetch(
                    "indicators",
                    queryset=Indicator.objects.select_related("scale")
                    .prefetch_related("scale__options")
                    .order_by("order", "pk"),
                )
            ),
        )
    ).get(pk=pk)


def assessment_progress(*, assessment: Assessment) -> AssessmentPage:
    """Progress only (answered, files per indicator), in four small queries: what a save sends back."""
    if assessment.instrument_id is None:
        return AssessmentPage(assessment, None, [])
    indicators: dict[int, list[Indicator]] = {}
    for indicator in Indicator.objects.filter(instrument_id=assessment.instrument_id).order_by("order", "pk"):
        indicators.setdefault(indicator.criterion_id, []).append(indicator)
    answers = {a.indicator_code: a for a in Answer.objects.filter(assessment=assessment)}
    files = dict(
        Evidence.objects.filter(answer__assessment=assessment, superseded_at=None, removed_at=None)
        .values("answer__indicator_code")
        .annotate(n=Count("pk"))
        .values_list("answer__indicator_code", "n")
    )
    criteria = [
        CriterionRow(
            criterion,
            [
                IndicatorRow(i, answers.get(i.code), [], [], file_count=files.get(i.code, 0))
                for i in indicators.get(criterion.pk, [])
            ],
        )
        for criterion in Criterion.objects.filter(instrument_id=assessment.instrument_id).order_by("order", "pk")
    ]
    return AssessmentPage(assessment, assessment.instrument, criteria)


def assessment_page(*, assessment: Assessment, user: Any = None) -> AssessmentPage:
    """Everything the assessment page shows, in a fixed number of queries whatever the number of indicators."""
    if assessment.instrument_id is None:
        return AssessmentPage(assessment, None, [])
    instrument = _instrument_for_page(assessment.instrument_id)
    answers = {
        a.indicator_code: a for a in Answer.objects.filter(assessment=assessment).select_related("option", "updated_by")
    }
    current: dict[int, list[Evidence]] = {}
    history: dict[int, list[Evidence]] = {}
    for evidence in Evidence.objects.filter(answer__assessment=assessment).select_related("blob", "uploaded_by"):
        (current if evidence.current else history).setdefault(evidence.answer_id, []).append(evidence)
    counts: dict[str, int] = {}
    unread: dict[str, int] = {}
    reads: dict[str, dt.datetime] = {}
    if user is not None and user.is_authenticated:
        reads = dict(
            CommentRead.objects.filter(user=user, assessment=assessment).values_list("indicator_code", "read_at")
        )
    for code, author_id, created in Comment.objects.filter(assessment=assessment).values_list(
        "indicator_code", "author_id", "created_at"
    ):
        counts[code] = counts.get(code, 0) + 1
        if user is not None and author_id != user.pk and (code not in reads or created > reads[code]):
            unread[code] = unread.get(code, 0) + 1
    criteria = []
    for criterion in instrument.criteria.all():
        rows = []
        for indicator in criterion.indicators.all():
            answer = answers.get(indicator.code)
            key = answer.pk if answer else -1
            rows.append(
                IndicatorRow(
                    indicator=indicator,
                    answer=answer,
                    evidence=current.get(key, []),
                    history=history.get(key, []),
                    comments=counts.get(indicator.code, 0),
                    unread=unread.get(indicator.code, 0),
                )
            )
        criteria.append(CriterionRow(criterion, rows))
    return AssessmentPage(assessment, instrument, criteria)


def attach_open_follow_ups(*, assessment: Assessment, rows: Iterable[IndicatorRow]) -> None:
    """Put on each row the unit's follow-up actions still open from earlier years, matched by the indicator's
    code or the code it continues (one query for the whole page); ``overdue`` is marked on each action."""
    rows = list(rows)
    if not rows:
        return
    found = open_follow_ups(unit_id=assessment.unit_id, before_year=assessment.period.year)
    if not found:
        return
    today = timezone.localdate()  # Jakarta's date, as the follow-up lists judge overdue
    for row in rows:
        codes = dict.fromkeys(c for c in (row.indicator.code, row.indicator.continues_code) if c)
        row.open_follow_ups = [a for code in codes for a in found.get(code, [])]
        for action in row.open_follow_ups:
            late = action.status == "confirmed" and action.due_date is not None and action.due_date < today
            action.overdue = late  # type: ignore[attr-defined]


def indicator_files(*, assessment: Assessment, indicator_code: str) -> tuple[list[Evidence], list[Evidence]]:
    """One indicator's current files and its history (replaced or removed files), in one query."""
    current: list[Evidence] = []
    history: list[Evidence] = []
    for evidence in Evidence.objects.filter(
        answer__assessment=assessment, answer__indicator_code=indicator_code
    ).select_related("blob", "uploaded_by"):
        (current if evidence.current else history).append(evidence)
    return current, history


@dataclass(frozen=True)
class Gap:
    indicator: Indicator
    problem: str  # "unanswered" | "evidence"


def submission_gaps(assessment: Assessment, page: AssessmentPage | None = None) -> list[Gap]:
    """What blocks submission: indicators not answered, and required evidence missing."""
    page = page or assessment_page(assessment=assessment)
    gaps = []
    for row in page.rows:
        if not row.answered:
            gaps.append(Gap(row.indicator, "unanswered"))
        if not row.evidence_ok:
            gaps.append(Gap(row.indicator, "evidence"))
    return gaps


def comment_thread(*, assessment: Assessment, indicator_code: str) -> QuerySet[Comment]:
    """One indicator's thread, oldest first, with the authors."""
    return Comment.objects.filter(assessment=assessment, indicator_code=indicator_code).select_related("author")


# ---------------------------------------------------------------- verification as the unit sees it

_S = Assessment.Status
# The unit is shown the verifier's verdicts once it has been told them: from the first return for repair, or
# when verification is complete. While the verifier works again after a round, only the verdicts recorded
# before that round went back are shown; new work stays with the verifier until the next return or the end.
VERDICTS_SHOWN = frozenset({_S.RETURNED, _S.VERIFIED, _S.IN_PANEL, _S.SCORED, _S.DETERMINED})
VERIFICATION_STARTED = VERDICTS_SHOWN | {_S.IN_VERIFICATION}


@dataclass
class VerificationForUnit:
    """Verification as the unit sees it: the repair rounds (oldest first), the verdicts it has been told and,
    while verification goes on, the items of the latest round."""

    status: str
    rounds: list[Any]  # reviews.RevisionRequest, with ``items`` (and their reasons) prefetched
    verdicts: dict[str, Any]  # indicator code -> reviews.Verification
    items: dict[str, Any]  # indicator code -> reviews.RevisionItem of the latest round
    now: dt.datetime
    tz: Any

    @property
    def open(self) -> Any:
        """The round the unit is repairing: sent back and not closed yet."""
        if self.status != _S.RETURNED:
            return None
        return next((r for r in reversed(self.rounds) if r.closed_at is None), None)

    @property
    def overdue(self) -> bool:
        round_ = self.open
        return round_ is not None and round_.due_at <= self.now

    @property
    def days_left(self) -> int:
        """Whole days until the due day (0 on the due day itself), in the unit's time zone."""
        round_ = self.open
        if round_ is None:
            return 0
        return (timezone.localtime(round_.due_at, self.tz).date() - timezone.localtime(self.now, self.tz).date()).days

    @property
    def repairable(self) -> frozenset[str]:
        """The indicators the unit may change now: those of the open round, until its due date."""
        round_ = self.open
        if round_ is None or self.overdue:
            return frozenset()
        return frozenset(i.indicator_code for i in round_.items.all())

    @property
    def counts(self) -> list[tuple[str, int]]:
        """How many indicators got each verdict, in the order of the verdicts."""
        from p2ham.reviews.models import Verdict

        given = [v.verdict for v in self.verdicts.values()]
        return [(str(label), given.count(value)) for value, label in Verdict.choices if value in given]

    def attach(self, rows: Iterable[IndicatorRow]) -> None:
        for row in rows:
            row.verdict = self.verdicts.get(row.indicator.code)
            row.repair = self.items.get(row.indicator.code)


def verification_for_unit(*, assessment: Assessment) -> VerificationForUnit | None:
    """What the unit's page shows of verification once it has started, in three queries whatever the number
    of indicators (none before verification)."""
    status = assessment.status
    if status not in VERIFICATION_STARTED:
        return None
    # The reviews app builds on this one (hence the late import).
    from p2ham.reviews.models import RevisionItem, RevisionRequest, Verification

    rounds = list(
        RevisionRequest.objects.filter(assessment=assessment)
        .select_related("closed_by")
        .prefetch_related(Prefetch("items", queryset=RevisionItem.objects.select_related("reason", "option_before")))
        .order_by("round")
    )
    verdicts = Verification.objects.filter(assessment=assessment).select_related("option", "reason")
    if status == _S.IN_VERIFICATION:
        # The verifier is at work: only what the unit was told when the latest round went back.
        verdicts = verdicts.filter(round__lt=rounds[-1].round) if rounds else verdicts.none()
    items = {}
    if rounds and status in (_S.IN_VERIFICATION, _S.RETURNED):
        items = {i.indicator_code: i for i in rounds[-1].items.all()}
    return VerificationForUnit(
        status=status,
        rounds=rounds,
        verdicts={v.indicator_code: v for v in verdicts},
        items=items,
        now=timezone.now(),
        tz=assessment.unit.province.tzinfo,
    )


def with_repair_due(qs: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Annotate ``repair_due``: when the open repair round of a returned assessment is due (else None)."""
    from p2ham.reviews.models import RevisionRequest

    due = RevisionRequest.objects.filter(assessment=OuterRef("pk"), closed_at__isnull=True).order_by("-round")
    return qs.annotate(repair_due=Subquery(due.values("due_at")[:1]))


# ---------------------------------------------------------------- lists


def assessment_list(
    *,
    user: Any,
    period: Period,
    status: str = "",
    province: str = "",
    unit_type: str = "",
    q: str = "",
) -> QuerySet[Assessment]:
    """Assessments in the user's scope with their progress (answered indicators and evidence files)."""
    if not policy.can(user, Action.ASSESSMENT_VIEW):
        return Assessment.objects.none()
    qs = Assessment.objects.filter(period=period).select_related("unit__province", "unit__unit_type")
    scope = policy.unit_scope_q(user, Action.ASSESSMENT_VIEW, prefix="unit__")
    if scope is not None:
        qs = qs.filter(scope)
    if status in Assessment.Status.values:
        qs = qs.filter(status=status)
    if province:
        qs = qs.filter(unit__province__code=province)
    if unit_type:
        qs = qs.filter(unit__unit_type__code=unit_type)
    if q.strip():
        qs = qs.filter(Q(unit__name__icontains=q.strip()) | Q(unit__code__icontains=q.strip()))
    indicator_total = (
        Indicator.objects.filter(instrument=OuterRef("instrument")).values("instrument").annotate(n=Count("pk"))
    )
    # Only answers to indicators of the instrument in force: after a correction removed an indicator its
    # answer is kept but no longer shown, so it must not count either.
    answered = (
        Answer.objects.filter(
            assessment=OuterRef("pk"), indicator__instrument=OuterRef("instrument"), option__isnull=False
        )
        .values("assessment")
        .annotate(n=Count("pk"))
    )
    files = (
        Evidence.objects.filter(
            answer__assessment=OuterRef("pk"),
            answer__indicator__instrument=OuterRef("instrument"),
            superseded_at=None,
            removed_at=None,
        )
        .values("answer__assessment")
        .annotate(n=Count("pk"))
    )
    return qs.annotate(
        indicator_total=Coalesce(Subquery(indicator_total.values("n")[:1]), 0),
        answered_total=Coalesce(Subquery(answered.values("n")[:1]), 0),
        evidence_files=Coalesce(Subquery(files.values("n")[:1]), 0),
    )


def evaluation_candidates(
    *, user: Any, period: Period, decision: str = "", province: str = "", unit_type: str = "", q: str = ""
) -> QuerySet[Unit]:
    """Declared units in the user's scope with their evaluation so far (``decision``: pending / eligible /
    not_eligible)."""
    if not policy.can(user, Action.ASSESSMENT_VIEW):
        return Unit.objects.none()
    declared = DeclarationUnit.objects.filter(
        period=period, unit=OuterRef("pk"), active=True, declaration__status=Declaration.Status.COMPLETED
    )
    assessment = Assessment.objects.filter(period=period, unit=OuterRef("pk"))
    qs = (
        policy.scope_units(user, Action.ASSESSMENT_VIEW)
        .filter(Exists(declared))
        .select_related("province", "unit_type")
        .annotate(
            assessment_status=Subquery(assessment.values("status")[:1]),
            assessment_reasons=Subquery(assessment.values("eligibility_reasons")[:1]),
            evaluated_at=Subquery(assessment.values("evaluated_at")[:1]),
        )
    )
    if decision == "pending":
        qs = qs.filter(assessment_status__isnull=True)
    elif decision == "not_eligible":
        qs = qs.filter(assessment_status=Assessment.Status.NOT_ELIGIBLE)
    elif decision == "eligible":
        qs = qs.filter(assessment_status__isnull=False).exclude(
            assessment_status__in=[Assessment.Status.NOT_ELIGIBLE, Assessment.Status.WITHDRAWN]
        )
    if province:
        qs = qs.filter(province__code=province)
    if unit_type:
        qs = qs.filter(unit_type__code=unit_type)
    if q.strip():
        qs = qs.filter(Q(name__icontains=q.strip()) | Q(code__icontains=q.strip()))
    return qs


def eligible_by_province(*, user: Any, period: Period, province: str = "") -> list[tuple[Any, list[Assessment]]]:
    """The eligible units grouped by province (for the Berita Acara Hasil Evaluasi)."""
    qs = assessment_list(user=user, period=period, province=province).exclude(
        status__in=[Assessment.Status.NOT_ELIGIBLE, Assessment.Status.WITHDRAWN]
    )
    groups: dict[Any, list[Assessment]] = {}
    for assessment in qs.order_by("unit__province__code", "unit__name"):
        groups.setdefault(assessment.unit.province, []).append(assessment)
    return list(groups.items())
