"""One call to a real-name provider (实名核验尝试): what was asked, of whom, and what came back."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class VerificationMethod(models.TextChoices):  # 核验方式
    POPULATION = "population", _("姓名和身份证号核验（公安人口库）")
    BANKCARD = "bankcard", _("银行卡四要素核验")
    FACE = "face", _("人脸核验")
    MANUAL_REVIEW = "manual_review", _("人工审核")


class AttemptOutcome(models.TextChoices):  # 核验结果
    PENDING = "pending", _("核验中")
    MATCH = "match", _("核验通过")
    MISMATCH = "mismatch", _("信息不一致")
    UNAVAILABLE = "unavailable", _("服务暂不可用")
    REFUSED = "refused", _("核验通过但未能绑定")


class VerificationAttempt(models.Model):  # 实名核验尝试
    """Counted for the daily limits. Holds no name or ID number: only the method, the provider and the result."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.PROTECT,
                             related_name="+")
    method = models.CharField(_("核验方式"), max_length=32, choices=VerificationMethod.choices)
    provider = models.CharField(_("核验渠道"), max_length=64)
    outcome = models.CharField(_("结果"), max_length=16, choices=AttemptOutcome.choices,
                               default=AttemptOutcome.PENDING)
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    provider_reference = models.CharField(_("渠道流水号"), max_length=100, blank=True)
    score = models.FloatField(_("相似度"), null=True, blank=True)
    level_granted = models.PositiveSmallIntegerField(_("获得的实名等级"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("实名核验尝试")
        verbose_name_plural = _("实名核验尝试")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "method", "created_at"], name="realname_attempt_rate_idx")]

    def __str__(self) -> str:
        return f"{self.method}:{self.outcome}"
