"""What the applicant is told, in plain Chinese, at the transitions that matter to them (in-site notice + SMS),
and the links notices carry. Used by :mod:`tongban.cases.consumers` (outbox consumer) and the overdue job."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from tongban.cases.models import Case, CaseEvent, CaseKind, DecisionOutcome, DeliveryMethod
from tongban.identity.selectors import person_contact_phone
from tongban.notifications.services import SmsNotSent, notice_create, sms_send

log = logging.getLogger(__name__)

SMS_PURPOSE = "case_notice"
# Transitions the applicant hears about (the consumer subscribes to their topics).
APPLICANT_TRANSITIONS = frozenset({
    "submit", "accept", "request_supplement", "refuse", "special_procedure_start", "special_procedure_end",
    "decide", "instant_decide", "request_payment", "complete", "withdraw", "void",
})


def _link(name: str, case_id: int, fallback: str) -> str:
    try:
        return reverse(name, kwargs={"case_id": case_id})
    except NoReverseMatch:  # the pages arrive with the web issue
        return fallback.format(id=case_id)


def applicant_case_link(case_id: int) -> str:
    return _link("web:my_case_detail", case_id, "/my/cases/{id}/")


def staff_case_link(case_id: int) -> str:
    return _link("web:workbench_case_detail", case_id, "/workbench/cases/{id}/")


@dataclass(frozen=True)
class ApplicantMessage:
    title: str
    body: str


def _yuan(fen: int | None) -> str:
    amount = (fen or 0) / 100
    return f"{amount:.2f}".rstrip("0").rstrip(".")


def applicant_message(case: Case, event: CaseEvent) -> ApplicantMessage | None:
    """The message for one timeline row, or None when the applicant is not told about it."""
    transition = event.transition
    if transition not in APPLICANT_TRANSITIONS:
        return None
    if case.kind == CaseKind.BUNDLE_CHILD and transition in ("submit", "withdraw"):
        return None  # told once, for the whole 一件事
    item = case.item_name
    number = case.case_number
    detail = event.detail or {}
    if transition == "submit":
        due = case.acceptance_due.strftime("%Y年%m月%d日") if case.acceptance_due else ""
        body = _("您申请的“%(i)s”已提交，办件编号%(n)s。") % {"i": item, "n": number}
        if case.kind == CaseKind.BUNDLE_PARENT:
            body += _("各事项将分别受理，结果统一送达。")
        elif due:
            body += _("我们将在%(d)s前告诉您是否受理。") % {"d": due}
        return ApplicantMessage(_("申请已提交"), body)
    if transition == "accept":
        due = case.decision_due.strftime("%Y年%m月%d日") if case.decision_due else ""
        body = _("您申请的“%(i)s”（%(n)s）已受理。") % {"i": item, "n": number}
        if due:
            body += _("预计%(d)s前办结。") % {"d": due}
        return ApplicantMessage(_("申请已受理"), body)
    if transition == "request_supplement":
        things = "；".join(f"{i.get('material') or i.get('field')}（{i.get('reason')}）" for i in detail.get("items", []))
        return ApplicantMessage(_("请补齐补正材料"), _(
            "您申请的“%(i)s”（%(n)s）需要补齐补正：%(t)s。请登录后在“我的办件”中一次补交。") % {
            "i": item, "n": number, "t": things})
    if transition == "refuse":
        reasons = "；".join(detail.get("reasons", []))
        return ApplicantMessage(_("申请不予受理"), _(
            "很抱歉，您申请的“%(i)s”（%(n)s）不予受理。理由：%(r)s。依据：%(b)s。如有疑问可咨询办理部门。") % {
            "i": item, "n": number, "r": reasons, "b": detail.get("legal_basis", "")})
    if transition == "special_procedure_start":
        return ApplicantMessage(_("进入特别程序"), _(
            "您申请的“%(i)s”（%(n)s）需要进行%(k)s，期间不计入办理时限。原因：%(r)s") % {
            "i": item, "n": number, "k": detail.get("kind_label", ""), "r": event.opinion})
    if transition == "special_procedure_end":
        return ApplicantMessage(_("特别程序已结束"), _(
            "您申请的“%(i)s”（%(n)s）的%(k)s已结束，继续办理。") % {
            "i": item, "n": number, "k": detail.get("kind_label", "")})
    if transition in ("decide", "instant_decide"):
        if detail.get("outcome") == DecisionOutcome.APPROVE:
            return ApplicantMessage(_("办理结果：准予"), _("您申请的“%(i)s”（%(n)s）已准予。") % {
                "i": item, "n": number})
        return ApplicantMessage(_("办理结果：不予许可"), _(
            "很抱歉，您申请的“%(i)s”（%(n)s）不予许可。理由：%(r)s") % {"i": item, "n": number, "r": event.opinion})
    if transition == "request_payment":
        return ApplicantMessage(_("请缴纳费用"), _(
            "您申请的“%(i)s”（%(n)s）需缴纳费用%(y)s元，请登录后在“我的办件”中缴费。") % {
            "i": item, "n": number, "y": _yuan(detail.get("amount_fen"))})
    if transition == "complete":
        body = _("您申请的“%(i)s”（%(n)s）已办结。") % {"i": item, "n": number}
        if case.kind == CaseKind.BUNDLE_PARENT:
            body = _("您申请的“%(i)s”（%(n)s）各事项均已办结，结果将统一送达。") % {"i": item, "n": number}
        elif case.delivery_method == DeliveryMethod.WINDOW:
            body += _("请带好身份证件到办理窗口领取结果。")
        elif case.delivery_method == DeliveryMethod.COURIER:
            body += _("结果将邮寄给您。")
        elif case.delivery_method == DeliveryMethod.ELECTRONIC:
            body += _("电子结果可在“我的办件”中查看。")
        return ApplicantMessage(_("已办结"), body)
    if transition == "withdraw":
        return ApplicantMessage(_("申请已撤回"), _("您已撤回“%(i)s”（%(n)s）的申请。") % {"i": item, "n": number})
    if transition == "void":
        return ApplicantMessage(_("办件已作废"), _("您申请的“%(i)s”（%(n)s）已作废。原因：%(r)s") % {
            "i": item, "n": number, "r": event.opinion})
    return None


def applicant_notify(*, case: Case, event: CaseEvent) -> bool:
    """Leave the in-site notice for the account that applied and, the first time, text them. Idempotent per
    timeline row (the notice key); an SMS that cannot be sent is logged, the notice stays."""
    message = applicant_message(case, event)
    if message is None:
        return False
    notice = notice_create(user_id=case.applicant_user_id, title=message.title, body=message.body,
                           link=applicant_case_link(case.parent_id or case.pk), key=f"case-event:{event.pk}")
    if not notice.created:
        return False
    phone = person_contact_phone(user_id=case.applicant_user_id)
    if phone:
        try:
            sms_send(phone=phone, text=_("【通办】%(b)s") % {"b": message.body}, purpose=SMS_PURPOSE)
        except SmsNotSent:
            log.warning("case notice SMS not sent for event %s", event.pk)
    return True


def applicant_notify_event(*, case_id: int, event_id: int) -> bool:
    """:func:`applicant_notify` for an outbox event (ids only; safe to run again)."""
    event = CaseEvent.objects.select_related("case").filter(pk=event_id, case_id=case_id).first()
    if event is None:
        return False
    return applicant_notify(case=event.case, event=event)
