"""Reads of determination and follow-up: the ranking (draft before the decree, frozen after), a unit's
result explained indicator by indicator, certificates, the public list of awarded units and follow-up lists.

Every list is scoped through the policy; every page reads a fixed number of queries whatever its length.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, overload

from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from p2ham.assessments.models import Assessment
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.instruments.models import Indicator
from p2ham.organizations.models import Province, Unit, UnitType
from p2ham.periods.models import Period
from p2ham.results.models import (
    FOLLOW_UP_OPEN,
    Certificate,
    Determination,
    FollowUpAction,
    Result,
)
from p2ham.results.ranking import RankInput, rank
from p2ham.reviews.models import Adjustment, FieldVisit, ModeratedScore, PanelResult, Verification, Veto

S = Assessment.Status


def determination_of(period: Period) -> Determination | None:
    return Determination.objects.filter(period=period).select_related("determined_by").first()


def cohorts() -> list[str]:
    return sorted(set(UnitType.objects.values_list("cohort", flat=True)))


# ---------------------------------------------------------------- ranking


@dataclass
class RankRow:
    assessment_id: int
    unit: Unit
    cohort: str
    total: Decimal
    base_total: Decimal
    full_count: int
    predicate: bool
    vetoed: bool
    rank: int
    province_rank: int
    submitted_at: dt.datetime | None
    result: Result | None = None  # after determination
    awarded: bool = False
    correction_open: bool = False


RANK_ROW_FIELDS = (
    "assessment_id",
    "unit_id",
    "cohort",
    "total",
    "base_total",
    "full_count",
    "predicate",
    "vetoed",
    "rank",
    "province_rank",
    "revoked_at",
    "correction_opened_at",
)


class ResultRows:
    """The determined ranking as a lazy sequence over the database: ``len`` is one COUNT, a slice (a page)
    is one query of that page's rows, and iteration streams in chunks; nothing loads the whole cohort."""

    def __init__(self, qs: QuerySet[Result]) -> None:
        self.qs = qs
        self._count: int | None = None
        self._awarded: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = self.qs.count()
        return self._count

    def count(self) -> int:  # read by Django's Paginator
        return len(self)

    @property
    def awarded(self) -> int:
        if self._awarded is None:
            self._awarded = self.qs.filter(predicate=True, revoked_at__isnull=True).count()
        return self._awarded

    @overload
    def __getitem__(self, index: int) -> RankRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[RankRow]: ...

    def __getitem__(self, index: int | slice) -> RankRow | list[RankRow]:
        if isinstance(index, slice):
            return [_result_row(r) for r in self.qs[index]]
        return _result_row(self.qs[index])

    def __iter__(self) -> Iterator[RankRow]:
        for r in self.qs.iterator(chunk_size=1000):
            yield _result_row(r)


def _result_row(r: Result) -> RankRow:
    return RankRow(
        assessment_id=r.assessment_id,
        unit=r.unit,
        cohort=r.cohort,
        total=r.total,
        base_total=r.base_total,
        full_count=r.full_count,
        predicate=r.predicate,
        vetoed=r.vetoed,
        rank=r.rank,
        province_rank=r.province_rank,
        submitted_at=r.assessment.submitted_at,
        result=r,
        awarded=r.awarded,
        correction_open=r.correction_opened_at is not None,
    )


@dataclass
class Ranking:
    period: Period
    determination: Determination | None
    rows: list[RankRow] | ResultRows  # a list (the draft) or ResultRows (determined: paginated in the database)
    pending: dict[str, int] = field(default_factory=dict)  # assessments not scored yet, by status
    scored_count: int = 0
    draft_hidden: bool = False  # before the decree, for those who see only the determined ranking

    @property
    def draft(self) -> bool:
        return self.determination is None

    @property
    def awarded_count(self) -> int:
        if isinstance(self.rows, ResultRows):
            return self.rows.awarded
        return sum(1 for r in self.rows if r.awarded)


def _in_scope(qs: QuerySet[Any], user: Any, action: Action, prefix: str) -> QuerySet[Any]:
    q = policy.unit_scope_q(user, action, prefix=prefix)
    return qs if q is None else qs.filter(q)


def _full_count(scores: dict[str, Any]) -> int:
    count = 0
    for value in scores.values():
        try:
            count += Decimal(value) >= 100
        except (ArithmeticError, TypeError, ValueError):
            continue
    return count


