from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedTextField


class FileKind(models.TextChoices):
    """What the content is, decided from the bytes (never from the name or the browser's content type)."""

    JPEG = "jpeg", _("JPG图片")
    PNG = "png", _("PNG图片")
    PDF = "pdf", _("PDF文件")


class ScanStatus(models.TextChoices):
    CLEAN = "clean", _("未发现病毒")
    INFECTED = "infected", _("发现病毒")
    PENDING = "pending", _("未扫描")  # stored without a scanner (TONGBAN_FILE_SCANNER=none), to be scanned later


class StoredFile(models.Model):
    """An uploaded file (材料文件), encrypted in the files storage under a random name.

    ``owner_user_id`` is the uploading account's id as a plain number: files sits below identity and does not know
    accounts. The uploaded file name survives only as ``display_name`` (sanitised, encrypted, shown to people, never
    used as a path); the bytes live at ``storage_name`` in the ``files`` storage.
    """

    owner_user_id = models.BigIntegerField(_("上传账号"))
    purpose = models.CharField(_("用途"), max_length=64)
    kind = models.CharField(_("类型"), max_length=8, choices=FileKind.choices)
    mime = models.CharField(_("媒体类型"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, help_text=_("存储内容（明文）的摘要，用于完整性校验和去重"))
    storage_name = models.CharField(_("存储名称"), max_length=100, unique=True)
    display_name = EncryptedTextField(_("文件名"))
    scan_status = models.CharField(_("病毒扫描"), max_length=8, choices=ScanStatus.choices)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("材料文件")
        verbose_name_plural = _("材料文件")
        indexes = [
            models.Index(fields=["owner_user_id", "purpose"], name="files_owner_purpose_idx"),
            models.Index(fields=["created_at"], name="files_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} ({self.size} B)"
