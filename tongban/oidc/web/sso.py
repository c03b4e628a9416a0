"""The person-facing side of single sign-on: authorize (step-up, consent), sign-out, and my authorised clients."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import AuthorizationView, ConnectDiscoveryInfoView, RPInitiatedLogoutView

from tongban.identity import selectors as identity
from tongban.identity.interface import AssuranceLevel
from tongban.oidc import selectors, services
from tongban.oidc.conf import SCOPES, acr_value

REALNAME_URL = "/account/realname/"  # the real-name verification pages (tongban.realname)


class AuthorizeView(AuthorizationView):
    """授权登录: DOT's authorization endpoint with step-up (``acr_values``) and remembered consent."""

    template_name = "oidc/consent.html"
    login_url = reverse_lazy("web:login")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        client = selectors.client_get(client_id=credentials["client_id"])
        if client is None:  # pragma: no cover - validated above
            raise Http404
        needed = selectors.step_up_level(user=request.user, acr_values=request.GET.get("acr_values", ""))
        if needed:
            query = urlencode({"level": needed, "client": client.client_id, "next": request.get_full_path()})
            return redirect(f"{reverse('oauth2_provider:step-up')}?{query}")
        choose_org = False
        if selectors.ORG_SCOPE in scopes:
            own = selectors.acting_for(user=request.user, org_id=None)
            choose_org = own is None  # an organisation's own account acts for itself; a person chooses each time
            if choose_org and not selectors.organization_choices(user=request.user):
                return _no_organization(request, client)
        if not choose_org and "none" not in request.GET.get("prompt", "").split() and selectors.consent_covers(
                user_id=int(request.user.pk or 0), client=client, scopes=scopes):
            try:
                uri, _headers, _body, _status = self.create_authorization_response(
                    request=request, scopes=" ".join(scopes), credentials=credentials, allow=True)
            except OAuthToolkitError as error:
                return self.error_response(error, client)
            return self.redirect(uri, client)
        return super().get(request, *args, **kwargs)

    def create_authorization_response(self, request: HttpRequest, scopes: str, credentials: dict[str, Any],
                                      allow: bool) -> Any:
        # Carried to the validator, which opens the sign-on session that gives ID tokens their acr/amr/sid.
        credentials.update(services.signon_credentials(
            amr=request.session.get(services.AMR_SESSION_KEY), session_key=request.session.session_key,
            org_id=getattr(request, "tongban_org_id", None)))
        return super().create_authorization_response(request, scopes, credentials, allow)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        scopes = context.get("scopes") or []
        context["scope_items"] = [{"scope": scope, "label": SCOPES.get(scope, scope)} for scope in scopes]
        context["asks_id_number"] = "id_number" in scopes
        if selectors.ORG_SCOPE in scopes and selectors.acting_for(user=self.request.user, org_id=None) is None:
            context["org_choices"] = selectors.organization_choices(user=self.request.user)
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        scopes = str(form.cleaned_data.get("scope") or "").split()
        if "id_number" in scopes and not self.request.POST.get("consent_id_number"):
            scopes.remove("id_number")  # the ID number is shared only when its own box is ticked
        form.cleaned_data["scope"] = " ".join(scopes)
        if form.cleaned_data.get("allow") and selectors.ORG_SCOPE in scopes \
                and selectors.acting_for(user=self.request.user, org_id=None) is None:
            try:
                org_id = int(self.request.POST.get("organization", ""))
            except ValueError:
                org_id = 0
            if selectors.acting_for(user=self.request.user, org_id=org_id) is None:
                return render(self.request, self.template_name, {"error": {
                    "error": _("请选择代表的法人"),
                    "description": _("请在授权页面选择一个您有权代表的法人后再同意；经办授权可能已被撤销或已过期。")}},
                    status=400)
            self.request.tongban_org_id = org_id  # type: ignore[attr-defined]
        if form.cleaned_data.get("allow"):
            client = selectors.client_get(client_id=form.cleaned_data["client_id"])
            if client is not None and set(scopes) <= client.allowed_scope_set():
                services.consent_grant(user=self.request.user, client=client, scopes=scopes,
                                       id_number_consented="id_number" in scopes)
        return super().form_valid(form)


def _no_organization(request: HttpRequest, client: Any) -> HttpResponse:
    return render(request, "oidc/consent.html", {"error": {
        "error": _("没有可代表的法人"),
        "description": _("“%(name)s”需要以法人身份登录。您不是任何法人的法定代表人或有效的经办人："
                         "请使用法人账号登录，或请法定代表人为您授权。") % {"name": client.name or client.client_id}}},
        status=403)


def discovery(request: HttpRequest) -> HttpResponse:
    """``/.well-known/openid-configuration`` with Tongban's acr values and back-channel logout support."""
    response = ConnectDiscoveryInfoView.as_view()(request)
    data = json.loads(response.content)
    data.update({
        "acr_values_supported": [acr_value(level) for level in AssuranceLevel.values],
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
    })
    result = JsonResponse(data)
    result["Access-Control-Allow-Origin"] = "*"
    return result


class LogoutView(RPInitiatedLogoutView):
    """RP-initiated logout (统一注销), which also notifies the clients with a back-channel logout URI."""

    template_name = "oidc/logout_confirm.html"

    def do_logout(self, application: Any = None, post_logout_redirect_uri: str | None = None,
                  state: str | None = None, token_user: Any = None) -> HttpResponse:
        user = token_user or self.request.user
        if getattr(user, "is_authenticated", False):
            services.sso_logout(user=user, browser_session=services.browser_session_digest(
                self.request.session.session_key), issuer=oauth2_settings.oidc_issuer(self.request))
        return super().do_logout(application, post_logout_redirect_uri, state, token_user)


@login_required(login_url="web:login")
def step_up(request: HttpRequest) -> HttpResponse:
    """需要更高实名等级: what the client needs, what the person has, and where to raise it."""
    try:
        needed = AssuranceLevel(int(request.GET.get("level", "0")))
    except ValueError:
        raise Http404 from None
    client = selectors.client_get(client_id=request.GET.get("client", ""))
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    current = identity.user_assurance_level(user=request.user)
    return render(request, "oidc/step_up.html", {
        "needed": needed, "current": AssuranceLevel(current) if current else None,
        "client_name": (client.name if client else "") or _("该系统"),
        "realname_url": f"{REALNAME_URL}?{urlencode({'next': target})}" if target else REALNAME_URL,
        "retry_url": target}, status=403)


@login_required(login_url="web:login")
def authorizations(request: HttpRequest) -> HttpResponse:
    """我授权的系统: the clients the person allowed, each revocable."""
    return render(request, "oidc/authorizations.html",
                  {"authorized": selectors.consent_list_for_person(user=request.user)})


@require_POST
@login_required(login_url="web:login")
def authorization_revoke(request: HttpRequest, consent_id: int) -> HttpResponse:
    if services.consent_revoke(user=request.user, consent_id=consent_id):
        messages.success(request, _("已撤销授权，该系统需要重新征得您的同意才能获取您的信息。"))
    return redirect("oauth2_provider:authorizations")
