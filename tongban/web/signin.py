"""How the citizen pages open a session, keep a sign-in that waits for its second factor, and ask for a fresh
re-authentication (身份确认) before sensitive changes.

* :func:`sign_in` is the one place a citizen session starts: Django's ``login`` (new session key), the ``amr`` for
  single sign-on, and the person's 长辈模式 preference.
* :func:`second_factor_pending` keeps a sign-in that passed the password or SMS code until the TOTP page completes
  it (5 minutes, in the server-side session only).
* :func:`reauth_required` guards changing the password or phone number, the second factor, exporting data and
  closing the account: the person re-authenticated (password or SMS code) in this session within 5 minutes, or is
  sent to the re-authentication page and back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from tongban.identity import selectors as identity
from tongban.identity.interface import AMR_SESSION_KEY
from tongban.identity.services import PendingLogin
from tongban.web.site import CARE_COOKIE, remember

BACKEND = "django.contrib.auth.backends.ModelBackend"
PENDING_KEY = "tb_login_pending"
PENDING_SECONDS = 300
REAUTH_KEY = "tb_reauth_at"
REAUTH_FRESH_SECONDS = 300
DEFAULT_TARGET = "/account/"


def safe_next(request: HttpRequest, default: str = DEFAULT_TARGET) -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else default


def sign_in(request: HttpRequest, user: Any, *, amr: list[str], target: str) -> HttpResponse:
    """Open the session (a new session key), remember how the person signed in, apply their preferences."""
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend=BACKEND)
    request.session[AMR_SESSION_KEY] = list(amr)
    response = redirect(target)
    if identity.person_elder_mode(user_id=user.pk):
        remember(response, CARE_COOKIE, "1")
    return response


def second_factor_pending(request: HttpRequest, pending: PendingLogin, *, target: str) -> HttpResponse:
    """Keep the half-done sign-in in a new session key and go to the TOTP page."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {**pending.as_session(), "at": time.time(), "next": target}
    return redirect("web:login_otp")


def pending_login(request: HttpRequest) -> tuple[PendingLogin, str] | None:
    """The sign-in waiting for its second factor, with where to go afterwards; None when there is none or it is
    older than 5 minutes."""
    data = request.session.get(PENDING_KEY)
    if not data or time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return PendingLogin.from_session(data), str(data.get("next") or DEFAULT_TARGET)


def reauth_mark(request: HttpRequest) -> None:
    request.session[REAUTH_KEY] = time.time()


def reauth_fresh(request: HttpRequest) -> bool:
    at = request.session.get(REAUTH_KEY)
    return at is not None and 0 <= time.time() - float(at) <= REAUTH_FRESH_SECONDS


def reauth_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in citizens only, and only within 5 minutes of a re-authentication; otherwise to the
    re-authentication page, which sends the person back here."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"{reverse('web:login')}?{urlencode({'next': request.get_full_path()})}")
        if not reauth_fresh(request):
            if request.method == "POST":
                messages.info(request, _("为了您的账号安全，操作前请再次确认身份。"))
            return redirect(f"{reverse('web:reauth')}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return wrapper
