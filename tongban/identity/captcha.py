"""Image captcha (图形验证码): case-insensitive, refreshable, single use, kept in the server-side session.

Our own logic, not a provider: a short random text drawn with noise into a PNG. Only a keyed hash of the text
is stored in the session, with an expiry and an attempt counter. With ``TONGBAN_CAPTCHA_REVEAL`` (development and
end-to-end tests only; settings refuse it in production) the text is also kept so :func:`captcha_revealed` can show
it to the same browser session.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
import time
from typing import Any

from django.conf import settings
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
LENGTH = 4
TTL_SECONDS = 300
MAX_ATTEMPTS = 5
SESSION_KEY = "tb_captcha"
REVEAL_KEY = "tb_captcha_text"
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
]


def _digest(text: str) -> str:
    key = hashlib.sha256(b"tongban-captcha:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, text.upper().encode(), hashlib.sha256).hexdigest()


def _random_text() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def captcha_new(session: Any) -> bytes:
    """A new challenge for this session (replacing any earlier one); returns the PNG."""
    text = _random_text()
    session[SESSION_KEY] = {"h": _digest(text), "exp": time.time() + TTL_SECONDS, "n": 0}
    if settings.CAPTCHA_REVEAL:
        session[REVEAL_KEY] = text
    return _render(text)


def captcha_revealed(session: Any) -> str | None:
    """The current captcha's text for this session, only while ``TONGBAN_CAPTCHA_REVEAL`` is on."""
    if not settings.CAPTCHA_REVEAL or SESSION_KEY not in session:
        return None
    return session.get(REVEAL_KEY)


def captcha_check(session: Any, answer: str) -> bool:
    """True once for the right answer (any case); every check uses up an attempt, a right one the challenge."""
    state = session.get(SESSION_KEY)
    if not state or time.time() > state["exp"] or state["n"] >= MAX_ATTEMPTS:
        session.pop(SESSION_KEY, None)
        session.pop(REVEAL_KEY, None)
        return False
    state["n"] += 1
    session[SESSION_KEY] = state
    if hmac.compare_digest(state["h"], _digest((answer or "").strip())):
        session.pop(SESSION_KEY, None)
        session.pop(REVEAL_KEY, None)
        return True
    return False


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONT_CANDIDATES:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _render(text: str) -> bytes:
    rng = secrets.SystemRandom()
    width, height = 140, 48
    image = Image.new("RGB", (width, height), (246, 246, 244))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        draw.line([(rng.randint(0, width), rng.randint(0, height)) for _ in range(2)],
                  fill=(rng.randint(120, 200),) * 3, width=1)
    font = _font(30)
    for index, char in enumerate(text):
        glyph = Image.new("RGBA", (36, 44), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((4, 2), char, font=font, fill=(rng.randint(0, 90), rng.randint(0, 60),
                                                                   rng.randint(60, 140)))
        glyph = glyph.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC, expand=False)
        image.paste(glyph, (6 + index * 32, rng.randint(0, 4)), glyph)
    for _ in range(120):
        draw.point((rng.randrange(width), rng.randrange(height)), fill=(rng.randint(100, 220),) * 3)
    image = image.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
