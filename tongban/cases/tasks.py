"""Background tasks of the case engine. Tasks take no arguments, are idempotent and hold no logic."""

from __future__ import annotations

from django_tasks import task

from tongban.cases.services import case_overdue_mark_all
from tongban.core.scheduler import periodic

OVERDUE_EVERY_SECONDS = 15 * 60


@periodic(every_seconds=OVERDUE_EVERY_SECONDS, name="cases.mark_overdue")
@task()
def cases_mark_overdue_task() -> int:
    """Mark cases whose running clock is past due and tell their handlers (超期预警); returns how many."""
    return case_overdue_mark_all()
