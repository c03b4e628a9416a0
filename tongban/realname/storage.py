"""Uploaded identity photos (身份证照片、手持照片、纠错证明): checked by content and stored encrypted at rest.

* :func:`image_check` accepts JPEG and PNG only, decided by decoding the bytes with Pillow (the file name and the
  browser's content type are ignored), at most :data:`MAX_IMAGE_BYTES`.
* :func:`image_strip_metadata` re-encodes a checked image without EXIF (GPS position, camera, time), XMP, ICC,
  comments and text chunks, with the EXIF orientation applied to the pixels first so that the photo stays upright.
* :func:`sealed_save` encrypts the bytes (AES-256-GCM through :func:`tongban.core.crypto.encrypt_text` over
  base64) and writes them to Django's default storage under a random name; the ciphertext is bound to that name,
  so a file swapped for another does not decrypt. The uploaded file name is never used.
"""

from __future__ import annotations

import base64
import io
import secrets
import warnings
from dataclasses import dataclass
from typing import Protocol

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from tongban.core.crypto import decrypt_text, encrypt_text
from tongban.core.errors import ValidationFailed

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a 5 MB file that decodes to more than this is a decompression bomb
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
FOLDER = "realname"


class Upload(Protocol):
    """What a view hands over: Django's UploadedFile fits."""

    @property
    def size(self) -> int | None: ...

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class CheckedImage:
    data: bytes
    content_type: str


def image_check(upload: Upload | None, *, field: str, label: str) -> CheckedImage:
    """The bytes of an uploaded JPEG or PNG, or :class:`ValidationFailed` with a message naming ``label``."""
    if upload is None:
        raise ValidationFailed(_("请上传%(l)s。") % {"l": label}, code="image_required")
    too_big = ValidationFailed(_("%(l)s不能超过5MB，请压缩后重新上传。") % {"l": label}, code="image_too_large")
    if upload.size is not None and upload.size > MAX_IMAGE_BYTES:
        raise too_big
    data = upload.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise too_big
    not_image = ValidationFailed(_("%(l)s不是有效的JPG或PNG图片，请重新拍照或选择照片。") % {"l": label},
                                 code="image_invalid")
    if not data:
        raise not_image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format or ""
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise not_image
                image.verify()
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise not_image from None
    if kind not in FORMATS:
        raise not_image
    return CheckedImage(data=data, content_type=FORMATS[kind])


JPEG_QUALITY = 92
# What survives re-encoding: only what changes how the pixels look (PNG transparency).
_KEPT_INFO = ("transparency",)


def image_strip_metadata(image: CheckedImage, *, label: str = "") -> CheckedImage:
    """The same picture re-encoded with no metadata: the EXIF orientation is applied to the pixels, then EXIF
    (including GPS), XMP, IPTC, ICC profiles, comments and PNG text chunks are dropped. JPEG stays JPEG (quality
    :data:`JPEG_QUALITY`), PNG stays PNG (lossless)."""
    kind = "PNG" if image.content_type == FORMATS["PNG"] else "JPEG"
    try:
        with Image.open(io.BytesIO(image.data)) as opened:
            upright = ImageOps.exif_transpose(opened) or opened
            upright.load()
            kept = {key: upright.info[key] for key in _KEPT_INFO if key in upright.info}
            clean = upright.copy()
    except (OSError, SyntaxError, ValueError):  # passed image_check, so only a truncated body lands here
        raise ValidationFailed(_("%(l)s不是有效的JPG或PNG图片，请重新拍照或选择照片。") % {"l": label or _("照片")},
                               code="image_invalid") from None
    clean.info = {}
    buffer = io.BytesIO()
    if kind == "JPEG":
        if clean.mode not in ("L", "RGB", "CMYK"):
            clean = clean.convert("RGB")
        clean.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        clean.save(buffer, format="PNG", optimize=True, **kept)
    return CheckedImage(data=buffer.getvalue(), content_type=FORMATS[kind])


def content_type_of(data: bytes) -> str:
    """The content type of bytes that passed :func:`image_check` (by their signature)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return "image/jpeg"


def _context(name: str) -> str:
    return f"realname.upload:{name}"


def encrypt_bytes(data: bytes, *, context: str) -> bytes:
    return encrypt_text(base64.b64encode(data).decode("ascii"), context=context).encode("ascii")


def decrypt_bytes(blob: bytes, *, context: str) -> bytes:
    return base64.b64decode(decrypt_text(blob.decode("ascii"), context=context), validate=True)


def sealed_save(data: bytes) -> str:
    """Encrypt and store; returns the storage name to keep in the record."""
    name = f"{FOLDER}/{secrets.token_hex(16)}.bin"
    saved = default_storage.save(name, ContentFile(encrypt_bytes(data, context=_context(name))))
    if saved != name:  # the storage renamed it: the ciphertext is bound to the name we chose
        default_storage.delete(saved)
        raise RuntimeError("storage renamed a sealed upload")
    return name


def sealed_read(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        blob = handle.read()
    return decrypt_bytes(blob, context=_context(name))


def sealed_delete(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)
