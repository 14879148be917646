"""Send the daily digest of review work waiting too long (run daily from cron: a second run the same day sends
nothing to those already sent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from p2ham.reviews.tasks import send_review_digest


class Command(BaseCommand):
    help = "Send each person the digest of verification and panel work waiting too long (once a day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the task for the task worker instead of sending now"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = send_review_digest.enqueue()
            self.stdout.write(f"Digest queued (task {result.id}).")
            return
        count = send_review_digest.call()
        self.stdout.write(f"{count} digest(s) sent.")
