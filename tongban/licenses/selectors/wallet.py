"""我的证照 (the holder's wallet): a person's own licences, or — acting for an organisation — the organisation's.

A licence belongs to a person when it names their account (``holder_user``) or their verified ID number
(``holder_index``, the identity app's blind index); to an organisation when it names the organisation or its credit
code. Every read here starts from :func:`holder_scope`, so a licence id from a request is never trusted: another
holder's licence is simply not found. Everything leaves as plain data; the holder's number is masked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import Actor, actor_from_user
from tongban.core.crypto import mask_id_number
from tongban.core.errors import NotFound, NotPermitted
from tongban.identity.interface import AccountKind
from tongban.identity.selectors import person_verified_identity
from tongban.identity.services import id_number_index
from tongban.licenses.models import (
    ConsentStatus,
    HolderKind,
    License,
    LicenseConsent,
    LicenseEvent,
    LicenseStatus,
    LicenseUse,
    Verification,
)
from tongban.organizations import selectors as org_selectors
from tongban.organizations.interface import AgentScope

# The words the wallet and the verification page use for a state ("有效" needs no "已").
STATUS_WORDS = {
    LicenseStatus.VALID: "有效", LicenseStatus.REVOKED: "已撤销", LicenseStatus.CANCELLED: "已注销",
    LicenseStatus.EXPIRED: "已失效", LicenseStatus.TRANSFERRED: "已转出", LicenseStatus.WITHDRAWN: "已吊销",
}


def effective_status(licence: License, *, today: date | None = None) -> str:
    """The state to show: a licence past its validity counts as 失效 even before the nightly expiry job ran."""
    today = today or timezone.localdate()
    if licence.status == LicenseStatus.VALID and licence.valid_until is not None and licence.valid_until < today:
        return str(LicenseStatus.EXPIRED)
    return str(licence.status)


def status_label(status: str) -> str:
    return str(LicenseStatus(status).label)


def status_word(status: str) -> str:
    return _(STATUS_WORDS.get(status, status))


def holder_number_index(number: str) -> str:
    """The blind index a licence's ``holder_index`` holds for an ID number or a credit code (normalised)."""
    return id_number_index(number.strip().upper())


# ------------------------------------------------------------------ whose licences


@dataclass(frozen=True)
class HolderScope:
    """The holder a request acts as: the person themselves (``org_id`` None) or an organisation."""

    user_id: int
    org_id: int | None
    actor: Actor
    on_behalf_of: Actor | None
    query: Q = field(repr=False)

    def licences(self) -> QuerySet[License]:
        return License.objects.filter(self.query)


def holder_scope(*, user: Any, org_id: int | None = None) -> HolderScope:
    """Whose licences ``user`` may see: their own, or with ``org_id`` an organisation's (its own account, the legal
    representative, an agent with the "管理证照" scope). :class:`NotPermitted` otherwise."""
    if not getattr(user, "is_authenticated", False):
        raise NotPermitted(_("请先登录。"), code="login_required")
    if org_id is None and getattr(user, "kind", "") == AccountKind.ORGANIZATION:
        own = org_selectors.organization_for_account(user=user)
        org_id = own.id if own else None
    if org_id is not None:
        ctx = org_selectors.acting_context(user=user, org_id=org_id)
        if not ctx.allows(AgentScope.MANAGE_LICENSES):
            raise NotPermitted(_("您没有该法人的“管理证照”授权。"), code="scope_missing")
        query = Q(holder_kind=HolderKind.ORGANIZATION) & (
            Q(holder_organization_id=org_id) | Q(holder_index=holder_number_index(ctx.credit_code)))
        return HolderScope(user_id=user.pk, org_id=org_id, actor=ctx.actor, on_behalf_of=ctx.on_behalf_of,
                           query=query)
    if getattr(user, "kind", "") != AccountKind.PERSON:
        raise NotPermitted(_("该账号没有个人证照。"), code="not_permitted")
    mine = Q(holder_user_id=user.pk)
    verified = person_verified_identity(user_id=user.pk)
    if verified is not None:
        mine |= Q(holder_index=holder_number_index(verified[1]))
    return HolderScope(user_id=user.pk, org_id=None, actor=actor_from_user(user), on_behalf_of=None,
                       query=Q(holder_kind=HolderKind.PERSON) & mine)


def license_for_holder(*, scope: HolderScope, license_id: int) -> License:
    """One licence of the holder (for services), or :class:`NotFound`."""
    licence = scope.licences().select_related("license_type", "issuer_department").filter(pk=license_id).first()
    if licence is None:
        raise NotFound(_("没有找到这个证照。"))
    return licence


