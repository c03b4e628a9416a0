"""证照核验 pages without login: the form (wrong check character → clear message), /verify/<identifier>/,
/verify/t/<token>/ (expired, replayed, forged: refused with a 4xx and a clear message), the minimum shown, the
revoked state at once, the limiter (429), the footer link."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.licenses.wallet_world import _fresh_limiter, make_wallet_world  # noqa: F401 (autouse fixture)
from tongban.licenses.models import LicenseStatus, Verification
from tongban.licenses.services import qr

pytestmark = pytest.mark.django_db


@pytest.fixture
def ww(regions: dict[str, Any]) -> SimpleNamespace:
    return make_wallet_world(regions)


def test_form_and_footer_link() -> None:
    page = Client().get("/verify/")
    body = page.content.decode()
    assert page.status_code == 200 and 'name="identifier"' in body and 'href="/verify/"' in body
    assert page["X-Robots-Tag"].startswith("noindex")


def test_identifier_from_the_form(ww: SimpleNamespace) -> None:
    response = Client().post("/verify/", {"identifier": ww.licence.identifier})
    body = response.content.decode()
    assert response.status_code == 200 and "有效" in body and "王**" in body and "石林彝族自治县公安局" in body
    assert "王晓明" not in body and "530102199001011231" not in body and "鹿阜街道" not in body


def test_wrong_check_character_is_rejected(ww: SimpleNamespace) -> None:
    wrong = ww.licence.identifier[:-1] + ("0" if ww.licence.identifier[-1] != "0" else "1")
    response = Client().post("/verify/", {"identifier": wrong})
    assert response.status_code == 400 and "校验位不正确" in response.content.decode()
    assert Verification.objects.get().result == "bad_identifier"
    assert Client().post("/verify/", {"identifier": ""}).status_code == 400


def test_identifier_path_shows_revoked_at_once(ww: SimpleNamespace) -> None:
    url = f"/verify/{ww.licence.identifier}/"
    assert "有效" in Client().get(url).content.decode()
    ww.licence.status = LicenseStatus.REVOKED
    ww.licence.save()
    body = Client().get(url).content.decode()
    assert "已撤销" in body and 'class="verdict bad"' in body


def test_token_once_then_replayed(ww: SimpleNamespace) -> None:
    token = qr.qr_token_issue(user=ww.citizen, license_id=ww.licence.pk)
    first = Client().get(token.path)
    assert first.status_code == 200 and 'class="verdict ok"' in first.content.decode()
    second = Client().get(token.path)
    assert second.status_code == 409
    assert "该二维码已被核验过，请持证人刷新后重新出示" in second.content.decode()


def test_expired_token(ww: SimpleNamespace) -> None:
    token, _payload = qr.qr_token_make(identifier=ww.licence.identifier, now=timezone.now() - timedelta(minutes=2))
    response = Client().get(f"/verify/t/{token}/")
    body = response.content.decode()
    assert response.status_code == 410 and "二维码已过期，请持证人刷新后重新出示" in body
    assert "居民身份证" not in body


def test_forged_token(ww: SimpleNamespace) -> None:
    response = Client().get("/verify/t/eyJ2IjoxfQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/")
    assert response.status_code == 400 and "二维码无效" in response.content.decode()


def test_limited_per_address(ww: SimpleNamespace, settings: Any) -> None:
    settings.LICENSE_VERIFY_LIMIT = 2
    client = Client()
    url = f"/verify/{ww.licence.identifier}/"
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    refused = client.get(url)
    assert refused.status_code == 429 and "核验过于频繁" in refused.content.decode()
    assert Verification.objects.count() == 2


def test_issued_licence_end_to_end(regions: dict[str, Any], settings: Any, tmp_path: Any) -> None:
    """A licence issued by the issuing service: in the holder's wallet, its sealed PDF downloads and verifies, its
    亮证 code verifies from a second browser without login; revoked, it shows as revoked everywhere at once."""
    from tests.licenses.issuing import ZHANG_ID, issue_id_card, make_licence_world
    from tests.organizations.helpers import person
    from tests.web.helpers import signed_in
    from tongban.core.pdf import pdf_available
    from tongban.licenses.services.issuance import license_transition
    from tongban.licenses.signing import pdf_verify

    if not pdf_available():
        pytest.skip("no CJK font")
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "f")}}}
    settings.TSA = "none"
    w = make_licence_world(regions)
    holder = person(name="张三", id_number=ZHANG_ID)
    issued = issue_id_card(w)
    wallet = signed_in(holder)
    assert "居民身份证" in wallet.get("/my/licenses/").content.decode()
    pdf = wallet.get(f"/my/licenses/{issued.id}/download/")
    assert pdf.status_code == 200 and pdf_verify(pdf=pdf.content).valid
    url = wallet.get(f"/my/licenses/{issued.id}/token.json").json()["url"].replace("http://testserver", "")
    second_browser = Client()
    assert 'class="verdict ok"' in second_browser.get(url).content.decode()
    license_transition(user=w.gongan_admin, license_id=issued.id, transition="revoke", reason="申请材料虚假")
    assert "已撤销" in second_browser.get(f"/verify/{issued.identifier}/").content.decode()
    assert "撤销" in wallet.get("/my/licenses/").content.decode()
    assert wallet.get(f"/my/licenses/{issued.id}/token.json").status_code == 409
