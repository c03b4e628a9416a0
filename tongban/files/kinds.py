"""What a file is, decided from its bytes (magic numbers, with the `filetype` package), and what its name claims.

The content decides. The name only refuses: a name whose extension names another known format than the content is
a mistake the person should see (a PDF named ``.jpg``), so :func:`kind_check` refuses it with a message that says
what the content is and what the name says. A name without an extension, or with one no format uses
(``扫描件.身份证``), claims nothing. The browser's content type is never read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import filetype
from django.utils.translation import gettext as _

from tongban.core.errors import Issue, ValidationFailed

FIELD = "file"

# kind → (MIME type, extensions a name may carry for it, extension added to names without one)
KINDS: dict[str, tuple[str, frozenset[str], str]] = {
    "jpeg": ("image/jpeg", frozenset({"jpg", "jpeg", "jpe", "jfif"}), "jpg"),
    "png": ("image/png", frozenset({"png"}), "png"),
    "pdf": ("application/pdf", frozenset({"pdf"}), "pdf"),
}
# What filetype answers, for the kinds we store (APNG is a PNG whose first frame every viewer shows).
_DETECTED_AS = {"jpg": "jpeg", "png": "png", "apng": "png", "pdf": "pdf"}
# Extensions that name a format, beyond those filetype detects: a name ending so makes a claim about the content.
_OTHER_EXTENSIONS = frozenset({
    "txt", "text", "csv", "htm", "html", "xhtml", "xml", "svg", "json", "md", "log", "ini", "js", "css", "php", "sh",
    "bat", "cmd", "ps1", "vbs", "py", "jar", "apk", "msi", "dll", "com", "scr", "wps", "et", "dps", "ofd", "tiff",
    "jp2", "heif", "tgz", "rtf", "xps", "eml", "mht",
})
_KNOWN_EXTENSIONS = frozenset({kind.extension.lower() for kind in filetype.types}.union(
    _OTHER_EXTENSIONS, *(names for _mime, names, _default in KINDS.values())))
SNIFF_BYTES = 8192


def _label(kind: str) -> str:
    labels = {"jpeg": _("JPG图片"), "png": _("PNG图片"), "pdf": _("PDF文件")}
    return labels[kind]


def _detected_label(extension: str) -> str:
    """A person's name for a format filetype detected (``docx`` → Word文档)."""
    groups: list[tuple[Iterable[str], str]] = [
        (("doc", "docx", "odt", "rtf"), _("Word文档")),
        (("xls", "xlsx", "ods"), _("Excel表格")),
        (("ppt", "pptx", "odp"), _("PowerPoint演示文稿")),
        (("zip", "rar", "7z", "gz", "bz2", "xz", "tar", "zst", "lz", "lz4", "lzo", "Z", "br", "cab", "ar", "rpm", "deb"),
         _("压缩包")),
        (("gif",), _("GIF图片")), (("bmp",), _("BMP图片")), (("webp",), _("WebP图片")), (("tif",), _("TIFF图片")),
        (("heic", "avif"), _("HEIC/AVIF图片（手机照片格式）")), (("jpx",), _("JPEG 2000图片")),
        (("psd", "xcf", "ico", "cr2", "jxr", "dcm"), _("其他格式的图片")),
        (("exe", "elf", "wasm", "crx", "swf", "nes"), _("可执行程序")),
        (("mp4", "m4v", "mkv", "webm", "mov", "avi", "wmv", "mpg", "flv", "3gp"), _("视频")),
        (("mp3", "m4a", "ogg", "flac", "wav", "aac", "aiff", "amr", "midi"), _("音频")),
    ]
    for extensions, label in groups:
        if extension in extensions:
            return label
    return _("%(ext)s格式的文件") % {"ext": extension.upper()}


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:  # a character cut by the sniff window
                return True
            continue
        return True
    return False


def name_extension(name: str) -> str:
    """The lower-case extension of ``name`` if it names a known format, else ``""``."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return ""
    extension = base.rsplit(".", 1)[-1].strip().lower()
    return extension if extension in _KNOWN_EXTENSIONS else ""


@dataclass(frozen=True)
class Sniffed:
    kind: str  # one of KINDS
    mime: str


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, issues=[Issue(code=code, message=message, field=FIELD)])


def kind_check(data: bytes, *, name: str, allowed_kinds: frozenset[str]) -> Sniffed:
    """The kind of ``data`` if it is one of ``allowed_kinds`` and ``name`` does not contradict it.

    Refuses with ``file_type_unsupported`` (content of another format, or of none) or ``file_type_mismatch``
    (content allowed, name claiming another format).
    """
    head = bytes(data[:SNIFF_BYTES])
    detected = filetype.guess(head)
    kind = _DETECTED_AS.get(detected.extension) if detected is not None else None
    claimed = name_extension(name)
    allowed_labels = "、".join(_label(k) for k in KINDS if k in allowed_kinds)
    if kind is None or kind not in allowed_kinds:
        if kind is not None:
            what = _label(kind)
        elif detected is not None:
            what = _detected_label(detected.extension)
        elif _looks_like_text(head):
            what = _("文本文件")
        else:
            what = _("无法识别的格式")
        message = _("这里只能上传%(allowed)s，这个文件的内容是%(what)s。") % {"allowed": allowed_labels, "what": what}
        claimed_kind = next((k for k, (_m, names, _d) in KINDS.items() if claimed in names), None)
        if claimed_kind is not None and claimed_kind != kind:
            message = _("文件名是.%(ext)s，但文件内容不是%(label)s，而是%(what)s。这里只能上传%(allowed)s，"
                        "请重新选择文件。") % {"ext": claimed, "label": _label(claimed_kind), "what": what,
                                        "allowed": allowed_labels}
        raise _refuse(message, "file_type_unsupported")
    mime, extensions, default_extension = KINDS[kind]
    if claimed and claimed not in extensions:
        raise _refuse(
            _("文件内容是%(label)s，但文件名是.%(ext)s。请确认选择了正确的文件；如果文件没错，请把文件名改为"
              ".%(right)s后重新上传。") % {"label": _label(kind), "ext": claimed, "right": default_extension},
            "file_type_mismatch")
    return Sniffed(kind=kind, mime=mime)
