"""Images: verified with Pillow, re-encoded without metadata (GPS!), upright; bombs and broken files refused."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

from tests.files.conftest import jpeg_with_gps, picture
from tongban.core.errors import ValidationFailed
from tongban.files.images import image_strip_metadata, image_verify


def test_gps_and_camera_data_are_removed_and_the_picture_turned_upright() -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825), "the fixture carries a GPS position"
    clean = image_strip_metadata(original, kind="jpeg")
    with Image.open(io.BytesIO(clean)) as image:
        assert image.format == "JPEG"
        assert not image.getexif() and not image.getexif().get_ifd(0x8825)
        assert "exif" not in image.info and "icc_profile" not in image.info
        assert image.size == (48, 64), "orientation 6 applied to the pixels"
    assert b"Canon" not in clean and b"GPS" not in clean


def test_png_text_chunks_are_removed_and_transparency_kept() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "地址：昆明市五华区")
    image = Image.new("RGBA", (20, 20), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info)
    clean = image_strip_metadata(buffer.getvalue(), kind="png")
    with Image.open(io.BytesIO(clean)) as reopened:
        assert reopened.format == "PNG" and reopened.mode == "RGBA" and not reopened.text
        assert reopened.getpixel((0, 0))[3] == 0


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""))


@pytest.mark.parametrize(("data", "kind"), [
    (_png_header_only(20_000, 20_000), "png"),  # 400 megapixels in a few bytes: a decompression bomb
    (picture("JPEG")[:40], "jpeg"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 50, "png"),
])
def test_bombs_and_broken_images_are_refused(data: bytes, kind: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        image_verify(data, kind=kind)
        image_strip_metadata(data, kind=kind)
    assert refused.value.code == "file_image_invalid"
