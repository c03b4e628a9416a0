from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.oidc.conf import SCOPES


class ClientForm(forms.Form):
    """登记接入系统."""

    name = forms.CharField(label=_("系统名称"), max_length=255)
    department_name = forms.CharField(label=_("所属部门"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("接入方式"), choices=[
        ("web", _("网页或移动应用：统一身份认证登录（授权码 + PKCE）")),
        ("service", _("部门系统间调用：客户端凭证")),
    ])
    redirect_uris = forms.CharField(label=_("回调地址"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text=_("每行一个，必须与登录请求中的地址完全一致"))
    post_logout_redirect_uris = forms.CharField(label=_("注销后返回地址"), required=False,
                                                widget=forms.Textarea(attrs={"rows": 2}))
    backchannel_logout_uri = forms.URLField(label=_("后台注销地址"), required=False, assume_scheme="https")
    sector_identifier = forms.CharField(label=_("主体标识分区"), max_length=255, required=False,
                                        help_text=_("留空则按回调地址的主机名划分"))
    allowed_scopes = forms.MultipleChoiceField(
        label=_("允许的授权范围"), choices=[(key, f"{key}：{label}") for key, label in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple, initial=["openid", "profile"])
    sensitive_scopes_approved = forms.BooleanField(
        label=_("已审核通过，可获取手机号、身份证号"), required=False)
