"""Sealing and verifying PDFs (电子签章与验章): PAdES signatures with pyHanko under the platform CA.

:func:`pdf_seal` signs a PDF with a department's active electronic seal: a PAdES (``ETSI.CAdES.detached``)
approval signature by an incremental update, the seal certificate and the platform root embedded so any
validator can build the chain, the seal image as the visible signature's appearance (bottom right of the last
page unless a box is given), an RFC 3161 timestamp from the configured timestamp authority (PAdES B-T) when there
is one, and a :class:`~tongban.licenses.models.SealUsage` row (用章记录). :func:`pdf_verify` validates every
signature of a PDF with pyHanko against the platform roots and says whether the file is intact, the signature
valid and the signer trusted.

The national legal format is OFD (GB/T 33190); a PAdES-signed PDF is its internationally verifiable stand-in
(``docs/adr/0019-electronic-seals-and-pades.md``): poppler's ``pdfsig`` and Adobe Reader check it too.
"""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from django.utils.translation import gettext as _
from PIL import Image
from pyhanko.pdf_utils import layout
from pyhanko.pdf_utils.generic import ArrayObject
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import StaticStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from tongban.core.errors import Conflict
from tongban.licenses import pki
from tongban.licenses.models import Seal, SealKind, SealStatus, SealUsage
from tongban.licenses.timestamps.registry import timestamper

__all__ = ["PdfVerification", "SealedPdf", "pdf_seal", "pdf_verify"]

logger = logging.getLogger(__name__)

SEAL_SIZE = 119.0  # points: 42 mm, the diameter of an official round seal
MARGIN_RIGHT = 56.0
MARGIN_BOTTOM = 72.0
PURPOSES = frozenset(SealUsage.Purpose.values)


@dataclass(frozen=True)
class SealedPdf:
    data: bytes
    sha256: str
    seal_id: int
    seal_name: str


@dataclass(frozen=True)
class PdfVerification:
    """The result of :func:`pdf_verify`. ``valid`` is the verdict: every signature intact, cryptographically valid
    and made by a certificate chaining to a platform root (with a valid timestamp where there is one)."""

    valid: bool
    intact: bool
    trusted: bool
    signer: str
    signed_at: datetime | None
    timestamped: bool
    problems: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ sealing


def _active_seal(*, department_id: int, kinds: tuple[str, ...]) -> Seal:
    seals = Seal.objects.select_related("department", "authority").filter(department_id=department_id, status=SealStatus.ACTIVE)
    if kinds:
        seals = seals.filter(kind__in=kinds)
    found = list(seals.order_by("pk"))
    if kinds:
        found.sort(key=lambda s: kinds.index(s.kind))
    if not found:
        wanted = "、".join(str(SealKind(k).label) for k in kinds if k in SealKind.values) if kinds else ""
        message = (_("本部门没有启用的%(kind)s，无法签章。请部门管理员在“电子印章”中制作并启用印章。")
                   % {"kind": wanted or _("电子印章")})
        raise Conflict(message, code="seal_unavailable")
    return found[0]


