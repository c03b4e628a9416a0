"""Code tables of the case engine (办件). Codes are English, labels Simplified Chinese."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):  # 办件状态
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已申请")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("待补齐补正")
    ACCEPTED = "accepted", _("已受理")
    IN_REVIEW = "in_review", _("审查中")
    SPECIAL_PROCEDURE = "special_procedure", _("特别程序")
    AWAITING_PAYMENT = "awaiting_payment", _("待缴费")
    APPROVED = "approved", _("准予许可")
    DENIED = "denied", _("不予许可")
    REFUSED = "refused", _("不予受理")
    COMPLETED = "completed", _("办结")
    DELIVERED = "delivered", _("已送达")
    WITHDRAWN = "withdrawn", _("已撤回")
    VOIDED = "voided", _("已作废")


# A case still being handled (办理中): the staff queues select among these. The queue indexes are partial, on these
# statuses only — a small share of all cases once the years of closed ones add up (docs/operations/database.md).
OPEN_STATUSES = (
    CaseStatus.SUBMITTED, CaseStatus.SUPPLEMENT_REQUESTED, CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW,
    CaseStatus.SPECIAL_PROCEDURE, CaseStatus.AWAITING_PAYMENT, CaseStatus.APPROVED, CaseStatus.DENIED,
)


class CaseKind(models.TextChoices):
    SINGLE = "single", _("单事项办件")
    BUNDLE_PARENT = "bundle_parent", _("一件事（主办件）")
    BUNDLE_CHILD = "bundle_child", _("一件事（子办件）")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANIZATION = "organization", _("法人")


class AcceptanceMode(models.TextChoices):  # 受理方式
    INSTANT = "instant", _("即办（当场受理并办结）")
    RECEIPT = "receipt", _("收件即受理")
    PRE_REVIEW = "pre_review", _("网上预审（1个工作日内出具预审意见）")
    ONLINE = "online", _("全程网办（2个工作日内受理）")
    COMPLEX = "complex", _("复杂事项（3个工作日内受理）")


# Working days allowed for the acceptance opinion, counted from submission (source 002 §2(1)).
ACCEPTANCE_WORKING_DAYS: dict[str, int] = {
    AcceptanceMode.INSTANT: 0,
    AcceptanceMode.RECEIPT: 0,
    AcceptanceMode.PRE_REVIEW: 1,
    AcceptanceMode.ONLINE: 2,
    AcceptanceMode.COMPLEX: 3,
}


class StepKind(models.TextChoices):  # 办理环节类型
    HANDLE = "handle", _("承办")
    REVIEW = "review", _("审核")
    APPROVE = "approve", _("审批")
    COUNTERSIGN = "countersign", _("会签")


class StepOutcome(models.TextChoices):
    PASS = "pass", _("通过")
    RETURN = "return", _("退回")


class DecisionOutcome(models.TextChoices):  # 决定
    APPROVE = "approve", _("准予")
    DENY = "deny", _("不予")


class DeliveryMethod(models.TextChoices):  # 送达方式
    WINDOW = "window", _("窗口领取")
    COURIER = "courier", _("邮寄送达")
    ELECTRONIC = "electronic", _("电子送达")


class SpecialProcedureKind(models.TextChoices):  # 特别程序
    HEARING = "hearing", _("听证")
    TESTING = "testing", _("检验检测")
    EXPERT_REVIEW = "expert_review", _("专家评审")
    SITE_INSPECTION = "site_inspection", _("现场勘验")
    OTHER = "other", _("其他")


class AttachmentSource(models.TextChoices):  # 材料来源
    UPLOAD = "upload", _("新上传")
    REUSE = "reuse", _("材料复用")
    LICENSE = "license", _("电子证照")


class ActorKind(models.TextChoices):  # 办件操作人类型
    APPLICANT = "applicant", _("申请人")
    STAFF = "staff", _("工作人员")
    DEPARTMENT_SYSTEM = "department_system", _("部门业务系统")
    SYSTEM = "system", _("系统")
