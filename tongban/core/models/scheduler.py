"""State of the periodic jobs (定时任务) of the worker's scheduler (``tongban/core/scheduler.py``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicJobState(models.Model):
    """When a periodic job (定时任务) runs next; the scheduler of every worker claims a due run with one UPDATE."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    next_run_at = models.DateTimeField(_("下次运行时间"))
    last_run_at = models.DateTimeField(_("上次运行时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self) -> str:
        return self.name
