"""The rest of 一人一档: addresses (常用地址) and emergency contacts (紧急联系人), encrypted at rest."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedTextField
from tongban.identity.models.person import Person


class Address(models.Model):  # 常用地址
    person = models.ForeignKey(Person, verbose_name=_("自然人"), on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("名称"), max_length=20, blank=True, help_text=_("如：家、单位"))
    region_code = models.CharField(_("所在地区代码"), max_length=12, help_text=_("统计用区划代码（12位）"))
    detail = EncryptedTextField(_("详细地址"))
    is_default = models.BooleanField(_("默认地址"), default=False)
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("常用地址")
        verbose_name_plural = _("常用地址")
        ordering = ["-is_default", "created_at"]

    def __str__(self) -> str:
        return f"address:{self.pk}"


class ContactRelation(models.TextChoices):  # 与本人关系
    SPOUSE = "spouse", _("配偶")
    PARENT = "parent", _("父母")
    CHILD = "child", _("子女")
    SIBLING = "sibling", _("兄弟姐妹")
    RELATIVE = "relative", _("其他亲属")
    FRIEND = "friend", _("朋友")
    OTHER = "other", _("其他")


class EmergencyContact(models.Model):  # 紧急联系人
    person = models.ForeignKey(Person, verbose_name=_("自然人"), on_delete=models.CASCADE, related_name="contacts")
    name = EncryptedTextField(_("姓名"))
    phone = EncryptedTextField(_("手机号"))
    relation = models.CharField(_("与本人关系"), max_length=16, choices=ContactRelation.choices)
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("紧急联系人")
        verbose_name_plural = _("紧急联系人")
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"contact:{self.pk}"
