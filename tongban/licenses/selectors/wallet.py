"""我的证照 (the holder's wallet): a person's own licences, or — acting for an organisation — the organisation's.

Every read here starts from :func:`tongban.licenses.holding.holder_scope`, so a licence id from a request is never
trusted: another holder's licence is simply not found. Everything leaves as plain data; the holder's number is
masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from tongban.core.crypto import mask_id_number
from tongban.core.rows import Rows
from tongban.licenses.holding import (
    ConsentRow,
    FieldValue,
    consent_row,
    effective_status,
    holder_scope,
    license_fields,
    license_for_holder,
    status_label,
    type_field_labels,
)
from tongban.licenses.models import (
    ConsentStatus,
    License,
    LicenseConsent,
    LicenseEvent,
    LicenseStatus,
    LicenseUse,
    Verification,
)

__all__ = [
    "ConsentRow", "EventRow", "FieldValue", "UseRow", "VerificationRow", "WalletLicense", "WalletLicenseDetail",
    "consent_list_for_holder", "license_use_list_for_holder", "verification_list_for_holder",
    "wallet_license_get_for_holder", "wallet_license_list_for_holder",
]

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
class EventRow:
    action: str
    from_label: str
    to_label: str
    reason: str
    at: datetime


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


def wallet_license_list_for_holder(*, user: Any, org_id: int | None = None) -> Rows[WalletLicense]:
    """The holder's licences, valid ones first, newest first: a lazy sequence (one count query, one query per page)
    — an organisation may hold thousands."""
    scope = holder_scope(user=user, org_id=org_id)
    rows = (scope.licences().select_related("license_type", "issuer_department")
            .annotate(pending=Count("consents", filter=Q(consents__status=ConsentStatus.REQUESTED)))
            .order_by("status", "-issued_on", "-pk"))
    return Rows(rows, lambda licence: _row(licence, licence.pending))


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
