"""The four case documents (办件文书) as PDFs, before sealing: 受理通知书, 补正告知书, 不予受理决定书 and
准予许可决定书 (《中华人民共和国行政许可法》第三十二条、第三十八条).

:func:`document_compose` turns the case (:class:`~tongban.cases.records.CaseArchiveRecord`) and the timeline row of
the transition that calls for the document into :class:`DocumentText`; :func:`document_pdf` lays it out with
:class:`tongban.core.pdf.Document`. The document is the applicant's own: nothing on it is masked. The seal is
added afterwards (:func:`tongban.licenses.signing.pdf_seal`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.cases.interface import ArchiveEvent, CaseArchiveRecord
from tongban.core.pdf import Document
from tongban.licenses.models.codes import CaseDocumentKind

# The word of each kind in the document number (石林公受〔2026〕05140001号).
NUMBER_WORDS: dict[str, str] = {
    CaseDocumentKind.ACCEPTANCE_NOTICE: "受",
    CaseDocumentKind.SUPPLEMENT_NOTICE: "补",
    CaseDocumentKind.REFUSAL_DECISION: "不受",
    CaseDocumentKind.APPROVAL_DECISION: "许",
}
_PLACE_END = re.compile(r"(自治州|自治县|自治旗|特别行政区|自治区|省|市|州|盟|县|区|旗)")
REMEDY = ("如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者自收到本决定书之日起六个月内依法"
          "向人民法院提起行政诉讼。")
UNITS = {"working_day": "个工作日", "natural_day": "个自然日"}


@dataclass(frozen=True)
class DocumentText:
    """What one document says: the parts in the order they are printed."""

    kind: str
    title: str
    number: str
    department_name: str
    addressee: str
    case_number: str
    item_name: str
    applicant_label: str
    paragraphs: tuple[str, ...]
    items: tuple[str, ...]
    closing: tuple[str, ...]
    issued_on: date


def department_short(name: str) -> str:
    """The short form of a department's name for document numbers: the first two characters of its place and the
    first character of the office (石林彝族自治县公安局 → 石林公, 昆明市市场监督管理局 → 昆明市)."""
    name = (name or "").strip()
    if not name:
        return _("通办")
    found = _PLACE_END.search(name, 1)
    office = name[found.end():] if found else ""
    return (name[:2] + office[:1]) if office else name[:4]


def document_number(*, kind: str, department_name: str, case_number: str, issued_on: date, round_: int = 1) -> str:
    """``{short}{word}〔{year}〕{case number tail}号``; a later round of 补正告知 adds ``-{round}``."""
    tail = case_number[-12:] if len(case_number) >= 12 else case_number
    suffix = f"-{round_}" if round_ > 1 else ""
    return f"{department_short(department_name)}{NUMBER_WORDS.get(kind, '')}〔{issued_on.year}〕{tail}{suffix}号"


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def _applied(record: CaseArchiveRecord) -> str:
    when = _day(record.submitted_at)
    return _("你（单位）于%(d)s提出的%(i)s申请（办件编号：%(n)s）") % {
        "d": when or "", "i": record.item_name, "n": record.case_number}


def _supplement_lines(event: ArchiveEvent | None, record: CaseArchiveRecord) -> tuple[tuple[str, ...], int]:
    round_ = int((event.detail.get("round") if event else 0) or 0)
    items = list((event.detail.get("items") if event else None) or ())
    if not items:  # the event's detail should carry them; otherwise the request of that round
        request = next((r for r in reversed(record.supplements) if not round_ or r["round"] == round_), None)
        items = list(request["items"]) if request else []
        round_ = round_ or (int(request["round"]) if request else 1)
    labels = {str(f.get("name", "")): str(f.get("label", "")) for f in record.form_snapshot.get("fields", ())
              if isinstance(f, dict)}
    lines = []
    for index, item in enumerate(items, start=1):
        field = str(item.get("field") or "")
        what = str(item.get("material") or "") or (_("表单“%(f)s”") % {"f": labels.get(field) or field})
        lines.append(f"{index}. {what}：{item.get('reason', '')}")
    return tuple(lines), max(round_, 1)


def document_compose(*, kind: str, record: CaseArchiveRecord, event: ArchiveEvent | None,
                     issued_at: datetime) -> DocumentText:
    """The text of document ``kind`` for the case, from the timeline row (``event``) of the transition that calls
    for it (its opinion, the refusal's reasons and legal basis, the supplement list)."""
    issued_on = timezone.localtime(issued_at).date()
    applied = _applied(record)
    opinion = (event.opinion if event else "").strip()
    items: tuple[str, ...] = ()
    closing: tuple[str, ...] = ()
    round_ = 1
    if kind == CaseDocumentKind.ACCEPTANCE_NOTICE:
        title = _("受理通知书")
        paragraphs = [applied + _("，经审查，申请事项属于本机关职权范围，申请材料齐全、符合法定形式。根据《中华人民共和国行政"
                                  "许可法》第三十二条第一款第（五）项的规定，本机关决定予以受理。")]
        if record.decision_due:
            paragraphs.append(_("本机关将于%(d)s前作出决定；依法需要听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审的，所需时间"
                                "不计算在期限内。") % {"d": _day(record.decision_due)})
        elif record.promised_limit_value:
            paragraphs.append(_("本机关将自受理之日起%(n)s%(u)s内作出决定。") % {
                "n": record.promised_limit_value, "u": UNITS.get(record.promised_limit_unit, "")})
        if opinion:
            paragraphs.append(_("受理意见：%(o)s") % {"o": opinion})
        closing = (_("您可以凭办件编号在通办政务服务平台查询办理进度。"),)
    elif kind == CaseDocumentKind.SUPPLEMENT_NOTICE:
        title = _("补正告知书")
        items, round_ = _supplement_lines(event, record)
        paragraphs = [applied + _("，申请材料不齐全或者不符合法定形式。根据《中华人民共和国行政许可法》第三十二条第一款第（四）项的"
                                  "规定，现一次性告知你（单位）需要补正的全部内容如下：")]
        closing = (_("请在通办政务服务平台“我的办件”中补齐补正后重新提交。补正期间不计入办理时限。"),)
        if opinion:
            closing = (_("说明：%(o)s") % {"o": opinion}, *closing)
    elif kind == CaseDocumentKind.REFUSAL_DECISION:
        title = _("不予受理决定书")
        reasons = [str(r) for r in (event.detail.get("reasons") if event else None) or () if str(r).strip()]
        basis = str((event.detail.get("legal_basis") if event else "") or "").strip()
        items = tuple(f"{i}. {r}" for i, r in enumerate(reasons or [opinion or _("申请不符合受理条件。")], start=1))
        paragraphs = [applied + _("，经审查，因下列原因，本机关决定不予受理：")]
        closing = tuple(line for line in (
            _("依据：%(b)s") % {"b": basis} if basis else "",
            _("根据《中华人民共和国行政许可法》第三十二条第一款的规定，作出本决定。"),
            REMEDY) if line)
    elif kind == CaseDocumentKind.APPROVAL_DECISION:
        title = _("准予行政许可决定书")
        paragraphs = [applied + _("，经审查，符合法定条件、标准。根据《中华人民共和国行政许可法》第三十八条第一款的规定，本机关"
                                  "决定准予行政许可。")]
        if opinion:
            paragraphs.append(_("审查意见：%(o)s") % {"o": opinion})
        closing = (_("办理结果将依法送达。您可以在通办政务服务平台“我的办件”和“我的证照”中查看。"), REMEDY)
    else:
        raise ValueError(f"unknown case document kind {kind!r}")
    number = document_number(kind=kind, department_name=record.department_name, case_number=record.case_number,
                             issued_on=issued_on, round_=round_)
    return DocumentText(
        kind=kind, title=title, number=number, department_name=record.department_name,
        addressee=record.applicant_name, case_number=record.case_number, item_name=record.item_name,
        applicant_label=f"{record.applicant_name}（{record.applicant_kind_label}）", paragraphs=tuple(paragraphs),
        items=items, closing=closing, issued_on=issued_on)


@dataclass(frozen=True)
class RenderedDocument:
    """The unsealed PDF and where its seal goes: over the signature block (落款), ``page`` 0-based, ``box`` in
    points from the lower left (what :func:`tongban.licenses.signing.pdf_seal` takes)."""

    data: bytes
    page: int
    box: tuple[int, int, int, int]


PAGE_HEIGHT_MM = 297.0
SEAL_MM = 42.0
MARGIN_MM = 18.0
BOTTOM_MM = 20.0


def _points(mm: float) -> int:
    return round(mm * 72 / 25.4)


def _seal_box(page: int, top: float, bottom: float, width: float) -> tuple[int, tuple[int, int, int, int]]:
    """A 42 mm box centred on the signature block (right-aligned, so its right part), kept on the page."""
    radius = SEAL_MM / 2
    centre_y = min(max((top + bottom) / 2, MARGIN_MM + radius), PAGE_HEIGHT_MM - BOTTOM_MM - radius)
    centre_x = MARGIN_MM + width - radius - 4
    x1, x2 = centre_x - radius, centre_x + radius
    y1, y2 = PAGE_HEIGHT_MM - centre_y - radius, PAGE_HEIGHT_MM - centre_y + radius
    return page - 1, (_points(x1), _points(y1), _points(x2), _points(y2))


def document_pdf(text: DocumentText) -> RenderedDocument:
    """The unsealed PDF of one document (raises :class:`tongban.core.pdf.PdfUnavailable` without the CJK font)."""
    issued = datetime(text.issued_on.year, text.issued_on.month, text.issued_on.day,
                      tzinfo=timezone.get_current_timezone())
    doc = Document(title=f"{text.title} {text.number}", subject=_("通办政务服务平台 · 办件文书"), created_at=issued,
                   author=text.department_name or "通办政务服务平台",
                   footer=_("%(d)s · %(t)s · 办件编号 %(n)s") % {
                       "d": text.department_name, "t": text.title, "n": text.case_number})
    doc.heading(text.department_name, size=16)
    doc.heading(text.title, size=20)
    doc.heading(text.number, size=11)
    doc.paragraph(f"{text.addressee}：", size=11.5)
    for paragraph in text.paragraphs:
        doc.paragraph(paragraph, size=11.5)
    for item in text.items:
        doc.paragraph(item, size=11.5)
    for line in text.closing:
        doc.paragraph(line, size=11.5)
    doc.subheading(_("办件信息"))
    doc.rows([(_("办件编号"), text.case_number), (_("申请事项"), text.item_name), (_("申请人"), text.applicant_label)])
    doc.paragraph("")
    doc.paragraph("")
    page, top = doc.cursor
    doc.paragraph(text.department_name, size=11.5, align="R")
    doc.paragraph(_day(text.issued_on), size=11.5, align="R")
    end_page, bottom = doc.cursor
    if end_page != page:  # the block broke across pages: seal its second part
        page, top = end_page, MARGIN_MM
    seal_page, box = _seal_box(page, top, bottom, doc.width)
    return RenderedDocument(data=doc.output(), page=seal_page, box=box)
