from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class HallKind(models.TextChoices):
    CENTER = "center", _("政务服务中心")
    CONVENIENCE = "convenience", _("便民服务中心")
    STATION = "station", _("便民服务站")


class Hall(models.Model):  # 政务服务大厅
    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=HallKind.choices)
    region = models.ForeignKey("directory.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT,
                               related_name="halls")
    address = models.CharField(_("地址"), max_length=300)
    hours = models.CharField(_("办公时间"), max_length=300)
    phone = models.CharField(_("咨询电话"), max_length=64, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("大厅")
        verbose_name_plural = _("大厅")
        ordering = ["region__code", "name"]

    def __str__(self) -> str:
        return self.name


class Window(models.Model):  # 窗口
    hall = models.ForeignKey(Hall, verbose_name=_("大厅"), on_delete=models.CASCADE, related_name="windows")
    number = models.CharField(_("窗口号"), max_length=16)
    name = models.CharField(_("名称"), max_length=100)
    departments = models.ManyToManyField("directory.Department", verbose_name=_("入驻部门"), blank=True,
                                         related_name="windows")
    is_comprehensive = models.BooleanField(_("综合窗口"), default=False)

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        ordering = ["hall", "number"]
        constraints = [models.UniqueConstraint(fields=["hall", "number"], name="window_number_unique_in_hall")]

    def __str__(self) -> str:
        return f"{self.hall.name} {self.number}"
