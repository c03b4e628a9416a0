from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedTextField
from tongban.licenses.models.codes import SealKind, SealStatus


class Seal(models.Model):
    """A department's electronic seal (电子印章): an X.509 certificate issued by the platform CA plus a seal image
    drawn on the server (round, with a star). The private key is stored encrypted. Only an active seal signs."""

    department = models.ForeignKey("directory.Department", verbose_name=_("所属部门"), on_delete=models.PROTECT,
                                   related_name="seals", db_index=False)  # lic_seal_dept_status_idx
    name = models.CharField(_("印章名称"), max_length=100)
    kind = models.CharField(_("印章类型"), max_length=16, choices=SealKind.choices, default=SealKind.OFFICIAL)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18)
    status = models.CharField(_("状态"), max_length=16, choices=SealStatus.choices, default=SealStatus.PENDING)
    image_png = models.BinaryField(_("印模图片（PNG）"))
    certificate_pem = models.TextField(_("印章证书（PEM）"))
    private_key_pem = EncryptedTextField(_("私钥（加密存储）"))
    certificate_serial = models.CharField(_("证书序列号"), max_length=64)
    authority = models.ForeignKey("licenses.CertificateAuthority", verbose_name=_("签发根证书"),
                                  on_delete=models.PROTECT, related_name="seals")
    not_before = models.DateTimeField(_("证书生效时间"))
    not_after = models.DateTimeField(_("证书失效时间"))
    status_reason = models.CharField(_("状态变更理由"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("制作人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("制作时间"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("电子印章")
        verbose_name_plural = _("电子印章")
        indexes = [models.Index(fields=["department", "status"], name="lic_seal_dept_status_idx")]

    def __str__(self) -> str:
        return self.name


class SealUsage(models.Model):
    """One use of a seal (用章记录): what was sealed, its digest, by whom."""

    class Purpose(models.TextChoices):
        LICENSE = "license", _("电子证照")
        DOCUMENT = "document", _("办件文书")
        COPY = "copy", _("证照用证副本")

    seal = models.ForeignKey(Seal, verbose_name=_("印章"), on_delete=models.PROTECT, related_name="usages",
                             db_index=False)  # lic_sealuse_seal_idx
    purpose = models.CharField(_("用途"), max_length=16, choices=Purpose.choices)
    reference = models.CharField(_("文件标识"), max_length=120)
    document_sha256 = models.CharField(_("签章后文件摘要"), max_length=64)
    actor_label = models.CharField(_("用章人"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("用章时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("用章记录")
        verbose_name_plural = _("用章记录")
        indexes = [models.Index(fields=["seal", "-created_at"], name="lic_sealuse_seal_idx")]

    def __str__(self) -> str:
        return f"{self.purpose} {self.reference}"
