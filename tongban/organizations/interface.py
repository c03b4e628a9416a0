"""Public enumerations of the legal-person app for other apps (no ORM rows)."""

from tongban.organizations.models.agent import AgentScope
from tongban.organizations.models.organization import OrgStatus, OrgType

__all__ = ["AgentScope", "OrgStatus", "OrgType"]
