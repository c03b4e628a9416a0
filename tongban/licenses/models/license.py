from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tongban.core.fields import EncryptedTextField
from tongban.licenses.models.codes import HolderKind, LicenseSource, LicenseStatus


class LicenseType(models.Model):
    """证照类型 (GB/T 36902 catalogue entry). ``code`` = the defining department's credit code + 3 digits.

    ``fields`` lists the surface fields: ``[{"name", "label", "required", "public"}]`` (``public`` fields may be
    shown on the verification page). ``layout`` is the rendering template: ``{"title", "subtitle", "rows": [field
    names in order], "note"}``. ``validity`` is ``{"kind": "none"}`` (长期有效), ``{"kind": "years", "value": n}``
    or ``{"kind": "months", "value": n}``. ``material_names`` are the catalogue material ``license_type`` names
    this type replaces (免交); ``result_names`` the item result names it is issued for.
    """

    code = models.CharField(_("证照类型代码"), max_length=21, unique=True)
    name = models.CharField(_("证照类型名称"), max_length=100, unique=True)
    defining_department = models.ForeignKey("directory.Department", verbose_name=_("定义部门"),
                                            on_delete=models.PROTECT, related_name="+")
    issuing_departments = models.ManyToManyField("directory.Department", verbose_name=_("颁发部门"),
                                                 related_name="license_types", blank=True)
    holder_kind = models.CharField(_("持证主体类别"), max_length=16, choices=HolderKind.choices)
    fields = models.JSONField(_("照面字段"), default=list)
    layout = models.JSONField(_("版式模板"), default=dict)
    validity = models.JSONField(_("有效期规则"), default=dict)
    material_names = models.JSONField(_("可替代材料"), default=list, blank=True)
    result_names = models.JSONField(_("对应办理结果"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("证照类型")
        verbose_name_plural = _("证照类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class LicenseCounter(models.Model):
    """Serial numbers per (type, issuer, year), taken under a row lock: no gaps, no duplicates."""

    license_type = models.ForeignKey(LicenseType, on_delete=models.CASCADE, related_name="+")
    issuer_credit_code = models.CharField(max_length=18)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["license_type", "issuer_credit_code", "year"],
                                               name="lic_counter_unique")]

    def __str__(self) -> str:
        return f"{self.issuer_credit_code}/{self.year}: {self.last}"


class License(models.Model):
    """One version of an electronic licence (电子证照). A re-issue keeps type, issuer and serial and adds a row with
    the next version (the old one is 注销 with ``superseded_by`` set). Holder data and surface fields are
    encrypted; the holder is found through ``holder_index`` (the identity app's blind index of the ID number,
    or of the credit code)."""

    license_type = models.ForeignKey(LicenseType, verbose_name=_("证照类型"), on_delete=models.PROTECT,
                                     related_name="licenses", db_index=False)  # lic_license_version_unique leads
    identifier = models.CharField(_("证照标识"), max_length=80, unique=True)
    serial = models.CharField(_("顺序号"), max_length=20)
    version = models.PositiveSmallIntegerField(_("版本号"), default=1)
    # The composite indexes in Meta lead with issuer_department, holder_user, holder_organization and case: no
    # second single-column index on them.
    issuer_department = models.ForeignKey("directory.Department", verbose_name=_("颁发部门"),
                                          on_delete=models.PROTECT, related_name="+", db_index=False)
    issuer_credit_code = models.CharField(_("颁发部门代码"), max_length=18)
    holder_kind = models.CharField(_("持证主体类别"), max_length=16, choices=HolderKind.choices)
    holder_name = EncryptedTextField(_("持证主体名称"))
    holder_number = EncryptedTextField(_("持证主体代码"))
    holder_index = models.CharField(_("持证主体索引"), max_length=64)
    holder_user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("持证账号"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+", db_index=False)
    holder_organization = models.ForeignKey("organizations.Organization", verbose_name=_("持证法人"), null=True,
                                            blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    data = EncryptedTextField(_("照面信息（JSON）"))
    status = models.CharField(_("状态"), max_length=2, choices=LicenseStatus.choices, default=LicenseStatus.VALID)
    status_reason = models.CharField(_("状态变更理由"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    issued_on = models.DateField(_("发证日期"))
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期止"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=8, choices=LicenseSource.choices)
    case = models.ForeignKey("cases.Case", verbose_name=_("办件"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+", db_index=False)
    seal = models.ForeignKey("licenses.Seal", verbose_name=_("签章印章"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    pdf_file_id = models.BigIntegerField(_("签章文件"), null=True, blank=True)
    pdf_sha256 = models.CharField(_("签章文件摘要"), max_length=64, blank=True)
    superseded_by = models.ForeignKey("self", verbose_name=_("换发为"), null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+", db_index=False)  # partial below
    created_at = models.DateTimeField(_("入库时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        constraints = [models.UniqueConstraint(fields=["license_type", "issuer_credit_code", "serial", "version"],
                                               name="lic_license_version_unique")]
        # The hot queries and their indexes are checked with EXPLAIN in tests/licenses/test_indexes.py.
        indexes = [
            # 我的证照 (a person's account or verified number; an organisation or its credit code), 一证通办.
            models.Index(fields=["holder_index", "status"], name="lic_holder_status_idx"),
            models.Index(fields=["holder_user", "status"], name="lic_holder_user_idx"),
            models.Index(fields=["holder_organization", "status"], name="lic_holder_org_idx"),
            models.Index(fields=["status", "valid_until"], name="lic_status_until_idx"),
            models.Index(fields=["case"], name="lic_case_idx"),
            # The few re-issued versions (an index of every licence's empty superseded_by would serve nothing).
            models.Index(fields=["superseded_by"], name="lic_superseded_idx", condition=Q(superseded_by__isnull=False)),
            # 证照管理: a department's licences newest first; every licence for a platform administrator.
            models.Index(fields=["issuer_department", "-created_at", "-id"], name="lic_issuer_created_idx"),
            models.Index(fields=["-created_at", "-id"], name="lic_created_idx"),
        ]

    def __str__(self) -> str:
        return self.identifier


class LicenseEvent(models.Model):
    """The licence's history: issue, every state change (with its reason), re-issue."""

    license = models.ForeignKey(License, verbose_name=_("电子证照"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=32)
    from_status = models.CharField(_("原状态"), max_length=2, blank=True)
    to_status = models.CharField(_("新状态"), max_length=2)
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    actor_label = models.CharField(_("操作人"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证照状态记录")
        verbose_name_plural = _("证照状态记录")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class ImportBatch(models.Model):
    """A batch import of existing licences (存量证照导入) with its line-by-line report."""

    department = models.ForeignKey("directory.Department", verbose_name=_("导入部门"), on_delete=models.PROTECT,
                                   related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    file_name = models.CharField(_("文件名"), max_length=200)
    total = models.PositiveIntegerField(_("行数"), default=0)
    accepted = models.PositiveIntegerField(_("导入成功"), default=0)
    rejected = models.PositiveIntegerField(_("未导入"), default=0)
    report = models.JSONField(_("逐行报告"), default=list)
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证照导入批次")
        verbose_name_plural = _("证照导入批次")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.accepted}/{self.total})"