# ------------------------------------------------------------------ plain data


@dataclass(frozen=True)
class WalletLicense:
    id: int
    identifier: str
    version: int
    type_name: str
    issuer_name: str
    holder_name: str
    status: str
    status_label: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    has_pdf: bool
    pending_consents: int

    @property
    def is_valid(self) -> bool:
        return self.status == LicenseStatus.VALID


@dataclass(frozen=True)
class FieldValue:
    name: str
    label: str
    value: str


@dataclass(frozen=True)
class EventRow:
    action: str
    from_label: str
    to_label: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class ConsentRow:
    id: int
    requester_kind: str
    requester_kind_label: str
    requester_name: str
    purpose: str
    requested_fields: list[FieldValue]
    granted_fields: list[FieldValue]
    status: str
    status_label: str
    valid_until: date | None
    requested_at: datetime
    decided_at: datetime | None
    expired: bool


@dataclass(frozen=True)
class UseRow:
    user_label: str
    purpose: str
    field_labels: list[str]
    allowed: bool
    refusal_reason: str
    at: datetime


@dataclass(frozen=True)
class VerificationRow:
    channel_label: str
    result: str
    result_label: str
    at: datetime


@dataclass(frozen=True)
class WalletLicenseDetail:
    licence: WalletLicense
    holder_kind_label: str
    holder_number_masked: str
    fields: list[FieldValue]
    superseded: bool
    status_reason: str
    status_changed_at: datetime | None
    events: list[EventRow]
    consents: list[ConsentRow]
    uses: list[UseRow]
    verifications: list[VerificationRow]
    use_count: int
    verification_count: int


def _row(licence: License, pending: int = 0) -> WalletLicense:
    status = effective_status(licence)
    return WalletLicense(
        id=licence.pk, identifier=licence.identifier, version=licence.version,
        type_name=licence.license_type.name, issuer_name=licence.issuer_department.name,
        holder_name=str(licence.holder_name or ""), status=status, status_label=status_label(status),
        issued_on=licence.issued_on, valid_from=licence.valid_from, valid_until=licence.valid_until,
        has_pdf=licence.pdf_file_id is not None, pending_consents=pending)


