"""The electronic archive (电子档案): one package per finished case, checked and exported.

A package (:func:`archive_build`) holds, each as a stored (encrypted) file:

* ``metadata.json`` — the case: number, item, department, applicant, dates, status, outcome, what was supplied,
  the documents and licences;
* ``form.json`` — the submitted form data (with the form as it was at submission);
* ``materials/<n>-<name>.<ext>`` — the supplied materials' files;
* ``documents/<n>-<name>.pdf`` — the sealed case documents and the department's decision documents;
* ``records/<n>-<name>`` — files attached to the case record (opinions, steps);
* ``licenses/<identifier>.pdf`` — the licences issued for the case;
* ``timeline.json`` — events, steps, supplement requests, special procedures;
* ``audit.json`` — the audit records whose target is the case.

The manifest (format, case number, created_at, retain_until, files ``[{path, sha256, size, file_id}]``) is
canonicalised (sorted keys, no spaces, UTF-8) and signed with the platform's archive key (Ed25519,
:func:`tongban.licenses.keys.platform_sign`). :func:`archive_verify` re-reads every file, compares its SHA-256 with
the manifest's and checks the signature; :func:`archive_export` writes the package as a zip with
``manifest.json``, ``manifest.sig`` and a README on how to verify it with the published key (/licenses/keys/).

Retention (保管期限): :class:`ArchivePolicy` per item code, otherwise ``TONGBAN_ARCHIVE_RETENTION_YEARS``. A
policy change applies to packages made afterwards: ``retain_until`` is part of the signed manifest.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import re
import zipfile
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.cases import selectors as case_selectors
from tongban.cases.interface import ArchiveAttachment, CaseArchiveRecord
from tongban.core.audit import (
    SYSTEM,
    Actor,
    Target,
    actor_from_user,
    atomic_service,
    audit_entries_for_target,
    audit_record,
    concealed_denial,
    denial,
)
from tongban.core.errors import Conflict, DomainError, Issue, NotFound, ValidationFailed
from tongban.directory.selectors import StaffContext, staff_audit_actor, staff_context_for_user
from tongban.files.services import FileIntegrityError, file_read, file_store_generated
from tongban.licenses.archive_records import (
    ArchiveDetail,
    ArchivePolicyRow,
    ArchiveProblem,
    ArchiveVerification,
    archive_detail,
    archive_staff_may,
    manifest_files,
    policy_row,
)
from tongban.licenses.keys import platform_sign, platform_verify
from tongban.licenses.models import (
    ArchivePackage,
    ArchivePolicy,
    ArchiveStatus,
    CaseDocument,
    CaseDocumentKind,
    License,
)

__all__ = [
    "ARCHIVE_FILE_PURPOSE",
    "ARCHIVE_FORMAT",
    "ArchiveNotReady",
    "archive_build",
    "archive_export",
    "archive_export_for_staff",
    "archive_open_for_staff",
    "archive_package_for_staff",
    "archive_policy_delete",
    "archive_policy_set",
    "archive_retain_until",
    "archive_verify",
    "archive_verify_for_staff",
    "manifest_canonical",
]

logger = logging.getLogger(__name__)

ARCHIVE_FORMAT = "tongban-archive/1"
ARCHIVE_FILE_PURPOSE = "licenses.archive"
#: How long a package waits for the case's sealed documents (a department without an active seal) before it is
#: made without them (metadata.json lists what is missing).
DOCUMENTS_WAIT = timedelta(days=1)
EXTENSIONS = {"pdf": "pdf", "jpeg": "jpg", "png": "png", "json": "json"}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
ITEM_CODE_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,39}")
RETENTION_MAX = 200
# Transitions whose sealed document the package waits for (see tongban.licenses.documents).
DOCUMENT_TRANSITIONS = {"accept", "request_supplement", "refuse"}
APPROVE_TRANSITIONS = {"decide", "instant_decide"}


class ArchiveNotReady(DomainError):
    """The case's sealed documents are not all made yet: the outbox retries the package later."""

    code = "archive_not_ready"
    http_status = 409


