"""Deadline-day load benchmark: ~200 unit operators saving answers, uploading files and opening their
assessment page at once, against gunicorn with the production settings on PostgreSQL.

1. Creates a fresh PostgreSQL database ``p2ham_bench_<pid>``, migrates it and loads the demo seed; then
   declares ~200 UPT units (spread over the Lapas, Rutan, LPKA, Bapas, Rupbasan, Kanim, Rudenim and BHP
   of the seed), finds them eligible (``evaluation_decide_many``) and gives each its own operator account.
2. Starts gunicorn on a free port of 127.0.0.1 with ``P2HAM_ENV=production`` (``bench/settings_bench.py``:
   the production settings over plain HTTP, plus the bare view), Redis for cache and sessions when it
   answers, and the private files in a temporary directory.
3. Runs locust headless (``bench/locustfile_deadline.py``): the deadline mix with ``--users`` operators,
   then the bare view alone with the same number of users.
4. Prints requests/s, p95 and errors per request type (and the server's errors, if any), the CPU time of
   gunicorn, PostgreSQL and locust during each run, and throughput(mix) / throughput(bare).

Gunicorn is stopped, the database dropped and the temporary files removed at the end, also on failure or
Ctrl+C. Asserts nothing about timings. Usage: ``make bench-load`` or ``python bench/deadline.py --help``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
UPT_TYPES = ("lapas", "rutan", "lpka", "bapas", "rupbasan", "kanim", "rudenim", "bhp")
PASSWORD = "Tenggat-" + secrets.token_urlsafe(12)  # this run's operators only; the database is dropped after


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=40, help="simulated operators (each its own unit)")
    parser.add_argument("--spawn-rate", type=float, default=20, help="users started per second")
    parser.add_argument("--duration", type=int, default=30, help="seconds of the deadline mix")
    parser.add_argument("--bare-duration", type=int, default=15, help="seconds of the bare-view run")
    parser.add_argument("--units", type=int, default=200, help="units declared, evaluated and given an operator")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a maintenance database of the server (the bench database is created next to it)",
    )
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--keep", action="store_true", help="keep the server and database until Ctrl+C")
    return parser.parse_args()


# ---------------------------------------------------------------- the database


def _admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=5)


def database_create(admin_url: str, name: str) -> str:
    with _admin(admin_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


def database_drop(admin_url: str, name: str) -> None:
    with _admin(admin_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------- the data (in this process, like the seed command)


def seed(*, units_wanted: int, data_file: Path) -> dict[str, Any]:
    """Migrate, load the demo seed, declare and evaluate the units, create their operators; writes what
    locust needs (logins, unit codes, indicators with their options) to ``data_file``."""
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connections, transaction
    from django.test import override_settings

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    # The ~130 demo people get fast (MD5) hashes: with Argon2 the seed spends a minute hashing passwords
    # nobody uses here. The operators who log in get real Argon2 hashes below, as in production.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        call_command("seed_demo", quiet=True)
    seeded = time.perf_counter()

    from p2ham.accounts.models import Role, RoleAssignment, User
    from p2ham.assessments import services
    from p2ham.assessments.models import Assessment
    from p2ham.assessments.tests.fixtures import declare
    from p2ham.declarations.models import DeclarationUnit
    from p2ham.instruments.models import Indicator
    from p2ham.organizations.models import Unit
    from p2ham.periods.models import Period

    period = Period.objects.get(status=Period.Status.OPEN)
    ditjen = User.objects.filter(role_assignments__role=Role.DITJEN).earliest("pk")
    declared = DeclarationUnit.objects.filter(period=period, active=True).values("unit")
    candidates = list(
        Unit.objects.filter(active=True, unit_type__code__in=UPT_TYPES)
        .exclude(pk__in=declared)
        .select_related("unit_type", "parent")
        .order_by("code")
    )
    step = max(1, len(candidates) // units_wanted)
    units = candidates[::step][:units_wanted]
    with transaction.atomic():
        # One completed declaration per Kanwil, as the Kanwil would have requested it.
        by_parent: dict[int, list[Unit]] = {}
        for unit in units:
            by_parent.setdefault(unit.parent_id or unit.pk, []).append(unit)
        requesters = Unit.objects.in_bulk(list(by_parent))
        for parent_id, group in sorted(by_parent.items()):
            declare(period, requesters[parent_id], group, ditjen)
    assessments = services.evaluation_decide_many(actor=ditjen, period=period, units=units, eligible=True)
    evaluated = time.perf_counter()
    # One password hash for every operator: hashing 200 times with Argon2 would only slow the setup down.
    password_hash = make_password(PASSWORD, hasher="argon2")
    operators = User.objects.bulk_create(
        User(username=f"bench_op_{i:03d}", full_name=f"Operator Uji {i:03d}", password=password_hash)
        for i in range(len(units))
    )
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, role=Role.OPERATOR, unit=unit) for user, unit in zip(operators, units, strict=True)
    )
    indicators: dict[int, list[dict[str, Any]]] = {}
    for indicator in (
        Indicator.objects.filter(instrument__in={a.instrument_id for a in assessments})
        .select_related("scale")
        .prefetch_related("scale__options")
        .order_by("instrument", "order", "pk")
    ):
        indicators.setdefault(indicator.instrument_id, []).append(
            {
                "code": indicator.code,
                "options": [o.pk for o in indicator.scale.options.all()],
                "kinds": list(indicator.evidence_kinds),
            }
        )
    by_unit = {a.unit_id: a for a in assessments}
    accounts = [
        {
            "username": user.username,
            "password": PASSWORD,
            "year": period.year,
            "unit_code": unit.code,
            "indicators": indicators.get(by_unit[unit.pk].instrument_id or 0, []),
        }
        for user, unit in zip(operators, units, strict=True)
    ]
    data_file.write_text(json.dumps(accounts), encoding="utf-8")
    summary = {
        "units": Unit.objects.count(),
        "eligible": Assessment.objects.filter(period=period, status=Assessment.Status.DRAFT).count(),
        "types": sorted({u.unit_type.code for u in units}),
        "indicators": sorted({len(v) for v in indicators.values()}),
        "migrate_s": migrated - started,
        "seed_s": seeded - migrated,
        "declare_evaluate_s": evaluated - seeded,
        "operators_s": time.perf_counter() - evaluated,
    }
    connections.close_all()
    return summary


# ---------------------------------------------------------------- the server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_ok(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001  (no Redis: the server falls back to database sessions)
        return False


def redis_forget(url: str, prefix: str) -> None:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    except Exception:  # noqa: BLE001
        pass


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s")


def stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)  # its own session: the master and its workers
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


# ---------------------------------------------------------------- locust


def _cpu_seconds(match: Any) -> float:
    """User + system CPU seconds of the live processes for which ``match(stat_fields, pid)`` holds (Linux
    /proc; 0 elsewhere). ``stat_fields`` are the fields of /proc/<pid>/stat after the command name."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if match(fields, stat.parent.name):
                ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK") if ticks else 0.0


