"""Legal persons and agents through the API: registration by a real-name legal representative, confirmation, sign-in
with the credit code or a certificate, agents authorised and revoked, single sign-on for an organisation."""

from __future__ import annotations

import base64
import datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.contrib.auth import get_user_model
from django.test import Client

from tests.api.conftest import delete, get, login, post, register_person, verify_population
from tests.api.test_sso_api import claims_of, exchange
from tests.oidc.conftest import pkce_pair, register_client
from tongban.core.models import AuditEvent
from tongban.identity import services as identity_services
from tongban.organizations import services as organization_services

pytestmark = pytest.mark.django_db
ORGS = "/api/v1/organizations"
DIANCHI = {"org_type": "enterprise", "name": "云南滇池示范科技有限公司", "credit_code": "91530102MA6N7Q8R2M",
           "legal_rep_name": "王晓明", "legal_rep_id_number": "530102199001011231"}
HTML_NAMED = {**DIANCHI, "name": '示范<b>商行</b>&"引号"有限公司', "credit_code": "91530102MA6H4J5K7E"}
ORG_PASSWORD = "Dianchi#2026lake"
WANG_PHONE, LI_PHONE, ZHAO_PHONE = "13900000011", "13900000012", "13900000013"


def person(client: Client, phone: str, *, name: str | None = None, id_number: str | None = None) -> str:
    """A natural person registered, signed in and (with a name) verified — all through the API; their token."""
    register_person(client, phone)
    token = login(client, phone)
    if name is not None:
        verify_population(client, token, name=name, id_number=str(id_number))
    return token


def register_org(client: Client, token: str, data: dict[str, str] = DIANCHI) -> Any:
    return post(client, ORGS, {**data, "password": ORG_PASSWORD}, token=token)


def org_login(client: Client, credit_code: str = DIANCHI["credit_code"], password: str = ORG_PASSWORD) -> Any:
    return post(client, "/sessions/organization", {"credit_code": credit_code, "password": password})


@pytest.fixture
def wang(client: Client) -> str:
    return person(client, WANG_PHONE, name="王晓明", id_number=DIANCHI["legal_rep_id_number"])


@pytest.fixture
def li(client: Client) -> str:
    return person(client, LI_PHONE, name="李华", id_number="530102198507152344")


@pytest.fixture
def org_id(client: Client, wang: str) -> int:
    response = register_org(client, wang)
    assert response.status_code == 201, response.content
    return int(response.json()["id"])


def in_a_month() -> str:
    return (datetime.date.today() + datetime.timedelta(days=30)).isoformat()


def test_a_legal_rep_registers_and_the_organisation_signs_in_with_its_credit_code(client, wang):
    response = register_org(client, wang)
    assert response.status_code == 201
    org = response.json()
    assert org["status"] == "active" and org["legal_rep_confirmed"] is True
    assert org["legal_rep_id_masked"] != DIANCHI["legal_rep_id_number"] and org["legal_rep_name"] == "王晓明"
    assert get(client, ORGS, token=wang).json() == [{"organization": org, "role": "legal_rep"}]
    again = register_org(client, wang)
    assert again.status_code == 409 and again.json()["error"]["issues"][0]["code"] == "credit_code_registered"

    signed_in = org_login(client, DIANCHI["credit_code"].lower())
    assert signed_in.status_code == 201, signed_in.content
    body = signed_in.json()
    assert body["account"]["kind"] == "organization" and body["account"]["display_name"] == DIANCHI["name"]
    me = get(client, "/me", token=body["token"]).json()
    assert me["kind"] == "organization" and me["person"] is None and me["organization"]["id"] == org["id"]
    own = get(client, f"{ORGS}/{org['id']}", token=body["token"]).json()
    assert own["role"] == "organization" and own["scopes"] == ["apply", "manage_licenses", "pay", "view_cases"]


