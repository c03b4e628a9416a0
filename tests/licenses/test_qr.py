"""亮证 tokens: format, signature with the published key (offline), expiry, only valid licences, only the holder."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.utils import timezone

from tests.licenses.wallet_world import make_wallet_world
from tongban.core.errors import Conflict, NotFound
from tongban.licenses.keys import published_keys, signing_key_rotate
from tongban.licenses.models import LicenseStatus
from tongban.licenses.services import qr

pytestmark = pytest.mark.django_db


@pytest.fixture
def ww(regions: dict[str, Any]) -> SimpleNamespace:
    return make_wallet_world(regions)


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_token_is_compact_signed_json_that_verifies_offline_with_the_published_key(ww: SimpleNamespace) -> None:
    token = qr.qr_token_issue(user=ww.citizen, license_id=ww.licence.pk)
    body, signature = token.token.split(".")
    payload = json.loads(_unb64(body))
    assert payload["v"] == 1 and payload["lid"] == ww.licence.identifier
    assert payload["exp"] - payload["iat"] == 60 and len(payload["jti"]) >= 16
    assert token.path == f"/verify/t/{token.token}/"
    # Offline: only the JWK published at /licenses/keys/ is needed.
    jwk = next(k for k in published_keys() if k["kid"] == payload["kid"])
    assert jwk["purpose"] == "qr" and jwk["crv"] == "Ed25519"
    key = Ed25519PublicKey.from_public_bytes(_unb64(jwk["x"]))
    key.verify(_unb64(signature), body.encode("ascii"))  # raises when it does not verify
    assert qr.qr_token_decode(token.token).identifier == ww.licence.identifier


def test_tokens_differ_each_time(ww: SimpleNamespace) -> None:
    first = qr.qr_token_issue(user=ww.citizen, license_id=ww.licence.pk)
    second = qr.qr_token_issue(user=ww.citizen, license_id=ww.licence.pk)
    assert first.token != second.token


def test_expired_token_is_refused(ww: SimpleNamespace) -> None:
    token, _payload = qr.qr_token_make(identifier=ww.licence.identifier, now=timezone.now() - timedelta(seconds=61))
    with pytest.raises(qr.TokenError) as info:
        qr.qr_token_decode(token)
    assert info.value.code == "token_expired" and info.value.payload is not None


@pytest.mark.parametrize("tamper", ["payload", "signature", "garbage", "empty"])
def test_tampered_token_is_invalid(ww: SimpleNamespace, tamper: str) -> None:
    token = qr.qr_token_issue(user=ww.citizen, license_id=ww.licence.pk).token
    body, signature = token.split(".")
    if tamper == "payload":
        payload = json.loads(_unb64(body))
        payload["lid"] = ww.others_licence.identifier
        body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
        token = f"{body}.{signature}"
    elif tamper == "signature":
        token = f"{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BA'}"
    elif tamper == "garbage":
        token = "not-a-token"
    else:
        token = ""
    with pytest.raises(qr.TokenError) as info:
        qr.qr_token_decode(token)
    assert info.value.code == "token_invalid"


def test_token_with_a_long_life_is_invalid(ww: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qr, "TOKEN_TTL_SECONDS", 3600)
    token, _payload = qr.qr_token_make(identifier=ww.licence.identifier)
    monkeypatch.setattr(qr, "TOKEN_TTL_SECONDS", 60)
    with pytest.raises(qr.TokenError) as info:
        qr.qr_token_decode(token)
    assert info.value.code == "token_invalid"


def test_old_key_still_verifies_after_rotation(ww: SimpleNamespace) -> None:
    token = qr.qr_token_issue(user=ww.citizen, license_id=ww.licence.pk).token
    signing_key_rotate(purpose="qr")
    assert qr.qr_token_decode(token).identifier == ww.licence.identifier
    newer = qr.qr_token_issue(user=ww.citizen, license_id=ww.licence.pk).token
    assert json.loads(_unb64(newer.split(".")[0]))["kid"] != json.loads(_unb64(token.split(".")[0]))["kid"]


def test_only_valid_licences_can_be_shown(ww: SimpleNamespace) -> None:
    ww.licence.status = LicenseStatus.REVOKED
    ww.licence.save()
    with pytest.raises(Conflict) as info:
        qr.qr_token_issue(user=ww.citizen, license_id=ww.licence.pk)
    assert info.value.code == "license_not_valid"


def test_past_validity_counts_as_expired(ww: SimpleNamespace) -> None:
    ww.licence.valid_until = timezone.localdate() - timedelta(days=1)
    ww.licence.save()
    with pytest.raises(Conflict):
        qr.qr_token_issue(user=ww.citizen, license_id=ww.licence.pk)


def test_another_holders_licence_is_not_found(ww: SimpleNamespace) -> None:
    with pytest.raises(NotFound):
        qr.qr_token_issue(user=ww.citizen, license_id=ww.others_licence.pk)


def test_svg(ww: SimpleNamespace) -> None:
    svg = qr.qr_svg("https://example.org/verify/t/abc/")
    assert svg.startswith("<svg") and "<title" not in svg  # the page's container (role img) names it
