"""Authentication of the API (/api/v1/): bearer session tokens.

``POST /identity/sessions`` (and the other sign-in endpoints) open a server-side Django session signed in as the
account and return its key as the token; each later call sends ``Authorization: Bearer <token>``. The session is
resumed through :func:`tongban.identity.sessions.session_resume`, so exactly the browser's rules apply: Django's
``get_user`` (a password change or a disabled account ends it), the idle and absolute timeouts, and "signed out
from the device list". Tokens are never cookies, so no CSRF token is needed.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer
from ninja.security.http import HttpAuthBase

from tongban.core.errors import DomainError
from tongban.core.http import client_ip
from tongban.identity.sessions import BearerSession, session_resume
from tongban.oidc.selectors import ServiceClient, service_client_for_request


class SessionBearer(HttpBearer):
    """``Authorization: Bearer <token>`` — a token from ``POST /api/v1/identity/sessions``."""

    def authenticate(self, request: HttpRequest, token: str) -> BearerSession | None:
        bearer = session_resume(session_key=token.strip(), ip=client_ip(request),
                                user_agent=request.headers.get("User-Agent", ""))
        if bearer is None:
            return None
        request.user = bearer.user  # the account acting in this request (the OIDC core reads request.user)
        return bearer


bearer = SessionBearer()


def current(request: HttpRequest) -> BearerSession:
    """The bearer session of an authenticated endpoint."""
    auth: Any = getattr(request, "auth", None)
    if not isinstance(auth, BearerSession):  # pragma: no cover - endpoints declare auth=bearer
        raise RuntimeError("endpoint without bearer authentication")
    return auth


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    http_status = 401


class ClientCredentialsBearer(HttpAuthBase):
    """``Authorization: Bearer <access token>`` of the client-credentials grant (a department's system or a third
    party's application registered on the platform), validated by django-oauth-toolkit. Subclasses add checks in
    :meth:`check` and may name the caller in ``who``."""

    openapi_type = "http"
    openapi_scheme = "bearer"
    openapi_bearerFormat = "OAuth2 client credentials"
    who = "接入系统"

    def __call__(self, request: HttpRequest) -> ServiceClient:
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            raise NotAuthenticated(_("请求须带%(who)s的访问令牌（Authorization: Bearer <access_token>），"
                                     "令牌以客户端凭证方式在 /oidc/token/ 获取。") % {"who": self.who})
        client = service_client_for_request(request)
        if client is None:
            raise NotAuthenticated(_("访问令牌无效或已过期，请以客户端凭证方式重新获取。"), code="token_invalid")
        self.check(client)
        return client

    def check(self, client: ServiceClient) -> None:
        """Further conditions on the client (none here)."""
