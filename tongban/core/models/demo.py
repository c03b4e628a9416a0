from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoDataset(models.Model):
    """Marks a loaded demo data set (演示数据) with the fingerprint of the files it came from."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    fingerprint = models.CharField(_("数据指纹"), max_length=64)
    loaded_at = models.DateTimeField(_("加载时间"), auto_now=True)

    class Meta:
        verbose_name = _("演示数据集")
        verbose_name_plural = _("演示数据集")

    def __str__(self) -> str:
        return self.name
