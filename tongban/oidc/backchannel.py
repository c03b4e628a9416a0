"""OIDC Back-Channel Logout 1.0: a signed logout token POSTed to each client the person signed into.

django-oauth-toolkit does not implement back-channel logout. This is deliberately small: no outbox, one
synchronous POST per client with a short timeout, fired from ``transaction.on_commit`` after the sign-on
sessions are ended. A client that is down misses the notice (its tokens are already revoked here).

The sender is ``settings.OIDC_BACKCHANNEL_SENDER`` (dotted path, default :func:`post_logout_token`); tests inject a
recorder and never touch the network.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from jwcrypto import jwk, jwt

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
TIMEOUT_SECONDS = 3
DEFAULT_SENDER = "tongban.oidc.backchannel.post_logout_token"

log = logging.getLogger(__name__)


def logout_token(*, issuer: str, client_id: str, subject: str, sid: str) -> str:
    """A logout token (JWT, RS256) as OIDC Back-Channel Logout §2.4 defines it."""
    from oauth2_provider.settings import oauth2_settings

    key = jwk.JWK.from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY.encode("ascii"))
    claims = {"iss": issuer, "aud": client_id, "iat": int(time.time()), "jti": str(uuid.uuid4()), "sub": subject,
              "sid": sid, "events": {LOGOUT_EVENT: {}}}
    token = jwt.JWT(header={"alg": "RS256", "typ": "logout+jwt", "kid": key.thumbprint()}, claims=claims)
    token.make_signed_token(key)
    return str(token.serialize())


def post_logout_token(uri: str, token: str) -> None:
    """POST ``logout_token`` to the client (form-encoded), ignoring failures after logging them."""
    if urllib.parse.urlsplit(uri).scheme not in {"https", "http"}:
        log.warning("back-channel logout: refusing URI scheme of %s", uri)
        return
    body = urllib.parse.urlencode({"logout_token": token}).encode("ascii")
    request = urllib.request.Request(uri, data=body, method="POST",  # noqa: S310 (scheme checked above)
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            response.read(1024)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        log.warning("back-channel logout to %s failed: %s", uri, error)


def _sender() -> Callable[[str, str], Any]:
    return import_string(getattr(settings, "OIDC_BACKCHANNEL_SENDER", DEFAULT_SENDER))


def schedule(*, uri: str, token: str) -> None:
    """Send after the surrounding transaction commits (never when it rolls back)."""
    transaction.on_commit(lambda: _sender()(uri, token))


__all__ = ["LOGOUT_EVENT", "logout_token", "post_logout_token", "schedule"]
