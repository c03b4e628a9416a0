from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.catalog.models.codes import Audience


class Bundle(models.Model):  # 一件事
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    audience = models.CharField(_("对象"), max_length=16, choices=Audience.choices)
    life_event = models.ForeignKey("catalog.LifeEvent", verbose_name=_("生命周期"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="bundles")
    summary = models.TextField(_("简介"))
    guide = models.TextField(_("联办指南"), help_text=_("一次告知：办理方式、顺序和出件方式"))
    is_published = models.BooleanField(_("已发布"), default=True)
    items = models.ManyToManyField("catalog.Item", through="catalog.BundleMember", related_name="bundles")
    # One combined form (一表申请): generated from the members' forms unless an override is stored here.
    form_override = models.JSONField(_("联办申请表（自定义）"), null=True, blank=True)
    form_version = models.PositiveIntegerField(_("联办申请表版本"), default=0)

    class Meta:
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")
        ordering = ["audience", "code"]

    def __str__(self) -> str:
        return self.name


class BundleMember(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="members")
    item = models.ForeignKey("catalog.Item", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    optional = models.BooleanField(_("可选"), default=False)

    class Meta:
        ordering = ["bundle", "position"]
        constraints = [models.UniqueConstraint(fields=["bundle", "item"], name="bundle_member_unique")]

    def __str__(self) -> str:
        return f"{self.bundle_id}:{self.item_id}"


class CatalogRevision(models.Model):
    """One row whose counter rises on every change visible to citizens; caches (search) key on it."""

    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.value)
