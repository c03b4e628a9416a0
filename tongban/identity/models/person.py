"""Natural persons (自然人) and their assurance levels (实名等级): the core of 一人一档."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedTextField


class AssuranceLevel(models.IntegerChoices):  # 实名等级
    REGISTERED = 1, _("注册用户")
    ID_CHECKED = 2, _("实名用户（姓名和身份证号已核验）")
    STRONG = 3, _("实名用户（人脸或银行卡已核验）")
    IN_PERSON = 4, _("实名用户（窗口现场核验）")


class NotifyChannel(models.TextChoices):  # 通知方式
    SMS = "sms", _("短信")
    SITE = "site", _("站内消息（登录后在“我的”查看）")


class Person(models.Model):  # 自然人
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.PROTECT,
                                related_name="person")
    name = models.CharField(_("姓名"), max_length=100, blank=True, help_text=_("实名核验后的姓名，按原样保存"))
    id_number = EncryptedTextField(_("身份证号"), null=True, blank=True)
    id_number_index = models.CharField(_("身份证号索引"), max_length=64, null=True, blank=True, unique=True)
    phone = EncryptedTextField(_("手机号"))
    phone_index = models.CharField(_("手机号索引"), max_length=64, unique=True, null=True, blank=True,
                                   help_text=_("注销账号后清空，该号码可重新注册"))
    assurance_level = models.PositiveSmallIntegerField(_("实名等级"), choices=AssuranceLevel.choices,
                                                       default=AssuranceLevel.REGISTERED)
    assurance_method = models.CharField(_("核验方式"), max_length=32, blank=True)
    assurance_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    identity_locked = models.BooleanField(_("身份信息已锁定"), default=False,
                                          help_text=_("实名核验后姓名和身份证号不可自行修改，只能申请纠错"))
    elder_mode = models.BooleanField(_("默认使用长辈模式"), default=False,
                                     help_text=_("登录后自动切换为大字体、简洁的长辈模式"))
    notify_channel = models.CharField(_("通知方式"), max_length=16, choices=NotifyChannel.choices,
                                      default=NotifyChannel.SMS)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("注销时间"), null=True, blank=True)
    retain_until = models.DateTimeField(_("保存期限"), null=True, blank=True,
                                        help_text=_("注销后个人信息加密保存至此时间，之后删除（见 docs/adr）"))

    class Meta:
        verbose_name = _("自然人")
        verbose_name_plural = _("自然人")

    def __str__(self) -> str:
        return f"person:{self.pk}"


class AssuranceEvent(models.Model):
    """Every change of a person's assurance level, with the method and the provider that checked it."""

    person = models.ForeignKey(Person, verbose_name=_("自然人"), on_delete=models.PROTECT, related_name="assurances")
    level = models.PositiveSmallIntegerField(_("实名等级"), choices=AssuranceLevel.choices)
    method = models.CharField(_("核验方式"), max_length=32)
    provider = models.CharField(_("核验渠道"), max_length=64, blank=True)
    occurred_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("实名核验记录")
        verbose_name_plural = _("实名核验记录")
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.level}"
