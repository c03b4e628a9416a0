"""Plain data objects the licences app hands to other apps and to its pages (no ORM rows).

Holder numbers leave here only masked (``holder_number_masked``); a service that must use the full number reads
it through its own selector (``license_by_identifier`` is internal to the licences app).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tongban.licenses.models.codes import HolderKind, LicenseSource, LicenseStatus


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@dataclass(frozen=True)
class LicenseField:
    """One surface field (照面字段) of a licence type."""

    name: str
    label: str
    required: bool = False
    public: bool = False


@dataclass(frozen=True)
class LicenseTypeRow:
    """证照类型 as pages and other apps see it."""

    id: int
    code: str
    name: str
    holder_kind: str
    defining_department_id: int
    defining_department_name: str
    issuing_department_ids: tuple[int, ...]
    fields: tuple[LicenseField, ...]
    layout: dict[str, Any]
    validity: dict[str, Any]
    material_names: tuple[str, ...]
    result_names: tuple[str, ...]
    active: bool

    @property
    def holder_kind_label(self) -> str:
        return _label(HolderKind, self.holder_kind)

    @property
    def validity_label(self) -> str:
        kind = self.validity.get("kind", "none")
        if kind == "years":
            return f"{self.validity.get('value')}年"
        if kind == "months":
            return f"{self.validity.get('value')}个月"
        return "长期有效"


@dataclass(frozen=True)
class LicenseRow:
    """One licence version in lists (我的证照, the workbench, look-ups). ``holder_number_masked`` only."""

    id: int
    identifier: str
    license_type_code: str
    license_type_name: str
    serial: str
    version: int
    issuer_department_id: int
    issuer_name: str
    holder_kind: str
    holder_name: str
    holder_number_masked: str
    holder_user_id: int | None
    holder_organization_id: int | None
    status: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    source: str
    case_id: int | None
    pdf_file_id: int | None
    pdf_sha256: str
    superseded_by_id: int | None
    created_at: datetime

    @property
    def status_label(self) -> str:
        return _label(LicenseStatus, self.status)

    @property
    def is_valid(self) -> bool:
        return self.status == LicenseStatus.VALID

    @property
    def source_label(self) -> str:
        return _label(LicenseSource, self.source)

    @property
    def holder_kind_label(self) -> str:
        return _label(HolderKind, self.holder_kind)

    @property
    def valid_until_label(self) -> str:
        return self.valid_until.isoformat() if self.valid_until else "长期"


@dataclass(frozen=True)
class LicenseEventRow:
    """One entry of a licence's history."""

    action: str
    from_status: str
    to_status: str
    reason: str
    actor_label: str
    created_at: datetime

    @property
    def to_status_label(self) -> str:
        return _label(LicenseStatus, self.to_status)

    @property
    def from_status_label(self) -> str:
        return _label(LicenseStatus, self.from_status) if self.from_status else ""


@dataclass(frozen=True)
class LicenseDetail:
    """One licence with its surface fields (label, value) in layout order and its history."""

    row: LicenseRow
    fields: tuple[tuple[str, str, str], ...]  # (name, label, value)
    public_fields: tuple[str, ...]
    events: tuple[LicenseEventRow, ...] = field(default_factory=tuple)
    versions: tuple[LicenseRow, ...] = field(default_factory=tuple)

    @property
    def data(self) -> dict[str, str]:
        return {name: value for name, _label_, value in self.fields}


@dataclass(frozen=True)
class ImportLine:
    """One line of an import report."""

    line: int
    status: str  # "ok" | "error"
    message: str
    identifier: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"line": self.line, "status": self.status, "message": self.message, "identifier": self.identifier}


@dataclass(frozen=True)
class ImportReport:
    """The outcome of a batch import (存量证照导入)."""

    batch_id: int
    file_name: str
    department_id: int
    total: int
    accepted: int
    rejected: int
    lines: tuple[ImportLine, ...]
    created_at: datetime | None = None
    seconds: float = 0.0
