"""我的证照 pages: list with states and empty state, detail (number masked), download (404 without a file,
audited with one), 亮证 page (QR, no-JS refresh, script) and token JSON, consents (grant, refuse, revoke with a
confirmation), logs; another holder's licence answers 404; the organisation's wallet; the workbench pages."""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.licenses.wallet_world import _fresh_limiter, add_organisation, make_wallet_world  # noqa: F401 (autouse fixture)
from tests.organizations.helpers import person
from tests.web.helpers import signed_in
from tongban.core.errors import NotFound
from tongban.core.models import AuditEvent
from tongban.licenses.models import LicenseConsent, LicenseStatus, LicenseUse
from tongban.licenses.services import consents as c
from tongban.licenses.services import verification as v

pytestmark = pytest.mark.django_db


@pytest.fixture
def ww(regions: dict[str, Any]) -> SimpleNamespace:
    return make_wallet_world(regions)


def test_list_detail_and_states(ww: SimpleNamespace) -> None:
    client = signed_in(ww.citizen)
    page = client.get("/my/licenses/")
    body = page.content.decode()
    assert page.status_code == 200 and "居民身份证（电子）" in body and "有效" in body
    assert "李华" not in body
    detail = client.get(f"/my/licenses/{ww.licence.pk}/").content.decode()
    assert "5301**********1231" in detail and "530102199001011231" not in detail
    assert "鹿阜街道" in detail and "亮证" in detail
    ww.licence.status = LicenseStatus.REVOKED
    ww.licence.save()
    assert "撤销" in client.get("/my/licenses/").content.decode()
    detail = client.get(f"/my/licenses/{ww.licence.pk}/").content.decode()
    assert "撤销" in detail and "亮证（出示二维码）" not in detail


def test_empty_wallet_and_header_link(ww: SimpleNamespace) -> None:
    newcomer = person()
    body = signed_in(newcomer).get("/my/licenses/").content.decode()
    assert "还没有电子证照" in body and "去实名认证" in body
    assert 'href="/my/licenses/"' in body


def test_login_required_and_other_holders_licence(ww: SimpleNamespace) -> None:
    assert Client().get("/my/licenses/").status_code == 302
    client = signed_in(ww.citizen)
    for path in ("", "show/", "token.json", "download/", "uses/", "verifications/"):
        assert client.get(f"/my/licenses/{ww.others_licence.pk}/{path}").status_code == 404, path


