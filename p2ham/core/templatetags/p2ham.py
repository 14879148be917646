"""Template helpers: dates in Indonesian format and in the time zone of the unit concerned."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import template
from django.utils import formats, timezone

register = template.Library()

_ZONE_BY_TZ = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def zone_label(tz: ZoneInfo | dt.tzinfo) -> str:
    key = getattr(tz, "key", "")
    return _ZONE_BY_TZ.get(key, str(tz))


@register.filter
def local_datetime(value: dt.datetime | None, unit: Any = None) -> str:
    """``29 November 2026 09.15 WIT`` — in the unit's time zone, else the active (user's) time zone."""
    if value is None:
        return "—"
    tz = (
        unit.province.tzinfo
        if unit is not None and getattr(unit, "province_id", None)
        else timezone.get_current_timezone()
    )
    local = timezone.localtime(value, tz)
    return f"{formats.date_format(local, 'j F Y')} {local:%H.%M} {zone_label(tz)}"


@register.filter
def local_date(value: dt.date | dt.datetime | None, unit: Any = None) -> str:
    """``29 November 2026`` in the active language; a moment's date is the unit's (if given), else the active
    time zone's."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        if unit is not None and getattr(unit, "province_id", None):
            value = timezone.localtime(value, unit.province.tzinfo)
        else:
            value = timezone.localtime(value)
    return formats.date_format(value, "j F Y")


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (for sort links and pagination)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    if "page" not in changes:
        params.pop("page", None)
    return "?" + urlencode(sorted(params.lists()), doseq=True)


@register.simple_tag
def stage_label(stage: str) -> str:
    """The translated name of a stage code."""
    from p2ham.periods.models import Stage

    return str(Stage(stage).label)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` in a template (None when absent)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def dom_id(code: Any) -> str:
    """An indicator code as an HTML id / anchor fragment (dots would read as CSS classes)."""
    return str(code).replace(".", "-").replace(" ", "-")
