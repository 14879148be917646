"""Exports of a year's results as an Excel workbook or a CSV file, made in the background.

``export_request`` records the job with its scope fixed from the requester's grants (never from what the
browser sent) and queues the task; ``export_run`` (the task's body) reads the rows in chunks, writes them to a
temporary file as it goes (openpyxl's write-only workbook, or ``csv``), updates the progress every
``PROGRESS_EVERY`` rows and stores the finished file privately. Memory stays flat whatever the number of units.

Every text cell that a spreadsheet could take for a formula (starting with =, +, -, @, a tab or a carriage
return) gets an apostrophe in front, in both formats; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, JSONField, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from p2ham.assessments.models import Assessment
from p2ham.audit.services import audit_log
from p2ham.core import policy
from p2ham.core.policy import Action
from p2ham.core.spreadsheet import safe_cell
from p2ham.instruments.models import Criterion, Indicator
from p2ham.organizations.models import Unit
from p2ham.periods.models import Period
from p2ham.reports.models import ExportJob
from p2ham.reports.selectors import Filters

logger = logging.getLogger(__name__)

CHUNK = 500  # rows fetched from the database at a time
PROGRESS_EVERY = 250  # rows written between two progress updates
KANWIL_TYPE = "kanwil"  # the unit type of the regional offices: the "Kanwil" column names the province's
CONTENT_TYPES = {
    ExportJob.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ExportJob.Format.CSV: "text/csv; charset=utf-8",
}
S = Assessment.Status


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int = 12


def base_columns() -> list[Column]:
    """The unit's columns, in the active language."""
    return [
        Column("code", _("Unit code"), 18),
        Column("name", _("Unit name"), 40),
        Column("type", _("Unit type"), 20),
        Column("cohort", _("Ranking cohort"), 16),
        Column("instrument", _("Instrument"), 16),
        Column("province", _("Province"), 22),
        Column("kanwil", _("Kanwil"), 30),
        Column("status", _("Status"), 18),
        Column("total", _("Total")),
        Column("base_total", _("Score before adjustments")),
        Column("bonus", _("Bonus")),
        Column("penalty", _("Penalty")),
        Column("predicate", _("Predicate")),
        Column("rank", _("Rank in cohort")),
    ]


# ---------------------------------------------------------------- the request


def scope_paths(user: Any) -> str | None:
    """The user's overview scope as stored on a job: "" for the whole country, else the unit paths (comma
    separated) of the grants allowing the overview; ``None`` when the user has no such grant."""
    allowed = policy.ACTION_ROLES[Action.RESULTS_OVERVIEW]
    relevant = [g for g in policy.grants(user) if g.role in allowed]
    if not relevant:
        return None
    if any(g.national for g in relevant):
        return ""
    paths = sorted({g.unit_path for g in relevant})
    return ",".join(p for i, p in enumerate(paths) if not any(p.startswith(q) for q in paths[:i]))


def export_request(*, actor: Any, period: Period, fmt: str, filters: Filters) -> ExportJob:
    """Record an export of ``period``'s results within the actor's own scope, and queue it."""
    paths = scope_paths(actor)
    if paths is None:
        raise PermissionDenied
    if fmt not in ExportJob.Format.values:
        raise ValidationError({"format": [_("Choose Excel or CSV.")]})
    if len(paths) > ExportJob._meta.get_field("scope_path").max_length:  # type: ignore[operator]
        raise ValidationError(_("Your roles cover too many separate units for one export; ask Ditjen HAM."))
    with transaction.atomic():
        job = ExportJob.objects.create(
            period=period,
            format=fmt,
            scope_path=paths,
            filters={
                "province": filters.province,
                "unit_type": filters.unit_type,
                "cohort": filters.cohort,
                "language": translation.get_language() or settings.LANGUAGE_CODE,
            },
            requested_by=actor,
        )
        audit_log(
            actor=actor,
            action="export.request",
            target=job,
            data={"year": period.year, "format": fmt, "scope": paths or "national", **job.filters},
        )
        transaction.on_commit(lambda: export_enqueue(job))
    return job


def export_enqueue(job: ExportJob) -> None:
    """Hand the job to the task backend (run at once in development, by a worker in production)."""
    from p2ham.reports.tasks import run_export

    try:
        run_export.enqueue(str(job.pk))
    except Exception:  # the job must not stay "waiting" for ever when the queue is unreachable
        logger.exception("export %s could not be queued", job.pk)
        ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.QUEUED).update(
            status=ExportJob.Status.FAILED, error="enqueue", finished_at=timezone.now()
        )


