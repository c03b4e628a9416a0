"""Public verification: by identifier (check character first), by 亮证 token (expired, replayed, forged), the
state as it is now, the minimum shown, every verification logged with a keyed digest of the address, the limiter."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from tests.licenses.wallet_world import _fresh_limiter, make_wallet_world  # noqa: F401 (autouse fixture)
from tongban.licenses.models import LicenseStatus, QrTokenUse, Verification
from tongban.licenses.services import qr
from tongban.licenses.services import verification as v

pytestmark = pytest.mark.django_db
IP = "203.0.113.7"


@pytest.fixture
def ww(regions: dict[str, Any]) -> SimpleNamespace:
    return make_wallet_world(regions)


def _wrong_check(identifier: str) -> str:
    return identifier[:-1] + ("0" if identifier[-1] != "0" else "1")


def test_identifier_of_a_valid_licence(ww: SimpleNamespace) -> None:
    outcome = v.license_verify_identifier(identifier=ww.licence.identifier, client_ip=IP)
    assert outcome.valid and outcome.result == "valid"
    lic = outcome.licence
    assert lic is not None
    assert lic.type_name == "居民身份证（电子）" and lic.issuer_name == "石林彝族自治县公安局"
    assert lic.holder_name_masked == "王**" and lic.status_word == "有效"
    row = Verification.objects.get()
    assert row.license_id == ww.licence.pk and row.channel == "identifier" and row.result == "valid"
    assert row.client_digest and IP not in row.client_digest and len(row.client_digest) == 64


def test_identifier_lower_case_and_blanks_are_accepted(ww: SimpleNamespace) -> None:
    assert v.license_verify_identifier(identifier=f"  {ww.licence.identifier.lower()} ", client_ip=IP).valid


def test_wrong_check_character_is_rejected_and_logged(ww: SimpleNamespace) -> None:
    outcome = v.license_verify_identifier(identifier=_wrong_check(ww.licence.identifier), client_ip=IP)
    assert not outcome.valid and outcome.result == "bad_identifier" and outcome.code == "identifier_check_failed"
    assert "校验位" in outcome.message and outcome.licence is None
    row = Verification.objects.get()
    assert row.result == "bad_identifier" and row.license_id is None


def test_malformed_identifier(ww: SimpleNamespace) -> None:
    outcome = v.license_verify_identifier(identifier="1.2.3", client_ip=None)
    assert outcome.result == "bad_identifier" and outcome.code == "identifier_malformed"
    assert Verification.objects.get().client_digest == ""


def test_unknown_identifier(ww: SimpleNamespace) -> None:
    from tongban.licenses.identifiers import identifier_make

    unknown = identifier_make(type_code=ww.id_type.code, issuer_code=ww.gongan.credit_code, serial="99999999")
    outcome = v.license_verify_identifier(identifier=unknown, client_ip=IP)
    assert outcome.result == "not_found" and outcome.licence is None


@pytest.mark.parametrize(("status", "word"), [(LicenseStatus.REVOKED, "已撤销"), (LicenseStatus.WITHDRAWN, "已吊销"),
                                              (LicenseStatus.CANCELLED, "已注销")])
def test_a_licence_no_longer_valid_shows_its_state_at_once(ww: SimpleNamespace, status: str, word: str) -> None:
    assert v.license_verify_identifier(identifier=ww.licence.identifier, client_ip=IP).valid
    ww.licence.status = status
    ww.licence.save()
    outcome = v.license_verify_identifier(identifier=ww.licence.identifier, client_ip=IP)
    assert not outcome.valid and outcome.result == "not_valid"
    assert outcome.licence is not None and outcome.licence.status_word == word and word in outcome.message


def test_past_validity_is_shown_as_expired(ww: SimpleNamespace) -> None:
    ww.licence.valid_until = timezone.localdate() - timedelta(days=1)
    ww.licence.save()
    outcome = v.license_verify_identifier(identifier=ww.licence.identifier, client_ip=IP)
    assert outcome.result == "not_valid" and outcome.licence is not None and outcome.licence.status_word == "已失效"


def test_token_verifies_once_then_is_a_replay(ww: SimpleNamespace) -> None:
    token = qr.qr_token_issue(user=ww.citizen, license_id=ww.licence.pk).token
    first = v.license_verify_token(token=token, client_ip=IP)
    assert first.valid and first.channel == "qr" and first.licence is not None
    assert QrTokenUse.objects.filter(license=ww.licence).count() == 1
    again = v.license_verify_token(token=token, client_ip=IP)
    assert again.result == "token_replayed" and again.licence is None
    assert again.message == "该二维码已被核验过，请持证人刷新后重新出示。"
    assert list(Verification.objects.order_by("pk").values_list("result", "license_id")) == [
        ("valid", ww.licence.pk), ("token_replayed", ww.licence.pk)]


def test_expired_token_is_refused_with_a_clear_message(ww: SimpleNamespace) -> None:
    token, _payload = qr.qr_token_make(identifier=ww.licence.identifier, now=timezone.now() - timedelta(seconds=90))
    outcome = v.license_verify_token(token=token, client_ip=IP)
    assert not outcome.valid and outcome.result == "token_expired"
    assert outcome.message == "二维码已过期，请持证人刷新后重新出示。" and outcome.licence is None
    assert Verification.objects.get().license_id == ww.licence.pk  # the holder sees the failed attempt
    assert not QrTokenUse.objects.exists()


def test_forged_token_is_invalid(ww: SimpleNamespace) -> None:
    token = qr.qr_token_issue(user=ww.citizen, license_id=ww.licence.pk).token
    body, signature = token.split(".")
    outcome = v.license_verify_token(token=f"{body}.{signature[::-1]}", client_ip=IP)
    assert outcome.result == "token_invalid" and not outcome.valid
    assert Verification.objects.get().license_id is None


def test_token_of_a_revoked_licence_shows_revoked(ww: SimpleNamespace) -> None:
    token = qr.qr_token_issue(user=ww.citizen, license_id=ww.licence.pk).token
    ww.licence.status = LicenseStatus.REVOKED
    ww.licence.save()
    outcome = v.license_verify_token(token=token, client_ip=IP)
    assert outcome.result == "not_valid" and outcome.licence is not None and outcome.licence.status_word == "已撤销"


def test_limiter(ww: SimpleNamespace, settings: Any) -> None:
    settings.LICENSE_VERIFY_LIMIT = 2
    v.verification_throttle(client_ip=IP)
    v.verification_throttle(client_ip=IP)
    with pytest.raises(v.TooManyVerifications):
        v.verification_throttle(client_ip=IP)
    v.verification_throttle(client_ip="198.51.100.1")  # another address has its own count


def test_purge_forgets_expired_tokens(ww: SimpleNamespace) -> None:
    token = qr.qr_token_issue(user=ww.citizen, license_id=ww.licence.pk).token
    v.license_verify_token(token=token, client_ip=IP)
    assert v.qr_token_uses_purge() == 0
    assert v.qr_token_uses_purge(now=timezone.now() + timedelta(minutes=2)) == 1


def test_mask_holder() -> None:
    assert v.mask_holder("王晓明") == "王**"
    assert v.mask_holder("𠮷野家") == "𠮷**"
    assert v.mask_holder("") == ""
