"""Platform signing keys (平台签名密钥): Ed25519 keys, one active per purpose (``qr`` for 亮证 tokens, ``archive`` for
archive manifests), created on first use or by ``manage.py licenses_setup``. Private keys are stored encrypted
(EncryptedTextField, under TONGBAN_DATA_KEYS); public keys are published as JWKs at ``/licenses/keys/`` so a
token or a manifest verifies offline. Rotating a key (:func:`signing_key_rotate`) keeps the old one published and
verifying.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.db import transaction

from tongban.core.audit import SYSTEM, Target, audit_record
from tongban.licenses.models import SigningKey

__all__ = ["PURPOSES", "platform_sign", "platform_verify", "published_keys", "signing_key_ensure",
           "signing_key_rotate"]

PURPOSES = frozenset(SigningKey.Purpose.values)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _check(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown signing key purpose {purpose!r}")


def _create(purpose: str) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    public = private.public_key()
    kid = f"{purpose}-{hashlib.sha256(_raw_public(public)).hexdigest()[:16]}"
    row = SigningKey.objects.create(
        purpose=purpose, kid=kid, active=True,
        private_key_pem=private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()).decode(),
        public_key_pem=public.public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode())
    audit_record(action="licenses.signing_key.create", actor=SYSTEM,
                 target=Target(type="licenses.signingkey", id=kid, label=purpose))
    return row


def _active(purpose: str) -> SigningKey:
    _check(purpose)
    row = SigningKey.objects.filter(purpose=purpose, active=True).order_by("pk").first()
    if row is not None:
        return row
    with transaction.atomic():
        return _create(purpose)


def signing_key_ensure(*, purpose: str) -> str:
    """The kid of the active key for ``purpose``, created if there is none (idempotent)."""
    return _active(purpose).kid


def signing_key_rotate(*, purpose: str) -> str:
    """Make a new active key for ``purpose``; the old keys stay published and keep verifying. Returns the new kid."""
    _check(purpose)
    with transaction.atomic():
        SigningKey.objects.filter(purpose=purpose, active=True).update(active=False)
        return _create(purpose).kid


def platform_sign(*, purpose: str, payload: bytes) -> tuple[str, bytes]:
    """Sign ``payload`` with the active key of ``purpose``: ``(kid, 64-byte Ed25519 signature)``."""
    row = _active(purpose)
    private = serialization.load_pem_private_key(row.private_key_pem.encode(), password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise RuntimeError(f"signing key {row.kid} is not an Ed25519 key")
    return row.kid, private.sign(payload)


def _public(pem: str) -> Ed25519PublicKey | None:
    key = serialization.load_pem_public_key(pem.encode())
    return key if isinstance(key, Ed25519PublicKey) else None


def platform_verify(*, purpose: str, kid: str, payload: bytes, signature: bytes) -> bool:
    """Whether ``signature`` over ``payload`` was made by the platform key ``kid`` of ``purpose`` (active or
    retired). An unknown kid, a kid of another purpose or a bad signature is ``False``."""
    _check(purpose)
    pem = SigningKey.objects.filter(purpose=purpose, kid=kid).values_list("public_key_pem", flat=True).first()
    if pem is None:
        return False
    key = _public(pem)
    if key is None:
        return False
    try:
        key.verify(bytes(signature), payload)
    except InvalidSignature:
        return False
    return True


def published_keys() -> list[dict[str, str]]:
    """Every platform public key (active first, then retired, oldest first) as a JWK (RFC 8037: OKP / Ed25519)."""
    keys = []
    for row in SigningKey.objects.order_by("-active", "pk").only("kid", "purpose", "public_key_pem", "active"):
        key = _public(row.public_key_pem)
        if key is None:
            continue
        keys.append({"kty": "OKP", "crv": "Ed25519", "x": _b64url(_raw_public(key)), "kid": row.kid, "use": "sig",
                     "alg": "EdDSA", "purpose": row.purpose, "status": "active" if row.active else "retired"})
    return keys
