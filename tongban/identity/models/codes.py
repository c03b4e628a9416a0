"""SMS verification codes (短信验证码): only a keyed hash of the code is stored."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CodePurpose(models.TextChoices):
    REGISTER = "register", _("注册")
    LOGIN = "login", _("登录")
    RESET_PASSWORD = "reset", _("找回密码")
    REAUTH = "reauth", _("身份确认")
    CHANGE_PHONE = "change_phone", _("更换手机号")


class VerificationCode(models.Model):
    purpose = models.CharField(_("用途"), max_length=16, choices=CodePurpose.choices)
    phone_index = models.CharField(_("手机号索引"), max_length=64)
    code_hash = models.CharField(_("验证码摘要"), max_length=64)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("发送时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))
    consumed_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("校验次数"), default=0)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [
            models.Index(fields=["phone_index", "purpose", "created_at"], name="code_phone_purpose_idx"),
            models.Index(fields=["ip", "created_at"], name="code_ip_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"
