"""Legal persons (法人): organisations with their own login account and a confirmed legal representative."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedTextField


class OrgType(models.TextChoices):  # 法人类型
    ENTERPRISE = "enterprise", _("企业")
    FARMER_COOP = "farmer_coop", _("农民专业合作社")
    INDIVIDUAL = "individual", _("个体工商户")
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    SOCIAL_ORG = "social_org", _("社会团体、民办非企业单位、基金会")
    GOVERNMENT = "government", _("政府机关")


class OrgStatus(models.TextChoices):  # 法人账号状态; changed only through tongban.organizations.workflow
    PENDING_CONFIRMATION = "pending", _("待法定代表人确认")
    ACTIVE = "active", _("正常")
    SUSPENDED = "suspended", _("已停用")
    EXPIRED = "expired", _("已失效（超时未确认）")


class Organization(models.Model):  # 法人
    org_type = models.CharField(_("法人类型"), max_length=32, choices=OrgType.choices)
    name = models.CharField(_("单位名称"), max_length=200, help_text=_("与登记机关登记的名称一致，按原样保存"))
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, db_index=True,
                                   help_text=_("除已失效的注册申请外唯一；失效后该代码可重新注册"))
    legal_rep_name = models.CharField(_("法定代表人姓名"), max_length=100)
    legal_rep_id_number = EncryptedTextField(_("法定代表人身份证号"))
    legal_rep_id_index = models.CharField(_("法定代表人身份证号索引"), max_length=64, db_index=True)
    legal_rep_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("法定代表人账号"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text=_("法定代表人本人的实名自然人账号；确认注册后填写"))
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("注册经办账号"), on_delete=models.PROTECT,
                                  related_name="+")
    account = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("法人登录账号"), on_delete=models.PROTECT,
                                   related_name="+", help_text=_("账号类型为法人，用户名即统一社会信用代码"))
    status = models.CharField(_("状态"), max_length=16, choices=OrgStatus.choices,
                              default=OrgStatus.PENDING_CONFIRMATION, editable=False)
    registry_provider = models.CharField(_("登记信息核验渠道"), max_length=64, blank=True)
    registry_checked_at = models.DateTimeField(_("登记信息核验时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("法定代表人确认时间"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("法人")
        verbose_name_plural = _("法人")
        constraints = [
            models.UniqueConstraint(fields=["credit_code"], condition=~models.Q(status="expired"),
                                    name="organization_credit_code_unique_unless_expired"),
        ]

    def __str__(self) -> str:
        return f"org:{self.pk}"
