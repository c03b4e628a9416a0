"""The transactional outbox: events commit with the change, consumers run once after success, failures back off.

Test events use `probe.*` topics, which no application consumer subscribes to.
"""

from __future__ import annotations

import io
import random
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tongban.core import outbox
from tongban.core.cache import QUEUE_PAUSE
from tongban.core.models import AuditEvent, ConsumptionStatus, OutboxConsumption, OutboxEvent, OutboxPendingEvent
from tongban.core.outbox import (
    OutboxEventData,
    outbox_consumer,
    outbox_dispatch,
    outbox_emit,
    retry_delay,
    topic_matches,
)


@pytest.fixture
def consumers():
    """Register test consumers and forget them afterwards."""
    names: list[str] = []

    def register(name, topics, handler):
        outbox_consumer(name=name, topics=topics)(handler)
        names.append(name)
        return handler

    yield register
    for name in names:
        outbox._unregister(name)


def emit(topic="probe.accepted", **overrides):
    fields = {"payload": {"case_no": "A1", "due": "2026-03-02"}, "aggregate_type": "case", "aggregate_id": "7",
              "department_ids": [3, 1, 3]}
    fields.update(overrides)
    with transaction.atomic():
        return outbox_emit(topic=topic, **fields)


@pytest.mark.django_db(transaction=True)
def test_emit_outside_a_transaction_is_refused():
    with pytest.raises(transaction.TransactionManagementError):
        outbox_emit(topic="probe.accepted", payload={}, aggregate_type="case", aggregate_id="1")
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_emit_rolls_back_with_the_business_change():
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        outbox_emit(topic="probe.accepted", payload={}, aggregate_type="case", aggregate_id="1")
        raise Boom
    assert not OutboxEvent.objects.exists()
    assert not OutboxPendingEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_emit_commits_and_asks_for_a_dispatch_once_per_transaction():
    def enqueued():
        return list(DBTaskResult.objects.filter(task_path="tongban.core.tasks.outbox_dispatch_task"))

    with transaction.atomic():
        first = outbox_emit(topic="probe.accepted", payload={"n": 1}, aggregate_type="case", aggregate_id="1",
                            department_ids=[2, 1, 2])
        outbox_emit(topic="probe.decided", payload={"n": 2}, aggregate_type="case", aggregate_id="1")
        assert enqueued() == []  # not before the commit
    assert len(enqueued()) == 1
    event = OutboxEvent.objects.get(pk=first)
    assert event.department_ids == [1, 2]
    assert OutboxPendingEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_queue_is_not_asked_again_at_every_commit(monkeypatch):
    """Redis down or hung under the RQ backend: the commit succeeds, the event stays pending for the periodic
    dispatch, and the next commits of this process do not each wait for the queue's time-out."""
    from django_tasks.base import Task
    from redis.exceptions import TimeoutError as RedisTimeoutError

    attempts = []

    def unreachable(self, *args, **kwargs):
        attempts.append(self.module_path)
        raise RedisTimeoutError("Timeout reading from socket")

    monkeypatch.setattr(Task, "enqueue", unreachable)
    clock = [1000.0]
    monkeypatch.setattr(QUEUE_PAUSE, "clock", lambda: clock[0])
    for _ in range(3):
        emit()
    assert attempts == ["tongban.core.tasks.outbox_dispatch_task"]
    assert OutboxPendingEvent.objects.count() == 3
    clock[0] += QUEUE_PAUSE.seconds + 1
    emit()
    assert len(attempts) == 2
    monkeypatch.setattr(Task, "enqueue", lambda self, *args, **kwargs: attempts.append("queued"))
    clock[0] += QUEUE_PAUSE.seconds + 1
    emit()
    emit()
    assert attempts[2:] == ["queued", "queued"]  # reachable again: every commit wakes a worker


@pytest.mark.django_db
def test_emit_checks_topic_and_payload():
    with pytest.raises(ValueError):
        outbox_emit(topic="CaseAccepted", payload={}, aggregate_type="case", aggregate_id="1")
    with pytest.raises(TypeError):
        outbox_emit(topic="probe.accepted", payload={"when": timezone.now()}, aggregate_type="case", aggregate_id="1")
    with pytest.raises(TypeError):
        outbox_emit(topic="probe.accepted", payload={}, aggregate_type="case", aggregate_id="1", department_ids=["1"])


@pytest.mark.django_db
def test_events_are_append_only():
    event = OutboxEvent.objects.get(pk=emit())
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        OutboxEvent.objects.filter(pk=event.pk).update(topic="x.y")
    with pytest.raises(PermissionError):
        OutboxEvent.objects.all().delete()


def test_topic_patterns():
    assert topic_matches("case.*", "case.accepted")
    assert topic_matches("*", "licence.issued")
    assert topic_matches("case.accepted", "case.accepted")
    assert not topic_matches("case.*", "cases.accepted")
    assert not topic_matches("case.accepted", "case.accepted_late")


@pytest.mark.django_db
def test_dispatch_runs_each_matching_consumer_once(consumers):
    seen: list[OutboxEventData] = []
    other: list[int] = []
    consumers("test.notify", ["probe.*"], seen.append)
    consumers("test.licences", ["licence.*"], lambda event: other.append(event.id))
    event_id = emit()
    report = outbox_dispatch()
    assert report.fanned_out == 1
    assert [event.id for event in seen] == [event_id]
    data = seen[0]
    assert (data.topic, data.aggregate_type, data.aggregate_id) == ("probe.accepted", "case", "7")
    assert data.payload == {"case_no": "A1", "due": "2026-03-02"}
    assert data.department_ids == (1, 3)
    assert other == []
    outbox_dispatch(now=timezone.now() + timedelta(days=2))
    assert len(seen) == 1
    row = OutboxConsumption.objects.get(consumer="test.notify")
    assert (row.status, row.attempts) == (ConsumptionStatus.DONE, 1)


