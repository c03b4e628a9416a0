"""Typed request and response schemas of the public API (/api/v1/)."""

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema


class ErrorIssue(Schema):
    code: str
    field: str
    message: str


class ErrorBody(Schema):
    code: str
    message: str
    issues: list[ErrorIssue] = []


class ErrorOut(Schema):
    error: ErrorBody


class RegionOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None


class DepartmentOut(Schema):
    id: int
    name: str
    credit_code: str
    category: str
    level: str
    region_code: str = Field(..., alias="region.code")
    region_name: str = Field(..., alias="region.name")


class WindowOut(Schema):
    number: str
    name: str
    is_comprehensive: bool
    departments: list[str]

    @staticmethod
    def resolve_departments(obj: Any) -> list[str]:
        return [d.name for d in obj.departments.all()]


class HallOut(Schema):
    name: str
    kind: str
    region_code: str = Field(..., alias="region.code")
    address: str
    hours: str
    phone: str
    windows: list[WindowOut]

    @staticmethod
    def resolve_windows(obj: Any) -> list[Any]:
        return list(obj.windows.all())


class ThemeOut(Schema):
    code: str
    name: str
    audience: str


class LegalBasisOut(Schema):
    law: str
    article: str
    text: str = ""


class StepOut(Schema):
    name: str
    days: int


class FeeItemOut(Schema):
    name: str
    standard: str


class FaqOut(Schema):
    q: str
    a: str


class MaterialOut(Schema):
    name: str
    issuer: str
    original_count: int
    copy_count: int
    required: bool
    note: str
    license_type: str


class LimitOut(Schema):
    value: int
    unit: str
    note: str


class ItemSummaryOut(Schema):
    """Resolved from an Item with its version in force (querysets are paginated before they are read)."""

    code: str = Field(..., alias="basic_code")
    name: str = Field(..., alias="current_version.name")
    item_type: str = Field(..., alias="current_version.item_type")
    audience: str = Field(..., alias="current_version.audience")
    department_category: str
    promised_limit: LimitOut
    visit_count: int = Field(..., alias="current_version.visit_count")
    online_depth: int = Field(..., alias="current_version.online_depth")
    version: int = Field(..., alias="current_version.number")

    @staticmethod
    def resolve_promised_limit(obj: Any) -> dict[str, Any]:
        v = obj.current_version
        return {"value": v.promised_limit_value, "unit": v.promised_limit_unit, "note": v.promised_limit_note}


class ItemOut(Schema):
    code: str
    name: str
    item_type: str
    audience: str
    department_category: str
    promised_limit: LimitOut
    visit_count: int
    online_depth: int
    version: int
    status: str
    service_objects: list[str]
    exercise_levels: list[str]
    legal_basis: list[LegalBasisOut]
    acceptance_conditions: str
    process: list[StepOut]
    case_type: str
    legal_limit: LimitOut
    joint_agencies: str
    intermediary: str
    quantity_limit: str
    result_name: str
    result_type: str
    result_sample: str
    fee_charged: bool
    fee_basis: str
    fee_items: list[FeeItemOut]
    scope: str
    handling_forms: list[str]
    special_procedures: str
    supports_appointment: bool
    supports_online_payment: bool
    supports_express: bool
    supports_online: bool
    visit_reason: str
    min_assurance: str
    faqs: list[FaqOut]
    themes: list[str]
    life_events: list[str]
    materials: list[MaterialOut]


class ImplementationOut(Schema):
    """Resolved from an Implementation with its item and both versions in force."""

    code: str
    item_code: str = Field(..., alias="item.basic_code")
    item_name: str = Field(..., alias="item.current_version.name")
    department: str = Field(..., alias="department.name")
    department_credit_code: str = Field(..., alias="department.credit_code")
    region_code: str = Field(..., alias="region.code")
    level: str
    status: str
    version: int = Field(..., alias="current_version.number")
    promised_limit: LimitOut
    address: str = Field(..., alias="current_version.address")
    hours: str = Field(..., alias="current_version.hours")
    consult_phone: str = Field(..., alias="current_version.consult_phone")
    supervise_phone: str = Field(..., alias="current_version.supervise_phone")
    local_fee_note: str = Field(..., alias="current_version.local_fee_note")
    online_url: str = Field(..., alias="current_version.online_url")

    @staticmethod
    def resolve_promised_limit(obj: Any) -> dict[str, Any]:
        v = obj.current_version
        return {"value": v.promised_limit_value, "unit": v.promised_limit_unit, "note": v.promised_limit_note}


