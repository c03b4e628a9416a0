"""The platform's certificate hierarchy (平台数字证书体系): one root CA, the department seal certificates it signs,
and the certificate of the local timestamp simulator.

* Root CA (根证书): self-signed RSA-3072, 20 years, ``basicConstraints CA:TRUE, pathlen 0``, ``keyCertSign`` and
  ``cRLSign``. Created by ``manage.py licenses_setup`` or on first need; its private key is stored encrypted
  (:class:`~tongban.core.fields.EncryptedTextField`, i.e. under ``TONGBAN_DATA_KEYS``). A new root can be created
  beside an old one (:func:`ca_create`); every root stays trusted for what it signed.
* Seal certificates (印章证书): RSA-3072, 5 years (never beyond the root), subject ``CN`` = seal name, ``O`` =
  department name, ``organizationIdentifier`` = ``NTRCN-`` + the department's credit code (ETSI EN 319 412-1
  semantics), ``C=CN``; ``keyUsage digitalSignature, nonRepudiation`` (critical).
* Timestamp simulator (本地时间戳模拟器): RSA-2048, ``extendedKeyUsage timeStamping`` (critical), made in memory per
  process and per root; its tokens embed it, so they verify against the root alone.

RSA rather than ECDSA: poppler's ``pdfsig`` (NSS) and pyHanko both verify it, and pyHanko's local timestamper
signs with RSA only. Certificates are made with ``cryptography``; :func:`as_asn1` converts them for pyHanko.
Serial numbers are random 159-bit integers (RFC 5280 allows up to 20 octets; unpredictable serials are the CA/B
Forum rule), so no counter row is locked when a seal is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.db import transaction
from django.utils import timezone

from tongban.licenses.models import CertificateAuthority

ROOT_NAME = "通办政务服务平台根证书"
PLATFORM_ORG = "通办政务服务平台"
ROOT_KEY_BITS = 3072
SEAL_KEY_BITS = 3072
TSA_KEY_BITS = 2048
ROOT_YEARS = 20
SEAL_YEARS = 5
BACKDATE = timedelta(minutes=5)  # clocks of validators drift; a certificate valid "from now" may look not yet valid


@dataclass(frozen=True)
class IssuedCertificate:
    """A certificate just issued, with its private key (PEM, unencrypted: store it in an encrypted field)."""

    certificate_pem: str
    private_key_pem: str
    serial_hex: str
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class CertificateSummary:
    """What a page shows about a certificate."""

    subject: str
    issuer: str
    serial_hex: str
    fingerprint_sha256: str
    not_before: datetime
    not_after: datetime
    key: str


def _new_key(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _key_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def load_certificate(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("platform certificates use RSA keys")
    return key


def as_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    """The certificate as pyHanko (asn1crypto) takes it."""
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def key_as_asn1(key: rsa.RSAPrivateKey) -> asn1_keys.PrivateKeyInfo:
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return asn1_keys.PrivateKeyInfo.load(der)


def _issued(cert: x509.Certificate, key: rsa.RSAPrivateKey) -> IssuedCertificate:
    return IssuedCertificate(certificate_pem=_cert_pem(cert), private_key_pem=_key_pem(key),
                             serial_hex=format(cert.serial_number, "x"), fingerprint_sha256=fingerprint(cert),
                             not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc)


def _serial() -> int:
    return x509.random_serial_number() >> 1  # 159 bits: positive and at most 20 octets in DER


# ------------------------------------------------------------------ root CA


def root_certificate_make(*, name: str = ROOT_NAME, now: datetime | None = None) -> IssuedCertificate:
    """A new self-signed root (not stored)."""
    now = (now or timezone.now()).astimezone(UTC)
    key = _new_key(ROOT_KEY_BITS)
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, PLATFORM_ORG),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
    ])
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(public).serial_number(_serial())
        .not_valid_before(now - BACKDATE).not_valid_after(now.replace(year=now.year + ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _issued(cert, key)


def ca_create(*, name: str = ROOT_NAME) -> CertificateAuthority:
    """Create a new root and make it the active one (older roots stay, inactive but trusted)."""
    issued = root_certificate_make(name=name)
    with transaction.atomic():
        CertificateAuthority.objects.filter(active=True).update(active=False)
        return CertificateAuthority.objects.create(
            name=name, certificate_pem=issued.certificate_pem, private_key_pem=issued.private_key_pem,
            fingerprint_sha256=issued.fingerprint_sha256, not_before=issued.not_before,
            not_after=issued.not_after, active=True)


def ca_active() -> CertificateAuthority | None:
    return CertificateAuthority.objects.filter(active=True).order_by("pk").first()


def ca_ensure() -> CertificateAuthority:
    """The active root, created if there is none (idempotent)."""
    ca = ca_active()
    if ca is not None:
        return ca
    return ca_create()


def trust_roots_pem() -> list[str]:
    """Every platform root, active or not, as PEM: what validators trust."""
    return list(CertificateAuthority.objects.order_by("pk").values_list("certificate_pem", flat=True))


@lru_cache(maxsize=32)
def _asn1_from_pem(pem: str) -> asn1_x509.Certificate:
    return as_asn1(load_certificate(pem))


def trust_roots() -> list[asn1_x509.Certificate]:
    return [_asn1_from_pem(pem) for pem in trust_roots_pem()]


# ------------------------------------------------------------------ seal certificates


def _not_after(ca_cert: x509.Certificate, start: datetime, years: int) -> datetime:
    wanted = start.replace(year=start.year + years) if not (start.month == 2 and start.day == 29) \
        else start.replace(year=start.year + years, day=28)
    return min(wanted, ca_cert.not_valid_after_utc)


def seal_certificate_issue(*, ca: CertificateAuthority, seal_name: str, department_name: str, credit_code: str,
                           now: datetime | None = None) -> IssuedCertificate:
    """A department seal certificate signed by ``ca`` (not stored: the seal service keeps it on the seal row)."""
    now = (now or timezone.now()).astimezone(UTC)
    ca_cert = load_certificate(ca.certificate_pem)
    ca_key = load_private_key(ca.private_key_pem)
    key = _new_key(SEAL_KEY_BITS)
    public = key.public_key()
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, department_name[:64]),
        x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRCN-{credit_code}"),
        x509.NameAttribute(NameOID.COMMON_NAME, seal_name[:64]),
    ])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(ca_cert.subject).public_key(public).serial_number(_serial())
        .not_valid_before(now - BACKDATE).not_valid_after(_not_after(ca_cert, now, SEAL_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return _issued(cert, key)


# ------------------------------------------------------------------ timestamp simulator certificate


@dataclass(frozen=True)
class TsaIdentity:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    root: x509.Certificate


@lru_cache(maxsize=4)
def _tsa_identity(ca_pk: int, ca_fingerprint: str) -> TsaIdentity:
    ca = CertificateAuthority.objects.get(pk=ca_pk)
    ca_cert = load_certificate(ca.certificate_pem)
    ca_key = load_private_key(ca.private_key_pem)
    now = timezone.now().astimezone(UTC)
    key = _new_key(TSA_KEY_BITS)
    public = key.public_key()
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, PLATFORM_ORG),
        x509.NameAttribute(NameOID.COMMON_NAME, "本地时间戳模拟器（仅供开发和演示）"),
    ])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(ca_cert.subject).public_key(public).serial_number(_serial())
        .not_valid_before(now - BACKDATE).not_valid_after(min(now + timedelta(days=3650), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return TsaIdentity(certificate=cert, key=key, root=ca_cert)


def tsa_simulator_identity() -> TsaIdentity:
    """The timestamp simulator's certificate and key under the active root (made once per process and root)."""
    ca = ca_ensure()
    return _tsa_identity(ca.pk, ca.fingerprint_sha256)


# ------------------------------------------------------------------ display


def _name_text(name: x509.Name) -> str:
    parts = []
    for attr in name:
        label = {NameOID.COMMON_NAME: "CN", NameOID.ORGANIZATION_NAME: "O", NameOID.COUNTRY_NAME: "C",
                 NameOID.ORGANIZATION_IDENTIFIER: "organizationIdentifier"}.get(attr.oid, attr.oid.dotted_string)
        parts.append(f"{label}={attr.value!s}")
    return ", ".join(parts)


def certificate_summary(pem: str) -> CertificateSummary:
    cert = load_certificate(pem)
    public = cert.public_key()
    key = f"RSA-{public.key_size}" if isinstance(public, rsa.RSAPublicKey) else type(public).__name__
    return CertificateSummary(subject=_name_text(cert.subject), issuer=_name_text(cert.issuer),
                              serial_hex=format(cert.serial_number, "x"), fingerprint_sha256=fingerprint(cert),
                              not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc, key=key)


def common_name(cert: asn1_x509.Certificate) -> str:
    """The subject CN of a pyHanko (asn1crypto) certificate, or its full subject."""
    native = cert.subject.native
    return str(native.get("common_name") or cert.subject.human_friendly)
