"""Background work of the reports: the exports (run at once in development and tests, by a database-backed
worker in production: ``settings.TASKS``)."""

from __future__ import annotations

from django_tasks import task

from p2ham.reports.exports import export_run


@task()
def run_export(job_id: str) -> int:
    """Write the file of one export job; returns the number of rows written."""
    return export_run(job_id)
