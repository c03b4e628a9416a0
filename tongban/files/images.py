"""JPEG and PNG checks and metadata removal, on bytes, for any app that takes photos or scans.

Generalised from ``tongban.realname.storage`` (which may switch to these later): nothing here knows a form field
or a label, errors carry the stable codes of the files app.

* :func:`image_verify` decodes the header with Pillow and checks the structure (``Image.verify``), refusing
  decompression bombs (more than :data:`MAX_IMAGE_PIXELS` pixels).
* :func:`image_strip_metadata` re-encodes: the EXIF orientation is applied to the pixels, then EXIF (GPS position,
  camera, time), XMP, IPTC, ICC profiles, comments and PNG text chunks are dropped. JPEG stays JPEG (quality
  :data:`JPEG_QUALITY`), PNG stays PNG (lossless, transparency kept).
"""

from __future__ import annotations

import io
import warnings

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from tongban.core.errors import Issue, ValidationFailed

MAX_IMAGE_PIXELS = 40_000_000  # a few megabytes that decode to more than this are a decompression bomb
JPEG_QUALITY = 92
PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG"}
_KEPT_INFO = ("transparency",)  # what survives re-encoding: only what changes how the pixels look
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
                  Image.DecompressionBombWarning)


def _invalid(kind: str) -> ValidationFailed:
    message = _("图片已损坏或不完整（不是有效的%(format)s图片），请重新拍照或选择照片。") % {
        "format": "PNG" if kind == "png" else "JPG"}
    return ValidationFailed(message, code="file_image_invalid",
                            issues=[Issue(code="file_image_invalid", message=message, field="file")])


def image_verify(data: bytes, *, kind: str) -> None:
    """Refuse (``file_image_invalid``) bytes that are not a whole, sane image of ``kind`` (``jpeg`` or ``png``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]]) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise _invalid(kind)
                image.verify()
    except ValidationFailed:
        raise
    except _DECODE_ERRORS:
        raise _invalid(kind) from None


def image_strip_metadata(data: bytes, *, kind: str) -> bytes:
    """The same picture re-encoded with no metadata (see the module docstring); refuses a body that does not
    decode (``file_image_invalid``), e.g. a truncated JPEG whose header passed :func:`image_verify`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[PILLOW_FORMATS[kind]]) as opened:
                upright = ImageOps.exif_transpose(opened) or opened
                upright.load()
                kept = {key: upright.info[key] for key in _KEPT_INFO if key in upright.info}
                clean = upright.copy()
    except _DECODE_ERRORS:
        raise _invalid(kind) from None
    clean.info = {}
    buffer = io.BytesIO()
    if kind == "jpeg":
        if clean.mode not in ("L", "RGB", "CMYK"):
            clean = clean.convert("RGB")
        clean.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        clean.save(buffer, format="PNG", optimize=True, **kept)
    return buffer.getvalue()
