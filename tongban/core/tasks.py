"""Background tasks of the platform foundation: outbox dispatch and pruning of finished task results.

Tasks take IDs (or nothing), are idempotent and hold no logic: they call a function and return a small result.
"""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django.core.management import call_command
from django_tasks import task, task_backends
from django_tasks_db import DatabaseBackend

from tongban.core.outbox import outbox_dispatch
from tongban.core.scheduler import periodic

TASK_RESULTS_KEPT_DAYS = 7


@periodic(every_seconds=settings.OUTBOX_DISPATCH_SECONDS)
@task()
def outbox_dispatch_task() -> dict[str, int]:
    """Fan out new outbox events and run the due consumers (also enqueued right after each commit that emitted)."""
    return asdict(outbox_dispatch())


@periodic(every_seconds=3600)
@task()
def task_results_prune_task() -> None:
    """Delete finished results of the database task backend after a week (the queue table stays small)."""
    if isinstance(task_backends["default"], DatabaseBackend):
        call_command("prune_db_task_results", min_age_days=TASK_RESULTS_KEPT_DAYS, verbosity=0)
