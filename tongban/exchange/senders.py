"""How a signed webhook leaves the platform: a *sender* takes a :class:`WebhookRequest` and returns a
:class:`WebhookResponse`. :func:`http_sender` posts it with ``requests``; tests pass a recording sender instead.

The HTTP sender never follows redirects (a 3xx is a failed attempt), waits at most ``TONGBAN_WEBHOOK_TIMEOUT``
seconds to connect and to read, ignores proxy environment variables (``TONGBAN_WEBHOOK_PROXY`` sets one
explicitly) and reads no more than :data:`EXCERPT_BYTES` of the response body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import requests
from django.conf import settings

__all__ = ["EXCERPT_BYTES", "Sender", "WebhookRequest", "WebhookResponse", "http_sender"]

EXCERPT_BYTES = 200
USER_AGENT = "Tongban-Webhooks/1.0"


@dataclass(frozen=True)
class WebhookRequest:
    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 10.0


@dataclass(frozen=True)
class WebhookResponse:
    """``status_code`` is None when no HTTP response came back (``error`` says why)."""

    status_code: int | None
    excerpt: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


Sender = Callable[[WebhookRequest], WebhookResponse]


class _NoRedirectSession(requests.Session):
    """A session that sees no redirect target: it neither follows a 3xx nor reads its body to prepare one."""

    def get_redirect_target(self, resp: requests.Response) -> None:  # type: ignore[override]
        return None


def http_sender(request: WebhookRequest) -> WebhookResponse:
    session = _NoRedirectSession()
    session.trust_env = False  # no proxy from the environment: only TONGBAN_WEBHOOK_PROXY
    proxy = str(getattr(settings, "WEBHOOK_PROXY", "") or "")
    if proxy:
        session.proxies = {"http": proxy, "https": proxy}
    try:
        with session.post(request.url, data=request.body, headers=request.headers, timeout=request.timeout,
                          allow_redirects=False, stream=True) as response:
            raw = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
            excerpt = raw.decode("utf-8", errors="replace")[:EXCERPT_BYTES]
            error = ""
            if 300 <= response.status_code < 400:
                error = f"redirect to {response.headers.get('location', '')[:200]!r} not followed"
            elif not 200 <= response.status_code < 300:
                error = f"HTTP {response.status_code}"
            return WebhookResponse(status_code=response.status_code, excerpt=excerpt, error=error)
    except requests.Timeout:
        return WebhookResponse(status_code=None, error=f"timeout after {request.timeout:g} s")
    except requests.ConnectionError as error:
        return WebhookResponse(status_code=None, error=f"connection failed: {error}"[:500])
    except requests.RequestException as error:
        return WebhookResponse(status_code=None, error=f"{type(error).__name__}: {error}"[:500])
    finally:
        session.close()
