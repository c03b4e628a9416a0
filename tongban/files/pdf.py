"""PDF checks (PDF安全检查) by scanning the bytes, without a PDF library.

A PDF is refused when:

* it does not start with ``%PDF-`` or has no ``%%EOF`` in its last 1024 bytes (``file_pdf_invalid``: not a whole
  PDF — a truncated upload, or another format with a PDF header glued on);
* it is encrypted: an ``/Encrypt`` entry (``file_pdf_encrypted``: staff could not open it, and nothing inside can
  be checked);
* it carries active content (``file_pdf_active_content``): ``/JavaScript``, ``/JS``, ``/Launch``, ``/AA``
  (actions on opening a page or field), ``/EmbeddedFile``, ``/EmbeddedFiles``, ``/RichMedia``, or an
  ``/OpenAction`` that does more than show a page. ``/OpenAction [3 0 R /Fit]`` (“open at page 1, fit the window”,
  which office suites write), a ``/GoTo`` action, or a reference to an object holding either (what LaTeX writes)
  is accepted; any other action (``/URI``, ``/SubmitForm``, ``/Named``, ``/GoToR`` …, or one chained with
  ``/Next``) or a reference that cannot be found is refused.

How the bytes are read: names are matched as PDF names (``/Java#53cript`` is ``/JavaScript``; ``/JSON`` is not
``/JS``). Stream bodies (page content, images, fonts) are skipped, since their binary data would match names by
chance; object streams (``/Type /ObjStm``, PDF 1.5+), which hold ordinary dictionaries compressed, are inflated
(``/FlateDecode`` only, within :data:`MAX_INFLATED_BYTES`) and scanned too. An object stream with another filter
cannot be checked and is refused.

Limits, on purpose (a scan, not a parser): a name inside a string literal, e.g. the text ``(/JavaScript)``,
refuses a harmless file (fail closed); a dictionary hidden in an unusual place (inside an incremental update's
garbage, or a stream that a viewer would repair) may be missed. The files are stored for staff to view in the
platform's own viewer or download, and the scan hook (antivirus) runs on every upload as a second line.
"""

from __future__ import annotations

import itertools
import re
import zlib

from django.utils.translation import gettext as _

from tongban.core.errors import Issue, ValidationFailed

EOF_WINDOW = 1024
MAX_INFLATED_BYTES = 32 * 1024 * 1024
ACTIVE_NAMES: frozenset[bytes] = frozenset({b"JavaScript", b"JS", b"Launch", b"AA", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia"})

_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]*)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_WATCHED: frozenset[bytes] = ACTIVE_NAMES | frozenset({b"OpenAction", b"Encrypt"})
_WATCHED_RE = re.compile(  # a watched name, then a delimiter or the end (so /JSON is not /JS)
    rb"/(" + b"|".join(sorted(_WATCHED, reverse=True)) + rb")(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])")
_STREAM = re.compile(rb"stream(?:\r\n|\n|\r)")
_END_STREAM = b"endstream"
_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")
_OBJ_NUMBERED = re.compile(rb"(?<![0-9])(\d+)\s+\d+\s+obj\b")
_REFERENCE = re.compile(rb"(\d+)\s+\d+\s+R\b")
_FIRST = re.compile(rb"/First\s+(\d+)")
_WHITESPACE = b"\x00\t\n\x0c\r "


def _refuse(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, issues=[Issue(code=code, message=message, field="file")])


def _names(segment: bytes) -> list[tuple[bytes, int]]:
    """Every name in ``segment``, unescaped, with the position just after it."""
    found = []
    for match in _NAME.finditer(segment):
        raw = match.group(1)
        name = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw) if b"#" in raw else raw
        found.append((name, match.end()))
    return found


def _watched_names(segment: bytes) -> list[tuple[bytes, int]]:
    """The names :func:`pdf_check` looks for, with the position after each (a direct search unless the segment
    has ``#`` escapes, which only a full pass over every name can decode)."""
    if b"#" in segment:
        return [(name, end) for name, end in _names(segment) if name in _WATCHED]
    return [(match.group(1), match.end()) for match in _WATCHED_RE.finditer(segment)]


def _split_streams(data: bytes) -> tuple[list[bytes], list[tuple[bytes, bytes]]]:
    """The bytes outside stream bodies, and each stream as (its dictionary, its raw body)."""
    outside: list[bytes] = []
    streams: list[tuple[bytes, bytes]] = []
    position = 0
    while True:
        match = _STREAM.search(data, position)
        if match is None or data[match.start() - 3:match.start()] == b"end":
            if match is not None:  # "endstream" without a start: keep scanning after it
                outside.append(data[position:match.end()])
                position = match.end()
                continue
            outside.append(data[position:])
            return outside, streams
        before = data[position:match.start()]
        outside.append(before)
        objects = list(_OBJ.finditer(before))
        dictionary = before[objects[-1].end():] if objects else before
        end = data.find(_END_STREAM, match.end())
        if end < 0:
            end = len(data)
        streams.append((dictionary, data[match.end():end]))
        position = end + len(_END_STREAM)