def test_the_organisation_signs_on_to_a_client_for_itself(client, org_id):
    token = org_login(client).json()["token"]
    rp = register_client(name="省企业服务平台", scopes=("openid", "organization"))
    verifier, challenge = pkce_pair()
    issued = post(client, "/authorizations", {
        "client_id": rp.client_id, "redirect_uri": rp.redirect_uri, "scope": "openid organization",
        "code_challenge": challenge, "consent": True, "state": "s"}, token=token)
    assert issued.status_code == 201, issued.content
    claims = claims_of(exchange(rp, issued.json()["code"], verifier)["id_token"], rp.client_id)
    assert claims["tongban_org"]["role"] == "organization" and claims["amr"] == ["pwd"]
    assert claims["tongban_org"]["credit_code"] == DIANCHI["credit_code"]


def test_a_registration_by_someone_else_waits_for_the_legal_reps_confirmation(client, wang, li):
    zhao = person(client, ZHAO_PHONE, name="赵敏", id_number="53011119921230345X")
    pending = register_org(client, li, HTML_NAMED)
    assert pending.status_code == 201 and pending.json()["status"] == "pending"
    assert pending.json()["name"] == HTML_NAMED["name"], "stored and returned exactly"
    pending_id = pending.json()["id"]
    assert org_login(client, HTML_NAMED["credit_code"]).status_code == 401, "not before the confirmation"

    assert get(client, f"{ORGS}/confirmations", token=zhao).json() == []
    refused = post(client, f"{ORGS}/{pending_id}/confirmation", token=zhao)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert [o["id"] for o in get(client, f"{ORGS}/confirmations", token=wang).json()] == [pending_id]
    confirmed = post(client, f"{ORGS}/{pending_id}/confirmation", token=wang)
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "active"
    assert get(client, f"{ORGS}/confirmations", token=wang).json() == []
    assert org_login(client, HTML_NAMED["credit_code"]).status_code == 201


