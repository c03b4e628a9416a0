"""Platform signing keys (Ed25519): created on first use, private keys encrypted, sign/verify per purpose, rotation
keeps old keys verifying, and the public JWK set at /licenses/keys/."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection
from django.test import Client

from tongban.core.models import AuditEvent
from tongban.licenses.keys import (
    platform_sign,
    platform_verify,
    published_keys,
    signing_key_ensure,
    signing_key_rotate,
)
from tongban.licenses.models import SigningKey

pytestmark = pytest.mark.django_db


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_sign_and_verify_per_purpose() -> None:
    assert not SigningKey.objects.exists()
    kid, signature = platform_sign(purpose="qr", payload=b"token-1")
    assert len(signature) == 64 and kid.startswith("qr-")
    assert SigningKey.objects.filter(purpose="qr", active=True).count() == 1
    assert platform_verify(purpose="qr", kid=kid, payload=b"token-1", signature=signature)
    assert not platform_verify(purpose="qr", kid=kid, payload=b"token-2", signature=signature)
    assert not platform_verify(purpose="qr", kid=kid, payload=b"token-1", signature=bytes(64))
    assert not platform_verify(purpose="qr", kid="qr-unknown", payload=b"token-1", signature=signature)
    assert not platform_verify(purpose="archive", kid=kid, payload=b"token-1", signature=signature)
    assert platform_sign(purpose="qr", payload=b"x")[0] == kid  # the same key, not a new one each time
    assert signing_key_ensure(purpose="archive") != kid
    assert AuditEvent.objects.filter(action="licenses.signing_key.create").count() == 2


def test_unknown_purpose_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        platform_sign(purpose="mail", payload=b"x")


def test_private_key_is_encrypted_at_rest() -> None:
    signing_key_ensure(purpose="qr")
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key_pem, public_key_pem FROM licenses_signingkey")
        private, public = cursor.fetchone()
    assert "PRIVATE KEY" not in private and "PUBLIC KEY" in public
    assert "PRIVATE KEY" in SigningKey.objects.get().private_key_pem


def test_rotation_keeps_old_signatures_verifying_and_published() -> None:
    old_kid, old_sig = platform_sign(purpose="archive", payload=b"manifest")
    new_kid = signing_key_rotate(purpose="archive")
    assert new_kid != old_kid
    assert platform_sign(purpose="archive", payload=b"manifest")[0] == new_kid
    assert platform_verify(purpose="archive", kid=old_kid, payload=b"manifest", signature=old_sig)
    keys = {k["kid"]: k for k in published_keys()}
    assert keys[new_kid]["status"] == "active" and keys[old_kid]["status"] == "retired"


def test_published_keys_are_jwks_that_verify_offline() -> None:
    kid, signature = platform_sign(purpose="qr", payload=b"offline")
    [jwk] = published_keys()
    assert {k: jwk[k] for k in ("kty", "crv", "kid", "use", "purpose")} == {
        "kty": "OKP", "crv": "Ed25519", "kid": kid, "use": "sig", "purpose": "qr"}
    Ed25519PublicKey.from_public_bytes(_unb64url(jwk["x"])).verify(signature, b"offline")  # raises if wrong
    assert "d" not in jwk


def test_keys_endpoint_is_public_json_with_cache_headers() -> None:
    signing_key_ensure(purpose="qr")
    signing_key_ensure(purpose="archive")
    response = Client().get("/licenses/keys/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    body = response.json()
    assert sorted(k["purpose"] for k in body["keys"]) == ["archive", "qr"]
    assert all(set(k) >= {"kty", "crv", "x", "kid", "use", "purpose"} for k in body["keys"])
    assert Client().post("/licenses/keys/").status_code == 405