def _is_object_stream(dictionary: bytes) -> bool:
    names = [name for name, _end in _names(dictionary)]
    return any(first == b"Type" and second == b"ObjStm" for first, second in itertools.pairwise(names))


def _inflate(dictionary: bytes, body: bytes, budget: int) -> bytes | None:
    """The decoded body of an object stream, or ``None`` if it uses a filter other than FlateDecode."""
    names = {name for name, _end in _names(dictionary)}
    if b"Filter" not in names:
        return body
    filters = names & {b"FlateDecode", b"Fl", b"LZWDecode", b"LZW", b"ASCII85Decode", b"A85", b"ASCIIHexDecode",
                       b"AHx", b"RunLengthDecode", b"RL", b"Crypt"}
    if filters - {b"FlateDecode", b"Fl"} or b"DecodeParms" in names or b"DP" in names:
        return None
    inflater = zlib.decompressobj()
    try:
        return inflater.decompress(body, budget + 1)
    except zlib.error:
        return None


Objects = dict[int, list[bytes]]  # every definition of each object number (incremental updates add more)


def _objects_in_segment(segment: bytes, found: Objects) -> None:
    """Uncompressed objects: ``N G obj`` … up to ``endobj`` (or the end of the segment, before a stream)."""
    for match in _OBJ_NUMBERED.finditer(segment):
        end = segment.find(b"endobj", match.end())
        found.setdefault(int(match.group(1)), []).append(segment[match.end():end if end >= 0 else len(segment)])


def _objects_in_stream(dictionary: bytes, inflated: bytes, found: Objects) -> None:
    """The objects of a decoded object stream, by number (its header lists number/offset pairs)."""
    first = _FIRST.search(dictionary)
    if first is None:
        return
    start = int(first.group(1))
    numbers = [int(n) for n in re.findall(rb"\d+", inflated[:start])]
    pairs = list(zip(numbers[0::2], numbers[1::2], strict=False))
    for index, (number, offset) in enumerate(pairs):
        end = pairs[index + 1][1] if index + 1 < len(pairs) else len(inflated) - start
        found.setdefault(number, []).append(inflated[start + offset:start + end])


def _dictionary_at(segment: bytes, position: int) -> bytes:
    """The dictionary starting at ``position`` (``<<`` … its matching ``>>``)."""
    depth, index = 0, position
    while index < len(segment) - 1:
        pair = segment[index:index + 2]
        if pair == b"<<":
            depth, index = depth + 1, index + 2
        elif pair == b">>":
            depth, index = depth - 1, index + 2
            if depth == 0:
                return segment[position:index]
        else:
            index += 1
    return segment[position:]


def _open_action_is_harmless(segment: bytes, position: int, objects: Objects) -> bool:
    """Whether the ``/OpenAction`` value after ``position`` only shows a page: a destination array, or a ``/GoTo``
    action, written there or as a reference to an object holding one (every definition of it, if several)."""
    value = segment[position:position + 4096].lstrip(_WHITESPACE)
    reference = _REFERENCE.match(value)
    if reference is None:
        return _shows_a_page(value)
    targets = objects.get(int(reference.group(1)), [])
    return bool(targets) and all(_shows_a_page(target.lstrip(_WHITESPACE)) for target in targets)


def _shows_a_page(value: bytes) -> bool:
    if value.startswith(b"["):
        return True
    if not value.startswith(b"<<"):
        return False
    names = [name for name, _end in _names(_dictionary_at(value, 0))]
    is_goto = any(first == b"S" and second == b"GoTo" for first, second in itertools.pairwise(names))
    return is_goto and b"Next" not in names  # /Next chains further actions


def pdf_check(data: bytes) -> None:
    """Refuse a PDF that is not whole, is encrypted or carries active content (see the module docstring)."""
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-EOF_WINDOW:]:
        raise _refuse(_("PDF文件不完整或已损坏，请重新导出或扫描后上传。"), "file_pdf_invalid")
    outside, streams = _split_streams(data)
    segments = list(outside)
    objects: Objects = {}
    for segment in outside:
        _objects_in_segment(segment, objects)
    budget = MAX_INFLATED_BYTES
    for dictionary, body in streams:
        if not _is_object_stream(dictionary):
            continue
        inflated = _inflate(dictionary, body, budget)
        if inflated is None or len(inflated) > budget:
            raise _refuse(_("无法检查这个PDF文件的内部结构，请用常用软件（如“打印为PDF”）重新生成后上传。"),
                          "file_pdf_active_content")
        budget -= len(inflated)
        segments.append(inflated)
        _objects_in_stream(dictionary, inflated, objects)
    for segment in segments:
        for name, end in _watched_names(segment):
            if name == b"Encrypt":
                raise _refuse(_("PDF文件已加密或设置了密码，工作人员无法打开。请去掉密码后重新上传。"),
                              "file_pdf_encrypted")
            if name in ACTIVE_NAMES or (name == b"OpenAction" and not _open_action_is_harmless(segment, end, objects)):
                raise _refuse(_("PDF文件含有脚本、自动动作或嵌入的文件，出于安全原因不能上传。请用“打印为PDF”"
                                "重新生成后上传。"), "file_pdf_active_content")
