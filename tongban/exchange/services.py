"""Writes of the exchange app: webhook subscriptions of department systems and the delivery of outbox events to them.

Deliveries are signed per the Standard Webhooks specification (``webhook-id`` = the outbox event id,
``webhook-timestamp``, ``webhook-signature`` = ``v1,<base64 HMAC-SHA256>`` with the subscription's ``whsec_``
secret), retried with back-off and jitter (:func:`tongban.core.outbox.retry_delay`) and dead-lettered after
``TONGBAN_WEBHOOK_MAX_ATTEMPTS`` failed attempts; an administrator replays a dead delivery from the workbench.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from tongban.core.audit import Target, atomic_service, audit_record, concealed_denial, denial
from tongban.core.crypto import decrypt_text, encrypt_text
from tongban.core.errors import Conflict, DomainError, IssueList, ValidationFailed
from tongban.core.outbox import OutboxEventData, outbox_event_get, retry_delay, topic_matches, valid_topic_pattern
from tongban.directory.selectors import StaffContext, department_get, staff_audit_actor
from tongban.exchange.models import CallbackReceipt, DeliveryStatus, WebhookDelivery, WebhookSubscription
from tongban.exchange.permissions import may_manage_webhooks, webhook_scope
from tongban.exchange.senders import EXCERPT_BYTES, Sender, WebhookRequest, WebhookResponse, http_sender

__all__ = [
    "SECRET_CONTEXT", "CallbackAnswer", "RegisteredSubscription", "SendReport", "callback_handle_once",
    "webhook_body", "webhook_deliveries_create",
    "webhook_delivery_open", "webhook_delivery_replay", "webhook_delivery_send_due", "webhook_headers",
    "webhook_secret_generate", "webhook_subscription_open", "webhook_subscription_register",
    "webhook_subscription_rotate_secret", "webhook_subscription_set_active",
]

logger = logging.getLogger(__name__)

SECRET_CONTEXT = "exchange.webhook_subscription.secret"  # noqa: S105 (the encryption context, not a secret)
SECRET_BYTES = 32
MAX_TOPICS = 20
URL_MAX = 500
NAME_MAX = 100
ERROR_MAX = 500
SUBSCRIPTION = "webhook_subscription"
DELIVERY = "webhook_delivery"


@dataclass(frozen=True)
class RegisteredSubscription:
    """A subscription just registered (or re-keyed): the only time its secret is shown."""

    id: int
    name: str
    url: str
    secret: str


@dataclass
class SendReport:
    delivered: int = 0
    failed: int = 0
    dead: int = 0


# --- subscriptions --------------------------------------------------------------------------------------------


def webhook_secret_generate() -> str:
    """A fresh Standard Webhooks secret: ``whsec_`` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(os.urandom(SECRET_BYTES)).decode("ascii")


def _http_allowed() -> bool:
    return bool(settings.DEBUG or getattr(settings, "DEMO_MODE", False))


def _check_url(url: str, issues: IssueList) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if len(url) > URL_MAX or parts.scheme not in {"http", "https"} or not parts.hostname:
        issues.add("invalid_url", _("请填写完整的接收地址，例如 https://dept.example.gov.cn/webhooks。"), "url")
    elif parts.scheme == "http" and not _http_allowed():
        issues.add("https_required", _("接收地址必须使用 https（仅开发和演示环境允许 http）。"), "url")
    elif parts.username or parts.password:
        issues.add("credentials_in_url", _("接收地址中不能包含用户名或密码，请用签名密钥验证来源。"), "url")
    elif parts.fragment:
        issues.add("fragment_in_url", _("接收地址不能包含“#”后的部分。"), "url")
    return url


def _check_topics(topics: Sequence[str], issues: IssueList) -> list[str]:
    cleaned = list(dict.fromkeys(str(topic).strip() for topic in topics if str(topic).strip()))
    if not cleaned:
        issues.add("no_topics", _("请至少订阅一个主题，例如 case.*。"), "topics")
    elif len(cleaned) > MAX_TOPICS:
        issues.add("too_many_topics", _("最多订阅 %(n)d 个主题。") % {"n": MAX_TOPICS}, "topics")
    else:
        bad = [topic for topic in cleaned if not valid_topic_pattern(topic) or len(topic) > 100]
        if bad:
            issues.add("invalid_topic", _("主题格式不正确：%(t)s（例如 case.accepted、case.* 或 *）。")
                       % {"t": "、".join(bad)}, "topics")
    return cleaned


