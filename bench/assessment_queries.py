"""Assessment page benchmark: does the self-assessment page cost the same for 10 indicators as for 60?

Builds, in a fresh SQLite database, an instrument of 10 indicators and one of 60 (the builders of
``p2ham/assessments/tests/test_page_queries.py``), one assessment for each with every indicator answered
and two evidence files per indicator (120 files for 60), then GETs each page through the test client.
Prints the queries and median time of the page, of one answer save (htmx and plain) and of one small
upload, each as a ratio of a bare Django view. Asserts nothing. Usage: ``python bench/assessment_queries.py``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="p2ham-bench-aq-")
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

settings.ROOT_URLCONF = "bench.urls"
settings.ALLOWED_HOSTS = ["testserver"]

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
SIZES = (10, 60)
HTMX = {"HX-Request": "true"}


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


def build() -> dict[int, tuple[Any, Any]]:
    """The two assessments and their operators (two units under one Kanwil)."""
    from p2ham.accounts.models import Role, RoleAssignment, User
    from p2ham.assessments.tests.test_page_queries import filled_assessment, open_period_with, sized_tree
    from p2ham.organizations.models import Institution, Province, UnitType
    from p2ham.organizations.services import unit_save

    province = Province.objects.get(code="81")
    types = {t.code: t for t in UnitType.objects.all()}
    institution = Institution.objects.create(code="BENCH", name="Instansi Uji", kind=Institution.Kind.KL)
    kanwil = unit_save(
        actor=None,
        code="BENCH-KANWIL",
        name="Kanwil Uji",
        unit_type=types["kanwil"],
        institution=institution,
        province=province,
    )
    units = {
        size: unit_save(
            actor=None,
            code=f"BENCH-{size}",
            name=f"Lapas Uji {size}" if size == 10 else f"Rutan Uji {size}",
            unit_type=types["lapas" if size == 10 else "rutan"],
            institution=institution,
            province=province,
            parent=kanwil,
        )
        for size in SIZES
    }

    def person(username: str, role: Role, unit: Any = None) -> Any:
        user = User.objects.create_user(username=username, password="Rahasia-Kuat-2026", full_name=username.title())
        RoleAssignment.objects.create(user=user, role=role, unit=unit)
        return user

    admin, ditjen = person("admin", Role.ADMIN), person("ditjen", Role.DITJEN)
    period = open_period_with(
        actor=admin, trees=[sized_tree("kecil", "lapas", SIZES[0]), sized_tree("besar", "rutan", SIZES[1])]
    )
    built = {}
    for size in SIZES:
        operator = person(f"operator{size}", Role.OPERATOR, units[size])
        assessment = filled_assessment(period=period, unit=units[size], operator=operator, ditjen=ditjen)
        built[size] = (assessment, operator)
    return built


Row = tuple[str, float, int, int]  # case, median ms, queries, HTTP status (200 also stands for "as expected")


def measure(client: Client, size: int, assessment: Any, operator: Any) -> list[Row]:
    """The page, one answer save (htmx, and plain) and one small upload of one assessment."""
    from p2ham.assessments.models import Evidence
    from p2ham.assessments.tests.test_page_queries import pdf_file, save_data

    client.force_login(operator)
    year, code = assessment.period.year, assessment.unit.code
    rows: list[Row] = []

    page = reverse("assessments:page", args=[year, code])
    files = Evidence.objects.filter(answer__assessment=assessment).count()

    def get_page(_: object = None) -> Any:
        return client.get(page)

    page_q, response = queries_of(get_page)
    rows.append((f"page GET, {size} indicators, {files} files", median_ms(get_page), page_q, response.status_code))

    answer_url = reverse("assessments:answer", args=[year, code, "K2.01"])
    turn = iter(range(10**6))

    def next_save() -> dict[str, Any]:
        return save_data(assessment, "K2.01", option_index=next(turn) % 3)  # always a change: a real write

    for label, headers, expected in [("htmx", HTMX, 200), ("plain → 302", {}, 302)]:

        def save(data: dict[str, Any], headers: dict[str, str] = headers) -> Any:
            return client.post(answer_url, data, headers=headers)

        save_ms = median_ms(save, prepare=next_save)
        save_q, response = queries_of(partial(save, next_save()))
        status = 200 if response.status_code == expected else response.status_code
        rows.append((f"answer save POST, {label}, {size} indicators", save_ms, save_q, status))

    # Uploads go to one indicator: at most 20 current files each (2 already there, so 17 more).
    upload_url = reverse("assessments:evidence_upload", args=[year, code, "K1.01"])
    uploads = iter(range(10**6))

    def next_file() -> dict[str, Any]:
        return {"file": pdf_file("tambahan.pdf", f"extra/{size}/{next(uploads)}")}

    def upload(data: dict[str, Any]) -> Any:
        return client.post(upload_url, data, headers=HTMX)

    upload_ms = median_ms(upload, repeat=min(REPEAT, 15), prepare=next_file)
    upload_q, response = queries_of(partial(upload, next_file()))
    rows.append((f"evidence upload POST, htmx, small PDF, {size} ind.", upload_ms, upload_q, response.status_code))
    return rows


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
        f"Assessment page benchmark — SQLite, median of {REPEAT} requests (setup {setup_s:.0f} s); "
        f"every indicator answered, 2 files each"
    )
    print(f"{'case':<50} {'median ms':>10} {'ratio':>8} {'queries':>8}")
    print(f"{'bare Django view (the limit)':<50} {bare_ms:>10.2f} {1.0:>8.1f} {bare_q:>8}")
    results = {size: measure(client, size, assessment, operator) for size, (assessment, operator) in built.items()}
    for rows in results.values():
        for label, ms, queries, status in rows:
            note = "" if status == 200 else f"  (HTTP {status})"
            print(f"{label:<50} {ms:>10.2f} {ms / bare_ms:>8.1f} {queries:>8}{note}")
    (_, small_ms, small_q, _), (_, large_ms, large_q, _) = results[SIZES[0]][0], results[SIZES[1]][0]
    print(
        f"\npage {SIZES[1]} vs {SIZES[0]} indicators: time x{large_ms / small_ms:.1f}, "
        f"queries {small_q} → {large_q} ({'same' if small_q == large_q else 'DIFFERENT'})"
    )


if __name__ == "__main__":
    main()
