"""Fixtures of the single sign-on tests: people, registered clients, and a PKCE authorization through Django's client."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client as HttpClient

from tongban.identity import services as identity_services
from tongban.notifications.models import SimulatedSms
from tongban.oidc import services

PASSWORD = "Yunnan#2026road"
REDIRECT = "https://rp.example.cn/callback"
SENT: list[tuple[str, str]] = []


def record_send(uri: str, token: str) -> None:
    """The back-channel sender of the tests: records instead of touching the network."""
    SENT.append((uri, token))


@pytest.fixture(autouse=True)
def _oidc_settings(settings: Any) -> None:
    settings.OIDC_BACKCHANNEL_SENDER = "tests.oidc.conftest.record_send"
    SENT.clear()


def make_person(phone: str, *, level: int = 1, name: str = "张三丰", id_number: str = "530102199001011231") -> Any:
    identity_services.sms_code_send(phone=phone, purpose="register", ip=None)
    sms = SimulatedSms.objects.order_by("-created_at").first()
    assert sms is not None and sms.phone == phone
    code = re.search(r"\d{6}", sms.text).group(0)  # type: ignore[union-attr]
    user = identity_services.person_register(phone=phone, sms_code=code, password=PASSWORD)
    if level > 1:
        identity_services.person_assurance_raise(user_id=user.pk, level=level, method="id_check",
                                                 provider="simulator", name=name, id_number=id_number)
    return user


@dataclass
class Rp:
    """A registered relying party and its (plain) secret."""

    client_id: str
    client_secret: str
    redirect_uri: str = REDIRECT


def register_client(*, name: str = "昆明市公积金系统", scopes: tuple[str, ...] = ("openid", "profile"),
                    approved: bool = False, redirect_uri: str = REDIRECT, kind: str = "web",
                    backchannel: str = "") -> Rp:
    registered = services.client_register(
        actor_user=None, may_register=True, name=name, department_name="昆明市住房公积金管理中心", kind=kind,
        redirect_uris=redirect_uri if kind == "web" else "", post_logout_redirect_uris=redirect_uri,
        allowed_scopes=scopes, sensitive_scopes_approved=approved, backchannel_logout_uri=backchannel)
    return Rp(client_id=registered.client_id, client_secret=registered.client_secret, redirect_uri=redirect_uri)


@pytest.fixture
def person(db: Any) -> Any:
    return make_person("13912345678", level=2)


@pytest.fixture
def browser(person: Any) -> HttpClient:
    http = HttpClient()
    http.force_login(person)
    return http


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(rp: Rp, *, scope: str = "openid profile", challenge: str, **extra: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": rp.client_id, "redirect_uri": rp.redirect_uri, "scope": scope,
            "state": "st-1", "nonce": "n-1", "code_challenge": challenge, "code_challenge_method": "S256", **extra}


def consent_post(browser: HttpClient, params: dict[str, str], *, allow: bool = True,
                 id_number: bool = False) -> Any:
    data = {key: params[key] for key in ("redirect_uri", "scope", "nonce", "client_id", "state", "response_type",
                                         "code_challenge", "code_challenge_method")}
    if allow:
        data["allow"] = "1"
    if id_number:
        data["consent_id_number"] = "1"
    return browser.post("/oidc/authorize/", data)


def code_from(response: Any) -> str:
    assert response.status_code == 302, response.content[:500]
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["state"] == ["st-1"]
    return query["code"][0]


def login_flow(browser: HttpClient, rp: Rp, *, scope: str = "openid profile", id_number: bool = False) -> dict[str, Any]:
    """Authorize (consenting when asked) and exchange the code: the token response."""
    verifier, challenge = pkce_pair()
    params = authorize_params(rp, scope=scope, challenge=challenge)
    page = browser.get("/oidc/authorize/", params)
    response = consent_post(browser, params, id_number=id_number) if page.status_code == 200 else page
    code = code_from(response)
    token = HttpClient().post("/oidc/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri, "code_verifier": verifier,
        "client_id": rp.client_id, "client_secret": rp.client_secret})
    assert token.status_code == 200, token.content
    return token.json()
