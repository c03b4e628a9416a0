"""Legal-person pages (法人): registration, confirmation, sign-in (password or certificate), home, agents, keys.

Server-rendered and usable without JavaScript. Views check input shape and call services; they never write.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tongban.core.errors import DomainError, NotPermitted
from tongban.core.http import client_ip, safe_next
from tongban.identity.captcha import captcha_check
from tongban.identity.interface import AMR_SESSION_KEY
from tongban.organizations import selectors, services
from tongban.organizations.web.forms import (
    AgentForm,
    ChallengeForm,
    KeyForm,
    OrgLoginForm,
    RegisterOrgForm,
    SignatureForm,
)

BACKEND = "django.contrib.auth.backends.ModelBackend"
CHINA_TZ = ZoneInfo("Asia/Shanghai")
person_required = login_required(login_url="web:login")



def _error(form: forms.Form, error: DomainError) -> None:
    shown = False
    for issue in error.issues:
        form.add_error(issue.field if issue.field in form.fields else None, issue.message)
        shown = True
    if not shown:
        form.add_error(None, error.message)


@never_cache
@person_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """法人注册, by the legal representative or a real-name applicant (the legal representative then confirms)."""
    form = RegisterOrgForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["password"] != data["password2"]:
            form.add_error("password2", _("两次输入的密码不一致。"))
        else:
            try:
                summary = services.organization_register(
                    applicant_user=request.user, org_type=data["org_type"], name=data["name"],
                    credit_code=data["credit_code"], legal_rep_name=data["legal_rep_name"],
                    legal_rep_id_number=data["legal_rep_id_number"], password=data["password"])
            except DomainError as error:
                _error(form, error)
            else:
                if summary.status == "active":
                    messages.success(request, _("法人账号注册成功，可使用统一社会信用代码和密码登录。"))
                    return redirect("organizations:home", org_id=summary.id)
                messages.success(request, _("注册申请已提交，请法定代表人登录本人已实名的账号，在“待确认的法人注册”中确认。"))
                return redirect("organizations:index")
    return render(request, "organizations/register.html", {"form": form})


@never_cache
@person_required
@require_http_methods(["GET", "POST"])
def confirmations(request: HttpRequest) -> HttpResponse:
    """待确认的法人注册: registrations naming me (by my verified ID number) as legal representative."""
    if request.method == "POST":
        try:
            org_id = int(request.POST.get("org_id", ""))
            services.organization_confirm(org_id=org_id, legal_rep_user=request.user)
        except (ValueError, DomainError) as error:
            messages.error(request, error.message if isinstance(error, DomainError) else _("请求无效。"))
        else:
            messages.success(request, _("已确认，法人账号已启用。"))
            return redirect("organizations:home", org_id=org_id)
        return redirect("organizations:confirmations")
    return render(request, "organizations/confirmations.html",
                  {"pending": selectors.organization_pending_for_legal_rep(user=request.user)})


def _signed_in(request: HttpRequest, user: Any, *, amr: list[str]) -> HttpResponse:
    """Establish the session; ``amr`` (RFC 8176: pwd, swk = proof of a software key) goes into ID tokens."""
    login(request, user, backend=BACKEND)
    request.session[AMR_SESSION_KEY] = amr
    return redirect(safe_next(request) or "organizations:index")


@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """法人登录: credit code + password, with identity's lockout and captcha after 3 failures."""
    form = OrgLoginForm(request.POST or None)
    needs_captcha = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        needs_captcha = services.organization_login_needs_captcha(credit_code=data["credit_code"], ip=client_ip(request))
        if needs_captcha and not captcha_check(request.session, data["captcha"]):
            form.add_error("captcha", _("请输入图形验证码（不区分大小写）。"))
        else:
            try:
                user = services.organization_login_password(credit_code=data["credit_code"],
                                                            password=data["password"], ip=client_ip(request))
            except DomainError as error:
                _error(form, error)
                needs_captcha = services.organization_login_needs_captcha(credit_code=data["credit_code"],
                                                                          ip=client_ip(request))
            else:
                return _signed_in(request, user, amr=["pwd"])
    return render(request, "organizations/login.html",
                  {"form": form, "needs_captcha": needs_captcha, "next": safe_next(request)})


@never_cache
@require_http_methods(["GET", "POST"])
def login_certificate(request: HttpRequest) -> HttpResponse:
    """数字证书登录: get a challenge for the credit code, sign it with the registered private key, paste the signature."""
    challenge = None
    code_form = ChallengeForm(request.POST if request.POST.get("step") == "challenge" else None)
    sign_form = SignatureForm(request.POST if request.POST.get("step") == "verify" else None)
    if request.method == "POST" and request.POST.get("step") == "challenge" and code_form.is_valid():
        try:
            challenge = services.login_challenge_issue(credit_code=code_form.cleaned_data["credit_code"],
                                                       ip=client_ip(request))
        except DomainError as error:
            _error(code_form, error)
        else:
            request.session["org_login_challenge"] = challenge.nonce
            sign_form = SignatureForm(initial={"nonce": challenge.nonce})
    elif request.method == "POST" and request.POST.get("step") == "verify" and sign_form.is_valid():
        nonce = sign_form.cleaned_data["nonce"]
        if request.session.get("org_login_challenge") != nonce:
            sign_form.add_error(None, _("登录挑战无效，请重新获取。"))
        else:
            try:
                user = services.login_challenge_verify(nonce=nonce, signature=sign_form.cleaned_data["signature"],
                                                       ip=client_ip(request))
            except DomainError as error:
                _error(sign_form, error)
            else:
                return _signed_in(request, user, amr=["swk"])
    return render(request, "organizations/login_certificate.html",
                  {"code_form": code_form, "sign_form": sign_form, "challenge": challenge, "next": safe_next(request)})


