from tongban.organizations.models.agent import AgentAuthorization, AgentScope
from tongban.organizations.models.key import KeyAlgorithm, LoginChallenge, OrganizationKey
from tongban.organizations.models.organization import Organization, OrgStatus, OrgType

__all__ = [
    "AgentAuthorization", "AgentScope", "KeyAlgorithm", "LoginChallenge", "OrgStatus", "OrgType", "Organization",
    "OrganizationKey",
]
