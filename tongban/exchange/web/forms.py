from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class SubscriptionForm(forms.Form):
    """登记事件订阅."""

    department = forms.TypedChoiceField(label=_("所属部门"), coerce=int)
    name = forms.CharField(label=_("系统名称"), max_length=100)
    url = forms.CharField(label=_("接收地址"), max_length=500,
                          help_text=_("部门系统接收事件的 https 地址；平台不跟随重定向"))
    topics = forms.CharField(label=_("订阅主题"), widget=forms.Textarea(attrs={"rows": 3}), initial="case.*",
                             help_text=_("每行一个，例如 case.accepted；case.* 表示办件的全部事件，* 表示全部事件"))

    def __init__(self, *args: Any, departments: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = departments
        if len(departments) == 1:
            self.initial.setdefault("department", departments[0][0])

    def clean_topics(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["topics"].splitlines() if line.strip()]
