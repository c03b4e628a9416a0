"""file_store / file_read / file_info / file_list_reusable / file_delete_unreferenced."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from PIL import Image

from tests.files.conftest import EICAR, jpeg_with_gps, pdf, picture, stored_blobs, upload
from tongban.core.errors import DomainError, NotFound, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.files.models import StoredFile
from tongban.files.references import register_reference_checker, unregister_reference_checker
from tongban.files.scanners import registry
from tongban.files.scanners.base import FileScanner, ScannerUnavailable, ScanResult
from tongban.files.services import (
    FileIntegrityError,
    file_delete_unreferenced,
    file_info,
    file_list_reusable,
    file_read,
    file_store,
)

pytestmark = pytest.mark.django_db
OWNER = 1001
OTHER = 2002


def _refused(**kwargs: Any) -> ValidationFailed:
    kwargs.setdefault("owner_user_id", OWNER)
    kwargs.setdefault("purpose", "cases.material")
    with pytest.raises(ValidationFailed) as refused:
        file_store(**kwargs)
    error = refused.value
    assert [(issue.field, issue.code) for issue in error.issues] == [("file", error.code)]
    return error


def _store(data: bytes, name: str = "材料.pdf", owner: int = OWNER, purpose: str = "cases.material", **kw: Any):
    return file_store(owner_user_id=owner, upload=upload(data, name), purpose=purpose, **kw)


# --- round trip and storage ---


def test_a_pdf_round_trips_with_its_facts() -> None:
    data = pdf()
    info = _store(data, "营业执照副本.pdf")
    assert (info.owner_user_id, info.kind, info.mime, info.size) == (OWNER, "pdf", "application/pdf", len(data))
    assert info.sha256 == hashlib.sha256(data).hexdigest() and info.scan_status == "clean"
    assert info.display_name == "营业执照副本.pdf" and info.id
    read_info, read_data = file_read(file_id=info.id)
    assert read_data == data and read_info == info == file_info(file_id=info.id)


def test_stored_bytes_are_encrypted_under_a_random_name(files_dir: Path) -> None:
    data = pdf(catalog=b"/Lang (zh-CN) /PageLabels << /Nums [0 << /P (ZHANGSAN-530102199001011234) >>] >>")
    info = _store(data, "张三身份证.pdf")
    [blob] = stored_blobs(files_dir)
    assert b"ZHANGSAN-530102199001011234" not in blob and b"%PDF" not in blob and data[:200] not in blob
    row = StoredFile.objects.get(pk=info.id)
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{32}\.bin", row.storage_name)
    assert [p.relative_to(files_dir).as_posix() for p in files_dir.rglob("*.bin")] == [row.storage_name]
    with connection.cursor() as cursor:
        cursor.execute("SELECT display_name FROM files_storedfile WHERE id = %s", [info.id])
        [(raw_name,)] = cursor.fetchall()
    assert "张三" not in raw_name and raw_name.startswith("v1:"), "the display name is encrypted in the database too"


def test_the_browser_content_type_is_ignored() -> None:
    info = file_store(owner_user_id=OWNER, purpose="p", upload=upload(picture("PNG"), "scan", "application/pdf"))
    assert (info.kind, info.mime, info.display_name) == ("png", "image/png", "scan.png")


def test_a_swapped_or_missing_blob_is_an_integrity_error(files_dir: Path) -> None:
    first, second = _store(pdf(), "a.pdf"), _store(pdf(catalog=b"/Lang (en)"), "b.pdf")
    a, b = StoredFile.objects.get(pk=first.id), StoredFile.objects.get(pk=second.id)
    StoredFile.objects.filter(pk=a.pk).update(storage_name=b.storage_name + ".tmp")
    StoredFile.objects.filter(pk=b.pk).update(storage_name=a.storage_name)
    StoredFile.objects.filter(pk=a.pk).update(storage_name=b.storage_name)
    with pytest.raises(FileIntegrityError, match="SHA-256"):
        file_read(file_id=a.pk)
    (files_dir / a.storage_name).unlink()
    with pytest.raises(FileIntegrityError):
        file_read(file_id=b.pk)


def test_unknown_ids() -> None:
    assert file_info(file_id=987654) is None
    with pytest.raises(NotFound):
        file_read(file_id=987654)


# --- type decided by content ---


def test_a_pdf_named_jpg_is_refused_with_what_it_really_is(files_dir: Path) -> None:
    error = _refused(upload=upload(pdf(), "身份证照片.jpg", "image/jpeg"))
    assert error.code == "file_type_mismatch"
    assert "文件内容是PDF文件，但文件名是.jpg" in error.message and ".pdf" in error.message
    assert not StoredFile.objects.exists() and not stored_blobs(files_dir)


def test_a_jpeg_named_pdf_is_refused() -> None:
    error = _refused(upload=upload(picture("JPEG"), "申请表.pdf"))
    assert error.code == "file_type_mismatch" and "JPG图片" in error.message and ".pdf" in error.message


def test_a_text_file_named_png_is_refused() -> None:
    error = _refused(upload=upload("这不是图片，是一段文字。".encode(), "照片.png", "image/png"))
    assert error.code == "file_type_unsupported"
    assert "文件名是.png" in error.message and "文本文件" in error.message and "PNG图片" in error.message


@pytest.mark.parametrize(("data", "name", "what"), [
    (picture("GIF"), "动图.gif", "GIF图片"),
    (b"MZ\x90\x00" + b"\0" * 200, "说明.pdf", "可执行程序"),
    (b"\x00\x01\x02\x03garbage", "x.bin", "无法识别的格式"),
])
def test_unsupported_content_is_refused_whatever_the_name(data: bytes, name: str, what: str) -> None:
    error = _refused(upload=upload(data, name))
    assert error.code == "file_type_unsupported" and what in error.message


def test_a_zip_is_named_as_an_archive() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x")
    error = _refused(upload=upload(buffer.getvalue(), "材料.zip"))
    assert error.code == "file_type_unsupported" and "压缩包" in error.message


def test_the_caller_narrows_the_kinds() -> None:
    error = _refused(upload=upload(picture("PNG"), "a.png"), allowed_kinds=frozenset({"pdf"}))
    assert error.code == "file_type_unsupported"
    assert "这里只能上传PDF文件" in error.message and "PNG图片" in error.message
    with pytest.raises(ValueError):
        _store(pdf(), allowed_kinds=frozenset({"docx"}))


# --- size ---


def test_one_byte_over_the_callers_limit_is_refused() -> None:
    data = pdf()
    assert _store(data, max_bytes=len(data)).size == len(data)
    error = _refused(upload=upload(data + b"\n", "a.pdf"), max_bytes=len(data))
    assert error.code == "file_too_large"
    error = _refused(upload=upload(b"%PDF-" + b"0" * (2 * 1024 * 1024)), max_bytes=2 * 1024 * 1024)
    assert error.code == "file_too_large" and "2MB" in error.message


def test_the_default_limits_come_from_the_settings(settings: Any) -> None:
    settings.FILE_MAX_BYTES = 10 * 1024 * 1024
    settings.FILE_MAX_IMAGE_BYTES = 1024
    error = _refused(upload=upload(picture("PNG", size=(300, 300)), "a.png"))
    assert error.code == "file_too_large" and "图片不能超过1KB" in error.message
    settings.FILE_MAX_BYTES = 1536
    error = _refused(upload=upload(pdf() + b"%" * 2048, "a.pdf"))
    assert error.code == "file_too_large" and "文件不能超过1.5KB" in error.message


class _CountingFile(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.handed_out = 0

    def read(self, size: int | None = -1, /) -> bytes:
        piece = super().read(size)
        self.handed_out += len(piece)
        return piece


def test_an_upload_of_unknown_size_is_read_only_to_the_limit_plus_one_byte() -> None:
    source = _CountingFile(b"%PDF-" + b"0" * 5_000_000)
    large = UploadedFile(file=source, name="big.pdf", content_type="application/pdf", size=None)
    error = _refused(upload=large, max_bytes=100_000)
    assert error.code == "file_too_large" and source.handed_out == 100_001


def test_empty_files_are_refused() -> None:
    error = _refused(upload=upload(b"", "空.pdf"))
    assert error.code == "file_empty" and "空" in error.message


# --- scanning ---


@pytest.mark.parametrize(("data", "name"), [(EICAR, "eicar.com.txt"), (pdf(catalog=b"/Lang (" + EICAR + b")"), "a.pdf")])
def test_the_eicar_test_file_is_refused_and_audited(files_dir: Path, data: bytes, name: str) -> None:
    error = _refused(upload=upload(data, name))
    assert error.code == "file_infected" and "病毒" in error.message
    assert not StoredFile.objects.exists() and not stored_blobs(files_dir)
    event = AuditEvent.objects.get(action="files.store.infected")
    assert (event.outcome, event.actor_type, event.actor_id) == ("denied", "account", str(OWNER))
    assert event.detail["signature"] == "Eicar-Test-Signature" and event.detail["scanner"] == "simulator"
    assert event.detail["sha256"] == hashlib.sha256(data).hexdigest()


def test_without_a_scanner_files_are_pending(settings: Any) -> None:
    settings.FILE_SCANNER = "none"
    assert _store(pdf()).scan_status == "pending"
    assert _store(pdf(catalog=b"/Lang (" + EICAR + b")")).scan_status == "pending", "nothing scanned, nothing found"


class _BrokenScanner(FileScanner):
    name = "broken"

    def scan(self, data: bytes) -> ScanResult:
        raise ScannerUnavailable("engine down")


@pytest.fixture
def broken_scanner(settings: Any) -> Iterator[None]:
    registry.register("broken", f"{__name__}._BrokenScanner")
    settings.FILE_SCANNER = "broken"
    yield
    registry.SCANNERS.pop("broken")


def test_a_scanner_that_cannot_answer_refuses_the_upload(broken_scanner: None, files_dir: Path) -> None:
    with pytest.raises(DomainError) as refused:
        _store(pdf())
    assert refused.value.code == "file_scan_unavailable" and refused.value.http_status == 503
    assert not StoredFile.objects.exists() and not stored_blobs(files_dir)


# --- content checks ---


def test_a_pdf_with_javascript_is_refused(files_dir: Path) -> None:
    error = _refused(upload=upload(pdf(catalog=b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>")))
    assert error.code == "file_pdf_active_content" and not stored_blobs(files_dir)


def test_gps_exif_is_removed_from_a_stored_jpeg() -> None:
    info = _store(jpeg_with_gps(), "现场照片.JPG")
    _info, data = file_read(file_id=info.id)
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif().get_ifd(0x8825) and not image.getexif()
    assert info.sha256 == hashlib.sha256(data).hexdigest() and info.size == len(data)
    assert info.display_name == "现场照片.JPG"


def test_a_broken_image_is_refused() -> None:
    assert _refused(upload=upload(picture("JPEG")[:60], "a.jpg")).code == "file_image_invalid"


# --- display names ---


@pytest.mark.parametrize(("name", "shown"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("<b onmouseover=alert(1)>申请表.pdf", "_b onmouseover=alert(1)_申请表.pdf"),
])
def test_display_names_are_sanitised_and_never_paths(name: str, shown: str) -> None:
    info = _store(pdf(), name)
    assert info.display_name == shown
    row = StoredFile.objects.get(pk=info.id)
    assert "passwd" not in row.storage_name and "申请表" not in row.storage_name


# --- reuse (材料复用) ---


def test_reuse_lists_only_the_owners_files_newest_first_once_per_content() -> None:
    first = _store(pdf(), "营业执照.pdf", purpose="cases.material")
    again = _store(pdf(), "营业执照（再次）.pdf", purpose="cases.material")
    photo = _store(picture("PNG"), "照片.png", purpose="cases.photo")
    _store(pdf(catalog=b"/Lang (en)"), "别人的.pdf", owner=OTHER)
    listed = file_list_reusable(owner_user_id=OWNER)
    assert [info.id for info in listed] == [photo.id, again.id]
    assert first.id not in {info.id for info in listed}, "same content as a newer upload"
    assert [info.id for info in file_list_reusable(owner_user_id=OWNER, purpose="cases.photo")] == [photo.id]
    assert all(info.owner_user_id == OTHER for info in file_list_reusable(owner_user_id=OTHER))
    assert file_list_reusable(owner_user_id=3003) == []


# --- housekeeping ---


@pytest.fixture
def no_checkers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Housekeeping as if no app had registered a checker (cases registers one when it is installed)."""
    from tongban.files import references

    monkeypatch.setattr(references, "_CHECKERS", {})


