import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from tongban.core.crypto import (
    DecryptionError,
    blind_index,
    current_key_id,
    decrypt_text,
    encrypt_text,
    generate_key_entry,
    mask_id_number,
    mask_name,
    mask_phone,
    parse_data_keys,
    reencrypt,
    token_key_id,
)

CTX = "identity.person.id_number"
K1 = "k1:" + base64.b64encode(bytes(range(32))).decode()
K2 = "k2:" + base64.b64encode(bytes(range(100, 132))).decode()


def _flip(token: str) -> str:
    """The same token with one bit of the ciphertext changed."""
    head, body = token.rsplit(":", 1)
    data = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data[-1] ^= 1
    return f"{head}:{base64.urlsafe_b64encode(bytes(data)).rstrip(b'=').decode()}"


# --- encryption ---


@pytest.mark.parametrize("text", [
    "53010219900101123X", "", "张三", "𠮷野家", "阿卜杜·热合曼", "买买提・艾力", "a\x00b", "葛\U000E0100", "👩‍👩‍👧 " * 50,
])
def test_round_trip_is_exact(text):
    token = encrypt_text(text, context=CTX)
    assert decrypt_text(token, context=CTX) == text
    if text:
        assert text not in token


def test_token_format_and_derived_development_key():
    token = encrypt_text("13812345678", context=CTX)
    version, kid, body = token.split(":")
    assert (version, kid) == ("v1", "dev") == ("v1", current_key_id())
    assert token_key_id(token) == "dev"
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert len(raw) == 12 + len("13812345678") + 16  # nonce + ciphertext + tag
    assert "=" not in body and "+" not in body and "/" not in body


def test_same_plaintext_gets_a_new_nonce_each_time():
    tokens = {encrypt_text("53010219900101123X", context=CTX) for _ in range(20)}
    assert len(tokens) == 20
    nonces = {base64.urlsafe_b64decode(t.split(":")[2] + "==")[:12] for t in tokens}
    assert len(nonces) == 20


def test_tampered_token_fails():
    token = encrypt_text("53010219900101123X", context=CTX)
    with pytest.raises(DecryptionError, match="does not authenticate"):
        decrypt_text(_flip(token), context=CTX)
    with pytest.raises(DecryptionError):
        decrypt_text(token[:-4], context=CTX)


@pytest.mark.parametrize("bad", ["", "plain text", "v2:dev:AAAA", "v1:dev:", "v1::AAAA", "v1:dev:not base64!",
                                 "v1:dev:AAAA", "v1:nokey:" + "A" * 40])
def test_malformed_tokens_fail_clearly(bad):
    with pytest.raises(DecryptionError):
        decrypt_text(bad, context=CTX)


def test_wrong_context_fails():
    token = encrypt_text("53010219900101123X", context=CTX)
    with pytest.raises(DecryptionError, match=r"identity\.person\.phone"):
        decrypt_text(token, context="identity.person.phone")


def test_relabelled_key_id_fails():
    """The header is authenticated: the same key under another id does not open the token."""
    key = K1.split(":", 1)[1]
    with override_settings(DATA_KEYS=[K1]):
        token = encrypt_text("x", context=CTX)
    with override_settings(DATA_KEYS=[f"other:{key}"]), pytest.raises(DecryptionError):
        decrypt_text(token.replace("v1:k1:", "v1:other:"), context=CTX)


def test_context_is_required():
    with pytest.raises(ValueError, match="context"):
        encrypt_text("x", context="")
    with pytest.raises(ValueError, match="NUL"):
        blind_index("x", context="a\x00b")
    with pytest.raises(TypeError):
        encrypt_text(123, context=CTX)  # type: ignore[arg-type]


def test_rotation_old_key_still_decrypts_and_reencrypt_moves_to_new_key():
    with override_settings(DATA_KEYS=[K1]):
        old = encrypt_text("53010219900101123X", context=CTX)
        assert token_key_id(old) == "k1"
    with override_settings(DATA_KEYS=[K2, K1]):
        assert current_key_id() == "k2"
        assert decrypt_text(old, context=CTX) == "53010219900101123X"
        assert token_key_id(encrypt_text("new", context=CTX)) == "k2"
        fresh = reencrypt(old, context=CTX)
        assert token_key_id(fresh) == "k2"
        assert decrypt_text(fresh, context=CTX) == "53010219900101123X"
        assert reencrypt(fresh, context=CTX) == fresh  # already current: unchanged
        with pytest.raises(DecryptionError):
            reencrypt(old, context="identity.person.phone")
    with override_settings(DATA_KEYS=[K2]):  # old key removed: old tokens no longer open
        with pytest.raises(DecryptionError, match="unknown data key id 'k1'"):
            decrypt_text(old, context=CTX)
        assert decrypt_text(fresh, context=CTX) == "53010219900101123X"


def test_derived_key_depends_on_secret_key():
    token = encrypt_text("x", context=CTX)
    with override_settings(SECRET_KEY="another-secret-key-for-this-test-only"), pytest.raises(DecryptionError):
        decrypt_text(token, context=CTX)


def test_data_keys_accepts_a_comma_separated_string():
    with override_settings(DATA_KEYS=f"{K2}, {K1}"):
        assert current_key_id() == "k2"


