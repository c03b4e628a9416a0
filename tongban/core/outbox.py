"""The transactional outbox (事务性发件箱): every business event is a row committed with the business change.

* :func:`outbox_emit` writes an event inside the caller's transaction: it commits or rolls back with the change, so
  no event is lost between the commit and a send, and no event is sent for a change that rolled back.
* :func:`outbox_consumer` registers an in-process consumer (e.g. applicant notifications; the webhook fan-out of
  ``tongban.exchange``) for topics such as ``case.accepted`` or ``case.*``.
* :func:`outbox_dispatch` (run by the worker every few seconds, and right after each commit that emitted) fans
  new events out to the consumers and runs the due handlers. Each (consumer, event) is handled at least once; a
  handler runs in one transaction with the row that records its success, so after success it never runs again;
  a failing handler is retried with back-off (:func:`retry_delay`) and given up (``dead``) after
  ``TONGBAN_OUTBOX_MAX_ATTEMPTS`` attempts. An attempt is counted when its row is claimed, so one whose worker was
  killed counts too; the killed worker's claim lapses after ``TONGBAN_OUTBOX_LEASE_SECONDS`` and the next
  dispatch runs the handler again (``tests/faults/`` kills a worker mid-handler to prove it).

Consumers live in ``<app>/consumers.py`` (found by :func:`tongban.core.scheduler.discover`). Several dispatchers
may run at once on PostgreSQL: rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED``. SQLite runs one worker.
See ``docs/operations/outbox.md`` and the ADR on the outbox and tasks in ``docs/adr/``.
"""

from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tongban.core.cache import QUEUE_PAUSE, UNREACHABLE  # the errors of a Redis that cannot be reached
from tongban.core.models import ConsumptionStatus, OutboxConsumption, OutboxEvent, OutboxPendingEvent

__all__ = [
    "RETRY_SCHEDULE",
    "Consumer",
    "DispatchReport",
    "Handler",
    "OutboxEventData",
    "lease",
    "outbox_consumer",
    "outbox_consumers",
    "outbox_consumption_replay",
    "outbox_dispatch",
    "outbox_emit",
    "outbox_event_get",
    "retry_delay",
    "topic_matches",
    "valid_topic_pattern",
]

logger = logging.getLogger(__name__)

TOPIC_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
PATTERN_RE = re.compile(r"\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?")
AGGREGATE_MAX = 64
ERROR_MAX = 500
#: Waits after the 1st, 2nd, … failed attempt (30 s, 2 min, 10 min, 1 h, 6 h; then 6 h again), before jitter.
RETRY_SCHEDULE: tuple[int, ...] = (30, 120, 600, 3600, 6 * 3600)
JITTER = 0.1
#: How long a claimed row stays with the dispatcher that claimed it, unless ``TONGBAN_OUTBOX_LEASE_SECONDS`` says
#: otherwise: a dispatcher that dies (a worker killed mid-handler) gives the row up to the next run after this.
LEASE_SECONDS = 120
#: After the task queue could not be reached, commits in this process do not ask it again for this long.


@dataclass(frozen=True)
class OutboxEventData:
    """An outbox event as consumers see it (plain data, not the row)."""

    id: int
    topic: str
    payload: dict[str, Any]
    aggregate_type: str
    aggregate_id: str
    department_ids: tuple[int, ...]
    created_at: datetime


Handler = Callable[[OutboxEventData], None]


@dataclass(frozen=True)
class Consumer:
    name: str
    topics: tuple[str, ...]
    handler: Handler

    def wants(self, topic: str) -> bool:
        return any(topic_matches(pattern, topic) for pattern in self.topics)


@dataclass
class DispatchReport:
    fanned_out: int = 0
    handled: int = 0
    failed: int = 0
    dead: int = 0


_CONSUMERS: dict[str, Consumer] = {}


# --- topics ---------------------------------------------------------------------------------------------------


def valid_topic_pattern(pattern: str) -> bool:
    """``case.accepted``, ``case.*`` (every topic under ``case.``) or ``*`` (every topic)."""
    return isinstance(pattern, str) and PATTERN_RE.fullmatch(pattern) is not None


