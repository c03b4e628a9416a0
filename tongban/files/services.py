"""Stored files (材料文件): the public functions other apps call. See ``docs/adr/`` (stored uploads).

:func:`file_store` takes an upload and keeps it only when it is safe: read in chunks up to the size limit, scanned,
typed by its content (never by its name or the browser's content type), checked (PDF structure and active content;
images decoded, then re-encoded without metadata), encrypted at rest under a random storage name. Callers get a
:class:`StoredFileInfo`, never a model row.

Nothing here checks permissions: :func:`file_read` serves any id. Callers (the case engine) check theirs first and
never take a file id from a request without checking that it belongs to the case or the person.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import SYSTEM, Actor, AuditOutcome, Target, atomic_service, audit_record
from tongban.core.errors import DomainError, Issue, NotFound, ValidationFailed
from tongban.files.images import image_strip_metadata, image_verify
from tongban.files.kinds import FIELD, KINDS, kind_check
from tongban.files.models import ScanStatus, StoredFile
from tongban.files.names import display_name_clean
from tongban.files.pdf import pdf_check
from tongban.files.references import reference_checkers
from tongban.files.scanners.base import ScannerUnavailable
from tongban.files.scanners.registry import file_scanner
from tongban.files.storage import sealed_delete, sealed_read, sealed_save

__all__ = [
    "ALL_KINDS",
    "FileIntegrityError",
    "StoredFileInfo",
    "file_delete_unreferenced",
    "file_ids_with_purpose",
    "file_info",
    "file_list_reusable",
    "file_read",
    "file_store",
    "file_store_generated",
]

ALL_KINDS = frozenset(KINDS)
READ_CHUNK = 64 * 1024
REUSABLE_LIMIT = 200
PURPOSE_MAX = 64
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredFileInfo:
    id: int
    owner_user_id: int
    kind: str  # "jpeg" | "png" | "pdf"
    mime: str
    size: int  # bytes as stored (images after metadata removal)
    sha256: str  # of the stored plaintext
    display_name: str  # sanitised; show it (escaped), never use it as a path
    scan_status: str  # "clean" | "infected" | "pending"
    created_at: datetime


class FileIntegrityError(RuntimeError):
    """A stored file that is missing, does not decrypt, or does not match its recorded SHA-256."""


def _info(row: StoredFile) -> StoredFileInfo:
    return StoredFileInfo(id=row.pk, owner_user_id=row.owner_user_id, kind=row.kind, mime=row.mime, size=row.size,
                          sha256=row.sha256, display_name=row.display_name, scan_status=row.scan_status,
                          created_at=row.created_at)


def _human_size(size: int) -> str:
    mib, kib = 1024 * 1024, 1024
    if size >= mib:
        return f"{size // mib}MB" if size % mib == 0 else f"{size / mib:.1f}MB"
    if size >= kib:
        return f"{size // kib}KB" if size % kib == 0 else f"{size / kib:.1f}KB"
    return _("%(n)d字节") % {"n": size}


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, issues=[Issue(code=code, message=message, field=FIELD)])


def _too_large(limit: int, *, image: bool) -> ValidationFailed:
    if image:
        message = _("图片不能超过%(limit)s，请压缩后重新上传。") % {"limit": _human_size(limit)}
    else:
        message = _("文件不能超过%(limit)s，请压缩或拆分后重新上传。") % {"limit": _human_size(limit)}
    return _refuse(message, "file_too_large")


def _read_limited(upload: UploadedFile, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the upload, read in chunks (one more than the limit tells it is too big)."""
    if upload.size is not None and upload.size > limit:
        raise _too_large(limit, image=False)
    if upload.seekable():
        upload.seek(0)
    data = bytearray()
    while len(data) <= limit:
        piece = upload.read(min(READ_CHUNK, limit + 1 - len(data)))
        if not piece:
            break
        data += piece
    if len(data) > limit:
        raise _too_large(limit, image=False)
    return bytes(data)


def _scan(data: bytes, *, owner_user_id: int, purpose: str) -> str:
    scanner = file_scanner()
    try:
        result = scanner.scan(data)
    except ScannerUnavailable:
        logger.warning("file scanner %s unavailable", scanner.name, exc_info=True)
        error = DomainError(_("暂时无法完成文件安全检查，请稍后再上传。"), code="file_scan_unavailable")
        error.http_status = 503
        raise error from None
    if result.clean:
        return ScanStatus.CLEAN if scanner.scans else ScanStatus.PENDING
    message = _("文件未通过病毒扫描，不能上传。请用杀毒软件检查您的设备后，重新扫描或拍摄材料。")
    error = _refuse(message, "file_infected")
    error.audit = {
        "action": "files.store.infected", "actor": Actor(kind="account", id=str(owner_user_id)),
        "target": Target(type="files.upload", label=purpose), "outcome": AuditOutcome.DENIED,
        "detail": {"scanner": scanner.name, "signature": result.signature, "size": len(data),
                   "sha256": hashlib.sha256(data).hexdigest(), "purpose": purpose},
    }
    raise error


