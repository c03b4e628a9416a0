"""Display names (显示文件名): what the uploader called the file, made safe to show and to offer as a download name.

The name is only ever shown (escaped by the templates) or sent in a ``Content-Disposition`` header; it never
becomes a path. :func:`display_name_clean` still removes what could mislead or break those uses: directories
(``../../etc/passwd.pdf`` → ``passwd.pdf``), control and bidirectional-formatting characters (a right-to-left
override makes ``exe.pdf`` look like ``fdp.exe``), characters Windows refuses in file names (``<>:"/\\|?*``, which
also covers HTML tags), leading dots, runs of spaces, and length beyond :data:`MAX_CHARS` characters.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from tongban.files.kinds import KINDS

MAX_CHARS = 100
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
_SPACES = re.compile(r"\s+")
_KEPT_FORMAT = {"\u200d"}  # zero-width joiner: part of emoji sequences


def _visible(char: str) -> bool:
    category = unicodedata.category(char)
    if category in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp"):
        return False
    return category != "Cf" or char in _KEPT_FORMAT


def display_name_clean(name: str | None, *, kind: str) -> str:
    """A safe display name ending in an extension of ``kind`` (the content's kind, e.g. ``pdf``).

    A name that already ends in an extension of that kind keeps it (``扫描.JPEG``); otherwise the kind's usual one
    is added (``.jpg``), so that a downloaded file opens with the right program. An empty result becomes
    ``材料.<extension>``.
    """
    _mime, extensions, extension = KINDS[kind]
    text = unicodedata.normalize("NFC", str(name or ""))
    text = text.replace("\\", "/").rsplit("/", 1)[-1]  # old browsers send C:\\Users\\...\\file.pdf
    text = "".join(char if _visible(char) else " " for char in text)
    text = _FORBIDDEN.sub("_", text)
    text = _SPACES.sub(" ", text).strip().lstrip(".").strip()
    stem, dot, current = text.rpartition(".")
    if dot and current.lower() in extensions:
        stem, suffix = stem.rstrip(" ."), "." + current
    else:
        stem, suffix = text.rstrip(" ."), "." + extension
    stem = stem[: MAX_CHARS - len(suffix)].rstrip(" .")
    if not stem:
        stem = _("材料")
    return stem + suffix

