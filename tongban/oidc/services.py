"""Writes of the single sign-on: client registration, consents, sign-on sessions, and their audit records."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from tongban.core.audit import Actor, AuditOutcome, Target, actor_from_user, atomic_service, audit_record, denial
from tongban.core.errors import ValidationFailed
from tongban.directory import selectors as directory
from tongban.identity import selectors as identity
from tongban.identity.interface import AMR_SESSION_KEY
from tongban.oidc.conf import SCOPES
from tongban.oidc.models import Client, Consent, SignOnSession
from tongban.oidc.models.client import SENSITIVE_SCOPES
from tongban.organizations.selectors import OrgActingContext


def client_actor(client: Client) -> Actor:
    return Actor(kind="system", id=f"oidc-client:{client.client_id}", label=client.name or client.client_id)


def client_target(client: Client) -> Target:
    return Target(type="oidc.client", id=client.client_id, label=client.name)


def browser_session_digest(session_key: str | None) -> str:
    return hashlib.sha256(f"tongban-sso:{session_key}".encode()).hexdigest() if session_key else ""


# --- clients (platform administrators) --------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisteredClient:
    """A new client and its secret, shown once (only a hash is stored)."""

    client_id: str
    client_secret: str
    name: str


@atomic_service
def client_register(
    *, actor_user: Any, may_register: bool, name: str, department_name: str, kind: str, redirect_uris: str,
    post_logout_redirect_uris: str, allowed_scopes: Iterable[str], sensitive_scopes_approved: bool,
    backchannel_logout_uri: str = "", sector_identifier: str = "", department_id: int | None = None,
) -> RegisteredClient:
    """Register a relying party (接入系统). ``kind`` is ``web`` (authorization code) or ``service`` (client
    credentials for a department system). ``may_register`` is the caller's platform-role check. ``department_id``
    links a service client to the department it acts for (department systems' callbacks about cases)."""
    actor = actor_from_user(actor_user)
    if not may_register:
        raise denial(action="oidc.client.register", actor=actor, target=None,
                     message=_("只有平台管理员可以登记接入系统。"))
    scopes = sorted(set(allowed_scopes))
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not name.strip():
        raise ValidationFailed(_("接入系统信息不完整或授权范围无效。"), code="client_invalid")
    if kind == "web" and not redirect_uris.split():
        raise ValidationFailed(_("网页接入系统至少需要一个回调地址。"), code="client_redirect_missing")
    department = None
    if department_id is not None:
        if kind != "service":
            raise ValidationFailed(_("只有部门系统间调用（客户端凭证）的接入系统可以关联部门。"),
                                   code="client_department_web")
        department = directory.department_get(department_id=department_id)
        if department is None:
            raise ValidationFailed(_("关联的部门不存在。"), code="client_department_unknown")
    grant = Client.GRANT_AUTHORIZATION_CODE if kind == "web" else Client.GRANT_CLIENT_CREDENTIALS
    secret = Client._meta.get_field("client_secret").get_default()
    client = Client(
        name=name.strip(), department_name=department_name.strip() or (department.name if department else ""),
        department_id=department.pk if department else None, redirect_uris=" ".join(redirect_uris.split()),
        post_logout_redirect_uris=" ".join(post_logout_redirect_uris.split()),
        client_type=Client.CLIENT_CONFIDENTIAL, authorization_grant_type=grant, client_secret=secret,
        algorithm=Client.RS256_ALGORITHM, allowed_scopes=" ".join(scopes),
        sensitive_scopes_approved=sensitive_scopes_approved and bool(SENSITIVE_SCOPES & set(scopes)),
        backchannel_logout_uri=backchannel_logout_uri.strip(), sector_identifier=sector_identifier.strip(),
        user=actor_user if getattr(actor_user, "is_authenticated", False) else None,
    )
    client.full_clean(exclude=["client_secret"])
    client.save()
    audit_record(action="oidc.client.register", actor=actor, target=client_target(client),
                 detail={"scopes": scopes, "grant": grant, "sensitive_scopes_approved": client.sensitive_scopes_approved,
                         "department_id": client.department_id})
    return RegisteredClient(client_id=client.client_id, client_secret=secret, name=client.name)


# --- consent ----------------------------------------------------------------------------------------------------


@transaction.atomic
def consent_grant(*, user: Any, client: Client, scopes: Iterable[str], id_number_consented: bool) -> Consent:
    """Remember what the person agreed to share with ``client`` (replaces the earlier consent for that client)."""
    scope_set = sorted(set(scopes))
    Consent.objects.select_for_update().filter(user_id=user.pk, client=client, revoked_at__isnull=True).update(
        revoked_at=timezone.now())
    consent = Consent.objects.create(user_id=user.pk, client=client, scopes=" ".join(scope_set),
                                     id_number_consented=id_number_consented and "id_number" in scope_set)
    audit_record(action="oidc.consent.grant", actor=actor_from_user(user), target=client_target(client),
                 detail={"scopes": scope_set, "id_number": consent.id_number_consented})
    return consent


@transaction.atomic
def consent_revoke(*, user: Any, consent_id: int) -> bool:
    """Withdraw a consent: the client's tokens for this person stop working and it must ask again."""
    consent = (Consent.objects.select_for_update().select_related("client")
               .filter(pk=consent_id, user_id=user.pk, revoked_at__isnull=True).first())
    if consent is None:
        return False
    consent.revoked_at = timezone.now()
    consent.save(update_fields=["revoked_at"])
    _revoke_tokens(user_id=user.pk, client=consent.client)
    SignOnSession.objects.filter(user_id=user.pk, client=consent.client, ended_at__isnull=True).update(
        ended_at=timezone.now())
    audit_record(action="oidc.consent.revoke", actor=actor_from_user(user), target=client_target(consent.client),
                 detail={"scopes": sorted(consent.scope_set())})
    return True


def _revoke_tokens(*, user_id: int, client: Client) -> None:
    for refresh in get_refresh_token_model().objects.filter(user_id=user_id, application=client,
                                                            revoked__isnull=True):
        refresh.revoke()
    for access in get_access_token_model().objects.filter(user_id=user_id, application=client):
        access.revoke()


# --- sign-on sessions -------------------------------------------------------------------------------------------


@transaction.atomic
def signon_start(*, user: Any, client: Client, amr: list[str], browser_session: str,
                 acting: OrgActingContext | None = None) -> SignOnSession:
    """Record one authorization: the level and methods now become the ``acr``/``amr`` of its ID tokens.

    ``acting`` is the organisation the account signs in for (``organization`` scope): the organisation's own
    account, its legal representative, or an agent; the audit record then names the organisation as well.
    """
    session = SignOnSession.objects.create(
        user_id=user.pk, client=client, acr=identity.user_assurance_level(user=user), amr=list(amr) or ["pwd"],
        auth_time=user.last_login or timezone.now(), browser_session=browser_session,
        organization_id=acting.org_id if acting else None, acting_role=acting.role if acting else "")
    detail: dict[str, Any] = {"acr": session.acr, "amr": session.amr, "sid": str(session.sid)}
    if acting is not None:
        detail.update(acting_role=acting.role, organization=acting.credit_code)
    audit_record(action="oidc.signon", actor=actor_from_user(user), target=client_target(client), detail=detail,
                 on_behalf_of=acting.on_behalf_of if acting else None)
    return session


def signon_credentials(*, amr: list[str] | None, session_key: str | None, org_id: int | None) -> dict[str, Any]:
    """What an authorization carries to the validator, which opens the sign-on session from it: how the account
    signed in (``amr``), the digest of its session (for single sign-out) and the organisation chosen to act for."""
    return {"tongban_amr": list(amr or ["pwd"]), "tongban_browser_session": browser_session_digest(session_key),
            "tongban_org": org_id}


def signon_bind_refresh_family(*, session: SignOnSession, family: UUID | None) -> None:
    if family is not None and session.refresh_family is None:
        SignOnSession.objects.filter(pk=session.pk).update(refresh_family=family)
        session.refresh_family = family


def signon_end_for_browser(*, user: Any, browser_session: str) -> list[SignOnSession]:
    """End the person's sign-on sessions of this browser session (all of them when it is unknown)."""
    rows = SignOnSession.objects.select_for_update().select_related("client").filter(
        user_id=user.pk, ended_at__isnull=True)
    if browser_session:
        rows = rows.filter(browser_session=browser_session)
    ended = list(rows)
    SignOnSession.objects.filter(pk__in=[row.pk for row in ended]).update(ended_at=timezone.now())
    return ended


# --- audit of issued tokens and revealed identities --------------------------------------------------------------


def token_issued_record(*, user: Any, client: Client, grant_type: str, scope: str, refresh: bool) -> None:
    actor = actor_from_user(user) if user is not None else client_actor(client)
    audit_record(action="oidc.token.issue", actor=actor, target=client_target(client),
                 detail={"grant_type": grant_type, "scope": scope, "refresh_token": refresh})


def org_refresh_refused_record(*, user: Any, client: Client, org_id: int) -> None:
    """A refresh for an organisation refused because the account may no longer act for it."""
    audit_record(action="oidc.token.refuse", actor=actor_from_user(user), target=client_target(client),
                 outcome=AuditOutcome.DENIED, detail={"reason": "organization_rights_ended", "organization_id": org_id})


def identity_revealed_record(*, user: Any, client: Client, claims: Iterable[str]) -> None:
    audit_record(action="oidc.identity.reveal", actor=client_actor(client), on_behalf_of=actor_from_user(user),
                 target=Target(type="identity.person", id=str(user.pk)),
                 detail={"claims": sorted(claims), "client": client.client_id})


__all__ = [
    "AMR_SESSION_KEY", "RegisteredClient", "browser_session_digest", "client_register", "consent_grant",
    "consent_revoke", "identity_revealed_record", "org_refresh_refused_record", "signon_bind_refresh_family",
    "signon_credentials", "signon_end_for_browser", "signon_start", "token_issued_record",
]


@transaction.atomic
def sso_logout(*, user: Any, browser_session: str, issuer: str) -> int:
    """Single sign-out (统一注销): end this browser's sign-on sessions and notify clients with a back-channel URI."""
    from tongban.oidc import backchannel

    ended = signon_end_for_browser(user=user, browser_session=browser_session)
    notified = []
    for session in ended:
        uri = session.client.backchannel_logout_uri
        if uri:
            token = backchannel.logout_token(issuer=issuer, client_id=session.client.client_id,
                                             subject=session.client.pairwise_subject(user.pk),
                                             sid=str(session.sid))
            backchannel.schedule(uri=uri, token=token)
            notified.append(session.client.client_id)
    audit_record(action="oidc.logout", actor=actor_from_user(user),
                 detail={"sessions": len(ended), "backchannel": sorted(set(notified))})
    return len(ended)
