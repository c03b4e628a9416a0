"""Forms of the citizen account pages beyond registration and sign-in: re-authentication, second factor, phone
change, face login, profile (addresses, contacts, preferences) and closing the account."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _l

from tongban.identity.interface import ContactRelation, NotifyChannel

_NUMERIC = {"autocomplete": "one-time-code", "inputmode": "numeric"}


class ReauthPasswordForm(forms.Form):
    password = forms.CharField(label=_l("当前密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class ReauthSmsForm(forms.Form):
    sms_code = forms.CharField(label=_l("短信验证码"), max_length=6, required=False,
                               widget=forms.TextInput(attrs=_NUMERIC))


class NewPasswordForm(forms.Form):
    new_password = forms.CharField(label=_l("新密码"), strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                   help_text=_l("至少8位，包含字母、数字、符号中的两种，不能包含手机号或身份证号"))
    new_password2 = forms.CharField(label=_l("确认新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class PhoneChangeForm(forms.Form):
    new_phone = forms.CharField(label=_l("新手机号"), max_length=20,
                                widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    sms_code = forms.CharField(label=_l("新手机号收到的短信验证码"), max_length=6, required=False,
                               widget=forms.TextInput(attrs=_NUMERIC))


class FaceLoginForm(forms.Form):
    identifier = forms.CharField(label=_l("手机号或身份证号"), max_length=40,
                                 widget=forms.TextInput(attrs={"autocomplete": "username"}))
    photo = forms.FileField(label=_l("本人照片"), required=False,
                            help_text=_l("点击后用手机前置摄像头拍一张正脸照片：光线充足，不戴帽子和口罩"),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "user"}))
    captcha = forms.CharField(label=_l("图形验证码"), max_length=8, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))


class AddressForm(forms.Form):
    label = forms.CharField(label=_l("名称（可不填）"), max_length=20, required=False, help_text=_l("如：家、单位"))
    region_code = forms.ChoiceField(label=_l("所在地区（县、市、区）"))
    detail = forms.CharField(label=_l("详细地址"), max_length=120, help_text=_l("街道（乡镇）、小区、门牌号"))
    is_default = forms.BooleanField(label=_l("设为默认地址"), required=False)

    def __init__(self, *args: Any, regions: list[tuple[str, list[tuple[str, str]]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region_code"].choices = [("", _l("请选择")), *regions]  # type: ignore[attr-defined]


class ContactForm(forms.Form):
    name = forms.CharField(label=_l("姓名"), max_length=50)
    phone = forms.CharField(label=_l("手机号"), max_length=20,
                            widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}))
    relation = forms.ChoiceField(label=_l("与本人关系"), choices=[("", _l("请选择")), *ContactRelation.choices])


class PreferencesForm(forms.Form):
    elder_mode = forms.BooleanField(label=_l("登录后自动使用长辈模式（大字体、简洁页面）"), required=False)
    notify_channel = forms.ChoiceField(label=_l("接收通知的方式"), choices=NotifyChannel.choices,
                                       widget=forms.RadioSelect)


class CloseAccountForm(forms.Form):
    understood = forms.BooleanField(label=_l("我已阅读上面的说明，确认注销我的账号"), required=False)
