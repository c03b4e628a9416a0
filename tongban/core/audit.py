"""The audit API (审计): every module records sensitive actions through :func:`audit_record`.

Records are append-only and chained: each record's hash is an HMAC over its content and the previous
record's hash, keyed by ``TONGBAN_AUDIT_KEY``. Editing, deleting or re-ordering a row breaks the chain,
which :func:`audit_verify` (``manage.py audit_verify``) reports.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongban.core.context import current_request_context
from tongban.core.errors import DomainError, NotFound, NotPermitted
from tongban.core.models import AuditChainHead, AuditEvent, AuditOutcome

GENESIS = "0" * 64

__all__ = [
    "SYSTEM",
    "Actor",
    "AuditOutcome",
    "Target",
    "actor_from_user",
    "atomic_service",
    "audit_entries_for_target",
    "audit_record",
    "audit_verify",
    "concealed_denial",
    "denial",
]


@dataclass(frozen=True)
class Actor:
    """Who acts: ``kind`` is staff, person, organization, system or anonymous."""

    kind: str
    id: str = ""
    label: str = ""


@dataclass(frozen=True)
class Target:
    """The object acted on."""

    type: str
    id: str = ""
    label: str = ""


SYSTEM = Actor(kind="system", id="", label="system")
ANONYMOUS = Actor(kind="anonymous")


def actor_from_user(user: Any) -> Actor:
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    kind = str(getattr(user, "kind", "person"))
    return Actor(kind=kind, id=str(user.pk), label=user.get_username())


def _key() -> bytes:
    explicit = getattr(settings, "AUDIT_KEY", "")
    if explicit:
        return str(explicit).encode()
    return hashlib.sha256(b"tongban-audit:" + settings.SECRET_KEY.encode()).digest()


def audit_keyed_digest(data: bytes, *, purpose: str) -> str:
    """HMAC-SHA256 of ``data`` under a key derived from the audit key for ``purpose`` (so that the audit chain's own
    key signs nothing else): for records that travel with the audit chain, such as a backup's manifest."""
    key = hmac.new(_key(), b"tongban-keyed-digest:" + purpose.encode(), hashlib.sha256).digest()
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def _canonical(event: AuditEvent) -> bytes:
    occurred = event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    payload = [
        event.seq, occurred, event.actor_type, event.actor_id, event.actor_label,
        event.on_behalf_of_type, event.on_behalf_of_id, event.on_behalf_of_label,
        event.action, event.object_type, event.object_id, event.object_label, event.outcome,
        event.ip or "", event.user_agent, event.request_id, event.detail,
    ]
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _digest(prev_hash: str, event: AuditEvent) -> str:
    return hmac.new(_key(), prev_hash.encode() + b"|" + _canonical(event), hashlib.sha256).hexdigest()


def audit_record(
    *,
    action: str,
    actor: Actor,
    outcome: str = AuditOutcome.SUCCESS,
    target: Target | None = None,
    on_behalf_of: Actor | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one record. Runs in the caller's transaction, so it commits or rolls back with the action."""
    ctx = current_request_context()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.last_seq + 1,
            occurred_at=timezone.now(),
            actor_type=actor.kind,
            actor_id=actor.id,
            actor_label=actor.label[:200],
            on_behalf_of_type=on_behalf_of.kind if on_behalf_of else "",
            on_behalf_of_id=on_behalf_of.id if on_behalf_of else "",
            on_behalf_of_label=on_behalf_of.label[:200] if on_behalf_of else "",
            action=action,
            object_type=target.type if target else "",
            object_id=str(target.id)[:100] if target else "",
            object_label=target.label[:300] if target else "",
            outcome=str(outcome),
            ip=ctx.ip,
            user_agent=ctx.user_agent,
            request_id=ctx.request_id,
            detail=json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str)),
            prev_hash=head.last_hash,
        )
        event.hash = _digest(head.last_hash, event)
        event.save()
        AuditChainHead.objects.filter(pk=head.pk).update(last_seq=event.seq, last_hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def audit_verify() -> Iterator[ChainProblem]:
    """Walk the whole chain and yield every problem found (edited, deleted or inserted records)."""
    expected_seq = 1
    prev_hash = GENESIS
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            yield ChainProblem(expected_seq, f"records {expected_seq}..{event.seq - 1} are missing")
        if event.prev_hash != prev_hash:
            yield ChainProblem(event.seq, "link to the previous record is broken")
        if not hmac.compare_digest(_digest(event.prev_hash, event), event.hash):
            yield ChainProblem(event.seq, "content does not match its hash (edited)")
        prev_hash = event.hash
        expected_seq = event.seq + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    last_seq = expected_seq - 1
    if head is not None and (head.last_seq != last_seq or head.last_hash != prev_hash):
        yield ChainProblem(head.last_seq, f"chain ends at {last_seq} but the head records {head.last_seq} (tail deleted)")




def audit_entries_for_target(*, type: str, id: str) -> list[dict[str, Any]]:
    """Every record whose target is (``type``, ``id``), oldest first, as plain JSON-ready dicts (the chain's
    ``seq`` and ``hash`` included, so that an extract can be checked against the log). No permission check: the
    electronic archive (电子档案) copies a case's records into its package."""
    rows = AuditEvent.objects.filter(object_type=type, object_id=str(id)[:100]).order_by("seq")
    return [{
        "seq": e.seq, "occurred_at": e.occurred_at.astimezone(UTC).isoformat(), "action": e.action,
        "outcome": e.outcome, "actor_type": e.actor_type, "actor_id": e.actor_id, "actor_label": e.actor_label,
        "on_behalf_of_type": e.on_behalf_of_type, "on_behalf_of_id": e.on_behalf_of_id,
        "on_behalf_of_label": e.on_behalf_of_label, "object_type": e.object_type, "object_id": e.object_id,
        "object_label": e.object_label, "request_id": e.request_id, "detail": e.detail, "hash": e.hash,
    } for e in rows]


P = ParamSpec("P")
R = TypeVar("R")


def denial(*, action: str, actor: Actor, target: Target | None, message: str) -> NotPermitted:
    """A :class:`NotPermitted` whose audit record is written by :func:`atomic_service` after the rollback."""
    error = NotPermitted(message)
    error.audit = {"action": action, "actor": actor, "target": target, "outcome": AuditOutcome.DENIED}
    return error


def concealed_denial(*, action: str, actor: Actor, target: Target | None, message: str) -> NotFound:
    """A refusal that answers like a missing record (404), so that it does not reveal whether the record exists.

    Used when a record lies outside the actor's data scope; audited like :func:`denial` (outcome ``denied``).
    """
    error = NotFound(message)
    error.audit = {"action": action, "actor": actor, "target": target, "outcome": AuditOutcome.DENIED}
    return error


def atomic_service(func: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` for services, keeping the audit record of a refused action.

    The service's writes roll back when it raises; a refusal raised with :func:`denial` or
    :func:`concealed_denial` is then recorded in its own transaction, so refused attempts stay in the audit log.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except DomainError as exc:
            if exc.audit:
                audit_record(**exc.audit)
            raise

    return wrapper
