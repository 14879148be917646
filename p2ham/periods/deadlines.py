"""Deadlines in each unit's own time zone (pure functions, no database).

Stage windows are entered as wall-clock times (the administrator types them as Jakarta time). Each unit
meets that same wall-clock time in its own zone: "30 September 23.59" ends at 23.59 WIT in Jayapura,
which comes two hours before 23.59 WIB in Medan. An extension is a real instant chosen for one unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

REFERENCE_TZ = ZoneInfo("Asia/Jakarta")  # the zone in which windows are entered and stored


def local_instant(reference: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The instant at which a unit in ``tz`` reaches the wall-clock time of ``reference`` (Jakarta time)."""
    wall = reference.astimezone(REFERENCE_TZ).replace(tzinfo=None)
    return wall.replace(tzinfo=tz)


def local_wall_clock(reference: dt.datetime) -> str:
    """The wall-clock time of a window as ``YYYY-MM-DDTHH:MM``, without an offset: every unit reads it locally."""
    return reference.astimezone(REFERENCE_TZ).strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class WindowState:
    stage: str
    opens: dt.datetime  # for this unit, aware
    closes: dt.datetime  # for this unit, aware (an extension if one applies)
    extended: bool
    status: str  # "upcoming" | "open" | "closed"
    days_left: int | None  # whole calendar days until the deadline, in the unit's zone; None unless open


def window_state(
    *,
    stage: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    tz: ZoneInfo,
    now: dt.datetime,
    extension: dt.datetime | None = None,
) -> WindowState:
    """Where a unit in ``tz`` stands in a stage window at ``now`` (an extension replaces the close)."""
    opens = local_instant(opens_at, tz)
    closes = local_instant(closes_at, tz)
    extended = False
    if extension is not None and extension > closes:
        closes, extended = extension, True
    if now < opens:
        return WindowState(stage, opens, closes, extended, "upcoming", None)
    if now > closes:
        return WindowState(stage, opens, closes, extended, "closed", None)
    days = (closes.astimezone(tz).date() - now.astimezone(tz).date()).days
    return WindowState(stage, opens, closes, extended, "open", days)
