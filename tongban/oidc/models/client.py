"""Relying parties (接入系统): department systems and mini-apps that sign people in through Tongban."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.models import AbstractApplication

from tongban.core.crypto import blind_index

# Scopes that reveal a person's identifiers: the client must be approved and (for the ID number) the person consents.
SENSITIVE_SCOPES = frozenset({"phone", "id_number"})


class Client(AbstractApplication):  # 接入系统（OIDC 客户端）
    """DOT's application extended with the platform's registration decisions (``OAUTH2_PROVIDER_APPLICATION_MODEL``)."""

    allowed_scopes = models.CharField(
        _("允许的授权范围"), max_length=255, default="openid profile",
        help_text=_("以空格分隔，例如 openid profile phone id_number"))
    sensitive_scopes_approved = models.BooleanField(
        _("已批准敏感范围"), default=False,
        help_text=_("经平台管理员审核，允许获取手机号、身份证号等敏感信息"))
    sector_identifier = models.CharField(
        _("主体标识分区"), max_length=255, blank=True,
        help_text=_("同一分区的系统看到相同的用户标识（sub）；留空则按回调地址的主机名划分"))
    backchannel_logout_uri = models.URLField(_("后台注销地址"), blank=True)
    department_name = models.CharField(_("所属部门"), max_length=200, blank=True)
    department = models.ForeignKey(
        "directory.Department", verbose_name=_("对应部门"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
        help_text=_("部门系统间调用（客户端凭证）：该系统代表的部门，只能回传本部门办件的办理情况"))

    class Meta(AbstractApplication.Meta):
        verbose_name = _("接入系统")
        verbose_name_plural = _("接入系统")

    def allowed_scope_set(self) -> frozenset[str]:
        return frozenset(self.allowed_scopes.split())

    def sector(self) -> str:
        """The pairwise-subject sector: explicit, else the host of the first redirect URI, else the client id."""
        if self.sector_identifier:
            return self.sector_identifier
        first = (self.redirect_uris or "").split()
        host = urlsplit(first[0]).hostname if first else None
        return host or self.client_id

    def pairwise_subject(self, user_id: int) -> str:
        """The ``sub`` this client sees: a keyed HMAC of the account id within its sector (pairwise, OIDC Core §8.1).

        Clients of different sectors cannot correlate people by ``sub``; one client always sees the same value.
        """
        return blind_index(str(user_id), context=f"oidc.sub:{self.sector()}")
