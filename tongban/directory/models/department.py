from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExerciseLevel(models.TextChoices):  # 行使层级 (GB/T 39046 appendix A)
    NATIONAL = "1", _("国家级")
    PROVINCE = "2", _("省级")
    PREFECTURE = "3", _("市（州）级")
    COUNTY = "4", _("县级")
    TOWNSHIP = "5", _("乡（镇、街道）级")
    VILLAGE = "6", _("村（社区）级")
    GRADED = "7", _("分级管理")


REGION_LEVEL_TO_EXERCISE = {1: "2", 2: "3", 3: "4", 4: "5", 5: "6"}


class DepartmentNature(models.TextChoices):  # 实施主体性质
    STATUTORY = "statutory", _("法定机关")
    AUTHORISED = "authorised", _("授权组织")
    ENTRUSTED = "entrusted", _("受委托组织")
    ENTERPRISE = "enterprise", _("企业")


class Department(models.Model):  # 部门 / 实施主体
    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    category = models.CharField(_("部门类别"), max_length=32, db_index=True,
                                help_text=_("同类部门跨层级的归类，如 gongan（公安）"))
    level = models.CharField(_("层级"), max_length=1, choices=ExerciseLevel.choices)
    nature = models.CharField(_("实施主体性质"), max_length=16, choices=DepartmentNature.choices,
                              default=DepartmentNature.STATUTORY)
    region = models.ForeignKey("directory.Region", verbose_name=_("所在区划"), on_delete=models.PROTECT,
                               related_name="departments")
    parent = models.ForeignKey("self", verbose_name=_("上级部门"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    is_demo = models.BooleanField(_("演示数据"), default=False)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["level", "region__code", "category"]
        constraints = [
            models.UniqueConstraint(fields=["region", "category"], name="department_one_per_category_region"),
        ]

    def __str__(self) -> str:
        return self.name
