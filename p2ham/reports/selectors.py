"""Reads of the dashboard: the year's funnel per province, the score distribution, the weakest indicators, the
verifiers' backlog and each unit's year-over-year change — live from the database, scoped through the policy
(nationwide for Ditjen HAM, Pimpinan and the administrators; its own province's units for a Kanwil).

Every section reads a fixed number of queries, whatever the number of units; the counting happens in SQL.
Totals come from the frozen ``Result`` once the year is determined, else from the panel's ``PanelResult``
(a unit scored after the decree, waiting for re-determination, keeps its determined result here).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from p2ham.accounts.models import Role, User
from p2ham.assessments.models import Assessment, StatusChange
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.declarations.models import Declaration, DeclarationUnit
from p2ham.instruments.models import Indicator, Instrument
from p2ham.organizations.models import Province, Unit, UnitType
from p2ham.periods.models import Period
from p2ham.reports.models import ExportJob
from p2ham.results.models import Result
from p2ham.reviews import selectors as review_selectors
from p2ham.reviews.models import PanelResult, VerifierAssignment

S = Assessment.Status
NOT_TAKING_PART = (S.NOT_ELIGIBLE, S.WITHDRAWN)
SUBMITTED = (
    S.SUBMITTED,
    S.IN_KANWIL_REVIEW,
    S.IN_VERIFICATION,
    S.RETURNED,
    S.VERIFIED,
    S.IN_PANEL,
    S.SCORED,
    S.DETERMINED,
)
VERIFIED = (S.VERIFIED, S.IN_PANEL, S.SCORED, S.DETERMINED)
SCORED = (S.SCORED, S.DETERMINED)
FUNNEL_STEPS = ("declared", "eligible", "submitted", "verified", "scored", "awarded")
BINS = 10  # the histogram's 10-point bins: 0–<10, …, 80–<90, 90–100
WEAKEST = 10
YOY_SORTS = ("name", "-name", "change", "-change", "this", "-this")
SCORE: DecimalField[Any, Any] = DecimalField(max_digits=5, decimal_places=2)
CHANGE: DecimalField[Any, Any] = DecimalField(max_digits=6, decimal_places=2)


@dataclass(frozen=True)
class Filters:
    """What the dashboard and the exports are narrowed to, on top of the user's scope."""

    province: str = ""  # Kemendagri code
    unit_type: str = ""  # UnitType.code
    cohort: str = ""

    @property
    def active(self) -> bool:
        return bool(self.province or self.unit_type or self.cohort)


def overview_allowed(user: Any) -> bool:
    return policy.can(user, Action.RESULTS_OVERVIEW)


def unit_q(user: Any, filters: Filters, prefix: str = "") -> Q:
    """The units of ``user``'s overview scope that the filters select, as a filter on ``prefix``."""
    scope = policy.unit_scope_q(user, Action.RESULTS_OVERVIEW, prefix=prefix)
    q = Q() if scope is None else scope
    if filters.province:
        q &= Q(**{f"{prefix}province__code": filters.province})
    if filters.unit_type:
        q &= Q(**{f"{prefix}unit_type__code": filters.unit_type})
    if filters.cohort:
        q &= Q(**{f"{prefix}unit_type__cohort": filters.cohort})
    return q


def is_national(user: Any) -> bool:
    return policy.unit_scope_q(user, Action.RESULTS_OVERVIEW) is None


def scope_provinces(user: Any) -> list[Province]:
    """The provinces the user's overview covers (every province for a national role)."""
    qs = Province.objects.order_by("code")
    scope = policy.unit_scope_q(user, Action.RESULTS_OVERVIEW)
    if scope is not None:
        qs = qs.filter(pk__in=Unit.objects.filter(scope).values("province_id"))
    return list(qs)


def unit_types() -> list[UnitType]:
    return list(UnitType.objects.order_by("order", "name"))


def period_choices() -> list[Period]:
    return list(Period.objects.exclude(status=Period.Status.DRAFT).order_by("-year"))


# ---------------------------------------------------------------- (a) the funnel


@dataclass
class FunnelRow:
    province: Province | None  # None: the total line
    declared: int = 0
    eligible: int = 0
    submitted: int = 0
    verified: int = 0
    scored: int = 0
    awarded: int = 0

    def values(self) -> list[int]:
        return [getattr(self, step) for step in FUNNEL_STEPS]


@dataclass
class Funnel:
    rows: list[FunnelRow]  # per province, by code
    total: FunnelRow


