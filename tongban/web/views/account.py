"""Citizen accounts: registration, sign-in (password or SMS code, then the TOTP code when the person enabled it),
profile, sign-out. All work without JavaScript."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tongban.core.errors import DomainError
from tongban.core.http import client_ip
from tongban.identity import selectors as identity
from tongban.identity import services
from tongban.identity.captcha import captcha_check, captcha_new, captcha_revealed
from tongban.identity.interface import AccountKind
from tongban.identity.methods import AMR_OTP
from tongban.identity.sessions import session_list_for_user, session_revoke
from tongban.notifications.selectors import simulated_sms_recent, simulator_enabled
from tongban.web.account_forms import NewPasswordForm
from tongban.web.forms import PasswordLoginForm, RegisterForm, SmsLoginForm, TotpForm
from tongban.web.signin import pending_login, reauth_required, second_factor_pending, sign_in

BACKEND = "django.contrib.auth.backends.ModelBackend"



def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/account/"
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else "/account/"


def _error(form: object, error: DomainError, field: str | None = None) -> None:
    form.add_error(field, error.message)  # type: ignore[attr-defined]
    for issue in error.issues:
        target = issue.field if issue.field in form.fields else None  # type: ignore[attr-defined]
        form.add_error(target, issue.message)  # type: ignore[attr-defined]


@never_cache
def captcha_image(request: HttpRequest) -> HttpResponse:
    """A fresh image captcha for this browser session (refresh by reloading the image)."""
    response = HttpResponse(captcha_new(request.session), content_type="image/png")
    response["Cache-Control"] = "no-store"
    return response


def _send_code(request: HttpRequest, form: RegisterForm | SmsLoginForm, purpose: str) -> None:
    """The “获取验证码” button: the image captcha first, then the SMS."""
    if not captcha_check(request.session, form.cleaned_data.get("captcha", "")):
        form.add_error("captcha", _("图形验证码不正确或已过期，请看新图片重新输入（不区分大小写）。"))
        return
    try:
        services.sms_code_send(phone=form.cleaned_data["phone"], purpose=purpose, ip=client_ip(request))
    except DomainError as error:
        _error(form, error, "phone")
        return
    messages.success(request, _("短信验证码已发送，5分钟内有效。"))


@never_cache
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "send_code":
            _send_code(request, form, "register")
        elif not data["agree"]:
            form.add_error("agree", _("请阅读并同意用户服务协议和隐私政策。"))
        elif data["password"] != data["password2"]:
            form.add_error("password2", _("两次输入的密码不一致。"))
        else:
            try:
                user = services.person_register(phone=data["phone"], sms_code=data["sms_code"],
                                                password=data["password"], username=data["username"], ip=client_ip(request))
            except DomainError as error:
                _error(form, error)
            else:
                login(request, user, backend=BACKEND)
                messages.success(request, _("注册成功。完成实名认证后可办理更多事项。"))
                return redirect("web:account")
    return render(request, "web/account/register.html", {"form": form, "sms_simulator": simulator_enabled()})


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    mode = request.POST.get("mode") or request.GET.get("mode") or "password"
    password_form = PasswordLoginForm(request.POST if mode == "password" and request.method == "POST" else None)
    sms_form = SmsLoginForm(request.POST if mode == "sms" and request.method == "POST" else None)
    needs_captcha = False
    if request.method == "POST" and mode == "password" and password_form.is_valid():
        data = password_form.cleaned_data
        needs_captcha = services.login_needs_captcha(identifier=data["identifier"], ip=client_ip(request))
        if needs_captcha and not captcha_check(request.session, data["captcha"]):
            password_form.add_error("captcha", _("图形验证码不正确或已过期，请看新图片重新输入（不区分大小写）。"))
        else:
            try:
                user = services.login_with_password(identifier=data["identifier"], password=data["password"],
                                                    ip=client_ip(request), kind=AccountKind.PERSON)
            except services.SecondFactorRequired as pending:
                return second_factor_pending(request, pending.pending, target=_next(request))
            except DomainError as error:
                _error(password_form, error)
                needs_captcha = services.login_needs_captcha(identifier=data["identifier"], ip=client_ip(request))
            else:
                return sign_in(request, user, amr=["pwd"], target=_next(request))
    elif request.method == "POST" and mode == "sms" and sms_form.is_valid():
        if request.POST.get("action") == "send_code":
            _send_code(request, sms_form, "login")
        else:
            try:
                user = services.login_with_sms(phone=sms_form.cleaned_data["phone"],
                                               sms_code=sms_form.cleaned_data["sms_code"], ip=client_ip(request))
            except services.SecondFactorRequired as pending:
                return second_factor_pending(request, pending.pending, target=_next(request))
            except DomainError as error:
                _error(sms_form, error)
            else:
                return sign_in(request, user, amr=["sms"], target=_next(request))
    return render(request, "web/account/login.html", {
        "mode": mode, "password_form": password_form, "sms_form": sms_form, "needs_captcha": needs_captcha,
        "next": _next(request), "sms_simulator": simulator_enabled()})


@never_cache
@require_http_methods(["GET", "POST"])
def login_otp(request: HttpRequest) -> HttpResponse:
    """Second step of a sign-in for a person who enabled TOTP (动态口令): the password or SMS code was right."""
    waiting = pending_login(request)
    if waiting is None:
        messages.error(request, _("登录已超时，请重新登录。"))
        return redirect("web:login")
    pending, target = waiting
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_second_factor(pending=pending, code=form.cleaned_data["code"],
                                                ip=client_ip(request))
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            return sign_in(request, user, amr=[*pending.amr, AMR_OTP], target=target)
    return render(request, "web/account/login_otp.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.success(request, _("您已安全退出。"))
    return redirect("web:home")


@login_required(login_url="web:login")
def account(request: HttpRequest) -> HttpResponse:
    """我的账号: what the platform holds about me, masked."""
    profile = identity.person_profile(user=request.user)
    if profile is None:
        raise Http404(_("这里是自然人账号页面。"))
    return render(request, "web/account/profile.html", {"profile": profile})


@reauth_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """修改密码 after re-authentication (password or SMS code); every other signed-in device is signed out."""
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["new_password"] != data["new_password2"]:
            form.add_error("new_password2", _("两次输入的新密码不一致。"))
        else:
            try:
                services.person_password_set(user=request.user, new_password=data["new_password"],
                                             keep_session_key=request.session.session_key)
            except DomainError as error:
                _error(form, error)
            else:
                update_session_auth_hash(request, request.user)
                messages.success(request, _("密码已修改，其他设备上的登录已全部退出。"))
                return redirect("web:account")
    return render(request, "web/account/password_change.html", {"form": form})


@login_required(login_url="web:login")
@require_http_methods(["GET", "POST"])
def sessions(request: HttpRequest) -> HttpResponse:
    """登录设备管理: see where I am signed in, and sign out elsewhere."""
    if request.method == "POST":
        try:
            session_id = int(request.POST.get("session", ""))
        except ValueError:
            session_id = 0
        if session_revoke(user=request.user, session_id=session_id):
            messages.success(request, _("已让该设备退出登录。"))
        else:
            messages.error(request, _("没有找到这个登录设备，可能已经退出。"))
        return redirect("web:sessions")
    return render(request, "web/account/sessions.html", {
        "sessions": session_list_for_user(user=request.user, current_key=request.session.session_key)})


def sms_inbox(request: HttpRequest) -> HttpResponse:
    """The local SMS simulator's inbox (本地短信模拟器), only while it is the configured provider."""
    if not simulator_enabled():
        raise Http404()
    return render(request, "web/account/sms_inbox.html", {"messages_sent": simulated_sms_recent(limit=20)})


@never_cache
def captcha_reveal(request: HttpRequest) -> HttpResponse:
    """The current image captcha's text for this browser, only with TONGBAN_CAPTCHA_REVEAL (development and tests)."""
    if not settings.CAPTCHA_REVEAL:
        raise Http404()
    response = HttpResponse(captcha_revealed(request.session) or "", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
