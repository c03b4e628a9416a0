"""The platform CA hierarchy (root → seal certificates, root → timestamp simulator), keys encrypted at rest, the
seal image, and manage.py licenses_setup."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.core.management import call_command
from django.db import connection
from PIL import Image

from tests.licenses.test_seals import active_seal, seal_world
from tongban.licenses import pki
from tongban.licenses.models import CertificateAuthority, SigningKey
from tongban.licenses.seal_image import seal_image_png

pytestmark = pytest.mark.django_db


def _raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 - fixed names
        return [row[0] for row in cursor.fetchall()]


def test_root_is_a_self_signed_ca_created_once() -> None:
    ca = pki.ca_ensure()
    assert pki.ca_ensure().pk == ca.pk and CertificateAuthority.objects.count() == 1
    cert = pki.load_certificate(ca.certificate_pem)
    cert.verify_directly_issued_by(cert)
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length == 0
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert cert.public_key().key_size >= 3072  # type: ignore[union-attr]
    assert ca.fingerprint_sha256 == pki.fingerprint(cert)
    assert cert.not_valid_after_utc - cert.not_valid_before_utc > timedelta(days=365 * 19)


def test_private_keys_are_encrypted_at_rest(regions: dict[str, Any]) -> None:
    world = seal_world(regions)
    seal = active_seal(world.county)
    assert "PRIVATE KEY" in seal.private_key_pem  # decrypted on read
    for table, plain in (("licenses_certificateauthority", seal.authority.private_key_pem),
                         ("licenses_seal", seal.private_key_pem)):
        [stored, *_rest] = _raw(table, "private_key_pem")
        # Neither the PEM armour nor any line of the key's base64 body is stored ("MII…" may occur by chance).
        body = [line for line in plain.splitlines() if len(line) >= 32 and not line.startswith("-----")]
        assert stored and "PRIVATE KEY" not in stored and not any(line in stored for line in body)


def test_seal_certificate_chains_to_the_root(regions: dict[str, Any]) -> None:
    world = seal_world(regions)
    seal = active_seal(world.county)
    root = pki.load_certificate(seal.authority.certificate_pem)
    cert = pki.load_certificate(seal.certificate_pem)
    cert.verify_directly_issued_by(root)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_cert_sign
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert (cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
            == root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.key_identifier)
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert timedelta(days=365 * 5) <= lifetime <= timedelta(days=365 * 5 + 2)
    assert seal.not_after == cert.not_valid_after_utc


def test_a_new_root_becomes_active_and_the_old_one_stays_trusted() -> None:
    old = pki.ca_ensure()
    new = pki.ca_create()
    assert pki.ca_active().pk == new.pk  # type: ignore[union-attr]
    assert not CertificateAuthority.objects.get(pk=old.pk).active
    assert pki.trust_roots_pem() == [old.certificate_pem, new.certificate_pem]


def test_timestamp_simulator_certificate_is_for_timestamping_only() -> None:
    identity = pki.tsa_simulator_identity()
    identity.certificate.verify_directly_issued_by(identity.root)
    eku = identity.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]
    assert pki.tsa_simulator_identity() is identity  # made once per process and root


def test_seal_image_is_a_transparent_red_round_seal_and_deterministic() -> None:
    data = seal_image_png(department_name="石林彝族自治县市场监督管理局", kind_text="证照专用章")
    assert data == seal_image_png(department_name="石林彝族自治县市场监督管理局", kind_text="证照专用章")
    assert data != seal_image_png(department_name="曲靖市市场监督管理局", kind_text="证照专用章")
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "RGBA" and image.width == image.height
    assert image.getpixel((2, 2))[3] == 0  # transparent corner
    centre = image.getpixel((image.width // 2, image.height // 2 - 4))  # the star
    assert centre[3] == 255 and centre[0] > 180 and centre[1] < 40 and centre[2] < 60
    assert image.getpixel((image.width // 2, 11))[3] == 255  # the ring
    assert not image.info.get("dpi") and "Creation Time" not in image.info


def test_licenses_setup_is_idempotent(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("licenses_setup")
    call_command("licenses_setup")
    assert CertificateAuthority.objects.count() == 1
    assert sorted(SigningKey.objects.values_list("purpose", flat=True)) == ["archive", "qr"]
    out = capsys.readouterr().out
    assert "根证书已创建" in out and "根证书已有" in out
    call_command("licenses_setup", "--rotate-key", "qr", "--new-root")
    assert CertificateAuthority.objects.count() == 2 and CertificateAuthority.objects.filter(active=True).count() == 1
    assert SigningKey.objects.filter(purpose="qr").count() == 2
    assert SigningKey.objects.filter(purpose="qr", active=True).count() == 1