def test_housekeeping_deletes_only_old_unreferenced_files(files_dir: Path, no_checkers: None,
                                                          django_capture_on_commit_callbacks: Any) -> None:
    with pytest.raises(RuntimeError, match="no file reference checker"):
        file_delete_unreferenced()
    kept, doomed, recent = _store(pdf(), "a.pdf"), _store(pdf(catalog=b"/Lang (en)"), "b.pdf"), _store(pdf(), "c.pdf")
    StoredFile.objects.filter(pk__in=[kept.id, doomed.id]).update(created_at=timezone.now() - timedelta(days=40))
    register_reference_checker("test", lambda ids: {kept.id} & set(ids))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert file_delete_unreferenced(older_than=timedelta(days=30), batch=1) == 1
    finally:
        unregister_reference_checker("test")
    assert file_info(file_id=doomed.id) is None
    assert file_info(file_id=kept.id) and file_info(file_id=recent.id)
    assert len(stored_blobs(files_dir)) == 2
    assert AuditEvent.objects.get(action="files.delete_unreferenced").detail["ids"] == [doomed.id]


def test_the_housekeeping_command_refuses_without_reference_checkers(no_checkers: None) -> None:
    with pytest.raises(CommandError, match="no file reference checker"):
        call_command("files_delete_unreferenced", stdout=io.StringIO())
    register_reference_checker("test", lambda ids: set(ids))
    try:
        out = io.StringIO()
        call_command("files_delete_unreferenced", "--days", "7", stdout=out)
    finally:
        unregister_reference_checker("test")
    assert "0 个" in out.getvalue()


def test_a_large_upload_spooled_to_disk_is_read_like_one_in_memory() -> None:
    data = pdf(objects=[b"<< /Length 3000000 >>\nstream\n" + b"\x00" * 3_000_000 + b"\nendstream"])
    spooled = TemporaryUploadedFile("大文件.pdf", "application/pdf", len(data), None)
    spooled.write(data)
    spooled.read(10)  # a caller may have looked at it already
    try:
        info = file_store(owner_user_id=OWNER, upload=spooled, purpose="p")
    finally:
        spooled.close()
    assert file_read(file_id=info.id)[1] == data