@atomic_service
def webhook_subscription_register(*, actor: StaffContext, department_id: int, name: str, url: str,
                                  topics: Sequence[str]) -> RegisteredSubscription:
    """Register a department system's webhook endpoint; returns its secret, which is shown only this once."""
    action = "exchange.webhook.register"
    if not may_manage_webhooks(actor):
        raise denial(action=action, actor=staff_audit_actor(actor), target=None,
                     message=_("只有平台管理员和部门管理员可以管理事件订阅。"))
    if not webhook_scope(actor).covers_department(department_id):
        raise denial(action=action, actor=staff_audit_actor(actor), target=Target(type="department", id=str(department_id)),
                     message=_("部门管理员只能为本部门登记事件订阅。"))
    department = department_get(department_id=department_id)
    issues = IssueList()
    if department is None:
        issues.add("unknown_department", _("所选部门不存在。"), "department")
    name = (name or "").strip()
    if not name or len(name) > NAME_MAX:
        issues.add("invalid_name", _("请填写系统名称（不超过 %(n)d 个字）。") % {"n": NAME_MAX}, "name")
    url = _check_url(url, issues)
    cleaned_topics = _check_topics(topics, issues)
    if issues:
        raise ValidationFailed(_("事件订阅信息有误，请修改后再提交。"), issues=issues.issues)
    secret = webhook_secret_generate()
    subscription = WebhookSubscription.objects.create(
        department_id=department_id, name=name, url=url, topics=cleaned_topics,
        secret_encrypted=encrypt_text(secret, context=SECRET_CONTEXT), created_by_id=actor.user_id)
    audit_record(action=action, actor=staff_audit_actor(actor),
                 target=Target(type=SUBSCRIPTION, id=str(subscription.pk), label=name),
                 detail={"department_id": department_id, "url": url, "topics": cleaned_topics})
    return RegisteredSubscription(id=subscription.pk, name=name, url=url, secret=secret)


def _subscription_in_scope(*, actor: StaffContext, subscription_id: int, action: str,
                           lock: bool = True) -> WebhookSubscription:
    target = Target(type=SUBSCRIPTION, id=str(subscription_id))
    if not may_manage_webhooks(actor):
        raise denial(action=action, actor=staff_audit_actor(actor), target=target,
                     message=_("只有平台管理员和部门管理员可以管理事件订阅。"))
    rows = WebhookSubscription.objects.select_related("department")
    if lock:
        rows = rows.select_for_update(of=("self",))
    subscription = rows.filter(pk=subscription_id).first()
    if subscription is None or not webhook_scope(actor).covers_department(subscription.department_id):
        raise concealed_denial(action=action, actor=staff_audit_actor(actor), target=target,
                               message=_("没有找到该事件订阅。"))
    return subscription


@atomic_service
def webhook_subscription_open(*, actor: StaffContext, subscription_id: int) -> WebhookSubscription:
    """The subscription for its page; outside the actor's scope it answers like a missing one (audited)."""
    return _subscription_in_scope(actor=actor, subscription_id=subscription_id, action="exchange.webhook.view",
                                  lock=False)


@atomic_service
def webhook_subscription_set_active(*, actor: StaffContext, subscription_id: int, active: bool) -> None:
    """Pause (停用) or resume (启用) a subscription. Deliveries of a paused one wait until it is resumed."""
    action = "exchange.webhook.activate" if active else "exchange.webhook.deactivate"
    subscription = _subscription_in_scope(actor=actor, subscription_id=subscription_id, action=action)
    if subscription.is_active == active:
        return
    subscription.is_active = active
    subscription.save(update_fields=["is_active"])
    audit_record(action=action, actor=staff_audit_actor(actor),
                 target=Target(type=SUBSCRIPTION, id=str(subscription.pk), label=subscription.name))
    if active:
        _send_after_commit()


@atomic_service
def webhook_subscription_rotate_secret(*, actor: StaffContext, subscription_id: int) -> RegisteredSubscription:
    """Replace the secret (更换密钥); the new one is shown only this once and signs every later attempt."""
    action = "exchange.webhook.rotate_secret"
    subscription = _subscription_in_scope(actor=actor, subscription_id=subscription_id, action=action)
    secret = webhook_secret_generate()
    subscription.secret_encrypted = encrypt_text(secret, context=SECRET_CONTEXT)
    subscription.save(update_fields=["secret_encrypted"])
    audit_record(action=action, actor=staff_audit_actor(actor),
                 target=Target(type=SUBSCRIPTION, id=str(subscription.pk), label=subscription.name))
    return RegisteredSubscription(id=subscription.pk, name=subscription.name, url=subscription.url, secret=secret)


# --- deliveries -----------------------------------------------------------------------------------------------