# ---------------------------------------------------------------- the rows


def job_scope_q(job: ExportJob, prefix: str = "") -> Q:
    """The units of the job's stored scope (nothing from the request that started it)."""
    if not job.scope_path:
        return Q()
    q = Q(**{f"{prefix}pk__in": []})
    for path in job.scope_path.split(","):
        q |= Q(**{f"{prefix}path__startswith": path})
    return q


def export_queryset(job: ExportJob) -> QuerySet[Any, dict[str, Any]]:
    """One row per assessment of the period in the job's scope and filters: the unit and its result (the
    determined one, else the panel's), as plain values."""
    filters = job.filters or {}
    qs = Assessment.objects.filter(period=job.period_id).filter(job_scope_q(job, "unit__"))
    if filters.get("province"):
        qs = qs.filter(unit__province__code=filters["province"])
    if filters.get("unit_type"):
        qs = qs.filter(unit__unit_type__code=filters["unit_type"])
    if filters.get("cohort"):
        qs = qs.filter(unit__unit_type__cohort=filters["cohort"])
    if job.scope_path:
        # Before the decree only Ditjen HAM and leadership (national) see the panels' scores; a Kanwil's export
        # carries determined results only.
        scored: dict[str, Any] = {
            "x_total": F("result__total"),
            "x_breakdown": F("result__breakdown"),
            "x_scores": F("result__scores"),
            "x_predicate": F("result__predicate"),
        }
    else:
        scored = {
            "x_total": Coalesce(F("result__total"), F("panel_result__total")),
            "x_breakdown": Coalesce(F("result__breakdown"), F("panel_result__breakdown"), output_field=JSONField()),
            "x_scores": Coalesce(F("result__scores"), F("panel_result__scores"), output_field=JSONField()),
            "x_predicate": Coalesce(F("result__predicate"), F("panel_result__predicate")),
        }
    return (
        qs.annotate(**scored)  # type: ignore[misc]
        .values(
            "pk",
            "status",
            "unit__code",
            "unit__name",
            "unit__province_id",
            "unit__province__name",
            "unit__unit_type__name",
            "unit__unit_type__cohort",
            "instrument__code",
            "result__base_total",
            "result__rank",
            "result__revoked_at",
            "x_total",
            "x_breakdown",
            "x_scores",
            "x_predicate",
        )
        .order_by("unit__unit_type__cohort", F("result__rank").asc(nulls_last=True), "unit__name", "pk")
    )


def score_columns(qs: QuerySet[Any, Any]) -> tuple[list[str], list[str]]:
    """The criterion and indicator codes of the instruments the rows use, in instrument order (codes shared by
    several instruments appear once, where they first come in the criterion and indicator order)."""
    instrument_ids = qs.order_by().values("instrument_id").distinct()
    criteria: dict[str, tuple[int, str]] = {}
    for code, order in Criterion.objects.filter(instrument_id__in=instrument_ids).values_list("code", "order"):
        criteria[code] = min(criteria.get(code, (order, code)), (order, code))
    indicators: dict[str, tuple[int, int, str]] = {}
    for code, c_order, order in Indicator.objects.filter(instrument_id__in=instrument_ids).values_list(
        "code", "criterion__order", "order"
    ):
        key = (c_order, order, code)
        indicators[code] = min(indicators.get(code, key), key)
    return sorted(criteria, key=criteria.__getitem__), sorted(indicators, key=indicators.__getitem__)


CENTS = Decimal("0.01")


