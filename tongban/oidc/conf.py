"""Settings of the OpenID Connect provider (``OAUTH2_PROVIDER`` for django-oauth-toolkit).

Imported by ``tongban/conf/settings.py`` before Django is set up, so nothing here imports Django models or
``oauth2_provider``. See ``docs/adr`` (single sign-on) and the configuration reference.

Signing key: ``TONGBAN_OIDC_SIGNING_KEY`` holds an RSA private key (PEM text, or the path of a PEM file). When it is
empty and debug is on (development, tests, the local demo), a 2048-bit key is generated once and kept in
``<TONGBAN_DATA_DIR>/oidc-signing-key.pem`` (mode 0600), so ID tokens stay verifiable across restarts. Outside debug
mode an empty key is a configuration error. Rotation: put the new key in ``TONGBAN_OIDC_SIGNING_KEY`` and the old
ones in ``TONGBAN_OIDC_RETIRED_KEYS`` (comma-separated file paths) until every token they signed has expired; the
JWKS publishes all of them.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

SCOPES = {
    "openid": "使用统一身份认证登录（获得一个仅用于该系统的用户标识）",
    "profile": "实名核验后的姓名和实名等级",
    "phone": "手机号",
    "id_number": "身份证号",
    "organization": "以法人身份登录：所代表法人的名称、统一社会信用代码，以及您的办事身份和授权范围",
}
ACR_PREFIX = "tongban:loa:"
DEV_KEY_FILE = "oidc-signing-key.pem"


def acr_value(level: int) -> str:
    """Assurance level → ``acr`` claim value: ``tongban:loa:1`` (registered) … ``tongban:loa:4`` (in person)."""
    return f"{ACR_PREFIX}{int(level)}"


def acr_level(value: str) -> int | None:
    """``tongban:loa:3`` → 3; anything else → ``None`` (unknown acr values are ignored)."""
    if not value.startswith(ACR_PREFIX):
        return None
    rest = value[len(ACR_PREFIX):]
    return int(rest) if rest.isdigit() and 1 <= int(rest) <= 4 else None


def _read_pem(value: str) -> str:
    value = value.strip()
    if value.startswith("-----BEGIN"):
        return value
    return Path(value).read_text(encoding="ascii")


def _generate_pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def signing_key(configured: str, *, data_dir: Path, debug: bool) -> str:
    """The RS256 private key (PEM): configured, else (debug only) generated once and persisted in ``data_dir``."""
    if configured.strip():
        return _read_pem(configured)
    if not debug:
        raise RuntimeError("TONGBAN_OIDC_SIGNING_KEY must be set when TONGBAN_DEBUG is off")
    path = Path(data_dir) / DEV_KEY_FILE
    if path.exists():
        return path.read_text(encoding="ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = _generate_pem()
    # Several worker processes may start at once: write a private file, then link it into place atomically. The
    # first link wins; the others read the winner's key, never a half-written file.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(pem)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pem = path.read_text(encoding="ascii")
    finally:
        temporary.unlink()
    return pem


def oauth2_provider_settings(*, private_key: str, retired_keys: list[str] | tuple[str, ...] = (),
                             issuer: str = "") -> dict[str, Any]:
    """The ``OAUTH2_PROVIDER`` dict: OIDC with RS256, PKCE required, rotating refresh tokens, RP-initiated logout."""
    return {
        "OIDC_ENABLED": True,
        "OIDC_RSA_PRIVATE_KEY": private_key,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [_read_pem(key) for key in retired_keys],
        "OIDC_ISS_ENDPOINT": issuer.rstrip("/"),
        "OIDC_SUBJECT_TYPES_SUPPORTED": ["pairwise"],
        "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
        "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post"],
        "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
        "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": True,
        "OIDC_RP_INITIATED_LOGOUT_STRICT_REDIRECT_URIS": True,
        "OIDC_RP_INITIATED_LOGOUT_DELETE_TOKENS": True,
        "PKCE_REQUIRED": True,
        "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,  # S256 only
        "ROTATE_REFRESH_TOKEN": True,
        "REFRESH_TOKEN_REUSE_PROTECTION": True,  # a replayed refresh token revokes its whole family
        "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
        "REFRESH_TOKEN_EXPIRE_SECONDS": 30 * 24 * 3600,
        "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
        "ID_TOKEN_EXPIRE_SECONDS": 3600,
        "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
        "SCOPES": dict(SCOPES),
        "DEFAULT_SCOPES": ["openid"],
        "OAUTH2_VALIDATOR_CLASS": "tongban.oidc.validators.TongbanOAuth2Validator",
        "REQUEST_APPROVAL_PROMPT": "force",  # our consent records decide whether to ask again
        "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
        "CLIENT_SECRET_HASHER": "default",
    }