def test_download(ww: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    client = signed_in(ww.citizen)
    from tongban.licenses.services import wallet as wallet_services

    def not_made(license_id: int) -> bytes:
        raise NotFound("证照文件尚未生成。")

    monkeypatch.setattr(wallet_services, "_render", not_made)
    missing = client.get(f"/my/licenses/{ww.licence.pk}/download/")
    assert missing.status_code == 404
    from tongban.files.services import file_store_generated

    stored = file_store_generated(owner_user_id=ww.citizen.pk, data=b"%PDF-1.7 sealed", kind="pdf",
                                  display_name="证照.pdf", purpose="licenses.license")
    ww.licence.pdf_file_id = stored.id
    ww.licence.save()
    got = client.get(f"/my/licenses/{ww.licence.pk}/download/")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf" and got.content.startswith(b"%PDF")
    assert "attachment" in got["Content-Disposition"]
    assert AuditEvent.objects.filter(action="licenses.download", object_id=str(ww.licence.pk)).exists()


def test_show_page_and_token_json(ww: SimpleNamespace) -> None:
    client = signed_in(ww.citizen)
    page = client.get(f"/my/licenses/{ww.licence.pk}/show/")
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body
    assert '<noscript><meta http-equiv="refresh" content="60"></noscript>' in body
    assert "licenses-qr.js" in body and "/verify/t/" in body
    token = client.get(f"/my/licenses/{ww.licence.pk}/token.json")
    data = token.json()
    assert token.status_code == 200 and data["ttl"] == 60 and data["svg"].startswith("<svg")
    assert data["url"].startswith("http://testserver/verify/t/") and data["token"] in data["url"]
    # A second browser without login verifies it once.
    anonymous = Client()
    first = anonymous.get(data["url"].replace("http://testserver", ""))
    assert first.status_code == 200 and "有效" in first.content.decode()


def test_show_refused_for_a_licence_no_longer_valid(ww: SimpleNamespace) -> None:
    ww.licence.status = LicenseStatus.EXPIRED
    ww.licence.save()
    client = signed_in(ww.citizen)
    response = client.get(f"/my/licenses/{ww.licence.pk}/show/", follow=True)
    assert "不能亮证" in response.content.decode()
    assert client.get(f"/my/licenses/{ww.licence.pk}/token.json").status_code == 409


def _ask(w: SimpleNamespace, days: int = 30) -> Any:
    return c.consent_request(requester=c.requester_for_staff(user=w.clerk), identifier=w.licence.identifier,
                             purpose="办理低保申请，核对户籍", fields=["name", "address"],
                             valid_until=timezone.localdate() + timedelta(days=days))


def test_consent_grant_through_the_page(ww: SimpleNamespace) -> None:
    made = _ask(ww)
    client = signed_in(ww.citizen)
    assert "等待您授权" in client.get("/my/licenses/").content.decode()
    page = client.get(f"/my/licenses/consents/{made.id}/")
    assert page.status_code == 200 and "石林彝族自治县民政局" in page.content.decode()
    until = (timezone.localdate() + timedelta(days=40)).isoformat()
    bad = client.post(f"/my/licenses/consents/{made.id}/", {"action": "grant", "fields": ["name"],
                                                            "valid_until": until})
    assert bad.status_code == 200 and "不能晚于" in bad.content.decode()
    until = (timezone.localdate() + timedelta(days=5)).isoformat()
    done = client.post(f"/my/licenses/consents/{made.id}/", {"action": "grant", "fields": ["name"],
                                                             "valid_until": until})
    assert done.status_code == 302
    consent = LicenseConsent.objects.get(pk=made.id)
    assert consent.status == "granted" and consent.granted_fields == ["name"]


def test_consent_refuse_and_revoke_with_confirmation(ww: SimpleNamespace) -> None:
    client = signed_in(ww.citizen)
    refused = _ask(ww)
    client.post(f"/my/licenses/consents/{refused.id}/", {"action": "refuse"})
    assert LicenseConsent.objects.get(pk=refused.id).status == "refused"
    granted = _ask(ww)
    c.consent_grant(user=ww.citizen, consent_id=granted.id, fields=["name"], valid_until=timezone.localdate())
    confirm = client.post(f"/my/licenses/consents/{granted.id}/", {"action": "revoke"})
    assert confirm.status_code == 200 and "确认撤回" in confirm.content.decode()
    assert LicenseConsent.objects.get(pk=granted.id).status == "granted"
    client.post(f"/my/licenses/consents/{granted.id}/", {"action": "revoke", "confirm": "yes"})
    assert LicenseConsent.objects.get(pk=granted.id).status == "revoked"
    assert signed_in(ww.other).get(f"/my/licenses/consents/{granted.id}/").status_code == 404


def test_use_and_verification_logs_show_in_the_wallet(ww: SimpleNamespace) -> None:
    made = _ask(ww)
    c.consent_grant(user=ww.citizen, consent_id=made.id, fields=["name"], valid_until=timezone.localdate())
    c.license_use(requester=c.requester_for_staff(user=ww.clerk), consent_id=made.id, fields=None, purpose="低保审核")
    with pytest.raises(c.UseRefused):
        c.license_use(requester=c.requester_for_staff(user=ww.clerk), consent_id=made.id, fields=["address"],
                      purpose="低保审核")
    v.license_verify_identifier(identifier=ww.licence.identifier, client_ip="203.0.113.9")
    body = signed_in(ww.citizen).get(f"/my/licenses/{ww.licence.pk}/").content.decode()
    assert "谁用了我的证照" in body and "低保审核" in body and "已拒绝" in body
    assert "被核验记录" in body and "输入证照标识" in body and "203.0.113.9" not in body
    uses = signed_in(ww.citizen).get(f"/my/licenses/{ww.licence.pk}/uses/").content.decode()
    assert uses.count("低保审核") == 2 and LicenseUse.objects.count() == 2
    assert signed_in(ww.citizen).get(f"/my/licenses/{ww.licence.pk}/verifications/").status_code == 200
    assert signed_in(ww.citizen).get(f"/my/licenses/{ww.licence.pk}/other/").status_code == 404


def test_organisation_wallet(ww: SimpleNamespace) -> None:
    org = add_organisation(ww)
    client = signed_in(ww.citizen)
    mine = client.get("/my/licenses/").content.decode()
    assert "营业执照（电子）" not in mine
    theirs = client.get(f"/my/licenses/?org={org.org.id}").content.decode()
    assert "营业执照（电子）" in theirs and "居民身份证（电子）" not in theirs
    assert client.get(f"/my/licenses/{org.licence.pk}/?org={org.org.id}").status_code == 200
    assert client.get(f"/my/licenses/{org.licence.pk}/").status_code == 404
    assert signed_in(ww.other).get(f"/my/licenses/?org={org.org.id}").status_code == 404


# ------------------------------------------------------------------ workbench


def test_lookup_page(ww: SimpleNamespace) -> None:
    assert signed_in(ww.clerk).get("/workbench/license-lookup/").status_code == 403
    client = signed_in(ww.lookup)
    assert client.get("/workbench/license-lookup/").status_code == 200
    bad = client.post("/workbench/license-lookup/", {"number": "530102199001011232", "purpose": "办理户口迁移"})
    assert bad.status_code == 422 and "校验位" in bad.content.decode()
    found = client.post("/workbench/license-lookup/", {"number": "530102199001011231", "purpose": "办理户口迁移"})
    body = found.content.decode()
    assert found.status_code == 200 and ww.licence.identifier in body and "530102199001011231" not in body
    assert "王*明" in body
    refused = signed_in(ww.clerk).post("/workbench/license-lookup/",
                                       {"number": "530102199001011231", "purpose": "办理户口迁移"})
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(action="licenses.lookup", outcome="denied").exists()


def test_consent_pages_for_staff(ww: SimpleNamespace) -> None:
    client = signed_in(ww.clerk)
    assert "还没有用证申请" in client.get("/workbench/license-consents/").content.decode()
    step = client.get(f"/workbench/license-consents/new/?identifier={ww.licence.identifier}")
    assert step.status_code == 200 and "住址" in step.content.decode()
    until = (timezone.localdate() + timedelta(days=10)).isoformat()
    made = client.post("/workbench/license-consents/new/", {
        "identifier": ww.licence.identifier, "purpose": "办理低保申请", "fields": ["name"], "valid_until": until})
    assert made.status_code == 302
    consent = LicenseConsent.objects.get()
    page = client.get(made["Location"]).content.decode()
    assert "等待持证人授权" in page and "王**" in page
    refused = client.post(made["Location"], {"fields": ["name"], "purpose": "低保审核"})
    assert refused.status_code == 403 and "尚未同意" in refused.content.decode()
    assert LicenseUse.objects.get().allowed is False
    assert signed_in(ww.reviewer).get("/workbench/license-consents/").status_code == 403
    assert signed_in(ww.outsider_clerk).get(f"/workbench/license-consents/{consent.pk}/").status_code == 404


def test_staff_gets_the_sealed_copy(ww: SimpleNamespace) -> None:
    from tongban.core.pdf import pdf_available
    from tongban.licenses.services.seals import seal_ensure_for_department

    if not pdf_available():
        pytest.skip("no CJK font")
    seal_ensure_for_department(department_id=ww.gongan.pk)
    made = _ask(ww)
    c.consent_grant(user=ww.citizen, consent_id=made.id, fields=["name", "address"],
                    valid_until=timezone.localdate())
    got = signed_in(ww.clerk).post(f"/workbench/license-consents/{made.id}/", {"fields": ["name"], "purpose": "低保"})
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf" and got.content.startswith(b"%PDF")
    assert json.loads(json.dumps(LicenseUse.objects.get().fields)) == ["name"]


def test_workbench_navigation(ww: SimpleNamespace) -> None:
    home = signed_in(ww.lookup).get("/workbench/")
    assert home.status_code == 302 and home["Location"] == "/workbench/license-lookup/"
    page = signed_in(ww.lookup).get("/workbench/license-lookup/").content.decode()
    assert 'href="/workbench/license-lookup/"' in page and 'href="/workbench/license-consents/"' in page
