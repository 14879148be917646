"""Scoring benchmark: 5,000 assessments × 60 indicators (3 criteria) scored in one process.

Prints the time of the scoring engine, the floor (a plain-Python loop that only adds up the same
answer scores per assessment) and their ratio, and whether the target (all 5,000 in under 2 seconds
on one core) is met. Asserts nothing. Needs no Django: ``python bench/scoring.py``.
"""

from __future__ import annotations

import gc
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from p2ham.instruments.scoring import (
    NOT_APPLICABLE,
    Adjustment,
    Answer,
    Breakdown,
    CriterionSpec,
    IndicatorSpec,
    Scorer,
    score,
)

ASSESSMENTS = 5_000
TARGET_SECONDS = 2.0
SEED = 20231210
REPEAT = 5

# The 2018-style scales with the suggested default scores.
ADA_PROSES_TIDAK = [Decimal(100), Decimal(50), Decimal(0)]
ADA_TIDAK = [Decimal(100), Decimal(0)]
KEPATUHAN = [Decimal(100), Decimal(60), Decimal(20)]


def build_instrument() -> tuple[list[CriterionSpec], dict[str, list[Decimal]]]:
    """3 criteria weighted 40/30/30 with 30 + 10 + 20 indicators; every fifth indicator is mandatory."""
    layout = [
        ("K1", "Ketersediaan aksesibilitas", Decimal(40), 30, ADA_PROSES_TIDAK),
        ("K2", "Ketersediaan sarana dan prasarana", Decimal(30), 10, ADA_TIDAK),
        ("K3", "Ketersediaan sumber daya manusia", Decimal(30), 20, KEPATUHAN),
    ]
    criteria = []
    scales: dict[str, list[Decimal]] = {}
    for code, name, weight, count, scale in layout:
        indicators = []
        for i in range(1, count + 1):
            indicator_code = f"{code}.{i:02d}"
            indicators.append(IndicatorSpec(indicator_code, Decimal(1 + i % 3), mandatory=i % 5 == 0))
            scales[indicator_code] = scale
        criteria.append(CriterionSpec(code, name, weight, tuple(indicators)))
    return criteria, scales


def build_answers(scales: dict[str, list[Decimal]]) -> list[tuple[dict[str, Answer], list[Adjustment]]]:
    """Seeded answer sets: ~4% not applicable, ~2% unanswered, the rest an option of the scale, the best
    one more often in better units (so every decision occurs); some assessments have adjustments."""
    rng = random.Random(SEED)
    assessments = []
    for _ in range(ASSESSMENTS):
        quality = rng.uniform(0.6, 1.0)
        answers: dict[str, Answer] = {}
        for code, scale in scales.items():
            roll = rng.random()
            if roll < 0.04:
                answers[code] = NOT_APPLICABLE
            elif roll < 0.06:
                continue  # unanswered
            else:
                answers[code] = scale[0] if rng.random() < quality else rng.choice(scale[1:])
        adjustments = []
        if rng.random() < 0.2:
            adjustments.append(Adjustment("wbk", "Predikat WBK", Decimal(5)))
        if rng.random() < 0.3:
            adjustments.append(Adjustment("ikm", "IKM sangat baik", Decimal(rng.randint(1, 8))))
        if rng.random() < 0.1:
            adjustments.append(Adjustment("ombudsman", "Laporan Ombudsman", Decimal(-rng.randint(1, 25))))
        assessments.append((answers, adjustments))
    return assessments


def best_of(fn: Callable[[], object]) -> float:
    """Best wall time of REPEAT runs (the least disturbed by other processes), garbage collector on."""
    samples = []
    for _ in range(REPEAT):
        gc.collect()
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return min(samples)


def main() -> None:
    criteria, scales = build_instrument()
    assessments = build_answers(scales)
    indicators = sum(len(c.indicators) for c in criteria)

    def floor() -> object:
        totals = []
        for answers, _ in assessments:
            total = Decimal(0)
            for value in answers.values():
                if type(value) is Decimal:
                    total += value
            totals.append(total)
        return totals

    def batch() -> list[Breakdown]:
        scorer = Scorer(criteria)  # built inside the timing: preparing the instrument is part of the job
        return [scorer.score(answers, adjustments) for answers, adjustments in assessments]

    def one_by_one() -> list[Breakdown]:
        return [score(criteria=criteria, answers=answers, adjustments=extra) for answers, extra in assessments]

    # The same instrument rebuilt as new, equal objects for every assessment (as a caller that reads it
    # from the database each time would), made before the timing.
    rebuilt = [[replace(c, indicators=tuple(replace(i) for i in c.indicators)) for c in criteria] for _ in assessments]

    def rebuilt_each_time() -> list[Breakdown]:
        return [
            score(criteria=fresh, answers=answers, adjustments=extra)
            for fresh, (answers, extra) in zip(rebuilt, assessments, strict=True)
        ]

    def row(label: str, seconds: float, floor_seconds: float) -> None:
        per_assessment = seconds / ASSESSMENTS * 1e6
        print(f"{label:<52} {seconds:>8.3f} {per_assessment:>14.1f} {seconds / floor_seconds:>7.1f}")

    decisions = Counter(str(breakdown.decided_by) for breakdown in batch())
    floor_s = best_of(floor)
    print(f"P2HAM scoring: {ASSESSMENTS:,} assessments × {indicators} indicators in {len(criteria)} criteria, ", end="")
    print(f"best of {REPEAT} runs, Python {sys.version.split()[0]}")
    print(f"{'case':<52} {'seconds':>8} {'µs/assessment':>14} {'ratio':>7}")
    row("floor: plain loop adding the answer scores", floor_s, floor_s)
    worst = 0.0
    for label, fn in [
        ("Scorer(criteria).score(...) for each assessment", batch),
        ("score(criteria=..., answers=...) for each assessment", one_by_one),
        ("score(...) with the instrument rebuilt for each one", rebuilt_each_time),
    ]:
        seconds = best_of(fn)
        worst = max(worst, seconds)
        row(label, seconds, floor_s)
    verdict = "met" if worst < TARGET_SECONDS else "NOT met"
    print(f"target: {ASSESSMENTS:,} in under {TARGET_SECONDS:.0f} s on one core: {verdict} (slowest {worst:.3f} s)")
    print("decisions: " + ", ".join(f"{code} {count:,}" for code, count in sorted(decisions.items())))


if __name__ == "__main__":
    main()
