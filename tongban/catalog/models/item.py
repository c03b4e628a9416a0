"""Basic items (基本目录) and their versions. A version holds every element of GB/T 39046 table 4."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.catalog.models.codes import (
    AssuranceLevel,
    Audience,
    CaseType,
    CatalogStatus,
    ItemType,
    LimitUnit,
    OnlineDepth,
    ResultType,
    Scope,
)

# Element fields of a version, in the order of GB/T 39046 table 4 (versioning, diff and the loader use them).
ITEM_ELEMENT_FIELDS = [
    "name", "item_type", "audience", "service_objects", "exercise_levels", "legal_basis", "acceptance_conditions",
    "process", "case_type", "legal_limit_value", "legal_limit_unit", "legal_limit_note", "promised_limit_value",
    "promised_limit_unit", "promised_limit_note", "joint_agencies", "intermediary", "quantity_limit", "result_name",
    "result_type", "result_sample", "fee_charged", "fee_basis", "fee_items", "scope", "handling_forms",
    "special_procedures", "supports_appointment", "supports_online_payment", "supports_express", "supports_online",
    "online_depth", "visit_count", "visit_reason", "min_assurance", "faqs", "keywords",
]
MATERIAL_FIELDS = ["name", "issuer", "original_count", "copy_count", "required", "note", "blank_form_url",
                   "sample_url", "license_type"]
IMPLEMENTATION_LOCAL_FIELDS = [
    "promised_limit_value", "promised_limit_unit", "promised_limit_note", "address", "hours", "consult_phone",
    "supervise_phone", "local_fee_note", "online_url", "hall_id",
]


class Item(models.Model):  # 政务服务事项（基本目录）
    basic_code = models.CharField(_("基本编码"), max_length=12, unique=True)
    status = models.CharField(_("状态"), max_length=16, choices=CatalogStatus.choices, default=CatalogStatus.DRAFT,
                              db_index=True)
    current_version = models.OneToOneField("catalog.ItemVersion", verbose_name=_("现行版本"), null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    department_category = models.CharField(_("主管部门类别"), max_length=32, db_index=True)
    themes = models.ManyToManyField("catalog.Theme", verbose_name=_("服务主题"), blank=True, related_name="items")
    life_events = models.ManyToManyField("catalog.LifeEvent", verbose_name=_("生命周期"), blank=True,
                                         related_name="items")
    weight = models.PositiveSmallIntegerField(_("高频权重"), default=0,
                                              help_text=_("0–100，越大越靠前；之后按办件量调整"))
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["basic_code"]
        indexes = [models.Index(fields=["status", "-weight"], name="item_status_weight_idx")]

    def __str__(self) -> str:
        version = self.current_version
        return f"{self.basic_code} {version.name if version else ''}".strip()


class ItemVersion(models.Model):  # 事项版本：每次发布（含调整）保留一版
    item = models.ForeignKey(Item, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    change_note = models.CharField(_("调整说明"), max_length=300, blank=True)

    # 三级八同 and the other elements of GB/T 39046 table 4
    name = models.CharField(_("事项名称"), max_length=200)
    item_type = models.CharField(_("事项类型"), max_length=2, choices=ItemType.choices)
    audience = models.CharField(_("服务主题分类"), max_length=16, choices=Audience.choices)
    service_objects = models.JSONField(_("服务对象"), default=list)
    exercise_levels = models.JSONField(_("行使层级"), default=list)
    legal_basis = models.JSONField(_("设定依据"), default=list, help_text=_("[{law, article, text}]"))
    acceptance_conditions = models.TextField(_("受理条件"))
    process = models.JSONField(_("办理流程"), default=list, help_text=_("[{name, days}]，days 为工作日"))
    case_type = models.CharField(_("办件类型"), max_length=1, choices=CaseType.choices)
    legal_limit_value = models.PositiveIntegerField(_("法定办结时限"))
    legal_limit_unit = models.CharField(_("法定时限单位"), max_length=16, choices=LimitUnit.choices,
                                        default=LimitUnit.WORKING_DAY)
    legal_limit_note = models.CharField(_("法定时限说明"), max_length=300, blank=True)
    promised_limit_value = models.PositiveIntegerField(_("承诺办结时限"))
    promised_limit_unit = models.CharField(_("承诺时限单位"), max_length=16, choices=LimitUnit.choices,
                                           default=LimitUnit.WORKING_DAY)
    promised_limit_note = models.CharField(_("承诺时限说明"), max_length=300, blank=True)
    joint_agencies = models.CharField(_("联办机构"), max_length=300, blank=True)
    intermediary = models.CharField(_("中介服务"), max_length=300, blank=True)
    quantity_limit = models.CharField(_("数量限制"), max_length=300, blank=True)
    result_name = models.CharField(_("结果名称"), max_length=200, blank=True)
    result_type = models.CharField(_("结果类型"), max_length=16, choices=ResultType.choices, blank=True)
    result_sample = models.CharField(_("结果样本"), max_length=300, blank=True)
    fee_charged = models.BooleanField(_("是否收费"), default=False)
    fee_basis = models.TextField(_("收费依据"), blank=True)
    fee_items = models.JSONField(_("收费项目"), default=list, blank=True, help_text=_("[{name, standard}]"))
    scope = models.CharField(_("通办范围"), max_length=8, choices=Scope.choices, default=Scope.NONE)
    handling_forms = models.JSONField(_("办理形式"), default=list)
    special_procedures = models.CharField(_("特别程序"), max_length=300, blank=True)
    supports_appointment = models.BooleanField(_("支持预约"), default=False)
    supports_online_payment = models.BooleanField(_("支持网上支付"), default=False)
    supports_express = models.BooleanField(_("支持物流快递"), default=False)
    supports_online = models.BooleanField(_("支持网上办理"), default=False)
    online_depth = models.PositiveSmallIntegerField(_("网办深度"), choices=OnlineDepth.choices,
                                                    default=OnlineDepth.PUBLICITY)
    visit_count = models.PositiveSmallIntegerField(_("到现场次数"), default=1)
    visit_reason = models.CharField(_("到现场原因"), max_length=300, blank=True)
    min_assurance = models.CharField(_("所需身份等级"), max_length=16, choices=AssuranceLevel.choices,
                                     default=AssuranceLevel.VERIFIED)
    faqs = models.JSONField(_("常见问题"), default=list, blank=True, help_text=_("[{q, a}]"))
    keywords = models.JSONField(_("俗称/关键词"), default=list, blank=True)
    # Not a GB/T 39046 element: the default application form (申请表单) that implementations inherit unless they
    # define their own. The compact field list of tongban.catalog.forms.definition; null = no default form.
    form = models.JSONField(_("默认申请表单"), null=True, blank=True)

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="item_version_number_unique"),
            models.UniqueConstraint(fields=["item"], condition=models.Q(published_at__isnull=True),
                                    name="item_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    @property
    def is_draft(self) -> bool:
        return self.published_at is None


class Material(models.Model):  # 申请材料（要求）
    version = models.ForeignKey(ItemVersion, verbose_name=_("事项版本"), on_delete=models.CASCADE,
                                related_name="materials")
    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("材料名称"), max_length=200)
    issuer = models.CharField(_("出具机构"), max_length=200, blank=True)
    original_count = models.PositiveSmallIntegerField(_("原件份数"), default=0)
    copy_count = models.PositiveSmallIntegerField(_("复印件份数"), default=0)
    required = models.BooleanField(_("是否必备"), default=True)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    blank_form_url = models.CharField(_("空表"), max_length=300, blank=True)
    sample_url = models.CharField(_("样表"), max_length=300, blank=True)
    license_type = models.CharField(_("可用证照类型"), max_length=100, blank=True,
                                    help_text=_("可替代本材料的电子证照类型"))

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["version", "position"]

    def __str__(self) -> str:
        return self.name
