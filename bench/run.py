"""Benchmarks: each page's time as a ratio of a bare Django view, each aggregate as a ratio of raw SQL.

Runs against a fresh SQLite database holding the demo seed (~700 units, 130 users). Prints a table;
it asserts nothing (timings belong here, never in the test suite). Usage: ``make bench``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="p2ham-bench-")
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

settings.ROOT_URLCONF = "bench.urls"
settings.ALLOWED_HOSTS = ["testserver"]


def timed(fn: Callable[[], object], repeat: int = 30) -> float:
    """Median seconds of ``fn`` after a warm-up call."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", quiet=True)
    from p2ham.accounts.models import User
    from p2ham.core import policy
    from p2ham.organizations import selectors
    from p2ham.organizations.models import Unit

    client = Client()
    ditjen = User.objects.get(username="ditjen")
    client.force_login(ditjen)
    units = Unit.objects.count()

    bare = timed(lambda: client.get("/bench/bare"))
    print(f"P2HAM benchmarks — {units} units, SQLite, median of 30 requests")
    print(f"{'case':<44} {'median ms':>10} {'ratio':>8} {'queries':>8}")
    with CaptureQueriesContext(connection) as bare_queries:
        client.get("/bench/bare")
    print(f"{'bare Django view (the limit)':<44} {bare * 1000:>10.2f} {1.0:>8.1f} {len(bare_queries):>8}")
    pages = [
        ("home, Ditjen (counts + province map)", "/"),
        ("unit list, Ditjen, page 1 of 50 rows", "/unit/"),
        ("unit list, search 'lapas', sorted by type", "/unit/?q=lapas&sort=type"),
        ("unit list, last page", "/unit/?page=last"),
        ("unit detail (Kanwil with sub-units)", "/unit/KANWIL-81/"),
        ("API units, 50 per page", "/api/v1/units"),
        ("API units, 200 per page", "/api/v1/units?page_size=200"),
    ]
    for label, url in pages:
        seconds = timed(lambda url=url: client.get(url))
        with CaptureQueriesContext(connection) as queries:
            status = client.get(url).status_code
        print(
            f"{label:<44} {seconds * 1000:>10.2f} {seconds / bare:>8.1f} {len(queries):>8}"
            + ("" if status == 200 else f"  (HTTP {status})")
        )

    print()
    print(f"{'aggregate':<44} {'median ms':>10} {'ratio':>8}")

    def raw() -> object:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT p.code, COUNT(*) FROM organizations_unit u JOIN organizations_province p "
                "ON p.id = u.province_id WHERE u.active GROUP BY p.code"
            )
            return cursor.fetchall()

    raw_s = timed(raw)
    print(f"{'raw SQL: active units per province (limit)':<44} {raw_s * 1000:>10.2f} {1.0:>8.1f}")
    for label, fn in [
        ("selector: units per province (ditjen)", lambda: selectors.unit_counts_by_province(user=ditjen)),
        ("selector: units per type (ditjen)", lambda: selectors.unit_counts_by_type(user=ditjen)),
    ]:
        policy.forget_grants(ditjen)
        seconds = timed(fn)
        print(f"{label:<44} {seconds * 1000:>10.2f} {seconds / raw_s:>8.1f}")


if __name__ == "__main__":
    main()