# ------------------------------------------------------------------ helpers


def manifest_canonical(manifest: dict[str, Any]) -> bytes:
    """The bytes that are hashed and signed: JSON with sorted keys, no spaces, UTF-8."""
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def _json_file(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True, default=_plain) + "\n").encode("utf-8")


def _safe(name: str, *, limit: int = 60) -> str:
    cleaned = _UNSAFE.sub("_", (name or "").strip()).strip(". ")
    return cleaned[:limit] or "file"


def _ext(kind: str) -> str:
    return EXTENSIONS.get(kind, kind or "bin")


def archive_retain_until(*, item_code: str, archived_on: date) -> date | None:
    """The last day a package of this item is kept: its policy's years, else TONGBAN_ARCHIVE_RETENTION_YEARS;
    None when kept permanently (a permanent policy, or 0 years)."""
    policy = ArchivePolicy.objects.filter(item_code=item_code).first() if item_code else None
    if policy is not None:
        years = None if policy.permanent else policy.retention_years
    else:
        years = int(getattr(settings, "ARCHIVE_RETENTION_YEARS", 30) or 0)
    if not years:
        return None
    try:
        return archived_on.replace(year=archived_on.year + years)
    except ValueError:  # 29 February
        return archived_on.replace(year=archived_on.year + years, day=28)


def _case_target(record: CaseArchiveRecord) -> Target:
    return Target(type="cases.case", id=str(record.id), label=record.case_number)


def _package_target(package: ArchivePackage) -> Target:
    return Target(type="licenses.archive", id=str(package.pk), label=package.case_number)


# ------------------------------------------------------------------ building


class _Files:
    """The package's files as they are collected: path → (bytes, kind)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, bytes, str]] = []
        self._paths: set[str] = set()

    def add(self, path: str, data: bytes, kind: str) -> str:
        base, dot, ext = path.rpartition(".")
        candidate, n = path, 2
        while candidate in self._paths:
            candidate = f"{base}-{n}{dot}{ext}" if dot else f"{path}-{n}"
            n += 1
        self._paths.add(candidate)
        self.items.append((candidate, data, kind))
        return candidate


def _stored(file_id: int) -> tuple[bytes, str, str] | str:
    """The file's bytes, kind and display name, or the reason it cannot be read."""
    try:
        info, data = file_read(file_id=file_id)
    except NotFound:
        return "missing"
    except FileIntegrityError as error:
        return f"unreadable: {error}"
    return data, info.kind, info.display_name


def _materials(record: CaseArchiveRecord, files: _Files, unavailable: list[dict[str, Any]]) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = []
    for n, a in enumerate(record.attachments, start=1):
        entry: dict[str, Any] = {"material_name": a.material_name, "source": a.source,
                                 "display_name": a.display_name, "supplement_round": a.supplement_round,
                                 "submitted_at": a.created_at, "sha256": a.sha256}
        if a.file_id is not None:
            _material_file(a, n, files, entry, unavailable)
        if a.license_reference:
            entry["license_reference"] = a.license_reference
        listed.append(entry)
    return listed


def _material_file(a: ArchiveAttachment, n: int, files: _Files, entry: dict[str, Any],
                   unavailable: list[dict[str, Any]]) -> None:
    assert a.file_id is not None
    found = _stored(a.file_id)
    if isinstance(found, str):
        unavailable.append({"what": "material", "name": a.material_name, "file_id": a.file_id, "reason": found})
        return
    data, kind, _name = found
    entry["path"] = files.add(f"materials/{n:02d}-{_safe(a.material_name)}.{_ext(kind)}", data, kind)


