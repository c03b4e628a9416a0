"""Seals as other code sees them (plain data, never the private key): :class:`SealRow` and :class:`SealDetail`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tongban.licenses.models import Seal, SealKind, SealStatus
from tongban.licenses.pki import CertificateSummary
from tongban.licenses.workflow import Transition

__all__ = ["SealDetail", "SealRow", "seal_row"]


@dataclass(frozen=True)
class SealRow:
    """A seal as lists and other areas see it (never the private key)."""

    id: int
    department_id: int
    department_name: str
    name: str
    kind: str
    kind_label: str
    credit_code: str
    status: str
    status_label: str
    status_reason: str
    certificate_serial: str
    not_before: datetime
    not_after: datetime
    created_at: datetime
    status_changed_at: datetime | None
    usage_count: int = 0


@dataclass(frozen=True)
class SealDetail:
    seal: SealRow
    certificate: CertificateSummary
    authority_name: str
    transitions: list[Transition]
    created_by: str


def seal_row(seal: Seal, *, usage_count: int = 0) -> SealRow:
    return SealRow(
        id=seal.pk, department_id=seal.department_id, department_name=seal.department.name, name=seal.name,
        kind=seal.kind, kind_label=str(SealKind(seal.kind).label), credit_code=seal.credit_code,
        status=seal.status, status_label=str(SealStatus(seal.status).label), status_reason=seal.status_reason,
        certificate_serial=seal.certificate_serial, not_before=seal.not_before, not_after=seal.not_after,
        created_at=seal.created_at, status_changed_at=seal.status_changed_at, usage_count=usage_count)
