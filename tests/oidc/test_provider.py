"""The OpenID Connect provider through Django's test client: discovery, code + PKCE, ID tokens, userinfo, grants."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.test import Client as HttpClient
from jwcrypto import jwk, jwt

from tests.oidc.conftest import (
    authorize_params,
    code_from,
    consent_post,
    login_flow,
    make_person,
    pkce_pair,
    register_client,
)
from tongban.core.audit import audit_verify
from tongban.core.models import AuditEvent
from tongban.oidc.models import Client, Consent

pytestmark = pytest.mark.django_db
ISSUER = "http://testserver/oidc"


def verified_claims(id_token: str, audience: str) -> dict[str, Any]:
    keys = jwk.JWKSet.from_json(HttpClient().get("/oidc/.well-known/jwks.json").content.decode())
    token = jwt.JWT(jwt=id_token, key=keys, algs=["RS256"], check_claims={"iss": ISSUER, "aud": audience})
    return json.loads(token.claims)


def userinfo(access_token: str) -> dict[str, Any]:
    response = HttpClient().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access_token}")
    assert response.status_code == 200, response.content
    return response.json()


def test_discovery_document_at_root_and_under_the_issuer():
    for path in ("/.well-known/openid-configuration", "/oidc/.well-known/openid-configuration"):
        doc = HttpClient().get(path).json()
        assert doc["issuer"] == ISSUER
        assert doc["authorization_endpoint"] == f"{ISSUER}/authorize/"
        assert doc["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
        assert doc["userinfo_endpoint"] == f"{ISSUER}/userinfo/"
        assert doc["end_session_endpoint"] == f"{ISSUER}/logout/"
        assert doc["subject_types_supported"] == ["pairwise"]
        assert "RS256" in doc["id_token_signing_alg_values_supported"]
        assert doc["code_challenge_methods_supported"] == ["S256"]
        assert doc["acr_values_supported"] == [f"tongban:loa:{n}" for n in (1, 2, 3, 4)]
        assert set(doc["scopes_supported"]) == {"openid", "profile", "phone", "id_number", "organization"}
        assert doc["backchannel_logout_supported"] is True


def test_code_flow_with_pkce_issues_an_id_token_verified_against_jwks(browser, person):
    rp = register_client()
    tokens = login_flow(browser, rp)
    claims = verified_claims(tokens["id_token"], rp.client_id)
    assert claims["acr"] == "tongban:loa:2" and claims["amr"] == ["pwd"]
    assert claims["nonce"] == "n-1" and claims["sid"]
    assert claims["sub"] != str(person.pk) and len(claims["sub"]) == 64
    assert "name" not in claims and "id_number" not in claims, "ID tokens carry no personal data"
    assert AuditEvent.objects.filter(action="oidc.token.issue").count() == 1
    assert AuditEvent.objects.filter(action="oidc.consent.grant").count() == 1
    assert not list(audit_verify())


def test_amr_follows_how_the_browser_session_signed_in(browser):
    session = browser.session
    session["tongban_amr"] = ["sms"]
    session.save()
    rp = register_client()
    claims = verified_claims(login_flow(browser, rp)["id_token"], rp.client_id)
    assert claims["amr"] == ["sms"]


def test_pkce_is_required_and_verified(browser):
    rp = register_client()
    params = authorize_params(rp, challenge="x")
    del params["code_challenge"], params["code_challenge_method"]
    response = browser.get("/oidc/authorize/", params)
    assert response.status_code == 302 and "error=invalid_request" in response["Location"]
    verifier, challenge = pkce_pair()
    params = authorize_params(rp, challenge=challenge)
    browser.get("/oidc/authorize/", params)
    code = code_from(consent_post(browser, params))
    token = HttpClient().post("/oidc/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri,
        "code_verifier": "wrong-" + verifier, "client_id": rp.client_id, "client_secret": rp.client_secret})
    assert token.status_code == 400 and token.json()["error"] == "invalid_grant"


def test_pairwise_subject_differs_between_clients_and_is_stable_per_client(browser):
    one = register_client(name="A", redirect_uri="https://a.example.cn/cb")
    two = register_client(name="B", redirect_uri="https://b.example.cn/cb")
    sub_one = verified_claims(login_flow(browser, one)["id_token"], one.client_id)["sub"]
    sub_two = verified_claims(login_flow(browser, two)["id_token"], two.client_id)["sub"]
    again = verified_claims(login_flow(browser, one)["id_token"], one.client_id)["sub"]
    assert sub_one != sub_two and sub_one == again
    assert userinfo(login_flow(browser, two)["access_token"])["sub"] == sub_two


def test_userinfo_gives_the_verified_name_only_with_profile(browser):
    rp = register_client(scopes=("openid", "profile"))
    assert userinfo(login_flow(browser, rp)["access_token"])["name"] == "张三丰"
    plain = register_client(name="C", scopes=("openid",), redirect_uri="https://c.example.cn/cb")
    assert set(userinfo(login_flow(browser, plain, scope="openid")["access_token"])) == {"sub"}


def test_sensitive_claims_need_an_approved_client_and_consent(browser):
    every = ("openid", "profile", "phone", "id_number")
    unapproved = register_client(name="未审核", scopes=every, approved=False, redirect_uri="https://u.example.cn/cb")
    info = userinfo(login_flow(browser, unapproved, scope=" ".join(every), id_number=True)["access_token"])
    assert "phone_number" not in info and "id_number" not in info

    approved = register_client(name="已审核", scopes=every, approved=True, redirect_uri="https://ok.example.cn/cb")
    without_consent = userinfo(login_flow(browser, approved, scope=" ".join(every))["access_token"])
    assert without_consent["phone_number"] == "13912345678" and "id_number" not in without_consent

    with_consent = userinfo(login_flow(browser, approved, scope=" ".join(every), id_number=True)["access_token"])
    assert with_consent["id_number"] == "530102199001011231"
    reveals = AuditEvent.objects.filter(action="oidc.identity.reveal").order_by("seq")
    assert "id_number" in reveals.last().detail["claims"]


def test_scopes_outside_the_registration_are_refused(browser):
    rp = register_client(scopes=("openid",))
    _verifier, challenge = pkce_pair()
    response = browser.get("/oidc/authorize/", authorize_params(rp, scope="openid id_number", challenge=challenge))
    assert response.status_code == 302 and "error=invalid_scope" in response["Location"]


def test_acr_values_step_up_refuses_and_explains(db):
    low = make_person("13812340000", level=1)
    http = HttpClient()
    http.force_login(low)
    rp = register_client()
    _verifier, challenge = pkce_pair()
    response = http.get("/oidc/authorize/", authorize_params(rp, challenge=challenge, acr_values="tongban:loa:2"))
    assert response.status_code == 302 and response["Location"].startswith("/oidc/step-up/")
    assert "code=" not in response["Location"]
    page = http.get(response["Location"])
    assert page.status_code == 403
    assert "/account/realname/" in page.content.decode() and "实名用户" in page.content.decode()
    assert not Consent.objects.exists()


def test_acr_values_met_issues_the_code(browser):
    rp = register_client()
    _verifier, challenge = pkce_pair()
    params = authorize_params(rp, challenge=challenge, acr_values="tongban:loa:2")
    assert browser.get("/oidc/authorize/", params).status_code == 200


def test_refresh_token_grant_rotates_and_refuses_replay(browser):
    rp = register_client()
    first = login_flow(browser, rp)
    refresh = {"grant_type": "refresh_token", "client_id": rp.client_id, "client_secret": rp.client_secret}
    second = HttpClient().post("/oidc/token/", {**refresh, "refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    body = second.json()
    assert body["refresh_token"] != first["refresh_token"] and body["access_token"] != first["access_token"]
    claims = verified_claims(body["id_token"], rp.client_id)
    assert claims["acr"] == "tongban:loa:2" and claims["amr"] == ["pwd"], "refreshed ID tokens keep acr/amr"
    replay = HttpClient().post("/oidc/token/", {**refresh, "refresh_token": first["refresh_token"]})
    assert replay.status_code == 400
    after_replay = HttpClient().post("/oidc/token/", {**refresh, "refresh_token": body["refresh_token"]})
    assert after_replay.status_code == 400, "reuse revokes the whole token family"


def test_client_credentials_for_a_department_system(db):
    rp = register_client(name="省人社厅业务系统", kind="service", scopes=("openid",))
    basic = base64.b64encode(f"{rp.client_id}:{rp.client_secret}".encode()).decode()
    response = HttpClient().post("/oidc/token/", {"grant_type": "client_credentials"},
                                 HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer" and "refresh_token" not in body and "id_token" not in body
    event = AuditEvent.objects.get(action="oidc.token.issue")
    assert event.actor_id == f"oidc-client:{rp.client_id}"
    wrong = HttpClient().post("/oidc/token/", {"grant_type": "client_credentials", "client_id": rp.client_id,
                                               "client_secret": "nope"})
    assert wrong.status_code == 401


def test_registered_secrets_are_hashed(db):
    rp = register_client()
    assert Client.objects.get(client_id=rp.client_id).client_secret != rp.client_secret
