"""Session lifetimes and the list of signed-in sessions.

Idle and absolute timeouts are enforced on every request by :class:`SessionLimitsMiddleware`; each signed-in
session is recorded so its owner can see and end it. A password change ends every other session (Django's
session auth hash), and a disabled account can no longer authenticate.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tongban.core.audit import Target, actor_from_user, audit_record
from tongban.core.http import client_ip
from tongban.identity.models import UserSession

STARTED = "tb_started"
SEEN = "tb_seen"
TRACKED = "tb_tracked"
SEEN_WRITE_EVERY = 60  # seconds: do not write the database on every request


def session_key_digest(session_key: str) -> str:
    """How a session key is stored in UserSession: hashed, so the table cannot be used to hijack sessions."""
    return hashlib.sha256(session_key.encode()).hexdigest()


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            started = request.session.setdefault(STARTED, now)
            seen = request.session.get(SEEN, now)
            staff = getattr(user, "kind", "") == "staff"
            idle = settings.SESSION_IDLE_SECONDS_STAFF if staff else settings.SESSION_IDLE_SECONDS
            if now - seen > idle or now - started > settings.SESSION_ABSOLUTE_SECONDS or self._ended(request):
                session_end(request, reason="timeout")
            else:
                if now - seen > SEEN_WRITE_EVERY or not request.session.get(TRACKED):
                    self._track(request, user)
                request.session[SEEN] = now
        return self.get_response(request)

    @staticmethod
    def _ended(request: HttpRequest) -> bool:
        key = request.session.session_key
        return bool(key and request.session.get(TRACKED) and UserSession.objects.filter(
            session_key=session_key_digest(key), ended_at__isnull=False).exists())

    @staticmethod
    def _track(request: HttpRequest, user: Any) -> None:
        if request.session.session_key is None:
            request.session.save()
        key = session_key_digest(request.session.session_key or "")
        updated = UserSession.objects.filter(session_key=key).update(last_seen_at=timezone.now())
        if not updated:
            UserSession.objects.create(user=user, session_key=key, ip=client_ip(request),
                                       user_agent=request.headers.get("User-Agent", "")[:300])
        request.session[TRACKED] = True


def session_end(request: HttpRequest, *, reason: str) -> None:
    key = request.session.session_key
    if key:
        UserSession.objects.filter(session_key=session_key_digest(key), ended_at__isnull=True).update(ended_at=timezone.now())
    audit_record(action="identity.session.end", actor=actor_from_user(request.user),
                 target=Target(type="identity.user", id=str(request.user.pk)), detail={"reason": reason})
    logout(request)


def session_list_for_user(*, user: Any, current_key: str | None) -> list[dict[str, object]]:
    """The person's open sessions, newest activity first, the current one marked."""
    current = session_key_digest(current_key) if current_key else ""
    since = timezone.now() - timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS)
    return [{"id": s.pk, "ip": s.ip, "device": s.user_agent, "started_at": s.started_at,
             "last_seen_at": s.last_seen_at, "current": s.session_key == current}
            for s in UserSession.objects.filter(user=user, ended_at__isnull=True, started_at__gte=since)]


def session_revoke(*, user: Any, session_id: int) -> bool:
    """End one of the person's own sessions (on any device). Scoped to the owner: another id is ignored."""
    record = UserSession.objects.filter(pk=session_id, user=user, ended_at__isnull=True).first()
    if record is None:
        return False
    record.ended_at = timezone.now()
    record.save(update_fields=["ended_at"])
    audit_record(action="identity.session.revoke", actor=actor_from_user(user),
                 target=Target(type="identity.session", id=str(record.pk)))
    return True


