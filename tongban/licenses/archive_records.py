"""Plain data objects of the sealed case documents (办件文书) and the electronic archive (电子档案), shared by
their services and selectors (no ORM rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from tongban.directory.selectors import StaffContext
from tongban.licenses.models import ArchivePackage, ArchivePolicy, ArchiveStatus, CaseDocument, CaseDocumentKind

#: Who may open the archive pages: department administrators (their department's packages), audit and platform
#: administrators (platform-wide at the province, else their department's).
ARCHIVE_ROLES = frozenset({"department_admin", "audit_admin", "platform_admin"})

#: Problems ``archive_verify`` reports, with the words the pages and the command print.
PROBLEM_LABELS = {
    "missing": "文件缺失",
    "changed": "文件被改动",
    "unreadable": "文件无法解密",
    "manifest_changed": "清单被改动",
    "bad_signature": "清单签名无效",
}


@dataclass(frozen=True)
class ArchiveFileEntry:
    """One file of a package, as the manifest lists it."""

    path: str
    sha256: str
    size: int
    file_id: int


@dataclass(frozen=True)
class ArchiveProblem:
    """Something ``archive_verify`` found wrong: ``code`` is a key of :data:`PROBLEM_LABELS`."""

    code: str
    path: str = ""
    detail: str = ""

    @property
    def label(self) -> str:
        return PROBLEM_LABELS.get(self.code, self.code)

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "path": self.path, "detail": self.detail}

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.label}" + (f"（{self.detail}）" if self.detail else "")


@dataclass(frozen=True)
class ArchiveVerification:
    """The result of checking one package: every file and the manifest's signature."""

    package_id: int
    case_number: str
    intact: bool
    problems: tuple[ArchiveProblem, ...]
    checked_files: int
    verified_at: datetime


@dataclass(frozen=True)
class ArchiveRow:
    """One package in the archive list."""

    id: int
    case_id: int
    case_number: str
    item_code: str
    department_id: int | None
    department_name: str
    status: str
    retain_until: date | None
    created_at: datetime
    verified_at: datetime | None
    file_count: int

    @property
    def status_label(self) -> str:
        return str(ArchiveStatus(self.status).label)

    @property
    def permanent(self) -> bool:
        return self.retain_until is None


@dataclass(frozen=True)
class ArchiveDetail:
    """One package with its manifest, for the detail page."""

    row: ArchiveRow
    files: tuple[ArchiveFileEntry, ...]
    format: str
    manifest_sha256: str
    signing_kid: str
    problems: tuple[ArchiveProblem, ...]


@dataclass(frozen=True)
class ArchivePolicyRow:
    """保管期限 of one item (``retention_years`` None with ``permanent``: kept for ever)."""

    id: int
    item_code: str
    retention_years: int | None
    permanent: bool
    updated_at: datetime

    @property
    def label(self) -> str:
        return "永久" if self.permanent or not self.retention_years else f"{self.retention_years}年"


def manifest_files(manifest: dict[str, Any]) -> tuple[ArchiveFileEntry, ...]:
    return tuple(ArchiveFileEntry(path=str(f.get("path", "")), sha256=str(f.get("sha256", "")),
                                  size=int(f.get("size", 0) or 0), file_id=int(f.get("file_id", 0) or 0))
                 for f in manifest.get("files", ()) if isinstance(f, dict))


def archive_row(package: ArchivePackage) -> ArchiveRow:
    files = package.manifest.get("files", ()) if isinstance(package.manifest, dict) else ()
    return ArchiveRow(
        id=package.pk, case_id=package.case_id, case_number=package.case_number, item_code=package.item_code,
        department_id=package.department_id, department_name=package.department.name if package.department else "",
        status=package.status, retain_until=package.retain_until, created_at=package.created_at,
        verified_at=package.verified_at, file_count=len(files))


def archive_detail(package: ArchivePackage) -> ArchiveDetail:
    manifest = package.manifest if isinstance(package.manifest, dict) else {}
    problems = tuple(ArchiveProblem(code=str(p.get("code", "")), path=str(p.get("path", "")),
                                    detail=str(p.get("detail", "")))
                     for p in package.verification_report or () if isinstance(p, dict))
    return ArchiveDetail(row=archive_row(package), files=manifest_files(manifest), format=str(manifest.get("format", "")),
                         manifest_sha256=package.manifest_sha256, signing_kid=package.signing_kid, problems=problems)


def policy_row(policy: ArchivePolicy) -> ArchivePolicyRow:
    return ArchivePolicyRow(id=policy.pk, item_code=policy.item_code, retention_years=policy.retention_years,
                            permanent=policy.permanent, updated_at=policy.updated_at)


def archive_staff_may(staff: StaffContext | None) -> bool:
    """Whether the workbench shows 电子档案 to this staff member."""
    return staff is not None and bool(staff.roles & ARCHIVE_ROLES)


@dataclass(frozen=True)
class CaseDocumentRow:
    """A sealed case document as pages list it."""

    id: int
    case_id: int
    kind: str
    number: str
    sha256: str
    created_at: datetime
    seal_name: str

    @property
    def kind_label(self) -> str:
        return str(CaseDocumentKind(self.kind).label)

    @property
    def file_name(self) -> str:
        return f"{self.kind_label}-{self.number}.pdf"


def case_document_row(doc: CaseDocument) -> CaseDocumentRow:
    return CaseDocumentRow(id=doc.pk, case_id=doc.case_id, kind=doc.kind, number=doc.number, sha256=doc.sha256,
                           created_at=doc.created_at, seal_name=doc.seal.name)