def funnel(*, user: Any, period: Period, filters: Filters, provinces: list[Province]) -> Funnel:
    """Per province: units declared, eligible, submitted, verified, scored and awarded (three queries)."""
    declared = dict(
        DeclarationUnit.objects.filter(period=period, active=True, declaration__status=Declaration.Status.COMPLETED)
        .filter(unit_q(user, filters, "unit__"))
        .values_list("unit__province_id")
        .annotate(n=Count("unit_id", distinct=True))
        .values_list("unit__province_id", "n")
    )
    steps = {
        row["unit__province_id"]: row
        for row in Assessment.objects.filter(period=period)
        .filter(unit_q(user, filters, "unit__"))
        .values("unit__province_id")
        .annotate(
            n_eligible=Count("pk", filter=~Q(status__in=NOT_TAKING_PART)),
            n_submitted=Count("pk", filter=Q(status__in=SUBMITTED)),
            # A determined result reopened for correction is back with its panel: it still counts as verified
            # and scored (its decree stands), so the funnel never shows more awarded than scored.
            n_verified=Count("pk", filter=Q(status__in=VERIFIED) | Q(result__isnull=False)),
            n_scored=Count("pk", filter=Q(status__in=SCORED) | Q(result__isnull=False)),
        )
        .order_by()
    }
    awarded = dict(
        Result.objects.filter(period=period, predicate=True, revoked_at__isnull=True)
        .filter(unit_q(user, filters, "unit__"))
        .values_list("unit__province_id")
        .annotate(n=Count("pk"))
        .values_list("unit__province_id", "n")
        .order_by()
    )
    rows: list[FunnelRow] = []
    total = FunnelRow(province=None)
    for province in provinces:
        s = steps.get(province.pk, {})
        row = FunnelRow(
            province=province,
            declared=declared.get(province.pk, 0),
            eligible=s.get("n_eligible", 0),
            submitted=s.get("n_submitted", 0),
            verified=s.get("n_verified", 0),
            scored=s.get("n_scored", 0),
            awarded=awarded.get(province.pk, 0),
        )
        if not any(row.values()):
            continue
        rows.append(row)
        for step in FUNNEL_STEPS:
            setattr(total, step, getattr(total, step) + getattr(row, step))
    return Funnel(rows=rows, total=total)


# ---------------------------------------------------------------- (b) the score distribution


def _scored_sources(user: Any, period: Period, filters: Filters) -> tuple[QuerySet[Result], QuerySet[PanelResult]]:
    """The totals of the year: determined results, and the panels' results of units not determined (yet)."""
    results = Result.objects.filter(period=period).filter(unit_q(user, filters, "unit__"))
    panels = PanelResult.objects.filter(
        assessment__period=period, assessment__status=S.SCORED, assessment__result__isnull=True
    ).filter(unit_q(user, filters, "assessment__unit__"))
    return results, panels


@dataclass
class Bin:
    low: int
    high: int  # exclusive, except for the last bin (100 included)
    count: int

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}" if self.high == 100 else f"{self.low}–<{self.high}"


def _bin_counts(qs: QuerySet[Any]) -> list[int]:
    aggregates = {}
    for i in range(BINS):
        q = Q()
        if i > 0:
            q &= Q(total__gte=i * 10)
        if i < BINS - 1:
            q &= Q(total__lt=(i + 1) * 10)
        aggregates[f"b{i}"] = Count("pk", filter=q)
    counts = qs.order_by().aggregate(**aggregates)
    return [counts[f"b{i}"] or 0 for i in range(BINS)]


def score_histogram(*, user: Any, period: Period, filters: Filters) -> list[Bin]:
    """How many units scored in each 10-point bin (two queries: determined results, then panels' results)."""
    results, panels = _scored_sources(user, period, filters)
    counts = [a + b for a, b in zip(_bin_counts(results), _bin_counts(panels), strict=True)]
    return [Bin(low=i * 10, high=(i + 1) * 10, count=counts[i]) for i in range(BINS)]


# ---------------------------------------------------------------- (c) the weakest indicators


@dataclass
class WeakIndicator:
    instrument_code: str
    code: str
    mean: Decimal
    units: int  # units for which the indicator applied
    not_full: int  # of which scored below 100
    instrument_name: str = ""
    question: str = ""

    @property
    def share_not_full(self) -> Decimal:
        return (Decimal(self.not_full * 100) / self.units).quantize(Decimal("0.1")) if self.units else Decimal(0)


