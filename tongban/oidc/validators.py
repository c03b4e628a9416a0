"""The OAuth2/OIDC request validator (DOT's ``OAUTH2_VALIDATOR_CLASS``) with Tongban's rules.

* ``sub`` is pairwise per client sector (:func:`tongban.oidc.selectors.pairwise_subject`).
* ID tokens carry ``acr`` (``tongban:loa:N``, the level at sign-in), ``amr`` and ``sid`` and no personal data;
  personal claims come only from the userinfo endpoint, scoped, approved and consented
  (:func:`tongban.oidc.selectors.person_claims_for_client`), and every release is audited.
* Scopes are limited to those the platform administrator allowed for the client.
* With the ``organization`` scope the account signs in *for an organisation* (legal person): the organisation's own
  account, its legal representative, or an agent (经办人) the representative authorised. ID tokens and userinfo then
  carry ``tongban_org`` (credit code, name, acting role, agent scopes); a refresh is refused once the right to act
  has ended (authorisation revoked or expired, organisation suspended).
* Every issued token is audited.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.common import Request
from oauthlib.oauth2.rfc6749.errors import AccessDeniedError

from tongban.oidc import selectors, services
from tongban.oidc.conf import acr_value
from tongban.oidc.models import Client, SignOnSession

ID_TOKEN_CLAIMS = ("sub", "acr", "amr", "sid", "auth_time", "tongban_org")
USERINFO_CLAIMS = ("name", "tongban_loa", "phone_number", "phone_number_verified", "id_number")
PERSONAL_CLAIMS = frozenset({"name", "phone_number", "id_number"})


class TongbanOAuth2Validator(OAuth2Validator):
    oidc_claim_scope = {
        "sub": "openid", "name": "profile", "tongban_loa": "profile", "phone_number": "phone",
        "phone_number_verified": "phone", "id_number": "id_number", "tongban_org": selectors.ORG_SCOPE,
    }

    # --- scopes ---------------------------------------------------------------------------------------------

    def validate_scopes(self, client_id: str, scopes: list[str], client: Client, request: Request, *args: Any,
                        **kwargs: Any) -> bool:
        return set(scopes) <= client.allowed_scope_set()

    def get_default_scopes(self, client_id: str, request: Request, *args: Any, **kwargs: Any) -> list[str]:
        client = getattr(request, "client", None) or selectors.client_get(client_id=client_id)
        return ["openid"] if client is not None and "openid" in client.allowed_scope_set() else []

    # --- sign-on session: acr / amr / sid --------------------------------------------------------------------

    def _create_authorization_code(self, request: Request, code: dict[str, Any], expires: Any = None) -> Any:
        acting = None
        if selectors.ORG_SCOPE in (request.scopes or []):
            # The authorize views checked the choice; checked again here, inside the transaction that records it.
            acting = selectors.acting_for(user=request.user, org_id=getattr(request, "tongban_org", None))
            if acting is None:
                raise AccessDeniedError(description="no right to act for the organisation", request=request)
        session = services.signon_start(
            user=request.user, client=request.client, amr=list(getattr(request, "tongban_amr", None) or ["pwd"]),
            browser_session=str(getattr(request, "tongban_browser_session", "") or ""), acting=acting)
        claims = request.claims if isinstance(request.claims, dict) else {}
        request.claims = {**claims, "tongban_sid": str(session.sid)}
        return super()._create_authorization_code(request, code, expires)

    def _signon(self, request: Request) -> SignOnSession | None:
        claims = request.claims if isinstance(request.claims, dict) else {}
        if claims.get("tongban_sid"):
            return selectors.signon_get(sid=claims["tongban_sid"])
        refresh = getattr(request, "refresh_token_instance", None)
        if refresh is not None and getattr(refresh, "token_family", None):
            return selectors.signon_for_refresh_family(family=refresh.token_family)
        return None

    def validate_refresh_token(self, refresh_token: str, client: Client, request: Request, *args: Any,
                               **kwargs: Any) -> bool:
        if not super().validate_refresh_token(refresh_token, client, request, *args, **kwargs):
            return False
        session = self._signon(request)
        if session is None or session.organization_id is None:
            return True
        if selectors.acting_for(user=request.user, org_id=session.organization_id) is None:
            services.org_refresh_refused_record(user=request.user, client=client, org_id=session.organization_id)
            return False
        return True

    def _create_refresh_token(self, request: Request, refresh_token_code: str, access_token: Any,
                              previous_refresh_token: Any) -> Any:
        refresh = super()._create_refresh_token(request, refresh_token_code, access_token, previous_refresh_token)
        session = self._signon(request)
        if session is not None:
            services.signon_bind_refresh_family(session=session, family=refresh.token_family)
        return refresh

    # --- claims ---------------------------------------------------------------------------------------------

    def get_claim_dict(self, request: Request) -> dict[str, Any]:
        return {"sub": selectors.pairwise_subject(user_id=request.user.pk, client=request.client)}

    def get_discovery_claims(self, request: Any) -> list[str]:
        return [*ID_TOKEN_CLAIMS, *USERINFO_CLAIMS]

    def get_id_token_dictionary(self, token: dict[str, Any], token_handler: Any,
                                request: Request) -> tuple[dict[str, Any], Any]:
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        session = self._signon(request)
        if session is not None:
            claims.update(acr=acr_value(session.acr), amr=list(session.amr), sid=str(session.sid),
                          auth_time=int(session.auth_time.timestamp()))
            claims.update(self._organization_claims(request, session))
        return claims, expiration_time

    def _organization_claims(self, request: Request, session: SignOnSession | None) -> dict[str, Any]:
        if session is None or session.organization_id is None or selectors.ORG_SCOPE not in (request.scopes or []):
            return {}
        acting = selectors.acting_for(user=request.user, org_id=session.organization_id)
        return {"tongban_org": selectors.organization_claim(acting)} if acting is not None else {}

    @staticmethod
    def _signon_of_access_token(request: Request) -> SignOnSession | None:
        refresh = getattr(getattr(request, "access_token", None), "refresh_token", None)
        family = getattr(refresh, "token_family", None)
        return selectors.signon_for_refresh_family(family=family) if family else None

    def get_userinfo_claims(self, request: Request) -> dict[str, Any]:
        claims = dict(self.get_claim_dict(request))
        released = selectors.person_claims_for_client(user=request.user, client=request.client,
                                                      scopes=request.scopes or [])
        claims.update(released.claims)
        claims.update(self._organization_claims(request, self._signon_of_access_token(request)))
        revealed = PERSONAL_CLAIMS & set(released.claims)
        if revealed:
            services.identity_revealed_record(user=request.user, client=request.client, claims=revealed)
        return claims

    # --- audit of issued tokens -----------------------------------------------------------------------------

    def _save_bearer_token(self, token: dict[str, Any], request: Request, *args: Any, **kwargs: Any) -> Any:
        result = super()._save_bearer_token(token, request, *args, **kwargs)
        services.token_issued_record(user=request.user, client=request.client, grant_type=str(request.grant_type),
                                     scope=str(token.get("scope", "")), refresh="refresh_token" in token)
        return result
