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
from ninja.security import HttpBearer

from tongban.core.http import client_ip
from tongban.identity.sessions import BearerSession, session_resume


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