def _score_aggregate_sql(table: str, ids_sql: str) -> str:
    """Sum, count and "below 100" count of every (instrument, indicator code) in the ``scores`` JSON of the rows
    ``ids_sql`` selects. The JSON is expanded by the database (PostgreSQL ``jsonb_each_text``, SQLite
    ``json_each``) so only one row per indicator leaves it; "not_applicable" (anything not starting with a digit)
    does not count. Floating point is enough for a mean shown with two decimals, and faster than numeric."""
    qn = connection.ops.quote_name
    assessment = qn(Assessment._meta.db_table)
    if connection.vendor == "postgresql":
        expand = "CROSS JOIN LATERAL jsonb_each_text(s.scores) AS kv"
        number = "kv.value::float8"
    else:
        expand = ", json_each(s.scores) AS kv"
        number = "CAST(kv.value AS REAL)"
    return " ".join(
        (
            f"SELECT a.instrument_id, kv.key, SUM({number}), COUNT(*), SUM(CASE WHEN {number} < 100 THEN 1 ELSE 0 END)",
            f"FROM {qn(table)} s JOIN {assessment} a ON a.id = s.assessment_id {expand}",
            f"WHERE s.id IN ({ids_sql}) AND kv.value <> 'not_applicable'",
            "AND substr(kv.value, 1, 1) BETWEEN '0' AND '9'",
            "GROUP BY a.instrument_id, kv.key",
        )
    )


def weakest_indicators(*, user: Any, period: Period, filters: Filters, limit: int = WEAKEST) -> list[WeakIndicator]:
    """The indicators with the lowest mean final score across the units in scope, with the share of units not
    fully meeting them. Indicators are told apart by instrument group (codes repeat across instruments; the
    versions of one instrument count together)."""
    results, panels = _scored_sources(user, period, filters)
    by_instrument: dict[tuple[int, str], list[Any]] = {}
    with connection.cursor() as cursor:
        for qs, table in ((results, Result._meta.db_table), (panels, PanelResult._meta.db_table)):
            ids_sql, params = qs.order_by().values("pk").query.sql_with_params()
            cursor.execute(_score_aggregate_sql(table, ids_sql), params)
            for instrument_id, code, total, count, below in cursor.fetchall():
                entry = by_instrument.setdefault((instrument_id, code), [0.0, 0, 0])
                entry[0] += total
                entry[1] += count
                entry[2] += below
    groups = dict(Instrument.objects.filter(pk__in={key[0] for key in by_instrument}).values_list("pk", "code"))
    sums: dict[tuple[str, str], list[Any]] = {}
    for (instrument_id, code), (total, count, below) in by_instrument.items():
        entry = sums.setdefault((groups.get(instrument_id, ""), code), [0.0, 0, 0])
        entry[0] += total
        entry[1] += count
        entry[2] += below
    rows = [
        WeakIndicator(
            instrument_code=group,
            code=code,
            mean=Decimal(str(total / count)).quantize(Decimal("0.01")),
            units=count,
            not_full=below,
        )
        for (group, code), (total, count, below) in sums.items()
        if count
    ]
    rows.sort(key=lambda r: (r.mean, -r.not_full, r.instrument_code, r.code))
    rows = rows[:limit]
    if rows:
        texts = {
            (i.instrument.code, i.code): i
            for i in Indicator.objects.filter(
                instrument__period=period,
                instrument__current=True,
                instrument__code__in={r.instrument_code for r in rows},
                code__in={r.code for r in rows},
            ).select_related("instrument")
        }
        for r in rows:
            indicator = texts.get((r.instrument_code, r.code))
            if indicator is not None:
                r.instrument_name = indicator.instrument.name
                r.question = indicator.question
    return rows


# ---------------------------------------------------------------- (d) the verifiers' backlog


def verifier_backlog(*, user: Any, period: Period, filters: Filters) -> list[review_selectors.VerifierLoad]:
    """Assessments waiting in verification per verifier (those with any), with the oldest wait, the longest
    queues first.

    The whole country unfiltered is ``reviews.selectors.workload``; a Kanwil or a filter narrows the count to
    the assessments of the units selected (verifiers with nothing there are left out)."""
    q = unit_q(user, filters, "assessment__unit__")
    if is_national(user) and not filters.active:
        loads = review_selectors.workload(period=period)
    else:
        assignments = VerifierAssignment.objects.filter(assessment__period=period).filter(q)
        counts = {
            r["verifier"]: r
            for r in assignments.values("verifier")
            .annotate(
                pending=Count("pk", filter=Q(assessment__status=S.IN_VERIFICATION)),
                returned=Count("pk", filter=Q(assessment__status=S.RETURNED)),
                done=Count("pk", filter=Q(assessment__status__in=review_selectors.AFTER_VERIFICATION)),
            )
            .order_by()
        }
        oldest = dict(
            assignments.filter(assessment__status__in=review_selectors.VERIFYING)
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
            .order_by()
        )
        people = User.objects.filter(pk__in=list(counts), role_assignments__role=Role.VERIFIKATOR).distinct()
        loads = [
            review_selectors.VerifierLoad(
                verifier=person,
                pending=counts[person.pk]["pending"] + counts[person.pk]["returned"],
                returned=counts[person.pk]["returned"],
                done=counts[person.pk]["done"],
                oldest_waiting=oldest.get(person.pk),
            )
            for person in people.order_by("full_name")
        ]
    loads = [load for load in loads if load.pending]
    now = timezone.now()
    for load in loads:
        load.oldest_days = (now - load.oldest_waiting).days if load.oldest_waiting else None  # type: ignore[attr-defined]
    loads.sort(key=lambda load: (-load.pending, load.oldest_waiting or now, load.verifier.full_name))
    return loads


