"""The licences API: 我的证照 and 亮证 tokens (bearer session), public verification, consent requests and use by
client-credentials systems (a department's and a third party's), refusals as structured errors, logged."""

from __future__ import annotations

import base64
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.conftest import login
from tests.licenses.wallet_world import _fresh_limiter, add_organisation, make_wallet_world  # noqa: F401 (autouse fixture)
from tongban.licenses.models import LicenseStatus, LicenseUse, Verification
from tongban.licenses.services import qr
from tongban.oidc import services as oidc_services

pytestmark = pytest.mark.django_db
API = "/api/v1/licenses"


@pytest.fixture
def ww(regions: dict[str, Any]) -> SimpleNamespace:
    return make_wallet_world(regions)


def _client_token(*, name: str, department_id: int | None, kind: str = "service") -> str:
    registered = oidc_services.client_register(
        actor_user=None, may_register=True, name=name, department_name="", kind=kind, redirect_uris="",
        post_logout_redirect_uris="", allowed_scopes=["openid"], sensitive_scopes_approved=False,
        department_id=department_id)
    basic = base64.b64encode(f"{registered.client_id}:{registered.client_secret}".encode()).decode()
    response = Client().post("/oidc/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200, response.content
    return str(response.json()["access_token"])


def _call(method: str, path: str, token: str | None = None, data: Any = None, **params: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    client = Client()
    if method == "get":
        return client.get(f"{API}{path}", params, **headers)
    return client.post(f"{API}{path}" + (f"?{'&'.join(f'{k}={v}' for k, v in params.items())}" if params else ""),
                       data or {}, content_type="application/json", **headers)


@pytest.fixture
def holder_token(ww: SimpleNamespace) -> str:
    return login(Client(), ww.citizen.phone)


def test_my_licences_and_detail(ww: SimpleNamespace, holder_token: str) -> None:
    listed = _call("get", "/mine", holder_token)
    assert listed.status_code == 200
    assert [r["identifier"] for r in listed.json()] == [ww.licence.identifier]
    detail = _call("get", f"/mine/{ww.licence.pk}", holder_token).json()
    assert detail["holder_number_masked"] == "5301**********1231"
    assert {f["name"]: f["value"] for f in detail["fields"]}["id_number"] == "5301**********1231"
    assert _call("get", f"/mine/{ww.others_licence.pk}", holder_token).status_code == 404
    assert _call("get", "/mine").status_code == 401


def test_organisation_licences_need_the_right(ww: SimpleNamespace, holder_token: str) -> None:
    org = add_organisation(ww)
    assert [r["type_name"] for r in _call("get", "/mine", holder_token, org_id=org.org.id).json()] == ["营业执照（电子）"]
    other = login(Client(), ww.other.phone)
    response = _call("get", "/mine", other, org_id=org.org.id)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_qr_token_then_public_verification(ww: SimpleNamespace, holder_token: str) -> None:
    issued = _call("post", f"/mine/{ww.licence.pk}/qr-token", holder_token)
    assert issued.status_code == 200 and issued.json()["ttl"] == 60
    token = issued.json()["token"]
    assert issued.json()["url"].endswith(f"/verify/t/{token}/")
    first = _call("post", "/verify", data={"token": token})
    assert first.status_code == 200 and first.json()["valid"] is True
    assert first.json()["licence"]["holder_name_masked"] == "王**"
    again = _call("post", "/verify", data={"token": token}).json()
    assert again["valid"] is False and again["result"] == "token_replayed" and again["licence"] is None
    assert set(Verification.objects.values_list("channel", flat=True)) == {"api"}


def test_verification_by_identifier_and_bad_input(ww: SimpleNamespace) -> None:
    assert _call("post", "/verify", data={"identifier": ww.licence.identifier}).json()["result"] == "valid"
    wrong = ww.licence.identifier[:-1] + ("0" if ww.licence.identifier[-1] != "0" else "1")
    bad = _call("post", "/verify", data={"identifier": wrong}).json()
    assert bad["result"] == "bad_identifier" and bad["code"] == "identifier_check_failed"
    expired, _payload = qr.qr_token_make(identifier=ww.licence.identifier, now=timezone.now() - timedelta(minutes=5))
    answer = _call("post", "/verify", data={"token": expired}).json()
    assert answer["result"] == "token_expired" and answer["message"] == "二维码已过期，请持证人刷新后重新出示。"
    neither = _call("post", "/verify", data={})
    assert neither.status_code == 422 and neither.json()["error"]["code"] == "validation_failed"
    ww.licence.status = LicenseStatus.REVOKED
    ww.licence.save()
    revoked = _call("post", "/verify", data={"identifier": ww.licence.identifier}).json()
    assert revoked["result"] == "not_valid" and revoked["licence"]["status_word"] == "已撤销"


def test_qr_token_refused_for_a_revoked_licence(ww: SimpleNamespace, holder_token: str) -> None:
    ww.licence.status = LicenseStatus.REVOKED
    ww.licence.save()
    response = _call("post", f"/mine/{ww.licence.pk}/qr-token", holder_token)
    assert response.status_code == 409
    assert response.json()["error"]["issues"][0]["code"] == "license_not_valid"


def test_limiter(ww: SimpleNamespace, settings: Any) -> None:

    settings.LICENSE_VERIFY_LIMIT = 1
    assert _call("post", "/verify", data={"identifier": ww.licence.identifier}).status_code == 200
    refused = _call("post", "/verify", data={"identifier": ww.licence.identifier})
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "too_many_requests"


def test_consent_flow_for_a_third_party(ww: SimpleNamespace, holder_token: str) -> None:
    bank = _client_token(name="示范银行开户系统", department_id=None, kind="third_party")
    until = (timezone.localdate() + timedelta(days=30)).isoformat()
    asked = _call("post", "/consents", bank, {"identifier": ww.licence.identifier, "purpose": "开立账户，核验身份",
                                              "fields": ["name", "id_number"], "valid_until": until})
    assert asked.status_code == 200, asked.content
    consent_id = asked.json()["id"]
    assert asked.json()["consent"]["requester_kind"] == "third_party" and asked.json()["usable"] is False
    early = _call("post", f"/consents/{consent_id}/use", bank, {})
    assert early.status_code == 403
    assert early.json()["error"]["code"] == "use_refused"
    assert early.json()["error"]["issues"][0]["code"] == "consent_not_granted"
    pending = _call("get", "/mine/consents", holder_token, pending=True).json()
    assert [c["id"] for c in pending] == [consent_id] and pending[0]["license_id"] == ww.licence.pk
    grant_until = (timezone.localdate() + timedelta(days=3)).isoformat()
    granted = _call("post", f"/mine/consents/{consent_id}/grant", holder_token,
                    {"fields": ["name"], "valid_until": grant_until})
    assert granted.status_code == 200 and granted.json()["status"] == "granted"
    used = _call("post", f"/consents/{consent_id}/use", bank, {"purpose": "开户"})
    assert used.status_code == 200 and used.json()["fields"] == [{"name": "name", "label": "姓名", "value": "王晓明"}]
    beyond = _call("post", f"/consents/{consent_id}/use", bank, {"fields": ["id_number"]})
    assert beyond.status_code == 403 and beyond.json()["error"]["issues"][0]["code"] == "consent_fields_exceeded"
    assert list(LicenseUse.objects.order_by("pk").values_list("allowed", flat=True)) == [False, True, False]
    assert _call("post", f"/mine/consents/{consent_id}/revoke", holder_token).json()["status"] == "revoked"
    other = _client_token(name="其他系统", department_id=None, kind="third_party")
    assert _call("get", f"/consents/{consent_id}", other).status_code == 404
    assert [c["id"] for c in _call("get", "/consents", bank).json()] == [consent_id]


def test_consent_request_errors(ww: SimpleNamespace) -> None:
    system = _client_token(name="石林县民政局低保系统", department_id=ww.minzheng.pk)
    until = timezone.localdate().isoformat()
    wrong = ww.licence.identifier[:-1] + ("0" if ww.licence.identifier[-1] != "0" else "1")
    bad = _call("post", "/consents", system, {"identifier": wrong, "purpose": "低保审核核对", "fields": ["name"],
                                              "valid_until": until})
    assert bad.status_code == 422
    unknown = _call("post", "/consents", system, {"identifier": ww.licence.identifier, "purpose": "低保审核核对",
                                                  "fields": ["salary"], "valid_until": until})
    assert unknown.status_code == 422 and unknown.json()["error"]["issues"][0]["code"] == "fields_unknown"
    ok = _call("post", "/consents", system, {"identifier": ww.licence.identifier, "purpose": "低保审核核对",
                                             "fields": ["name"], "valid_until": until})
    assert ok.json()["consent"]["requester_name"] == "石林彝族自治县民政局"
    assert _call("post", "/consents", None, {}).status_code == 401
