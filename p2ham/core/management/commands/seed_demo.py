"""``manage.py seed_demo``: load the demo national organisation and demo accounts (idempotent)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from p2ham.accounts.models import User
from p2ham.audit.services import audit_log
from p2ham.organizations.demo import (
    DEMO_INSTITUTIONS,
    demo_accounts,
    demo_password,
    demo_unit_rows,
    demo_user_rows,
)
from p2ham.organizations.imports import (
    ImportPlan,
    units_import_apply,
    units_plan_rows,
    users_import_apply,
    users_plan_rows,
)
from p2ham.organizations.models import Institution, Province, Unit


class Command(BaseCommand):
    help = "Load the demo organisation (units, users, roles) through the importer; running it again changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print nothing unless something fails.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the database already has units (for `make run`)."
        )

    def handle(self, *args: Any, quiet: bool = False, if_empty: bool = False, **options: Any) -> None:
        if if_empty and Unit.objects.exists():
            if not quiet:
                self.stdout.write("The database already has units; demo seed skipped.")
            return
        well_known = [account["username"] for account in demo_accounts()]
        with transaction.atomic():
            # Accounts created now get the demo password by construction; only older ones need checking.
            pre_existing = set(User.objects.filter(username__in=well_known).values_list("username", flat=True))
            institutions = _seed_institutions()
            unit_plan = units_plan_rows(demo_unit_rows())
            _raise_on_errors(unit_plan)
            units = units_import_apply(actor=None, plan=unit_plan)
            user_rows = demo_user_rows()
            user_plan = users_plan_rows(user_rows)
            _raise_on_errors(user_plan)
            usernames = sorted({row.values["username"] for row in user_rows})
            users = users_import_apply(
                actor=None, plan=user_plan, passwords={name: demo_password(name) for name in usernames}
            )
            passwords_set = _set_missing_passwords(usernames)
        accounts, stale = _usable_accounts(verify=pre_existing)
        path = settings.VAR_DIR / "demo_accounts.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(accounts, indent=2) + "\n", encoding="utf-8")
        for username in stale:
            self.stderr.write(f"Demo account {username} has a changed password; left out of {path}.")
        if not quiet:
            self.stdout.write(
                f"Institutions: {institutions['created']} created, {institutions['updated']} updated.\n"
                f"Units: {units['created']} created, {units['updated']} updated, {units['unchanged']} unchanged.\n"
                f"Users: {users['created']} created, {users['updated']} updated, {users['roles_added']} roles "
                f"added, {passwords_set} missing passwords set.\n"
                f"Demo accounts written to {path}."
            )


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


def _set_missing_passwords(usernames: list[str]) -> int:
    """Give demo accounts left without a usable password (e.g. imported before the seed) their demo password."""
    count = 0
    for user in User.objects.filter(username__in=usernames):
        if user.password and user.has_usable_password():
            continue
        user.set_password(demo_password(user.username))
        user.save(update_fields=["password"])
        audit_log(actor=None, action="user.password_set", target=user, data={"reason": "demo seed"})
        count += 1
    return count


def _usable_accounts(*, verify: set[str]) -> tuple[list[dict[str, str]], list[str]]:
    """The well-known demo logins whose password is the demo password, and those whose is not.

    Only accounts in ``verify`` are checked: hashing is slow by design and new accounts cannot differ.
    """
    accounts = demo_accounts()
    users = {u.username: u for u in User.objects.filter(username__in=[a["username"] for a in accounts])}
    usable, stale = [], []
    for account in accounts:
        user = users.get(account["username"])
        if user is not None and (user.username not in verify or user.check_password(account["password"])):
            usable.append(account)
        else:
            stale.append(account["username"])
    return usable, stale