class _SealSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses the private key again for every signature (twice: size estimate and real
    signature); an RSA-3072 key costs ~0.3 s to parse and check. This one signs with a key parsed once."""

    def __init__(self, *, key: RSAPrivateKey, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._rsa_key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        return self._rsa_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


@lru_cache(maxsize=64)
def _signer_parts(seal_id: int, serial: str, certificate_pem: str, private_key_pem: str,
                  root_pem: str) -> tuple[RSAPrivateKey, object, object, object]:
    """The seal's parsed key and certificates, once per process (keyed by the certificate, which never changes
    for a seal)."""
    key = pki.load_private_key(private_key_pem)
    return key, pki.as_asn1(pki.load_certificate(certificate_pem)), pki.key_as_asn1(key), \
        pki.as_asn1(pki.load_certificate(root_pem))


def _signer(seal: Seal) -> signers.SimpleSigner:
    key, cert, key_info, root = _signer_parts(seal.pk, seal.certificate_serial, seal.certificate_pem,
                                              seal.private_key_pem, seal.authority.certificate_pem)
    return _SealSigner(key=key, signing_cert=cert, signing_key=key_info,
                       cert_registry=SimpleCertificateStore.from_certs([root]))


def _box(writer: IncrementalPdfFileWriter, page: int) -> tuple[int, int, int, int]:
    page_ref, _resources = writer.find_page_for_modification(page)
    page_obj = page_ref.get_object()
    box = page_obj.get("/CropBox") or page_obj.get("/MediaBox")
    if not isinstance(box, ArrayObject):
        box = ArrayObject([0, 0, 595, 842])  # A4
    _llx, lly, urx, _ury = (float(v) for v in box)
    x2 = urx - MARGIN_RIGHT
    y1 = lly + MARGIN_BOTTOM
    return round(x2 - SEAL_SIZE), round(y1), round(x2), round(y1 + SEAL_SIZE)


@lru_cache(maxsize=64)
def _seal_picture(seal_id: int, serial: str, png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def _style(seal: Seal) -> StaticStampStyle:
    image = _seal_picture(seal.pk, seal.certificate_serial, bytes(seal.image_png))
    return StaticStampStyle(
        background=PdfImage(image.copy()), background_opacity=1.0, border_width=0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID, y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0), inner_content_scaling=layout.InnerScaling.SHRINK_TO_FIT))


def pdf_seal(*, department_id: int, pdf: bytes, reference: str, purpose: str, reason: str, actor_label: str = "",
             kinds: tuple[str, ...] = (), box: tuple[int, int, int, int] | None = None,
             page: int = -1) -> SealedPdf:
    """Sign ``pdf`` with the department's active seal and log the use.

    ``kinds`` restricts the seal to those kinds, the first listed preferred; without it the department's oldest
    active seal signs. ``purpose`` is a :class:`SealUsage.Purpose` value, ``reference`` what was sealed (licence
    identifier, document number). ``box`` (points, lower-left x/y, upper-right x/y on ``page``) places the seal;
    by default bottom right of the last page. Raises ``Conflict(code="seal_unavailable")`` when no such seal is
    active. Runs in the caller's transaction (the usage row commits or rolls back with it).
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown seal purpose {purpose!r}")
    seal = _active_seal(department_id=department_id, kinds=tuple(kinds))
    signer = _signer(seal)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    field_name = f"Seal-{uuid.uuid4().hex[:12]}"
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason[:200] or None, location=seal.department.name[:100], name=seal.name)
    pdf_signer = signers.PdfSigner(
        meta, signer=signer, timestamper=timestamper(), stamp_style=_style(seal),
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name, on_page=page,
                                           box=box or _box(writer, page)))
    out = pdf_signer.sign_pdf(writer)
    data = out.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    SealUsage.objects.create(seal=seal, purpose=purpose, reference=reference[:120], document_sha256=digest,
                             actor_label=actor_label[:200])
    return SealedPdf(data=data, sha256=digest, seal_id=seal.pk, seal_name=seal.name)


# ------------------------------------------------------------------ verification


def _context() -> ValidationContext:
    return ValidationContext(trust_roots=pki.trust_roots(), allow_fetching=False, revocation_mode="soft-fail")


def _failed(message: str) -> PdfVerification:
    return PdfVerification(valid=False, intact=False, trusted=False, signer="", signed_at=None, timestamped=False,
                           problems=[message])


def pdf_verify(*, pdf: bytes) -> PdfVerification:
    """Validate every signature in ``pdf`` against the platform roots (no network: no OCSP or CRL fetching).

    The report describes the last signature (the seal a reader sees); ``valid``, ``intact`` and ``trusted`` hold
    only when they hold for every signature. ``problems`` lists, in Chinese, what is wrong.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        logger.info("pdf_verify: unreadable PDF: %s", exc)
        return _failed(_("文件无法解析，不是完整的PDF文件。"))
    if not embedded:
        return _failed(_("文件中没有电子签章。"))
    context = _context()
    intact = valid = trusted = True
    timestamped = False
    problems: list[str] = []
    signer = ""
    signed_at: datetime | None = None
    key_usage = KeyUsageConstraints(key_usage={"non_repudiation"}, match_all_key_usages=False)
    for sig in embedded:
        try:
            status = validate_pdf_signature(sig, signer_validation_context=context, key_usage_settings=key_usage)
        except Exception as exc:  # pyHanko raises many kinds on damaged signatures
            logger.info("pdf_verify: signature %s could not be validated: %s", sig.field_name, exc)
            intact = valid = trusted = False
            problems.append(_("签章数据已损坏，无法验证。"))
            continue
        signer = pki.common_name(status.signing_cert)
        ts = status.timestamp_validity
        signed_at = ts.timestamp if ts is not None else status.signer_reported_dt
        if not status.intact:
            intact = False
            problems.append(_("签章后文件内容被改动（摘要不符）。"))
        elif not status.valid:
            problems.append(_("签名值无效。"))
        if status.coverage is not None and status.coverage < SignatureCoverageLevel.ENTIRE_REVISION:
            intact = False
            problems.append(_("签章没有覆盖整个文件。"))
        elif status.docmdp_ok is False:
            intact = False
            problems.append(_("签章后文件被追加了不允许的修改。"))
        valid = valid and status.valid and status.intact
        if not status.trusted:
            trusted = False
            problems.append(_("签章证书不是由本平台根证书签发的，或已过期。"))
        if ts is not None:
            if ts.valid and ts.intact and ts.trusted:
                timestamped = True
            else:
                problems.append(_("时间戳无效或不可信。"))
                valid = False
        else:
            timestamped = False
    verdict = valid and intact and trusted and not problems
    return PdfVerification(valid=verdict, intact=intact, trusted=trusted, signer=signer, signed_at=signed_at,
                           timestamped=timestamped, problems=list(dict.fromkeys(problems)))
