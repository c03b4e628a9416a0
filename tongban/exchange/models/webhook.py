"""Webhook subscriptions of department systems (部门系统事件订阅) and their deliveries (推送记录)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookSubscription(models.Model):  # 事件订阅
    department = models.ForeignKey("directory.Department", verbose_name=_("所属部门"), on_delete=models.PROTECT,
                                   related_name="+")
    name = models.CharField(_("系统名称"), max_length=100)
    url = models.URLField(_("接收地址"), max_length=500)
    topics = models.JSONField(_("订阅主题"), default=list)
    secret_encrypted = models.TextField(_("签名密钥（加密）"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")
        indexes = [models.Index(fields=["department", "is_active"], name="webhook_sub_department_idx")]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待推送")
    DELIVERED = "delivered", _("已送达")
    DEAD = "dead", _("投递失败")


class WebhookDelivery(models.Model):  # 推送记录
    event = models.ForeignKey("core.OutboxEvent", verbose_name=_("事件"), on_delete=models.PROTECT, related_name="+")
    subscription = models.ForeignKey(WebhookSubscription, verbose_name=_("事件订阅"), on_delete=models.PROTECT,
                                     related_name="deliveries")
    topic = models.CharField(_("主题"), max_length=100)
    status = models.CharField(_("状态"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近尝试时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    response_excerpt = models.CharField(_("响应摘录"), max_length=200, blank=True)
    replays = models.PositiveIntegerField(_("重新投递次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        constraints = [models.UniqueConstraint(fields=["event", "subscription"], name="webhook_delivery_once")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["subscription", "-id"], name="webhook_delivery_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} #{self.event_id} → {self.subscription_id} {self.status}"
