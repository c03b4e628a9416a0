"""Plain data and small helpers shared by the services and selectors of the legal-person app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tongban.core.audit import Actor, Target
from tongban.core.crypto import blind_index, mask_id_number
from tongban.identity.interface import AccountKind
from tongban.organizations.models import Organization, OrgStatus, OrgType

LEGAL_REP_ID_CONTEXT = "organizations.legal_rep.id_number"


def legal_rep_id_index(id_number: str) -> str:
    return blind_index(id_number, context=LEGAL_REP_ID_CONTEXT)


def user_actor(user: Any) -> Actor:
    kind = "person" if user.kind == AccountKind.PERSON else str(user.kind)
    return Actor(kind=kind, id=str(user.pk), label=user.get_username())


def org_actor(org: Organization) -> Actor:
    """The organisation as ``on_behalf_of`` (or as the actor when it signs in with its own account)."""
    return Actor(kind="organization", id=str(org.pk), label=f"{org.credit_code} {org.name}")


def org_target(org: Organization) -> Target:
    return Target(type="organizations.organization", id=str(org.pk), label=org.name)


@dataclass(frozen=True)
class OrganizationSummary:
    id: int
    org_type: str
    org_type_label: str
    name: str
    credit_code: str
    status: str
    status_label: str
    legal_rep_name: str
    legal_rep_id_masked: str
    legal_rep_confirmed: bool
    created_at: datetime
    registry_checked: bool = False  # name, type and legal representative checked against the registry (登记机关)


def summary_of(org: Organization) -> OrganizationSummary:
    return OrganizationSummary(
        id=org.pk, org_type=org.org_type, org_type_label=str(OrgType(org.org_type).label), name=org.name,
        credit_code=org.credit_code, status=org.status, status_label=str(OrgStatus(org.status).label),
        legal_rep_name=org.legal_rep_name, legal_rep_id_masked=mask_id_number(org.legal_rep_id_number),
        legal_rep_confirmed=org.legal_rep_user_id is not None, created_at=org.created_at,
        registry_checked=org.registry_checked_at is not None)
