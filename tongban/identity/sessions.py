"""Session lifetimes and the list of signed-in sessions.

Idle and absolute timeouts and the "ended elsewhere" check are one function, :func:`session_touch`, applied on every
request: to browser sessions by :class:`SessionLimitsMiddleware`, and to the server-side sessions behind the API's
bearer tokens by :func:`session_resume`. Each signed-in session is recorded (``UserSession``) so its owner can see
and end it. A password change ends every other session (Django's session auth hash), and a disabled account can no
longer authenticate.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user, login, logout
from django.contrib.sessions.backends.base import SessionBase, UpdateError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tongban.core.audit import Target, actor_from_user, audit_record
from tongban.core.http import client_ip
from tongban.identity.models import UserSession

STARTED = "tb_started"
SEEN = "tb_seen"
TRACKED = "tb_tracked"
SEEN_WRITE_EVERY = 60  # seconds: do not write the database on every request
BACKEND = "django.contrib.auth.backends.ModelBackend"


def session_key_digest(session_key: str) -> str:
    """How a session key is stored in UserSession: hashed, so the table cannot be used to hijack sessions."""
    return hashlib.sha256(session_key.encode()).hexdigest()


class SessionLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not session_touch(
                session=request.session, user=user, ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")):
            session_end(request, reason="timeout")
        return self.get_response(request)


def session_touch(*, session: SessionBase, user: Any, ip: str | None, user_agent: str) -> bool:
    """Apply the limits to one signed-in session and record its activity.

    False when the session is over: idle for longer than the idle timeout (shorter for staff), older than the
    absolute lifetime, or ended elsewhere (signed out from the device list, or by a password change). Otherwise the
    activity is noted, at most once a minute, in the session and in its ``UserSession`` row (created on first use):
    a signed-in page view writes nothing, and the idle timeout is kept to within a minute (never later). The caller
    saves the session when it changed (the session middleware does so for browsers).
    """
    now = time.time()
    started = session.setdefault(STARTED, now)
    seen = session.get(SEEN, now)
    staff = getattr(user, "kind", "") == "staff"
    idle = settings.SESSION_IDLE_SECONDS_STAFF if staff else settings.SESSION_IDLE_SECONDS
    if now - seen > idle or now - started > settings.SESSION_ABSOLUTE_SECONDS or _ended(session):
        return False
    if now - seen > SEEN_WRITE_EVERY or not session.get(TRACKED) or SEEN not in session:
        _track(session, user, ip=ip, user_agent=user_agent)
        session[SEEN] = now
    return True


def _ended(session: SessionBase) -> bool:
    key = session.session_key
    return bool(key and session.get(TRACKED) and UserSession.objects.filter(
        session_key=session_key_digest(key), ended_at__isnull=False).exists())


def _track(session: SessionBase, user: Any, *, ip: str | None, user_agent: str) -> None:
    if session.session_key is None:
        session.save()
    key = session_key_digest(session.session_key or "")
    updated = UserSession.objects.filter(session_key=key).update(last_seen_at=timezone.now())
    if not updated:
        UserSession.objects.create(user=user, session_key=key, ip=ip, user_agent=user_agent[:300])
    session[TRACKED] = True


def session_close(*, session: SessionBase, user: Any, reason: str) -> None:
    """Mark the session ended in the device list and audit it (the caller then logs out or flushes it)."""
    key = session.session_key
    if key:
        UserSession.objects.filter(session_key=session_key_digest(key), ended_at__isnull=True).update(
            ended_at=timezone.now())
    audit_record(action="identity.session.end", actor=actor_from_user(user),
                 target=Target(type="identity.user", id=str(user.pk)), detail={"reason": reason})


def session_ended_by_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_out`` receiver: every sign-out (citizen, staff, single sign-out) leaves the device list too."""
    key = request.session.session_key if request is not None else None
    if user is None or not key:
        return
    if UserSession.objects.filter(session_key=session_key_digest(key), ended_at__isnull=True).update(
            ended_at=timezone.now()):
        audit_record(action="identity.session.end", actor=actor_from_user(user),
                     target=Target(type="identity.user", id=str(user.pk)), detail={"reason": "logout"})


def session_end(request: HttpRequest, *, reason: str) -> None:
    session_close(session=request.session, user=request.user, reason=reason)
    logout(request)


# ------------------------------------------------------------------ sessions behind API bearer tokens


def _session_store(session_key: str | None = None) -> SessionBase:
    store: SessionBase = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return store


def _holder(session: SessionBase) -> HttpRequest:
    """A bare request that carries only ``session``, so that Django's own ``login``/``get_user`` run unchanged."""
    holder = HttpRequest()
    holder.session = session
    return holder


@dataclass(frozen=True)
class BearerSession:
    """A signed-in server-side session used through its key as an API bearer token (the key is the token)."""

    user: Any
    session: SessionBase

    @property
    def token(self) -> str:
        return self.session.session_key or ""


def session_open(*, user: Any, ip: str | None, user_agent: str, data: Mapping[str, Any] | None = None) \
        -> BearerSession:
    """A new server-side session signed in as ``user`` (Django's ``login``), for clients that send its key as a
    bearer token instead of a cookie. It obeys the same limits as a browser session and appears in the person's
    device list (登录设备管理), where it can be ended. ``data`` is stored in the session (e.g. how the person
    signed in, for the ``amr`` of single sign-on)."""
    session = _session_store()
    login(_holder(session), user, backend=BACKEND)
    session.update(dict(data or {}))
    session_touch(session=session, user=user, ip=ip, user_agent=user_agent)
    session.save()
    return BearerSession(user=user, session=session)


def session_resume(*, session_key: str, ip: str | None, user_agent: str) -> BearerSession | None:
    """The signed-in session behind a bearer token, or None.

    Django's ``get_user`` decides who it belongs to, so a password change (which changes the session auth hash) and
    a disabled account end it; then :func:`session_touch` applies the idle and absolute timeouts and the "ended
    elsewhere" check, exactly as for browsers.
    """
    if not session_key or len(session_key) > 64:
        return None
    session = _session_store(session_key)
    user = get_user(_holder(session))
    if not user.is_authenticated:
        # Unknown or expired key, changed password (Django flushed the session) or a disabled account.
        UserSession.objects.filter(session_key=session_key_digest(session_key), ended_at__isnull=True).update(
            ended_at=timezone.now())
        return None
    if not session_touch(session=session, user=user, ip=ip, user_agent=user_agent):
        session_close(session=session, user=user, reason="timeout")
        session.flush()
        return None
    if session.modified:  # at most once a minute (session_touch)
        try:
            session.save()
        except UpdateError:  # ended (logged out, revoked, flushed) by a concurrent request
            return None
    return BearerSession(user=user, session=session)


def session_logout(*, bearer: BearerSession) -> None:
    """End the session behind a bearer token (退出登录)."""
    session_close(session=bearer.session, user=bearer.user, reason="logout")
    bearer.session.flush()


def session_settings() -> dict[str, int]:
    """The lifetimes the API reports with a new token: absolute (``expires_in``) and idle, in seconds."""
    return {"expires_in": int(settings.SESSION_ABSOLUTE_SECONDS), "idle_timeout": int(settings.SESSION_IDLE_SECONDS)}


# ------------------------------------------------------------------ the device list (登录设备管理)


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
