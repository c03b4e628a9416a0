from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.licenses.models.codes import ArchiveStatus, CaseDocumentKind


class CaseDocument(models.Model):
    """A sealed case document (受理通知书, 补正告知书, 不予受理决定书, 准予许可决定书), made from the case event that
    calls for it; ``event_id`` (the outbox event) makes its creation idempotent."""

    case = models.ForeignKey("cases.Case", verbose_name=_("办件"), on_delete=models.CASCADE, related_name="+",
                             db_index=False)  # lic_casedoc_case_idx
    kind = models.CharField(_("文书类型"), max_length=32, choices=CaseDocumentKind.choices)
    event_id = models.BigIntegerField(_("来源事件"), unique=True)
    number = models.CharField(_("文书编号"), max_length=80)
    seal = models.ForeignKey("licenses.Seal", verbose_name=_("印章"), on_delete=models.PROTECT, related_name="+")
    file_id = models.BigIntegerField(_("签章文件"))
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    created_at = models.DateTimeField(_("出具时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办件文书")
        verbose_name_plural = _("办件文书")
        indexes = [models.Index(fields=["case", "created_at"], name="lic_casedoc_case_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class ArchivePolicy(models.Model):
    """Retention period per item (保管期限); items without a row use TONGBAN_ARCHIVE_RETENTION_YEARS."""

    item_code = models.CharField(_("事项编码"), max_length=40, unique=True)
    retention_years = models.PositiveSmallIntegerField(_("保管期限（年）"), null=True, blank=True,
                                                       help_text=_("留空为永久保管"))
    permanent = models.BooleanField(_("永久保管"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("归档保管期限")
        verbose_name_plural = _("归档保管期限")

    def __str__(self) -> str:
        return self.item_code


class ArchivePackage(models.Model):
    """电子档案: one package per finished case. The files (metadata, form, materials, documents, licences,
    timeline, audit entries) are stored sealed; ``manifest`` lists each with its SHA-256, and
    ``manifest_signature`` is the platform's Ed25519 signature over the canonical manifest."""

    case = models.OneToOneField("cases.Case", verbose_name=_("办件"), on_delete=models.PROTECT,
                                related_name="+")
    case_number = models.CharField(_("办件编号"), max_length=43, unique=True)
    item_code = models.CharField(_("事项编码"), max_length=40)
    department = models.ForeignKey("directory.Department", verbose_name=_("办理部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)  # lic_archive_dept_idx
    manifest = models.JSONField(_("清单"))
    manifest_sha256 = models.CharField(_("清单摘要"), max_length=64)
    manifest_signature = models.TextField(_("清单签名"))
    signing_kid = models.CharField(_("签名密钥"), max_length=64)
    retain_until = models.DateField(_("保管期限至"), null=True, blank=True, help_text=_("空为永久"))
    status = models.CharField(_("校验状态"), max_length=16, choices=ArchiveStatus.choices,
                              default=ArchiveStatus.UNCHECKED)
    verified_at = models.DateTimeField(_("最近校验"), null=True, blank=True)
    verification_report = models.JSONField(_("最近校验结果"), default=list, blank=True)
    created_at = models.DateTimeField(_("归档时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("电子档案")
        verbose_name_plural = _("电子档案")
        # The archive list: a department's packages newest first; all of them for platform-wide staff.
        indexes = [models.Index(fields=["department", "-created_at"], name="lic_archive_dept_idx"),
                   models.Index(fields=["-created_at", "-id"], name="lic_archive_created_idx")]

    def __str__(self) -> str:
        return self.case_number
