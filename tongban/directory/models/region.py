from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Significant digits of the 12-digit statistical code at each level: province 2, prefecture 4,
# county 6, township 9, village 12. A region's subtree is every code that starts with its prefix.
PREFIX_LENGTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("省")
    PREFECTURE = 2, _("州市")
    COUNTY = 3, _("县区")
    TOWNSHIP = 4, _("乡镇街道")
    VILLAGE = 5, _("村社区")


class Region(models.Model):  # 行政区划
    code = models.CharField(_("统计用区划代码"), max_length=12, unique=True)
    prefix = models.CharField(_("代码前缀"), max_length=12, db_index=True, editable=False)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=RegionLevel.choices)
    parent = models.ForeignKey("self", verbose_name=_("上级区划"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.prefix = self.code[: PREFIX_LENGTH[self.level]]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def gb2260(self) -> str:
        """The 6-digit GB/T 2260 code of a province, prefecture or county."""
        return self.code[:6]

    def ancestor_prefixes(self) -> list[str]:
        """Prefixes of this region and every region above it."""
        return [self.code[:n] for lvl, n in PREFIX_LENGTH.items() if lvl <= self.level]
