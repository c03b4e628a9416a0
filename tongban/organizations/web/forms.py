"""Forms of the legal-person pages: they check shape only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _l

from tongban.identity.passwords import password_help_texts
from tongban.organizations.interface import AgentScope, OrgType


class OrgForm(forms.Form):
    label_suffix = "："


class RegisterOrgForm(OrgForm):
    org_type = forms.ChoiceField(label=_l("法人类型"), choices=OrgType.choices)
    name = forms.CharField(label=_l("单位名称"), max_length=200, help_text=_l("与营业执照或登记证书上的名称一致"))
    credit_code = forms.CharField(label=_l("统一社会信用代码"), max_length=40,
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
                                  help_text=_l("18位，由数字和大写字母组成（不含I、O、S、V、Z）"))
    legal_rep_name = forms.CharField(label=_l("法定代表人姓名"), max_length=100)
    legal_rep_id_number = forms.CharField(label=_l("法定代表人身份证号"), max_length=40,
                                          widget=forms.TextInput(attrs={"autocomplete": "off"}))
    password = forms.CharField(label=_l("法人账号密码"), strip=False, max_length=128,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_l("再次输入密码"), strip=False, max_length=128,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["password"].help_text = "；".join(password_help_texts())


class OrgLoginForm(OrgForm):
    credit_code = forms.CharField(label=_l("统一社会信用代码"), max_length=40,
                                  widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(label=_l("密码"), strip=False, max_length=128,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    captcha = forms.CharField(label=_l("图形验证码"), max_length=8, required=False)


class ChallengeForm(OrgForm):
    credit_code = forms.CharField(label=_l("统一社会信用代码"), max_length=40)


class SignatureForm(OrgForm):
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=64)
    signature = forms.CharField(label=_l("签名（Base64）"), max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}))


class AgentForm(OrgForm):
    agent = forms.CharField(label=_l("经办人手机号或用户名"), max_length=40,
                            help_text=_l("经办人须已注册自然人账号并完成实名认证"))
    scopes = forms.MultipleChoiceField(label=_l("授权范围"), choices=AgentScope.choices,
                                       widget=forms.CheckboxSelectMultiple, required=False)
    valid_until = forms.DateField(label=_l("有效期至"), widget=forms.DateInput(attrs={"type": "date"}),
                                  help_text=_l("到期当日24时失效"))


class KeyForm(OrgForm):
    label = forms.CharField(label=_l("名称"), max_length=100, required=False, help_text=_l("如：财务室证书"))
    public_key_pem = forms.CharField(label=_l("公钥（PEM）"), max_length=4000,
                                     widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}))
