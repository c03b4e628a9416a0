"""In-app authorization (应用内授权): single sign-on into a registered client from inside the Tongban app.

As 一部手机办事通 does for mini-apps, the app — already signed in with an API bearer token — asks for an OAuth2
authorization code for a registered client and hands the client the redirect URI; the client exchanges the code at
``/oidc/token/`` as usual. This is the API's counterpart of the browser's :class:`tongban.oidc.web.sso.AuthorizeView`
and applies the same rules with the same functions: DOT's authorization endpoint logic (client, redirect URI,
scopes allowed for the client, PKCE) through its ``OAuthLibCore``; step-up when ``acr_values`` asks for a higher
real-name level; consent remembered per client (:func:`~tongban.oidc.selectors.consent_covers`) or given now
(:func:`~tongban.oidc.services.consent_grant`); the ``organization`` scope acting for a chosen organisation. The
code itself is created by oauthlib and the validator, which opens the sign-on session that gives ID tokens their
``acr``/``amr``/``sid``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode, urlsplit

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.oauth2_backends import OAuthLibCore, get_oauthlib_core

from tongban.core.audit import AuditOutcome, Target, actor_from_user, atomic_service
from tongban.core.errors import DomainError, Issue, NotFound, NotPermitted, ValidationFailed
from tongban.identity.interface import AssuranceLevel
from tongban.oidc import selectors, services
from tongban.oidc.conf import SCOPES, acr_value

ACTION = "oidc.authorize.inapp"


class StepUpRequired(NotPermitted):
    """The client asks (``acr_values``) for a higher real-name level than the person has: verify, then retry."""

    code = "step_up_required"


class ConsentRequired(NotPermitted):
    """The person has not agreed to share these scopes with the client: ask them in the app, then retry."""

    code = "consent_required"


class AuthorizationRefused(DomainError):
    """The authorization request itself is invalid; ``issues`` carry the OAuth 2.0 error (RFC 6749 §4.1.2.1)."""

    code = "authorization_invalid"
    http_status = 400


OAUTH_MESSAGES = {
    "invalid_scope": "申请的授权范围超出该接入系统登记的范围。",
    "unauthorized_client": "该接入系统不能使用授权码方式登录。",
    "unsupported_response_type": "该接入系统不能使用授权码方式登录。",
    "access_denied": "授权被拒绝。",
}


@dataclass(frozen=True)
class IssuedCode:
    """The authorization response for the client: its redirect URI with ``code`` and ``state``."""

    redirect_uri: str
    code: str
    state: str | None


class _ParamsOAuthLibCore(OAuthLibCore):
    """DOT's configured OAuth server, reading the authorization request from the in-app request's parameters
    instead of the URL, exactly as if the same request had been sent to ``/oidc/authorize/``."""

    def __init__(self, params: Mapping[str, str]) -> None:
        super().__init__(server=get_oauthlib_core().server)
        self._params = dict(params)

    def _extract_params(self, request: HttpRequest) -> tuple[str, str, str, dict[str, Any]]:
        uri = f"{request.build_absolute_uri(reverse('oauth2_provider:authorize'))}?{urlencode(self._params)}"
        headers = self.extract_headers(request)
        for name in ("Authorization", "HTTP_AUTHORIZATION"):  # the API's bearer token is not a client credential
            headers.pop(name, None)
        return uri, "GET", "", headers


def _refused(error: OAuthToolkitError) -> AuthorizationRefused:
    oauth_error = getattr(getattr(error, "oauthlib_error", None), "error", "") or "invalid_request"
    message = _(OAUTH_MESSAGES.get(oauth_error, "授权请求无效：请检查回调地址、授权范围和 PKCE 参数（code_challenge，S256）。"))
    description = str(getattr(getattr(error, "oauthlib_error", None), "description", "") or "")
    return AuthorizationRefused(message, issues=[Issue(code=oauth_error, message=description or message)])


Refusal = TypeVar("Refusal", bound=DomainError)


def _denied(error: Refusal, *, user: Any, client_id: str, reason: str) -> Refusal:
    """``error`` with the audit record that :func:`atomic_service` writes after the rollback (outcome denied)."""
    error.audit = {"action": ACTION, "actor": actor_from_user(user), "outcome": AuditOutcome.DENIED,
                   "target": Target(type="oidc.client", id=client_id), "detail": {"reason": reason}}
    return error


def _step_up(*, user: Any, client_id: str, needed: int) -> StepUpRequired:
    label = str(AssuranceLevel(needed).label)
    error = StepUpRequired(
        _("该系统要求实名等级达到“%(l)s”。请先完成相应的实名核验（POST /api/v1/identity/realname/…），再重新授权。")
        % {"l": label},
        issues=[Issue(code=acr_value(needed), field="acr_values", message=label)])
    return _denied(error, user=user, client_id=client_id, reason="step_up")


def _consent(*, user: Any, client: Any, scopes: list[str]) -> ConsentRequired:
    error = ConsentRequired(
        _("“%(c)s”请求获取以下信息，请在应用内征得本人同意后以 consent=true 重新授权。") % {
            "c": client.name or client.client_id},
        issues=[Issue(code=scope, field="scope", message=_(SCOPES.get(scope, scope))) for scope in scopes])
    return _denied(error, user=user, client_id=client.client_id, reason="consent")


def _acting_org(*, user: Any, scopes: list[str], organization_id: int | None, client_id: str) -> tuple[int | None, bool]:
    """(the organisation to act for, whether the person chose it now) for the ``organization`` scope."""
    if selectors.ORG_SCOPE not in scopes:
        return None, False
    own = selectors.acting_for(user=user, org_id=None)
    if own is not None:  # an organisation's own account acts for itself
        return own.org_id, False
    choices = selectors.organization_choices(user=user)
    if not choices:
        raise _denied(NotPermitted(_("该系统需要以法人身份登录。您不是任何法人的法定代表人或有效的经办人。"),
                                   code="no_organization"), user=user, client_id=client_id, reason="no_organization")
    if organization_id is None:
        raise ValidationFailed(_("请选择这次代表的法人（organization_id）。"), code="organization_required", issues=[
            Issue(code="organization_required", field="organization_id",
                  message=f"{choice.org_id}: {choice.name}（{choice.credit_code}）") for choice in choices])
    if selectors.acting_for(user=user, org_id=organization_id) is None:
        raise NotFound(_("没有这个法人，或您无权代表它办理；经办授权可能已被撤销或已过期。"))
    return organization_id, True


@atomic_service
def inapp_authorize(*, request: HttpRequest, params: Mapping[str, str], consent: bool, amr: list[str] | None,
                    session_key: str | None, organization_id: int | None = None,
                    consent_id_number: bool = False) -> IssuedCode:
    """Issue an authorization code for ``request.user`` (the account signed in with the API token).

    ``params`` are the OAuth 2.0 authorization request parameters (``client_id``, ``redirect_uri``, ``scope``,
    ``code_challenge``, ``code_challenge_method``, optionally ``state``, ``nonce``, ``acr_values``); ``amr`` and
    ``session_key`` come from the API session (how it signed in, and which session a single sign-out ends).
    The ID number is shared only with ``consent_id_number`` (its own tick box in the browser); without it the
    ``id_number`` scope is dropped from a newly given consent.
    Refusals: :class:`NotFound` (client not registered), :class:`AuthorizationRefused`, :class:`StepUpRequired`,
    :class:`ConsentRequired` — the last two audited.
    """
    user = request.user
    client_id = str(params.get("client_id", ""))
    client = selectors.client_get(client_id=client_id)
    if client is None:
        raise NotFound(_("没有找到该接入系统，请核对 client_id。"), code="client_not_found")
    core = _ParamsOAuthLibCore({"response_type": "code", **params})
    try:
        scopes, credentials = core.validate_authorization_request(request)
    except OAuthToolkitError as error:
        raise _refused(error) from None
    needed = selectors.step_up_level(user=user, acr_values=str(params.get("acr_values", "")))
    if needed:
        raise _step_up(user=user, client_id=client_id, needed=needed)
    org_id, chose_org = _acting_org(user=user, scopes=scopes, organization_id=organization_id, client_id=client_id)
    if chose_org or not selectors.consent_covers(user_id=int(user.pk or 0), client=client, scopes=scopes):
        if not consent:
            raise _consent(user=user, client=client, scopes=scopes)
        if "id_number" in scopes and not consent_id_number:
            scopes = [scope for scope in scopes if scope != "id_number"]
        services.consent_grant(user=user, client=client, scopes=scopes, id_number_consented="id_number" in scopes)
    credentials.update(services.signon_credentials(amr=amr, session_key=session_key, org_id=org_id))
    try:
        uri, _headers, _body, _status = core.create_authorization_response(
            request=request, scopes=list(scopes), credentials=credentials, allow=True)
    except OAuthToolkitError as error:
        raise _refused(error) from None
    query = parse_qs(urlsplit(uri).query)
    if "code" not in query:  # an error the server reports to the client's redirect URI
        oauth_error = (query.get("error") or ["invalid_request"])[0]
        raise AuthorizationRefused(_(OAUTH_MESSAGES.get(oauth_error, "授权请求无效。")),
                                   issues=[Issue(code=oauth_error, message=(query.get("error_description") or [""])[0])])
    return IssuedCode(redirect_uri=uri, code=query["code"][0], state=(query.get("state") or [None])[0])
