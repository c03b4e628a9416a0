"""In-app single sign-on through the API: step-up, consent, the code exchanged at /oidc/token/ with PKCE."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from jwcrypto import jwk, jwt

from tests.api.conftest import PASSWORD, get, login, post, register_person, send_code, verify_population
from tests.oidc.conftest import REDIRECT, Rp, pkce_pair, register_client
from tongban.core.models import AuditEvent
from tongban.identity import services as identity_services
from tongban.oidc.models import Client as OidcClient
from tongban.oidc.models import Consent, SignOnSession

pytestmark = pytest.mark.django_db
ISSUER = "http://testserver/oidc"
PHONE = "13912345678"
NAME = "张三丰"
ID_NUMBER = "530102199001011231"


def authorization(rp: Rp, challenge: str, **extra: Any) -> dict[str, Any]:
    return {"client_id": rp.client_id, "redirect_uri": rp.redirect_uri, "scope": "openid profile",
            "code_challenge": challenge, "code_challenge_method": "S256", "state": "st-9", "nonce": "n-9", **extra}


def exchange(rp: Rp, code: str, verifier: str) -> dict[str, Any]:
    response = Client().post("/oidc/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri, "code_verifier": verifier,
        "client_id": rp.client_id, "client_secret": rp.client_secret})
    assert response.status_code == 200, response.content
    return response.json()


def claims_of(id_token: str, audience: str) -> dict[str, Any]:
    keys = jwk.JWKSet.from_json(Client().get("/oidc/.well-known/jwks.json").content.decode())
    token = jwt.JWT(jwt=id_token, key=keys, algs=["RS256"], check_claims={"iss": ISSUER, "aud": audience})
    return dict(json.loads(token.claims))


def sign_on(client: Client, token: str, rp: Rp, **extra: Any) -> dict[str, Any]:
    """Authorize in the app (consenting) and exchange the code like the client would: the token response."""
    verifier, challenge = pkce_pair()
    response = post(client, "/authorizations", authorization(rp, challenge, consent=True, **extra), token=token)
    assert response.status_code == 201, response.content
    return exchange(rp, response.json()["code"], verifier)


@pytest.fixture
def person_token(client: Client) -> str:
    register_person(client, PHONE)
    return login(client, PHONE)


def user_id() -> int:
    from django.contrib.auth import get_user_model

    return int(get_user_model().objects.get(person__phone_index=identity_services.phone_index(PHONE)).pk)


def test_step_up_then_consent_then_a_code_the_client_exchanges(client, person_token):
    rp = register_client(name="昆明市公积金小程序")
    verifier, challenge = pkce_pair()
    request = authorization(rp, challenge, acr_values="tongban:loa:2")

    step_up = post(client, "/authorizations", request, token=person_token)
    assert step_up.status_code == 403
    body = step_up.json()["error"]
    assert body["code"] == "step_up_required"
    assert body["issues"] == [{"code": "tongban:loa:2", "field": "acr_values",
                               "message": "实名用户（姓名和身份证号已核验）"}]

    verify_population(client, person_token, name=NAME, id_number=ID_NUMBER)
    ask = post(client, "/authorizations", request, token=person_token)
    assert ask.status_code == 403 and ask.json()["error"]["code"] == "consent_required"
    assert [i["code"] for i in ask.json()["error"]["issues"]] == ["openid", "profile"]
    assert not Consent.objects.exists()
    assert AuditEvent.objects.filter(action="oidc.authorize.inapp", outcome="denied").count() == 2

    granted = post(client, "/authorizations", {**request, "consent": True}, token=person_token)
    assert granted.status_code == 201, granted.content
    issued = granted.json()
    query = parse_qs(urlsplit(issued["redirect_uri"]).query)
    assert issued["redirect_uri"].startswith(REDIRECT + "?")
    assert query["code"] == [issued["code"]] and query["state"] == ["st-9"] == [issued["state"]]

    tokens = exchange(rp, issued["code"], verifier)
    claims = claims_of(tokens["id_token"], rp.client_id)
    assert claims["acr"] == "tongban:loa:2" and claims["amr"] == ["pwd"] and claims["nonce"] == "n-9"
    client_row = OidcClient.objects.get(client_id=rp.client_id)
    assert claims["sub"] == client_row.pairwise_subject(user_id()) and claims["sub"] != str(user_id())
    assert "name" not in claims and "id_number" not in claims
    info = Client().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()
    assert info["name"] == NAME and info["sub"] == claims["sub"]
    assert SignOnSession.objects.get().browser_session, "the API session is recorded for single sign-out"

    again = post(client, "/authorizations", authorization(rp, challenge), token=person_token)
    assert again.status_code == 201, "the consent is remembered"


def test_the_code_is_single_use_and_needs_the_verifier(client, person_token):
    rp = register_client()
    verifier, challenge = pkce_pair()
    code = post(client, "/authorizations", authorization(rp, challenge, consent=True), token=person_token).json()["code"]
    wrong = Client().post("/oidc/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri,
        "code_verifier": "x" + verifier, "client_id": rp.client_id, "client_secret": rp.client_secret})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"


def test_amr_follows_how_the_api_session_signed_in(client):
    register_person(client, PHONE)
    code = send_code(client, PHONE, purpose="login")
    token = post(client, "/sessions/sms", {"phone": PHONE, "sms_code": code}).json()["token"]
    rp = register_client()
    claims = claims_of(sign_on(client, token, rp)["id_token"], rp.client_id)
    assert claims["amr"] == ["sms"] and claims["acr"] == "tongban:loa:1"


def test_pairwise_subjects_differ_between_clients(client, person_token):
    one = register_client(name="A", redirect_uri="https://a.example.cn/cb")
    two = register_client(name="B", redirect_uri="https://b.example.cn/cb")
    sub_one = claims_of(sign_on(client, person_token, one)["id_token"], one.client_id)["sub"]
    sub_two = claims_of(sign_on(client, person_token, two)["id_token"], two.client_id)["sub"]
    assert sub_one != sub_two


def test_sensitive_scopes_need_an_approved_client_and_consent(client, person_token):
    verify_population(client, person_token, name=NAME, id_number=ID_NUMBER)
    every = "openid profile phone id_number"
    approved = register_client(name="已审核", scopes=tuple(every.split()), approved=True)
    _verifier, challenge = pkce_pair()
    ask = post(client, "/authorizations", authorization(approved, challenge, scope=every), token=person_token)
    assert ask.status_code == 403
    assert [i["code"] for i in ask.json()["error"]["issues"]] == ["openid", "profile", "phone", "id_number"]
    assert {i["message"] for i in ask.json()["error"]["issues"]} >= {"身份证号", "手机号"}
    tokens = sign_on(client, person_token, approved, scope=every)  # consent=true alone: not the ID number
    info = Client().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()
    assert "id_number" not in info and info["phone_number"] == PHONE
    tokens = sign_on(client, person_token, approved, scope=every, consent_id_number=True)
    info = Client().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()
    assert info["id_number"] == ID_NUMBER and info["phone_number"] == PHONE

    unapproved = register_client(name="未审核", scopes=tuple(every.split()), approved=False,
                                 redirect_uri="https://u.example.cn/cb")
    tokens = sign_on(client, person_token, unapproved, scope=every)
    info = Client().get("/oidc/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()
    assert "id_number" not in info and "phone_number" not in info


def test_bad_authorization_requests(client, person_token):
    rp = register_client(scopes=("openid",))
    _verifier, challenge = pkce_pair()
    unknown = post(client, "/authorizations", {**authorization(rp, challenge), "client_id": "nope"}, token=person_token)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
    redirect = post(client, "/authorizations", authorization(rp, challenge, scope="openid",
                                                             redirect_uri="https://evil.example/cb"),
                    token=person_token)
    assert redirect.status_code == 400 and redirect.json()["error"]["code"] == "authorization_invalid"
    scope = post(client, "/authorizations", authorization(rp, challenge, scope="openid id_number"), token=person_token)
    assert scope.status_code == 400 and scope.json()["error"]["issues"][0]["code"] == "invalid_scope"
    plain = post(client, "/authorizations", authorization(rp, challenge, scope="openid", code_challenge_method="plain",
                                                          consent=True), token=person_token)
    assert plain.status_code == 400 and plain.json()["error"]["issues"][0]["code"] == "invalid_request"
    no_pkce = post(client, "/authorizations", {k: v for k, v in authorization(rp, challenge).items()
                                               if k != "code_challenge"}, token=person_token)
    assert no_pkce.status_code == 422 and no_pkce.json()["error"]["issues"][0]["field"] == "code_challenge"
    anonymous = post(client, "/authorizations", authorization(rp, challenge, scope="openid"))
    assert anonymous.status_code == 401
    assert not SignOnSession.objects.exists()


def test_a_password_change_stops_sso_through_the_old_token(client, person_token):
    rp = register_client()
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=user_id())
    identity_services.person_password_change(user=user, current_password=PASSWORD, new_password="Fresh#2026pass",
                                             ip=None)
    _verifier, challenge = pkce_pair()
    assert post(client, "/authorizations", authorization(rp, challenge, consent=True),
                token=person_token).status_code == 401
    assert get(client, "/me", token=person_token).status_code == 401
