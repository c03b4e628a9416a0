from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tongban.core.context import RequestContext, reset_request_context, set_request_context
from tongban.core.http import client_ip


class RequestContextMiddleware:
    """Binds client address, user agent and a request id for the audit log of this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        ctx = RequestContext(
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:300],
            request_id=request_id,
        )
        token = set_request_context(ctx)
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(token)
        response["X-Request-Id"] = request_id
        return response
