"""The licence PDF (电子证照版式文件) drawn from the type's layout, before it is sealed.

Title and subtitle of the layout, the surface fields in layout order, the holder, the issuing department, the
identifier, validity and issue date, and a QR code (segno) of the public verification page ``/verify/<identifier>/``
(absolute when the platform's public address is known: ``TONGBAN_PUBLIC_URL``, else ``TONGBAN_OIDC_ISSUER``'s
origin or the first ``TONGBAN_CSRF_TRUSTED_ORIGINS`` entry). Chinese text through :class:`tongban.core.pdf.Document` (Noto Sans CJK).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote, urlsplit

import segno
from django.conf import settings

from tongban.core.pdf import Document
from tongban.licenses.models.codes import HolderKind

QR_WIDTH_MM = 34.0


@dataclass(frozen=True)
class LicenseSurface:
    """What is printed on a licence."""

    identifier: str
    type_name: str
    layout: dict[str, Any]
    fields: list[dict[str, Any]]
    data: dict[str, str]
    holder_kind: str
    holder_name: str
    holder_number: str
    issuer_name: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    version: int = 1


def public_origin() -> str:
    """The platform's public origin (``https://host``), or "" when it is not configured."""
    for candidate in (getattr(settings, "PUBLIC_URL", ""), getattr(settings, "OIDC_ISSUER", ""),
                      *getattr(settings, "CSRF_TRUSTED_ORIGINS", [])):
        parts = urlsplit(str(candidate or ""))
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}"
    return ""


def verification_path(identifier: str) -> str:
    return f"/verify/{quote(identifier, safe='')}/"


def verification_url(identifier: str) -> str:
    """The public verification page of a licence (absolute when the public origin is known)."""
    return public_origin() + verification_path(identifier)


def qr_png(text: str, *, scale: int = 4) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m", micro=False).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def license_render(surface: LicenseSurface) -> bytes:
    """The unsigned PDF of one licence version."""
    layout = surface.layout or {}
    title = str(layout.get("title") or surface.type_name)
    doc = Document(title=title, subject=f"{surface.type_name} {surface.identifier}",
                   author=surface.issuer_name or "通办政务服务平台",
                   footer=f"{surface.type_name} · {surface.identifier}")
    doc.heading(title, size=20)
    if layout.get("subtitle"):
        doc.paragraph(str(layout["subtitle"]), size=10.5, muted=True)
    labels = {str(f["name"]): str(f.get("label") or f["name"]) for f in surface.fields}
    order = [n for n in layout.get("rows", []) if n in labels] or list(labels)
    order += [n for n in labels if n not in order]
    doc.subheading("照面信息")
    doc.rows([(labels[name], surface.data.get(name, "")) for name in order])
    if layout.get("note"):
        doc.paragraph(str(layout["note"]))
    doc.subheading("证照信息")
    holder_label = "持证人" if surface.holder_kind == HolderKind.PERSON else "持证单位"
    number_label = "身份证件号码" if surface.holder_kind == HolderKind.PERSON else "统一社会信用代码"
    doc.rows([
        (holder_label, surface.holder_name),
        (number_label, surface.holder_number),
        ("颁发机构", surface.issuer_name),
        ("证照标识", surface.identifier),
        ("版本", f"{surface.version:03d}"),
        ("有效期", f"{surface.valid_from.isoformat()} 至 "
                  f"{surface.valid_until.isoformat() if surface.valid_until else '长期'}"),
        ("发证日期", surface.issued_on.isoformat()),
    ])
    url = verification_url(surface.identifier)
    doc.image(qr_png(url), width=QR_WIDTH_MM)
    doc.paragraph("扫描二维码或访问以下地址核验本证照的真实性和状态：", size=9, muted=True)
    doc.paragraph(url, size=8, muted=True)
    doc.paragraph("本电子证照经颁发机构电子印章签章，与纸质证照具有同等法律效力。证照状态以核验结果为准。", size=9,
                  muted=True)
    return doc.output()