@pytest.mark.django_db
def test_a_failing_consumer_backs_off_and_its_writes_roll_back(consumers, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    calls = []

    def flaky(event):
        calls.append(event.id)
        with transaction.atomic():
            outbox_emit(topic="notice.sent", payload={}, aggregate_type="notice", aggregate_id="1")
        raise ConnectionError("sms gateway down")

    consumers("test.flaky", ["probe.accepted"], flaky)
    emit()
    start = timezone.now()
    report = outbox_dispatch(now=start)
    assert report.failed == 1
    assert not OutboxEvent.objects.filter(topic="notice.sent").exists()  # the handler's own writes rolled back
    row = OutboxConsumption.objects.get(consumer="test.flaky")
    assert row.attempts == 1
    assert "sms gateway down" in row.last_error
    assert timedelta(seconds=27) <= row.next_attempt_at - start <= timedelta(seconds=33)
    outbox_dispatch(now=start + timedelta(seconds=10))  # not due yet
    assert len(calls) == 1
    outbox_dispatch(now=start + timedelta(seconds=40))
    outbox_dispatch(now=start + timedelta(hours=1))
    row.refresh_from_db()
    assert (row.status, row.attempts, len(calls)) == (ConsumptionStatus.DEAD, 3, 3)
    outbox_dispatch(now=start + timedelta(days=3))
    assert len(calls) == 3
    call_command("outbox_replay", consumer="test.flaky", stdout=io.StringIO())
    row.refresh_from_db()
    assert (row.status, row.attempts) == (ConsumptionStatus.PENDING, 0)
    assert AuditEvent.objects.filter(action="core.outbox.replay").exists()
    outbox_dispatch()
    assert len(calls) == 4


@pytest.mark.django_db
def test_a_crash_while_handling_leaves_the_event_to_the_next_run(consumers):
    class Crash(BaseException):
        """The process dies (not an ordinary error)."""

    crash = {"on": True}
    handled = []

    def handler(event):
        if crash["on"]:
            raise Crash
        handled.append(event.id)

    consumers("test.crashy", ["probe.*"], handler)
    event_id = emit()
    start = timezone.now()
    with pytest.raises(Crash):
        outbox_dispatch(now=start)
    crash["on"] = False
    outbox_dispatch(now=start + timedelta(seconds=5))  # still leased to the dead dispatcher
    assert handled == []
    outbox_dispatch(now=start + outbox.lease() + timedelta(seconds=1))
    assert handled == [event_id]
    row = OutboxConsumption.objects.get(consumer="test.crashy")
    assert (row.status, row.attempts) == (ConsumptionStatus.DONE, 2)  # the attempt that died is counted


@pytest.mark.django_db
def test_a_handler_that_kills_its_worker_every_time_ends_dead(consumers, settings):
    class Crash(BaseException):
        """The process dies (not an ordinary error)."""

    settings.OUTBOX_MAX_ATTEMPTS = 3

    def handler(event):
        raise Crash

    consumers("test.poison", ["probe.*"], handler)
    emit()
    moment = timezone.now()
    for _ in range(3):
        with pytest.raises(Crash):
            outbox_dispatch(now=moment)
        moment += outbox.lease() + timedelta(seconds=1)
    report = outbox_dispatch(now=moment)
    row = OutboxConsumption.objects.get(consumer="test.poison")
    assert (report.dead, row.status, row.attempts, row.next_attempt_at) == (1, ConsumptionStatus.DEAD, 3, None)
    assert "stopped while handling" in row.last_error


@pytest.mark.django_db
def test_the_lease_comes_from_the_setting(consumers, settings):
    settings.OUTBOX_LEASE_SECONDS = 2
    assert outbox.lease() == timedelta(seconds=2)
    handled = []
    consumers("test.leased", ["probe.*"], lambda event: handled.append(event.id))
    event_id = emit()
    start = timezone.now()
    outbox._fan_out(now=start, batch_size=10)
    assert outbox._claim(now=start, batch_size=10, report=outbox.DispatchReport())  # its dispatcher then dies
    outbox_dispatch(now=start + timedelta(seconds=1))
    assert handled == []
    outbox_dispatch(now=start + timedelta(seconds=3))
    assert handled == [event_id]


def test_retry_delays_grow_with_jitter():
    rng = random.Random(4)
    steps = [retry_delay(n, rng=rng).total_seconds() for n in range(1, 8)]
    for got, base in zip(steps, [30, 120, 600, 3600, 21600, 21600, 21600], strict=True):
        assert base * 0.9 <= got <= base * 1.1
    assert len({retry_delay(1, rng=rng) for _ in range(5)}) > 1  # jitter


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="concurrent dispatchers need PostgreSQL")
def test_two_dispatchers_never_handle_the_same_event_twice(consumers):
    handled: list[int] = []
    lock = threading.Lock()

    def handler(event):
        with lock:
            handled.append(event.id)

    consumers("test.concurrent", ["probe.*"], handler)
    ids = [emit(aggregate_id=str(n)) for n in range(60)]
    barrier = threading.Barrier(2)

    def run():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            outbox_dispatch(batch_size=7)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outbox_dispatch()
    assert sorted(handled) == sorted(ids)
    assert connection.vendor == "postgresql"
