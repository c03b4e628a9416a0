"""Display names: shown, never used as paths; directories, control characters and markup removed; length limited."""

from __future__ import annotations

import pytest

from tongban.files.names import MAX_CHARS, display_name_clean


@pytest.mark.parametrize(("name", "kind", "expected"), [
    ("../../etc/passwd.pdf", "pdf", "passwd.pdf"),
    ("C:\\fakepath\\营业执照.PDF", "pdf", "营业执照.PDF"),
    ("<script>alert(1)</script>.pdf", "pdf", "script_.pdf"),  # "/" ends a directory first
    ('<img src=x onerror="x">.png', "png", "_img src=x onerror=_x__.png"),
    ("身份证\u202egpj.pdf", "pdf", "身份证 gpj.pdf"),  # right-to-left override: would show as 身份证fdp.jpg
    ("a\x00b\r\nc\t.jpg", "jpeg", "a b c.jpg"),
    ("扫描件", "jpeg", "扫描件.jpg"),
    ("照片.jpeg", "jpeg", "照片.jpeg"),
    ("材料.身份证", "png", "材料.身份证.png"),
    (".hidden.pdf", "pdf", "hidden.pdf"),
    ("...", "pdf", "材料.pdf"),
    ("", "png", "材料.png"),
    (None, "pdf", "材料.pdf"),
    ("  申请表   (签字版) .pdf", "pdf", "申请表 (签字版).pdf"),
    ("e\u0301.pdf", "pdf", "\u00e9.pdf"),  # NFC
])
def test_names_are_cleaned(name: str | None, kind: str, expected: str) -> None:
    assert display_name_clean(name, kind=kind) == expected


def test_long_names_are_cut_keeping_the_extension() -> None:
    cleaned = display_name_clean("很" * 300 + ".pdf", kind="pdf")
    assert len(cleaned) == MAX_CHARS and cleaned.endswith("很.pdf")
    assert len(display_name_clean("x" * 300, kind="jpeg")) == MAX_CHARS
