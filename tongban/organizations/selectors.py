"""Reads of the legal-person app. Everything leaves as plain data; the legal representative's ID number masked.

Every read is scoped to the acting account: a bare organisation id from a request is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import Actor, Target, denial
from tongban.core.errors import NotPermitted
from tongban.identity.selectors import person_verified_identity
from tongban.organizations.models import (
    AgentAuthorization,
    AgentScope,
    Organization,
    OrganizationKey,
    OrgStatus,
)
from tongban.organizations.records import (
    OrganizationSummary,
    legal_rep_id_index,
    org_actor,
    summary_of,
    user_actor,
)
from tongban.organizations.workflow import CONFIRMATION_WINDOW

ROLE_ORGANIZATION = "organization"  # signed in with the organisation's own account
ROLE_LEGAL_REP = "legal_rep"
ROLE_AGENT = "agent"
ALL_SCOPES: frozenset[str] = frozenset(AgentScope.values)


@dataclass(frozen=True)
class OrgActingContext:
    """Who acts for which organisation, and what they may do. Cases and payments take this, not a bare id.

    Audit records of an action taken for the organisation use ``actor`` (the person or the organisation's own
    account) and ``on_behalf_of`` (the organisation).
    """

    org_id: int
    org_name: str
    credit_code: str
    user_id: int
    role: str
    scopes: frozenset[str]
    authorization_id: int | None
    valid_until: datetime | None
    actor: Actor
    on_behalf_of: Actor

    def allows(self, scope: str) -> bool:
        return scope in self.scopes

    def require(self, scope: str) -> None:
        """Raise an audited :class:`NotPermitted` (recorded by the calling ``atomic_service``) without the scope."""
        if scope not in self.scopes:
            raise denial(action=f"organizations.scope.{scope}", actor=self.actor,
                         target=Target(type="organizations.organization", id=str(self.org_id), label=self.org_name),
                         message=_("您没有该法人的“%(s)s”授权。") % {"s": AgentScope(scope).label})


def _open_authorization(*, org_id: int, user_id: int) -> AgentAuthorization | None:
    return (AgentAuthorization.objects.filter(organization_id=org_id, agent_id=user_id, revoked_at=None,
                                              valid_until__gt=timezone.now()).order_by("-granted_at").first())


def acting_context(*, user: Any, org_id: int) -> OrgActingContext:
    """The rights of ``user`` for an active organisation; :class:`NotPermitted` when there are none."""
    if not getattr(user, "is_authenticated", False):
        raise NotPermitted(_("请先登录。"), code="login_required")
    org = Organization.objects.filter(pk=org_id).first()
    if org is None or org.status != OrgStatus.ACTIVE:
        raise NotPermitted(_("您无权代表该法人办理。"), code="not_permitted")
    authorization = None
    if org.account_id == user.pk:
        role, scopes = ROLE_ORGANIZATION, ALL_SCOPES
    elif org.legal_rep_user_id == user.pk:
        role, scopes = ROLE_LEGAL_REP, ALL_SCOPES
    else:
        authorization = _open_authorization(org_id=org.pk, user_id=user.pk)
        if authorization is None:
            raise NotPermitted(_("您无权代表该法人办理。"), code="not_permitted")
        role, scopes = ROLE_AGENT, frozenset(authorization.scopes) & ALL_SCOPES
    return OrgActingContext(
        org_id=org.pk, org_name=org.name, credit_code=org.credit_code, user_id=user.pk, role=role, scopes=scopes,
        authorization_id=authorization.pk if authorization else None,
        valid_until=authorization.valid_until if authorization else None,
        actor=user_actor(user), on_behalf_of=org_actor(org))


def agent_scopes_for(*, user: Any, org_id: int) -> frozenset[str]:
    """The scopes ``user`` holds for the organisation now (empty when none)."""
    try:
        return acting_context(user=user, org_id=org_id).scopes
    except NotPermitted:
        return frozenset()


@dataclass(frozen=True)
class OrgMembership:
    organization: OrganizationSummary
    role: str
    #: What the account may do for it (every scope for the organisation's own account and its legal
    #: representative; the open authorisation's scopes for an agent): what :func:`agent_scopes_for` answers while
    #: the organisation is active (callers check ``organization.status``; for any other status it answers none).
    scopes: frozenset[str] = frozenset()


def organization_list_for_user(*, user: Any) -> list[OrgMembership]:
    """The organisations this account may act for: its own, those it represents, those it is an agent of.

    Two index reads whatever the number of organisations: the open authorisations first, then the organisations
    by account, legal representative or those ids (one ``OR`` of three indexed conditions; a sub-select in the
    ``OR`` would make PostgreSQL scan the whole table)."""
    if not getattr(user, "is_authenticated", False):
        return []
    authorizations = dict(AgentAuthorization.objects.filter(
        agent_id=user.pk, revoked_at=None, valid_until__gt=timezone.now()).order_by("granted_at")
        .values_list("organization_id", "scopes"))  # one open per organisation (agentauth_one_open_per_agent)
    condition = Q(account_id=user.pk) | Q(legal_rep_user_id=user.pk)
    if authorizations:
        condition |= Q(pk__in=list(authorizations))
    result = []
    for org in Organization.objects.filter(condition).order_by("name"):
        if org.account_id == user.pk:
            role, scopes = ROLE_ORGANIZATION, ALL_SCOPES
        elif org.legal_rep_user_id == user.pk:
            role, scopes = ROLE_LEGAL_REP, ALL_SCOPES
        else:
            role, scopes = ROLE_AGENT, frozenset(authorizations[org.pk]) & ALL_SCOPES
        result.append(OrgMembership(organization=summary_of(org), role=role, scopes=scopes))
    return result


def organization_for_account(*, user: Any) -> OrganizationSummary | None:
    """The organisation whose own login account ``user`` is."""
    if not getattr(user, "is_authenticated", False):
        return None
    org = Organization.objects.filter(account_id=user.pk).first()
    return summary_of(org) if org else None


def organization_summary_for(*, user: Any, org_id: int) -> OrganizationSummary:
    """One organisation, for someone who may act for it (else :class:`NotPermitted`)."""
    acting_context(user=user, org_id=org_id)
    return summary_of(Organization.objects.get(pk=org_id))


def organization_pending_for_legal_rep(*, user: Any) -> list[OrganizationSummary]:
    """Registrations waiting for this person's confirmation: matched by their verified (real-name) ID number.
    Those older than the confirmation window have expired and are not listed (even before the sweep marks them)."""
    if not getattr(user, "is_authenticated", False):
        return []
    verified = person_verified_identity(user_id=user.pk)
    if verified is None:
        return []
    orgs = Organization.objects.filter(status=OrgStatus.PENDING_CONFIRMATION,
                                       created_at__gt=timezone.now() - CONFIRMATION_WINDOW,
                                       legal_rep_id_index=legal_rep_id_index(verified[1])).order_by("created_at")
    return [summary_of(org) for org in orgs]


def _require_legal_rep(*, user: Any, org_id: int) -> Organization:
    org = Organization.objects.filter(pk=org_id, legal_rep_user_id=getattr(user, "pk", None)).first()
    if org is None:
        raise NotPermitted(_("只有法定代表人本人可以管理经办人和数字证书。"), code="not_legal_rep")
    return org


@dataclass(frozen=True)
class AgentRow:
    id: int
    agent_label: str
    scopes: tuple[str, ...]
    scope_labels: tuple[str, ...]
    valid_until: datetime
    granted_at: datetime
    revoked_at: datetime | None
    is_current: bool


def _agent_row(row: AgentAuthorization, now: datetime) -> AgentRow:
    agent = row.agent
    label = agent.display_name or agent.get_username()
    scopes = tuple(scope for scope in AgentScope.values if scope in row.scopes)
    return AgentRow(
        id=row.pk, agent_label=label, scopes=scopes, scope_labels=tuple(str(AgentScope(s).label) for s in scopes),
        valid_until=row.valid_until, granted_at=row.granted_at, revoked_at=row.revoked_at,
        is_current=row.revoked_at is None and row.valid_until > now)


def agent_list_for_legal_rep(*, user: Any, org_id: int) -> list[AgentRow]:
    org = _require_legal_rep(user=user, org_id=org_id)
    now = timezone.now()
    rows = AgentAuthorization.objects.filter(organization=org).select_related("agent").order_by("-granted_at")
    return [_agent_row(row, now) for row in rows]


def agent_authorization_for_legal_rep(*, user: Any, org_id: int, authorization_id: int) -> AgentRow:
    org = _require_legal_rep(user=user, org_id=org_id)
    row = AgentAuthorization.objects.select_related("agent").filter(organization=org, pk=authorization_id).first()
    if row is None:
        raise NotPermitted(_("没有这条授权。"), code="not_found")
    return _agent_row(row, timezone.now())


@dataclass(frozen=True)
class KeyRow:
    id: int
    label: str
    algorithm: str
    fingerprint: str
    activated_at: datetime | None
    revoked_at: datetime | None


def key_list_for_legal_rep(*, user: Any, org_id: int) -> list[KeyRow]:
    org = _require_legal_rep(user=user, org_id=org_id)
    return [KeyRow(id=key.pk, label=key.label, algorithm=key.get_algorithm_display(), fingerprint=key.fingerprint,
                   activated_at=key.activated_at, revoked_at=key.revoked_at)
            for key in OrganizationKey.objects.filter(organization=org).order_by("-created_at")]
