"""The tuned Argon2id hasher: same algorithm name, documented parameters, upgrade of Django-default hashes."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher, make_password
from django.test import override_settings

from tongban.identity.hashers import TunedArgon2PasswordHasher

PASSWORD = "Yunnan-Kunming 2025"
TUNED = ["tongban.identity.hashers.TunedArgon2PasswordHasher", "django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture(scope="module")
def default_hash() -> str:
    """A hash as Django's stock Argon2 hasher makes it (t=2, m=102400, p=8)."""
    hasher = Argon2PasswordHasher()
    return hasher.encode(PASSWORD, hasher.salt())


def test_algorithm_name_is_unchanged():
    assert TunedArgon2PasswordHasher.algorithm == Argon2PasswordHasher.algorithm == "argon2"


def test_parameters_are_what_the_docstring_says():
    doc = TunedArgon2PasswordHasher.__doc__ or ""
    hasher = TunedArgon2PasswordHasher()
    summary = re.search(r"Argon2id, t=(\d+), m=(\d+) KiB \((\d+) MiB\), p=(\d+)", doc)
    assert summary
    t, m, mib, p = map(int, summary.groups())
    assert (hasher.time_cost, hasher.memory_cost, hasher.parallelism) == (t, m, p)
    assert m // 1024 == mib
    row = re.search(r"Tongban tuned\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)", doc)
    assert row
    assert tuple(map(int, row.groups()[:3])) == (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    assert float(row.group(5)) <= 30.0  # the CPU budget per verification


def test_parameters_meet_the_owasp_minimum():
    hasher = TunedArgon2PasswordHasher()
    assert hasher.memory_cost >= 19456  # 19 MiB
    assert hasher.time_cost >= 2
    assert hasher.params().type.name == "ID"  # Argon2id


def test_new_hashes_carry_the_tuned_parameters():
    hasher = TunedArgon2PasswordHasher()
    encoded = hasher.encode(PASSWORD, hasher.salt())
    assert encoded.startswith("argon2$argon2id$")
    decoded = hasher.decode(encoded)
    assert (decoded["time_cost"], decoded["memory_cost"], decoded["parallelism"]) == (2, 22528, 1)
    assert hasher.verify(PASSWORD, encoded)
    assert not hasher.verify(PASSWORD + "x", encoded)
    assert not hasher.must_update(encoded)


def test_a_django_default_hash_verifies_and_must_be_updated(default_hash):
    hasher = TunedArgon2PasswordHasher()
    assert hasher.decode(default_hash)["memory_cost"] == 102400
    assert hasher.verify(PASSWORD, default_hash)
    assert not hasher.verify("wrong password 1", default_hash)
    assert hasher.must_update(default_hash)


def test_login_upgrades_a_default_hash(default_hash):
    upgraded: list[str] = []
    with override_settings(PASSWORD_HASHERS=TUNED):
        assert isinstance(identify_hasher(default_hash), TunedArgon2PasswordHasher)
        assert check_password(PASSWORD, default_hash, setter=lambda raw: upgraded.append(make_password(raw)))
        assert len(upgraded) == 1
        assert TunedArgon2PasswordHasher().decode(upgraded[0])["memory_cost"] == 22528
        assert check_password(PASSWORD, upgraded[0], setter=lambda raw: pytest.fail("already up to date"))
        assert not check_password("wrong password 1", default_hash, setter=lambda raw: pytest.fail("wrong password"))
