from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.catalog.models.codes import Audience


class Theme(models.Model):  # 服务主题
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    audience = models.CharField(_("对象"), max_length=16, choices=Audience.choices)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("服务主题")
        verbose_name_plural = _("服务主题")
        ordering = ["audience", "position"]

    def __str__(self) -> str:
        return self.name


class LifeEvent(models.Model):  # 生命周期 / 人生大事
    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    audience = models.CharField(_("对象"), max_length=16, choices=Audience.choices)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("生命周期")
        verbose_name_plural = _("生命周期")
        ordering = ["audience", "position"]

    def __str__(self) -> str:
        return self.name
