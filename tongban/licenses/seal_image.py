"""The seal image (印模), drawn on the server with Pillow: a red round seal with the department's name along the
upper arc, a five-pointed star in the centre and the seal's kind (证照专用章…) below the star, on a transparent
background. The same text gives the same PNG (no timestamp or other metadata is written).

The face is the Simplified Chinese face of Noto Sans CJK, the font the PDFs use (:mod:`tongban.core.pdf`),
thickened with a stroke as seal lettering is.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from tongban.core.errors import DomainError
from tongban.core.pdf import FONT_CANDIDATES

SIZE = 480  # pixels; drawn at 42 mm in a PDF this is about 290 dpi
RED = (214, 0, 15, 255)
RING = 14  # ring width in pixels
NAME_MAX = 40


class SealImageUnavailable(DomainError):
    """The server cannot draw seal images (no CJK font installed)."""

    code = "seal_image_unavailable"
    http_status = 503


@lru_cache(maxsize=1)
def _font_file() -> tuple[str, int] | None:
    for path, index in FONT_CANDIDATES:
        if Path(path).is_file():
            return path, index
    return None


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    found = _font_file()
    if found is None:
        raise SealImageUnavailable(_("服务器未安装中文字体（fonts-noto-cjk），暂不能制作印章图片。"))
    return ImageFont.truetype(found[0], size=size, index=found[1])


def _glyph(char: str, size: int) -> Image.Image:
    """One character, centred on a transparent square tile."""
    tile = int(size * 1.5)
    image = Image.new("RGBA", (tile, tile), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.text((tile / 2, tile / 2), char, font=_font(size), fill=RED, anchor="mm", stroke_width=max(1, size // 28),
              stroke_fill=RED)
    return image


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    inner = radius * math.sin(math.radians(18)) / math.sin(math.radians(126))  # regular five-pointed star
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else inner
        angle = math.radians(-90 + 36 * i)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=RED)


def _arc_text(image: Image.Image, text: str, *, centre: float, radius: float) -> None:
    """Characters along the upper arc, clockwise from lower left to lower right, each upright towards the centre."""
    n = len(text)
    if n == 0:
        return
    size = 56 if n <= 12 else max(30, int(56 * 12 / n))
    span = min(250.0, 22.0 * n if n > 1 else 0.0)  # degrees of arc used
    step = span / (n - 1) if n > 1 else 0.0
    for i, char in enumerate(text):
        theta = -span / 2 + step * i  # degrees clockwise from the top
        glyph = _glyph(char, size).rotate(-theta, resample=Image.Resampling.BICUBIC, expand=True)
        x = centre + radius * math.sin(math.radians(theta))
        y = centre - radius * math.cos(math.radians(theta))
        image.alpha_composite(glyph, (round(x - glyph.width / 2), round(y - glyph.height / 2)))


def seal_image_png(*, department_name: str, kind_text: str = "") -> bytes:
    """The seal image as PNG bytes (RGBA, transparent outside the seal's strokes)."""
    name = " ".join(department_name.split())[:NAME_MAX]
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = SIZE / 2
    outer = SIZE / 2 - 4
    draw.ellipse((c - outer, c - outer, c + outer, c + outer), outline=RED, width=RING)
    _arc_text(image, name, centre=c, radius=outer - RING - 42)
    draw = ImageDraw.Draw(image)
    _star(draw, c, c - 4, 74)
    if kind_text:
        size = 40 if len(kind_text) <= 6 else 34
        draw.text((c, c + 122), kind_text[:10], font=_font(size), fill=RED, anchor="mm",
                  stroke_width=1, stroke_fill=RED)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()
