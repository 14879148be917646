"""Results at national scale: the dashboard, the ranking and the full export on 5,000 units × 60 indicators.

In a throwaway PostgreSQL database (``BENCH_POSTGRES_URL``, default ``postgres://postgres@127.0.0.1:5432/
p2ham_bench``, dropped and created afresh, dropped again at the end unless ``--keep``) ``bench/results_data.py``
makes two determined years. Then, as Ditjen HAM through the test client:

* the national dashboard ``laporan/<year>/`` and the ranking page ``hasil/<year>/`` (median of ``--repeat``),
  each as a ratio of ONE hand-written SQL aggregate over the same rows (results per province, joined to their
  units: count and mean total) — limit 2×; also, for the dashboard, the ratio to hand-written SQL computing the
  same figures it shows (funnel, histogram, weakest indicators, the year-over-year page, in one statement);
* the full Excel export, run in a child process like a task worker: its time and the child's peak memory
  (``getrusage(RUSAGE_CHILDREN).ru_maxrss``, read by a small launcher process, see ``LAUNCHER``) — limit 200 MB.

Each line says OK or OVER. Usage: ``python bench/results_bench.py [--units 5000] [--repeat 7] [--keep]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/p2ham_bench"
RATIO_LIMIT = 2.0
RSS_LIMIT_MB = 200


def _environment(url: str, tmp: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings_test"  # fast hashing, in-memory files, tasks in place
    os.environ["DATABASE_URL"] = url
    os.environ["P2HAM_VAR_DIR"] = tmp


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def verdict(value: float, limit: float) -> str:
    return "OK" if value <= limit else "OVER"


# The reference: one aggregate over the year's results, written by hand.
PROVINCE_SQL = """
SELECT u.province_id, count(*), avg(r.total)
FROM results_result r JOIN organizations_unit u ON u.id = r.unit_id
WHERE r.period_id = %s
GROUP BY u.province_id
"""

# The ranking page's own figures written by hand: the ranking rule as window functions over the same rows
# (rank in cohort and in province, the count and the awarded count), and the first page of it (50 rows).
RANKING_SQL = """
SELECT * FROM (
  SELECT r.cohort, u.code, u.name, p.name AS province, r.total, r.base_total, r.full_count, r.predicate,
         rank() OVER (PARTITION BY r.cohort
                      ORDER BY r.total DESC, r.base_total DESC, r.full_count DESC, a.submitted_at, u.code) AS rnk,
         rank() OVER (PARTITION BY r.cohort, u.province_id
                      ORDER BY r.total DESC, r.base_total DESC, r.full_count DESC, a.submitted_at, u.code) AS prov,
         count(*) OVER () AS matching,
         count(*) FILTER (WHERE r.predicate AND r.revoked_at IS NULL) OVER () AS awarded
  FROM results_result r
  JOIN organizations_unit u ON u.id = r.unit_id
  JOIN organizations_province p ON p.id = u.province_id
  JOIN assessments_assessment a ON a.id = r.assessment_id
  WHERE r.period_id = %s
) ranked ORDER BY cohort, rnk LIMIT 50
"""

# The dashboard's own figures (funnel per province, histogram, weakest indicators, the first page of the
# year-over-year table and its count) in one hand-written statement.
SAME_FIGURES_SQL = """
WITH declared AS (
  SELECT u.province_id, count(DISTINCT du.unit_id) AS n
  FROM declarations_declarationunit du
  JOIN declarations_declaration d ON d.id = du.declaration_id
  JOIN organizations_unit u ON u.id = du.unit_id
  WHERE du.period_id = %(p)s AND du.active AND d.status = 'completed'
  GROUP BY u.province_id
), steps AS (
  SELECT u.province_id,
         count(*) FILTER (WHERE a.status NOT IN ('not_eligible', 'withdrawn')) AS eligible,
         count(*) FILTER (WHERE a.status NOT IN ('draft', 'not_eligible', 'withdrawn')) AS submitted,
         count(*) FILTER (WHERE a.status IN ('verified', 'in_panel', 'scored', 'determined')) AS verified,
         count(*) FILTER (WHERE a.status IN ('scored', 'determined')) AS scored
  FROM assessments_assessment a JOIN organizations_unit u ON u.id = a.unit_id
  WHERE a.period_id = %(p)s
  GROUP BY u.province_id
), awarded AS (
  SELECT u.province_id, count(*) AS n
  FROM results_result r JOIN organizations_unit u ON u.id = r.unit_id
  WHERE r.period_id = %(p)s AND r.predicate AND r.revoked_at IS NULL
  GROUP BY u.province_id
), scored AS (
  SELECT r.assessment_id, r.total, r.scores FROM results_result r WHERE r.period_id = %(p)s
  UNION ALL
  SELECT pr.assessment_id, pr.total, pr.scores FROM reviews_panelresult pr
  JOIN assessments_assessment a ON a.id = pr.assessment_id
  WHERE a.period_id = %(p)s AND a.status = 'scored'
    AND NOT EXISTS (SELECT 1 FROM results_result r WHERE r.assessment_id = a.id)
), histogram AS (
  SELECT least(floor(total / 10), 9) AS bin, count(*) AS n FROM scored GROUP BY 1
), weakest AS (
  SELECT a.instrument_id, kv.key AS code, avg(kv.value::float8) AS mean, count(*) AS n,
         count(*) FILTER (WHERE kv.value::float8 < 100) AS below
  FROM scored s JOIN assessments_assessment a ON a.id = s.assessment_id
  CROSS JOIN LATERAL jsonb_each_text(s.scores) kv
  WHERE kv.value <> 'not_applicable'
  GROUP BY 1, 2 ORDER BY mean LIMIT 10
), yoy AS (
  SELECT u.id, u.name, coalesce(r1.total, p1.total) AS this_total, coalesce(r0.total, p0.total) AS last_total
  FROM organizations_unit u
  LEFT JOIN assessments_assessment a1 ON a1.unit_id = u.id AND a1.period_id = %(p)s
  LEFT JOIN results_result r1 ON r1.assessment_id = a1.id
  LEFT JOIN reviews_panelresult p1 ON p1.assessment_id = a1.id
  LEFT JOIN assessments_assessment a0 ON a0.unit_id = u.id AND a0.period_id = %(last)s
  LEFT JOIN results_result r0 ON r0.assessment_id = a0.id
  LEFT JOIN reviews_panelresult p0 ON p0.assessment_id = a0.id
  WHERE coalesce(r1.total, p1.total) IS NOT NULL OR coalesce(r0.total, p0.total) IS NOT NULL
), yoy_page AS (
  SELECT * FROM yoy ORDER BY name, id LIMIT 25
)
SELECT 'province', s.province_id::text, d.n, s.eligible, s.submitted, s.verified, s.scored, w.n
FROM steps s LEFT JOIN declared d USING (province_id) LEFT JOIN awarded w USING (province_id)
UNION ALL SELECT 'bin', bin::text, n, NULL, NULL, NULL, NULL, NULL FROM histogram
UNION ALL SELECT 'weak', instrument_id || ' ' || code, n, below, NULL, NULL, NULL, round(mean)::bigint FROM weakest
UNION ALL SELECT 'yoy count', NULL, count(*), NULL, NULL, NULL, NULL, NULL FROM yoy
UNION ALL SELECT 'yoy', name, id, round(this_total)::bigint, round(last_total)::bigint, NULL, NULL, NULL FROM yoy_page
"""

# A small process started before anything big is loaded: it starts the export child and reads the child's
# peak memory with getrusage(RUSAGE_CHILDREN). Measured from the (large) benchmark process itself, the child
# would report the benchmark's own peak: Linux carries the parent's high-water mark through fork and exec.
LAUNCHER = """
import json, resource, subprocess, sys, time
order = json.loads(sys.stdin.readline())
start = time.perf_counter()
child = subprocess.run(order["argv"], env=order["env"], capture_output=True, text=True, check=False)
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    "returncode": child.returncode, "stdout": child.stdout, "stderr": child.stderr[-3000:],
}), flush=True)
"""


def sql_ms(sql: str, params: Any, repeat: int) -> float:
    from django.db import connection

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return median_ms(run, repeat)


def export_child(job_id: str) -> None:
    """In the child process: run one export job as a task worker would, and say how it went."""
    import django

    django.setup()
    from p2ham.reports.exports import export_run
    from p2ham.reports.models import ExportJob

    rows = export_run(job_id)
    job = ExportJob.objects.get(pk=job_id)
    print(f"{rows} {job.size} {job.status}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--indicators", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", "7")))
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_URL))
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--export-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.export_child:
        export_child(args.export_child)
        return 0

    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    from bench.results_data import database_create, database_drop, generate

    tmp = tempfile.mkdtemp(prefix="p2ham-bench-results-")
    _environment(args.postgres, tmp)
    try:
        database_create(args.postgres)
    except Exception as exc:  # noqa: BLE001  (no server: say so and stop, like the other benches)
        print(f"PostgreSQL is not reachable at {args.postgres}: {exc}")
        return 1
    try:
        return _run(args, generate, launcher)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
        from django.db import connections

        connections.close_all()
        if not args.keep:
            database_drop(args.postgres)
        shutil.rmtree(tmp, ignore_errors=True)


def _run(args: argparse.Namespace, generate: Callable[..., dict[str, Any]], launcher: subprocess.Popen[str]) -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ROOT_URLCONF = "bench.urls"
    settings.ALLOWED_HOSTS = ["testserver"]
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    summary = generate(units=args.units, indicators=args.indicators)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    from p2ham.accounts.models import User
    from p2ham.periods.models import Period
    from p2ham.reports.models import ExportJob
    from p2ham.results.models import Result

    year = summary["year"]
    period = Period.objects.get(year=year)
    results = Result.objects.filter(period=period).count()
    print(
        f"P2HAM results benchmark — PostgreSQL, {summary['units']} units × {summary['indicators']} indicators, "
        f"{results} determined results this year (two years); migrate {migrated - started:.0f} s, "
        f"data {summary['seconds_total']:.0f} s; median of {args.repeat}"
    )
    ditjen = User.objects.get(username=summary["ditjen"])
    client = Client()
    client.force_login(ditjen)

    def get(url: str) -> Callable[[], object]:
        def fetch() -> object:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return fetch

    bare = median_ms(get("/bench/bare"), args.repeat)
    reference = sql_ms(PROVINCE_SQL, [period.pk], args.repeat)
    last = Period.objects.get(year=year - 1)
    same = sql_ms(SAME_FIGURES_SQL, {"p": period.pk, "last": last.pk}, args.repeat)
    ranking_sql = sql_ms(RANKING_SQL, [period.pk], args.repeat)
    print(f"{'case':<58} {'median ms':>10} {'queries':>8} {'ratio':>7}  verdict")
    print(f"{'bare Django view':<58} {bare:>10.1f} {'':>8} {'':>7}")
    print(f"{'ONE hand-written SQL aggregate (results per province)':<58} {reference:>10.1f} {1:>8} {1.0:>7.2f}")
    print(f"{'hand-written SQL of the dashboard figures (one statement)':<58} {same:>10.1f} {1:>8} {'':>7}")
    print(f"{'hand-written SQL of the ranking (window functions, page 1)':<58} {ranking_sql:>10.1f} {1:>8} {'':>7}")
    over = 0

    def line(label: str, ms: float, queries: int | str, base: float, limit: float = RATIO_LIMIT) -> None:
        nonlocal over
        ratio = ms / base
        status = verdict(ratio, limit)
        over += status == "OVER"
        print(f"{label:<58} {ms:>10.1f} {queries!s:>8} {ratio:>7.2f}  {status} (limit {limit:g}×)")

    url = f"/laporan/{year}/"
    ms = median_ms(get(url), args.repeat)
    with CaptureQueriesContext(connection) as q:
        get(url)()
    line(f"national dashboard {url.strip('/')}/ vs the aggregate", ms, len(q), reference)
    line(f"national dashboard {url.strip('/')}/ vs the same figures", ms, len(q), same)
    from django.urls import NoReverseMatch, reverse

    try:
        ranking_url = reverse("ranking:ranking", args=[year])
        ranking = get(ranking_url)
        ranking()
        label = f"ranking page {ranking_url.strip('/')}/"
    except (NoReverseMatch, AssertionError) as exc:
        from p2ham.results import selectors as result_selectors

        print(f"(the ranking page is not there ({exc}): timing selectors.ranking instead)")
        ranking = lambda: result_selectors.ranking(period=period, user=ditjen)  # noqa: E731
        label = "results.selectors.ranking (no page)"
    ms = median_ms(ranking, args.repeat)
    with CaptureQueriesContext(connection) as q:
        ranking()
    line(label + " vs the aggregate", ms, len(q), reference)
    line(label + " vs the same ranking in SQL", ms, len(q), ranking_sql)

    # The full export in a child process (a task worker): time and peak memory.
    job = ExportJob.objects.create(
        period=period, format="xlsx", scope_path="", filters={"language": "id"}, requested_by=ditjen
    )
    connection.close()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    argv = [sys.executable, str(Path(__file__).resolve()), "--export-child", str(job.pk)]
    assert launcher.stdin is not None and launcher.stdout is not None
    launcher.stdin.write(json.dumps({"argv": argv, "env": env}) + "\n")
    launcher.stdin.flush()
    child = json.loads(launcher.stdout.readline())
    seconds = child["seconds"]
    peak_mb = child["maxrss_kb"] / 1024
    if child["returncode"] != 0:
        print(child["stderr"])
        return 1
    rows, size, status = child["stdout"].split()[-3:]
    mem = verdict(peak_mb, RSS_LIMIT_MB)
    over += mem == "OVER"
    print(
        f"{'full xlsx export, ' + rows + ' rows, ' + str(int(size) // 1024) + ' KB (' + status + ')':<58} "
        f"{seconds * 1000:>10.0f} {'':>8} {'':>7}  peak RSS {peak_mb:.0f} MB: {mem} (limit {RSS_LIMIT_MB} MB)"
    )
    return 0  # a benchmark reports (OK / OVER); it does not fail the build


if __name__ == "__main__":
    sys.exit(main())