@atomic_service
def file_store(*, owner_user_id: int, upload: UploadedFile, purpose: str, max_bytes: int | None = None,
               allowed_kinds: frozenset[str] = ALL_KINDS) -> StoredFileInfo:
    """Check, scan and keep an upload for ``owner_user_id``; ``purpose`` (e.g. ``cases.material``) groups files
    for :func:`file_list_reusable`.

    ``max_bytes`` caps this call (default TONGBAN_FILE_MAX_BYTES); images are also capped by
    TONGBAN_FILE_MAX_IMAGE_BYTES. Refusals are :class:`ValidationFailed` with one issue on the field ``file`` and
    the codes ``file_too_large``, ``file_empty``, ``file_infected`` (audited), ``file_type_unsupported``,
    ``file_type_mismatch``, ``file_image_invalid``, ``file_pdf_invalid``, ``file_pdf_encrypted`` and
    ``file_pdf_active_content``; a scanner that cannot answer gives ``file_scan_unavailable`` (503).
    """
    if not purpose or len(purpose) > PURPOSE_MAX:
        raise ValueError(f"purpose must be 1-{PURPOSE_MAX} characters")
    if not allowed_kinds or not allowed_kinds <= ALL_KINDS:
        raise ValueError(f"allowed_kinds must be a non-empty subset of {sorted(ALL_KINDS)}")
    limit = int(settings.FILE_MAX_BYTES if max_bytes is None else max_bytes)
    if limit < 1:
        raise ValueError("max_bytes must be positive")
    data = _read_limited(upload, limit)
    if not data:
        raise _refuse(_("文件是空的（0字节），请重新选择文件。"), "file_empty")
    scan_status = _scan(data, owner_user_id=owner_user_id, purpose=purpose)
    sniffed = kind_check(data, name=upload.name or "", allowed_kinds=allowed_kinds)
    if sniffed.kind == "pdf":
        pdf_check(data)
    else:
        image_limit = min(limit, int(settings.FILE_MAX_IMAGE_BYTES))
        if len(data) > image_limit:
            raise _too_large(image_limit, image=True)
        image_verify(data, kind=sniffed.kind)
        data = image_strip_metadata(data, kind=sniffed.kind)
    storage_name = sealed_save(data)
    try:
        row = StoredFile.objects.create(
            owner_user_id=owner_user_id, purpose=purpose, kind=sniffed.kind, mime=sniffed.mime, size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), storage_name=storage_name,
            display_name=display_name_clean(upload.name, kind=sniffed.kind), scan_status=scan_status)
    except BaseException:
        sealed_delete(storage_name)
        raise
    return _info(row)


# What the platform itself makes (sealed PDFs, seal images, archive manifests and packages): kind → MIME type.
GENERATED_KINDS: dict[str, str] = {
    **{kind: mime for kind, (mime, _names, _default) in KINDS.items()},
    "json": "application/json",
    "zip": "application/zip",
    "csv": "text/csv",
}
_GENERATED_MAGIC: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",), "png": (b"\x89PNG\r\n\x1a\n",), "jpeg": (b"\xff\xd8\xff",), "zip": (b"PK\x03\x04", b"PK\x05\x06"),
}


@atomic_service
def file_store_generated(*, owner_user_id: int, data: bytes, kind: str, display_name: str,
                         purpose: str) -> StoredFileInfo:
    """Keep a file the platform made itself (a sealed PDF, an archive package): encrypted like uploads, but not
    scanned or re-encoded (it never came from outside), so its bytes — and a signature over them — stay as they
    are; ``scan_status`` is ``clean``. ``kind`` is one of :data:`GENERATED_KINDS`; the content must start like that
    kind. ``owner_user_id`` is the account the file belongs to (0 for the platform)."""
    if not purpose or len(purpose) > PURPOSE_MAX:
        raise ValueError(f"purpose must be 1-{PURPOSE_MAX} characters")
    if kind not in GENERATED_KINDS:
        raise ValueError(f"kind must be one of {sorted(GENERATED_KINDS)}")
    if not data:
        raise ValueError("a generated file cannot be empty")
    magic = _GENERATED_MAGIC.get(kind)
    if magic and not data.startswith(magic):
        raise ValueError(f"the data is not a {kind} file")
    storage_name = sealed_save(data)
    try:
        row = StoredFile.objects.create(
            owner_user_id=owner_user_id, purpose=purpose, kind=kind, mime=GENERATED_KINDS[kind], size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), storage_name=storage_name,
            display_name=(display_name_clean(display_name, kind=kind) if kind in KINDS
                          else display_name.replace("/", "_").replace("\\", "_").strip()[:200] or f"file.{kind}"),
            scan_status=ScanStatus.CLEAN)
    except BaseException:
        sealed_delete(storage_name)
        raise
    return _info(row)


