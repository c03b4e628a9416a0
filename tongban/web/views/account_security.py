"""账号安全: re-authentication, TOTP (动态口令), change of mobile number, export of my data and closing the account.

Every change here needs a fresh re-authentication (:func:`tongban.web.signin.reauth_required`). All pages work
without JavaScript; destructive actions have a confirmation screen.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tongban.core.errors import DomainError
from tongban.core.http import client_ip
from tongban.identity import selectors as identity
from tongban.identity import services
from tongban.identity.export import person_data_export
from tongban.identity.selectors import PersonProfile
from tongban.identity.totp import totp_disable, totp_enrollment, totp_qr_svg, totp_verify
from tongban.notifications.selectors import simulator_enabled
from tongban.web.account_forms import CloseAccountForm, PhoneChangeForm, ReauthPasswordForm, ReauthSmsForm
from tongban.web.forms import TotpForm
from tongban.web.signin import reauth_mark, reauth_required, safe_next


def _profile(request: HttpRequest) -> PersonProfile:
    profile = identity.person_profile(user=request.user)
    if profile is None:
        raise Http404(_("这里是自然人账号页面。"))
    return profile


def _report(form: object, error: DomainError, field: str | None = None) -> None:
    """A service's refusal on the form: each issue on its field (when the form has it), else on top."""
    placed = False
    for issue in error.issues:
        form.add_error(issue.field if issue.field in form.fields else field, issue.message)  # type: ignore[attr-defined]
        placed = True
    if not placed:
        form.add_error(field, error.message)  # type: ignore[attr-defined]


# ------------------------------------------------------------------ re-authentication (身份确认)


@never_cache
@login_required(login_url="web:login")
@require_http_methods(["GET", "POST"])
def reauth(request: HttpRequest) -> HttpResponse:
    """身份确认: the current password, or an SMS code sent to the current mobile number; then back to ``next``."""
    profile = identity.person_profile(user=request.user)  # None for accounts without a phone: password only
    target = safe_next(request)
    action = request.POST.get("action", "")
    password_form = ReauthPasswordForm(request.POST if action == "password" else None)
    sms_form = ReauthSmsForm(request.POST if action in ("send_code", "sms") else None)
    if action == "password" and password_form.is_valid():
        try:
            services.person_reauthenticate_password(user=request.user, password=password_form.cleaned_data["password"],
                                                    ip=client_ip(request))
        except DomainError as error:
            _report(password_form, error, "password")
        else:
            reauth_mark(request)
            return redirect(target)
    elif action == "send_code" and profile is not None and sms_form.is_valid():
        try:
            services.reauth_code_send(user=request.user, ip=client_ip(request))
        except DomainError as error:
            _report(sms_form, error, "sms_code")
        else:
            messages.success(request, _("短信验证码已发送到%(p)s，5分钟内有效。") % {"p": profile.phone_masked})
    elif action == "sms" and profile is not None and sms_form.is_valid():
        try:
            services.person_reauthenticate_sms(user=request.user, sms_code=sms_form.cleaned_data["sms_code"])
        except DomainError as error:
            _report(sms_form, error, "sms_code")
        else:
            reauth_mark(request)
            return redirect(target)
    return render(request, "web/account/reauth.html", {
        "profile": profile, "password_form": password_form, "sms_form": sms_form, "next": target,
        "sms_simulator": simulator_enabled()})


# ------------------------------------------------------------------ TOTP (动态口令)


@never_cache
@login_required(login_url="web:login")
def totp(request: HttpRequest) -> HttpResponse:
    """动态口令: whether it is on, and the way to turn it on or off."""
    return render(request, "web/account/totp.html", {"profile": _profile(request)})


@never_cache
@reauth_required
@require_http_methods(["GET", "POST"])
def totp_enable(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with the first code."""
    profile = _profile(request)
    if profile.totp_enabled:
        messages.info(request, _("您已启用动态口令。"))
        return redirect("web:totp")
    secret, uri = totp_enrollment(user=request.user, label=profile.phone_masked)
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_verify(user=request.user, code=form.cleaned_data["code"], confirming=True):
            messages.success(request, _("动态口令已启用。以后登录时，输入密码或短信验证码后还需输入验证器应用上的动态口令。"))
            return redirect("web:totp")
        form.add_error("code", _("动态口令不正确，请输入验证器应用上最新的6位数字（手机时间须准确）。"))
    return render(request, "web/account/totp_enable.html", {"form": form, "secret": secret, "qr": totp_qr_svg(uri)})


@never_cache
@reauth_required
@require_http_methods(["GET", "POST"])
def totp_disable_view(request: HttpRequest) -> HttpResponse:
    """Turn the second factor off, after a confirmation screen."""
    profile = _profile(request)
    if not profile.totp_enabled:
        return redirect("web:totp")
    if request.method == "POST":
        totp_disable(user=request.user)
        messages.success(request, _("动态口令已关闭。登录时只需密码或短信验证码。"))
        return redirect("web:totp")
    return render(request, "web/account/totp_disable.html", {"profile": profile})


# ------------------------------------------------------------------ change of mobile number (更换手机号)


@never_cache
@reauth_required
@require_http_methods(["GET", "POST"])
def phone_change(request: HttpRequest) -> HttpResponse:
    """更换手机号: a code to the new number; the old number is told, other devices are signed out."""
    profile = _profile(request)
    form = PhoneChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "send_code":
            try:
                services.phone_change_code_send(user=request.user, new_phone=data["new_phone"], ip=client_ip(request))
            except DomainError as error:
                _report(form, error, "new_phone")
            else:
                messages.success(request, _("短信验证码已发送到新手机号，5分钟内有效。"))
        else:
            try:
                services.person_phone_change(user=request.user, new_phone=data["new_phone"],
                                             sms_code=data["sms_code"], keep_session_key=request.session.session_key)
            except DomainError as error:
                _report(form, error, "sms_code")
            else:
                messages.success(request, _("手机号已更换。原手机号会收到一条提醒短信，其他设备上的登录已全部退出。"))
                return redirect("web:account")
    return render(request, "web/account/phone_change.html", {"form": form, "profile": profile,
                                                              "sms_simulator": simulator_enabled()})


# ------------------------------------------------------------------ export (导出我的数据)


@never_cache
@reauth_required
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    """导出我的数据: a JSON file with everything held about me, unmasked (the download is audited)."""
    _profile(request)
    if request.method == "POST":
        data = person_data_export(user=request.user)
        response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                                content_type="application/json; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="tongban-my-data-{stamp}.json"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "web/account/export.html")


# ------------------------------------------------------------------ closing the account (注销账号)


@never_cache
@reauth_required
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest) -> HttpResponse:
    """注销账号: the consequences, what blocks it now, and an explicit confirmation."""
    profile = _profile(request)
    blockers = services.person_close_blockers(user=request.user)
    form = CloseAccountForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["understood"]:
            form.add_error("understood", _("请勾选确认后再注销。"))
        else:
            try:
                services.person_account_close(user=request.user)
            except DomainError as error:
                _report(form, error)
            else:
                logout(request)
                messages.success(request, _("您的账号已注销。感谢使用通办。"))
                return redirect("web:home")
    return render(request, "web/account/close.html", {
        "profile": profile, "blockers": blockers, "form": form,
        "retention_years": services.CLOSED_ACCOUNT_RETENTION.days // 365})