def topic_matches(pattern: str, topic: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return topic.startswith(pattern[:-1])
    return pattern == topic


# --- emitting -------------------------------------------------------------------------------------------------


def _json_payload(payload: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise TypeError(f"outbox payload must be a dict, not {type(payload).__name__}")
    try:
        text = json.dumps(payload, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TypeError(f"outbox payload is not JSON-serialisable (give dates as ISO strings): {error}") from None
    loaded: dict[str, Any] = json.loads(text)  # what consumers will see: tuples become lists, keys strings
    return loaded


def outbox_emit(*, topic: str, payload: dict[str, Any], aggregate_type: str, aggregate_id: str,
                department_ids: Sequence[int] = ()) -> int:
    """Write one event in the caller's transaction and return its id.

    ``topic`` names what happened (``<aggregate>.<past participle>``, e.g. ``case.accepted``); ``payload`` is
    JSON-serialisable (dates as ISO strings); ``department_ids`` are the departments whose subscribed systems
    receive it as a webhook. Raises :class:`~django.db.transaction.TransactionManagementError` outside
    ``transaction.atomic()``: an event must commit or roll back with the change it reports.
    """
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError(
            "outbox_emit() must run inside the transaction of the business change (transaction.atomic)")
    if not isinstance(topic, str) or not TOPIC_RE.fullmatch(topic) or len(topic) > 100:
        raise ValueError(f"invalid outbox topic {topic!r}: expected lower-case dotted names such as 'case.accepted'")
    aggregate_type, aggregate_id = str(aggregate_type), str(aggregate_id)
    if not aggregate_type or not aggregate_id or len(aggregate_type) > AGGREGATE_MAX or len(aggregate_id) > AGGREGATE_MAX:
        raise ValueError(f"aggregate_type and aggregate_id must be 1-{AGGREGATE_MAX} characters")
    departments: set[int] = set()
    for department_id in department_ids:
        if isinstance(department_id, bool) or not isinstance(department_id, int):
            raise TypeError(f"department ids must be integers, not {department_id!r}")
        departments.add(department_id)
    event = OutboxEvent.objects.create(
        topic=topic, payload=_json_payload(payload), aggregate_type=aggregate_type, aggregate_id=aggregate_id,
        department_ids=sorted(departments), created_at=timezone.now())
    OutboxPendingEvent.objects.create(event=event)
    _dispatch_after_commit()
    return event.pk


def _dispatch_after_commit() -> None:
    """Ask the worker for a dispatch as soon as this transaction commits (once per transaction)."""
    connection = transaction.get_connection()
    if any(getattr(entry[1], "__func__", entry[1]) is _enqueue_dispatch for entry in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_dispatch, robust=True)


def _enqueue_dispatch() -> None:
    """Wake a worker up for the new events. When the queue cannot be reached (Redis down or hung under the RQ
    backend), the request is not failed — the periodic dispatch delivers the events — and this process stops
    asking the queue for a while (``tongban.core.cache.QUEUE_PAUSE``, 30 s), so that only one request per process
    waits for the queue's time-out rather than every commit that emits."""
    from tongban.core.tasks import outbox_dispatch_task  # the task module imports this one

    if QUEUE_PAUSE.active:
        return
    try:
        outbox_dispatch_task.enqueue()
    except Exception as error:  # the periodic dispatch picks the event up anyway
        if isinstance(error, UNREACHABLE):
            QUEUE_PAUSE.start()
        logger.exception("could not enqueue the outbox dispatch; the periodic run will deliver the event")


def _data(event: OutboxEvent) -> OutboxEventData:
    return OutboxEventData(
        id=event.pk, topic=event.topic, payload=dict(event.payload), aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id, department_ids=tuple(int(d) for d in event.department_ids),
        created_at=event.created_at)


def outbox_event_get(*, event_id: int) -> OutboxEventData | None:
    event = OutboxEvent.objects.filter(pk=event_id).first()
    return _data(event) if event is not None else None


# --- consumers ------------------------------------------------------------------------------------------------


def outbox_consumer(*, name: str, topics: Sequence[str]) -> Callable[[Handler], Handler]:
    """Register the decorated function as the consumer ``name`` of ``topics`` (``case.accepted``, ``case.*``).

    The handler runs in a transaction with the record of its success: its own database writes commit with that
    record or roll back with a failure. It must be idempotent for side effects outside the database (it may run
    again if the process dies after the side effect and before the commit). Keep the name stable: it keys the
    bookkeeping rows.
    """
    if not name or len(name) > 100:
        raise ValueError("a consumer needs a name of 1-100 characters")
    patterns = tuple(topics)
    if not patterns or not all(valid_topic_pattern(p) for p in patterns):
        raise ValueError(f"consumer {name!r}: invalid topics {patterns!r}")

    def register(handler: Handler) -> Handler:
        existing = _CONSUMERS.get(name)
        if existing is not None and existing.handler is not handler and (
                existing.handler.__module__, existing.handler.__qualname__) != (
                handler.__module__, handler.__qualname__):
            raise RuntimeError(f"outbox consumer {name!r} registered twice")
        _CONSUMERS[name] = Consumer(name=name, topics=patterns, handler=handler)
        return handler

    return register


def outbox_consumers() -> tuple[Consumer, ...]:
    return tuple(_CONSUMERS.values())


def _unregister(name: str) -> None:
    """For tests: forget a consumer."""
    _CONSUMERS.pop(name, None)


# --- dispatching ----------------------------------------------------------------------------------------------


def retry_delay(failures: int, *, schedule: Sequence[int] = RETRY_SCHEDULE, rng: random.Random | None = None,
                ) -> timedelta:
    """The wait after the ``failures``-th failed attempt: the schedule's step (the last one repeats), ±10 %."""
    step = schedule[min(max(failures, 1), len(schedule)) - 1]
    jitter = (rng or random).uniform(1 - JITTER, 1 + JITTER)
    return timedelta(seconds=step * jitter)


def _locked(queryset: Any) -> Any:
    """``SELECT … FOR UPDATE SKIP LOCKED`` of the queryset's own rows (ignored on SQLite, which has one writer)."""
    return queryset.select_for_update(skip_locked=True, of=("self",))


def _fan_out(*, now: datetime, batch_size: int) -> int:
    consumers = outbox_consumers()
    with transaction.atomic():
        pending = list(_locked(OutboxPendingEvent.objects.order_by("event_id")).values_list("event_id", flat=True)
                       [:batch_size])
        if not pending:
            return 0
        events = OutboxEvent.objects.filter(pk__in=pending).values_list("pk", "topic")
        rows = [OutboxConsumption(consumer=consumer.name, event_id=pk, next_attempt_at=now)
                for pk, topic in events for consumer in consumers if consumer.wants(topic)]
        OutboxConsumption.objects.bulk_create(rows, ignore_conflicts=True)
        OutboxPendingEvent.objects.filter(event_id__in=pending).delete()
    return len(pending)


def lease() -> timedelta:
    """How long a claim lasts (``TONGBAN_OUTBOX_LEASE_SECONDS``)."""
    return timedelta(seconds=int(getattr(settings, "OUTBOX_LEASE_SECONDS", LEASE_SECONDS)))


def _max_attempts() -> int:
    return int(getattr(settings, "OUTBOX_MAX_ATTEMPTS", 8))


def _claim(*, now: datetime, batch_size: int, report: DispatchReport) -> list[int]:
    """Lease due rows to this dispatcher and count the attempt now, before any handler runs: an attempt whose
    worker dies (killed, out of memory) counts too, so a handler that kills its worker every time ends ``dead``
    after ``TONGBAN_OUTBOX_MAX_ATTEMPTS`` claims instead of being retried for ever."""
    with transaction.atomic():
        rows = list(_locked(OutboxConsumption.objects.filter(status=ConsumptionStatus.PENDING,
                                                              next_attempt_at__lte=now)
                            .order_by("next_attempt_at", "id")).values_list("pk", "attempts")[:batch_size])
        spent = [pk for pk, attempts in rows if attempts >= _max_attempts()]
        ids = [pk for pk, attempts in rows if attempts < _max_attempts()]
        if spent:
            OutboxConsumption.objects.filter(pk__in=spent, last_error="").update(
                last_error="the worker stopped while handling it (killed?) on every attempt")
            OutboxConsumption.objects.filter(pk__in=spent).update(status=ConsumptionStatus.DEAD, next_attempt_at=None)
            report.dead += len(spent)
            logger.error("outbox consumptions %s given up: their worker stopped during every attempt", spent)
        OutboxConsumption.objects.filter(pk__in=ids).update(next_attempt_at=now + lease(), attempts=F("attempts") + 1)
    return ids


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_MAX]


def _handle(consumption_id: int, *, now: datetime, report: DispatchReport) -> None:
    try:
        with transaction.atomic():
            row = (OutboxConsumption.objects.select_for_update().select_related("event")
                   .filter(pk=consumption_id, status=ConsumptionStatus.PENDING).first())
            if row is None:  # handled meanwhile by another dispatcher
                return
            consumer = _CONSUMERS.get(row.consumer)
            if consumer is None:
                raise LookupError(f"outbox consumer {row.consumer!r} is not registered in this process")
            consumer.handler(_data(row.event))
            row.status = ConsumptionStatus.DONE  # the attempt was counted when the row was claimed
            row.handled_at = timezone.now()
            row.next_attempt_at = None
            row.last_error = ""
            row.save(update_fields=["status", "handled_at", "next_attempt_at", "last_error"])
            report.handled += 1
    except Exception as error:
        logger.exception("outbox consumer failed on consumption %s", consumption_id)
        _record_failure(consumption_id, error=error, now=now, report=report)


def _record_failure(consumption_id: int, *, error: Exception, now: datetime, report: DispatchReport) -> None:
    with transaction.atomic():
        row = (OutboxConsumption.objects.select_for_update()
               .filter(pk=consumption_id, status=ConsumptionStatus.PENDING).first())
        if row is None:
            return
        row.last_error = _error_text(error)  # the attempt was counted when the row was claimed
        if row.attempts >= _max_attempts():
            row.status = ConsumptionStatus.DEAD
            row.next_attempt_at = None
            report.dead += 1
        else:
            row.next_attempt_at = now + retry_delay(row.attempts)
            report.failed += 1
        row.save(update_fields=["last_error", "status", "next_attempt_at"])


def outbox_dispatch(*, now: datetime | None = None, batch_size: int = 100, max_batches: int = 20) -> DispatchReport:
    """One dispatcher run: fan new events out to the consumers, then run every due handler.

    Safe to run in several processes at once (rows are claimed, SKIP LOCKED on PostgreSQL) and after a crash
    (an event committed but not fanned out is still pending; a claimed row is retried when its lease ends).
    ``now`` is for tests.
    """
    from tongban.core.scheduler import discover

    discover()
    now = now or timezone.now()
    report = DispatchReport()
    for _ in range(max_batches):
        fanned = _fan_out(now=now, batch_size=batch_size)
        report.fanned_out += fanned
        if fanned < batch_size:
            break
    for _ in range(max_batches):
        dead_before = report.dead
        claimed = _claim(now=now, batch_size=batch_size, report=report)
        for consumption_id in claimed:
            _handle(consumption_id, now=now, report=report)
        if len(claimed) + report.dead - dead_before < batch_size:
            break
    return report


def outbox_consumption_replay(*, consumer: str, event_id: int | None = None) -> int:
    """Put dead consumptions of ``consumer`` (one event's, or all) back to pending with a fresh round of attempts.

    Audited (``core.outbox.replay``); ``manage.py outbox_replay`` calls it. Returns how many were replayed.
    """
    from tongban.core.audit import SYSTEM, Target, audit_record

    with transaction.atomic():
        rows = OutboxConsumption.objects.select_for_update().filter(consumer=consumer, status=ConsumptionStatus.DEAD)
        if event_id is not None:
            rows = rows.filter(event_id=event_id)
        ids = list(rows.values_list("pk", flat=True))
        OutboxConsumption.objects.filter(pk__in=ids).update(status=ConsumptionStatus.PENDING, attempts=0,
                                                            next_attempt_at=timezone.now())
        if ids:
            audit_record(action="core.outbox.replay", actor=SYSTEM, target=Target(type="outbox_consumer", id=consumer),
                         detail={"event_id": event_id, "count": len(ids)})
    if ids:
        _dispatch_after_commit_now()
    return len(ids)


def _dispatch_after_commit_now() -> None:
    transaction.on_commit(_enqueue_dispatch, robust=True)
