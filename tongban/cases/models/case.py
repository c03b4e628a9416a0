"""Cases (办件), their steps, timeline, materials, special procedures and supplement requests.

Status changes only through :mod:`tongban.cases.workflow` (services call it; no code assigns ``status``).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.cases.models.codes import (
    OPEN_STATUSES,
    AcceptanceMode,
    ActorKind,
    ApplicantKind,
    AttachmentSource,
    CaseKind,
    CaseStatus,
    DecisionOutcome,
    DeliveryMethod,
    SpecialProcedureKind,
    StepKind,
    StepOutcome,
)
from tongban.core.fields import EncryptedTextField


class Case(models.Model):  # 办件
    case_number = models.CharField(_("办件编号"), max_length=64, unique=True,
                                   help_text=_("实施编码(31)+yyyyMMdd+4位当日序号，共43位；一件事主办件另有编号"))
    kind = models.CharField(_("办件类别"), max_length=16, choices=CaseKind.choices, default=CaseKind.SINGLE)
    parent = models.ForeignKey("self", verbose_name=_("一件事主办件"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    bundle_code = models.CharField(_("一件事代码"), max_length=40, blank=True)

    implementation = models.ForeignKey("catalog.Implementation", verbose_name=_("实施清单"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    item_version = models.ForeignKey("catalog.ItemVersion", verbose_name=_("申请时的事项版本"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+")
    implementation_version = models.ForeignKey("catalog.ImplementationVersion", verbose_name=_("申请时的实施清单版本"),
                                               null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    item_code = models.CharField(_("事项基本编码"), max_length=12, blank=True)
    item_name = models.CharField(_("事项名称"), max_length=200)
    # No single-column index on department, applicant_user or organization: the composite indexes below lead with
    # them and serve the same look-ups (a second copy of 5,000,000 entries would only cost writes and memory).
    department = models.ForeignKey("directory.Department", verbose_name=_("办理部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", db_index=False)

    applicant_kind = models.CharField(_("申请人类型"), max_length=16, choices=ApplicantKind.choices)
    applicant_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交账号"),
                                       on_delete=models.PROTECT, related_name="+", db_index=False)
    organization = models.ForeignKey("organizations.Organization", verbose_name=_("申请法人"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="+", db_index=False)
    applicant_name = EncryptedTextField(_("申请人名称"))
    applicant_name_index = models.CharField(_("申请人名称索引"), max_length=64)  # case_applicant_name_idx
    applicant_id_number = EncryptedTextField(_("申请人证件号码"), blank=True, default="",
                                             help_text=_("自然人为身份证号，法人为统一社会信用代码"))
    applicant_id_index = models.CharField(_("申请人证件号码索引"), max_length=64, blank=True)  # case_applicant_id_idx
    idempotency_key = models.CharField(_("幂等键"), max_length=64, blank=True)

    status = models.CharField(_("状态"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    acceptance_mode = models.CharField(_("受理方式"), max_length=16, choices=AcceptanceMode.choices,
                                       default=AcceptanceMode.PRE_REVIEW)
    handled_externally = models.BooleanField(_("由部门业务系统办理"), default=False)
    form_key = models.CharField(_("申请表"), max_length=120, blank=True)
    form_snapshot = models.JSONField(_("申请表（提交时的版本）"), default=dict, blank=True,
                                     help_text=_("tongban.catalog.forms.form_spec_snapshot：按提交时的样子展示"))
    form_data_encrypted = EncryptedTextField(_("表单数据"), blank=True, default="")

    submitted_at = models.DateTimeField(_("申请时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("终止时间"), null=True, blank=True, help_text=_("不予受理、撤回或作废的时间"))
    resubmitted_at = models.DateTimeField(_("补正提交时间"), null=True, blank=True)

    # The clock (时限). Limits are snapshots of the implementation at submission.
    promised_limit_value = models.PositiveIntegerField(_("承诺办结时限"), default=0)
    promised_limit_unit = models.CharField(_("承诺时限单位"), max_length=16, default="working_day")
    legal_limit_value = models.PositiveIntegerField(_("法定办结时限"), default=0)
    legal_limit_unit = models.CharField(_("法定时限单位"), max_length=16, default="working_day")
    acceptance_due = models.DateField(_("受理期限"), null=True, blank=True)
    acceptance_due_provisional = models.BooleanField(_("受理期限为暂定"), default=False)
    decision_due = models.DateField(_("办结期限"), null=True, blank=True)
    decision_due_provisional = models.BooleanField(_("办结期限为暂定"), default=False)
    clock_due = models.DateField(_("当前计时期限"), null=True, blank=True,
                                 help_text=_("正在计时的期限（受理或办结）；计时暂停或已结束时为空"))
    clock_stopped_since = models.DateTimeField(_("计时暂停自"), null=True, blank=True)
    stopped_working_days = models.PositiveIntegerField(_("暂停计时的工作日"), default=0)
    extension_working_days = models.PositiveIntegerField(_("延长的工作日"), default=0)
    extension_reason = models.CharField(_("延期理由"), max_length=500, blank=True)
    overdue_at = models.DateTimeField(_("标记超期时间"), null=True, blank=True)
    supplement_from = models.CharField(_("补正前状态"), max_length=24, blank=True)

    # Processing (办理): the chain copied from the processing configuration at acceptance.
    steps_snapshot = models.JSONField(_("办理环节"), default=list, blank=True)
    countersign_department_ids = models.JSONField(_("会签部门"), default=list, blank=True)

    # Result (结果)
    decision_outcome = models.CharField(_("决定"), max_length=16, choices=DecisionOutcome.choices, blank=True)
    decision_documents = models.JSONField(_("决定文书"), default=list, blank=True)
    delivery_method = models.CharField(_("送达方式"), max_length=16, choices=DeliveryMethod.choices, blank=True)
    result_references = models.JSONField(_("办理结果"), default=list, blank=True,
                                         help_text=_("结果出具接口返回的证照或文书标识"))
    fee_amount_fen = models.PositiveIntegerField(_("应缴金额（分）"), null=True, blank=True)
    fee_paid_at = models.DateTimeField(_("缴费时间"), null=True, blank=True)
    payment_reference = models.CharField(_("缴费凭证"), max_length=100, blank=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        constraints = [
            models.UniqueConstraint(fields=["applicant_user", "idempotency_key"], condition=~Q(idempotency_key=""),
                                    name="case_idempotency_per_applicant"),
        ]
        # The hot queries and the index each one uses are checked with EXPLAIN in tests/cases/test_indexes.py.
        indexes = [
            # Staff queues: to accept / supplemented / in special procedure / my steps (state + department, by due
            # date); the platform-wide queues of platform administrators. Partial: open cases only.
            models.Index(fields=["department", "status", "clock_due"], name="case_dept_status_due_idx",
                         condition=Q(status__in=OPEN_STATUSES)),
            models.Index(fields=["status", "clock_due"], name="case_open_status_due_idx",
                         condition=Q(status__in=OPEN_STATUSES)),
            # Due soon / overdue within a department; the overdue sweep and platform-wide queues. Partial: only a
            # running clock has a due date (clock_due is empty for the closed majority).
            models.Index(fields=["department", "clock_due"], name="case_dept_due_idx",
                         condition=Q(clock_due__isnull=False)),
            models.Index(fields=["clock_due", "overdue_at"], name="case_due_overdue_idx",
                         condition=Q(clock_due__isnull=False)),
            # My cases (我的办件) and search.
            models.Index(fields=["applicant_user", "-submitted_at"], name="case_applicant_idx"),
            models.Index(fields=["organization", "-submitted_at"], name="case_org_idx"),
            models.Index(fields=["department", "-submitted_at"], name="case_dept_submitted_idx"),
            models.Index(fields=["item_code", "-submitted_at"], name="case_item_idx"),
            # Search by the applicant's exact name or number (blind indexes: equality only, so no LIKE companion).
            models.Index(fields=["applicant_name_index"], name="case_applicant_name_idx"),
            models.Index(fields=["applicant_id_index"], name="case_applicant_id_idx"),
            # Platform-wide search: newest first, submission dates; 一件事 by name (through its code).
            models.Index(fields=["-submitted_at", "-id"], name="case_submitted_idx"),
            models.Index(fields=["bundle_code", "-submitted_at"], name="case_bundle_idx",
                         condition=Q(kind=CaseKind.BUNDLE_PARENT)),
        ]

    def __str__(self) -> str:
        return self.case_number

    @property
    def form_data(self) -> dict[str, Any]:
        return json.loads(self.form_data_encrypted) if self.form_data_encrypted else {}

    @form_data.setter
    def form_data(self, value: dict[str, Any]) -> None:
        self.form_data_encrypted = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class CaseStep(models.Model):  # 办理环节（一次办理记录）
    """One opening of a step of the chain. A countersign step opens one row per countersigning department; a
    returned step (退回) opens the earlier step again as a new row (``round`` counts openings)."""

    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("环节序号"))
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    name = models.CharField(_("环节名称"), max_length=100)
    kind = models.CharField(_("环节类型"), max_length=16, choices=StepKind.choices)
    role = models.CharField(_("办理角色"), max_length=40)
    department = models.ForeignKey("directory.Department", verbose_name=_("办理部门"), on_delete=models.PROTECT,
                                   related_name="+")
    budget_days = models.PositiveSmallIntegerField(_("时限（工作日）"), default=0)
    due = models.DateField(_("环节期限"), null=True, blank=True)
    opened_at = models.DateTimeField(_("开始时间"))
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    outcome = models.CharField(_("办理结果"), max_length=16, choices=StepOutcome.choices, blank=True)
    opinion = models.TextField(_("办理意见"), blank=True)
    attachments = models.JSONField(_("附件"), default=list, blank=True)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办理人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(_("办理人"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("办理环节")
        verbose_name_plural = _("办理环节")
        ordering = ["case", "opened_at", "pk"]
        # 我的待办 (the my_steps queue): open steps of a department's role. Partial: closed steps are the majority.
        indexes = [models.Index(fields=["department", "role", "case"], name="casestep_open_idx",
                                condition=Q(closed_at__isnull=True))]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.position}.{self.round}"


class CaseEvent(models.Model):  # 办件时间线
    """One transition: who (and for whom), when, the opinion, attachments (file ids) and details."""

    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="events")
    transition = models.CharField(_("操作"), max_length=40)
    from_status = models.CharField(_("原状态"), max_length=24)
    to_status = models.CharField(_("新状态"), max_length=24)
    occurred_at = models.DateTimeField(_("时间"))
    actor_kind = models.CharField(_("操作人类型"), max_length=24, choices=ActorKind.choices)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作账号"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(_("操作人"), max_length=200, blank=True)
    on_behalf_of_label = models.CharField(_("代表"), max_length=300, blank=True)
    department = models.ForeignKey("directory.Department", verbose_name=_("操作部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    step_name = models.CharField(_("环节"), max_length=100, blank=True)
    opinion = models.TextField(_("意见"), blank=True)
    attachments = models.JSONField(_("附件"), default=list, blank=True)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("办件记录")
        verbose_name_plural = _("办件记录")
        ordering = ["case", "occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.transition}"


class Attachment(models.Model):  # 申请材料（所提交的）
    """What was supplied for one required material (申请材料): a stored upload, an earlier upload reused, or a
    licence by reference. Belongs to a draft until submission, then to the case."""

    draft = models.ForeignKey("cases.Draft", verbose_name=_("草稿"), null=True, blank=True, on_delete=models.CASCADE,
                              related_name="attachments")
    case = models.ForeignKey(Case, verbose_name=_("办件"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="attachments")
    material_name = models.CharField(_("材料名称"), max_length=200)
    source = models.CharField(_("来源"), max_length=16, choices=AttachmentSource.choices)
    file_id = models.BigIntegerField(_("文件"), null=True, blank=True)
    license_reference = models.JSONField(_("证照引用"), null=True, blank=True)
    display_name = models.CharField(_("显示名称"), max_length=200, blank=True)
    mime = models.CharField(_("类型"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    sha256 = models.CharField(_("摘要"), max_length=64, blank=True)
    supplement_round = models.PositiveSmallIntegerField(_("补正轮次"), default=0)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交账号"), on_delete=models.PROTECT,
                                 related_name="+")
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("提交的材料")
        verbose_name_plural = _("提交的材料")
        ordering = ["material_name", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(draft__isnull=False) | Q(case__isnull=False),
                                   name="attachment_has_owner"),
        ]
        indexes = [models.Index(fields=["file_id"], name="attachment_file_idx")]

    def __str__(self) -> str:
        return f"{self.material_name}:{self.pk}"


class SpecialProcedure(models.Model):  # 特别程序
    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE,
                             related_name="special_procedures")
    kind = models.CharField(_("程序类型"), max_length=24, choices=SpecialProcedureKind.choices)
    reason = models.TextField(_("理由"))
    started_at = models.DateTimeField(_("开始时间"))
    started_by_label = models.CharField(_("启动人"), max_length=200, blank=True)
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ended_by_label = models.CharField(_("结束人"), max_length=200, blank=True)
    result = models.TextField(_("结果"), blank=True)
    stopped_working_days = models.PositiveIntegerField(_("不计时工作日"), default=0)

    class Meta:
        verbose_name = _("特别程序")
        verbose_name_plural = _("特别程序")
        ordering = ["case", "started_at"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}"


class SupplementRequest(models.Model):  # 补齐补正告知
    case = models.ForeignKey(Case, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="supplements")
    round = models.PositiveSmallIntegerField(_("轮次"))
    items = models.JSONField(_("需补正内容"), help_text=_("[{material, field, reason}]：一次性告知全部"))
    requested_at = models.DateTimeField(_("告知时间"))
    requested_by_label = models.CharField(_("告知人"), max_length=200, blank=True)
    resubmitted_at = models.DateTimeField(_("补正提交时间"), null=True, blank=True)
    stopped_working_days = models.PositiveIntegerField(_("不计时工作日"), default=0)

    class Meta:
        verbose_name = _("补齐补正告知")
        verbose_name_plural = _("补齐补正告知")
        ordering = ["case", "round"]
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="supplement_round_unique")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.round}"


class CaseNumberCounter(models.Model):  # 办件编号计数器
    """The last daily serial issued for one implementation (or bundle) on one day (Asia/Shanghai). Locked with
    ``select_for_update`` inside the submission transaction: a rolled-back submission gives its serial back."""

    scope = models.CharField(_("编号范围"), max_length=64)
    day = models.DateField(_("日期"))
    last_serial = models.PositiveIntegerField(_("已用序号"), default=0)

    class Meta:
        verbose_name = _("办件编号计数器")
        verbose_name_plural = _("办件编号计数器")
        constraints = [models.UniqueConstraint(fields=["scope", "day"], name="case_counter_scope_day")]

    def __str__(self) -> str:
        return f"{self.scope}@{self.day}:{self.last_serial}"
