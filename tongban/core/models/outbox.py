"""The transactional outbox (事务性发件箱): events written in the same transaction as the business change.

:class:`OutboxEvent` is append-only. Dispatch keeps its own bookkeeping beside it:

* :class:`OutboxPendingEvent` — one row per event not yet fanned out to the consumers; written with the event,
  deleted by the dispatcher in the transaction that creates the event's consumption rows;
* :class:`OutboxConsumption` — one row per (consumer, event): pending until the consumer's handler has succeeded
  (then done, never run again) or has failed too often (dead).

See ``tongban/core/outbox.py`` and ``docs/operations/outbox.md``.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _


class _AppendOnlyQuerySet(models.QuerySet["OutboxEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("outbox events are append-only")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise PermissionError("outbox events are append-only")


class OutboxEvent(models.Model):  # 发件箱事件
    topic = models.CharField(_("主题"), max_length=100)
    payload = models.JSONField(_("内容"), default=dict)
    aggregate_type = models.CharField(_("对象类型"), max_length=64)
    aggregate_id = models.CharField(_("对象标识"), max_length=64)
    department_ids = models.JSONField(_("接收部门"), default=list, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)

    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("发件箱事件")
        verbose_name_plural = _("发件箱事件")
        ordering = ["id"]
        indexes = [models.Index(fields=["aggregate_type", "aggregate_id"], name="outbox_aggregate_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.topic}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("outbox events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("outbox events are append-only")


class OutboxPendingEvent(models.Model):
    """An event that the dispatcher has not yet fanned out to the registered consumers."""

    event = models.OneToOneField(OutboxEvent, verbose_name=_("事件"), on_delete=models.CASCADE, primary_key=True,
                                 related_name="+")

    class Meta:
        verbose_name = _("待分发事件")
        verbose_name_plural = _("待分发事件")

    def __str__(self) -> str:
        return f"pending #{self.pk}"


class ConsumptionStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    DONE = "done", _("已处理")
    DEAD = "dead", _("已放弃")


class OutboxConsumption(models.Model):
    """One consumer's handling of one event (消费记录): the idempotency record of an in-process consumer."""

    consumer = models.CharField(_("消费者"), max_length=100)
    event = models.ForeignKey(OutboxEvent, verbose_name=_("事件"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=16, choices=ConsumptionStatus.choices,
                              default=ConsumptionStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("消费记录")
        verbose_name_plural = _("消费记录")
        constraints = [models.UniqueConstraint(fields=["consumer", "event"], name="outbox_consumption_once")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_consumption_due_idx")]

    def __str__(self) -> str:
        return f"{self.consumer} #{self.event_id} {self.status}"

