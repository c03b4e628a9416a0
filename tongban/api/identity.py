"""Identity through the API (/api/v1/identity/): registration, sign-in, bearer sessions, my profile, real-name checks
and in-app single sign-on authorisation. Endpoints validate input and call the identity, realname and oidc services.

Anonymous steps that need the image captcha (SMS codes, a password sign-in after 3 failures) keep the captcha in
the ordinary Django session identified by the session cookie, as the browser does: the client keeps cookies between
``GET /identity/captcha`` and the call that answers it. Everything after sign-in uses the bearer token instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile

from tongban.api import schemas as s
from tongban.api.auth import bearer, current
from tongban.core.errors import DomainError, Issue, NotPermitted
from tongban.core.http import client_ip
from tongban.identity import selectors as identity
from tongban.identity import services
from tongban.identity.captcha import captcha_check, captcha_new
from tongban.identity.interface import AMR_SESSION_KEY, AccountKind
from tongban.identity.methods import AMR_OTP, AMR_PWD, AMR_SMS
from tongban.identity.sessions import (
    session_list_for_user,
    session_logout,
    session_open,
    session_revoke,
    session_settings,
)
from tongban.oidc import api as oidc_api
from tongban.organizations import selectors as organizations
from tongban.organizations import services as organization_services
from tongban.realname import selectors as realname
from tongban.realname import services as realname_services

router = Router(tags=["identity"])

PENDING_KEY = "tb_api_login_pending"  # a sign-in waiting for its TOTP code, in the cookie session
PENDING_SECONDS = 300
CAPTCHA_MESSAGE = "请输入图形验证码：先获取 GET /api/v1/identity/captcha 的图片（同一会话 Cookie），再填写图片上的字符（不区分大小写）。"


class CaptchaRequired(DomainError):
    """The image captcha is needed (before an SMS, or after 3 failed sign-ins) and was missing or wrong."""

    code = "captcha_required"
    http_status = 422


class VerificationNotPassed(DomainError):
    """A real-name provider answered that the data do not match (the attempt counts towards the daily limit)."""

    code = "realname_mismatch"
    http_status = 422


class VerificationUnavailable(DomainError):
    code = "provider_unavailable"
    http_status = 503


def _captcha_gate(request: HttpRequest, *, needed: bool, answer: str) -> None:
    if needed and not captcha_check(request.session, answer):
        raise CaptchaRequired(_(CAPTCHA_MESSAGE),
                              issues=[Issue(code="captcha_required", message=_(CAPTCHA_MESSAGE), field="captcha")])


def _with_captcha_hint(error: DomainError, *, needed: bool) -> DomainError:
    """A failed sign-in that from now on needs the captcha says so (the message stays the generic one)."""
    if needed:
        error.issues.append(Issue(code="captcha_required", field="captcha",
                                  message=_("连续登录失败3次，下次登录须填写图形验证码。")))
    return error


def _first_factor(request: HttpRequest, sign_in: Callable[[], Any]) -> Any:
    """The account after a password or SMS code; for a person who enabled TOTP, the half-done sign-in is kept in
    the cookie session (5 minutes, a new session key) and ``second_factor_required`` answers (401)."""
    try:
        return sign_in()
    except services.SecondFactorRequired as error:
        request.session.cycle_key()
        request.session[PENDING_KEY] = {**error.pending.as_session(), "at": time.time()}
        error.issues.append(Issue(code="second_factor_required", field="code", message=_(
            "请在5分钟内用同一会话 Cookie 调用 POST /api/v1/identity/sessions/otp 提交验证器应用上的6位动态口令。")))
        raise


def _account(user: Any) -> dict[str, Any]:
    display = user.display_name
    if user.kind == AccountKind.PERSON:
        profile = identity.person_profile(user=user)
        display = (profile.name or profile.phone_masked) if profile else ""
    return {"kind": user.kind, "display_name": display, "assurance_level": identity.user_assurance_level(user=user)}


def _signed_in(request: HttpRequest, user: Any, *, amr: list[str]) -> Status[Any]:
    opened = session_open(user=user, ip=client_ip(request), user_agent=request.headers.get("User-Agent", ""),
                          data={AMR_SESSION_KEY: amr})
    return Status(201, {"token": opened.token, "token_type": "Bearer", **session_settings(), "amr": amr,
                        "account": _account(user)})


def _assurance(profile: identity.PersonProfile) -> dict[str, Any]:
    return {"level": profile.assurance_level, "label": profile.assurance_label,
            "method": profile.assurance_method, "verified_at": profile.assurance_at}


# ------------------------------------------------------------------ anonymous steps


@router.get("/captcha", summary="图形验证码（PNG）", response={200: None},
            description="返回一张新的图形验证码图片，替换本会话之前的验证码。验证码保存在服务器端会话中，"
                        "由普通的会话 Cookie（sessionid）标识：客户端须保存 Cookie，并在随后的 "
                        "POST /identity/sms-codes 或需要验证码的登录请求中带上同一 Cookie。不区分大小写，一次有效，5分钟内有效。",
            openapi_extra={"responses": {200: {"description": "PNG 图片", "content": {
                "image/png": {"schema": {"type": "string", "format": "binary"}}}}}})
def captcha(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(captcha_new(request.session), content_type="image/png")
    add_never_cache_headers(response)
    return response


@router.post("/sms-codes", response={202: s.SmsCodeOut, **s.error_responses(422, 429)},
             summary="发送短信验证码（注册或登录）",
             description="先答对图形验证码（同一会话 Cookie），再发送6位短信验证码，5分钟内有效，60秒后可重新获取；"
                         "按手机号和来源地址限流。")
def sms_code(request: HttpRequest, payload: s.SmsCodeIn) -> Status[Any]:
    _captcha_gate(request, needed=True, answer=payload.captcha)
    services.sms_code_send(phone=payload.phone, purpose=payload.purpose, ip=client_ip(request))
    return Status(202, {"sent": True, "expires_in": int(services.CODE_TTL.total_seconds()),
                        "resend_after": int(services.CODE_RESEND_AFTER.total_seconds())})


@router.post("/persons", response={201: s.AccountOut, **s.error_responses(409, 422)}, summary="自然人注册",
             description="手机号 + 短信验证码（purpose=register）+ 密码注册。注册后用 POST /identity/sessions 登录。")
def person_register(request: HttpRequest, payload: s.PersonRegisterIn) -> Status[Any]:
    user = services.person_register(phone=payload.phone, sms_code=payload.sms_code, password=payload.password,
                                    username=payload.username, ip=client_ip(request))
    return Status(201, _account(user))


# ------------------------------------------------------------------ sign-in: bearer sessions


@router.post("/sessions", response={201: s.TokenOut, **s.error_responses(401, 422, 429)},
             summary="自然人登录（手机号 / 身份证号 / 用户名 + 密码）",
             description="成功后返回会话令牌（token）。连续失败3次后须带图形验证码（captcha，同一会话 Cookie），"
                         "否则返回 captcha_required；连续失败5次锁定15分钟。提示信息不透露账号是否存在。")
def login_password(request: HttpRequest, payload: s.PasswordLoginIn) -> Status[Any]:
    ip = client_ip(request)
    _captcha_gate(request, needed=services.login_needs_captcha(identifier=payload.identifier, ip=ip),
                  answer=payload.captcha)
    try:
        user = _first_factor(request, lambda: services.login_with_password(
            identifier=payload.identifier, password=payload.password, ip=ip, kind=AccountKind.PERSON))
    except services.AuthenticationFailed as error:
        raise _with_captcha_hint(error, needed=services.login_needs_captcha(
            identifier=payload.identifier, ip=ip)) from None
    return _signed_in(request, user, amr=[AMR_PWD])


@router.post("/sessions/sms", response={201: s.TokenOut, **s.error_responses(401, 422, 429)},
             summary="短信验证码登录", description="先用 POST /identity/sms-codes（purpose=login）获取验证码。")
def login_sms(request: HttpRequest, payload: s.SmsLoginIn) -> Status[Any]:
    user = _first_factor(request, lambda: services.login_with_sms(phone=payload.phone, sms_code=payload.sms_code,
                                                                  ip=client_ip(request)))
    return _signed_in(request, user, amr=[AMR_SMS])


@router.post("/sessions/otp", response={201: s.TokenOut, **s.error_responses(401, 422, 429)},
             summary="动态口令（TOTP）：完成已开启动态口令的自然人登录",
             description="密码或短信验证码正确后返回 401 second_factor_required 时，5分钟内用同一会话 Cookie 提交验证器应用上的6位动态口令。"
                         "输错与密码输错一同计数（连续5次锁定15分钟）。")
def login_otp(request: HttpRequest, payload: s.OtpIn) -> Status[Any]:
    data = request.session.get(PENDING_KEY)
    if not data or time.time() - float(data.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        raise services.AuthenticationFailed(_("登录已超时或未开始，请重新输入密码或短信验证码。"), code="login_pending_missing")
    pending = services.PendingLogin.from_session(data)
    user = services.login_second_factor(pending=pending, code=payload.code, ip=client_ip(request))
    request.session.pop(PENDING_KEY, None)
    return _signed_in(request, user, amr=[*pending.amr, AMR_OTP])


@router.post("/sessions/organization", response={201: s.TokenOut, **s.error_responses(401, 422, 429)},
             summary="法人登录（统一社会信用代码 + 密码）",
             description="与自然人密码登录相同的锁定、限流和图形验证码规则。")
def login_organization(request: HttpRequest, payload: s.OrganizationLoginIn) -> Status[Any]:
    ip = client_ip(request)
    _captcha_gate(request, needed=organization_services.organization_login_needs_captcha(
        credit_code=payload.credit_code, ip=ip), answer=payload.captcha)
    try:
        user = organization_services.organization_login_password(credit_code=payload.credit_code,
                                                                 password=payload.password, ip=ip)
    except services.AuthenticationFailed as error:
        raise _with_captcha_hint(error, needed=organization_services.organization_login_needs_captcha(
            credit_code=payload.credit_code, ip=ip)) from None
    return _signed_in(request, user, amr=[AMR_PWD])


@router.post("/sessions/certificate-challenges", response={201: s.ChallengeOut, **s.error_responses(422, 429)},
             summary="数字证书登录：获取登录挑战",
             description="返回一次性挑战（5分钟内有效）。用法人登记的私钥对 message 签名后调用 POST /identity/sessions/certificate。")
def certificate_challenge(request: HttpRequest, payload: s.ChallengeIn) -> Status[Any]:
    return Status(201, organization_services.login_challenge_issue(credit_code=payload.credit_code, ip=client_ip(request)))


@router.post("/sessions/certificate", response={201: s.TokenOut, **s.error_responses(401, 422)},
             summary="数字证书登录：提交签名")
def login_certificate(request: HttpRequest, payload: s.CertificateLoginIn) -> Status[Any]:
    user = organization_services.login_challenge_verify(nonce=payload.nonce, signature=payload.signature,
                                                        ip=client_ip(request))
    return _signed_in(request, user, amr=["swk"])


@router.get("/sessions", auth=bearer, response={200: list[s.DeviceOut], **s.error_responses(401)},
            summary="登录设备管理：我的登录会话", description="浏览器和 API 令牌的登录会话，current 为本次请求的会话。")
def sessions(request: HttpRequest) -> list[dict[str, object]]:
    me = current(request)
    return session_list_for_user(user=me.user, current_key=me.token)


@router.delete("/sessions/current", auth=bearer, response={204: None, **s.error_responses(401)},
               summary="退出登录（结束本令牌）")
def logout(request: HttpRequest) -> Status[Any]:
    session_logout(bearer=current(request))
    return Status(204, None)


@router.delete("/sessions/{int:session_id}", auth=bearer, response={204: None, **s.error_responses(401, 404)},
               summary="让某个登录设备退出", description="只能结束本人的会话；该设备的下一次请求即失效。")
def session_end(request: HttpRequest, session_id: int) -> Status[Any]:
    if not session_revoke(user=current(request).user, session_id=session_id):
        raise Http404(_("没有找到这个登录设备，可能已经退出。"))
    return Status(204, None)


# ------------------------------------------------------------------ me and real-name verification


@router.get("/me", auth=bearer, response={200: s.MeOut, **s.error_responses(401)},
            summary="我的账号（个人信息脱敏显示）")
def me(request: HttpRequest) -> dict[str, Any]:
    bearer_session = current(request)
    user = bearer_session.user
    person = None
    profile = identity.person_profile(user=user)
    if profile is not None:
        person = {"username": profile.username if profile.username_is_custom else None, "name": profile.name,
                  "phone_masked": profile.phone_masked, "id_number_masked": profile.id_number_masked,
                  "identity_locked": profile.identity_locked, "assurance": _assurance(profile)}
    return {"kind": user.kind, "amr": list(bearer_session.session.get(AMR_SESSION_KEY) or []), "person": person,
            "organization": organizations.organization_for_account(user=user)}


def _person_profile(request: HttpRequest) -> identity.PersonProfile:
    profile = identity.person_profile(user=current(request).user)
    if profile is None:
        raise NotPermitted(_("只有个人（自然人）账号可以办理实名核验。"), code="not_a_person")
    return profile


def _checked(request: HttpRequest, outcome: realname_services.CheckOutcome) -> dict[str, Any]:
    if outcome.outcome == "unavailable":
        raise VerificationUnavailable(outcome.message)
    if not outcome.ok:
        raise VerificationNotPassed(outcome.message)
    return {"outcome": outcome.outcome, "message": outcome.message, "assurance": _assurance(_person_profile(request))}


REALNAME_ERRORS = s.error_responses(401, 403, 409, 422, 429, 503)


@router.post("/realname/population", auth=bearer, response={200: s.CheckOut, **REALNAME_ERRORS},
             summary="实名核验：姓名和身份证号（公安人口库）→ 实名等级2",
             description="核验不一致返回 realname_mismatch（计入每日次数），服务暂不可用返回 provider_unavailable（不计入）。")
def realname_population(request: HttpRequest, payload: s.IdentityIn) -> dict[str, Any]:
    _person_profile(request)
    return _checked(request, realname_services.verification_population_check(
        user=current(request).user, name=payload.name, id_number=payload.id_number))


@router.post("/realname/bankcard", auth=bearer, response={200: s.CheckOut, **REALNAME_ERRORS},
             summary="实名核验：银行卡四要素 → 实名等级3")
def realname_bankcard(request: HttpRequest, payload: s.BankcardIn) -> dict[str, Any]:
    _person_profile(request)
    return _checked(request, realname_services.verification_bankcard_check(
        user=current(request).user, name=payload.name, id_number=payload.id_number,
        card_number=payload.card_number, phone=payload.phone))


@router.post("/realname/face", auth=bearer, response={200: s.CheckOut, **REALNAME_ERRORS},
             summary="实名核验：人脸（本人照片 + 活体）→ 实名等级3",
             description="multipart/form-data：name、id_number 和 photo（JPG 或 PNG，不超过5MB）。照片只用于本次核验，不保存。")
def realname_face(request: HttpRequest, name: str = Form(..., max_length=200), id_number: str = Form(..., max_length=40),
                  photo: File[UploadedFile | None] = None) -> dict[str, Any]:
    _person_profile(request)
    return _checked(request, realname_services.verification_face_check(
        user=current(request).user, name=name, id_number=id_number, photo=photo))


@router.post("/realname/manual", auth=bearer, response={201: s.CreatedOut, **REALNAME_ERRORS},
             summary="实名核验：人工审核（上传身份证人像面、国徽面和手持身份证照片）",
             description="multipart/form-data：name、id_number、id_front、id_back、handheld。审核结果以短信通知，"
                         "也可在 GET /identity/realname/requests 查看。")
def realname_manual(request: HttpRequest, name: str = Form(..., max_length=200),
                    id_number: str = Form(..., max_length=40),
                    id_front: File[UploadedFile | None] = None, id_back: File[UploadedFile | None] = None,
                    handheld: File[UploadedFile | None] = None) -> Status[Any]:
    _person_profile(request)
    review_id = realname_services.manual_review_submit(
        user=current(request).user, name=name, id_number=id_number, id_front=id_front, id_back=id_back,
        handheld=handheld)
    return Status(201, {"id": review_id, "status": "pending"})


def _review(row: Any) -> dict[str, Any]:
    return {"id": row.pk, "status": row.status, "status_label": str(row.get_status_display()),
            "reject_reason": row.reject_reason, "created_at": row.created_at, "reviewed_at": row.reviewed_at}


@router.post("/authorizations", auth=bearer,
             response={201: s.AuthorizationOut, **s.error_responses(400, 401, 403, 404, 422)},
             summary="应用内授权：为已登记的接入系统签发授权码（单点登录）",
             description="与浏览器的 /oidc/authorize/ 规则相同：接入系统须已登记，回调地址和授权范围须与登记一致，须带 PKCE。"
                         "acr_values 要求的实名等级高于本人时返回 403 step_up_required（issues 给出所需等级），"
                         "本人完成实名核验后重试；本人尚未同意向该系统提供所列信息时返回 403 consent_required"
                         "（issues 列出各授权范围），在应用内征得同意后以 consent=true 重试。成功后把 redirect_uri "
                         "交给接入系统，由它在 /oidc/token/ 用 code 和 code_verifier 换取令牌；ID 令牌的 amr 取本会话的登录方式。")
def authorize(request: HttpRequest, payload: s.AuthorizationIn) -> Status[Any]:
    me = current(request)
    params = payload.model_dump(exclude={"consent", "consent_id_number", "organization_id"}, exclude_none=True)
    issued = oidc_api.inapp_authorize(request=request, params=params, consent=payload.consent,
                                      consent_id_number=payload.consent_id_number,
                                      amr=me.session.get(AMR_SESSION_KEY), session_key=me.token,
                                      organization_id=payload.organization_id)
    return Status(201, issued)


@router.get("/realname/requests", auth=bearer, response={200: s.RealnameRequestsOut, **s.error_responses(401, 403)},
            summary="我的实名申请：核验记录、人工审核和纠错申请的状态")
def realname_requests(request: HttpRequest) -> dict[str, Any]:
    profile = _person_profile(request)
    return {
        "attempts": [{"method": a.method, "outcome": a.outcome, "level_granted": a.level_granted,
                      "created_at": a.created_at}
                     for a in realname.attempt_list_for_person(user_id=profile.user_id)],
        "manual_reviews": [_review(r) for r in realname.manual_review_list_for_person(user_id=profile.user_id)],
        "corrections": [_review(r) for r in realname.correction_request_list_for_person(user_id=profile.user_id)],
    }

