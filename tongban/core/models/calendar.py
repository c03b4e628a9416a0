"""The working-day calendar (工作日历): statutory holidays and make-up working days (调休上班) per year.

Only :mod:`tongban.core.calendar` reads these tables, through a per-process snapshot; only
:mod:`tongban.core.calendar_admin` writes them, and every write replaces :class:`CalendarVersion`'s token so that
every process reloads its snapshot.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上班")


class CalendarSource(models.TextChoices):
    SEED = "seed", _("初始数据")
    ADMIN = "admin", _("管理员维护")


class CalendarDay(models.Model):  # 节假日或调休上班日
    """A day that differs from the Monday-to-Friday rule: a day off (法定节假日 and the days joined to it) or a
    weekend day that is worked (调休上班). Rows of years without a published schedule are not applied."""

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("节日"), max_length=50, help_text=_("如 春节、国庆节；调休上班日填所属节日。"))
    source = models.CharField(_("来源"), max_length=16, choices=CalendarSource.choices, default=CalendarSource.ADMIN)
    reason = models.CharField(_("变更原因"), max_length=200, blank=True)
    updated_by = models.CharField(_("维护人"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作日历日期")
        verbose_name_plural = _("工作日历日期")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.kind} {self.name}"


class CalendarYear(models.Model):  # 年度节假日安排
    """Whether a year's holiday schedule (国务院办公厅关于部分节假日安排的通知) is published and entered.

    A year without a row, or with ``published`` false, is computed from weekends alone and flagged provisional.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    published = models.BooleanField(_("已发布"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True, help_text=_("如 国办发明电〔2025〕7号"))
    updated_by = models.CharField(_("维护人"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度节假日安排")
        verbose_name_plural = _("年度节假日安排")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} {'published' if self.published else 'unpublished'}"


class CalendarVersion(models.Model):
    """One row: a random token replaced by every change of the calendar, so that cached snapshots notice it.

    A random token rather than a counter: a rolled-back change can never leave a snapshot whose version a later
    change reuses.
    """

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("工作日历版本")

    def __str__(self) -> str:
        return self.token