class BundleOut(Schema):
    code: str
    name: str
    audience: str
    summary: str
    guide: str
    items: list[str]


class SearchHitOut(Schema):
    code: str
    name: str
    score: float


class SearchOut(Schema):
    query: str
    normalized: str
    total: int
    items: list[SearchHitOut]
    suggestions: list[str]


# ------------------------------------------------------------------ identity (统一身份认证)


class SmsCodeIn(Schema):
    phone: str = Field(..., max_length=32, description="手机号")
    purpose: Literal["register", "login"] = Field(..., description="register 注册，login 短信验证码登录")
    captcha: str = Field("", max_length=16, description="图形验证码（GET /identity/captcha 图片上的字符，不区分大小写）")


class SmsCodeOut(Schema):
    sent: bool
    expires_in: int = Field(..., description="验证码有效期（秒）")
    resend_after: int = Field(..., description="多少秒后可重新获取")


class PersonRegisterIn(Schema):
    phone: str = Field(..., max_length=32)
    sms_code: str = Field(..., max_length=16)
    password: str = Field(..., max_length=128)
    username: str = Field("", max_length=40, description="自定义用户名（可选，字母开头，6–20位，设置后不可修改）")


class AccountOut(Schema):
    kind: str = Field(..., description="person 自然人，organization 法人")
    display_name: str
    assurance_level: int = Field(..., description="实名等级：1 注册用户 … 4 窗口现场核验；法人账号为 1")


class PasswordLoginIn(Schema):
    identifier: str = Field(..., max_length=64, description="手机号、身份证号或自定义用户名")
    password: str = Field(..., max_length=128)
    captcha: str = Field("", max_length=16, description="连续登录失败3次后必填")


class SmsLoginIn(Schema):
    phone: str = Field(..., max_length=32)
    sms_code: str = Field(..., max_length=16)


class OtpIn(Schema):
    code: str = Field(..., max_length=10, description="验证器应用上的6位动态口令")


class OrganizationLoginIn(Schema):
    credit_code: str = Field(..., max_length=32, description="统一社会信用代码")
    password: str = Field(..., max_length=128)
    captcha: str = Field("", max_length=16, description="连续登录失败3次后必填")


class ChallengeIn(Schema):
    credit_code: str = Field(..., max_length=32)


class ChallengeOut(Schema):
    nonce: str
    message: str = Field(..., description="用已登记的私钥对这段原文签名（Ed25519 或 ECDSA P-256/SHA-256），Base64 编码")
    expires_at: datetime


class CertificateLoginIn(Schema):
    nonce: str = Field(..., max_length=100)
    signature: str = Field(..., max_length=2000, description="对 message 的签名，Base64")


class TokenOut(Schema):
    token: str = Field(..., description="会话令牌：之后的请求带 Authorization: Bearer <token>")
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(..., description="最长有效期（秒），无论是否活跃")
    idle_timeout: int = Field(..., description="闲置多少秒后失效")
    amr: list[str] = Field(..., description="登录方式（RFC 8176）：pwd 密码、sms 短信验证码、otp 动态口令、swk 数字证书")
    account: AccountOut


class DeviceOut(Schema):
    id: int
    ip: str | None
    device: str
    started_at: datetime
    last_seen_at: datetime
    current: bool


class AssuranceOut(Schema):
    level: int
    label: str
    method: str = Field(..., description="达到该等级的核验方式：population、bankcard、face、manual_review 等；注册用户为空")
    verified_at: datetime | None


class PersonOut(Schema):
    username: str | None = Field(..., description="自定义用户名（未设置时为空）")
    name: str = Field(..., description="实名核验后的姓名（未核验时为空）")
    phone_masked: str
    id_number_masked: str
    identity_locked: bool
    assurance: AssuranceOut


