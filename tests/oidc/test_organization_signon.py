"""Single sign-on for legal persons (``organization`` scope): the organisation's account, its representative, agents."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from tests.oidc.conftest import authorize_params, code_from, pkce_pair, register_client
from tests.oidc.test_provider import userinfo, verified_claims
from tests.organizations.helpers import LI_ID, WANG_ID, ZHAO_ID, person, register
from tongban.core.models import AuditEvent
from tongban.oidc.models import SignOnSession
from tongban.organizations import services as organizations
from tongban.organizations.models import Organization

pytestmark = pytest.mark.django_db
SCOPE = "openid organization"


@pytest.fixture
def setup() -> tuple[Any, Organization, Any]:
    wang = person(name="王晓明", id_number=WANG_ID)
    org = Organization.objects.get(pk=register(wang).id)
    li = person(name="李华", id_number=LI_ID)
    organizations.agent_authorize(org_id=org.pk, legal_rep_user=wang, agent_phone_or_username=li.phone,
                                  scopes=["apply", "view_cases"], valid_until=timezone.now() + timedelta(days=30))
    return wang, org, li


def _signed_in(user: Any) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


def _exchange(rp: Any, code: str, verifier: str) -> dict[str, Any]:
    token = HttpClient().post("/oidc/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri, "code_verifier": verifier,
        "client_id": rp.client_id, "client_secret": rp.client_secret})
    assert token.status_code == 200, token.content
    return token.json()


def _sign_in_for(browser: HttpClient, rp: Any, org_id: int | None) -> dict[str, Any]:
    verifier, challenge = pkce_pair()
    params = authorize_params(rp, scope=SCOPE, challenge=challenge)
    page = browser.get("/oidc/authorize/", params)
    if page.status_code == 200:
        data = {key: params[key] for key in ("redirect_uri", "scope", "nonce", "client_id", "state", "response_type",
                                             "code_challenge", "code_challenge_method")}
        data["allow"] = "1"
        if org_id is not None:
            data["organization"] = str(org_id)
        page = browser.post("/oidc/authorize/", data)
    return _exchange(rp, code_from(page), verifier)


def test_an_agent_chooses_the_organisation_and_the_tokens_say_for_whom(setup):
    _wang, org, li = setup
    rp = register_client(scopes=("openid", "organization"))
    agent = _signed_in(li)
    _verifier, challenge = pkce_pair()
    page = agent.get("/oidc/authorize/", authorize_params(rp, scope=SCOPE, challenge=challenge))
    assert page.status_code == 200
    html = page.content.decode()
    assert "选择您这次代表的法人" in html and "云南滇池示范科技有限公司" in html and "经办人" in html

    tokens = _sign_in_for(agent, rp, org.pk)
    claims = verified_claims(tokens["id_token"], rp.client_id)
    assert claims["tongban_org"]["credit_code"] == "91530102MA6N7Q8R2M"
    assert claims["tongban_org"]["role"] == "agent"
    assert claims["tongban_org"]["scopes"] == ["apply", "view_cases"]
    assert claims["tongban_org"]["valid_until"] > timezone.now().timestamp()
    assert userinfo(tokens["access_token"])["tongban_org"]["name"] == "云南滇池示范科技有限公司"
    signon = AuditEvent.objects.filter(action="oidc.signon").latest("id")
    assert signon.actor_id == str(li.pk) and signon.on_behalf_of_label.endswith("云南滇池示范科技有限公司")


def test_the_legal_representative_and_the_organisation_account(setup):
    wang, org, _li = setup
    rp = register_client(scopes=("openid", "organization"))
    claims = verified_claims(_sign_in_for(_signed_in(wang), rp, org.pk)["id_token"], rp.client_id)
    assert claims["tongban_org"]["role"] == "legal_rep" and claims["tongban_org"]["valid_until"] is None

    account = _signed_in(org.account)  # the credit-code account acts for itself: no choice is offered
    tokens = _sign_in_for(account, rp, None)
    claims = verified_claims(tokens["id_token"], rp.client_id)
    assert claims["tongban_org"]["role"] == "organization"
    assert sorted(claims["tongban_org"]["scopes"]) == claims["tongban_org"]["scopes"]


def test_revoking_the_agent_stops_the_refresh(setup):
    wang, org, li = setup
    rp = register_client(scopes=("openid", "organization"))
    tokens = _sign_in_for(_signed_in(li), rp, org.pk)
    refresh = {"grant_type": "refresh_token", "client_id": rp.client_id, "client_secret": rp.client_secret}
    again = HttpClient().post("/oidc/token/", {**refresh, "refresh_token": tokens["refresh_token"]})
    assert again.status_code == 200
    authorization = org.agent_authorizations.get()
    organizations.agent_revoke(authorization_id=authorization.pk, legal_rep_user=wang)
    refused = HttpClient().post("/oidc/token/", {**refresh, "refresh_token": again.json()["refresh_token"]})
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert AuditEvent.objects.filter(action="oidc.token.refuse", outcome="denied").exists()


def test_someone_with_no_organisation_or_a_forged_choice_is_refused(setup):
    wang, _org, _li = setup
    rp = register_client(scopes=("openid", "organization"))
    stranger = _signed_in(person(name="赵敏", id_number=ZHAO_ID))
    _verifier, challenge = pkce_pair()
    params = authorize_params(rp, scope=SCOPE, challenge=challenge)
    page = stranger.get("/oidc/authorize/", params)
    assert page.status_code == 403 and "没有可代表的法人" in page.content.decode()

    zhang = person(name="李华", id_number="530102198003030028")
    other = Organization.objects.get(pk=register(
        zhang, {"org_type": "public_institution", "name": "昆明市示范公共服务中心", "credit_code": "12530100MB0C2D4E65",
                "legal_rep_name": "李华"}, rep_id="530102198003030028").id)
    data = {key: params[key] for key in ("redirect_uri", "scope", "nonce", "client_id", "state", "response_type",
                                         "code_challenge", "code_challenge_method")}
    response = _signed_in(wang).post("/oidc/authorize/", {**data, "allow": "1", "organization": str(other.pk)})
    assert response.status_code == 400 and "请选择代表的法人" in response.content.decode()
    assert not SignOnSession.objects.filter(organization_id=other.pk).exists()
