"""Who the applicant acts as on the application and 我的办件 pages: themselves, or an organisation they may act
for (its own account, its legal representative, an agent with the needed scope). The organisation travels as the
``org`` parameter of every link and form; the services check it again on every call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from tongban.identity.interface import AccountKind
from tongban.organizations import selectors as org_selectors
from tongban.organizations.interface import OrgStatus

ROLE_LABELS = {"organization": "法人账号", "legal_rep": "法定代表人", "agent": "经办人"}


@dataclass(frozen=True)
class ActingOption:
    org_id: int | None  # None: the person themselves
    label: str
    detail: str

    @property
    def value(self) -> str:
        return str(self.org_id) if self.org_id is not None else "self"


def org_param(request: HttpRequest) -> int | None:
    """The ``org`` of the request (POST first, then GET), or None."""
    raw = (request.POST.get("org") or request.GET.get("org") or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def own_org_id(user: Any) -> int | None:
    """An organisation's own account always acts for that organisation."""
    if getattr(user, "kind", "") != AccountKind.ORGANIZATION:
        return None
    summary = org_selectors.organization_for_account(user=user)
    return summary.id if summary else None


def acting_org(request: HttpRequest) -> int | None:
    """The organisation the request acts for: the ``org`` parameter, else the organisation's own account's."""
    return org_param(request) or own_org_id(request.user)


def org_query(org_id: int | None, *, first: bool = True) -> str:
    if org_id is None:
        return ""
    return f"{'?' if first else '&'}org={org_id}"


def acting_options(user: Any, *, scope: str) -> list[ActingOption]:
    """Themselves (a person's account) and every organisation the account may act for with ``scope``."""
    options: list[ActingOption] = []
    if getattr(user, "kind", "") == AccountKind.PERSON:
        options.append(ActingOption(org_id=None, label=_("本人"),
                                    detail=str(getattr(user, "display_name", "") or _("以个人身份办理"))))
    for membership in org_selectors.organization_list_for_user(user=user):
        org = membership.organization
        if org.status != OrgStatus.ACTIVE:
            continue
        if scope in membership.scopes:
            options.append(ActingOption(org_id=org.id, label=org.name,
                                        detail=_(ROLE_LABELS.get(membership.role, membership.role))))
    return options
