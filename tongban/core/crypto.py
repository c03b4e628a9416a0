"""Personal data at rest (个人信息加密存储): encryption, keyed blind index and masking.

* :func:`encrypt_text` / :func:`decrypt_text` seal a string with AES-256-GCM under the current data key. The
  *context* (the column, e.g. ``"identity.person.id_number"``) is authenticated with the ciphertext, so a value
  copied into another column does not decrypt. Tokens read ``v1:<key id>:<base64url(nonce + ciphertext)>``.
* The key ring comes from ``settings.DATA_KEYS`` (``TONGBAN_DATA_KEYS``): ``"kid:base64(32 bytes)"`` entries, the
  first encrypts, all decrypt. When the list is empty (development, tests, the local demo) one key with id
  ``dev`` is derived from ``SECRET_KEY``. :func:`reencrypt` moves a token to the current key (``manage.py
  rotate_data_keys``).
* :func:`encrypt_bytes` / :func:`decrypt_bytes` seal binary data (uploaded files) with the same keys, without the
  base64 of text tokens: blobs read ``b1:<key id>:`` + nonce + ciphertext + tag, so a file grows by 29 bytes plus
  the key id.
* :func:`blind_index` is an HMAC-SHA256 of a *normalised* value, so equal values can be found (and kept
  unique) without decrypting anything.
* ``mask_*`` shorten a value for display (脱敏): staff screens show ``5301**********123X``, never the full number.

See ``docs/adr/0007-personal-data-encryption.md``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "DERIVED_KEY_ID",
    "TOKEN_VERSION",
    "DecryptionError",
    "blind_index",
    "blob_key_id",
    "current_key_id",
    "decrypt_bytes",
    "decrypt_text",
    "encrypt_bytes",
    "encrypt_text",
    "generate_key_entry",
    "mask_id_number",
    "mask_name",
    "mask_phone",
    "parse_data_keys",
    "reencrypt",
    "token_key_id",
]

TOKEN_VERSION = "v1"  # noqa: S105 (the token format version, not a secret)
BLOB_VERSION = "b1"  # binary blobs: another version label, so a blob and a text token never open as each other
DERIVED_KEY_ID = "dev"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16

_KID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_B64URL_RE = re.compile(r"[A-Za-z0-9_-]+")
_DATA_KEY_INFO = b"tongban/data-encryption-key/v1"
_BLIND_INDEX_INFO = b"tongban/blind-index-key/v1"
_MIN_BLIND_INDEX_KEY_CHARS = 32


class DecryptionError(ValueError):
    """A token that cannot be opened: malformed, unknown key id, tampered with, or sealed for another context."""


# --- key ring -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _DataKey:
    kid: str
    cipher: AESGCM

    def __repr__(self) -> str:  # never show key material
        return f"<data key {self.kid}>"


@dataclass(frozen=True)
class _KeyRing:
    current: _DataKey
    by_kid: dict[str, _DataKey]


def parse_data_keys(entries: Sequence[str]) -> dict[str, bytes]:
    """Parse ``"kid:base64(32 bytes)"`` entries into ``{kid: key}``, keeping their order (the first encrypts).

    Raises :class:`ImproperlyConfigured` with a message that names the entry but never shows key material.
    """
    keys: dict[str, bytes] = {}
    folded: dict[str, str] = {}
    for position, entry in enumerate(entries, start=1):
        where = f"TONGBAN_DATA_KEYS entry {position}"
        kid, sep, encoded = str(entry).strip().partition(":")
        kid, encoded = kid.strip(), encoded.strip()
        if not sep or not kid or not encoded:
            raise ImproperlyConfigured(f"{where}: expected 'key-id:base64-of-32-bytes'")
        if not _KID_RE.fullmatch(kid):
            raise ImproperlyConfigured(
                f"{where}: key id {kid!r} must be 1-32 characters of letters, digits, '_', '.' or '-', "
                "starting with a letter or digit")
        if kid.lower() in folded:
            raise ImproperlyConfigured(f"{where}: duplicate key id {kid!r} (key ids are compared ignoring case)")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise ImproperlyConfigured(f"{where} ({kid!r}): the key is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"{where} ({kid!r}): the key must be {KEY_BYTES} bytes (AES-256), got {len(key)}")
        for other_kid, other_key in keys.items():
            if hmac.compare_digest(other_key, key):
                raise ImproperlyConfigured(f"{where} ({kid!r}): same key as {other_kid!r}")
        keys[kid] = key
        folded[kid.lower()] = kid
    return keys


def generate_key_entry(kid: str) -> str:
    """A fresh ``"kid:base64"`` entry for ``TONGBAN_DATA_KEYS``."""
    entry = f"{kid}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"
    parse_data_keys([entry])
    return entry


def _hkdf(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=b"tongban", info=info).derive(secret.encode())


def _configured_entries() -> tuple[str, ...]:
    raw = getattr(settings, "DATA_KEYS", None) or ()
    if isinstance(raw, str):
        raw = raw.split(",")
    return tuple(part.strip() for part in raw if str(part).strip())


@functools.lru_cache(maxsize=8)
def _build_ring(entries: tuple[str, ...], secret_key: str) -> _KeyRing:
    if entries:
        keys = parse_data_keys(entries)
    else:
        if not secret_key:
            raise ImproperlyConfigured("no TONGBAN_DATA_KEYS and no SECRET_KEY to derive a development key from")
        keys = {DERIVED_KEY_ID: _hkdf(secret_key, _DATA_KEY_INFO)}
    ring = {kid: _DataKey(kid=kid, cipher=AESGCM(key)) for kid, key in keys.items()}
    return _KeyRing(current=next(iter(ring.values())), by_kid=ring)


def _ring() -> _KeyRing:
    # Keyed by the settings' values, so ``override_settings`` in tests takes effect without a signal.
    return _build_ring(_configured_entries(), str(settings.SECRET_KEY))


def current_key_id() -> str:
    """The id of the key that encrypts new values."""
    return _ring().current.kid


# --- encryption -----------------------------------------------------------------------------------------------


def _check_context(context: str) -> bytes:
    if not isinstance(context, str) or not context:
        raise ValueError("a non-empty context (e.g. 'identity.person.id_number') is required")
    if "\x00" in context:
        raise ValueError("the context must not contain NUL")
    return context.encode("utf-8")


def _associated_data(kid: str, context: bytes) -> bytes:
    # The header is authenticated too: a token cannot be relabelled with another version or key id.
    return f"{TOKEN_VERSION}:{kid}".encode() + b"\x00" + context


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    if not _B64URL_RE.fullmatch(text):
        raise DecryptionError("token body is not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise DecryptionError("token body is not base64url") from None


def _split(token: str) -> tuple[str, str]:
    if not isinstance(token, str):
        raise DecryptionError(f"token must be a string, not {type(token).__name__}")
    version, _, rest = token.partition(":")
    kid, sep, body = rest.partition(":")
    if version != TOKEN_VERSION or not sep or not kid or not body:
        raise DecryptionError(f"not a '{TOKEN_VERSION}:<key id>:<data>' token")
    return kid, body


def encrypt_text(plaintext: str, *, context: str) -> str:
    """Seal ``plaintext`` with the current key; ``context`` names the column the value belongs to."""
    if not isinstance(plaintext, str):
        raise TypeError(f"encrypt_text() takes str, not {type(plaintext).__name__}")
    ad = _check_context(context)
    key = _ring().current
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.cipher.encrypt(nonce, plaintext.encode("utf-8"), _associated_data(key.kid, ad))
    return f"{TOKEN_VERSION}:{key.kid}:{_b64url_encode(nonce + sealed)}"


def decrypt_text(token: str, *, context: str) -> str:
    """Open a token made by :func:`encrypt_text` for the same ``context``; raises :class:`DecryptionError`."""
    ad = _check_context(context)
    kid, body = _split(token)
    key = _ring().by_kid.get(kid)
    if key is None:
        raise DecryptionError(f"unknown data key id {kid!r}: is it still listed in TONGBAN_DATA_KEYS?")
    data = _b64url_decode(body)
    if len(data) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("token is too short")
    try:
        plain = key.cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], _associated_data(kid, ad))
    except InvalidTag:
        raise DecryptionError(
            f"token does not authenticate for context {context!r}: tampered with or copied from elsewhere") from None
    return plain.decode("utf-8")


def token_key_id(token: str) -> str:
    """The id of the key a token was sealed with (without decrypting it)."""
    return _split(token)[0]


def reencrypt(token: str, *, context: str) -> str:
    """The token sealed under the current key. A token already under it is verified and returned unchanged."""
    plaintext = decrypt_text(token, context=context)
    if token_key_id(token) == current_key_id():
        return token
    return encrypt_text(plaintext, context=context)


# --- binary data (files) --------------------------------------------------------------------------------------


def _blob_associated_data(kid: str, context: bytes) -> bytes:
    return f"{BLOB_VERSION}:{kid}".encode() + b"\x00" + context


def encrypt_bytes(data: bytes, *, context: str) -> bytes:
    """Seal ``data`` with the current key; ``context`` names what the bytes belong to (e.g. the storage name).

    The whole value is in memory: meant for uploads of a few megabytes, not for streaming large files.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"encrypt_bytes() takes bytes, not {type(data).__name__}")
    ad = _check_context(context)
    key = _ring().current
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.cipher.encrypt(nonce, bytes(data), _blob_associated_data(key.kid, ad))
    return f"{BLOB_VERSION}:{key.kid}:".encode("ascii") + nonce + sealed


