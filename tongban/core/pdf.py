"""PDF documents with Chinese text (回执, and later 证照 and 文书): fpdf2 with an embedded, subset Noto Sans CJK font.

One small builder on top of fpdf2 (ADR 16): A4 portrait, a title, label–value rows that wrap, paragraphs and
tables, page numbers, document metadata. The font is the OpenType collection of Debian's ``fonts-noto-cjk``
(CFF outlines, which fpdf2 embeds and subsets; ReportLab cannot), its Simplified Chinese face. Names with
characters outside the BMP (𠮷) and middle dots (阿依古丽·买买提) render as they are.

The output is a plain PDF 1.7 file that pyHanko can sign (PAdES) by an incremental update later.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from tongban.core.errors import DomainError

# The Simplified Chinese face of the Noto Sans CJK collection (index 2: JP, KR, SC, TC, HK).
FONT_CANDIDATES: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
)
FAMILY = "tongban-cjk"
LABEL_WIDTH = 42.0  # mm
LINE = 7.0  # mm
# fontTools reports every subsetting step at INFO; keep the application log for the application.
logging.getLogger("fontTools").setLevel(logging.WARNING)


class PdfUnavailable(DomainError):
    """The server cannot make PDFs (no CJK font installed)."""

    code = "pdf_unavailable"
    http_status = 503


@lru_cache(maxsize=1)
def _font(candidates: tuple[tuple[str, int], ...]) -> tuple[str, int] | None:
    for path, index in candidates:
        if Path(path).is_file():
            return path, index
    return None


def pdf_available() -> bool:
    return _font(FONT_CANDIDATES) is not None


class Document:
    """A simple A4 document. ``Document(title=…)`` → ``heading`` / ``rows`` / ``paragraph`` / ``table`` →
    ``output()`` (bytes)."""

    def __init__(self, *, title: str, subject: str = "", author: str = "通办政务服务平台",
                 created_at: datetime | None = None, footer: str = "") -> None:
        regular = _font(FONT_CANDIDATES)
        if regular is None:
            raise PdfUnavailable("服务器未安装中文字体（fonts-noto-cjk），暂不能生成 PDF，请稍后再试。")
        self._footer = footer
        pdf = _Pdf(footer=footer)
        # One face only: every face costs about half a second to load and subset; headings differ by size.
        pdf.add_font(FAMILY, style="", fname=regular[0], collection_font_number=regular[1])
        pdf.set_title(title)
        pdf.set_subject(subject or title)
        pdf.set_author(author)
        pdf.set_creator("Tongban")
        pdf.set_lang("zh-CN")
        if created_at is not None:
            pdf.set_creation_date(created_at)
        pdf.set_margins(18, 18, 18)
        pdf.set_auto_page_break(auto=True, margin=20)
        pdf.add_page()
        self._pdf = pdf

    @property
    def width(self) -> float:
        return float(self._pdf.epw)

    def heading(self, text: str, *, size: float = 18) -> None:
        pdf = self._pdf
        pdf.set_font(FAMILY, "", size)
        pdf.multi_cell(0, size * 0.55, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(3)

    def subheading(self, text: str) -> None:
        pdf = self._pdf
        pdf.ln(2)
        pdf.set_font(FAMILY, "", 12.5)
        pdf.multi_cell(0, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(160, 160, 160)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + self.width, pdf.get_y())
        pdf.ln(1.5)

    def rows(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label–value pairs, the value wrapping under itself."""
        pdf = self._pdf
        for label, value in rows:
            y = pdf.get_y()
            pdf.set_font(FAMILY, "", 10.5)
            pdf.set_text_color(90, 90, 90)
            pdf.multi_cell(LABEL_WIDTH, LINE, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
            pdf.set_text_color(0, 0, 0)
            pdf.set_font(FAMILY, "", 11)
            pdf.set_xy(pdf.l_margin + LABEL_WIDTH, y)
            pdf.multi_cell(self.width - LABEL_WIDTH, LINE, value or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    @property
    def cursor(self) -> tuple[int, float]:
        """Where the next line goes: the page (1-based) and mm from the page's top (e.g. to place a seal there)."""
        return int(self._pdf.page), float(self._pdf.get_y())

    def paragraph(self, text: str, *, size: float = 10.5, muted: bool = False, align: str = "L") -> None:
        """A paragraph that wraps; ``align`` is L (left), R (right, e.g. a signature block) or C."""
        pdf = self._pdf
        pdf.set_font(FAMILY, "", size)
        if muted:
            pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(0, size * 0.55, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1)

    def table(self, header: Sequence[str], body: Sequence[Sequence[str]], *, widths: Sequence[float]) -> None:
        """A table with a header row; ``widths`` are fractions of the text width."""
        pdf = self._pdf
        pdf.set_font(FAMILY, "", 10)
        with pdf.table(col_widths=tuple(widths), text_align="LEFT", line_height=6,
                       headings_style=_heading_style()) as table:
            row = table.row()
            for cell in header:
                row.cell(cell)
            for values in body:
                row = table.row()
                for cell in values:
                    row.cell(cell or "—")
        pdf.ln(2)

    def watermark(self, lines: Sequence[str]) -> None:
        """Light diagonal text across this page and every following one, under the content written after it
        (the 用证 copy's "此件由××提供，仅供办理政务服务事项时使用"). Call it before the content."""
        self._pdf.watermark_lines = tuple(line for line in lines if line)
        self._pdf.draw_watermark()

    def image(self, data: bytes, *, width: float, x: float | None = None, y: float | None = None) -> None:
        """A PNG or JPEG image ``width`` mm wide, at (``x``, ``y``) or, without ``y``, at the current line (the text
        then continues below it)."""
        self._pdf.image(io.BytesIO(data), x=x if x is not None else self._pdf.get_x(), y=y, w=width)

    def output(self) -> bytes:
        return bytes(self._pdf.output())


def _heading_style() -> object:
    from fpdf.fonts import FontFace

    return FontFace(family=FAMILY, emphasis="NONE", fill_color=(235, 240, 245))


class _Pdf(FPDF):
    def __init__(self, *, footer: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._footer_text = footer
        self.watermark_lines: tuple[str, ...] = ()

    def header(self) -> None:
        if self.watermark_lines:
            self.draw_watermark()

    def draw_watermark(self) -> None:
        x, y = self.get_x(), self.get_y()
        self.set_font(FAMILY, "", 15)
        self.set_text_color(205, 205, 205)
        centre_x, centre_y = self.w / 2, self.h / 2
        with self.rotation(35, centre_x, centre_y):
            for row in range(-7, 8):
                line = self.watermark_lines[row % len(self.watermark_lines)]
                self.text(centre_x - self.get_string_width(line) / 2, centre_y + row * 24, line)
        self.set_text_color(0, 0, 0)
        self.set_xy(x, y)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FAMILY, "", 8.5)
        self.set_text_color(120, 120, 120)
        text = f"{self._footer_text}    第 {self.page_no()} 页 / 共 {{nb}} 页" if self._footer_text else \
            f"第 {self.page_no()} 页 / 共 {{nb}} 页"
        self.cell(0, 6, text, align="C")
        self.set_text_color(0, 0, 0)
