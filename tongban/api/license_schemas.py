"""Schemas of the licences API (/api/v1/licenses/): 我的证照, 亮证 tokens, public verification, 用证授权 and use."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class LicenseOut(Schema):
    id: int
    identifier: str = Field(..., description="证照标识（GB/T 36904）")
    version: int
    type_name: str
    issuer_name: str
    holder_name: str
    status: str = Field(..., description="01 有效 · 03 撤销 · 04 注销 · 05 失效 · 06 转出 · 07 吊销")
    status_label: str
    issued_on: date
    valid_from: date
    valid_until: date | None = Field(None, description="空为长期有效")
    has_pdf: bool
    pending_consents: int = Field(..., description="待持证人处理的用证申请数")


class FieldValueOut(Schema):
    name: str
    label: str
    value: str


class FieldLabelOut(Schema):
    name: str
    label: str


class ConsentOut(Schema):
    id: int
    requester_kind: str = Field(..., description="department 政务部门 · third_party 第三方机构")
    requester_kind_label: str
    requester_name: str
    purpose: str
    requested_fields: list[FieldLabelOut]
    granted_fields: list[FieldLabelOut]
    status: str = Field(..., description="requested 待授权 · granted 已授权 · refused 已拒绝 · revoked 已撤回")
    status_label: str
    valid_until: date | None = Field(None, description="待授权时为对方申请的截止日期，已授权时为授权截止日期")
    requested_at: datetime
    decided_at: datetime | None
    expired: bool = Field(..., description="已授权但已过截止日期")


class HolderConsentOut(ConsentOut):
    license_id: int


class UseOut(Schema):
    user_label: str
    purpose: str
    field_labels: list[str]
    allowed: bool
    refusal_reason: str
    at: datetime


class VerificationLogOut(Schema):
    channel_label: str
    result: str
    result_label: str
    at: datetime


class LicenseDetailOut(Schema):
    licence: LicenseOut
    holder_kind_label: str
    holder_number_masked: str
    fields: list[FieldValueOut] = Field(..., description="照面信息（持证主体代码已脱敏）")
    superseded: bool
    status_reason: str
    consents: list[ConsentOut]
    uses: list[UseOut] = Field(..., description="最近的用证记录（谁用了我的证照）")
    verifications: list[VerificationLogOut] = Field(..., description="最近的被核验记录（不含核验方）")
    use_count: int
    verification_count: int


class QrTokenOut(Schema):
    token: str = Field(..., description="base64url(JSON 载荷).base64url(Ed25519 签名)，见 docs/licenses.md“亮证二维码”")
    url: str = Field(..., description="二维码内容：核验地址 /verify/t/<token>/")
    expires_at: datetime
    ttl: int = Field(..., description="有效秒数（60）")


class GrantIn(Schema):
    fields: list[str] = Field(..., min_length=1, max_length=50, description="同意使用的字段名（须在申请范围内）")
    valid_until: date = Field(..., description="授权截止日期（不晚于对方申请的日期）")


class VerifyIn(Schema):
    identifier: str = Field("", max_length=120, description="证照标识；与 token 二选一")
    token: str = Field("", max_length=600, description="亮证二维码中的令牌；与 identifier 二选一")


class VerifiedLicenseOut(Schema):
    type_name: str
    holder_name_masked: str = Field(..., description="持证主体名称，仅首字")
    issuer_name: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    status: str
    status_label: str
    status_word: str = Field(..., examples=["有效", "已撤销"])
    superseded: bool = Field(..., description="已换发新版本")


class VerifyOut(Schema):
    valid: bool
    result: str = Field(..., description="valid · not_valid · not_found · bad_identifier · token_expired · "
                                         "token_replayed · token_invalid")
    result_label: str
    message: str
    code: str = Field("", description="标识错误时的具体原因：identifier_malformed · identifier_check_failed")
    verified_at: datetime
    licence: VerifiedLicenseOut | None = Field(None, description="只在证照存在且核验结果为有效或非有效状态时给出")


class ConsentRequestIn(Schema):
    identifier: str = Field(..., max_length=120, description="证照标识（持证人提供）")
    purpose: str = Field(..., min_length=4, max_length=500, description="用证事由", examples=["开立账户，核验身份"])
    fields: list[str] = Field(..., min_length=1, max_length=50, description="申请使用的字段名")
    valid_until: date = Field(..., description="申请使用至（最长一年）")


class RequestedConsentOut(Schema):
    id: int
    license_identifier: str
    license_type_name: str
    holder_name_masked: str
    consent: ConsentOut
    usable: bool = Field(..., description="当前可以使用（已授权、未到期、证照有效）")


class UseIn(Schema):
    fields: list[str] = Field(default_factory=list, max_length=50, description="本次使用的字段；不填为全部授权字段")
    purpose: str = Field("", max_length=500, description="本次用途；不填为授权事由")


class UseResultOut(Schema):
    use_id: int
    consent_id: int
    license_identifier: str
    license_type_name: str
    issuer_name: str
    holder_name: str
    fields: list[FieldValueOut]
    consent_valid_until: date
