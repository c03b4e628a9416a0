"""The copy of a licence given to the party that uses it (用证副本, trust level A of 国办函〔2016〕108号): only the
fields the holder granted, a diagonal watermark "此件由{holder}提供，仅供办理政务服务事项时使用" with the consent's
validity date, sealed (PAdES) with the issuing department's seal — SealUsage purpose "copy"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.pdf import Document

if TYPE_CHECKING:
    from tongban.licenses.signing import SealedPdf


@dataclass(frozen=True)
class CopyField:
    label: str
    value: str


@dataclass(frozen=True)
class CopyContent:
    reference: str  # the seal log's reference: "<identifier>#use-<use id>"
    title: str
    identifier: str
    issuer_name: str
    issuer_department_id: int
    holder_name: str
    issued_on: date
    valid_until: date | None
    fields: list[CopyField]
    consent_valid_until: date
    user_label: str
    purpose: str


def _day(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else _("长期")


def watermark_lines(*, holder_name: str, consent_valid_until: date) -> list[str]:
    return [_("此件由%(h)s提供，仅供办理政务服务事项时使用") % {"h": holder_name},
            _("有效期至%(d)s") % {"d": _day(consent_valid_until)}]


def license_copy_pdf(*, content: CopyContent, made_at: datetime | None = None) -> bytes:
    """The unsealed copy (A4, the granted fields, the watermark on every page)."""
    made = made_at or timezone.now()
    doc = Document(title=_("%(t)s（用证副本）") % {"t": content.title}, subject=_("电子证照用证副本"),
                   created_at=made, footer=_("证照标识 %(i)s") % {"i": content.identifier})
    doc.watermark(watermark_lines(holder_name=content.holder_name, consent_valid_until=content.consent_valid_until))
    doc.heading(content.title)
    doc.paragraph(_("电子证照用证副本 · 仅含持证人授权使用的信息"), muted=True)
    doc.subheading(_("照面信息"))
    doc.rows([(f.label, f.value) for f in content.fields])
    doc.subheading(_("证照信息"))
    doc.rows([
        (_("证照标识"), content.identifier),
        (_("颁发机构"), content.issuer_name),
        (_("发证日期"), _day(content.issued_on)),
        (_("有效期至"), _day(content.valid_until)),
    ])
    doc.subheading(_("用证信息"))
    doc.rows([
        (_("用证方"), content.user_label),
        (_("用证事由"), content.purpose),
        (_("授权有效期至"), _day(content.consent_valid_until)),
        (_("出具时间"), timezone.localtime(made).strftime("%Y-%m-%d %H:%M")),
    ])
    doc.paragraph(watermark_lines(holder_name=content.holder_name,
                                  consent_valid_until=content.consent_valid_until)[0] + "。", muted=True)
    return doc.output()


def license_copy_sealed(*, content: CopyContent) -> SealedPdf:
    """The copy signed with the issuing department's active seal (licence seal preferred)."""
    from tongban.licenses.signing import pdf_seal

    return pdf_seal(department_id=content.issuer_department_id, pdf=license_copy_pdf(content=content),
                    reference=content.reference[:120], purpose="copy", reason=_("电子证照用证副本"),
                    actor_label=content.user_label[:200], kinds=("license", "official"))
