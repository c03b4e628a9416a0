from typing import Any

from django.conf import settings
from django.http import HttpRequest

from tongban.web.site import care_mode, current_audience, current_site


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "site": current_site(request),
        "audience": current_audience(request),
        "care": care_mode(request),
    }