def test_an_unverified_person_cannot_register_an_organisation(client):
    token = person(client, ZHAO_PHONE)
    refused = register_org(client, token)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_permitted"
    assert refused.json()["error"]["issues"][0]["code"] == "applicant_not_verified"
    wang = person(client, WANG_PHONE, name="王晓明", id_number=DIANCHI["legal_rep_id_number"])
    bad = register_org(client, wang, {**DIANCHI, "credit_code": "91530102MA6N7Q8RIO"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_failed"
    assert "credit_code" in {issue["field"] for issue in bad.json()["error"]["issues"]}


def test_an_agent_is_authorised_acts_signs_on_and_is_revoked(client, wang, li, org_id):
    zhao = person(client, ZHAO_PHONE, name="赵敏", id_number="53011119921230345X")
    granted = post(client, f"{ORGS}/{org_id}/agents", {"agent": LI_PHONE, "scopes": ["apply", "view_cases"],
                                                       "valid_until": in_a_month()}, token=wang)
    assert granted.status_code == 201, granted.content
    authorization_id = granted.json()["id"]
    rows = get(client, f"{ORGS}/{org_id}/agents", token=wang).json()
    assert [(r["id"], r["scopes"], r["is_current"]) for r in rows] == [(authorization_id, ["apply", "view_cases"], True)]

    assert [(m["organization"]["id"], m["role"]) for m in get(client, ORGS, token=li).json()] == [(org_id, "agent")]
    acting = get(client, f"{ORGS}/{org_id}", token=li).json()
    assert acting["role"] == "agent" and acting["scopes"] == ["apply", "view_cases"]
    assert acting["authorization_id"] == authorization_id and acting["valid_until"]
    for call in (get(client, f"{ORGS}/{org_id}/agents", token=li),
                 post(client, f"{ORGS}/{org_id}/agents", {"agent": ZHAO_PHONE, "scopes": ["apply"],
                                                          "valid_until": in_a_month()}, token=li)):
        assert call.status_code == 403 and call.json()["error"]["code"] == "not_permitted"

    for call in (get(client, f"{ORGS}/{org_id}", token=zhao), get(client, f"{ORGS}/{org_id}/agents", token=zhao),
                 delete(client, f"{ORGS}/{org_id}/agents/{authorization_id}", token=zhao)):
        assert call.status_code == 404 and call.json()["error"]["code"] == "not_found", "another's org is not found"
    assert get(client, f"{ORGS}/999999", token=li).status_code == 404

    rp = register_client(name="昆明市企业开办小程序", scopes=("openid", "organization"))
    verifier, challenge = pkce_pair()
    request = {"client_id": rp.client_id, "redirect_uri": rp.redirect_uri, "scope": "openid organization",
               "code_challenge": challenge, "consent": True}
    choose = post(client, "/authorizations", request, token=li)
    assert choose.status_code == 422 and choose.json()["error"]["issues"][0]["code"] == "organization_required"
    assert str(org_id) in choose.json()["error"]["issues"][0]["message"]
    issued = post(client, "/authorizations", {**request, "organization_id": org_id}, token=li)
    assert issued.status_code == 201, issued.content
    claims = claims_of(exchange(rp, issued.json()["code"], verifier)["id_token"], rp.client_id)
    assert claims["tongban_org"]["role"] == "agent" and claims["tongban_org"]["scopes"] == ["apply", "view_cases"]
    assert claims["acr"] == "tongban:loa:2"

    assert delete(client, f"{ORGS}/{org_id}/agents/{authorization_id}", token=wang).status_code == 204
    assert get(client, f"{ORGS}/{org_id}", token=li).status_code == 404, "a revoked agent is refused at once"
    assert get(client, ORGS, token=li).json() == []
    _verifier, challenge = pkce_pair()
    again = post(client, "/authorizations", {**request, "code_challenge": challenge, "organization_id": org_id},
                 token=li)
    assert again.status_code == 403 and again.json()["error"]["issues"][0]["code"] == "no_organization"
    assert AuditEvent.objects.filter(action="organizations.agent.revoke").count() == 1


def test_an_agent_must_be_verified(client, wang, org_id):
    person(client, ZHAO_PHONE)
    refused = post(client, f"{ORGS}/{org_id}/agents", {"agent": ZHAO_PHONE, "scopes": ["apply"],
                                                       "valid_until": in_a_month()}, token=wang)
    assert refused.status_code == 422 and refused.json()["error"]["issues"][0]["code"] == "agent_not_verified"


def test_certificate_login(client, wang, org_id):
    private = ed25519.Ed25519PrivateKey.generate()
    pem = private.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    wang_user = get_user_model().objects.get(person__phone_index=identity_services.phone_index(WANG_PHONE))
    organization_services.organization_key_register(org_id=org_id, legal_rep_user=wang_user, public_key_pem=pem)
    challenge = post(client, "/sessions/certificate-challenges", {"credit_code": DIANCHI["credit_code"]})
    assert challenge.status_code == 201
    body = challenge.json()
    signature = base64.b64encode(private.sign(body["message"].encode())).decode()
    signed_in = post(client, "/sessions/certificate", {"nonce": body["nonce"], "signature": signature})
    assert signed_in.status_code == 201, signed_in.content
    assert signed_in.json()["amr"] == ["swk"] and signed_in.json()["account"]["kind"] == "organization"
    replay = post(client, "/sessions/certificate", {"nonce": body["nonce"], "signature": signature})
    assert replay.status_code == 401 and replay.json()["error"]["issues"][0]["code"] == "challenge_used"


def test_organisation_login_failures_are_generic_then_need_the_captcha(client, org_id):
    unknown = org_login(client, "93530128MA6P3K5L7X", "Wrong#pass1")
    wrong = org_login(client, password="Wrong#pass1")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["error"]["message"] == wrong.json()["error"]["message"]
    org_login(client, password="Wrong#pass1")
    refused = org_login(client)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "captcha_required"
    client.get("/api/v1/identity/captcha")
    ok = post(client, "/sessions/organization", {"credit_code": DIANCHI["credit_code"], "password": ORG_PASSWORD,
                                                 "captcha": "KKKK"})
    assert ok.status_code == 201
