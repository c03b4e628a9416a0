"""What the legal-person app tells the identity app about a natural person (registered in ``ready``).

Closing a personal account (注销) is refused while the person is the legal representative of an active
organisation or an agent (经办人) with an open authorisation: the organisation would be left without anyone who
can act for it, and the audit trail would point at a closed account.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.identity.interface import register_closure_blocker
from tongban.organizations.models import AgentAuthorization, Organization, OrgStatus


def closure_blockers(user_id: int) -> list[str]:
    reasons: list[str] = []
    for org in Organization.objects.filter(legal_rep_user_id=user_id, status=OrgStatus.ACTIVE).order_by("name"):
        reasons.append(_("您是“%(org)s”的法定代表人，请先办理法定代表人变更或注销该法人账号") % {"org": org.name})
    open_authorizations = (AgentAuthorization.objects.select_related("organization")
                           .filter(agent_id=user_id, revoked_at=None, valid_until__gt=timezone.now(),
                                   organization__status=OrgStatus.ACTIVE).order_by("organization__name"))
    for authorization in open_authorizations:
        reasons.append(_("您是“%(org)s”的经办人（授权有效期至%(until)s），请先请法定代表人撤销授权") % {
            "org": authorization.organization.name,
            "until": timezone.localtime(authorization.valid_until).strftime("%Y-%m-%d")})
    return reasons


def register() -> None:
    register_closure_blocker("organizations", closure_blockers)
