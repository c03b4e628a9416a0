"""Workbench forms. Structured elements are edited as one entry per line, fields separated by “|”."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from tongban.catalog.interface import (
    AssuranceLevel,
    Audience,
    CaseType,
    HandlingForm,
    ItemType,
    LimitUnit,
    OnlineDepth,
    ResultType,
    Scope,
    ServiceObject,
)
from tongban.directory.interface import ExerciseLevel

SEP = "|"


def _lines(text: str) -> list[list[str]]:
    return [[part.strip() for part in line.replace("｜", SEP).split(SEP)] for line in text.splitlines() if line.strip()]


def _join(rows: list[list[Any]]) -> str:
    return "\n".join(SEP.join(str(cell) for cell in row) for row in rows)


class WorkbenchForm(forms.Form):
    label_suffix = "："


class LinesField(forms.CharField):
    """A textarea where each line is one entry of ``columns`` parts."""

    def __init__(self, *, columns: list[str], min_parts: int, **kwargs: Any) -> None:
        self.columns = columns
        self.min_parts = min_parts
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 4}))
        kwargs.setdefault("help_text", _l("每行一项，格式：") + SEP.join(columns))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> list[list[str]]:  # type: ignore[override]
        text = super().clean(value) or ""
        rows = _lines(text)
        for number, row in enumerate(rows, start=1):
            if len(row) < self.min_parts or any(not cell for cell in row[: self.min_parts]):
                raise forms.ValidationError(
                    _("第%(n)d行格式不对：应为“%(fmt)s”，用“|”分隔。") % {"n": number, "fmt": SEP.join(self.columns)})
        return rows


def _int_cell(value: str, line: int, label: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise forms.ValidationError(_("第%(n)d行的“%(l)s”应为整数。") % {"n": line, "l": label}) from None
    if number < 0:
        raise forms.ValidationError(_("第%(n)d行的“%(l)s”不能为负数。") % {"n": line, "l": label})
    return number


class ItemDraftForm(WorkbenchForm):
    name = forms.CharField(label=_l("事项名称"), max_length=200)
    item_type = forms.ChoiceField(label=_l("事项类型"), choices=ItemType.choices)
    audience = forms.ChoiceField(label=_l("服务主题分类"), choices=Audience.choices)
    service_objects = forms.MultipleChoiceField(label=_l("服务对象"), choices=ServiceObject.choices,
                                                widget=forms.CheckboxSelectMultiple)
    exercise_levels = forms.MultipleChoiceField(label=_l("行使层级"), choices=ExerciseLevel.choices,
                                                widget=forms.CheckboxSelectMultiple)
    legal_basis = LinesField(label=_l("设定依据"), columns=["法律法规名称", "条款", "条文内容"], min_parts=2)
    acceptance_conditions = forms.CharField(label=_l("受理条件"), widget=forms.Textarea(attrs={"rows": 3}))
    process = LinesField(label=_l("办理流程"), columns=["环节名称", "时限（工作日）"], min_parts=2)
    case_type = forms.ChoiceField(label=_l("办件类型"), choices=CaseType.choices)
    legal_limit_value = forms.IntegerField(label=_l("法定办结时限"), min_value=0)
    legal_limit_unit = forms.ChoiceField(label=_l("法定时限单位"), choices=LimitUnit.choices)
    legal_limit_note = forms.CharField(label=_l("法定时限说明"), required=False, max_length=300)
    promised_limit_value = forms.IntegerField(label=_l("承诺办结时限"), min_value=0,
                                              help_text=_l("0 表示即办（当场办结）"))
    promised_limit_unit = forms.ChoiceField(label=_l("承诺时限单位"), choices=LimitUnit.choices)
    promised_limit_note = forms.CharField(label=_l("承诺时限说明"), required=False, max_length=300)
    joint_agencies = forms.CharField(label=_l("联办机构"), required=False, max_length=300)
    intermediary = forms.CharField(label=_l("中介服务"), required=False, max_length=300)
    quantity_limit = forms.CharField(label=_l("数量限制"), required=False, max_length=300)
    result_name = forms.CharField(label=_l("结果名称"), required=False, max_length=200)
    result_type = forms.ChoiceField(label=_l("结果类型"), required=False,
                                    choices=[("", "—"), *ResultType.choices])
    result_sample = forms.CharField(label=_l("结果样本"), required=False, max_length=300)
    fee_charged = forms.BooleanField(label=_l("收费"), required=False)
    fee_basis = forms.CharField(label=_l("收费依据"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    fee_items = LinesField(label=_l("收费项目"), columns=["项目名称", "收费标准"], min_parts=2, required=False)
    scope = forms.ChoiceField(label=_l("通办范围"), choices=Scope.choices)
    handling_forms = forms.MultipleChoiceField(label=_l("办理形式"), choices=HandlingForm.choices,
                                               widget=forms.CheckboxSelectMultiple)
    special_procedures = forms.CharField(label=_l("特别程序"), required=False, max_length=300)
    supports_appointment = forms.BooleanField(label=_l("支持预约"), required=False)
    supports_online_payment = forms.BooleanField(label=_l("支持网上支付"), required=False)
    supports_express = forms.BooleanField(label=_l("支持物流快递"), required=False)
    supports_online = forms.BooleanField(label=_l("支持网上办理"), required=False)
    online_depth = forms.TypedChoiceField(label=_l("网办深度"), choices=OnlineDepth.choices, coerce=int)
    visit_count = forms.IntegerField(label=_l("到现场次数"), min_value=0, max_value=10)
    visit_reason = forms.CharField(label=_l("到现场原因"), required=False, max_length=300)
    min_assurance = forms.ChoiceField(label=_l("所需身份等级"), choices=AssuranceLevel.choices)
    faqs = LinesField(label=_l("常见问题"), columns=["问题", "解答"], min_parts=2, required=False)
    keywords = forms.CharField(label=_l("俗称/关键词"), required=False, help_text=_l("用顿号或逗号分隔，如：上户口、报户口"))
    materials = LinesField(label=_l("申请材料"), min_parts=1, required=False,
                           columns=["材料名称", "出具机构", "原件份数", "复印件份数", "必备（是/否）", "说明", "可用证照类型"],
                           widget=forms.Textarea(attrs={"rows": 6}))

    @classmethod
    def initial_from(cls, elements: dict[str, Any], materials: list[dict[str, Any]]) -> dict[str, Any]:
        initial = dict(elements)
        initial["legal_basis"] = _join([[b.get("law", ""), b.get("article", ""), b.get("text", "")]
                                        for b in elements["legal_basis"]])
        initial["process"] = _join([[s["name"], s["days"]] for s in elements["process"]])
        initial["fee_items"] = _join([[f["name"], f["standard"]] for f in elements["fee_items"]])
        initial["faqs"] = _join([[f["q"], f["a"]] for f in elements["faqs"]])
        initial["keywords"] = "、".join(elements["keywords"])
        initial["materials"] = _join([[m["name"], m["issuer"], m["original_count"], m["copy_count"],
                                       "是" if m["required"] else "否", m["note"], m["license_type"]]
                                      for m in materials])
        return initial

    def clean_process(self) -> list[dict[str, Any]]:
        return [{"name": row[0], "days": _int_cell(row[1], n, _("时限"))}
                for n, row in enumerate(self.cleaned_data["process"], start=1)]

    def clean_legal_basis(self) -> list[dict[str, str]]:
        return [{"law": row[0], "article": row[1], "text": row[2] if len(row) > 2 else ""}
                for row in self.cleaned_data["legal_basis"]]

    def clean_fee_items(self) -> list[dict[str, str]]:
        return [{"name": row[0], "standard": row[1]} for row in self.cleaned_data["fee_items"]]

    def clean_faqs(self) -> list[dict[str, str]]:
        return [{"q": row[0], "a": row[1]} for row in self.cleaned_data["faqs"]]

    def clean_keywords(self) -> list[str]:
        text = self.cleaned_data["keywords"].replace("，", "、").replace(",", "、")
        return [k.strip() for k in text.split("、") if k.strip()]

    def clean_materials(self) -> list[dict[str, Any]]:
        materials = []
        for n, row in enumerate(self.cleaned_data["materials"], start=1):
            row = [*row, "", "", "", "", "", ""][:7]
            materials.append({
                "name": row[0], "issuer": row[1],
                "original_count": _int_cell(row[2] or "0", n, _("原件份数")),
                "copy_count": _int_cell(row[3] or "0", n, _("复印件份数")),
                "required": row[4] not in {"否", "非必备", "no", "0"},
                "note": row[5], "license_type": row[6],
            })
        return materials

    def elements(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("materials")
        return data


class ItemCreateForm(WorkbenchForm):
    basic_code = forms.RegexField(label=_l("基本编码"), regex=r"^\d{12}$",
                                  error_messages={"invalid": _l("基本编码应为12位数字。")})
    department_category = forms.SlugField(label=_l("主管部门类别"), max_length=32, help_text=_l("如 gongan、minzheng"))
    name = forms.CharField(label=_l("事项名称"), max_length=200)
    item_type = forms.ChoiceField(label=_l("事项类型"), choices=ItemType.choices)
    audience = forms.ChoiceField(label=_l("服务主题分类"), choices=Audience.choices)


class ReasonForm(WorkbenchForm):
    reason = forms.CharField(label=_l("原因"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _l("请填写原因。")})


class PublishForm(WorkbenchForm):
    change_note = forms.CharField(label=_l("调整说明"), max_length=300, required=False)


class ImplementationDraftForm(WorkbenchForm):
    promised_limit_value = forms.IntegerField(label=_l("承诺办结时限"), min_value=0,
                                              help_text=_l("不得超过法定时限；0 表示即办"))
    promised_limit_unit = forms.ChoiceField(label=_l("承诺时限单位"), choices=LimitUnit.choices)
    promised_limit_note = forms.CharField(label=_l("承诺时限说明"), required=False, max_length=300)
    address = forms.CharField(label=_l("办理地点"), max_length=300)
    hours = forms.CharField(label=_l("办理时间"), max_length=300)
    consult_phone = forms.CharField(label=_l("咨询电话"), max_length=64)
    supervise_phone = forms.CharField(label=_l("监督投诉电话"), max_length=64)
    local_fee_note = forms.CharField(label=_l("地方收费说明"), required=False, max_length=500)
    online_url = forms.URLField(label=_l("网办地址"), required=False, max_length=300, assume_scheme="https")


class ClassifyForm(WorkbenchForm):
    themes = forms.MultipleChoiceField(label=_l("服务主题"), required=False, widget=forms.CheckboxSelectMultiple)
    life_events = forms.MultipleChoiceField(label=_l("生命周期"), required=False, widget=forms.CheckboxSelectMultiple)
    weight = forms.IntegerField(label=_l("高频权重"), min_value=0, max_value=100,
                                help_text=_l("0–100，越大在“高频事项”中越靠前"))

    def __init__(self, *args: Any, themes: list[tuple[str, str]], life_events: list[tuple[str, str]],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = themes  # type: ignore[attr-defined]
        self.fields["life_events"].choices = life_events  # type: ignore[attr-defined]


class SynonymForm(WorkbenchForm):
    term = forms.CharField(label=_l("群众说法"), max_length=50, help_text=_l("如：上户口"))
    canonical = forms.CharField(label=_l("规范说法"), max_length=100, help_text=_l("事项名称或其中的规范用语，如：出生登记"))
    is_active = forms.BooleanField(label=_l("启用"), required=False, initial=True)
    note = forms.CharField(label=_l("备注"), max_length=200, required=False)


class RegisterForm(forms.Form):
    """注册: works without JavaScript — “获取验证码” and “注册” are two submit buttons of this one form."""

    phone = forms.CharField(label=_l("手机号"), max_length=20,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    captcha = forms.CharField(label=_l("图形验证码"), max_length=8, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))
    sms_code = forms.CharField(label=_l("短信验证码"), max_length=6, required=False,
                               widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))
    username = forms.CharField(label=_l("自定义用户名（可不填）"), max_length=20, required=False,
                               help_text=_l("以字母开头，6–20位字母、数字或下划线；设置后不可修改"))
    password = forms.CharField(label=_l("密码"), strip=False, required=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text=_l("至少8位，包含字母、数字、符号中的两种，不能包含手机号"))
    password2 = forms.CharField(label=_l("确认密码"), strip=False, required=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    agree = forms.BooleanField(label=_l("我已阅读并同意《用户服务协议》和《隐私政策》"), required=False)


class PasswordLoginForm(forms.Form):
    identifier = forms.CharField(label=_l("手机号 / 身份证号 / 用户名"), max_length=40,
                                 widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(label=_l("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    captcha = forms.CharField(label=_l("图形验证码"), max_length=8, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))


class SmsLoginForm(forms.Form):
    phone = forms.CharField(label=_l("手机号"), max_length=20,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    captcha = forms.CharField(label=_l("图形验证码"), max_length=8, required=False,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))
    sms_code = forms.CharField(label=_l("短信验证码"), max_length=6, required=False,
                               widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class StaffLoginForm(forms.Form):
    username = forms.CharField(label=_l("用户名"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(label=_l("密码"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TotpForm(forms.Form):
    code = forms.CharField(label=_l("动态口令"), max_length=8, help_text=_l("验证器应用上显示的6位数字"),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(label=_l("当前密码"), strip=False,
                                       widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(label=_l("新密码"), strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                   help_text=_l("至少8位，包含字母、数字、符号中的两种，不能包含手机号或身份证号"))
    new_password2 = forms.CharField(label=_l("确认新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class StaffRolesForm(WorkbenchForm):
    """角色管理: the roles a staff member should hold (only those the administrator may change are offered)."""

    roles = forms.MultipleChoiceField(label=_l("角色"), required=False, widget=forms.CheckboxSelectMultiple)
    reason = forms.CharField(label=_l("调整原因"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _l("请填写调整角色的原因。")},
                             help_text=_l("记入审计日志，例如“岗位调整，经局长审批（文号）”。"))

    def __init__(self, *args: Any, role_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = role_choices
