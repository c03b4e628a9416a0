"""``manage.py run_worker``: the background worker — periodic jobs plus the database task queue.

Each round it enqueues the periodic jobs that are due (:func:`tongban.core.scheduler.scheduler_tick`: outbox
dispatch, webhook sending, later the case engine's overdue marking) and, when the task backend is the database
backend (``TONGBAN_TASK_BACKEND=django_tasks_db.DatabaseBackend``), runs the queued tasks with django-tasks-db's
worker. With another backend (e.g. RQ in production) it only schedules; that backend's own workers run the tasks.

Several workers may run on PostgreSQL; on SQLite run one. SIGTERM or Ctrl-C finishes the current task and stops.
"""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks import DEFAULT_TASK_QUEUE_NAME, task_backends
from django_tasks_db import DatabaseBackend

from tongban.core.scheduler import discover, periodic_jobs, scheduler_tick

logger = logging.getLogger("tongban.worker")


class Command(BaseCommand):
    help = "Run the background worker: periodic jobs (outbox dispatch, webhooks, …) and the database task queue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0,
                            help="Seconds to sleep when there is nothing to do (default 1).")
        parser.add_argument("--queue-name", default=DEFAULT_TASK_QUEUE_NAME,
                            help="Queues to run, comma-separated, '*' for all (default: %(default)s).")
        parser.add_argument("--max-tasks-per-round", type=int, default=50,
                            help="Tasks to run before the scheduler looks at the clock again (default 50).")
        parser.add_argument("--once", action="store_true",
                            help="One round: enqueue due periodic jobs, run every queued task, then exit (cron).")
        parser.add_argument("--no-scheduler", action="store_true",
                            help="Only run queued tasks; leave periodic jobs to another worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        self._stop = threading.Event()
        self._worker: Any = None
        # django-tasks-db announces every (empty) batch at INFO: keep its chatter for -v 2.
        chatter = logging.DEBUG if options["verbosity"] >= 2 else logging.WARNING
        for name in ("django_tasks_db", "django_tasks"):
            logging.getLogger(name).setLevel(chatter)
        discover()
        backend = task_backends["default"]
        runs_queue = isinstance(backend, DatabaseBackend)
        worker_id = get_random_string(32)
        scheduling = not options["no_scheduler"]
        self.stdout.write(f"通办后台任务进程 worker_id={worker_id} backend={type(backend).__name__} "
                          f"periodic={[job.name for job in periodic_jobs()] if scheduling else 'off'}")
        if not runs_queue:
            self.stdout.write("the task backend is not the database backend: only scheduling here")
        if not options["once"]:
            signal.signal(signal.SIGTERM, self._shutdown)
            signal.signal(signal.SIGINT, self._shutdown)
        while not self._stop.is_set():
            close_old_connections()
            if scheduling:
                for name in scheduler_tick():
                    logger.debug("enqueued periodic job %s", name)
            ran = self._run_queue(options, worker_id) if runs_queue else 0
            close_old_connections()
            if options["once"]:
                if ran and ran >= options["max_tasks_per_round"]:
                    continue  # more may be waiting
                break
            if not ran:
                self._stop.wait(options["interval"])
        self.stdout.write("后台任务进程已停止")

    def _run_queue(self, options: dict[str, Any], worker_id: str) -> int:
        """Run queued tasks (at most a round's worth) with django-tasks-db's worker in batch mode."""
        from django_tasks_db.management.commands.db_worker import Worker

        self._worker = Worker(
            queue_names=options["queue_name"].split(","), interval=0, batch=True, backend_name="default",
            startup_delay=False, max_tasks=options["max_tasks_per_round"], worker_id=worker_id,
            excluded_queue_names=[])
        if self._stop.is_set():
            return 0
        self._worker.run()
        ran = int(self._worker._run_tasks)
        self._worker = None
        return ran

    def _shutdown(self, signum: int, frame: FrameType | None) -> None:
        logger.warning("received %s: stopping after the current task", signal.strsignal(signum))
        self._stop.set()
        if self._worker is not None:
            self._worker.running = False
