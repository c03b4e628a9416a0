"""Signed-in sessions a person can see and end (登录设备管理)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserSession(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE,
                             related_name="tracked_sessions")
    session_key = models.CharField(_("会话标识"), max_length=64, unique=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    user_agent = models.CharField(_("设备"), max_length=300, blank=True)
    started_at = models.DateTimeField(_("登录时间"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("最近活动"), auto_now_add=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["user", "ended_at"], name="usersession_user_open_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.started_at:%Y-%m-%d %H:%M}"
