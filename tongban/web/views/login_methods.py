"""Other ways for citizens to sign in: 扫码登录 (a PC browser shows a QR code that a signed-in phone confirms) and
刷脸登录 (a verified person takes a photo). Both work without JavaScript; the QR page polls when it can."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from tongban.core.errors import DomainError
from tongban.core.http import client_ip
from tongban.identity import services
from tongban.identity.captcha import captcha_check
from tongban.identity.methods import AMR_FACE, AMR_QR
from tongban.identity.qrlogin import qr_ticket_decide, qr_ticket_issue, qr_ticket_scan, qr_ticket_status
from tongban.identity.totp import totp_qr_svg
from tongban.realname.face_login import face_login, face_login_available
from tongban.web.account_forms import FaceLoginForm
from tongban.web.signin import safe_next, sign_in

QR_TICKET_KEY = "tb_qr_ticket"
QR_POLL_MS = 2000


# ------------------------------------------------------------------ 扫码登录, the PC side


def _ticket_of(request: HttpRequest) -> str:
    return str(request.session.get(QR_TICKET_KEY) or "")


@never_cache
@require_http_methods(["GET", "POST"])
def qr_login(request: HttpRequest) -> HttpResponse:
    """GET: a new QR code for this browser. POST (“我已确认，继续”, also sent by the polling script): sign in when
    the phone confirmed."""
    target = safe_next(request)
    if request.method == "POST":
        ticket = _ticket_of(request)
        try:
            user = services.login_with_qr(ticket=ticket, browser_session_key=request.session.session_key,
                                          ip=client_ip(request))
        except DomainError as error:
            state = qr_ticket_status(ticket=ticket, browser_session_key=request.session.session_key)
            if state in ("pending", "scanned"):
                messages.info(request, _("还没有在手机上确认登录。请用已登录的通办手机页面扫码，并点“确认登录”。"))
                return render(request, "web/account/login_qr.html", _qr_context(request, ticket, target))
            messages.error(request, error.message)
            return redirect(f"{reverse('web:login_qr')}?{urlencode({'next': target})}")
        request.session.pop(QR_TICKET_KEY, None)
        return sign_in(request, user, amr=[AMR_QR], target=target)
    if request.session.session_key is None:
        request.session.save()
    try:
        ticket, _expires = qr_ticket_issue(browser_session_key=request.session.session_key or "",
                                           ip=client_ip(request), user_agent=request.headers.get("User-Agent", ""))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(f"{reverse('web:login')}?{urlencode({'next': target})}")
    request.session[QR_TICKET_KEY] = ticket
    return render(request, "web/account/login_qr.html", _qr_context(request, ticket, target))


def _qr_context(request: HttpRequest, ticket: str, target: str) -> dict[str, object]:
    url = request.build_absolute_uri(reverse("web:qr_scan", args=[ticket]))
    return {"qr": totp_qr_svg(url), "qr_url": url, "next": target, "poll_ms": QR_POLL_MS,
            "status_url": reverse("web:login_qr_status")}


@never_cache
@require_GET
def qr_login_status(request: HttpRequest) -> JsonResponse:
    """What the PC page polls: ``pending`` → ``scanned`` → ``confirmed`` | ``denied`` | ``expired``."""
    state = qr_ticket_status(ticket=_ticket_of(request), browser_session_key=request.session.session_key)
    return JsonResponse({"state": state})


# ------------------------------------------------------------------ 扫码登录, the phone side


@never_cache
@require_http_methods(["GET", "POST"])
def qr_scan(request: HttpRequest, ticket: str) -> HttpResponse:
    """The link in the QR code, opened on a phone where the person is signed in: “在电脑上登录？” — confirm or deny."""
    if not request.user.is_authenticated:
        messages.info(request, _("请先在手机上登录通办，再确认电脑登录。"))
        return redirect(f"{reverse('web:login')}?{urlencode({'next': request.get_full_path()})}")
    if request.method == "POST":
        confirm = request.POST.get("decision") == "confirm"
        try:
            qr_ticket_decide(ticket=ticket, user=request.user, confirm=confirm)
        except DomainError as error:
            return render(request, "web/account/qr_scan.html", {"error": error.message}, status=409)
        return render(request, "web/account/qr_scan.html", {"done": "confirmed" if confirm else "denied"})
    try:
        view = qr_ticket_scan(ticket=ticket, user=request.user)
    except DomainError as error:
        return render(request, "web/account/qr_scan.html", {"error": error.message}, status=409)
    return render(request, "web/account/qr_scan.html", {"ticket_view": view,
                                                        "done": "confirmed" if view.state == "confirmed" else ""})


# ------------------------------------------------------------------ 刷脸登录


@never_cache
@require_http_methods(["GET", "POST"])
def face_login_view(request: HttpRequest) -> HttpResponse:
    """刷脸登录 for persons whose name and ID number are verified: the number, then a photo taken now."""
    target = safe_next(request)
    available = face_login_available()
    form = FaceLoginForm(request.POST or None, request.FILES or None)
    needs_captcha = False
    if request.method == "POST" and available and form.is_valid():
        identifier = form.cleaned_data["identifier"]
        needs_captcha = services.login_needs_captcha(identifier=identifier, ip=client_ip(request))
        if needs_captcha and not captcha_check(request.session, form.cleaned_data["captcha"]):
            form.add_error("captcha", _("图形验证码不正确或已过期，请看新图片重新输入（不区分大小写）。"))
        else:
            try:
                user = face_login(identifier=identifier, photo=request.FILES.get("photo"), ip=client_ip(request))
            except DomainError as error:
                placed = False
                for issue in error.issues:
                    form.add_error(issue.field if issue.field in form.fields else None, issue.message)
                    placed = True
                if not placed:
                    form.add_error(None, error.message)
                needs_captcha = services.login_needs_captcha(identifier=identifier, ip=client_ip(request))
            else:
                return sign_in(request, user, amr=[AMR_FACE], target=target)
    return render(request, "web/account/login_face.html", {"form": form, "needs_captcha": needs_captcha,
                                                            "next": target, "available": available})
