"""Print the demo accounts written by ``seed_demo`` (``make run`` shows them at start)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from p2ham.organizations.demo import WELL_KNOWN_USERNAMES


class Command(BaseCommand):
    help = "Print the demo accounts from var/demo_accounts.json."

    def handle(self, *args: Any, **options: Any) -> None:
        path = settings.VAR_DIR / "demo_accounts.json"
        if not path.exists():
            self.stdout.write("No demo accounts: run `manage.py seed_demo` first.")
            return
        accounts = json.loads(path.read_text(encoding="utf-8"))
        shown = [a for a in accounts if a["username"] in WELL_KNOWN_USERNAMES]
        self.stdout.write("")
        self.stdout.write(f"Demo accounts ({len(shown)} of {len(accounts)}; all are in {path})")
        self.stdout.write("Demo data only — never use these passwords elsewhere.")
        self.stdout.write(f"  {'role':<13} {'username':<20} {'password':<24} unit")
        for a in shown:
            self.stdout.write(
                f"  {a['role']:<13} {a['username']:<20} {a['password']:<24} {a['unit_code'] or '(national)'}"
            )
        self.stdout.write("")
