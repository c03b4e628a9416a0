"""Accounts (账号): one per natural person, legal person or staff member."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANIZATION = "organization", _("法人")
    STAFF = "staff", _("工作人员")


class User(AbstractUser):  # 账号
    display_name = models.CharField(_("显示名称"), max_length=100, blank=True)
    kind = models.CharField(_("账号类型"), max_length=16, choices=AccountKind.choices, default=AccountKind.PERSON)
    username_is_custom = models.BooleanField(
        _("自定义用户名"), default=False, help_text=_("自定义用户名一经设置不可修改；否则为系统生成的内部标识"))
    failed_logins = models.PositiveSmallIntegerField(_("连续登录失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")
        constraints = [models.UniqueConstraint(Lower("username"), name="user_username_ci_unique")]

    def __str__(self) -> str:
        return self.display_name or self.get_username()


class AuthFailure(models.Model):
    """One failed sign-in, kept briefly for per-IP throttling (no account is named, only a blind index)."""

    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    identifier_index = models.CharField(_("登录标识索引"), max_length=64, blank=True)
    occurred_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [
            models.Index(fields=["ip", "occurred_at"], name="authfailure_ip_time_idx"),
            models.Index(fields=["identifier_index", "occurred_at"], name="authfailure_ident_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ip} {self.occurred_at:%Y-%m-%d %H:%M}"