def _documents(record: CaseArchiveRecord, files: _Files, unavailable: list[dict[str, Any]]) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = []
    n = 0
    for doc in CaseDocument.objects.filter(case_id=record.id).order_by("created_at", "pk"):
        n += 1
        label = str(CaseDocumentKind(doc.kind).label)
        entry: dict[str, Any] = {"kind": doc.kind, "name": label, "number": doc.number, "sealed": True,
                                 "created_at": doc.created_at, "sha256": doc.sha256}
        found = _stored(doc.file_id)
        if isinstance(found, str):
            unavailable.append({"what": "document", "name": label, "file_id": doc.file_id, "reason": found})
        else:
            entry["path"] = files.add(f"documents/{n:02d}-{_safe(label)}.pdf", found[0], found[1])
        listed.append(entry)
    for decision in record.decision_documents:
        n += 1
        name = str(decision.get("name", "")) or _("决定文书")
        entry = {"kind": "decision", "name": name, "number": str(decision.get("number", "")), "sealed": False}
        file_id = decision.get("file_id")
        if file_id:
            found = _stored(int(file_id))
            if isinstance(found, str):
                unavailable.append({"what": "document", "name": name, "file_id": file_id, "reason": found})
            else:
                entry["path"] = files.add(f"documents/{n:02d}-{_safe(name)}.{_ext(found[1])}", found[0], found[1])
        listed.append(entry)
    return listed


