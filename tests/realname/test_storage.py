"""Uploaded photos: JPEG/PNG decided by content, at most 5 MB, stored encrypted under a random name."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.realname.conftest import not_an_image, picture
from tongban.core.errors import ValidationFailed
from tongban.realname.storage import MAX_IMAGE_BYTES, image_check, sealed_read, sealed_save


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_jpeg_and_png_are_accepted_by_content(kind: str) -> None:
    upload = SimpleUploadedFile("whatever.txt", picture(kind), content_type="text/plain")
    assert image_check(upload, field="f", label="照片").content_type == f"image/{kind.lower()}"


@pytest.mark.parametrize(("upload", "code"), [
    (not_an_image(), "image_invalid"),
    (SimpleUploadedFile("a.gif", picture("GIF"), content_type="image/gif"), "image_invalid"),
    (SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"), "image_invalid"),
    (SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * MAX_IMAGE_BYTES, content_type="image/jpeg"),
     "image_too_large"),
    (None, "image_required"),
])
def test_other_uploads_are_refused(upload, code: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        image_check(upload, field="f", label="身份证人像面照片")
    assert refused.value.code == code and "身份证人像面照片" in refused.value.message


def test_sealed_files_are_encrypted_under_random_names() -> None:
    data = picture("PNG")
    name = sealed_save(data)
    other = sealed_save(data)
    assert name != other and name.startswith("realname/") and name.endswith(".bin")
    with default_storage.open(name, "rb") as handle:
        stored = handle.read()
    assert data not in stored and b"\x89PNG" not in stored  # (base64 text may contain the letters PNG by chance)
    assert sealed_read(name) == data
