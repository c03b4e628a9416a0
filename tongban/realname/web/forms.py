"""Forms of the real-name pages. They only shape input; every rule lives in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

_PHOTO = {"accept": "image/jpeg,image/png,image/*"}


class IdentityForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=200, help_text=_("与身份证上的姓名一致，生僻字和间隔点“·”照原样填写"),
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))
    id_number = forms.CharField(label=_("身份证号"), max_length=40, help_text=_("18位，最后一位可以是X"),
                                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}))


class BankcardForm(IdentityForm):
    card_number = forms.CharField(label=_("银行卡号"), max_length=40, help_text=_("本人名下的借记卡或信用卡"),
                                  widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    bank_phone = forms.CharField(label=_("银行预留手机号"), max_length=20,
                                 widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))


class FaceForm(IdentityForm):
    photo = forms.FileField(label=_("本人照片"), required=False,
                            help_text=_("正对镜头、光线充足、不戴帽子和口罩；JPG或PNG，不超过5MB"),
                            widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "user"}))


class ManualReviewForm(IdentityForm):
    id_front = forms.FileField(label=_("身份证人像面"), required=False, help_text=_("JPG或PNG，不超过5MB"),
                               widget=forms.ClearableFileInput(attrs=_PHOTO))
    id_back = forms.FileField(label=_("身份证国徽面"), required=False, help_text=_("JPG或PNG，不超过5MB"),
                              widget=forms.ClearableFileInput(attrs=_PHOTO))
    handheld = forms.FileField(label=_("手持身份证照片"), required=False,
                               help_text=_("本人手持身份证人像面，脸和证件都要清晰"),
                               widget=forms.ClearableFileInput(attrs=_PHOTO))


class CorrectionForm(forms.Form):
    name = forms.CharField(label=_("正确的姓名"), max_length=200)
    id_number = forms.CharField(label=_("正确的身份证号"), max_length=40)
    reason = forms.CharField(label=_("更正原因"), max_length=400, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("例如：户籍信息已变更、原核验时录入有误"))
    evidence = forms.FileField(label=_("证明材料照片"), required=False,
                               help_text=_("新身份证或户籍证明的照片；JPG或PNG，不超过5MB"),
                               widget=forms.ClearableFileInput(attrs=_PHOTO))


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("未通过原因"), max_length=400, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("申请人会通过短信收到这段话，请写明需要怎样补正"))