def _record_files(record: CaseArchiveRecord, files: _Files, unavailable: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids: list[int] = []
    for event in record.events:
        ids += [i for i in event.attachments if i not in ids]
    for step in record.steps:
        ids += [int(i) for i in step.get("attachments", ()) if int(i) not in ids]
    listed = []
    for n, file_id in enumerate(ids, start=1):
        found = _stored(file_id)
        if isinstance(found, str):
            unavailable.append({"what": "record_file", "file_id": file_id, "reason": found})
            continue
        data, kind, name = found
        stem = _safe(name.rsplit(".", 1)[0] if "." in name else name)
        listed.append({"file_id": file_id, "path": files.add(f"records/{n:02d}-{stem}.{_ext(kind)}", data, kind)})
    return listed


def _licenses(record: CaseArchiveRecord, files: _Files, unavailable: list[dict[str, Any]]) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = []
    for lic in License.objects.select_related("license_type").filter(case_id=record.id).order_by("pk"):
        entry: dict[str, Any] = {"identifier": lic.identifier, "type": lic.license_type.name, "version": lic.version,
                                 "status": lic.status, "issued_on": lic.issued_on, "valid_until": lic.valid_until}
        if lic.pdf_file_id:
            found = _stored(lic.pdf_file_id)
            if isinstance(found, str):
                unavailable.append({"what": "license", "name": lic.identifier, "file_id": lic.pdf_file_id,
                                    "reason": found})
            else:
                entry["path"] = files.add(f"licenses/{_safe(lic.identifier, limit=90)}.pdf", found[0], found[1])
        listed.append(entry)
    return listed


def _documents_expected(record: CaseArchiveRecord) -> int:
    if record.department_id is None:
        return 0
    return sum(1 for e in record.events if e.transition in DOCUMENT_TRANSITIONS
               or (e.transition in APPROVE_TRANSITIONS and e.detail.get("outcome") == "approve"))


def _metadata(record: CaseArchiveRecord, *, now: datetime, retain_until: date | None) -> dict[str, Any]:
    return {
        "format": ARCHIVE_FORMAT, "archived_at": now, "retain_until": retain_until,
        "case": {
            "id": record.id, "case_number": record.case_number, "kind": record.kind, "parent_id": record.parent_id,
            "item_code": record.item_code, "item_name": record.item_name,
            "implementation_code": record.implementation_code,
            "department": {"id": record.department_id, "name": record.department_name},
            "applicant": {"kind": record.applicant_kind, "name": record.applicant_name,
                          "id_number": record.applicant_id_number, "user_id": record.applicant_user_id,
                          "organization_id": record.organization_id},
            "status": record.status, "status_label": record.status_label,
            "acceptance_mode": record.acceptance_mode, "outcome": record.decision_outcome,
            "delivery_method": record.delivery_method,
            "dates": {"submitted_at": record.submitted_at, "accepted_at": record.accepted_at,
                      "decided_at": record.decided_at, "completed_at": record.completed_at,
                      "delivered_at": record.delivered_at, "closed_at": record.closed_at,
                      "acceptance_due": record.acceptance_due, "decision_due": record.decision_due},
            "promised_limit": {"value": record.promised_limit_value, "unit": record.promised_limit_unit},
            "fee": {"amount_fen": record.fee_amount_fen, "paid_at": record.fee_paid_at,
                    "payment_reference": record.payment_reference},
            "results": list(record.result_references),
        },
    }


@atomic_service
def archive_build(*, case_id: int, now: datetime | None = None, waiting_since: datetime | None = None) -> int:
    """Make the archive package of a finished case (once: an existing package's id is returned as it is).

    Raises :class:`ArchiveNotReady` while the case's sealed documents are still being made, until
    ``waiting_since`` (the terminal event's time) is :data:`DOCUMENTS_WAIT` old; then the package is made without
    them and ``metadata.json`` lists what is missing.
    """
    existing = ArchivePackage.objects.filter(case_id=case_id).values_list("pk", flat=True).first()
    if existing is not None:
        return int(existing)
    now = now or timezone.now()
    record = case_selectors.case_archive_record(case_id=case_id)
    made = CaseDocument.objects.filter(case_id=case_id).count()
    expected = _documents_expected(record)
    if made < expected and (waiting_since is None or now - waiting_since < DOCUMENTS_WAIT):
        raise ArchiveNotReady(_("办件文书尚未全部出具（%(m)d/%(e)d），稍后归档。") % {"m": made, "e": expected})
    retain_until = archive_retain_until(item_code=record.item_code, archived_on=timezone.localtime(now).date())
    files = _Files()
    unavailable: list[dict[str, Any]] = []
    metadata = _metadata(record, now=now, retain_until=retain_until)
    metadata["materials"] = _materials(record, files, unavailable)
    metadata["documents"] = _documents(record, files, unavailable)
    metadata["record_files"] = _record_files(record, files, unavailable)
    metadata["licenses"] = _licenses(record, files, unavailable)
    if made < expected:
        unavailable.append({"what": "sealed_documents", "expected": expected, "made": made})
    metadata["unavailable"] = unavailable
    form = {"form_key": record.form_key, "data": record.form_data, "form_at_submission": record.form_snapshot}
    timeline = {"events": [asdict(e) for e in record.events], "steps": list(record.steps),
                "supplements": list(record.supplements), "special_procedures": list(record.special_procedures)}
    audit = {"target": {"type": "cases.case", "id": str(record.id)},
             "entries": audit_entries_for_target(type="cases.case", id=str(record.id))}
    head = [("metadata.json", _json_file(metadata)), ("form.json", _json_file(form)),
            ("timeline.json", _json_file(timeline)), ("audit.json", _json_file(audit))]
    entries = []
    for path, data, kind in [(p, d, "json") for p, d in head] + files.items:
        info = file_store_generated(owner_user_id=0, data=data, kind=kind, display_name=path.rsplit("/", 1)[-1],
                                    purpose=ARCHIVE_FILE_PURPOSE)
        entries.append({"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                        "file_id": info.id})
    manifest = {"format": ARCHIVE_FORMAT, "case_number": record.case_number, "created_at": now.isoformat(),
                "retain_until": retain_until.isoformat() if retain_until else None, "files": entries}
    canonical = manifest_canonical(manifest)
    kid, signature = platform_sign(purpose="archive", payload=canonical)
    package = ArchivePackage.objects.create(
        case_id=record.id, case_number=record.case_number, item_code=record.item_code,
        department_id=record.department_id, manifest=manifest, manifest_sha256=hashlib.sha256(canonical).hexdigest(),
        manifest_signature=base64.b64encode(signature).decode("ascii"), signing_kid=kid, retain_until=retain_until)
    audit_record(action="licenses.archive.create", actor=SYSTEM, target=_package_target(package),
                 detail={"case_id": record.id, "files": len(entries), "manifest_sha256": package.manifest_sha256,
                         "unavailable": len(unavailable)})
    return int(package.pk)


# ------------------------------------------------------------------ checking


def _problems(package: ArchivePackage) -> tuple[list[ArchiveProblem], int]:
    problems: list[ArchiveProblem] = []
    manifest = package.manifest if isinstance(package.manifest, dict) else {}
    canonical = manifest_canonical(manifest)
    if hashlib.sha256(canonical).hexdigest() != package.manifest_sha256:
        problems.append(ArchiveProblem(code="manifest_changed", path="manifest.json"))
    try:
        signature = base64.b64decode(package.manifest_signature, validate=True)
        signed = platform_verify(purpose="archive", kid=package.signing_kid, payload=canonical, signature=signature)
    except (ValueError, TypeError):
        signed = False
    if not signed:
        problems.append(ArchiveProblem(code="bad_signature", path="manifest.sig"))
    checked = 0
    for entry in manifest_files(manifest):
        checked += 1
        try:
            _info, data = file_read(file_id=entry.file_id)
        except NotFound:
            problems.append(ArchiveProblem(code="missing", path=entry.path, detail=_("存储记录已删除")))
            continue
        except FileIntegrityError as error:
            if isinstance(error.__cause__, OSError):
                problems.append(ArchiveProblem(code="missing", path=entry.path, detail=_("存储文件不存在")))
            elif error.__cause__ is not None:
                problems.append(ArchiveProblem(code="changed", path=entry.path, detail=_("存储内容无法解密")))
            else:
                problems.append(ArchiveProblem(code="changed", path=entry.path, detail=_("与存储记录的摘要不符")))
            continue
        if hashlib.sha256(data).hexdigest() != entry.sha256 or len(data) != entry.size:
            problems.append(ArchiveProblem(code="changed", path=entry.path, detail=_("与清单中的摘要不符")))
    return problems, checked


@atomic_service
def archive_verify(*, package_id: int, actor: Actor = SYSTEM, now: datetime | None = None) -> ArchiveVerification:
    """Re-check one package — every file exists, decrypts and matches the manifest's SHA-256, and the manifest
    matches its digest and the platform's signature — and record the result on it (audited)."""
    package = ArchivePackage.objects.select_for_update().filter(pk=package_id).first()
    if package is None:
        raise NotFound(_("没有找到这份电子档案。"), code="archive_not_found")
    problems, checked = _problems(package)
    now = now or timezone.now()
    package.status = ArchiveStatus.DAMAGED if problems else ArchiveStatus.INTACT
    package.verified_at = now
    package.verification_report = [p.as_json() for p in problems]
    package.save(update_fields=["status", "verified_at", "verification_report"])
    audit_record(action="licenses.archive.verify", actor=actor, target=_package_target(package),
                 detail={"intact": not problems, "files": checked, "problems": [p.as_json() for p in problems][:50]})
    return ArchiveVerification(package_id=package.pk, case_number=package.case_number, intact=not problems,
                               problems=tuple(problems), checked_files=checked, verified_at=now)


# ------------------------------------------------------------------ staff: scope


def _staff(user: Any, action: str) -> StaffContext:
    staff = staff_context_for_user(user)
    if staff is None or not archive_staff_may(staff):
        raise denial(action=action, actor=actor_from_user(user), target=None,
                     message=_("只有部门管理员、审计管理员和平台管理员可以查看电子档案。"))
    return staff


def archive_package_for_staff(*, staff: StaffContext, package_id: int, action: str) -> ArchivePackage:
    """The package if ``staff`` may see it (their department's, or every one for platform-wide staff); otherwise
    404 with an audit record (through ``atomic_service``)."""
    package = (ArchivePackage.objects.select_related("department").filter(pk=package_id)
               .filter(staff.scope.department_filter("department_id")).first())
    if package is None:
        raise concealed_denial(action=action, actor=staff_audit_actor(staff),
                               target=Target(type="licenses.archive", id=str(package_id)),
                               message=_("没有找到这份电子档案。"))
    return package


@atomic_service
def archive_open_for_staff(*, user: Any, package_id: int) -> ArchiveDetail:
    """The package's page: staff with an archive role, within their scope; otherwise 403/404 (audited)."""
    action = "licenses.archive.view"
    staff = _staff(user, action)
    return archive_detail(archive_package_for_staff(staff=staff, package_id=package_id, action=action))


@atomic_service
def archive_verify_for_staff(*, user: Any, package_id: int) -> ArchiveVerification:
    """校验 from the workbench: staff with an archive role, within their scope."""
    action = "licenses.archive.verify"
    staff = _staff(user, action)
    package = archive_package_for_staff(staff=staff, package_id=package_id, action=action)
    return archive_verify(package_id=package.pk, actor=staff_audit_actor(staff))


# ------------------------------------------------------------------ export


README = """电子档案导出包 · Tongban archive package ({format})

办件编号 / case number: {case_number}
归档时间 / archived at: {created_at}
保管期限至 / retained until: {retain_until}
签名密钥 / signing key (kid): {kid}
清单摘要 / manifest SHA-256: {digest}

本包内容 / Contents
  manifest.json   清单：每个文件的路径、SHA-256 和大小（规范化 JSON：键排序、无空格、UTF-8）
                  the manifest: path, SHA-256 and size of every file (canonical JSON: sorted keys, no spaces, UTF-8)
  manifest.sig    平台对 manifest.json 全部字节的 Ed25519 签名（Base64）
                  the platform's Ed25519 signature over the exact bytes of manifest.json (Base64)
  其余文件        metadata.json, form.json, timeline.json, audit.json, materials/, documents/, records/, licenses/

如何校验 / How to verify
  1. 从平台下载公钥 / fetch the published keys: {keys_url}
     取 kid 为 "{kid}" 的 JWK（kty OKP, crv Ed25519；x 为 Base64url 编码的公钥）。
  2. 用该公钥校验 manifest.sig 是 manifest.json 的签名，例如 Python:
       from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
       key = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(x + "=="))
       key.verify(base64.b64decode(open("manifest.sig").read()), open("manifest.json", "rb").read())
  3. 对清单中的每个文件计算 SHA-256（如 sha256sum <path>），与清单中的 sha256 比对。
     Compute the SHA-256 of every file listed (e.g. sha256sum <path>) and compare it with the manifest.
  任何不一致说明文件被改动或缺失。Any difference means a file was changed or is missing.
"""


def _zip(package: ArchivePackage) -> bytes:
    manifest = package.manifest if isinstance(package.manifest, dict) else {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in manifest_files(manifest):
            try:
                _info, data = file_read(file_id=entry.file_id)
            except (NotFound, FileIntegrityError):
                data = None
            if data is None or hashlib.sha256(data).hexdigest() != entry.sha256:
                raise Conflict(_("档案文件“%(p)s”缺失或被改动，不能导出。请先校验该档案。") % {"p": entry.path},
                               code="archive_damaged")
            archive.writestr(entry.path, data)
        archive.writestr("manifest.json", manifest_canonical(manifest))
        archive.writestr("manifest.sig", package.manifest_signature)
        archive.writestr("README.txt", README.format(
            format=manifest.get("format", ""), case_number=package.case_number,
            created_at=manifest.get("created_at", ""), retain_until=manifest.get("retain_until") or "永久 / permanent",
            kid=package.signing_kid, digest=package.manifest_sha256,
            keys_url=f"{str(getattr(settings, 'SITE_URL', '') or '').rstrip('/')}/licenses/keys/"))
    return buffer.getvalue()


def export_name(case_number: str) -> str:
    return f"archive-{_safe(case_number, limit=64)}.zip"


@atomic_service
def archive_export(*, package_id: int, actor: Actor = SYSTEM) -> tuple[str, bytes]:
    """The package as a zip (file name, bytes): the files under their paths, ``manifest.json`` (the canonical
    bytes that were signed), ``manifest.sig`` (Base64) and ``README.txt``. A file that is missing or changed
    refuses the export (409 ``archive_damaged``). Audited."""
    package = ArchivePackage.objects.filter(pk=package_id).first()
    if package is None:
        raise NotFound(_("没有找到这份电子档案。"), code="archive_not_found")
    data = _zip(package)
    audit_record(action="licenses.archive.export", actor=actor, target=_package_target(package),
                 detail={"bytes": len(data), "manifest_sha256": package.manifest_sha256})
    return export_name(package.case_number), data


@atomic_service
def archive_export_for_staff(*, user: Any, package_id: int) -> tuple[str, bytes]:
    """导出 from the workbench: staff with an archive role, within their scope (audited)."""
    action = "licenses.archive.export"
    staff = _staff(user, action)
    package = archive_package_for_staff(staff=staff, package_id=package_id, action=action)
    return archive_export(package_id=package.pk, actor=staff_audit_actor(staff))


# ------------------------------------------------------------------ retention policies (platform administrators)


def _platform_admin(user: Any, action: str) -> StaffContext:
    staff = staff_context_for_user(user)
    if staff is None or not staff.is_platform_admin:
        raise denial(action=action, actor=actor_from_user(user), target=None,
                     message=_("只有平台管理员可以设置归档保管期限。"))
    return staff


def _item_code(value: str) -> str:
    code = (value or "").strip()
    if not ITEM_CODE_RE.fullmatch(code):
        message = _("请填写事项编码（字母、数字，最多40位）。")
        raise ValidationFailed(message, code="item_code_invalid", issues=[Issue("item_code_invalid", message,
                                                                                 "item_code")])
    return code


@atomic_service
def archive_policy_set(*, user: Any, item_code: str, retention_years: int | None,
                       permanent: bool = False) -> ArchivePolicyRow:
    """Set the retention period of one item's packages (``permanent``, or 1–200 years); platform administrators
    only; audited. Packages made earlier keep theirs."""
    action = "licenses.archive_policy.set"
    staff = _platform_admin(user, action)
    code = _item_code(item_code)
    if not permanent and (retention_years is None or not 1 <= int(retention_years) <= RETENTION_MAX):
        message = _("保管期限应为1至%(n)d年，或选择永久保管。") % {"n": RETENTION_MAX}
        raise ValidationFailed(message, code="retention_invalid",
                               issues=[Issue("retention_invalid", message, "retention_years")])
    years = None if permanent else int(retention_years or 0)
    policy, created = ArchivePolicy.objects.update_or_create(
        item_code=code, defaults={"retention_years": years, "permanent": bool(permanent)})
    audit_record(action=action, actor=staff_audit_actor(staff), target=Target(type="licenses.archive_policy",
                                                                               id=str(policy.pk), label=code),
                 detail={"retention_years": years, "permanent": bool(permanent), "created": created})
    return policy_row(policy)


@atomic_service
def archive_policy_delete(*, user: Any, item_code: str) -> None:
    """Remove an item's policy: its packages follow TONGBAN_ARCHIVE_RETENTION_YEARS again. Audited."""
    action = "licenses.archive_policy.delete"
    staff = _platform_admin(user, action)
    policy = ArchivePolicy.objects.filter(item_code=(item_code or "").strip()).first()
    if policy is None:
        raise NotFound(_("没有找到该事项的保管期限设置。"), code="policy_not_found")
    audit_record(action=action, actor=staff_audit_actor(staff),
                 target=Target(type="licenses.archive_policy", id=str(policy.pk), label=policy.item_code),
                 detail={"retention_years": policy.retention_years, "permanent": policy.permanent})
    policy.delete()