def _delivery_in_scope(*, actor: StaffContext, delivery_id: int, action: str, lock: bool) -> WebhookDelivery:
    target = Target(type=DELIVERY, id=str(delivery_id))
    if not may_manage_webhooks(actor):
        raise denial(action=action, actor=staff_audit_actor(actor), target=target,
                     message=_("只有平台管理员和部门管理员可以管理事件订阅。"))
    rows = WebhookDelivery.objects.select_related("subscription__department")
    if lock:
        rows = rows.select_for_update(of=("self",))
    delivery = rows.filter(pk=delivery_id).first()
    if delivery is None or not webhook_scope(actor).covers_department(delivery.subscription.department_id):
        raise concealed_denial(action=action, actor=staff_audit_actor(actor), target=target,
                               message=_("没有找到该推送记录。"))
    return delivery


@atomic_service
def webhook_delivery_open(*, actor: StaffContext, delivery_id: int) -> WebhookDelivery:
    """The delivery for the replay confirmation page; outside the scope it answers like a missing one (audited)."""
    return _delivery_in_scope(actor=actor, delivery_id=delivery_id, action="exchange.webhook.view", lock=False)


@atomic_service
def webhook_delivery_replay(*, actor: StaffContext, delivery_id: int) -> None:
    """Send a dead-lettered delivery again (重新投递): same ``webhook-id``, a fresh round of attempts. Audited."""
    action = "exchange.webhook.replay"
    delivery = _delivery_in_scope(actor=actor, delivery_id=delivery_id, action=action, lock=True)
    if delivery.status != DeliveryStatus.DEAD:
        raise Conflict(_("只有投递失败的推送可以重新投递。"), code="not_dead")
    previous = {"attempts": delivery.attempts, "last_error": delivery.last_error,
                "last_status_code": delivery.last_status_code}
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.replays += 1
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "replays"])
    audit_record(action=action, actor=staff_audit_actor(actor),
                 target=Target(type=DELIVERY, id=str(delivery.pk),
                               label=f"{delivery.topic} #{delivery.event_id} → {delivery.subscription.name}"),
                 detail={"event_id": delivery.event_id, "subscription_id": delivery.subscription_id, **previous})
    _send_after_commit()


def webhook_deliveries_create(*, event: OutboxEventData) -> int:
    """Fan one outbox event out to the subscriptions of its departments whose topics match (idempotent).

    Paused subscriptions get their deliveries too: they wait until the subscription is resumed. Runs inside the
    outbox consumer's transaction (``tongban.exchange.consumers``).
    """
    if not event.department_ids:
        return 0
    subscriptions = WebhookSubscription.objects.filter(department_id__in=event.department_ids)
    rows = [WebhookDelivery(event_id=event.id, subscription=subscription, topic=event.topic,
                            next_attempt_at=event.created_at)
            for subscription in subscriptions
            if any(topic_matches(pattern, event.topic) for pattern in subscription.topics)]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        _send_after_commit()
    return len(rows)


def _send_after_commit() -> None:
    transaction.on_commit(_enqueue_send, robust=True)


def _enqueue_send() -> None:
    from tongban.exchange.tasks import webhook_send_task  # the task module imports this one

    try:
        webhook_send_task.enqueue()
    except Exception:
        logger.exception("could not enqueue webhook sending; the periodic run will send")


