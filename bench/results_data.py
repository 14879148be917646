"""Results at national scale for the benchmarks: 5,000 units × 60 indicators with determined results, made fast
with bulk inserts (no service is called: the flows that make these rows are tested in their apps).

``generate()`` works on the database Django is connected to (migrated, with the reference data of the data
migration): a ministry with one Kanwil per province and UPTs spread over the provinces and the UPT types; two
periods (last year and this year), each with one instrument of 3 criteria × 20 indicators, a completed
declaration per Kanwil, and per unit an assessment — this year most determined (panel's result + frozen result,
ranked by the real rule), some scored after the decree, in verification (assigned, waiting for days), returned,
submitted, draft or not eligible; last year all determined. Scores are drawn per unit around a "quality" so the
distributions look like a real year.

Run alone to fill a database (``--postgres URL`` creates it afresh; without it, the configured database):
``python bench/results_data.py --units 300 --year 2030``. ``bench/results_bench.py`` calls ``generate()``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
UPT_TYPES = ("lapas", "rutan", "lpka", "bapas", "rupbasan", "kanim", "rudenim", "bhp")
CRITERIA = 3
BATCH = 500
CENT = Decimal("0.01")
STATUS_SHARES = (  # this year's statuses (the rest is determined)
    ("scored", 0.03),
    ("in_verification", 0.04),
    ("returned", 0.01),
    ("submitted", 0.02),
    ("draft", 0.02),
    ("not_eligible", 0.02),
)


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def database_create(url: str) -> None:
    """Drop and create the database named in ``url`` (through the server's ``postgres`` database)."""
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_drop(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _instrument(period: Any, actor: Any, types: list[Any], indicators: int) -> tuple[Any, list[Any]]:
    from p2ham.instruments.models import AnswerOption, AnswerScale, Criterion, Indicator, Instrument

    instrument = Instrument.objects.create(
        period=period, code="bench", name="Instrumen Uji Skala Nasional", frozen=True, regulation_label="Bench"
    )
    instrument.unit_types.set(types)
    scale = AnswerScale.objects.create(instrument=instrument, code="ada_proses_tidak", name="Ada / Proses / Tidak")
    AnswerOption.objects.bulk_create(
        AnswerOption(scale=scale, label=label, score=Decimal(score), order=i)
        for i, (label, score) in enumerate((("Ada", 100), ("Proses", 50), ("Tidak", 0)))
    )
    criteria = Criterion.objects.bulk_create(
        Criterion(instrument=instrument, code=f"K{c + 1}", name=f"Kriteria {c + 1}", weight=Decimal(1), order=c)
        for c in range(CRITERIA)
    )
    per = indicators // CRITERIA
    rows = Indicator.objects.bulk_create(
        Indicator(
            instrument=instrument,
            criterion=criterion,
            code=f"{criterion.code}.{i + 1:02d}",
            question=f"Pertanyaan {criterion.code}.{i + 1:02d}: tersedia sarana bagi kelompok rentan?",
            scale=scale,
            order=i,
            evidence_kinds=["pdf"],
        )
        for criterion in criteria
        for i in range(per + (1 if criterion.order < indicators % CRITERIA else 0))
    )
    return instrument, rows


def _scores(rng: random.Random, quality: float, codes: list[str]) -> dict[str, str]:
    """Each indicator 100 / 50 / 0 (a few not applicable), more often 100 the better the unit."""
    out = {}
    for code in codes:
        draw = rng.random()
        if draw < 0.02:
            out[code] = "not_applicable"
        elif draw < quality:
            out[code] = "100.00"
        elif draw < quality + (1 - quality) * 0.6:
            out[code] = "50.00"
        else:
            out[code] = "0.00"
    return out


def _breakdown(rng: random.Random, scores: dict[str, str], by_criterion: dict[str, list[str]]) -> dict[str, Any]:
    criteria = []
    values = []
    for code, codes in by_criterion.items():
        applicable = [Decimal(scores[c]) for c in codes if scores[c] != "not_applicable"]
        score = _q(sum(applicable, Decimal(0)) / len(applicable)) if applicable else None
        if score is not None:
            values.append(score)
        criteria.append(
            {
                "code": code,
                "name": f"Kriteria {code[1:]}",
                "weight": "1",
                "score": None if score is None else str(score),
                "share": None if score is None else str(_q(score / CRITERIA)),
                "indicators": [
                    {
                        "code": c,
                        "weight": "1",
                        "score": None if scores[c] == "not_applicable" else scores[c],
                        "status": "not_applicable" if scores[c] == "not_applicable" else "scored",
                        "mandatory": False,
                        "failed_mandatory": False,
                    }
                    for c in codes
                ],
            }
        )
    base = _q(sum(values, Decimal(0)) / len(values)) if values else Decimal(0)
    bonus = Decimal(rng.choice((0, 0, 0, 2.5, 5)))
    penalty = Decimal(rng.choice((0, 0, 0, 0, 0, 0, 5, 10)))
    total = max(Decimal(0), min(Decimal(100), base + bonus - penalty))
    return {
        "total": str(_q(total)),
        "base_total": str(base),
        "bonus": str(_q(bonus)),
        "penalty": str(_q(penalty)),
        "predicate": total >= 80,
        "decided_by": "total",
        "failed_mandatory": [],
        "below_threshold": total < 80,
        "threshold": "80.00",
        "bonus_cap": "10.00",
        "penalty_cap": "20.00",
        "criteria": criteria,
        "adjustments": [],
        "veto": None,
        "note": "",
    }


def _assessments(
    *,
    rng: random.Random,
    period: Any,
    instrument: Any,
    indicators: list[Any],
    units: list[Any],
    statuses: Mapping[int, str],
    actor: Any,
    determination: Any,
    verifiers: list[Any],
) -> dict[str, int]:
    """This period's assessments of ``units`` in bulk, with panel's results, results and their ranks."""
    from p2ham.assessments.models import Assessment, StatusChange
    from p2ham.results.models import Result
    from p2ham.results.ranking import RankInput, rank
    from p2ham.reviews.models import PanelResult, VerifierAssignment

    S = Assessment.Status
    codes = [i.code for i in indicators]
    by_criterion: dict[str, list[str]] = {}
    for i in indicators:
        by_criterion.setdefault(i.code.split(".")[0], []).append(i.code)
    now = dt.datetime.now(dt.UTC)
    submitted = now - dt.timedelta(days=60)
    counts: dict[str, int] = {}
    frozen: list[tuple[Any, dict[str, Any], dict[str, str]]] = []
    for start in range(0, len(units), BATCH):
        chunk = units[start : start + BATCH]
        made = Assessment.objects.bulk_create(
            Assessment(
                period=period,
                unit=u,
                instrument=None if statuses[u.pk] == S.NOT_ELIGIBLE else instrument,
                status=statuses[u.pk],
                submitted_at=None
                if statuses[u.pk] in (S.DRAFT, S.NOT_ELIGIBLE)
                else submitted + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 20)),
            )
            for u in chunk
        )
        panels = []
        waiting = []
        for a in made:
            counts[a.status] = counts.get(a.status, 0) + 1
            if a.status in (S.SCORED, S.DETERMINED):
                scores = _scores(rng, min(0.97, max(0.3, rng.gauss(0.78, 0.12))), codes)
                breakdown = _breakdown(rng, scores, by_criterion)
                panels.append(
                    PanelResult(
                        assessment=a,
                        total=Decimal(breakdown["total"]),
                        predicate=breakdown["predicate"],
                        breakdown=breakdown,
                        scores=scores,
                        scored_by=actor,
                        scored_at=now - dt.timedelta(days=20),
                    )
                )
                if a.status == S.DETERMINED:
                    frozen.append((a, breakdown, scores))
            elif a.status in (S.IN_VERIFICATION, S.RETURNED):
                waiting.append(a)
        PanelResult.objects.bulk_create(panels)
        VerifierAssignment.objects.bulk_create(
            VerifierAssignment(assessment=a, verifier=rng.choice(verifiers), assigned_by=actor) for a in waiting
        )
        StatusChange.objects.bulk_create(
            StatusChange(assessment=a, from_status=S.IN_KANWIL_REVIEW, to_status=a.status, actor=actor) for a in waiting
        )
    StatusChange.objects.filter(assessment__period=period).update(created_at=now - dt.timedelta(days=9))
    if determination is not None and frozen:
        unit_of = {u.pk: u for u in units}
        inputs = []
        for a, b, scores in frozen:
            u = unit_of[a.unit_id]
            inputs.append(
                RankInput(
                    key=a.pk,
                    cohort=u.unit_type.cohort,
                    province=u.province_id,
                    total=Decimal(b["total"]),
                    base_total=Decimal(b["base_total"]),
                    full_count=sum(1 for v in scores.values() if v == "100.00"),
                    submitted_at=a.submitted_at,
                    unit_code=u.code,
                )
            )
        ranks = rank(inputs)
        for start in range(0, len(frozen), BATCH):
            Result.objects.bulk_create(
                Result(
                    assessment=a,
                    determination=determination,
                    period=period,
                    unit_id=a.unit_id,
                    province_id=unit_of[a.unit_id].province_id,
                    unit_type_id=unit_of[a.unit_id].unit_type_id,
                    cohort=unit_of[a.unit_id].unit_type.cohort,
                    total=Decimal(b["total"]),
                    base_total=Decimal(b["base_total"]),
                    full_count=sum(1 for v in scores.values() if v == "100.00"),
                    predicate=b["predicate"],
                    rank=ranks[a.pk][0],
                    province_rank=ranks[a.pk][1],
                    breakdown=b,
                    scores=scores,
                    determined_at=now - dt.timedelta(days=10),
                )
                for a, b, scores in frozen[start : start + BATCH]
            )
    return counts


