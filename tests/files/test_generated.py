"""file_store_generated: files the platform makes itself are kept as they are (no scan, no re-encoding)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.files.conftest import pdf, picture, stored_blobs
from tongban.files.models import StoredFile
from tongban.files.services import file_read, file_store_generated

pytestmark = pytest.mark.django_db


def test_generated_pdf_is_kept_byte_for_byte_encrypted_and_clean(files_dir: Path) -> None:
    data = pdf() + b"% a signature would follow here\n"
    info = file_store_generated(owner_user_id=0, data=data, kind="pdf", display_name="营业执照", purpose="licenses.pdf")
    assert info.kind == "pdf" and info.mime == "application/pdf" and info.scan_status == "clean"
    assert info.display_name == "营业执照.pdf" and info.size == len(data)
    read_info, read = file_read(file_id=info.id)
    assert read == data and read_info.sha256 == info.sha256
    assert all(data not in blob for blob in stored_blobs(files_dir))  # encrypted at rest
    assert StoredFile.objects.get(pk=info.id).purpose == "licenses.pdf"


def test_generated_png_keeps_its_metadata_and_other_kinds_are_allowed(files_dir: Path) -> None:
    png = picture("PNG")
    assert file_read(file_id=file_store_generated(owner_user_id=7, data=png, kind="png", display_name="印模",
                                                  purpose="licenses.seal").id)[1] == png
    info = file_store_generated(owner_user_id=0, data=b'{"a": 1}', kind="json", display_name="../manifest.json",
                                purpose="licenses.archive")
    assert info.mime == "application/json" and "/" not in info.display_name


@pytest.mark.parametrize(("data", "kind"), [(b"", "pdf"), (b"not a pdf", "pdf"), (b"%PDF-1.7", "exe")])
def test_generated_refuses_empty_mismatched_or_unknown(data: bytes, kind: str, files_dir: Path) -> None:
    with pytest.raises(ValueError):
        file_store_generated(owner_user_id=0, data=data, kind=kind, display_name="x", purpose="licenses.pdf")
    assert not StoredFile.objects.exists() and not stored_blobs(files_dir)
