"""Reads of the single sign-on: consents, sign-on sessions, clients, and the claims a client may see."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from tongban.core.errors import NotPermitted
from tongban.identity import selectors as identity
from tongban.oidc.conf import acr_level
from tongban.oidc.models import Client, Consent, SignOnSession
from tongban.oidc.models.client import SENSITIVE_SCOPES
from tongban.organizations import selectors as organizations
from tongban.organizations.selectors import OrgActingContext


def pairwise_subject(*, user_id: int, client: Client) -> str:
    """The pairwise ``sub`` of an account for one client (see :meth:`Client.pairwise_subject`)."""
    return client.pairwise_subject(user_id)


def client_get(*, client_id: str) -> Client | None:
    return Client.objects.filter(client_id=client_id).first()


def client_list_for_admin() -> list[Client]:
    return list(Client.objects.order_by("-created"))


def required_level(*, acr_values: str) -> int:
    """``acr_values`` lists acceptable levels; the lowest one the client accepts is the one the person must reach
    (0: the client asks for none)."""
    levels = [level for value in (acr_values or "").split() if (level := acr_level(value)) is not None]
    return min(levels) if levels else 0


def step_up_level(*, user: Any, acr_values: str) -> int:
    """The real-name level the person must first reach for this authorization (提升实名等级), or 0 when they have it."""
    needed = required_level(acr_values=acr_values)
    return needed if needed and identity.user_assurance_level(user=user) < needed else 0


def consent_active(*, user_id: int, client_pk: int) -> Consent | None:
    return Consent.objects.filter(user_id=user_id, client_id=client_pk, revoked_at__isnull=True).order_by(
        "-granted_at").first()


def consent_covers(*, user_id: int, client: Client, scopes: Collection[str]) -> bool:
    """Whether the person already agreed to this client receiving every one of ``scopes``."""
    consent = consent_active(user_id=user_id, client_pk=client.pk)
    if consent is None:
        return False
    wanted = frozenset(scopes)
    if "id_number" in wanted and not consent.id_number_consented:
        return False
    return wanted <= consent.scope_set()


@dataclass(frozen=True)
class AuthorizedClient:
    """A client the person has authorised, as the person's own page shows it."""

    consent_id: int
    client_name: str
    department_name: str
    scope_labels: list[str]
    granted_at: datetime


def consent_list_for_person(*, user: Any) -> list[AuthorizedClient]:
    from tongban.oidc.conf import SCOPES

    rows = Consent.objects.select_related("client").filter(user_id=user.pk, revoked_at__isnull=True).order_by(
        "-granted_at")
    return [AuthorizedClient(consent_id=row.pk, client_name=row.client.name or row.client.client_id,
                             department_name=row.client.department_name,
                             scope_labels=[SCOPES.get(scope, scope) for scope in sorted(row.scope_set())],
                             granted_at=row.granted_at) for row in rows]


def signon_get(*, sid: str | UUID) -> SignOnSession | None:
    try:
        return SignOnSession.objects.select_related("client").filter(sid=sid).first()
    except (ValueError, TypeError):
        return None


def signon_for_refresh_family(*, family: UUID) -> SignOnSession | None:
    return SignOnSession.objects.filter(refresh_family=family).order_by("-created_at").first()


@dataclass(frozen=True)
class ReleasedClaims:
    """Personal claims a client may receive at the userinfo endpoint (only those its scopes and approvals allow)."""

    claims: dict[str, Any]


def person_claims_for_client(*, user: Any, client: Client, scopes: list[str] | frozenset[str]) -> ReleasedClaims:
    """Identity claims for ``client``: the verified name with ``profile``; the phone with ``phone`` and an approved
    client; the ID number with ``id_number``, an approved client and the person's recorded consent."""
    granted = frozenset(scopes)
    claims: dict[str, Any] = {}
    verified = identity.person_verified_identity(user_id=user.pk)
    if "profile" in granted:
        claims["tongban_loa"] = identity.user_assurance_level(user=user)
        if verified is not None:
            claims["name"] = verified[0]
    approved = client.sensitive_scopes_approved and bool(SENSITIVE_SCOPES & client.allowed_scope_set())
    if approved and "phone" in granted and "phone" in client.allowed_scope_set():
        phone = _person_phone(user)
        if phone:
            claims["phone_number"] = phone
            claims["phone_number_verified"] = True
    if (approved and "id_number" in granted and "id_number" in client.allowed_scope_set() and verified is not None
            and consent_covers(user_id=user.pk, client=client, scopes={"id_number"})):
        claims["id_number"] = verified[1]
    return ReleasedClaims(claims=claims)


def _person_phone(user: Any) -> str:
    return identity.person_contact_phone(user_id=user.pk) or ""


# --- signing in for an organisation (``organization`` scope): legal persons and agents ------------------------------

ORG_SCOPE = "organization"


@dataclass(frozen=True)
class OrganizationChoice:
    org_id: int
    name: str
    credit_code: str
    role: str


def organization_choices(*, user: Any) -> list[OrganizationChoice]:
    """The active organisations a person may sign in for: those they represent and those they are an agent of now."""
    return [OrganizationChoice(org_id=m.organization.id, name=m.organization.name,
                               credit_code=m.organization.credit_code, role=m.role)
            for m in organizations.organization_list_for_user(user=user) if m.organization.status == "active"]


def acting_for(*, user: Any, org_id: int | None) -> OrgActingContext | None:
    """The rights of ``user`` for the organisation now, or ``None`` when there are none (revoked, expired, suspended).

    Without ``org_id``, an organisation's own account acts for itself.
    """
    if org_id is None:
        own = organizations.organization_for_account(user=user)
        if own is None:
            return None
        org_id = own.id
    try:
        return organizations.acting_context(user=user, org_id=org_id)
    except NotPermitted:
        return None


def organization_claim(acting: OrgActingContext) -> dict[str, Any]:
    """The ``tongban_org`` claim: for whom the account signs in and with which rights (no personal data)."""
    return {"credit_code": acting.credit_code, "name": acting.org_name, "role": acting.role,
            "scopes": sorted(acting.scopes),
            "valid_until": int(acting.valid_until.timestamp()) if acting.valid_until else None}


@dataclass(frozen=True)
class ServiceClient:
    """A department system (接入系统, 部门系统间调用) calling with an access token of the client-credentials grant."""

    client_id: str
    name: str
    department_id: int | None
    scopes: frozenset[str]


def service_client_for_request(request: Any) -> ServiceClient | None:
    """The client behind ``Authorization: Bearer <access token>``, when django-oauth-toolkit's core and the
    request validator accept the token (issued here, not expired, not revoked) and it was issued by the
    client-credentials grant — no person behind it — to a client registered for it; otherwise ``None``."""
    from oauth2_provider.oauth2_backends import get_oauthlib_core

    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    token = getattr(oauth_request, "access_token", None) if valid else None
    client = getattr(token, "application", None)
    if token is None or client is None or token.user_id is not None \
            or client.authorization_grant_type != Client.GRANT_CLIENT_CREDENTIALS:
        return None
    return ServiceClient(client_id=client.client_id, name=client.name or client.client_id,
                         department_id=client.department_id, scopes=frozenset((token.scope or "").split()))
