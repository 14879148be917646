"""``manage.py seed_demo``: load the demo national organisation and demo accounts (idempotent)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from p2ham.accounts.models import User
from p2ham.audit.services import audit_log
from p2ham.instruments.defaults import load_default_instruments
from p2ham.organizations.demo import (
    DEMO_INSTITUTIONS,
    demo_accounts,
    demo_unit_rows,
    demo_user_rows,
    new_demo_password,
)
from p2ham.organizations.imports import (
    ImportPlan,
    units_import_apply,
    units_plan_rows,
    users_import_apply,
    users_plan_rows,
)
from p2ham.organizations.models import Institution, Province, Unit
from p2ham.periods.deadlines import REFERENCE_TZ
from p2ham.periods.models import Period, Stage
from p2ham.periods.services import period_create, period_transition, stage_window_set


class Command(BaseCommand):
    help = "Load the demo organisation (units, users, roles) through the importer; running it again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print nothing unless something fails.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database already has units (for `make run`)."
        )

    def handle(self, *args: Any, quiet: bool = False, if_empty: bool = False, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo loads demo people with known passwords; it never runs in production.")
        if if_empty and Unit.objects.exists():
            if not quiet:
                self.stdout.write("The database already has units; demo seed skipped.")
            return
        path = settings.VAR_DIR / "demo_accounts.json"
        known = _known_passwords(path)
        user_rows = demo_user_rows()
        usernames = sorted({row.values["username"] for row in user_rows})
        # Passwords are random per installation; a re-run reuses the ones recorded in demo_accounts.json.
        people = {row.values["username"]: row.values for row in user_rows}
        passwords = {
            name: known.get(name)
            or new_demo_password(username=name, email=people[name]["email"], full_name=people[name]["full_name"])
            for name in usernames
        }
        with transaction.atomic():
            pre_existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
            institutions = _seed_institutions()
            unit_plan = units_plan_rows(demo_unit_rows())
            _raise_on_errors(unit_plan)
            units = units_import_apply(actor=None, plan=unit_plan)
            user_plan = users_plan_rows(user_rows)
            _raise_on_errors(user_plan)
            # The importer sets a password only on the accounts it creates; existing ones are never touched.
            users = users_import_apply(actor=None, plan=user_plan, passwords=passwords)
            from p2ham.results.demo import seed_demo_current_year, seed_demo_last_year

            # Last year's whole cycle first (its period is open while it plays), then the current year.
            last_year_note = seed_demo_last_year()
            period_note = last_year_note + "\n" + _seed_period(timezone.localdate())
            current = Period.objects.filter(year=timezone.localdate().year).first()
            if current is not None:
                from p2ham.assessments.demo import seed_demo_assessments
                from p2ham.reviews.demo import seed_demo_reviews

                period_note += "\n" + seed_demo_assessments(period=current, passwords=passwords)
                period_note += "\n" + seed_demo_reviews(period=current)
                period_note += "\n" + seed_demo_current_year(period=current, passwords=passwords)
        usable = _usable_passwords(passwords, verify=pre_existing)
        accounts = demo_accounts(usable)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(accounts, indent=2) + "\n", encoding="utf-8")
        path.chmod(0o600)
        stale = sorted(set(usernames) - set(usable))
        if stale and not quiet:
            self.stderr.write(
                f"{len(stale)} demo accounts have a password this seed does not know (changed, or "
                f"{path.name} was lost); they are left out of {path}: {', '.join(stale[:10])}"
            )
        if not quiet:
            self.stdout.write(
                f"Institutions: {institutions['created']} created, {institutions['updated']} updated.\n"
                f"Units: {units['created']} created, {units['updated']} updated, {units['unchanged']} unchanged.\n"
                f"Users: {users['created']} created, {users['updated']} updated, {users['roles_added']} roles "
                f"added.\n{period_note}\nDemo accounts written to {path}."
            )


# Demo stage windows, in days from today: the demo year is in full swing whenever it is seeded.
DEMO_WINDOWS = {
    Stage.PENCANANGAN: (-45, 15),
    Stage.PEMBANGUNAN: (-15, 60),
    Stage.EVALUASI: (-10, 20),
    Stage.PENILAIAN_MANDIRI: (-5, 70),
    Stage.REVIU_KANWIL: (71, 80),
    Stage.VERIFIKASI: (71, 100),
    Stage.PENILAIAN_PANEL: (101, 120),
    Stage.PENETAPAN: (121, 130),
    Stage.PEMBINAAN: (131, 400),
}


def _seed_period(today: dt.date) -> str:
    """The current demo year as an open period with the default instruments (left alone if it exists)."""
    period = Period.objects.filter(year=today.year).first()
    if period is not None and period.status != Period.Status.DRAFT:
        return f"Period {period.year} exists ({period.status}); left as it is."
    if period is None:
        period = period_create(actor=None, year=today.year, regulation_label="Permenkumham 25/2023")
        for stage, (start, end) in DEMO_WINDOWS.items():
            opens = dt.datetime.combine(today + dt.timedelta(days=start), dt.time(0, 0), tzinfo=REFERENCE_TZ)
            closes = dt.datetime.combine(today + dt.timedelta(days=end), dt.time(23, 59), tzinfo=REFERENCE_TZ)
            stage_window_set(actor=None, period=period, stage=stage, opens_at=opens, closes_at=closes)
        previous = Period.objects.filter(year=today.year - 1).first()
        if previous is not None:
            from p2ham.results.demo import instruments_carry_over

            instruments_carry_over(source=previous, target=period)  # each indicator continues last year's
    added = load_default_instruments(actor=None, period=period)
    if Period.objects.filter(status=Period.Status.OPEN).exists():
        return f"Period {period.year}: {len(added)} instruments added; another period is open, it stays a draft."
    period_transition(actor=None, period=period, to=Period.Status.OPEN)
    return f"Period {period.year} is open with {period.instruments.count()} instruments."


def _known_passwords(path: Path) -> dict[str, str]:
    """Passwords recorded by an earlier run, so a re-run keeps listing the same logins."""
    try:
        return {a["username"]: a["password"] for a in json.loads(path.read_text(encoding="utf-8"))}
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return {}


def _seed_institutions() -> dict[str, int]:
    """Create or update the demo institutions, saving (and auditing) only real changes."""
    provinces = {p.code: p for p in Province.objects.all()}
    counts = {"created": 0, "updated": 0}
    for code, name, kind, province_code in DEMO_INSTITUTIONS:
        wanted = {"name": name, "kind": kind, "province": provinces[province_code] if province_code else None}
        institution, created = Institution.objects.get_or_create(code=code, defaults=wanted)
        if created:
            counts["created"] += 1
            audit_log(actor=None, action="institution.create", target=institution, data={"code": code})
            continue
        changed = {
            field: [str(getattr(institution, field)), str(value)]
            for field, value in wanted.items()
            if getattr(institution, field) != value
        }
        if changed:
            for field in changed:
                setattr(institution, field, wanted[field])
            institution.save(update_fields=[*changed, "updated_at"])
            counts["updated"] += 1
            audit_log(actor=None, action="institution.update", target=institution, data=changed)
    return counts


def _raise_on_errors(plan: ImportPlan) -> None:
    if plan.errors:
        lines = [f"row {e.row}, {e.column or '-'}: {e.message}" for e in plan.errors[:20]]
        more = len(plan.errors) - len(lines)
        if more > 0:
            lines.append(f"… and {more} more")
        raise CommandError(f"The demo {plan.kind} do not import cleanly:\n" + "\n".join(lines))


def _usable_passwords(passwords: dict[str, str], *, verify: set[str]) -> dict[str, str]:
    """The demo passwords that open their account; only accounts that existed before are checked (hashing is slow)."""
    users = {u.username: u for u in User.objects.filter(username__in=list(passwords))}
    return {
        name: password
        for name, password in passwords.items()
        if name in users and (name not in verify or users[name].check_password(password))
    }
