"""The platform's certificate hierarchy and signing keys (created at set-up, private keys encrypted at rest)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedTextField


class CertificateAuthority(models.Model):
    """The platform root CA (根证书): signs the department seal certificates and the timestamp simulator's
    certificate. One active row; a new root can be created beside an old one, which keeps verifying what it
    signed."""

    name = models.CharField(_("名称"), max_length=200)
    certificate_pem = models.TextField(_("证书（PEM）"))
    private_key_pem = EncryptedTextField(_("私钥（加密存储）"))
    fingerprint_sha256 = models.CharField(_("证书指纹"), max_length=64, unique=True)
    not_before = models.DateTimeField(_("生效时间"))
    not_after = models.DateTimeField(_("失效时间"))
    active = models.BooleanField(_("当前使用"), default=True)
    next_serial = models.PositiveBigIntegerField(_("下一证书序列号"), default=2)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("平台根证书")
        verbose_name_plural = _("平台根证书")

    def __str__(self) -> str:
        return self.name


class SigningKey(models.Model):
    """An Ed25519 key the platform signs short tokens and manifests with (亮证二维码, 档案清单). Public keys are
    published at /licenses/keys/ so a token verifies offline; old keys stay published until what they signed
    has expired."""

    class Purpose(models.TextChoices):
        QR = "qr", _("亮证二维码")
        ARCHIVE = "archive", _("电子档案清单")

    purpose = models.CharField(_("用途"), max_length=16, choices=Purpose.choices)
    kid = models.CharField(_("密钥标识"), max_length=64, unique=True)
    private_key_pem = EncryptedTextField(_("私钥（加密存储）"))
    public_key_pem = models.TextField(_("公钥（PEM）"))
    active = models.BooleanField(_("当前使用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("平台签名密钥")
        verbose_name_plural = _("平台签名密钥")
        indexes = [models.Index(fields=["purpose", "active"], name="lic_signkey_purpose_idx")]

    def __str__(self) -> str:
        return f"{self.purpose}:{self.kid}"
