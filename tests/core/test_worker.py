"""The periodic scheduler and ``manage.py run_worker`` with the database task backend."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks import Webhook

from tests.factories import DepartmentFactory, webhook_subscription
from tongban.core.models import PeriodicJobState
from tongban.core.outbox import outbox_emit
from tongban.core.scheduler import periodic_jobs, scheduler_tick
from tongban.exchange.models import DeliveryStatus, WebhookDelivery


def queued(task_path: str) -> int:
    return DBTaskResult.objects.filter(task_path=task_path).count()


@pytest.mark.django_db
def test_each_periodic_job_is_enqueued_once_per_period():
    names = {job.name for job in periodic_jobs()}
    assert {"tongban.core.tasks.outbox_dispatch_task", "tongban.exchange.tasks.webhook_send_task"} <= names
    now = timezone.now()
    first = scheduler_tick(now=now)
    assert "tongban.core.tasks.outbox_dispatch_task" in first
    assert "tongban.core.tasks.outbox_dispatch_task" not in scheduler_tick(now=now + timedelta(seconds=1))
    assert "tongban.core.tasks.outbox_dispatch_task" in scheduler_tick(now=now + timedelta(seconds=6))
    assert "tongban.core.tasks.task_results_prune_task" not in scheduler_tick(now=now + timedelta(seconds=12))
    assert queued("tongban.core.tasks.outbox_dispatch_task") == 3
    assert queued("tongban.core.tasks.task_results_prune_task") == 1
    state = PeriodicJobState.objects.get(name="tongban.core.tasks.outbox_dispatch_task")
    assert state.next_run_at == now + timedelta(seconds=17)


@pytest.mark.django_db(transaction=True)
def test_run_worker_once_delivers_a_committed_event(regions):
    received: list[dict] = []
    department = DepartmentFactory(region=regions["kunming"])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            received.append(Webhook(secret).verify(body, dict(self.headers.items())))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _sub, secret = webhook_subscription(department, url=f"http://127.0.0.1:{server.server_address[1]}/")
        with transaction.atomic():
            outbox_emit(topic="probe.accepted", payload={"case_no": "W-1"}, aggregate_type="case", aggregate_id="W-1",
                        department_ids=[department.pk])
        assert queued("tongban.core.tasks.outbox_dispatch_task") == 1  # asked for right after the commit
        call_command("run_worker", "--once", verbosity=0)
    finally:
        server.shutdown()
        server.server_close()
    assert [document["data"] for document in received] == [{"case_no": "W-1"}]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED
    assert not DBTaskResult.objects.ready().exists()


@pytest.mark.django_db
def test_a_job_the_queue_cannot_take_runs_in_the_scheduler(monkeypatch):
    """Redis down under the RQ backend: the scheduler runs the due job itself rather than skip its period."""
    from django_tasks.base import Task

    ran: list[str] = []
    original_call = Task.call

    def refuse(self, *args, **kwargs):
        raise ConnectionError("queue unreachable")

    def record(self, *args, **kwargs):
        ran.append(self.module_path)
        return original_call(self, *args, **kwargs)

    refused: list[str] = []

    def refuse_and_count(self, *args, **kwargs):
        refused.append(self.module_path)
        refuse(self)

    monkeypatch.setattr(Task, "enqueue", refuse_and_count)
    monkeypatch.setattr(Task, "call", record)
    assert scheduler_tick(now=timezone.now()) == []
    assert "tongban.core.tasks.outbox_dispatch_task" in ran
    assert len(ran) > 1 and len(refused) == 1  # after one refusal the other due jobs don't wait on the queue
    assert queued("tongban.core.tasks.outbox_dispatch_task") == 0