@never_cache
def index(request: HttpRequest) -> HttpResponse:
    """法人服务: the organisation's own account goes to its home; a person sees the organisations they act for."""
    own = selectors.organization_for_account(user=request.user)
    if own is not None:
        return redirect("organizations:home", org_id=own.id)
    return render(request, "organizations/index.html", {
        "memberships": selectors.organization_list_for_user(user=request.user),
        "pending_count": len(selectors.organization_pending_for_legal_rep(user=request.user))})


def _context(request: HttpRequest, org_id: int) -> selectors.OrgActingContext:
    try:
        return selectors.acting_context(user=request.user, org_id=org_id)
    except NotPermitted:
        raise Http404(_("没有这个法人，或您无权代表它办理。")) from None


@never_cache
def home(request: HttpRequest, org_id: int) -> HttpResponse:
    ctx = _context(request, org_id)
    summary = selectors.organization_summary_for(user=request.user, org_id=org_id)
    return render(request, "organizations/home.html", {"org": summary, "ctx": ctx,
                                                       "is_legal_rep": ctx.role == selectors.ROLE_LEGAL_REP})


def _legal_rep_context(request: HttpRequest, org_id: int) -> selectors.OrgActingContext:
    ctx = _context(request, org_id)
    if ctx.role != selectors.ROLE_LEGAL_REP:
        raise Http404(_("只有法定代表人本人可以管理经办人和数字证书。"))
    return ctx


@never_cache
@person_required
@require_http_methods(["GET", "POST"])
def agents(request: HttpRequest, org_id: int) -> HttpResponse:
    """经办人: list, and authorise a new one."""
    ctx = _legal_rep_context(request, org_id)
    form = AgentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        until = datetime.datetime.combine(data["valid_until"] + datetime.timedelta(days=1), datetime.time.min,
                                          tzinfo=CHINA_TZ)
        try:
            services.agent_authorize(org_id=org_id, legal_rep_user=request.user,
                                     agent_phone_or_username=data["agent"], scopes=data["scopes"], valid_until=until)
        except DomainError as error:
            _error(form, error)
        else:
            messages.success(request, _("已授权。"))
            return redirect("organizations:agents", org_id=org_id)
    return render(request, "organizations/agents.html", {
        "ctx": ctx, "form": form, "rows": selectors.agent_list_for_legal_rep(user=request.user, org_id=org_id)})


@never_cache
@person_required
@require_http_methods(["GET", "POST"])
def agent_revoke(request: HttpRequest, org_id: int, authorization_id: int) -> HttpResponse:
    """撤销授权: a confirmation page, then the revocation."""
    ctx = _legal_rep_context(request, org_id)
    try:
        row = selectors.agent_authorization_for_legal_rep(user=request.user, org_id=org_id,
                                                          authorization_id=authorization_id)
    except NotPermitted:
        raise Http404() from None
    if request.method == "POST":
        try:
            services.agent_revoke(authorization_id=authorization_id, legal_rep_user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已撤销授权，立即生效。"))
        return redirect("organizations:agents", org_id=org_id)
    return render(request, "organizations/agent_revoke.html", {"ctx": ctx, "row": row})


@never_cache
@person_required
@require_http_methods(["GET", "POST"])
def keys(request: HttpRequest, org_id: int) -> HttpResponse:
    """数字证书: the legal representative registers or revokes public keys for certificate login."""
    ctx = _legal_rep_context(request, org_id)
    form = KeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fingerprint = services.organization_key_register(
                org_id=org_id, legal_rep_user=request.user, public_key_pem=form.cleaned_data["public_key_pem"],
                label=form.cleaned_data["label"])
        except DomainError as error:
            _error(form, error)
        else:
            messages.success(request, _("证书公钥已登记，指纹：%(f)s") % {"f": fingerprint})
            return redirect("organizations:keys", org_id=org_id)
    return render(request, "organizations/keys.html", {
        "ctx": ctx, "form": form, "rows": selectors.key_list_for_legal_rep(user=request.user, org_id=org_id)})


@person_required
@require_POST
def key_revoke(request: HttpRequest, org_id: int, key_id: int) -> HttpResponse:
    _legal_rep_context(request, org_id)
    if key_id not in {row.id for row in selectors.key_list_for_legal_rep(user=request.user, org_id=org_id)}:
        raise Http404()
    try:
        services.organization_key_revoke(key_id=key_id, legal_rep_user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("证书已吊销。"))
    return redirect("organizations:keys", org_id=org_id)
