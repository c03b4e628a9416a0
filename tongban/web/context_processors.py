from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tongban.notifications.selectors import notice_unread_count
from tongban.web.site import care_mode, current_audience, current_site


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "site": current_site(request),
        "audience": current_audience(request),
        "care": care_mode(request),
        "unread_notices": SimpleLazyObject(lambda: _unread(request)),
    }


def _unread(request: HttpRequest) -> int:
    """Unread in-site messages of a signed-in citizen or organisation (for the header), counted only when shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or getattr(user, "kind", "") == "staff":
        return 0
    return notice_unread_count(user=user)
