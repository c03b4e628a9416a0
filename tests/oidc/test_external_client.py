"""An OpenID Connect client library not written here (Authlib) completes a login, without any network.

Authlib's requests-based ``OAuth2Session`` talks to Django's test client through a transport adapter; the browser
step (authorize + consent) is Django's test client with a signed-in person.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken
from django.test import Client as HttpClient
from requests.adapters import BaseAdapter

from tests.oidc.conftest import register_client

pytestmark = pytest.mark.django_db


class DjangoTestClientAdapter(BaseAdapter):
    """A requests transport that hands every request to Django's test client (no sockets)."""

    def __init__(self) -> None:
        super().__init__()
        self.http = HttpClient()

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = requests.utils.urlparse(request.url)
        path = url.path + (f"?{url.query}" if url.query else "")
        headers = {key: value for key, value in request.headers.items()
                   if key.lower() not in {"content-length", "content-type", "host"}}
        body = request.body or b""
        reply = self.http.generic(str(request.method), path, data=body.encode() if isinstance(body, str) else body,
                                  content_type=request.headers.get("Content-Type", ""), headers=headers)
        response = requests.Response()
        response.status_code = reply.status_code
        response._content = reply.content
        response.headers.update({key: value for key, value in reply.items()})
        response.url = str(request.url)
        response.request = request
        response.encoding = "utf-8"
        return response

    def close(self) -> None:
        return None


def test_authlib_completes_a_login(browser):
    rp = register_client(name="曲靖市政务小程序", scopes=("openid", "profile"))
    session = OAuth2Session(rp.client_id, rp.client_secret, scope="openid profile", redirect_uri=rp.redirect_uri,
                            code_challenge_method="S256")
    session.mount("http://testserver/", DjangoTestClientAdapter())
    metadata = session.get("http://testserver/.well-known/openid-configuration", withhold_token=True).json()

    verifier = "v" * 64
    url, state = session.create_authorization_url(metadata["authorization_endpoint"], code_verifier=verifier,
                                                  nonce="authlib-nonce", acr_values="tongban:loa:2")
    consent = browser.get(url)
    assert consent.status_code == 200
    form = consent.context["form"]
    answer = browser.post("/oidc/authorize/", {**{f.name: f.value() or "" for f in form.hidden_fields()},
                                               "allow": "1"})
    assert answer.status_code == 302

    token = session.fetch_token(metadata["token_endpoint"], authorization_response=answer["Location"],
                                code_verifier=verifier, state=state)
    jwks = JsonWebKey.import_key_set(session.get(metadata["jwks_uri"], withhold_token=True).json())
    claims = jwt.decode(token["id_token"], jwks, claims_cls=CodeIDToken,
                        claims_options={"iss": {"value": metadata["issuer"]}},
                        claims_params={"nonce": "authlib-nonce", "client_id": rp.client_id})
    claims.validate()
    assert claims["acr"] == "tongban:loa:2" and claims["amr"] == ["pwd"]
    info = session.get(metadata["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"] and info["name"] == "张三丰"