def _split_blob(blob: bytes) -> tuple[str, bytes]:
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise DecryptionError(f"blob must be bytes, not {type(blob).__name__}")
    blob = bytes(blob)
    version, sep1, rest = blob.partition(b":")
    kid, sep2, _ = rest[:40].partition(b":")  # a key id has at most 32 characters
    if version != BLOB_VERSION.encode() or not sep1 or not sep2 or not _KID_RE.fullmatch(kid.decode("latin-1")):
        raise DecryptionError(f"not a '{BLOB_VERSION}:<key id>:<data>' blob")
    return kid.decode("ascii"), rest[len(kid) + 1:]


def decrypt_bytes(blob: bytes, *, context: str) -> bytes:
    """Open a blob made by :func:`encrypt_bytes` for the same ``context``; raises :class:`DecryptionError`."""
    ad = _check_context(context)
    kid, data = _split_blob(blob)
    key = _ring().by_kid.get(kid)
    if key is None:
        raise DecryptionError(f"unknown data key id {kid!r}: is it still listed in TONGBAN_DATA_KEYS?")
    if len(data) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("blob is too short")
    try:
        return key.cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], _blob_associated_data(kid, ad))
    except InvalidTag:
        raise DecryptionError(
            f"blob does not authenticate for context {context!r}: tampered with or copied from elsewhere") from None


