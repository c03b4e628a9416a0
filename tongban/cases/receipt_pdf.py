"""The receipt (回执) as a PDF: what the applicant gets at submission, printable and keepable (ADR 16)."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.cases import clock
from tongban.cases.records import CaseReceipt
from tongban.core.pdf import Document

UNITS = {"working_day": "个工作日", "natural_day": "个自然日"}


def _day(value: date | None, provisional: bool = False) -> str:
    if value is None:
        return _("受理时告知")
    text = f"{value.year}年{value.month}月{value.day}日"
    return text + _("（暂定）") if provisional else text


def _short_day(value: date | None) -> str:
    return value.isoformat() if value else _("受理时告知")


def _moment(value: datetime) -> str:
    local = timezone.localtime(value, clock.SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _limit(receipt: CaseReceipt) -> str:
    if not receipt.promised_limit_value:
        return _("即办") if not receipt.is_bundle else _("各事项分别计算")
    return f"{receipt.promised_limit_value}{UNITS.get(receipt.promised_limit_unit, '')}"


def receipt_pdf(receipt: CaseReceipt, *, printed_at: datetime | None = None) -> bytes:
    """The receipt of one case (a 一件事 lists each child case with its own number)."""
    printed = printed_at or timezone.now()
    doc = Document(title=_("办件回执 %(n)s") % {"n": receipt.case_number},
                   subject=_("通办政务服务平台 · 申请回执"), created_at=printed,
                   footer=_("通办政务服务平台 · 办件编号 %(n)s") % {"n": receipt.case_number})
    doc.heading(_("申请回执"))
    doc.paragraph(_("您的申请已提交，本回执可作为提交凭证。请妥善保存办件编号。"), muted=True)
    doc.subheading(_("办件信息"))
    rows = [
        (_("办件编号"), receipt.case_number),
        (_("申请事项"), receipt.title),
        (_("办理部门"), receipt.department_name if not receipt.is_bundle else _("各事项分别由相应部门办理")),
        (_("申请人"), f"{receipt.applicant_name_masked}（{receipt.applicant_kind_label}）"),
        (_("提交时间"), _moment(receipt.submitted_at)),
        (_("当前状态"), receipt.status_label),
    ]
    if not receipt.is_bundle:
        rows += [
            (_("受理方式"), receipt.acceptance_mode_label),
            (_("受理期限"), _day(receipt.acceptance_due, receipt.acceptance_due_provisional)),
            (_("承诺办结时限"), _limit(receipt)),
        ]
    doc.rows(rows)
    if receipt.children:
        doc.subheading(_("包含的办件（各自编号、分别办理、结果统一送达）"))
        doc.table([_("事项"), _("办件编号"), _("办理部门"), _("受理期限")],
                  [[c.item_name, c.case_number, c.department_name, _short_day(c.acceptance_due)]
                   for c in receipt.children], widths=(0.22, 0.40, 0.22, 0.16))
    doc.subheading(_("已收到的材料"))
    if receipt.materials:
        doc.table([_("材料名称"), _("提交方式")], [[name, how] for name, how in receipt.materials],
                  widths=(0.72, 0.28))
    else:
        doc.paragraph(_("本申请未提交材料。"))
    doc.subheading(_("查询与咨询"))
    hints = [receipt.lookup_hint]
    if receipt.consult_phone:
        hints.append(_("咨询电话：%(p)s") % {"p": receipt.consult_phone})
    if receipt.address:
        hints.append(_("办理地点：%(a)s") % {"a": receipt.address})
    hints.append(_("政务服务便民热线：12345"))
    for hint in hints:
        doc.paragraph(hint)
    doc.paragraph(_("打印时间：%(t)s") % {"t": _moment(printed)}, size=9, muted=True)
    return doc.output()
