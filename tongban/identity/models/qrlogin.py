"""QR login tickets (扫码登录): a PC browser shows a ticket that a signed-in phone confirms.

Only a hash of the ticket is stored; the ticket belongs to the PC browser session that asked for it.
States change only through :mod:`tongban.identity.qrlogin` (one transition table).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class QrLoginState(models.TextChoices):  # 扫码登录状态
    PENDING = "pending", _("等待扫码")
    SCANNED = "scanned", _("已扫码，等待确认")
    CONFIRMED = "confirmed", _("已确认")
    DENIED = "denied", _("已拒绝")
    EXPIRED = "expired", _("已过期")
    CONSUMED = "consumed", _("已登录")


class QrLoginTicket(models.Model):  # 扫码登录票据
    ticket_hash = models.CharField(_("票据摘要"), max_length=64, unique=True)
    browser_session = models.CharField(_("电脑浏览器会话摘要"), max_length=64,
                                       help_text=_("只有申请该二维码的电脑浏览器能用它登录"))
    state = models.CharField(_("状态"), max_length=16, choices=QrLoginState.choices, default=QrLoginState.PENDING,
                             editable=False)
    pc_ip = models.GenericIPAddressField(_("电脑地址"), null=True, blank=True)
    pc_user_agent = models.CharField(_("电脑设备"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))
    scanned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("扫码账号"), on_delete=models.CASCADE,
                                   null=True, blank=True, related_name="+")
    scanned_at = models.DateTimeField(_("扫码时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("确认或拒绝时间"), null=True, blank=True)
    consumed_at = models.DateTimeField(_("登录时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("扫码登录票据")
        verbose_name_plural = _("扫码登录票据")
        indexes = [models.Index(fields=["pc_ip", "created_at"], name="qrticket_ip_time_idx")]

    def __str__(self) -> str:
        return f"qr:{self.pk}:{self.state}"
