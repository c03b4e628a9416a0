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