# ---------------------------------------------------------------- (e) year over year


def previous_period(period: Period) -> Period | None:
    return Period.objects.filter(year=period.year - 1).first()


def year_over_year(
    *, user: Any, period: Period, previous: Period | None, filters: Filters, q: str = "", sort: str = "name"
) -> QuerySet[Unit]:
    """Each unit in scope with a total this year or last year: ``this_total``, ``last_total`` and ``change``.

    One query (and its count): the two years' assessments are LEFT JOINed once each, with their result and
    their panel's result; no per-unit subquery."""
    this = FilteredRelation("assessments", condition=Q(assessments__period=period))
    qs = (
        Unit.objects.filter(unit_q(user, filters))
        .annotate(a_this=this)
        .annotate(this_total=Coalesce("a_this__result__total", "a_this__panel_result__total", output_field=SCORE))
    )
    if previous is not None:
        last = FilteredRelation("assessments", condition=Q(assessments__period=previous))
        qs = qs.annotate(a_last=last).annotate(
            last_total=Coalesce("a_last__result__total", "a_last__panel_result__total", output_field=SCORE)
        )
        qs = qs.filter(Q(this_total__isnull=False) | Q(last_total__isnull=False))
        qs = qs.annotate(change=ExpressionWrapper(F("this_total") - F("last_total"), output_field=CHANGE))
    else:
        qs = qs.filter(this_total__isnull=False).annotate(
            last_total=Value(None, output_field=SCORE), change=Value(None, output_field=CHANGE)
        )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    orders: dict[str, list[Any]] = {
        "name": ["name", "code"],
        "-name": ["-name", "code"],
        "change": [F("change").asc(nulls_last=True), "name"],
        "-change": [F("change").desc(nulls_last=True), "name"],
        "this": [F("this_total").asc(nulls_last=True), "name"],
        "-this": [F("this_total").desc(nulls_last=True), "name"],
    }
    order = orders[sort if sort in YOY_SORTS else "name"]
    return qs.select_related("province", "unit_type").order_by(*order)


# ---------------------------------------------------------------- the page


@dataclass
class Dashboard:
    period: Period
    previous: Period | None
    filters: Filters
    national: bool
    provinces: list[Province]
    funnel: Funnel
    histogram: list[Bin]
    weakest: list[WeakIndicator]
    backlog: list[review_selectors.VerifierLoad]
    determined: bool

    @property
    def scored_count(self) -> int:
        return sum(b.count for b in self.histogram)


def dashboard(
    *,
    user: Any,
    period: Period,
    filters: Filters,
    provinces: list[Province] | None = None,
    previous: Period | None = None,
) -> Dashboard:
    """Every section of the dashboard but the year-over-year table (paginated apart), for ``user``'s scope
    (``provinces`` and ``previous`` when the caller has read them already)."""
    if not overview_allowed(user):
        raise Http404
    provinces = scope_provinces(user) if provinces is None else provinces
    return Dashboard(
        period=period,
        previous=previous_period(period) if previous is None else previous,
        filters=filters,
        national=is_national(user),
        provinces=provinces,
        funnel=funnel(user=user, period=period, filters=filters, provinces=provinces),
        histogram=score_histogram(user=user, period=period, filters=filters),
        weakest=weakest_indicators(user=user, period=period, filters=filters),
        backlog=verifier_backlog(user=user, period=period, filters=filters),
        determined=Result.objects.filter(period=period).exists(),
    )


# ---------------------------------------------------------------- exports


def export_jobs(*, user: Any, period: Period | None = None, limit: int = 20) -> list[ExportJob]:
    """The user's own export jobs, newest first."""
    qs = ExportJob.objects.filter(requested_by=user).select_related("period")
    if period is not None:
        qs = qs.filter(period=period)
    return list(qs.order_by("-created_at")[:limit])


def export_job_for_download(*, user: Any, pk: Any) -> ExportJob:
    """A finished export of ``user``'s own, while they still hold an overview role; otherwise 404."""
    if not overview_allowed(user):
        raise Http404
    job = ExportJob.objects.filter(pk=pk, requested_by=user, status=ExportJob.Status.DONE).first()
    if job is None or not job.storage_name:
        raise Http404
    return job