@pytest.mark.parametrize(("entries", "message"), [
    (["k1"], "expected 'key-id:base64"),
    (["k1:"], "expected 'key-id:base64"),
    ([":" + K1.split(":", 1)[1]], "expected 'key-id:base64"),
    (["k1:not*base64"], "not valid base64"),
    (["k1:" + base64.b64encode(b"short").decode()], "must be 32 bytes"),
    (["k1:" + base64.b64encode(bytes(64)).decode()], "got 64"),
    ([K1, "k1:" + base64.b64encode(bytes(32)).decode()], "duplicate key id 'k1'"),
    ([K1, "K1:" + base64.b64encode(bytes(32)).decode()], "duplicate key id"),
    ([K1, "k3:" + K1.split(":", 1)[1]], "same key as 'k1'"),
    (["bad id:" + K1.split(":", 1)[1]], "key id"),
])
def test_bad_key_entries_are_refused_clearly(entries, message):
    with pytest.raises(ImproperlyConfigured, match=message) as excinfo:
        parse_data_keys(entries)
    assert K1.split(":", 1)[1] not in str(excinfo.value)  # never echo key material


def test_bad_configured_keys_fail_on_use():
    with override_settings(DATA_KEYS=["k1:nope"]), pytest.raises(ImproperlyConfigured, match="entry 1"):
        encrypt_text("x", context=CTX)


def test_generated_entry_is_valid():
    entry = generate_key_entry("2026-01")
    assert list(parse_data_keys([entry])) == ["2026-01"]
    with override_settings(DATA_KEYS=[entry]):
        assert decrypt_text(encrypt_text("张三", context=CTX), context=CTX) == "张三"


# --- blind index ---


def test_blind_index_is_deterministic_hex():
    first = blind_index("53010219900101123X", context=CTX)
    assert first == blind_index("53010219900101123X", context=CTX)
    assert len(first) == 64 and all(c in "0123456789abcdef" for c in first)
    assert first != blind_index("53010219900101123x", context=CTX)  # exact: callers normalise


def test_blind_index_is_context_separated():
    assert blind_index("13812345678", context="identity.person.phone") != blind_index(
        "13812345678", context="notifications.simulatedsms.phone")
    # context and value cannot be shifted into each other
    assert blind_index("b", context="a") != blind_index("", context="ab")


def test_blind_index_is_key_dependent():
    derived = blind_index("13812345678", context=CTX)
    with override_settings(BLIND_INDEX_KEY="k" * 32):
        configured = blind_index("13812345678", context=CTX)
    with override_settings(BLIND_INDEX_KEY="j" * 32):
        other = blind_index("13812345678", context=CTX)
    with override_settings(SECRET_KEY="another-secret-key-for-this-test-only"):
        other_derived = blind_index("13812345678", context=CTX)
    assert len({derived, configured, other, other_derived}) == 4


def test_blind_index_key_differs_from_the_data_key():
    """Both derive from SECRET_KEY in development, under different HKDF labels."""
    import hashlib
    import hmac

    from tongban.core import crypto

    data_key = crypto._hkdf("s" * 40, crypto._DATA_KEY_INFO)
    index_key = crypto._blind_index_key("", "s" * 40)
    assert data_key != index_key and len(index_key) == 32
    with override_settings(SECRET_KEY="s" * 40):
        expected = hmac.new(index_key, CTX.encode() + b"\x00" + b"x", hashlib.sha256).hexdigest()
        assert blind_index("x", context=CTX) == expected


def test_short_blind_index_key_is_refused():
    with override_settings(BLIND_INDEX_KEY="short"), pytest.raises(ImproperlyConfigured, match="at least 32"):
        blind_index("x", context=CTX)


# --- masking ---


@pytest.mark.parametrize(("value", "masked"), [
    ("53010219900101123X", "5301**********123X"),
    ("530102199001011234", "5301**********1234"),
    ("530102900101123", "5301*******1123"),  # 15-digit (first generation)
    ("  53010219900101123X ", "5301**********123X"),
    ("G1234567", "******67"),
    ("1234", "****"),
    ("", ""),
    (None, ""),
])
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("13812345678", "138****5678"),
    ("+8613812345678", "+86*******5678"),
    ("63123456", "****3456"),
    ("12345", "*****"),
    ("", ""),
    (None, ""),
])
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(("value", "masked"), [
    ("张三", "*三"),
    ("张三丰", "张*丰"),
    ("欧阳娜娜", "欧**娜"),
    ("张", "*"),
    ("𠮷", "*"),
    ("𠮷田", "*田"),
    ("田𠮷", "*𠮷"),
    ("𠮷野家", "𠮷*家"),
    ("𠮷𠮷𠮷𠮷", "𠮷**𠮷"),
    ("葛\U000E0100飾", "*飾"),  # ideographic variation selector stays on its character
    ("李葛\U000E0100", "*葛\U000E0100"),
    ("阿卜杜·热合曼", "阿**·**曼"),
    ("买买提・艾力", "买**・*力"),
    (" 王五 ", "*五"),
    ("", ""),
    (None, ""),
])
def test_mask_name(value, masked):
    assert mask_name(value) == masked


def test_mask_name_counts_code_points_not_utf16_units():
    name = "𠮷𠮷𠮷"
    assert len(name.encode("utf-16-le")) // 2 == 6
    assert mask_name(name) == "𠮷*𠮷"