def webhook_body(event: OutboxEventData) -> bytes:
    """The JSON body (Standard Webhooks shape: ``type``, ``timestamp``, ``data``) of an event."""
    document: dict[str, Any] = {
        "type": event.topic,
        "timestamp": event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "data": event.payload,
        "aggregate": {"type": event.aggregate_type, "id": event.aggregate_id},
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def webhook_headers(*, secret: str, message_id: str, body: bytes, timestamp: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for ``body`` sent at ``timestamp``."""
    utc = timestamp.astimezone(UTC)  # the library reads the wall time as UTC: convert first
    signature = Webhook(secret).sign(msg_id=message_id, timestamp=utc, data=body.decode("utf-8"))
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(utc.timestamp())),
        "webhook-signature": signature,
        "user-agent": "Tongban-Webhooks/1.0",
    }


def _lease() -> timedelta:
    return timedelta(seconds=2 * int(settings.WEBHOOK_TIMEOUT) + 60)


def _claim(*, now: datetime, limit: int) -> list[int]:
    with transaction.atomic():
        ids = list(WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                   .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, subscription__is_active=True)
                   .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
        WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now + _lease())
    return ids


def _attempt(delivery_id: int, sender: Sender) -> WebhookResponse:
    """Build, sign and send one delivery outside any transaction. An ordinary error is a failed attempt."""
    try:
        delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
        event = outbox_event_get(event_id=delivery.event_id)
        if event is None:
            return WebhookResponse(status_code=None, error="event missing")
        secret = decrypt_text(delivery.subscription.secret_encrypted, context=SECRET_CONTEXT)
        body = webhook_body(event)
        headers = webhook_headers(secret=secret, message_id=str(event.id), body=body, timestamp=datetime.now(UTC))
        return sender(WebhookRequest(url=delivery.subscription.url, body=body, headers=headers,
                                     timeout=float(settings.WEBHOOK_TIMEOUT)))
    except Exception as error:
        logger.exception("webhook delivery %s failed", delivery_id)
        return WebhookResponse(status_code=None, error=f"{type(error).__name__}: {error}"[:ERROR_MAX])


def _record(delivery_id: int, response: WebhookResponse, *, now: datetime, report: SendReport) -> None:
    max_attempts = int(settings.WEBHOOK_MAX_ATTEMPTS)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id,
                                                                      status=DeliveryStatus.PENDING).first()
        if delivery is None:
            return
        delivery.attempts += 1
        delivery.last_attempt_at = timezone.now()
        delivery.last_status_code = response.status_code
        delivery.response_excerpt = response.excerpt[:EXCERPT_BYTES]
        if response.ok:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = delivery.last_attempt_at
            delivery.next_attempt_at = None
            delivery.last_error = ""
            report.delivered += 1
        else:
            delivery.last_error = (response.error or f"HTTP {response.status_code}")[:ERROR_MAX]
            if delivery.attempts >= max_attempts:
                delivery.status = DeliveryStatus.DEAD
                delivery.next_attempt_at = None
                report.dead += 1
            else:
                delivery.next_attempt_at = now + retry_delay(delivery.attempts)
                report.failed += 1
        delivery.save()


def webhook_delivery_send_due(*, sender: Sender | None = None, now: datetime | None = None, limit: int = 50,
                              max_batches: int = 10) -> SendReport:
    """Send the deliveries that are due (up to ``max_batches`` batches of ``limit``), each outside a transaction, and record the result.

    A delivery is claimed for a lease (``2 × TONGBAN_WEBHOOK_TIMEOUT + 60 s``) before it is sent: a worker that dies
    while sending leaves it to a later run once the lease ends, so it is sent at least once. ``now`` is for tests.
    """
    sender = sender or http_sender
    now = now or timezone.now()
    report = SendReport()
    for _batch in range(max_batches):
        claimed = _claim(now=now, limit=limit)
        for delivery_id in claimed:
            _record(delivery_id, _attempt(delivery_id, sender), now=now, report=report)
        if len(claimed) < limit:
            break
    return report


# ------------------------------------------------------------------ callbacks of department systems (部门系统回传)


@dataclass(frozen=True)
class CallbackAnswer:
    """What a callback was answered: ``replayed`` when the event had been carried out before."""

    status_code: int
    body: dict[str, Any]
    replayed: bool


def _callback_digest(*, action: str, subject: str, request: Any) -> str:
    text = json.dumps({"action": action, "subject": subject, "request": request}, ensure_ascii=False,
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def callback_handle_once(
    *, client_id: str, department_id: int, event_id: str, action: str, subject: str, request: Any,
    handle: Callable[[], dict[str, Any]], status_code: int = 200,
) -> CallbackAnswer:
    """Carry out a department system's event once per ``(client_id, event_id)``.

    ``handle`` does the work (e.g. calls a case service) and returns the answer's body. The receipt and the work
    commit together; the same event again gets the stored answer (``replayed``), also when it races the first
    (the unique receipt serialises them). The same id with another request (action, subject or payload) is a
    409. A refusal (:class:`DomainError` from ``handle``) leaves no receipt — the work rolled back, its audit
    record kept — and is raised to the caller.
    """
    digest = _callback_digest(action=action, subject=subject, request=request)
    refused: DomainError | None = None
    with transaction.atomic():
        try:
            with transaction.atomic():
                receipt = CallbackReceipt.objects.create(
                    client_id=client_id, event_id=event_id, department_id=department_id, action=action,
                    subject=subject[:100], request_digest=digest)
        except IntegrityError:
            receipt = CallbackReceipt.objects.select_for_update().get(client_id=client_id, event_id=event_id)
            if receipt.request_digest != digest:
                raise Conflict(_("事件标识“%(e)s”已用于另一个请求，请为每个事件使用新的标识。") % {"e": event_id},
                               code="event_id_reused") from None
            return CallbackAnswer(status_code=receipt.status_code or 200, body=dict(receipt.response),
                                  replayed=True)
        try:
            body = handle()
        except DomainError as error:
            receipt.delete()
            refused = error
        else:
            receipt.status_code = status_code
            receipt.response = body
            receipt.completed_at = timezone.now()
            receipt.save(update_fields=["status_code", "response", "completed_at"])
    if refused is not None:
        raise refused
    return CallbackAnswer(status_code=status_code, body=body, replayed=False)