def server_cpu(pgid: int) -> float:
    """Gunicorn: the master and its workers share its process group."""
    return _cpu_seconds(lambda fields, pid: int(fields[2]) == pgid)


def database_cpu(name: str) -> float:
    """The PostgreSQL backends serving the bench database (their title names it); approximate, as a backend
    that has exited no longer counts."""

    def serves(fields: list[str], pid: str) -> bool:
        try:
            return f" {name} ".encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False

    return _cpu_seconds(serves)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_locust(
    *, host: str, user_class: str, users: int, spawn_rate: float, seconds: int, csv_prefix: Path, env: dict[str, str]
) -> list[dict[str, str]]:
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "bench" / "locustfile_deadline.py"),
        "--headless",
        "--only-summary",
        "--loglevel",
        "WARNING",
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        host,
        "--csv",
        str(csv_prefix),
        user_class,
    ]
    result = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 60, check=False
    )
    stats = Path(f"{csv_prefix}_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"locust wrote no statistics (exit {result.returncode}):\n{result.stderr[-3000:]}")
    with stats.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def failures(csv_prefix: Path) -> list[dict[str, str]]:
    path = Path(f"{csv_prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def print_stats(title: str, rows: list[dict[str, str]]) -> tuple[float, float]:
    """Prints one run's table; returns its requests per second in all and without the logins."""
    print(f"\n{title}")
    print(f"{'request':<22} {'requests':>9} {'req/s':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} {'errors':>7}")
    total = work = 0.0
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", -int(r["Request Count"]))):
        name = "total" if row["Name"] == "Aggregated" else row["Name"]
        print(
            f"{name:<22} {int(row['Request Count']):>9} {float(row['Requests/s']):>8.1f} "
            f"{row['Median Response Time']:>10} {row['95%']:>8} {float(row['Max Response Time']):>8.0f} "
            f"{int(row['Failure Count']):>7}"
        )
        if row["Name"] == "Aggregated":
            total = float(row["Requests/s"])
        elif not row["Name"].startswith("login"):
            work += float(row["Requests/s"])
    return total, work


def server_errors(log: Path, limit: int = 3) -> None:
    """The distinct errors the server logged (django.request logs every 500 with its traceback): for each,
    how often, the last frames in the project's own code and the exception."""
    text = log.read_text(errors="replace") if log.exists() else ""
    found: dict[str, tuple[int, list[str]]] = {}
    for block in text.split("Internal Server Error: ")[1:]:
        lines = block.splitlines()
        frames: list[str] = []
        last, in_traceback = lines[0], False
        for i, line in enumerate(lines[1:], start=1):
            if line.startswith("Traceback"):
                in_traceback = True
            elif in_traceback and line.startswith(" "):
                if line.lstrip().startswith('File "') and str(ROOT / "p2ham") in line and i + 1 < len(lines):
                    frames.append(f"{line.strip()}\n      {lines[i + 1].strip()}")
            elif in_traceback:
                last, in_traceback = line, False  # the exception; a chained one may follow
            elif line and not line.startswith("The above exception"):
                break
        count, _ = found.get(last, (0, []))
        found[last] = (count + 1, frames[-3:])
    for last, (count, frames) in list(found.items())[:limit]:
        print(f"\nServer error ×{count}: {last}")
        for frame in frames:
            print(f"    {frame}")


Cpu = tuple[float, float, float, float]  # gunicorn, PostgreSQL, locust (CPU seconds), wall clock


def cpu_delta(before: Cpu, after: Cpu) -> Cpu:
    return (after[0] - before[0], after[1] - before[1], after[2] - before[2], after[3] - before[3])


def print_cpu(cpu: Cpu, rows: list[dict[str, str]]) -> None:
    server, database, client, wall = cpu
    requests = sum(int(r["Request Count"]) for r in rows if r["Name"] == "Aggregated")
    print(
        f"CPU over {wall:.0f} s (locust start-up included; {os.cpu_count()} CPUs): gunicorn {server:.1f} s "
        f"({1000 * server / max(requests, 1):.0f} ms per request), PostgreSQL ≈{database:.1f} s, locust {client:.1f} s"
    )


# ---------------------------------------------------------------- main


def main() -> int:
    args = parse_args()
    started = time.perf_counter()
    name = f"p2ham_bench_{os.getpid()}"
    tmp = Path(tempfile.mkdtemp(prefix="p2ham-bench-deadline-"))
    cache_prefix = f"p2ham-bench-{os.getpid()}"
    use_redis = redis_ok(args.redis)
    server: subprocess.Popen[bytes] | None = None
    static: subprocess.Popen[bytes] | None = None
    log: Any = None
    created = False

    def terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background
    try:
        db_url = database_create(args.postgres, name)
        created = True
        port = free_port()
        host = f"http://127.0.0.1:{port}"
        common = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(tmp)),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
            "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
            "DATABASE_URL": db_url,
            "P2HAM_VAR_DIR": str(tmp / "var"),
            "P2HAM_PRIVATE_ROOT": str(tmp / "private"),
            "STORAGE_BACKEND": "local",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
        }
        server_env = {
            **common,
            "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
            "P2HAM_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": host,
            "SECURE_SSL_REDIRECT": "false",
            "BENCH_CACHE_PREFIX": cache_prefix,
            **({"REDIS_URL": args.redis} if use_redis else {}),
        }
        # The hashed static files the pages refer to, collected while the seed runs.
        static = subprocess.Popen(
            [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
            env=server_env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        # The seed refuses production settings (it writes known passwords): it runs as development, on the
        # same database, with e-mail kept in memory and tasks run in place.
        os.environ.update(
            {
                **common,
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "P2HAM_ENV": "development",
                "EMAIL_BACKEND": "locmem",
                "TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            }
        )
        os.environ.pop("REDIS_URL", None)
        sys.path.insert(0, str(ROOT))
        data_file = tmp / "operators.json"
        summary = seed(units_wanted=args.units, data_file=data_file)
        _, static_err = static.communicate(timeout=120)
        if static.returncode != 0:
            raise RuntimeError(f"collectstatic failed:\n{static_err.decode()[-3000:]}")

        log = (tmp / "gunicorn.log").open("wb")
        server = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--timeout",
                "60",
            ],
            env=server_env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_until_up(f"{host}/bench/bare", server)
        setup_s = time.perf_counter() - started

        print(
            f"P2HAM deadline-day load — PostgreSQL {name}, gunicorn {args.workers} workers × {args.threads} threads "
            f"(P2HAM_ENV=production{', Redis sessions' if use_redis else ', database sessions'}), "
            f"{os.cpu_count()} CPUs shared with locust"
        )
        print(
            f"Data: {summary['units']} units, {summary['eligible']} eligible assessments with an operator each "
            f"({', '.join(summary['types'])}; {'/'.join(map(str, summary['indicators']))} indicators). "
            f"Setup {setup_s:.0f} s (migrate {summary['migrate_s']:.0f}, seed {summary['seed_s']:.0f}, "
            f"declare+evaluate {summary['declare_evaluate_s']:.0f}, operators {summary['operators_s']:.0f})."
        )
        print(
            f"Mix per operator: save answer 10 : open page 3 : upload 1–5 MB 2, after one login; "
            f"no think time; {args.users} users, {args.spawn_rate:g}/s ramp, {args.duration} s."
        )
        locust_env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
            "BENCH_DEADLINE_DATA": str(data_file),
        }
        mix_prefix = tmp / "mix"
        cpu: dict[str, Cpu] = {}

        def cpu_now() -> Cpu:
            assert server is not None
            return server_cpu(server.pid), database_cpu(name), children_cpu(), time.perf_counter()

        before = cpu_now()
        mix = run_locust(
            host=host,
            user_class="OperatorUser",
            users=args.users,
            spawn_rate=args.spawn_rate,
            seconds=args.duration,
            csv_prefix=mix_prefix,
            env=locust_env,
        )
        after = cpu_now()
        cpu["mix"] = cpu_delta(before, after)
        bare_prefix = tmp / "bare"
        bare = run_locust(
            host=host,
            user_class="BareUser",
            users=args.users,
            spawn_rate=args.spawn_rate,
            seconds=args.bare_duration,
            csv_prefix=bare_prefix,
            env=locust_env,
        )
        cpu["bare"] = cpu_delta(after, cpu_now())
        mix_rps, work_rps = print_stats(f"Deadline mix ({args.users} operators, {args.duration} s)", mix)
        print_cpu(cpu["mix"], mix)
        bare_rps, _ = print_stats(f"Bare view ({args.users} users, {args.bare_duration} s)", bare)
        print_cpu(cpu["bare"], bare)
        errors = failures(mix_prefix) + failures(bare_prefix)
        if errors:
            print("\nErrors (first 10 kinds):")
            for row in errors[:10]:
                print(f"  {row['Occurrences']:>5} × {row['Method']} {row['Name']}: {row['Error'][:150]}")
            server_errors(tmp / "gunicorn.log")
        print(
            f"\nthroughput(mix) / throughput(bare) = {mix_rps:.1f} / {bare_rps:.1f} req/s = "
            f"{(mix_rps / bare_rps if bare_rps else 0):.3f}"
            f"  (without the logins: {work_rps:.1f} req/s, {(work_rps / bare_rps if bare_rps else 0):.3f})"
        )
        if args.keep:
            print(f"\nServer kept at {host} (database {name}); Ctrl+C stops it and drops the database.")
            while server.poll() is None:
                time.sleep(1)
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted; cleaning up", file=sys.stderr)
        return 130
    except Exception:
        log_path = tmp / "gunicorn.log"
        if log_path.exists():
            print("--- gunicorn log (tail) ---", file=sys.stderr)
            print(log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        stop(server)
        if log is not None:
            log.close()
        if static is not None and static.poll() is None:
            static.kill()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001  (Django never started)
            pass
        if created:
            database_drop(args.postgres, name)
        if use_redis:
            redis_forget(args.redis, cache_prefix)
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"cleaned up: gunicorn stopped, database {name} dropped ({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    sys.exit(main())
