"""Endpoints of the OpenID Connect provider, included at ``/oidc/``.

The namespace is ``oauth2_provider`` because django-oauth-toolkit reverses its own endpoint names in it (discovery,
issuer). The issuer is ``<origin>/oidc``; the discovery document is also served at the site root
(:data:`well_known_urlpatterns`).
"""

from django.urls import path, re_path
from oauth2_provider import views as dot

from tongban.oidc.web import sso

app_name = "oauth2_provider"
urlpatterns = [
    path("authorize/", sso.AuthorizeView.as_view(), name="authorize"),
    path("token/", dot.TokenView.as_view(), name="token"),
    path("revoke_token/", dot.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", dot.IntrospectTokenView.as_view(), name="introspect"),
    re_path(r"^\.well-known/openid-configuration/?$", sso.discovery, name="oidc-connect-discovery-info"),
    path(".well-known/jwks.json", dot.JwksInfoView.as_view(), name="jwks-info"),
    path("userinfo/", dot.UserInfoView.as_view(), name="user-info"),
    path("logout/", sso.LogoutView.as_view(), name="rp-initiated-logout"),
    path("step-up/", sso.step_up, name="step-up"),
    path("authorizations/", sso.authorizations, name="authorizations"),
    path("authorizations/<int:consent_id>/revoke/", sso.authorization_revoke, name="authorization-revoke"),
]

# Included at the site root: path("", include(well_known_urlpatterns)).
well_known_urlpatterns = [
    path(".well-known/openid-configuration", sso.discovery, name="oidc-discovery-root"),
]
