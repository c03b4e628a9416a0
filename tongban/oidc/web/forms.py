from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.directory import selectors as directory
from tongban.oidc.conf import SCOPES


class ClientForm(forms.Form):
    """登记接入系统."""

    name = forms.CharField(label=_("系统名称"), max_length=255)
    department_name = forms.CharField(label=_("所属部门"), max_length=200, required=False)
    department = forms.TypedChoiceField(
        label=_("对应部门（部门系统间调用）"), required=False, coerce=int, empty_value=None,
        help_text=_("部门业务系统回传办件受理、环节、决定和送达时代表的部门；只能回传本部门的办件"))
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

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("（不关联）"))] + [
            (d.pk, f"{d.name}（{d.region.name}）") for d in directory.department_list().order_by("region__code", "name")]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("department") is not None and data.get("kind") != "service":
            self.add_error("department", _("只有部门系统间调用（客户端凭证）的接入系统可以关联部门。"))
        return data
