"""Processing configuration per implementation (办理流程配置), kept by the department's administrators."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.cases.models.codes import AcceptanceMode


class ProcessingConfig(models.Model):  # 办理流程配置
    """How one implementation's cases are accepted and processed. Absent → the default derived from the item
    (``tongban.cases.services.config.processing_config_default``).

    ``steps`` is the ordered chain, each ``{"name", "kind", "role", "budget_days", "department_ids"}``: ``kind`` is
    handle/review/approve (承办/审核/审批) or countersign (会签, parallel, by the reviewers of ``department_ids``).
    """

    implementation = models.OneToOneField("catalog.Implementation", verbose_name=_("实施清单"),
                                          on_delete=models.PROTECT, related_name="+")
    acceptance_mode = models.CharField(_("受理方式"), max_length=16, choices=AcceptanceMode.choices)
    steps = models.JSONField(_("办理环节"), default=list)
    handled_externally = models.BooleanField(
        _("由部门业务系统办理"), default=False,
        help_text=_("办件推送至部门自建业务系统办理，平台等待其回传受理、环节和决定"))
    fee_amount_fen = models.PositiveIntegerField(_("收费金额（分）"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("修订次数"), default=1)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("更新人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("办理流程配置")
        verbose_name_plural = _("办理流程配置")

    def __str__(self) -> str:
        return f"config:{self.implementation_id}"
