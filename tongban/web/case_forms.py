"""Forms of the case-handling workbench (办件办理): one per action, the queue search and the processing
configuration editor. They check the shape of the input; the case services check everything else."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tongban.cases.interface import (
    AcceptanceMode,
    CaseStatus,
    DecisionOutcome,
    DeliveryMethod,
    SpecialProcedureKind,
    StepOutcome,
)

OPINION_MAX = 4000
REASON_MAX = 500
LEGAL_BASIS_HINT = _("《中华人民共和国行政许可法》第三十二条")

# Common grounds of 不予受理 (《行政许可法》第三十二条 and the acceptance conditions); "其他理由" adds free text.
REFUSAL_REASONS = [
    ("申请事项依法不需要取得行政许可", _("申请事项依法不需要取得行政许可")),
    ("申请事项依法不属于本行政机关职权范围", _("申请事项依法不属于本行政机关职权范围")),
    ("申请人不具备申请资格", _("申请人不具备申请资格")),
    ("申请材料存在虚假内容", _("申请材料存在虚假内容")),
    ("经补正后申请材料仍不齐全或者不符合法定形式", _("经补正后申请材料仍不齐全或者不符合法定形式")),
]


def _opinion(*, required: bool = False, label: Any = None) -> forms.CharField:
    return forms.CharField(label=label or _("意见"), required=required, max_length=OPINION_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}))


class OpinionForm(forms.Form):
    """受理 · 办结: an optional opinion."""

    opinion = _opinion()


class DeliverForm(forms.Form):
    """送达."""

    tracking_number = forms.CharField(label=_("快递单号"), required=False, max_length=60,
                                      help_text=_("邮寄送达时填写"))
    opinion = _opinion(label=_("送达说明"))


class RefuseForm(forms.Form):
    """不予受理: reasons (at least one) and the legal basis (required)."""

    reasons = forms.MultipleChoiceField(label=_("不予受理理由"), required=False, choices=REFUSAL_REASONS,
                                        widget=forms.CheckboxSelectMultiple)
    other_reasons = forms.CharField(label=_("其他理由"), required=False, max_length=2000,
                                    widget=forms.Textarea(attrs={"rows": 2}), help_text=_("每行一条"))
    legal_basis = forms.CharField(label=_("法律依据"), max_length=500, help_text=_("例如：%(h)s") % {
        "h": LEGAL_BASIS_HINT})
    opinion = _opinion(label=_("说明"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reasons = list(data.get("reasons") or []) + [
            line.strip() for line in (data.get("other_reasons") or "").splitlines() if line.strip()]
        if not reasons:
            self.add_error("reasons", _("请至少选择或填写一条不予受理的理由。"))
        data["all_reasons"] = reasons
        return data


class StepForm(forms.Form):
    """环节办理 (通过 / 退回) and 会签 (同意 / 退回)."""

    outcome = forms.ChoiceField(label=_("办理结果"), choices=StepOutcome.choices, widget=forms.RadioSelect)
    opinion = _opinion()

    def __init__(self, *args: Any, countersign: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if countersign:
            self.fields["outcome"].choices = [(StepOutcome.PASS, _("同意")), (StepOutcome.RETURN, _("退回"))]
            self.fields["opinion"].required = True
            self.fields["opinion"].label = _("会签意见")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == StepOutcome.RETURN and not (data.get("opinion") or "").strip():
            self.add_error("opinion", _("退回须写明意见。"))
        return data


class SpecialStartForm(forms.Form):
    """启动特别程序."""

    kind = forms.ChoiceField(label=_("程序种类"), choices=SpecialProcedureKind.choices)
    reason = forms.CharField(label=_("理由"), max_length=OPINION_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class SpecialEndForm(forms.Form):
    """结束特别程序."""

    result = forms.CharField(label=_("特别程序结果"), max_length=OPINION_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class ExtendForm(forms.Form):
    """批准延期 (once, 1–10 working days)."""

    working_days = forms.IntegerField(label=_("延长工作日"), min_value=1, max_value=10,
                                      help_text=_("《行政许可法》第四十二条：经本行政机关负责人批准，可以延长十日，只能延期一次"))
    reason = forms.CharField(label=_("延期理由"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(forms.Form):
    """作出决定 (准予 / 不予) with its documents and the delivery choice."""

    outcome = forms.ChoiceField(label=_("决定"), choices=DecisionOutcome.choices, widget=forms.RadioSelect)
    opinion = _opinion(label=_("决定意见"))
    doc_name_0 = forms.CharField(label=_("决定文书名称"), max_length=200, required=False)
    doc_number_0 = forms.CharField(label=_("文号"), max_length=100, required=False)
    doc_name_1 = forms.CharField(label=_("其他文书名称"), max_length=200, required=False)
    doc_number_1 = forms.CharField(label=_("文号"), max_length=100, required=False)
    delivery_method = forms.ChoiceField(label=_("送达方式"), choices=DeliveryMethod.choices, widget=forms.RadioSelect,
                                        initial=DeliveryMethod.ELECTRONIC)
    fee_yuan = forms.DecimalField(label=_("应缴金额（元）"), required=False, min_value=Decimal(0), max_digits=10,
                                  decimal_places=2, help_text=_("留空则按办理流程配置的收费金额"))

    DOC_ROWS = 2

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("outcome") == DecisionOutcome.DENY and not (data.get("opinion") or "").strip():
            self.add_error("opinion", _("不予许可须写明理由。"))
        if not any((data.get(f"doc_name_{i}") or "").strip() for i in range(self.DOC_ROWS)):
            self.add_error("doc_name_0", _("请列出决定文书（如准予许可决定书）。"))
        return data

    def documents(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [(data[f"doc_name_{i}"].strip(), data[f"doc_number_{i}"].strip()) for i in range(self.DOC_ROWS)
                if (data.get(f"doc_name_{i}") or "").strip()]

    def fee_fen(self) -> int | None:
        fee = self.cleaned_data.get("fee_yuan")
        return None if fee is None else int(fee * 100)


class VoidForm(forms.Form):
    """作废."""

    reason = forms.CharField(label=_("作废理由"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class RevealForm(forms.Form):
    """查看申请人完整信息 (audited)."""

    reason = forms.CharField(label=_("查看理由"), max_length=300,
                             help_text=_("例如：电话联系申请人核实材料。查看记录将被审计。"))


class SearchForm(forms.Form):
    """办件查询 within the staff member's scope."""

    case_number = forms.CharField(label=_("办件编号"), required=False, max_length=64)
    item = forms.CharField(label=_("事项名称或编码"), required=False, max_length=100)
    submitted_from = forms.DateField(label=_("申请日期自"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    submitted_to = forms.DateField(label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    applicant_name = forms.CharField(label=_("申请人姓名或名称"), required=False, max_length=100,
                                     help_text=_("须完整填写，结果中申请人信息脱敏显示"))
    applicant_id_number = forms.CharField(label=_("证件号码或统一社会信用代码"), required=False, max_length=30)
    status = forms.ChoiceField(
        label=_("状态"), required=False, help_text=_("如“准予许可”：待办结的办件；“办结”：待送达的办件"),
        choices=[("", _("全部"))] + [(value, label) for value, label in CaseStatus.choices if value != "draft"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", _("结束日期不能早于开始日期。"))
        return data


ACCEPTANCE_MODE_CHOICES = AcceptanceMode.choices
