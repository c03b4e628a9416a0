"""Implementations (实施清单): one per department and region, inheriting the basic item's elements."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.catalog.models.codes import CatalogStatus, LimitUnit


class Implementation(models.Model):  # 事项实施（实施清单）
    item = models.ForeignKey("catalog.Item", verbose_name=_("事项"), on_delete=models.PROTECT,
                             related_name="implementations")
    department = models.ForeignKey("directory.Department", verbose_name=_("实施主体"), on_delete=models.PROTECT,
                                   related_name="implementations")
    region = models.ForeignKey("directory.Region", verbose_name=_("实施区划"), on_delete=models.PROTECT,
                               related_name="implementations")
    level = models.CharField(_("行使层级"), max_length=1)
    code = models.CharField(_("实施编码"), max_length=31, unique=True)
    status = models.CharField(_("状态"), max_length=16, choices=CatalogStatus.choices, default=CatalogStatus.DRAFT)
    current_version = models.OneToOneField("catalog.ImplementationVersion", verbose_name=_("现行版本"), null=True,
                                           blank=True, on_delete=models.PROTECT, related_name="+")
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("实施清单")
        verbose_name_plural = _("实施清单")
        ordering = ["item", "level", "region__code"]
        constraints = [models.UniqueConstraint(fields=["item", "department"], name="implementation_item_department")]
        indexes = [
            models.Index(fields=["region", "status"], name="impl_region_status_idx"),
            models.Index(fields=["item", "status"], name="impl_item_status_idx"),
            models.Index(fields=["department", "status"], name="impl_department_status_idx"),
        ]

    def __str__(self) -> str:
        return self.code


class ImplementationVersion(models.Model):  # 实施清单版本：只含可因地设定的要素
    implementation = models.ForeignKey(Implementation, verbose_name=_("实施清单"), on_delete=models.PROTECT,
                                       related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    item_version = models.ForeignKey("catalog.ItemVersion", verbose_name=_("所依据的事项版本"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    change_note = models.CharField(_("调整说明"), max_length=300, blank=True)

    promised_limit_value = models.PositiveIntegerField(_("承诺办结时限"))
    promised_limit_unit = models.CharField(_("承诺时限单位"), max_length=16, choices=LimitUnit.choices,
                                           default=LimitUnit.WORKING_DAY)
    promised_limit_note = models.CharField(_("承诺时限说明"), max_length=300, blank=True)
    address = models.CharField(_("办理地点"), max_length=300)
    hours = models.CharField(_("办理时间"), max_length=300)
    consult_phone = models.CharField(_("咨询电话"), max_length=64)
    supervise_phone = models.CharField(_("监督投诉电话"), max_length=64)
    local_fee_note = models.CharField(_("地方收费说明"), max_length=500, blank=True)
    online_url = models.CharField(_("网办地址"), max_length=300, blank=True)
    hall = models.ForeignKey("directory.Hall", verbose_name=_("办理大厅"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    # The implementation's own application form (申请表单); null = the default form of the item's version in force.
    form = models.JSONField(_("申请表单"), null=True, blank=True)

    class Meta:
        verbose_name = _("实施清单版本")
        verbose_name_plural = _("实施清单版本")
        ordering = ["implementation", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["implementation", "number"], name="impl_version_number_unique"),
            models.UniqueConstraint(fields=["implementation"], condition=models.Q(published_at__isnull=True),
                                    name="impl_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.implementation.code} v{self.number}"
