"""Periodic jobs (定时任务) for the worker: a small registry on top of Django's task framework (``django-tasks``).

An app registers a task to run every N seconds in its ``tasks.py``::

    from django_tasks import task
    from tongban.core.scheduler import periodic

    @periodic(every_seconds=300)
    @task()
    def case_mark_overdue_task() -> int:
        return services.case_mark_overdue()

``manage.py run_worker`` calls :func:`scheduler_tick` about once a second: each job that is due is enqueued on the
configured task backend (``TONGBAN_TASK_BACKEND``) and runs like any other task. Several workers may tick at once:
a due run is claimed with one conditional UPDATE of :class:`~tongban.core.models.PeriodicJobState`, so each
period enqueues the job once, whichever worker wins. Periodic tasks take no arguments and must be idempotent.

When the queue cannot take the job (Redis down under the RQ backend), the scheduler runs it itself, in its own
process: outbox dispatch and the other periodic jobs go on, more slowly, until the queue is back
(docs/operations/faults.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from tongban.core.cache import QUEUE_PAUSE
from tongban.core.models import PeriodicJobState

__all__ = ["PeriodicJob", "discover", "periodic", "periodic_jobs", "scheduler_tick"]

logger = logging.getLogger(__name__)

#: Modules imported from every installed app before the worker starts: periodic jobs and outbox consumers.
DISCOVERED_MODULES = ("tasks", "consumers")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Any  # a django_tasks Task taking no arguments
    every_seconds: int


_JOBS: dict[str, PeriodicJob] = {}
_discovered = False


def periodic(*, every_seconds: int, name: str | None = None) -> Callable[[Any], Any]:
    """Register a task (made with ``@task()``, taking no arguments) to be enqueued every ``every_seconds``."""
    if every_seconds < 1:
        raise ValueError("every_seconds must be at least 1")

    def register(task: Any) -> Any:
        job_name = name or f"{task.module_path}"
        if len(job_name) > 200:
            raise ValueError(f"periodic job name too long: {job_name!r}")
        _JOBS[job_name] = PeriodicJob(name=job_name, task=task, every_seconds=every_seconds)
        return task

    return register


def periodic_jobs() -> tuple[PeriodicJob, ...]:
    """Every registered periodic job (after importing the apps' ``tasks.py``)."""
    discover()
    return tuple(_JOBS.values())


def discover() -> None:
    """Import ``tasks.py`` and ``consumers.py`` of every installed app (once per process)."""
    global _discovered
    if not _discovered:
        autodiscover_modules(*DISCOVERED_MODULES)
        _discovered = True


def _claim(job: PeriodicJob, now: datetime) -> bool:
    """Whether this call won the job's current period (and moved its next run on)."""
    if not PeriodicJobState.objects.filter(name=job.name).exists():
        try:
            with transaction.atomic():
                PeriodicJobState.objects.create(name=job.name, next_run_at=now)
        except IntegrityError:
            pass  # another worker created it
    return bool(PeriodicJobState.objects.filter(name=job.name, next_run_at__lte=now).update(
        next_run_at=now + timedelta(seconds=job.every_seconds), last_run_at=now))


def scheduler_tick(*, now: datetime | None = None) -> list[str]:
    """Enqueue every periodic job whose time has come; returns the names of the jobs enqueued."""
    discover()
    now = now or timezone.now()
    enqueued: list[str] = []
    for job in periodic_jobs():
        try:
            if not _claim(job, now):
                continue
        except Exception:  # one broken job must not stop the others
            logger.exception("periodic job %s could not be claimed", job.name)
            continue
        if QUEUE_PAUSE.active:  # the queue failed a moment ago: don't wait on it again (a hung Redis would cost
            # each job the socket time-out)
            _run_inline(job)
            continue
        try:
            job.task.enqueue()
            enqueued.append(job.name)
        except Exception as error:  # the queue is unreachable: run the job here rather than skip its period
            logger.warning("periodic job %s could not be enqueued (%s): running due jobs in the scheduler for "
                           "%d s", job.name, type(error).__name__, QUEUE_PAUSE.seconds)
            QUEUE_PAUSE.start()
            _run_inline(job)
    return enqueued


def _run_inline(job: PeriodicJob) -> None:
    try:
        job.task.call()
    except Exception:
        logger.exception("periodic job %s failed when run in the scheduler", job.name)