def license_data(licence: License) -> dict[str, Any]:
    try:
        data = json.loads(licence.data or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def type_field_labels(licence: License) -> dict[str, str]:
    """The type's surface fields, name → label, in the type's order."""
    return {str(f.get("name")): str(f.get("label") or f.get("name")) for f in licence.license_type.fields or []
            if f.get("name")}


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def license_fields(licence: License, *, names: list[str] | None = None, mask_holder_number: bool = True
                   ) -> list[FieldValue]:
    """The surface fields (照面信息) in the type's order, optionally only ``names``; the holder's number masked."""
    data = license_data(licence)
    number = str(licence.holder_number or "")
    rows = []
    for name, label in type_field_labels(licence).items():
        if names is not None and name not in names:
            continue
        value = _display(data.get(name))
        if mask_holder_number and number and value.strip().upper() == number.strip().upper():
            value = mask_id_number(value)
        rows.append(FieldValue(name=name, label=label, value=value))
    return rows


def _labels(licence: License, names: list[str]) -> list[FieldValue]:
    labels = type_field_labels(licence)
    return [FieldValue(name=n, label=labels.get(n, n), value="") for n in names]


def consent_row(consent: LicenseConsent, licence: License, *, today: date | None = None) -> ConsentRow:
    today = today or timezone.localdate()
    return ConsentRow(
        id=consent.pk, requester_kind=consent.requester_kind,
        requester_kind_label=str(consent.get_requester_kind_display()), requester_name=consent.requester_name,
        purpose=consent.purpose, requested_fields=_labels(licence, list(consent.requested_fields or [])),
        granted_fields=_labels(licence, list(consent.granted_fields or [])), status=consent.status,
        status_label=str(consent.get_status_display()), valid_until=consent.valid_until,
        requested_at=consent.requested_at, decided_at=consent.decided_at,
        expired=consent.status == ConsentStatus.GRANTED and consent.valid_until is not None
        and consent.valid_until < today)


def wallet_license_list_for_holder(*, user: Any, org_id: int | None = None) -> list[WalletLicense]:
    """The holder's licences, valid ones first, newest first."""
    scope = holder_scope(user=user, org_id=org_id)
    rows = (scope.licences().select_related("license_type", "issuer_department")
            .annotate(pending=Count("consents", filter=Q(consents__status=ConsentStatus.REQUESTED)))
            .order_by("status", "-issued_on", "-pk"))
    return [_row(licence, licence.pending) for licence in rows]


def wallet_license_get_for_holder(*, user: Any, license_id: int, org_id: int | None = None,
                                  recent: int = 10) -> WalletLicenseDetail:
    """One licence of the holder with its surface fields, history, consents and the latest uses and
    verifications (the full logs: :func:`license_use_list_for_holder`, :func:`verification_list_for_holder`)."""
    scope = holder_scope(user=user, org_id=org_id)
    licence = license_for_holder(scope=scope, license_id=license_id)
    consents = list(LicenseConsent.objects.filter(license=licence).order_by("-requested_at", "-pk"))
    pending = sum(1 for c in consents if c.status == ConsentStatus.REQUESTED)
    labels = dict(LicenseStatus.choices)
    events = [EventRow(action=e.action, from_label=str(labels.get(e.from_status, "")),
                       to_label=str(labels.get(e.to_status, "")), reason=e.reason, at=e.created_at)
              for e in LicenseEvent.objects.filter(license=licence).order_by("-created_at", "-pk")[:50]]
    today = timezone.localdate()
    return WalletLicenseDetail(
        licence=_row(licence, pending), holder_kind_label=str(licence.get_holder_kind_display()),
        holder_number_masked=mask_id_number(str(licence.holder_number or "")),
        fields=license_fields(licence), superseded=licence.superseded_by_id is not None,
        status_reason=licence.status_reason, status_changed_at=licence.status_changed_at, events=events,
        consents=[consent_row(c, licence, today=today) for c in consents],
        uses=[_use_row(u, licence) for u in LicenseUse.objects.filter(license=licence)
              .order_by("-created_at", "-pk")[:recent]],
        verifications=[_verification_row(v) for v in Verification.objects.filter(license=licence)
                       .order_by("-created_at", "-pk")[:recent]],
        use_count=LicenseUse.objects.filter(license=licence).count(),
        verification_count=Verification.objects.filter(license=licence).count())


def _use_row(use: LicenseUse, licence: License) -> UseRow:
    labels = type_field_labels(licence)
    return UseRow(user_label=use.user_label, purpose=use.purpose,
                  field_labels=[labels.get(n, n) for n in use.fields or []], allowed=use.allowed,
                  refusal_reason=use.refusal_reason, at=use.created_at)


def _verification_row(v: Verification) -> VerificationRow:
    return VerificationRow(channel_label=str(v.get_channel_display()), result=v.result,
                           result_label=str(v.get_result_display()), at=v.created_at)


def license_use_list_for_holder(*, user: Any, license_id: int, org_id: int | None = None,
                                limit: int = 20, offset: int = 0) -> tuple[int, list[UseRow]]:
    """谁用了我的证照: every use of the licence (allowed or refused), newest first; (total, one page)."""
    licence = license_for_holder(scope=holder_scope(user=user, org_id=org_id), license_id=license_id)
    uses = LicenseUse.objects.filter(license=licence).order_by("-created_at", "-pk")
    return uses.count(), [_use_row(u, licence) for u in uses[offset:offset + limit]]


def verification_list_for_holder(*, user: Any, license_id: int, org_id: int | None = None,
                                 limit: int = 20, offset: int = 0) -> tuple[int, list[VerificationRow]]:
    """被核验记录: when, how and with what result the licence was verified (never who verified)."""
    licence = license_for_holder(scope=holder_scope(user=user, org_id=org_id), license_id=license_id)
    rows = Verification.objects.filter(license=licence).order_by("-created_at", "-pk")
    return rows.count(), [_verification_row(v) for v in rows[offset:offset + limit]]


def consent_list_for_holder(*, user: Any, org_id: int | None = None, pending_only: bool = False
                            ) -> list[tuple[WalletLicense, ConsentRow]]:
    """The consent requests on all the holder's licences (待授权 first)."""
    scope = holder_scope(user=user, org_id=org_id)
    consents = (LicenseConsent.objects.filter(license__in=scope.licences())
                .select_related("license__license_type", "license__issuer_department"))
    if pending_only:
        consents = consents.filter(status=ConsentStatus.REQUESTED)
    today = timezone.localdate()
    rows = [(_row(c.license), consent_row(c, c.license, today=today)) for c in consents]
    rows.sort(key=lambda pair: (pair[1].status != ConsentStatus.REQUESTED, -pair[1].requested_at.timestamp()))
    return rows