def file_info(*, file_id: int) -> StoredFileInfo | None:
    """What is known about a stored file, or ``None``. No permission check."""
    row = StoredFile.objects.filter(pk=file_id).first()
    return _info(row) if row is not None else None


def file_ids_with_purpose(*, file_ids: Collection[int], purpose: str) -> set[int]:
    """Those of ``file_ids`` stored with ``purpose`` (one query): for reference checkers that keep every file of
    a purpose (the archive keeps its packages' files by purpose, not by a column per file)."""
    return set(StoredFile.objects.filter(pk__in=list(file_ids), purpose=purpose).values_list("pk", flat=True))


def file_read(*, file_id: int) -> tuple[StoredFileInfo, bytes]:
    """The file and its plaintext, checked against its SHA-256. No permission check: callers check theirs.

    Raises :class:`NotFound` for an unknown id and :class:`FileIntegrityError` for a stored file that is missing,
    does not decrypt or does not match.
    """
    row = StoredFile.objects.filter(pk=file_id).first()
    if row is None:
        raise NotFound(_("文件不存在或已删除。"), code="file_not_found")
    try:
        data = sealed_read(row.storage_name)
    except (OSError, ValueError) as exc:  # missing blob, or DecryptionError (a ValueError)
        raise FileIntegrityError(f"stored file {row.pk} cannot be read: {exc}") from exc
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise FileIntegrityError(f"stored file {row.pk} does not match its SHA-256")
    return _info(row), data


def file_list_reusable(*, owner_user_id: int, purpose: str | None = None) -> list[StoredFileInfo]:
    """The owner's earlier uploads that may be offered again (材料复用), newest first, one per content (SHA-256),
    at most :data:`REUSABLE_LIMIT`. Only that owner's files; ``purpose`` narrows the list."""
    rows = StoredFile.objects.filter(owner_user_id=owner_user_id,
                                     scan_status__in=[ScanStatus.CLEAN, ScanStatus.PENDING])
    if purpose is not None:
        rows = rows.filter(purpose=purpose)
    seen: set[str] = set()
    found: list[StoredFileInfo] = []
    for row in rows.order_by("-created_at", "-pk").iterator(chunk_size=REUSABLE_LIMIT):
        if row.sha256 in seen:
            continue
        seen.add(row.sha256)
        found.append(_info(row))
        if len(found) >= REUSABLE_LIMIT:
            break
    return found


def file_delete_unreferenced(*, older_than: timedelta = timedelta(days=30), batch: int = 500,
                             now: datetime | None = None) -> int:
    """Housekeeping: delete files uploaded more than ``older_than`` ago that no registered reference checker
    (:mod:`tongban.files.references`) claims; returns how many were deleted.

    Refuses to run (``RuntimeError``) while no checker is registered. Candidates are examined ``batch`` at a time,
    each batch in its own transaction with its rows locked (one audit record per batch that deleted something);
    the stored blobs are deleted after that transaction commits.
    """
    checkers = reference_checkers()
    if not checkers:
        raise RuntimeError("no file reference checker is registered: refusing to delete stored files")
    cutoff = (now or timezone.now()) - older_than
    deleted = 0
    after = 0
    while True:
        with transaction.atomic():
            candidates = list(StoredFile.objects.select_for_update().filter(created_at__lt=cutoff, pk__gt=after)
                              .order_by("pk").values_list("pk", "storage_name")[:batch])
            if not candidates:
                return deleted
            after = candidates[-1][0]
            ids = frozenset(pk for pk, _name in candidates)
            referenced: set[int] = set()
            for checker in checkers.values():
                referenced |= set(checker(ids))
            doomed = [(pk, name) for pk, name in candidates if pk not in referenced]
            if doomed:
                StoredFile.objects.filter(pk__in=[pk for pk, _name in doomed]).delete()
                audit_record(action="files.delete_unreferenced", actor=SYSTEM, target=Target(type="files.storedfile"),
                             detail={"count": len(doomed), "ids": [pk for pk, _name in doomed],
                                     "cutoff": cutoff.isoformat()})
                names = [name for _pk, name in doomed]
                transaction.on_commit(functools.partial(_delete_blobs, names))
                deleted += len(doomed)


def _delete_blobs(names: list[str]) -> None:
    for name in names:
        sealed_delete(name)
