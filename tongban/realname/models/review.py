"""Requests that staff decide (人工审核 and 纠错). Their status changes only through :mod:`tongban.realname.workflow`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedTextField


class ReviewStatus(models.TextChoices):  # 审核状态
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")


class _Reviewed(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人账号"), on_delete=models.PROTECT,
                             related_name="+")
    name = EncryptedTextField(_("姓名"))
    id_number = EncryptedTextField(_("身份证号"))
    status = models.CharField(_("状态"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PENDING,
                              editable=False)
    reject_reason = models.TextField(_("未通过原因"), blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), on_delete=models.PROTECT,
                                 related_name="+", null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    notification_text = models.TextField(_("通知内容"), blank=True,
                                         help_text=_("审核结果通知的短信内容，发送失败时可据此补发"))
    notified_at = models.DateTimeField(_("通知时间"), null=True, blank=True)
    region_code = models.CharField(
        _("受理区划代码"), max_length=6, editable=False,
        help_text=_("户籍地（身份证号前6位）对应的受理区划，按此分派给该区划的实名审核人员；省外或未知的归省级"))
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at"]


class ManualReview(_Reviewed):  # 人工审核实名申请
    """ID card front and back and a hand-held photo; the files are stored encrypted under random names."""

    id_front = models.CharField(_("身份证人像面"), max_length=200, editable=False)
    id_back = models.CharField(_("身份证国徽面"), max_length=200, editable=False)
    handheld = models.CharField(_("手持身份证照片"), max_length=200, editable=False)

    class Meta(_Reviewed.Meta):
        verbose_name = _("人工审核实名申请")
        verbose_name_plural = _("人工审核实名申请")
        indexes = [models.Index(fields=["status", "created_at"], name="realname_review_queue_idx")]

    def __str__(self) -> str:
        return f"manual-review:{self.pk}"


class CorrectionRequest(_Reviewed):  # 身份信息纠错申请
    """A verified person asks staff to replace the locked name and ID number (``name``/``id_number`` are the new
    values)."""

    reason = models.TextField(_("更正原因"))
    evidence = models.CharField(_("证明材料照片"), max_length=200, editable=False)

    class Meta(_Reviewed.Meta):
        verbose_name = _("身份信息纠错申请")
        verbose_name_plural = _("身份信息纠错申请")
        indexes = [models.Index(fields=["status", "created_at"], name="realname_correction_queue_idx")]

    def __str__(self) -> str:
        return f"correction:{self.pk}"
