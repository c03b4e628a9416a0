"""Code tables of the licences app (GB/T 36901–36906, domain.md "Licences")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class HolderKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ORGANIZATION = "organization", _("法人和其他组织")


class LicenseStatus(models.TextChoices):
    """GB/T 36904 states; 有效 has no number in the standard's list, we use 01."""

    VALID = "01", _("有效")
    REVOKED = "03", _("撤销")
    CANCELLED = "04", _("注销")
    EXPIRED = "05", _("失效")
    TRANSFERRED = "06", _("转出")
    WITHDRAWN = "07", _("吊销")


class LicenseSource(models.TextChoices):
    CASE = "case", _("办件结果")
    IMPORT = "import", _("存量导入")
    REISSUE = "reissue", _("换发")


class SealStatus(models.TextChoices):
    PENDING = "pending", _("待启用")
    ACTIVE = "active", _("启用")
    SUSPENDED = "suspended", _("停用")
    REVOKED = "revoked", _("已注销")


class SealKind(models.TextChoices):
    OFFICIAL = "official", _("公章")
    LICENSE = "license", _("证照专用章")
    APPROVAL = "approval", _("行政审批专用章")


class CaseDocumentKind(models.TextChoices):
    ACCEPTANCE_NOTICE = "acceptance_notice", _("受理通知书")
    SUPPLEMENT_NOTICE = "supplement_notice", _("补正告知书")
    REFUSAL_DECISION = "refusal_decision", _("不予受理决定书")
    APPROVAL_DECISION = "approval_decision", _("准予许可决定书")


class ConsentStatus(models.TextChoices):
    REQUESTED = "requested", _("待授权")
    GRANTED = "granted", _("已授权")
    REFUSED = "refused", _("已拒绝")
    REVOKED = "revoked", _("已撤回")


class RequesterKind(models.TextChoices):
    DEPARTMENT = "department", _("政务部门")
    THIRD_PARTY = "third_party", _("第三方机构")


class VerificationChannel(models.TextChoices):
    QR = "qr", _("扫码亮证")
    IDENTIFIER = "identifier", _("输入证照标识")
    API = "api", _("接口核验")


class VerificationResult(models.TextChoices):
    VALID = "valid", _("有效")
    NOT_VALID = "not_valid", _("证照非有效状态")
    NOT_FOUND = "not_found", _("证照不存在")
    BAD_IDENTIFIER = "bad_identifier", _("标识校验位错误")
    TOKEN_EXPIRED = "token_expired", _("二维码已过期")
    TOKEN_REPLAYED = "token_replayed", _("二维码已使用")
    TOKEN_INVALID = "token_invalid", _("二维码无效")


class ArchiveStatus(models.TextChoices):
    INTACT = "intact", _("完整")
    DAMAGED = "damaged", _("发现篡改或缺失")
    UNCHECKED = "unchecked", _("未校验")
