"""Consent remembered and revoked, single sign-out with back-channel notices, and client registration pages."""

from __future__ import annotations

import json

import pytest
from django.test import Client as HttpClient
from jwcrypto import jwk, jwt

from tests.factories import DepartmentFactory, make_staff
from tests.oidc import conftest
from tests.oidc.conftest import authorize_params, login_flow, pkce_pair, register_client
from tongban.core.models import AuditEvent
from tongban.directory.models import StaffRole
from tongban.oidc.models import Client, Consent, SignOnSession

pytestmark = pytest.mark.django_db


def test_consent_is_remembered_per_client_and_scope_set_and_revocable(browser):
    rp = register_client(scopes=("openid", "profile", "phone"), approved=True)
    login_flow(browser, rp)
    _verifier, challenge = pkce_pair()
    again = browser.get("/oidc/authorize/", authorize_params(rp, challenge=challenge))
    assert again.status_code == 302 and "code=" in again["Location"], "same scopes: no second consent screen"
    wider = browser.get("/oidc/authorize/", authorize_params(rp, scope="openid profile phone", challenge=challenge))
    assert wider.status_code == 200 and "手机号" in wider.content.decode(), "a new scope asks again"

    tokens = login_flow(browser, rp)
    page = browser.get("/oidc/authorizations/")
    assert "昆明市公积金系统" in page.content.decode()
    consent = Consent.objects.get(revoked_at__isnull=True)
    response = browser.post(f"/oidc/authorizations/{consent.pk}/revoke/")
    assert response.status_code == 302
    assert HttpClient().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").status_code == 401
    asked = browser.get("/oidc/authorize/", authorize_params(rp, challenge=challenge))
    assert asked.status_code == 200, "after revoking, the consent screen comes back"
    assert AuditEvent.objects.filter(action="oidc.consent.revoke").count() == 1


def test_someone_else_cannot_revoke_my_consent(browser):
    rp = register_client()
    login_flow(browser, rp)
    consent = Consent.objects.get()
    other = HttpClient()
    other.force_login(conftest.make_person("13700000001"))
    other.post(f"/oidc/authorizations/{consent.pk}/revoke/")
    consent.refresh_from_db()
    assert consent.revoked_at is None


def test_consent_screen_lists_exactly_what_is_asked(browser):
    rp = register_client(scopes=("openid", "profile", "id_number"), approved=True)
    _verifier, challenge = pkce_pair()
    page = browser.get("/oidc/authorize/", authorize_params(rp, scope="openid profile id_number",
                                                            challenge=challenge)).content.decode()
    assert "实名核验后的姓名" in page and 'name="consent_id_number"' in page and "手机号" not in page


def test_rp_initiated_logout_ends_sessions_and_sends_signed_back_channel_notices(browser, django_capture_on_commit_callbacks):
    rp = register_client(backchannel="https://rp.example.cn/backchannel")
    tokens = login_flow(browser, rp)
    id_claims = json.loads(jwt.JWT(jwt=tokens["id_token"]).token.objects["payload"])
    page = browser.get("/oidc/logout/", {"id_token_hint": tokens["id_token"], "client_id": rp.client_id,
                                         "post_logout_redirect_uri": rp.redirect_uri, "state": "bye"})
    assert page.status_code == 200 and "退出" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/oidc/logout/", {"id_token_hint": tokens["id_token"], "client_id": rp.client_id,
                                                  "post_logout_redirect_uri": rp.redirect_uri, "state": "bye",
                                                  "allow": "1"})
    assert response.status_code == 302 and response["Location"] == f"{rp.redirect_uri}?state=bye"
    assert not SignOnSession.objects.filter(ended_at__isnull=True).exists()
    assert len(conftest.SENT) == 1
    uri, token = conftest.SENT[0]
    keys = jwk.JWKSet.from_json(HttpClient().get("/oidc/.well-known/jwks.json").content.decode())
    logout = json.loads(jwt.JWT(jwt=token, key=keys, algs=["RS256"]).claims)
    assert uri == "https://rp.example.cn/backchannel"
    assert logout["sub"] == id_claims["sub"] and logout["sid"] == id_claims["sid"] and logout["aud"] == rp.client_id
    assert "http://schemas.openid.net/event/backchannel-logout" in logout["events"] and "nonce" not in logout
    assert "_auth_user_id" not in browser.session


def test_only_platform_administrators_register_clients(db):
    department = DepartmentFactory()
    clerk = make_staff(department, username="clerk01")
    catalog_admin = make_staff(department, StaffRole.PLATFORM_CATALOG_ADMIN, username="catalog01")
    admin = make_staff(department, StaffRole.PLATFORM_ADMIN, username="platform01")
    http = HttpClient()
    for refused in (clerk, catalog_admin):
        http.force_login(refused)
        assert http.get("/workbench/oidc/").status_code == 403
        assert http.post("/workbench/oidc/new/", {"name": "x"}).status_code == 403
    assert AuditEvent.objects.filter(action="oidc.client.list", outcome="denied").count() == 2
    assert AuditEvent.objects.filter(action="oidc.client.register", outcome="denied").count() == 2
    http.force_login(admin)
    assert http.get("/workbench/oidc/").status_code == 200
    response = http.post("/workbench/oidc/new/", {
        "name": "曲靖市不动产登记系统", "department_name": "曲靖市自然资源局", "kind": "web",
        "redirect_uris": "https://bdc.example.cn/oidc/callback", "allowed_scopes": ["openid", "profile", "id_number"],
        "sensitive_scopes_approved": "on"})
    assert response.status_code == 200
    client = Client.objects.get(name="曲靖市不动产登记系统")
    assert client.sensitive_scopes_approved and client.allowed_scope_set() == {"openid", "profile", "id_number"}
    assert client.client_id in response.content.decode()
    assert "曲靖市不动产登记系统" in http.get("/workbench/oidc/").content.decode()
    assert AuditEvent.objects.filter(action="oidc.client.register", actor_id=str(admin.pk)).exists()


def test_development_signing_key_is_created_once_even_when_workers_race(tmp_path, monkeypatch) -> None:
    from pathlib import Path

    from tongban.oidc import conf

    first = conf.signing_key("", data_dir=tmp_path, debug=True)
    # A second worker that checked for the file just before the first one linked it in:
    monkeypatch.setattr(Path, "exists", lambda self: False)
    assert conf.signing_key("", data_dir=tmp_path, debug=True) == first
    assert [p.name for p in tmp_path.iterdir()] == [conf.DEV_KEY_FILE]
