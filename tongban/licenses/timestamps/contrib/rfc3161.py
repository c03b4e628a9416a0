"""``TONGBAN_TSA=rfc3161``: a real timestamp authority at TONGBAN_TSA_URL (RFC 3161 over HTTP). The TSA's own
root must be trusted by whoever validates; pyHanko's validation here trusts the platform roots only, so a token
from an outside TSA shows as untrusted unless its root is added to the platform's trust list by an operator."""

from __future__ import annotations

from django.conf import settings
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper


class Rfc3161Authority:
    name = "rfc3161"

    def timestamper(self) -> TimeStamper | None:
        return RequestsHTTPTimeStamper(url=settings.TSA_URL, timeout=int(settings.TSA_TIMEOUT))