def _number(value: Any) -> Decimal | str | None:
    """A score as a number with two decimals (as stored); "not applicable" and anything else as text."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).quantize(CENTS)
    except (InvalidOperation, ValueError):
        return _("n/a") if value == "not_applicable" else str(value)


def _row(values: dict[str, Any], kanwils: dict[int, str], criteria: list[str], indicators: list[str]) -> list[Any]:
    breakdown = values["x_breakdown"] or {}
    scores = values["x_scores"] or {}
    by_criterion = {c.get("code"): c.get("score") for c in breakdown.get("criteria", []) if isinstance(c, dict)}
    predicate = values["x_predicate"]
    if predicate is None:
        predicate_text = ""
    elif values["result__revoked_at"] is not None:
        predicate_text = _("Revoked")
    else:
        predicate_text = _("Yes") if predicate else _("No")
    base_total = values["result__base_total"]
    if base_total is None and breakdown:
        base_total = breakdown.get("base_total")
    return [
        values["unit__code"],
        values["unit__name"],
        values["unit__unit_type__name"],
        values["unit__unit_type__cohort"],
        values["instrument__code"] or "",
        values["unit__province__name"],
        kanwils.get(values["unit__province_id"], ""),
        str(S(values["status"]).label),
        _number(values["x_total"]),
        _number(base_total),
        _number(breakdown.get("bonus")) if breakdown else None,
        _number(breakdown.get("penalty")) if breakdown else None,
        predicate_text,
        values["result__rank"],
        *(_number(by_criterion.get(code)) for code in criteria),
        *(_number(scores.get(code)) for code in indicators),
    ]


def _clean(value: Any) -> Any:
    """A cell value that cannot run as a formula nor break the file."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return safe_cell(value)


# ---------------------------------------------------------------- the writers


def write_xlsx(out: IO[bytes], columns: list[Column], rows: Iterable[list[Any]], title: str) -> int:
    """A write-only workbook: bold header, panes frozen below it and right of the unit's name, autofilter."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "C2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=_clean(column.header))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append([_clean(v) for v in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    workbook.save(out)
    return count


def write_csv(out: IO[bytes], columns: list[Column], rows: Iterable[list[Any]]) -> int:
    """UTF-8 with a byte-order mark, so that Excel reads the Indonesian text right."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow([_clean(c.header) for c in columns])
    count = 0
    for row in rows:
        writer.writerow(["" if v is None else _clean(v) for v in row])
        count += 1
    text.flush()
    text.detach()  # the caller keeps the binary file
    return count


# ---------------------------------------------------------------- the run


def _progress(job_id: Any, done: int) -> None:
    ExportJob.objects.filter(pk=job_id).update(rows_done=done)


def _counted(rows: Iterator[list[Any]], job_id: Any) -> Iterator[list[Any]]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % PROGRESS_EVERY == 0:
            _progress(job_id, done)


def file_name(job: ExportJob) -> str:
    scope = (job.filters or {}).get("province") or ("nasional" if not job.scope_path else "wilayah")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"p2ham-hasil-{job.period.year}-{scope}-{stamp}.{job.format}"


def export_run(job_id: str) -> int:
    """Make the file of a queued job (the task's body); returns the number of rows written."""
    job = ExportJob.objects.select_related("period").filter(pk=job_id).first()
    if job is None:
        return 0
    # Claim the job: a retried or duplicated task does not write it twice.
    claimed = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return 0
    try:
        with translation.override((job.filters or {}).get("language") or settings.LANGUAGE_CODE):
            return _write(job)
    except Exception as exc:
        logger.exception("export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED, error=type(exc).__name__, finished_at=timezone.now()
        )
        return 0


def _write(job: ExportJob) -> int:
    qs = export_queryset(job)
    total = qs.count()
    ExportJob.objects.filter(pk=job.pk).update(rows_total=total, rows_done=0)
    criteria, indicators = score_columns(qs)
    columns = base_columns() + [Column(c, c, 8) for c in criteria] + [Column(i, i, 8) for i in indicators]
    kanwils = dict(
        Unit.objects.filter(unit_type__code=KANWIL_TYPE, active=True)
        .order_by("-name")
        .values_list("province_id", "name")
    )
    rows = _counted((_row(v, kanwils, criteria, indicators) for v in qs.iterator(chunk_size=CHUNK)), job.pk)
    name = file_name(job)
    with tempfile.NamedTemporaryFile(suffix=f".{job.format}") as out:
        if job.format == ExportJob.Format.XLSX:
            count = write_xlsx(out, columns, rows, title=_("Results %(year)s") % {"year": job.period.year})
        else:
            count = write_csv(out, columns, rows)
        out.flush()
        size = out.tell()
        out.seek(0)
        stored = default_storage.save(f"exports/{job.pk.hex}.{job.format}", File(out, name=name))
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        rows_done=count,
        rows_total=max(total, count),
        storage_name=stored,
        file_name=name,
        size=size,
        finished_at=timezone.now(),
    )
    return count
