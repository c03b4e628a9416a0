"""Consents (授权记录): what a person agreed to share with one client, remembered until revoked."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Consent(models.Model):  # 授权记录
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE,
                             related_name="+")
    client = models.ForeignKey("oidc.Client", verbose_name=_("接入系统"), on_delete=models.CASCADE,
                               related_name="consents")
    scopes = models.CharField(_("授权范围"), max_length=255, help_text=_("以空格分隔，按字母排序"))
    id_number_consented = models.BooleanField(_("同意提供身份证号"), default=False)
    granted_at = models.DateTimeField(_("授权时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("授权记录")
        verbose_name_plural = _("授权记录")
        indexes = [models.Index(fields=["user", "client", "revoked_at"], name="oidc_consent_active_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}->{self.client_id}: {self.scopes}"

    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())
