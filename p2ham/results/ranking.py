"""The ranking rule, pure: who comes first within a cohort (and within a province of that cohort).

Ties are broken explicitly, in this order, so that a rank never depends on the order rows were read:
1. the higher total (after adjustments);
2. the higher score before adjustments (the self-assessment as verified and scored by the panel);
3. more indicators fully met (score 100);
4. the earlier submission of the self-assessment;
5. the unit code (a last, arbitrary but stable key; two units practically never get this far).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal

TIE_BREAKS = ("total", "base_total", "full_count", "submitted_at", "unit_code")
_LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class RankInput:
    key: Hashable
    cohort: str
    province: Hashable
    total: Decimal
    base_total: Decimal
    full_count: int
    submitted_at: dt.datetime | None
    unit_code: str


def sort_key(row: RankInput) -> tuple[Decimal, Decimal, int, dt.datetime, str]:
    return (-row.total, -row.base_total, -row.full_count, row.submitted_at or _LATEST, row.unit_code)


def rank(rows: Iterable[RankInput]) -> dict[Hashable, tuple[int, int]]:
    """{key: (rank in cohort, rank in the cohort within the province)}, both starting at 1."""
    by_cohort: dict[str, list[RankInput]] = defaultdict(list)
    for row in rows:
        by_cohort[row.cohort].append(row)
    ranks: dict[Hashable, tuple[int, int]] = {}
    for members in by_cohort.values():
        members.sort(key=sort_key)
        per_province: dict[Hashable, int] = defaultdict(int)
        for position, row in enumerate(members, start=1):
            per_province[row.province] += 1
            ranks[row.key] = (position, per_province[row.province])
    return ranks
