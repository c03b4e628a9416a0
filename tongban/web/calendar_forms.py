"""Forms of the working-day calendar page (工作日历维护)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _l

from tongban.core.calendar_admin import MAX_YEAR, MIN_YEAR, CalendarDayKind

_REASON_HELP = _l("记入审计日志，例如“国办发明电〔2025〕7号”或“更正录入错误”。")


def _reason_field() -> forms.CharField:
    return forms.CharField(label=_l("变更原因"), max_length=200, help_text=_REASON_HELP,
                           error_messages={"required": _l("请填写变更原因。")})


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "：")
        super().__init__(*args, **kwargs)


class CalendarDayForm(_Form):
    """Enter or change one day."""

    date = forms.DateField(label=_l("日期"), widget=forms.DateInput(attrs={"type": "date"}),
                           error_messages={"required": _l("请填写日期。"), "invalid": _l("日期格式应为 2027-01-01。")})
    kind = forms.ChoiceField(label=_l("类型"), choices=CalendarDayKind.choices, widget=forms.RadioSelect,
                             error_messages={"required": _l("请选择放假或调休上班。")})
    name = forms.CharField(label=_l("节日"), max_length=50,
                           widget=forms.TextInput(attrs={"list": "holiday-names"}),
                           error_messages={"required": _l("请填写节日名称，如 春节、国庆节。")},
                           help_text=_l("调休上班日填它所属的节日。"))
    reason = _reason_field()


class CalendarDayRemoveForm(forms.Form):
    """Remove one day: it follows the Monday-to-Friday rule again."""

    date = forms.DateField(widget=forms.HiddenInput)
    reason = _reason_field()


class CalendarYearForm(_Form):
    """Publish or withdraw a year's schedule."""

    year = forms.IntegerField(min_value=MIN_YEAR, max_value=MAX_YEAR, widget=forms.HiddenInput)
    note = forms.CharField(label=_l("依据"), max_length=200, required=False,
                           help_text=_l("发布通知的文号，例如“国办发明电〔2026〕×号”。"))
    reason = _reason_field()
