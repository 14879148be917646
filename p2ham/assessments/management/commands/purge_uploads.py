"""Drop resumable uploads abandoned for longer than the given hours (run daily from cron or a scheduler)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from p2ham.assessments.services import uploads_purge


class Command(BaseCommand):
    help = "Delete resumable evidence uploads that were abandoned, with their stored chunks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=48, help="age of the last chunk, in hours (default 48)")

    def handle(self, *args: Any, **options: Any) -> None:
        count = uploads_purge(older_than_hours=max(1, options["hours"]))
        self.stdout.write(f"{count} abandoned upload(s) removed.")
