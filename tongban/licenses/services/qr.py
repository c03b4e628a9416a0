"""亮证: the dynamic QR code a holder shows. It encodes ``/verify/t/<token>/``; the token is short-lived (60 s) and
signed by the platform, so a verifier can check it offline with the published key (``/licenses/keys/``).

Token format (documented in docs/licenses.md, "亮证二维码")::

    base64url(JSON payload) "." base64url(Ed25519 signature)

with the payload ``{"v": 1, "lid": <licence identifier>, "jti": <random id>, "iat": <unix time>,
"exp": iat + 60, "kid": <signing key id>}`` (compact JSON, no padding in base64url). The signature is over the ASCII
bytes of the first segment, as in JWS. A token is accepted once: its ``jti`` is remembered (QrTokenUse) at the first
verification, a second one is a replay.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import segno
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.errors import Conflict
from tongban.licenses.holding import effective_status, holder_scope, license_for_holder
from tongban.licenses.models import LicenseStatus

TOKEN_VERSION = 1
TOKEN_TTL_SECONDS = 60
REFRESH_SECONDS = 55  # the page asks for a new token a little before the old one expires
CLOCK_SKEW_SECONDS = 30  # an iat this far in the future is refused
MAX_TOKEN_CHARS = 600
PURPOSE = "qr"
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{40,}$")


class TokenError(ValueError):
    """A token that does not verify; ``code`` is ``token_invalid`` or ``token_expired``."""

    def __init__(self, code: str, payload: QrPayload | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.payload = payload


@dataclass(frozen=True)
class QrPayload:
    identifier: str
    jti: str
    issued_at: datetime
    expires_at: datetime
    kid: str


@dataclass(frozen=True)
class QrToken:
    token: str
    path: str  # /verify/t/<token>/
    issued_at: datetime
    expires_at: datetime
    license_id: int

    def svg(self, absolute_url: str) -> str:
        """The QR code of the verification address as inline SVG."""
        return qr_svg(absolute_url)


def qr_svg(text: str, *, scale: int = 4) -> str:
    """The QR code as inline SVG, without a title of its own: the page's container (role img) names it."""
    return str(segno.make(text, error="m").svg_inline(scale=scale))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: dict[str, Any]) -> str:
    """Sign with the current QR key: the kid is part of the payload, so ask for it first, and sign again if the key
    was rotated in between."""
    from tongban.licenses.keys import platform_sign, signing_key_ensure

    for _attempt in range(3):
        kid = signing_key_ensure(purpose=PURPOSE)
        body = _b64(json.dumps({**payload, "kid": kid}, separators=(",", ":"), ensure_ascii=False).encode())
        used_kid, signature = platform_sign(purpose=PURPOSE, payload=body.encode("ascii"))
        if used_kid == kid:
            return f"{body}.{_b64(signature)}"
    raise RuntimeError("the QR signing key keeps changing")


def qr_token_make(*, identifier: str, now: datetime | None = None) -> tuple[str, QrPayload]:
    """A fresh token for a licence identifier (no checks: callers check the holder and the state)."""
    moment = int((now or timezone.now()).timestamp())
    payload = {"v": TOKEN_VERSION, "lid": identifier, "jti": secrets.token_urlsafe(12), "iat": moment,
               "exp": moment + TOKEN_TTL_SECONDS}
    token = _sign(payload)
    return token, qr_token_decode(token, check_expiry=False, now=now)


def qr_token_issue(*, user: Any, license_id: int, org_id: int | None = None) -> QrToken:
    """A 亮证 token for one of the holder's licences; only a valid licence can be shown
    (:class:`Conflict` ``license_not_valid``); another holder's licence is :class:`NotFound`."""
    licence = license_for_holder(scope=holder_scope(user=user, org_id=org_id), license_id=license_id)
    if effective_status(licence) != LicenseStatus.VALID:
        raise Conflict(_("该证照当前不是有效状态，不能亮证。"), code="license_not_valid")
    token, payload = qr_token_make(identifier=licence.identifier)
    return QrToken(token=token, path=reverse("web:verify_token", args=[token]), issued_at=payload.issued_at,
                   expires_at=payload.expires_at, license_id=licence.pk)


def _moment(value: Any) -> datetime:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 2**40:
        raise TokenError("token_invalid")
    return datetime.fromtimestamp(value, tz=timezone.get_current_timezone())


def qr_token_decode(token: str, *, check_expiry: bool = True, now: datetime | None = None) -> QrPayload:
    """Check the token's form and signature (with the published key named by its ``kid``), then its expiry.

    :class:`TokenError` ``token_invalid`` (malformed, unknown key, bad signature) or ``token_expired`` (the payload
    is attached so the verification can still be logged against the licence)."""
    token = (token or "").strip()
    if len(token) > MAX_TOKEN_CHARS or not _TOKEN_RE.match(token):
        raise TokenError("token_invalid")
    body, signature_text = token.split(".")
    try:
        payload = json.loads(_unb64(body))
        signature = _unb64(signature_text)
    except (ValueError, binascii.Error):
        raise TokenError("token_invalid") from None
    if not isinstance(payload, dict) or payload.get("v") != TOKEN_VERSION:
        raise TokenError("token_invalid")
    kid, identifier, jti = payload.get("kid"), payload.get("lid"), payload.get("jti")
    if not all(isinstance(v, str) and 0 < len(v) <= 100 for v in (kid, identifier, jti)):
        raise TokenError("token_invalid")
    assert isinstance(kid, str) and isinstance(identifier, str) and isinstance(jti, str)
    issued, expires = _moment(payload.get("iat")), _moment(payload.get("exp"))
    from tongban.licenses.keys import platform_verify

    if not platform_verify(purpose=PURPOSE, kid=kid, payload=body.encode("ascii"), signature=signature):
        raise TokenError("token_invalid")
    decoded = QrPayload(identifier=identifier, jti=jti, issued_at=issued, expires_at=expires, kid=kid)
    moment = now or timezone.now()
    if (expires - issued).total_seconds() > TOKEN_TTL_SECONDS or \
            (issued - moment).total_seconds() > CLOCK_SKEW_SECONDS:
        raise TokenError("token_invalid", decoded)
    if check_expiry and moment >= expires:
        raise TokenError("token_expired", decoded)
    return decoded
