"""证照核验 without signing in: a form for the licence identifier, ``/verify/<identifier>/`` (the QR code printed on
the licence PDF) and ``/verify/t/<token>/`` (亮证). The page shows the minimum (type, the holder's name masked,
issuer, dates, the state in large words); an expired, replayed or forged token is refused with a clear message and
a 4xx status. Every verification is logged by the service; each client address has a limited number per window
(429 after).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tongban.core.http import client_ip
from tongban.licenses.models import VerificationChannel
from tongban.licenses.models import VerificationResult as R
from tongban.licenses.services import verification as v

HTTP_STATUS = {R.VALID: 200, R.NOT_VALID: 200, R.NOT_FOUND: 404, R.BAD_IDENTIFIER: 400, R.TOKEN_EXPIRED: 410,
               R.TOKEN_REPLAYED: 409, R.TOKEN_INVALID: 400}


def _page(request: HttpRequest, outcome: v.VerificationOutcome | None, *, identifier: str = "",
          error: str = "", status: int = 200) -> HttpResponse:
    if outcome is not None:
        status = HTTP_STATUS.get(R(outcome.result), 200)
    response = render(request, "web/verify/verify.html", {
        "outcome": outcome, "identifier": identifier, "error": error, "is_token": outcome is not None
        and outcome.channel == VerificationChannel.QR}, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _throttled(request: HttpRequest) -> HttpResponse | None:
    try:
        v.verification_throttle(client_ip=client_ip(request))
    except v.TooManyVerifications as exc:
        return _page(request, None, error=exc.message, status=429)
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def verify_form(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, None)
    identifier = (request.POST.get("identifier") or "").strip()[:120]
    if not identifier:
        return _page(request, None, error=_("请输入证照标识。"), status=400)
    refused = _throttled(request)
    if refused is not None:
        return refused
    outcome = v.license_verify_identifier(identifier=identifier, client_ip=client_ip(request))
    return _page(request, outcome, identifier=identifier)


@never_cache
@require_GET
def verify_identifier(request: HttpRequest, identifier: str) -> HttpResponse:
    refused = _throttled(request)
    if refused is not None:
        return refused
    outcome = v.license_verify_identifier(identifier=identifier[:120], client_ip=client_ip(request))
    return _page(request, outcome, identifier=identifier[:120])


@never_cache
@require_GET
def verify_token(request: HttpRequest, token: str) -> HttpResponse:
    refused = _throttled(request)
    if refused is not None:
        return refused
    outcome = v.license_verify_token(token=token, client_ip=client_ip(request))
    return _page(request, outcome)
