from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedTextField


class SimulatedSms(models.Model):
    """A message “sent” through the local SMS simulator (本地短信模拟器). Never used with a real provider."""

    phone = EncryptedTextField(_("手机号"))
    text = EncryptedTextField(_("内容"))
    purpose = models.CharField(_("用途"), max_length=32)
    message_id = models.CharField(_("消息标识"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("模拟短信")
        verbose_name_plural = _("模拟短信")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class Notice(models.Model):
    """An in-site message (站内消息) for one account, e.g. "您的办件已受理". ``key`` makes a notice idempotent: a
    notice with the same key for the same account is created once (an outbox consumer may run twice)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收账号"), on_delete=models.CASCADE,
                             related_name="+")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=300, blank=True)
    key = models.CharField(_("去重键"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], condition=~models.Q(key=""),
                                               name="notice_key_per_user")]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notice_user_unread_idx")]

    def __str__(self) -> str:
        return self.title