def blob_key_id(blob: bytes) -> str:
    """The id of the key a blob was sealed with (without decrypting it)."""
    return _split_blob(blob)[0]


# --- blind index ----------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _blind_index_key(configured: str, secret_key: str) -> bytes:
    if configured:
        if len(configured) < _MIN_BLIND_INDEX_KEY_CHARS:
            raise ImproperlyConfigured(
                f"TONGBAN_BLIND_INDEX_KEY must be at least {_MIN_BLIND_INDEX_KEY_CHARS} characters")
        return configured.encode("utf-8")
    if not secret_key:
        raise ImproperlyConfigured("no TONGBAN_BLIND_INDEX_KEY and no SECRET_KEY to derive a development key from")
    return _hkdf(secret_key, _BLIND_INDEX_INFO)


def blind_index(value: str, *, context: str) -> str:
    """HMAC-SHA256 (hex, 64 characters) of ``value`` for ``context``, keyed by ``TONGBAN_BLIND_INDEX_KEY``.

    Callers normalise ``value`` first (upper-case the ID number's check character, strip spaces, ...): the index
    matches exact values only. Contexts separate columns, so the same number indexes differently in each.
    """
    if not isinstance(value, str):
        raise TypeError(f"blind_index() takes str, not {type(value).__name__}")
    ad = _check_context(context)
    key = _blind_index_key(str(getattr(settings, "BLIND_INDEX_KEY", "") or ""), str(settings.SECRET_KEY))
    return hmac.new(key, ad + b"\x00" + value.encode("utf-8"), hashlib.sha256).hexdigest()


# --- masking (脱敏) ---------------------------------------------------------------------------------------------

_MASK = "*"
_ZWJ = "\u200d"
_SKIN_TONES = frozenset(chr(code) for code in range(0x1F3FB, 0x1F400))
# Separators kept visible in masked names: the middle dots of transliterated names (阿卜杜·热合曼) and spaces.
_NAME_SEPARATORS = frozenset("\u00b7\u2027\u2022\u2219\u22c5\u30fb\uff65 ")


def _clusters(text: str) -> list[str]:
    """Split into user-perceived characters: code points, with combining marks, variation selectors
    (ideographic variants such as 葛󠄀) and zero-width-joined sequences kept on their base character."""
    clusters: list[str] = []
    glue = False
    for char in text:
        attach = glue or char == _ZWJ or unicodedata.category(char).startswith("M") or char in _SKIN_TONES
        if clusters and attach:
            clusters[-1] += char
        else:
            clusters.append(char)
        glue = char == _ZWJ
    return clusters


def _keep(text: str | None, *, head: int, tail: int) -> str:
    parts = _clusters((text or "").strip())
    hidden = len(parts) - head - tail
    if hidden <= 0:
        return _MASK * len(parts)
    return "".join(parts[:head]) + _MASK * hidden + "".join(parts[len(parts) - tail:])


def mask_id_number(value: str | None) -> str:
    """``53010219900101123X`` → ``5301**********123X``; 15-digit numbers keep 4 + 4 as well.

    Values too short to hide anything that way (under 12 characters) keep only their last 2; up to 4, nothing.
    """
    size = len(_clusters((value or "").strip()))
    if size >= 12:
        return _keep(value, head=4, tail=4)
    if size > 4:
        return _keep(value, head=0, tail=2)
    return _keep(value, head=0, tail=0)


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``. Shorter numbers (landlines) keep only their last 4; under 7, nothing."""
    size = len(_clusters((value or "").strip()))
    if size >= 11:
        return _keep(value, head=3, tail=4)
    if size >= 7:
        return _keep(value, head=0, tail=4)
    return _keep(value, head=0, tail=0)


def mask_name(value: str | None) -> str:
    """``张三`` → ``*三``; ``张三丰`` → ``张*丰``; ``欧阳娜娜`` → ``欧**娜``; ``阿卜杜·热合曼`` → ``阿**·**曼``.

    Counts characters as people see them (never UTF-16 units), so 𠮷 or a name with an ideographic variation
    selector masks as one character.
    """
    parts = _clusters((value or "").strip())
    if len(parts) <= 1:
        return _MASK * len(parts)
    if len(parts) == 2:
        return _MASK + parts[1]
    middle = [part if part in _NAME_SEPARATORS else _MASK for part in parts[1:-1]]
    return parts[0] + "".join(middle) + parts[-1]
