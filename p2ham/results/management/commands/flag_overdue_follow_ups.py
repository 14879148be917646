"""Tell units and their Kanwil about follow-up actions that have just passed their due date (run daily from
cron: an action already flagged for its due date is not flagged again)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from p2ham.results.tasks import flag_overdue_follow_ups


class Command(BaseCommand):
    help = "Notify the unit and its Kanwil, once, about each confirmed follow-up action past its due date."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the task for the task worker instead of running it now"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = flag_overdue_follow_ups.enqueue()
            self.stdout.write(f"Overdue check queued (task {result.id}).")
            return
        count = flag_overdue_follow_ups.call()
        self.stdout.write(f"{count} overdue follow-up action(s) flagged.")