class OrganizationOut(Schema):
    id: int
    org_type: str
    org_type_label: str
    name: str
    credit_code: str
    status: str
    status_label: str
    legal_rep_name: str
    legal_rep_id_masked: str
    legal_rep_confirmed: bool
    created_at: datetime


class MeOut(Schema):
    kind: str
    amr: list[str]
    person: PersonOut | None
    organization: OrganizationOut | None = Field(..., description="法人账号本身登录时：该法人")


class IdentityIn(Schema):
    name: str = Field(..., max_length=200, description="与身份证一致，生僻字和间隔点“·”照原样填写")
    id_number: str = Field(..., max_length=40)


class BankcardIn(IdentityIn):
    card_number: str = Field(..., max_length=40)
    phone: str = Field(..., max_length=32, description="银行预留手机号")


class CheckOut(Schema):
    outcome: str
    message: str
    assurance: AssuranceOut


class AttemptOut(Schema):
    method: str
    outcome: str
    level_granted: int | None
    created_at: datetime


class ReviewOut(Schema):
    id: int
    status: str
    status_label: str
    reject_reason: str
    created_at: datetime
    reviewed_at: datetime | None


class RealnameRequestsOut(Schema):
    attempts: list[AttemptOut]
    manual_reviews: list[ReviewOut]
    corrections: list[ReviewOut]


class CreatedOut(Schema):
    id: int
    status: str


class AuthorizationIn(Schema):
    client_id: str = Field(..., max_length=100)
    redirect_uri: str = Field(..., max_length=500, description="须与接入系统登记的回调地址完全一致")
    scope: str = Field("openid", max_length=255)
    code_challenge: str = Field(..., max_length=128, description="PKCE（必填）")
    code_challenge_method: str = Field("S256", max_length=10)
    nonce: str | None = Field(None, max_length=255)
    state: str | None = Field(None, max_length=500)
    acr_values: str | None = Field(None, max_length=100, description="要求的实名等级，如 tongban:loa:2")
    consent: bool = Field(False, description="本人已在应用内同意向该系统提供所列信息（身份证号另需 consent_id_number）")
    consent_id_number: bool = Field(False, description="本人另行同意提供身份证号；为 false 时 id_number 范围被去掉（与浏览器授权页单独勾选一致）")
    organization_id: int | None = Field(None, description="申请 organization 范围时，本次代表的法人（GET /organizations 中的 id）；法人账号本身登录时不填")


class AuthorizationOut(Schema):
    redirect_uri: str = Field(..., description="带 code 和 state 的回调地址，交给接入系统")
    code: str
    state: str | None


# ------------------------------------------------------------------ legal persons (法人) and agents (经办人)


class OrganizationRegisterIn(Schema):
    org_type: str = Field(..., max_length=32, description="enterprise、farmer_coop、individual 等（见 OrgType）")
    name: str = Field(..., max_length=200)
    credit_code: str = Field(..., max_length=32)
    legal_rep_name: str = Field(..., max_length=200)
    legal_rep_id_number: str = Field(..., max_length=40)
    password: str = Field(..., max_length=128, description="法人账号的登录密码")


class MembershipOut(Schema):
    organization: OrganizationOut
    role: str = Field(..., description="organization 法人账号本身，legal_rep 法定代表人，agent 经办人")


class ActingOut(Schema):
    organization: OrganizationOut
    role: str
    scopes: list[str] = Field(..., description="可办理的范围：apply、view_cases、manage_licenses、pay")
    authorization_id: int | None
    valid_until: datetime | None


class AgentIn(Schema):
    agent: str = Field(..., max_length=64, description="经办人注册时的手机号或自定义用户名（须已实名）")
    scopes: list[str] = Field(..., max_length=10)
    valid_until: date = Field(..., description="授权有效期至（含当天，北京时间）")


class AgentOut(Schema):
    id: int
    agent_label: str
    scopes: list[str]
    scope_labels: list[str]
    valid_until: datetime
    granted_at: datetime
    revoked_at: datetime | None
    is_current: bool


def error_responses(*statuses: int) -> dict[int, Any]:
    """The documented error responses of an endpoint (all share the structured error body)."""
    return dict.fromkeys(statuses, ErrorOut)
