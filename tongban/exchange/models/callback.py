"""Callbacks of department systems (部门系统回传): each event a department's business system reported, kept so that
a retried event is answered again without acting twice."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CallbackReceipt(models.Model):  # 回传记录
    """One event a department system reported (e.g. 受理 of a case), identified by the event id the system chose.

    Only events that were carried out are kept (with the answer given); a refused event leaves no receipt, so the
    system may correct it and send it again under the same id."""

    client_id = models.CharField(_("接入系统"), max_length=100)
    event_id = models.CharField(_("事件标识"), max_length=100)
    department = models.ForeignKey("directory.Department", verbose_name=_("部门"), on_delete=models.PROTECT,
                                   related_name="+")
    action = models.CharField(_("操作"), max_length=40)
    subject = models.CharField(_("对象"), max_length=100, help_text=_("如办件编号"))
    request_digest = models.CharField(_("请求摘要"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    response = models.JSONField(_("响应"), default=dict, blank=True)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("回传记录")
        verbose_name_plural = _("回传记录")
        constraints = [models.UniqueConstraint(fields=["client_id", "event_id"], name="callback_event_once")]
        indexes = [models.Index(fields=["department", "-received_at"], name="callback_department_idx")]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.event_id}"
