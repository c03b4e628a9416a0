"""Certificate login (数字证书登录): public keys registered to an organisation, and one-time login challenges."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.organizations.models.organization import Organization


class KeyAlgorithm(models.TextChoices):
    ED25519 = "ed25519", "Ed25519"
    ECDSA_P256 = "ecdsa-p256", "ECDSA P-256 (SHA-256)"


class OrganizationKey(models.Model):  # 法人数字证书（公钥）
    organization = models.ForeignKey(Organization, verbose_name=_("法人"), on_delete=models.PROTECT,
                                     related_name="keys")
    label = models.CharField(_("名称"), max_length=100, blank=True)
    algorithm = models.CharField(_("算法"), max_length=16, choices=KeyAlgorithm.choices)
    public_key_pem = models.TextField(_("公钥（PEM）"))
    fingerprint = models.CharField(_("指纹（SHA-256）"), max_length=64, unique=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT,
                                      related_name="+")
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("法人数字证书")
        verbose_name_plural = _("法人数字证书")

    def __str__(self) -> str:
        return f"key:{self.fingerprint[:16]}"


class LoginChallenge(models.Model):  # 证书登录挑战
    """A random nonce to sign. Bound to the credit code typed (not to a row, so issuing reveals nothing)."""

    nonce = models.CharField(_("随机数"), max_length=64, unique=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("证书登录挑战")
        verbose_name_plural = _("证书登录挑战")
        indexes = [models.Index(fields=["ip", "created_at"], name="loginchallenge_ip_time_idx")]

    def __str__(self) -> str:
        return f"challenge:{self.pk}"