def generate(*, units: int = 5000, indicators: int = 60, year: int = 2025, seed: int = 2025) -> dict[str, Any]:
    """Fill the connected database; returns what was made (counts and timings)."""
    from django.db import transaction

    from p2ham.accounts.models import Role, RoleAssignment, User
    from p2ham.assessments.models import Assessment
    from p2ham.declarations.models import Declaration, DeclarationUnit
    from p2ham.organizations.models import Institution, Province, Unit, UnitType
    from p2ham.periods.models import Period
    from p2ham.results.models import Determination

    S = Assessment.Status
    started = time.perf_counter()
    rng = random.Random(seed)
    with transaction.atomic():
        provinces = list(Province.objects.order_by("code"))
        types = {t.code: t for t in UnitType.objects.all()}
        ditjen = User.objects.create(username="bench_ditjen", full_name="Ditjen Uji", password="!")
        RoleAssignment.objects.create(user=ditjen, role=Role.DITJEN)
        verifiers = User.objects.bulk_create(
            User(username=f"bench_verifier_{i:02d}", full_name=f"Verifikator Uji {i:02d}", password="!")
            for i in range(12)
        )
        RoleAssignment.objects.bulk_create(RoleAssignment(user=v, role=Role.VERIFIKATOR) for v in verifiers)
        institution = Institution.objects.create(code="BENCH", name="Kementerian Uji", kind=Institution.Kind.KL)
        root = Unit.objects.create(
            code="BENCH-ROOT", name="Kementerian Uji", unit_type=types["kementerian"], institution=institution,
            province=provinces[0],
        )  # fmt: skip
        kanwils = Unit.objects.bulk_create(
            Unit(
                code=f"BENCH-KANWIL-{p.code}",
                name=f"Kanwil Uji {p.name}",
                unit_type=types["kanwil"],
                institution=institution,
                province=p,
                parent=root,
            )
            for p in provinces
        )
        upts = Unit.objects.bulk_create(
            (
                Unit(
                    code=f"BENCH-{i:05d}",
                    name=f"{types[kind].name.split(' (')[0]} Uji {i:05d}",
                    unit_type=types[kind],
                    institution=institution,
                    province=kanwil.province,
                    parent=kanwil,
                )
                for i in range(max(0, units - len(kanwils)))
                for kanwil, kind in [(rng.choice(kanwils), rng.choice(UPT_TYPES))]
            ),
            batch_size=BATCH,
        )
        root.path, root.depth = f"/{root.pk}/", 0
        for k in kanwils:
            k.path, k.depth = f"{root.path}{k.pk}/", 1
        by_pk = {k.pk: k for k in kanwils}
        for u in upts:
            u.path, u.depth = f"{by_pk[u.parent_id or 0].path}{u.pk}/", 2
        Unit.objects.bulk_update([root, *kanwils, *upts], ["path", "depth"], batch_size=BATCH)
        assessed = [*kanwils, *upts]
        used_types = [types[c] for c in ("kanwil", *UPT_TYPES)]
        built = time.perf_counter()

        summary: dict[str, Any] = {"units": len(assessed), "indicators": indicators}
        open_exists = Period.objects.filter(status=Period.Status.OPEN).exists()
        for offset, status_mix in ((1, False), (0, True)):
            period = Period.objects.create(
                year=year - offset,
                regulation_label="Permenkumham 25/2023",
                status=Period.Status.OPEN if not offset and not open_exists else Period.Status.CLOSED,
            )
            instrument, rows = _instrument(period, ditjen, used_types, indicators)
            for kanwil in kanwils:
                declaration = Declaration.objects.create(
                    period=period,
                    requester_unit=kanwil,
                    created_by=ditjen,
                    status=Declaration.Status.COMPLETED,
                    planned_date=dt.date(period.year, 3, 1),
                    planned_venue="Aula",
                    declarer_name="Kepala Kanwil",
                    declarer_position="Kepala Kantor Wilayah",
                )
                kanwil.declaration = declaration  # type: ignore[attr-defined]
            DeclarationUnit.objects.bulk_create(
                (
                    DeclarationUnit(
                        declaration=by_pk[u.parent_id if u.parent_id in by_pk else u.pk].declaration,  # type: ignore[attr-defined]
                        unit=u,
                        period=period,
                        verification_code=f"B{period.year % 100:02d}{n:010d}",
                    )
                    for n, u in enumerate(assessed)
                ),
                batch_size=BATCH,
            )
            statuses = {}
            for u in assessed:
                status = S.DETERMINED
                if status_mix:
                    draw = rng.random()
                    for name, share in STATUS_SHARES:
                        if draw < share:
                            status = S(name)
                            break
                        draw -= share
                statuses[u.pk] = status
            determination = Determination.objects.create(
                period=period,
                decree_number=f"M.HH-UJI.{period.year}",
                decree_date=dt.date(period.year, 12, 3),
                signatory_name="Menteri Uji",
                signatory_title="Menteri Hak Asasi Manusia",
                determined_by=ditjen,
                determined_at=dt.datetime(period.year, 12, 3, 9, tzinfo=dt.UTC),
            )
            counts = _assessments(
                rng=rng,
                period=period,
                instrument=instrument,
                indicators=rows,
                units=assessed,
                statuses=statuses,
                actor=ditjen,
                determination=determination,
                verifiers=verifiers,
            )
            summary[f"statuses_{period.year}"] = counts
    summary["seconds_units"] = built - started
    summary["seconds_total"] = time.perf_counter() - started
    summary["year"] = year
    summary["ditjen"] = "bench_ditjen"
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--indicators", type=int, default=60)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--postgres", help="create this PostgreSQL database afresh, migrate it and fill it")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if args.postgres:
        database_create(args.postgres)
        os.environ["DATABASE_URL"] = args.postgres
    import django

    django.setup()
    from django.core.management import call_command

    if args.postgres:
        call_command("migrate", verbosity=0)
    summary = generate(units=args.units, indicators=args.indicators, year=args.year)
    print(summary)


if __name__ == "__main__":
    main()
