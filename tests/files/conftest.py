"""Stored files: uploads built in memory (pictures, PDFs), a temporary files storage and the scanner simulator."""

from __future__ import annotations

import io
import zlib
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# The EICAR test file (harmless; every antivirus reports it), built in two halves so this file is not reported.
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Path) -> Path:
    location = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    settings.FILE_SCANNER = "simulator"
    return location


def stored_blobs(location: Path) -> list[bytes]:
    return [path.read_bytes() for path in location.rglob("*") if path.is_file()]


def upload(data: bytes, name: str = "材料.pdf", content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def picture(kind: str = "JPEG", size: tuple[int, int] = (64, 48), exif: Image.Exif | None = None,
            **save: Any) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    for x in range(size[0] // 2):  # not one colour, so re-encoding has something to keep
        image.putpixel((x, x % size[1]), (10, 200, 10))
    buffer = io.BytesIO()
    if exif is not None:
        save["exif"] = exif
    image.save(buffer, format=kind, **save)
    return buffer.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to show upright
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (25.0, 2.0, 30.0), 3: "E", 4: (102.0, 42.0, 0.0)})  # 昆明
    return picture("JPEG", size=(64, 48), exif=exif)


def pdf(*, catalog: bytes = b"", objects: list[bytes] | None = None, trailer: bytes = b"") -> bytes:
    """A small, well-formed one-page PDF; ``catalog`` is added to the catalog dictionary, ``objects`` are extra
    objects numbered from 5 on, ``trailer`` is added to the trailer dictionary."""
    content = b"BT /F1 12 Tf 72 720 Td (Tongban) Tj ET"
    bodies = [
        b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        *(objects or []),
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R " % (len(bodies) + 1) + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def object_stream(dictionaries: list[bytes], *, filter: bytes = b"/FlateDecode") -> bytes:
    """An object stream (PDF 1.5) holding ``dictionaries`` as objects 100, 101, …, compressed."""
    offsets, body = [], b""
    for dictionary in dictionaries:
        offsets.append(len(body))
        body += dictionary + b"\n"
    header = b" ".join(b"%d %d" % (100 + i, offset) for i, offset in enumerate(offsets)) + b"\n"
    raw = header + body
    data = zlib.compress(raw) if filter == b"/FlateDecode" else raw
    return (b"<< /Type /ObjStm /N %d /First %d /Filter %s /Length %d >>\nstream\n"
            % (len(dictionaries), len(header), filter, len(data)) + data + b"\nendstream")
