"""Sealing PDFs (PAdES with pyHanko) and verifying them with pyHanko and with poppler's pdfsig: a sealed PDF is
valid, trusted and intact; one changed byte makes it fail in both; the timestamp simulator's token validates;
only active seals sign; every use is logged."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from tests.licenses.test_seals import active_seal, seal_world
from tests.licenses.validators import PDFSIG, nss_trusting, pdfsig
from tongban.core.errors import Conflict
from tongban.core.pdf import Document
from tongban.licenses import pki
from tongban.licenses.models import SealKind, SealUsage
from tongban.licenses.services.seals import seal_transition
from tongban.licenses.signing import pdf_seal, pdf_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def document() -> bytes:
    doc = Document(title="准予行政许可决定书")
    doc.heading("准予行政许可决定书")
    doc.paragraph("经审查，你单位提出的申请符合法定条件、标准，决定准予行政许可。")
    return doc.output()


@pytest.fixture
def world(regions: dict[str, Any], settings: Any) -> Any:
    settings.TSA = "simulator"
    world = seal_world(regions)
    world.seal = active_seal(world.county, kind=SealKind.LICENSE)
    return world


def _seal(world: Any, pdf: bytes, **kwargs: Any) -> Any:
    options = {"reference": "1.2.156.3005.2.test", "purpose": "license", "reason": "电子证照签发",
               "actor_label": "证照系统", **kwargs}
    return pdf_seal(department_id=world.county.pk, pdf=pdf, **options)


def _changed_inside_signed_range(data: bytes) -> bytes:
    """The sealed file with one byte changed inside the first content stream (covered by the signature)."""
    at = data.index(b"stream\n") + 20
    changed = bytearray(data)
    changed[at] ^= 0x01
    return bytes(changed)


def test_sealed_pdf_is_valid_trusted_intact_and_timestamped(world: Any, document: bytes) -> None:
    sealed = _seal(world, document)
    assert sealed.seal_id == world.seal.pk and sealed.seal_name == world.seal.name
    assert sealed.sha256 == hashlib.sha256(sealed.data).hexdigest() and sealed.data.startswith(document)
    report = pdf_verify(pdf=sealed.data)
    assert report.valid and report.intact and report.trusted and report.timestamped, report.problems
    assert report.problems == [] and report.signer == world.seal.name
    assert report.signed_at is not None and abs(report.signed_at - datetime.now(UTC)) < timedelta(minutes=5)


def test_usage_is_logged_per_seal(world: Any, document: bytes) -> None:
    sealed = _seal(world, document, reference="文书-001", purpose="document", actor_label="张三（窗口）")
    [usage] = SealUsage.objects.filter(seal=world.seal)
    assert (usage.purpose, usage.reference, usage.document_sha256, usage.actor_label) == (
        "document", "文书-001", sealed.sha256, "张三（窗口）")


def test_without_a_timestamp_authority_the_seal_still_validates(world: Any, document: bytes, settings: Any) -> None:
    settings.TSA = "none"
    report = pdf_verify(pdf=_seal(world, document).data)
    assert report.valid and not report.timestamped


def test_one_changed_byte_fails_verification(world: Any, document: bytes) -> None:
    changed = _changed_inside_signed_range(_seal(world, document).data)
    report = pdf_verify(pdf=changed)
    assert not report.valid and not report.intact
    assert report.problems


def test_bytes_appended_after_sealing_are_noticed(world: Any, document: bytes) -> None:
    sealed = _seal(world, document).data
    writer = IncrementalPdfFileWriter(io.BytesIO(sealed))
    writer.set_info(None)
    page_ref, _res = writer.find_page_for_modification(0)
    from pyhanko.pdf_utils.generic import ArrayObject, FloatObject

    page = page_ref.get_object()
    page["/MediaBox"] = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(300), FloatObject(300)])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    report = pdf_verify(pdf=out.getvalue())
    assert not report.valid and not report.intact


@pytest.mark.parametrize("data", [b"", b"not a pdf at all", b"%PDF-1.7\n%%EOF\n"])
def test_garbage_fails_with_a_message(data: bytes) -> None:
    report = pdf_verify(pdf=data)
    assert not report.valid and report.problems


def test_unsigned_pdf_is_not_valid(document: bytes) -> None:
    report = pdf_verify(pdf=document)
    assert not report.valid and report.problems == ["文件中没有电子签章。"]


def test_a_signature_from_outside_the_platform_is_not_trusted(world: Any, document: bytes) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "伪造印章")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(key, hashes.SHA256()))
    signer = signers.SimpleSigner(signing_cert=pki.as_asn1(cert), signing_key=pki.key_as_asn1(key),
                                  cert_registry=SimpleCertificateStore())
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(document)),
                           signers.PdfSignatureMetadata(field_name="Forged", subfilter=fields.SigSeedSubFilter.PADES),
                           signer=signer)
    report = pdf_verify(pdf=out.getvalue())
    assert not report.valid and report.intact and not report.trusted and report.signer == "伪造印章"


def test_a_second_seal_on_a_sealed_pdf_keeps_both_valid(world: Any, document: bytes) -> None:
    other = active_seal(world.county, kind=SealKind.OFFICIAL)
    first = _seal(world, document, kinds=(SealKind.LICENSE,))
    second = _seal(world, first.data, kinds=(SealKind.OFFICIAL,))
    assert second.seal_id == other.pk
    report = pdf_verify(pdf=second.data)
    assert report.valid and report.signer == other.name


def test_kind_preference_and_missing_kind(world: Any, document: bytes) -> None:
    official = active_seal(world.county, kind=SealKind.OFFICIAL)
    assert _seal(world, document, kinds=(SealKind.APPROVAL, SealKind.OFFICIAL)).seal_id == official.pk
    assert _seal(world, document, kinds=(SealKind.LICENSE, SealKind.OFFICIAL)).seal_id == world.seal.pk
    with pytest.raises(Conflict) as info:
        _seal(world, document, kinds=(SealKind.APPROVAL,))
    assert info.value.code == "seal_unavailable" and "行政审批专用章" in info.value.message


def test_a_suspended_or_revoked_seal_cannot_sign(world: Any, document: bytes) -> None:
    seal_transition(user=world.admin, seal_id=world.seal.pk, transition="suspend", reason="暂停使用")
    with pytest.raises(Conflict) as info:
        _seal(world, document)
    assert info.value.code == "seal_unavailable"
    seal_transition(user=world.admin, seal_id=world.seal.pk, transition="revoke", reason="注销")
    with pytest.raises(Conflict):
        _seal(world, document)
    assert not SealUsage.objects.exists()


def test_a_department_without_seal_cannot_sign(regions: dict[str, Any], document: bytes) -> None:
    world = seal_world(regions)
    with pytest.raises(Conflict) as info:
        pdf_seal(department_id=world.other.pk, pdf=document, reference="x", purpose="license", reason="签发")
    assert info.value.code == "seal_unavailable" and info.value.http_status == 409


@pytest.mark.skipif(PDFSIG is None, reason="poppler's pdfsig is not installed (CI installs poppler-utils)")
def test_pdfsig_validates_the_seal_and_rejects_a_changed_byte(world: Any, document: bytes, tmp_path: Path) -> None:
    sealed = _seal(world, document).data
    nss = nss_trusting(world.seal.authority.certificate_pem, tmp_path)
    good, bad = tmp_path / "sealed.pdf", tmp_path / "changed.pdf"
    good.write_bytes(sealed)
    bad.write_bytes(_changed_inside_signed_range(sealed))
    out = pdfsig(good, nss)
    assert "Signature is Valid" in out and world.seal.name in out and "ETSI.CAdES.detached" in out
    if nss is not None:
        assert "Certificate is Trusted" in out
    else:  # without certutil the root cannot be trusted in NSS; the signature itself must still be valid
        assert "Certificate issuer" in out
    changed = pdfsig(bad, nss)
    assert "Signature is Valid" not in changed
    assert "Digest Mismatch" in changed or "Signature is Invalid" in changed
