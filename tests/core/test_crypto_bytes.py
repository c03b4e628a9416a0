import base64
import os

import pytest
from django.test import override_settings

from tongban.core.crypto import (
    DecryptionError,
    blob_key_id,
    decrypt_bytes,
    decrypt_text,
    encrypt_bytes,
    encrypt_text,
)

CTX = "files/abc.bin"
K1 = "k1:" + base64.b64encode(bytes(range(32))).decode()
K2 = "k2:" + base64.b64encode(bytes(range(100, 132))).decode()


@pytest.mark.parametrize("data", [b"", b"\x00", b"%PDF-1.7\n" + os.urandom(3000), bytes(range(256)) * 10])
def test_bytes_round_trip_and_grow_by_a_header_only(data: bytes) -> None:
    blob = encrypt_bytes(data, context=CTX)
    assert decrypt_bytes(blob, context=CTX) == data
    assert len(blob) == len(data) + len(b"b1:dev:") + 12 + 16
    assert blob_key_id(blob) == "dev"
    assert encrypt_bytes(data, context=CTX) != blob, "a fresh nonce each time"


def test_blob_does_not_open_for_another_context_or_after_tampering() -> None:
    blob = encrypt_bytes(b"secret material", context=CTX)
    with pytest.raises(DecryptionError, match="context"):
        decrypt_bytes(blob, context="files/other.bin")
    flipped = bytearray(blob)
    flipped[-1] ^= 1
    with pytest.raises(DecryptionError):
        decrypt_bytes(bytes(flipped), context=CTX)
    relabelled = blob.replace(b"b1:dev:", b"b1:k1:", 1)
    with pytest.raises(DecryptionError):
        decrypt_bytes(relabelled, context=CTX)


@pytest.mark.parametrize("blob", [b"", b"b1", b"b1:dev", b"v1:dev:" + b"x" * 40, b"b1:dev:short", b"b1:" + b"k" * 50])
def test_malformed_blobs_are_refused(blob: bytes) -> None:
    with pytest.raises(DecryptionError):
        decrypt_bytes(blob, context=CTX)


def test_text_tokens_and_blobs_never_open_as_each_other() -> None:
    token = encrypt_text("张三", context=CTX)
    with pytest.raises(DecryptionError):
        decrypt_bytes(token.encode(), context=CTX)
    blob = encrypt_bytes("张三".encode(), context=CTX)
    with pytest.raises(DecryptionError):
        decrypt_text(blob.decode("latin-1"), context=CTX)


def test_blobs_follow_the_key_ring() -> None:
    with override_settings(DATA_KEYS=[K1]):
        old = encrypt_bytes(b"data", context=CTX)
    assert blob_key_id(old) == "k1"
    with override_settings(DATA_KEYS=[K2, K1]):
        assert decrypt_bytes(old, context=CTX) == b"data"
        assert blob_key_id(encrypt_bytes(b"data", context=CTX)) == "k2"
    with override_settings(DATA_KEYS=[K2]), pytest.raises(DecryptionError, match="unknown data key"):
        decrypt_bytes(old, context=CTX)


def test_only_bytes_are_encrypted() -> None:
    with pytest.raises(TypeError):
        encrypt_bytes("text", context=CTX)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="context"):
        encrypt_bytes(b"x", context="")
