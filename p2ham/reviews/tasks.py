"""Background work of verification and the panel."""

from __future__ import annotations

from django_tasks import task

from p2ham.reviews.digest import digest_send


@task()
def send_review_digest() -> int:
    """Send today's digest of review work waiting too long (once per person per day); returns how many."""
    return digest_send()
