"""Reads of periods: the current period and each unit's view of the stage windows."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from p2ham.periods.deadlines import WindowState, window_state
from p2ham.periods.models import DeadlineExtension, Period


def period_list() -> QuerySet[Period]:
    """All periods, newest first."""
    return Period.objects.order_by("-year")


def current_period() -> Period | None:
    """The open period, else the newest draft or closed one (what the home timeline shows)."""
    return (
        Period.objects.filter(status=Period.Status.OPEN).first()
        or Period.objects.exclude(status=Period.Status.ARCHIVED).order_by("-year").first()
    )


def period_timeline(*, period: Period, tz: ZoneInfo, unit: Any = None, now: Any = None) -> list[WindowState]:
    """Each stage of the period as a unit in ``tz`` (with its extensions, when given) sees it at ``now``."""
    now = now or timezone.now()
    extensions: dict[str, Any] = {}
    if unit is not None:
        extensions = dict(DeadlineExtension.objects.filter(period=period, unit=unit).values_list("stage", "closes_at"))
    return [
        window_state(
            stage=w.stage, opens_at=w.opens_at, closes_at=w.closes_at, tz=tz, now=now, extension=extensions.get(w.stage)
        )
        for w in period.windows.order_by("order")
    ]


def extension_list(*, period: Period) -> QuerySet[DeadlineExtension]:
    """The deadline extensions of a period with their units, newest first."""
    return period.extensions.select_related("unit", "unit__province", "granted_by").order_by("-created_at")