def draft_ranking_rows(period: Period) -> list[RankRow]:
    """Every scored (not yet determined) assessment of the period, ranked by the rule in ``ranking``."""
    panels = list(
        PanelResult.objects.filter(assessment__period=period, assessment__status=S.SCORED).select_related(
            "assessment__unit__province", "assessment__unit__unit_type"
        )
    )
    rows = [
        RankRow(
            assessment_id=p.assessment_id,
            unit=p.assessment.unit,
            cohort=p.assessment.unit.unit_type.cohort,
            total=p.total,
            base_total=Decimal(str(p.breakdown.get("base_total", p.total))),
            full_count=_full_count(p.scores),
            predicate=p.predicate,
            vetoed=p.vetoed,
            rank=0,
            province_rank=0,
            submitted_at=p.assessment.submitted_at,
            awarded=p.predicate,
        )
        for p in panels
    ]
    ranks = rank(
        RankInput(
            key=r.assessment_id,
            cohort=r.cohort,
            province=r.unit.province_id,
            total=r.total,
            base_total=r.base_total,
            full_count=r.full_count,
            submitted_at=r.submitted_at,
            unit_code=r.unit.code,
        )
        for r in rows
    )
    for r in rows:
        r.rank, r.province_rank = ranks[r.assessment_id]
    rows.sort(key=lambda r: (r.cohort, r.rank))
    return rows


