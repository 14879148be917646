"""Review screens benchmark: do the verification and panel pages cost the same for 10 indicators as for 60?

Builds, in a fresh SQLite database, an instrument of 10 indicators and one of 60 (the builders of
``p2ham/assessments/tests/test_page_queries.py``) and, for each size, two assessments filled in through the
services (two evidence files per indicator):

* one *in verification*, in its second round: a verifier assigned, every indicator accepted but two marked
  "needs repair", returned to the unit, one of the two repaired and the repairs resubmitted by the head;
* one *in the panel*: verified, a panel of three assessors (the first chairs) who all scored every indicator
  (the second disagreeing on some) and submitted.

Then, through the test client, measures the verification page GET and one verdict save (htmx) as the verifier,
one panel score save (htmx) as the third assessor (before they submit: a submitted score can no longer change),
and, once all three have submitted, the panel page GET as the chair and one moderation save (htmx) by the
chair. Prints the queries and median time of each, as a ratio of a bare Django view. Asserts nothing.
Usage: ``python bench/review_queries.py``.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="p2ham-bench-rq-")
atexit.register(shutil.rmtree, _tmp, ignore_errors=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ["DATABASE_URL"] = f"sqlite:///{_tmp}/bench.sqlite3"
os.environ["P2HAM_VAR_DIR"] = _tmp

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

settings.ROOT_URLCONF = "bench.urls"
settings.ALLOWED_HOSTS = ["testserver"]

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
SIZES = (10, 60)
HTMX = {"HX-Request": "true"}
HTMX_VERIFICATION = {"HX-Request": "true", "HX-Target": "verification-main"}
PASSWORD = "Rahasia-Kuat-2026"


def median_ms(fn: Callable[[Any], object], repeat: int = REPEAT, prepare: Callable[[], Any] = lambda: None) -> float:
    """Median milliseconds of ``fn(prepare())`` after a warm-up call; ``prepare`` runs untimed."""
    fn(prepare())
    samples = []
    for _ in range(repeat):
        arg = prepare()
        start = time.perf_counter()
        fn(arg)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def queries_of(fn: Callable[[], Any]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return len(captured), result


@dataclass
class Built:
    """One size: the assessment in verification (round 2) and its verifier; the one in the panel and its panel
    (chair first; the last has scored but not submitted yet)."""

    verification: Any
    verifier: Any
    panel_assessment: Any
    panel: list[Any]


def _verify_all(assessment: Any, verifier: Any) -> None:
    from p2ham.reviews import selectors, services
    from p2ham.reviews.models import Verdict

    for row in selectors.verification_page(assessment=assessment).rows:
        services.verification_save(
            actor=verifier,
            assessment=assessment,
            indicator_code=row.indicator.code,
            verdict=Verdict.ACCEPTED,
            option_id=row.answer.option_id if row.answer else None,
        )


def _submitted_and_forwarded(assessment: Any, *, kepala: Any, kanwil: Any, ditjen: Any, verifier: Any) -> Any:
    from p2ham.assessments import services as assessment_services
    from p2ham.reviews import services

    assessment_services.assessment_submit(actor=kepala, assessment=assessment)
    assessment.refresh_from_db()
    assessment_services.assessment_forward(actor=kanwil, assessment=assessment)
    assessment.refresh_from_db()
    services.verifier_assign(actor=ditjen, assessment=assessment, verifier=verifier)
    assessment.refresh_from_db()
    return assessment


def _in_a_second_round(assessment: Any, *, operator: Any, kepala: Any, verifier: Any) -> Any:
    """Every indicator accepted but the first two (needs repair), returned, the first repaired, resubmitted."""
    from p2ham.assessments import services as assessment_services
    from p2ham.reviews import selectors, services
    from p2ham.reviews.models import Verdict

    _verify_all(assessment, verifier)
    rows = selectors.verification_page(assessment=assessment).rows
    for row in rows[:2]:
        services.verification_save(
            actor=verifier,
            assessment=assessment,
            indicator_code=row.indicator.code,
            verdict=Verdict.NEEDS_REPAIR,
            reason_code="bukti-tidak-lengkap",
            note="Lengkapi.",
        )
    services.verification_return(
        actor=verifier, assessment=assessment, due_date=timezone.localdate() + dt.timedelta(days=7)
    )
    assessment.refresh_from_db()
    first = rows[0]
    assessment_services.answer_save(
        actor=operator,
        assessment=assessment,
        indicator_code=first.indicator.code,
        option_id=first.answer.option_id if first.answer else None,
        note="Sudah dilengkapi.",
    )
    services.verification_resubmit(actor=kepala, assessment=assessment)
    assessment.refresh_from_db()
    return assessment


def _score_all(assessment: Any, person: Any, *, low: bool) -> None:
    """Score every indicator with the first answer; ``low``: the last answer on the codes ending in 1."""
    from p2ham.reviews import services_panel

    for indicator in assessment.instrument.indicators.select_related("scale").order_by("code"):
        options = list(indicator.scale.options.order_by("order"))
        pick = options[-1] if low and indicator.code.endswith("1") else options[0]
        services_panel.panel_score_save(
            actor=person, assessment=assessment, indicator_code=indicator.code, option_id=pick.pk, note="Catatan."
        )


def _in_panel(assessment: Any, *, verifier: Any, ditjen: Any, panel: list[Any]) -> Any:
    """Verified (all accepted), a panel of three seated (the first chairs), all scored, all but the last submitted."""
    from p2ham.reviews import services, services_panel

    _verify_all(assessment, verifier)
    services.verification_complete(actor=verifier, assessment=assessment)
    assessment.refresh_from_db()
    services.panel_assign(actor=ditjen, assessment=assessment, assessor=panel[0], chair=True)
    for person in panel[1:]:
        services.panel_assign(actor=ditjen, assessment=assessment, assessor=person)
    assessment.refresh_from_db()
    for index, person in enumerate(panel):
        _score_all(assessment, person, low=index == 1)
        if person is not panel[-1]:
            services_panel.panel_submit(actor=person, assessment=assessment)
    return assessment


def build() -> dict[int, Built]:
    """Four units under one Kanwil: for each size one assessment in verification and one in the panel."""
    from p2ham.accounts.models import Role, RoleAssignment, User
    from p2ham.assessments.tests.test_page_queries import filled_assessment, open_period_with, sized_tree
    from p2ham.organizations.models import Institution, Province, UnitType
    from p2ham.organizations.services import unit_save

    province = Province.objects.get(code="81")
    types = {t.code: t for t in UnitType.objects.all()}
    institution = Institution.objects.create(code="BENCH", name="Instansi Uji", kind=Institution.Kind.KL)
    kanwil_unit = unit_save(
        actor=None,
        code="BENCH-KANWIL",
        name="Kanwil Uji",
        unit_type=types["kanwil"],
        institution=institution,
        province=province,
    )

    def unit(stage: str, size: int) -> Any:
        kind = "lapas" if size == SIZES[0] else "rutan"
        return unit_save(
            actor=None,
            code=f"BENCH-{stage}{size}",
            name=f"{kind.title()} Uji {stage}{size}",
            unit_type=types[kind],
            institution=institution,
            province=province,
            parent=kanwil_unit,
        )

    def person(username: str, role: Role, on: Any = None) -> Any:
        user = User.objects.create_user(username=username, password=PASSWORD, full_name=username.title())
        RoleAssignment.objects.create(user=user, role=role, unit=on)
        return user

    admin, ditjen = person("admin", Role.ADMIN), person("ditjen", Role.DITJEN)
    kanwil = person("kanwil", Role.KANWIL, kanwil_unit)
    verifier = person("verifikator", Role.VERIFIKATOR)
    panel = [person("penilai_ketua", Role.PENILAI), person("penilai_satu", Role.PENILAI)]
    panel.append(person("penilai_dua", Role.PENILAI))
    period = open_period_with(
        actor=admin, trees=[sized_tree("kecil", "lapas", SIZES[0]), sized_tree("besar", "rutan", SIZES[1])]
    )
    built = {}
    for size in SIZES:
        assessments = {}
        for stage in ("V", "P"):
            where = unit(stage, size)
            operator = person(f"operator_{stage.lower()}{size}", Role.OPERATOR, where)
            kepala = person(f"kepala_{stage.lower()}{size}", Role.KEPALA_UNIT, where)
            assessment = filled_assessment(period=period, unit=where, operator=operator, ditjen=ditjen)
            assessment = _submitted_and_forwarded(
                assessment, kepala=kepala, kanwil=kanwil, ditjen=ditjen, verifier=verifier
            )
            if stage == "V":
                assessments[stage] = _in_a_second_round(assessment, operator=operator, kepala=kepala, verifier=verifier)
            else:
                assessments[stage] = _in_panel(assessment, verifier=verifier, ditjen=ditjen, panel=panel)
        built[size] = Built(assessments["V"], verifier, assessments["P"], panel)
    return built


Row = tuple[str, float, int, int]  # case, median ms, queries, HTTP status (200 also stands for "as expected")


def _cycling(get_version: Callable[[], int], options: list[Any], **fields: Any) -> Callable[[], dict[str, Any]]:
    """Form data that moves to the next answer each time (always a real write), with the current version."""
    turn = iter(range(1, 10**6))

    def data() -> dict[str, Any]:
        return {"option": options[next(turn) % len(options)].pk, "version": get_version(), **fields}

    return data


def _post_case(
    client: Client, label: str, url: str, prepare: Callable[[], dict[str, Any]], headers: dict[str, str]
) -> Row:
    def post(data: dict[str, Any]) -> Any:
        return client.post(url, data, headers=headers)

    ms = median_ms(post, prepare=prepare)
    queries, response = queries_of(partial(post, prepare()))
    return label, ms, queries, response.status_code


def measure_verification(client: Client, size: int, built: Built) -> list[Row]:
    """The verification page (on the repaired indicator: the round's change and a PDF inline) and one verdict."""
    from p2ham.reviews import selectors
    from p2ham.reviews.models import Verdict, Verification

    assessment = built.verification
    client.force_login(built.verifier)
    year, code = assessment.period.year, assessment.unit.code
    rows = selectors.verification_page(assessment=assessment).rows
    url = reverse("verification:page", args=[year, code]) + f"?i={rows[0].indicator.code}"

    def get_page(_: object = None) -> Any:
        return client.get(url)

    page_q, response = queries_of(get_page)
    result: list[Row] = [
        (f"verification page GET, {size} ind., round 2", median_ms(get_page), page_q, response.status_code)
    ]

    row = rows[2]  # an accepted indicator: each save accepts it with another answer
    indicator = row.indicator.code
    options = list(row.indicator.scale.options.order_by("order"))

    def version() -> int:
        return Verification.objects.get(assessment=assessment, indicator_code=indicator).version

    save_url = reverse("verification:save", args=[year, code, indicator])
    prepare = _cycling(version, options, verdict=Verdict.ACCEPTED, note="")
    label = f"verdict save POST, htmx, {size} indicators"
    result.append(_post_case(client, label, save_url, prepare, HTMX_VERIFICATION))
    return result


def measure_panel(client: Client, size: int, built: Built) -> list[Row]:
    """One score saved by the third assessor; they submit; the chair's page and one moderation."""
    from p2ham.reviews import services_panel
    from p2ham.reviews.models import ModeratedScore, PanelScore

    assessment, panel = built.panel_assessment, built.panel
    year, code = assessment.period.year, assessment.unit.code
    indicator = assessment.instrument.indicators.select_related("scale").order_by("code").first()
    options = list(indicator.scale.options.order_by("order"))
    result: list[Row] = []

    last = panel[-1]
    client.force_login(last)

    def score_version() -> int:
        score = PanelScore.objects.get(
            assignment__assessment=assessment, assignment__assessor=last, indicator_code=indicator.code
        )
        return score.version

    score_url = reverse("panel:score", args=[year, code, indicator.code])
    prepare = _cycling(score_version, options, note="Diubah.")
    label = f"panel score save POST, htmx, {size} ind."
    result.append(_post_case(client, label, score_url, prepare, HTMX))

    services_panel.panel_submit(actor=last, assessment=assessment)  # now all three have submitted

    chair = panel[0]
    client.force_login(chair)
    page_url = reverse("panel:page", args=[year, code])

    def get_page(_: object = None) -> Any:
        return client.get(page_url)

    page_q, response = queries_of(get_page)
    label = f"panel page GET, chair, {size} ind., 3 submitted"
    result.append((label, median_ms(get_page), page_q, response.status_code))

    def moderated_version() -> int:
        current = ModeratedScore.objects.filter(assessment=assessment, indicator_code=indicator.code).first()
        return current.version if current else 0

    moderate_url = reverse("panel:moderate", args=[year, code, indicator.code])
    prepare = _cycling(moderated_version, options, note="Nilai akhir ketua.")
    label = f"moderation save POST, htmx, chair, {size} ind."
    result.append(_post_case(client, label, moderate_url, prepare, HTMX))
    return result


def main() -> None:
    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    built = build()
    setup_s = time.perf_counter() - start

    client = Client()

    def bare(_: object = None) -> Any:
        return client.get("/bench/bare")

    bare_ms = median_ms(bare)
    bare_q, _ = queries_of(bare)
    print(
        f"Review screens benchmark — SQLite, median of {REPEAT} requests (setup {setup_s:.0f} s); "
        f"2 files per indicator, verification in round 2, panel of 3"
    )
    print(f"{'case':<50} {'median ms':>10} {'ratio':>8} {'queries':>8}")
    print(f"{'bare Django view (the limit)':<50} {bare_ms:>10.2f} {1.0:>8.1f} {bare_q:>8}")
    results: dict[int, list[Row]] = {}
    for size, one in built.items():
        results[size] = measure_verification(client, size, one) + measure_panel(client, size, one)
    for rows in results.values():
        for label, ms, queries, status in rows:
            note = "" if status == 200 else f"  (HTTP {status})"
            print(f"{label:<50} {ms:>10.2f} {ms / bare_ms:>8.1f} {queries:>8}{note}")
    print(f"\n{SIZES[1]} vs {SIZES[0]} indicators:")
    for small, large in zip(results[SIZES[0]], results[SIZES[1]], strict=True):
        case = small[0].split(",")[0]
        same = "same" if small[2] == large[2] else "DIFFERENT"
        print(f"  {case:<32} time x{large[1] / small[1]:.1f}, queries {small[2]} → {large[2]} ({same})")


if __name__ == "__main__":
    main()
