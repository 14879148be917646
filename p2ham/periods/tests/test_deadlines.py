"""Deadlines are wall-clock times reached in each unit's own zone."""

import datetime as dt
from zoneinfo import ZoneInfo

from p2ham.periods.deadlines import local_instant, window_state

WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")
CLOSE = dt.datetime(2026, 9, 30, 23, 59, tzinfo=WIB)
OPEN = dt.datetime(2026, 7, 15, 0, 0, tzinfo=WIB)


def test_jayapura_reaches_2359_two_hours_before_medan():
    jayapura = local_instant(CLOSE, WIT)
    medan = local_instant(CLOSE, WIB)
    assert medan - jayapura == dt.timedelta(hours=2)
    assert jayapura.astimezone(WIT).strftime("%H:%M") == "23:59"
    assert local_instant(CLOSE, WITA).astimezone(dt.UTC) == dt.datetime(2026, 9, 30, 15, 59, tzinfo=dt.UTC)


def test_same_instant_is_closed_in_jayapura_but_open_in_medan():
    now = dt.datetime(2026, 9, 30, 22, 30, tzinfo=WIB)  # 00.30 WIT the next day
    papua = window_state(stage="penilaian_mandiri", opens_at=OPEN, closes_at=CLOSE, tz=WIT, now=now)
    sumut = window_state(stage="penilaian_mandiri", opens_at=OPEN, closes_at=CLOSE, tz=WIB, now=now)
    assert papua.status == "closed"
    assert sumut.status == "open"
    assert sumut.days_left == 0


def test_days_left_counts_calendar_days_in_the_units_zone():
    now = dt.datetime(2026, 9, 27, 23, 30, tzinfo=WIB)  # 28 Sep 01.30 WIT
    assert window_state(stage="x", opens_at=OPEN, closes_at=CLOSE, tz=WIB, now=now).days_left == 3
    assert window_state(stage="x", opens_at=OPEN, closes_at=CLOSE, tz=WIT, now=now).days_left == 2


def test_upcoming_before_it_opens():
    state = window_state(stage="x", opens_at=OPEN, closes_at=CLOSE, tz=WIB, now=OPEN - dt.timedelta(minutes=1))
    assert state.status == "upcoming"
    assert state.days_left is None


def test_an_extension_moves_the_deadline_and_an_earlier_one_is_ignored():
    after = dt.datetime(2026, 10, 1, 12, 0, tzinfo=WIT)
    later = dt.datetime(2026, 10, 7, 23, 59, tzinfo=WIT)
    state = window_state(stage="x", opens_at=OPEN, closes_at=CLOSE, tz=WIT, now=after, extension=later)
    assert state.status == "open" and state.extended and state.closes == later
    earlier = dt.datetime(2026, 9, 1, tzinfo=WIT)
    state = window_state(stage="x", opens_at=OPEN, closes_at=CLOSE, tz=WIT, now=after, extension=earlier)
    assert state.status == "closed" and not state.extended