def ranking(
    *,
    period: Period,
    user: Any,
    cohort: str = "",
    province: Province | None = None,
    awarded_only: bool = False,
    q: str = "",
) -> Ranking:
    """The period's ranking as ``user`` may see it: the draft from the panels' results before the decree,
    the frozen results after it (units scored again and waiting for re-determination are listed by
    ``awaiting_redetermination``)."""
    determination = determination_of(period)
    rows: list[RankRow] | ResultRows
    needle = q.strip()
    draft_hidden = False
    if determination is None and policy.unit_scope_q(user, Action.RESULTS_OVERVIEW) is not None:
        # Before the decree the panels' scores are Ditjen HAM's and leadership's working list only: a Kanwil
        # (itself a ranked unit) sees the ranking once it is determined.
        rows = []
        draft_hidden = True
    elif determination is None:
        draft = draft_ranking_rows(period)
        if cohort:
            draft = [r for r in draft if r.cohort == cohort]
        if province is not None:
            draft = [r for r in draft if r.unit.province_id == province.pk]
        if awarded_only:
            draft = [r for r in draft if r.awarded]
        if needle:
            folded = needle.casefold()
            draft = [r for r in draft if folded in r.unit.name.casefold() or folded in r.unit.code.casefold()]
        rows = draft
    else:
        qs = _in_scope(Result.objects.filter(period=period), user, Action.RESULTS_OVERVIEW, "unit__")
        if cohort:
            qs = qs.filter(cohort=cohort)
        if province is not None:
            qs = qs.filter(province=province)
        if awarded_only:
            qs = qs.filter(predicate=True, revoked_at__isnull=True)
        if needle:
            qs = qs.filter(Q(unit__name__icontains=needle) | Q(unit__code__icontains=needle))
        rows = ResultRows(
            qs.select_related("unit__province", "unit__unit_type", "assessment")
            # Only what a ranking row shows: the page reads 100 rows of a table with large JSON columns.
            .only(
                *RANK_ROW_FIELDS,
                "unit__code",
                "unit__name",
                "unit__province__code",
                "unit__province__name",
                "unit__province__timezone",
                "unit__unit_type__code",
                "unit__unit_type__name",
                "assessment__submitted_at",
            )
            .order_by("cohort", "rank")
        )
    pending_qs = _in_scope(
        Assessment.objects.filter(period=period).exclude(
            status__in=[S.SCORED, S.DETERMINED, S.NOT_ELIGIBLE, S.WITHDRAWN, S.DRAFT]
        ),
        user,
        Action.RESULTS_OVERVIEW,
        "unit__",
    )
    pending = dict(pending_qs.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    scored = Assessment.objects.filter(period=period, status=S.SCORED).count()
    return Ranking(
        period=period,
        determination=determination,
        rows=rows,
        pending=pending,
        scored_count=scored,
        draft_hidden=draft_hidden,
    )


def awaiting_redetermination(period: Period) -> QuerySet[Assessment]:
    """Scored assessments of a determined period: corrected by their panel, or scored after the decree."""
    return (
        Assessment.objects.filter(period=period, status=S.SCORED)
        .select_related("unit__province", "panel_result")
        .order_by("unit__name")
    )


def reopened_results(period: Period) -> QuerySet[Result]:
    return Result.objects.filter(period=period, correction_opened_at__isnull=False).select_related("unit", "assessment")


# ---------------------------------------------------------------- a unit's result


def result_for(*, user: Any, year: int, unit_code: str) -> Result:
    """The determined result of the unit in ``year`` if ``user`` may see it; otherwise 404 (also before the
    decree: results are not shown to anyone but Ditjen HAM's ranking until they are determined)."""
    q = policy.unit_scope_q(user, Action.RESULT_VIEW, prefix="unit__")
    if not policy.can(user, Action.RESULT_VIEW):
        raise Http404
    qs = Result.objects.filter(period__year=year, unit__code=unit_code).select_related(
        "unit__province", "unit__unit_type", "unit__parent", "period", "determination", "assessment__instrument"
    )
    if q is not None:
        qs = qs.filter(q)
    result = qs.first()
    if result is None:
        raise Http404
    return result


@dataclass
class IndicatorLine:
    code: str
    question: str
    weight: str
    mandatory: bool
    score: str | None
    status: str
    failed_mandatory: bool
    answer: str  # the unit's answer label
    verdict: str  # the verifier's verdict label
    verdict_code: str
    verifier_note: str
    reason: str
    moderation_note: str

    @property
    def full(self) -> bool:
        return self.score is not None and Decimal(self.score) >= 100


@dataclass
class CriterionLine:
    code: str
    name: str
    weight: str
    score: str | None
    share: str | None
    indicators: list[IndicatorLine]


@dataclass
class ResultReport:
    result: Result
    criteria: list[CriterionLine]
    adjustments: list[Adjustment]
    veto: Veto | None
    field_visits: list[FieldVisit]
    findings: list[IndicatorLine]  # indicators not fully met, in instrument order
    follow_ups: dict[str, FollowUpAction]
    certificate: Certificate | None
    breakdown: dict[str, Any]


def result_report(result: Result) -> ResultReport:
    """Everything that explains the result, in a fixed number of queries."""
    assessment = result.assessment
    breakdown = result.breakdown or {}
    questions = {
        i.code: i for i in Indicator.objects.filter(instrument=assessment.instrument).select_related("criterion")
    }
    answers = {
        a.indicator_code: a
        # "assessment" too: the related manager reads it on every row (a query each when deferred).
        for a in assessment.answers.select_related("option").only("indicator_code", "assessment", "option__label")
    }
    verifications = {
        v.indicator_code: v
        for v in Verification.objects.filter(assessment=assessment).select_related("reason", "option")
    }
    moderated = {m.indicator_code: m for m in ModeratedScore.objects.filter(assessment=assessment)}
    criteria: list[CriterionLine] = []
    findings: list[IndicatorLine] = []
    for c in breakdown.get("criteria", []):
        lines = []
        for i in c.get("indicators", []):
            code = i["code"]
            v = verifications.get(code)
            a = answers.get(code)
            line = IndicatorLine(
                code=code,
                question=questions[code].question if code in questions else "",
                weight=i.get("weight", ""),
                mandatory=bool(i.get("mandatory")),
                score=i.get("score"),
                status=i.get("status", ""),
                failed_mandatory=bool(i.get("failed_mandatory")),
                answer=a.option.label if a is not None and a.option is not None else "",
                verdict=v.get_verdict_display() if v else "",
                verdict_code=v.verdict if v else "",
                verifier_note=v.note if v else "",
                reason=v.reason.label if v and v.reason else "",
                moderation_note=moderated[code].note if code in moderated else "",
            )
            lines.append(line)
            if line.score is not None and not line.full:
                findings.append(line)
        criteria.append(
            CriterionLine(
                code=c.get("code", ""),
                name=c.get("name", ""),
                weight=c.get("weight", ""),
                score=c.get("score"),
                share=c.get("share"),
                indicators=lines,
            )
        )
    return ResultReport(
        result=result,
        criteria=criteria,
        adjustments=list(
            Adjustment.objects.filter(assessment=assessment, removed_at__isnull=True).order_by("created_at")
        ),
        veto=Veto.objects.filter(assessment=assessment).first(),
        field_visits=list(FieldVisit.objects.filter(assessment=assessment).order_by("visited_on")),
        findings=findings,
        follow_ups={f.indicator_code: f for f in FollowUpAction.objects.filter(result=result)},
        # The valid one first (PostgreSQL sorts NULLs last unless told), else the latest revoked.
        certificate=Certificate.objects.filter(result=result)
        .order_by(F("revoked_at").asc(nulls_first=True), "-issued_at")
        .first(),
        breakdown=breakdown,
    )


# ---------------------------------------------------------------- certificates and the public site


def certificate_by_code(code: str) -> Certificate | None:
    code = (code or "").strip().upper()
    if not code or len(code) > 32:
        return None
    return (
        Certificate.objects.filter(code=code)
        .select_related("result__unit__province", "result__unit__unit_type", "result__period", "result__determination")
        .first()
    )


def certificates_of(period: Period) -> QuerySet[Certificate]:
    return (
        Certificate.objects.filter(result__period=period)
        .select_related("result__unit__province")
        .order_by("result__unit__name", "-issued_at")
    )


def published_years() -> list[int]:
    return list(
        Determination.objects.filter(published=True).order_by("-period__year").values_list("period__year", flat=True)
    )


def public_results(*, year: int, province: str = "", unit_type: str = "") -> QuerySet[Result]:
    """The awarded units of a published year (no login): nothing else about a unit is public."""
    qs = Result.objects.filter(
        period__year=year, determination__published=True, predicate=True, revoked_at__isnull=True
    ).select_related("unit__province", "unit__unit_type")
    if province:
        qs = qs.filter(province__code=province)
    if unit_type:
        qs = qs.filter(unit_type__code=unit_type)
    return qs.order_by("province__code", "unit__name")


def public_counts_by_province(*, year: int, unit_type: str = "") -> dict[str, int]:
    qs = Result.objects.filter(
        period__year=year, determination__published=True, predicate=True, revoked_at__isnull=True
    )
    if unit_type:
        qs = qs.filter(unit_type__code=unit_type)
    return dict(qs.values_list("province__code").annotate(n=Count("pk")).values_list("province__code", "n"))


# ---------------------------------------------------------------- follow-up


def follow_up_list(
    *, user: Any, period: Period | None = None, status: str = "", overdue: bool = False, unit: Unit | None = None
) -> QuerySet[FollowUpAction]:
    """The follow-up actions ``user`` may see (their own unit's, or those of the units in their scope)."""
    if not policy.can(user, Action.RESULT_VIEW):
        return FollowUpAction.objects.none()
    qs = _in_scope(FollowUpAction.objects.all(), user, Action.RESULT_VIEW, "unit__").select_related(
        "unit__province", "period"
    )
    if period is not None:
        qs = qs.filter(period=period)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(overdue_q())
    return qs.order_by("due_date", "unit__name", "indicator_code")


def overdue_q(today: dt.date | None = None) -> Q:
    """Confirmed actions past their due date (judged by Jakarta's date: a day's slack for the eastern zones)."""
    today = today or timezone.localdate()
    return Q(status=FollowUpAction.Status.CONFIRMED, due_date__lt=today)


def follow_up_for(*, user: Any, pk: int) -> FollowUpAction:
    qs = follow_up_list(user=user).select_related("result__assessment", "confirmed_by", "reported_by", "closed_by")
    action = qs.filter(pk=pk).first()
    if action is None:
        raise Http404
    return action


def open_follow_ups(*, unit_id: int, before_year: int) -> dict[str, list[FollowUpAction]]:
    """The unit's follow-up actions still open from earlier years, by indicator code: shown next to the
    indicator in the next year's assessment (matched by code and by the indicator's ``continues_code``)."""
    found: dict[str, list[FollowUpAction]] = defaultdict(list)
    for action in FollowUpAction.objects.filter(
        unit_id=unit_id, period__year__lt=before_year, status__in=FOLLOW_UP_OPEN
    ).select_related("period"):
        found[action.indicator_code].append(action)
    return dict(found)


def follow_up_counts(*, user: Any, period: Period | None = None) -> dict[str, int]:
    qs = follow_up_list(user=user, period=period)
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    counts["overdue"] = qs.filter(overdue_q()).count()
    return counts
