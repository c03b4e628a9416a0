"""Whose licences these are, and how a licence reads (shared by the wallet's selectors and the services of 亮证,
verification, consents and look-up; below both, so that neither imports the other).

A licence belongs to a person when it names their account (``holder_user``) or their verified ID number
(``holder_index``, the identity app's blind index); to an organisation when it names the organisation or its credit
code. :func:`holder_scope` is where every holder read starts, so a licence id from a request is never trusted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import Actor, actor_from_user
from tongban.core.crypto import mask_id_number
from tongban.core.errors import NotFound, NotPermitted
from tongban.identity.interface import AccountKind
from tongban.identity.selectors import person_verified_identity
from tongban.identity.services import id_number_index
from tongban.licenses.models import ConsentStatus, HolderKind, License, LicenseConsent, LicenseStatus
from tongban.organizations import selectors as org_selectors
from tongban.organizations.interface import AgentScope

# The words the wallet and the verification page use for a state ("有效" needs no "已").
STATUS_WORDS: dict[str, str] = {
    LicenseStatus.VALID: "有效", LicenseStatus.REVOKED: "已撤销", LicenseStatus.CANCELLED: "已注销",
    LicenseStatus.EXPIRED: "已失效", LicenseStatus.TRANSFERRED: "已转出", LicenseStatus.WITHDRAWN: "已吊销",
}


def effective_status(licence: License, *, today: date | None = None) -> str:
    """The state to show: a licence past its validity counts as 失效 even before the nightly expiry job ran."""
    today = today or timezone.localdate()
    if licence.status == LicenseStatus.VALID and licence.valid_until is not None and licence.valid_until < today:
        return str(LicenseStatus.EXPIRED)
    return str(licence.status)


def status_label(status: str) -> str:
    return str(LicenseStatus(status).label)


def status_word(status: str) -> str:
    return _(STATUS_WORDS.get(status, status))


def holder_number_index(number: str) -> str:
    """The blind index a licence's ``holder_index`` holds for an ID number or a credit code (normalised)."""
    return id_number_index(number.strip().upper())


# ------------------------------------------------------------------ whose licences


@dataclass(frozen=True)
class HolderScope:
    """The holder a request acts as: the person themselves (``org_id`` None) or an organisation."""

    user_id: int
    org_id: int | None
    actor: Actor
    on_behalf_of: Actor | None
    query: Q = field(repr=False)

    def licences(self) -> QuerySet[License]:
        return License.objects.filter(self.query)


def holder_scope(*, user: Any, org_id: int | None = None) -> HolderScope:
    """Whose licences ``user`` may see: their own, or with ``org_id`` an organisation's (its own account, the legal
    representative, an agent with the "管理证照" scope). :class:`NotPermitted` otherwise."""
    if not getattr(user, "is_authenticated", False):
        raise NotPermitted(_("请先登录。"), code="login_required")
    if org_id is None and getattr(user, "kind", "") == AccountKind.ORGANIZATION:
        own = org_selectors.organization_for_account(user=user)
        org_id = own.id if own else None
    if org_id is not None:
        ctx = org_selectors.acting_context(user=user, org_id=org_id)
        if not ctx.allows(AgentScope.MANAGE_LICENSES):
            raise NotPermitted(_("您没有该法人的“管理证照”授权。"), code="scope_missing")
        query = Q(holder_kind=HolderKind.ORGANIZATION) & (
            Q(holder_organization_id=org_id) | Q(holder_index=holder_number_index(ctx.credit_code)))
        return HolderScope(user_id=user.pk, org_id=org_id, actor=ctx.actor, on_behalf_of=ctx.on_behalf_of,
                           query=query)
    if getattr(user, "kind", "") != AccountKind.PERSON:
        raise NotPermitted(_("该账号没有个人证照。"), code="not_permitted")
    mine = Q(holder_user_id=user.pk)
    verified = person_verified_identity(user_id=user.pk)
    if verified is not None:
        mine |= Q(holder_index=holder_number_index(verified[1]))
    return HolderScope(user_id=user.pk, org_id=None, actor=actor_from_user(user), on_behalf_of=None,
                       query=Q(holder_kind=HolderKind.PERSON) & mine)


def license_for_holder(*, scope: HolderScope, license_id: int) -> License:
    """One licence of the holder (for services), or :class:`NotFound`."""
    licence = scope.licences().select_related("license_type", "issuer_department").filter(pk=license_id).first()
    if licence is None:
        raise NotFound(_("没有找到这个证照。"))
    return licence



# ------------------------------------------------------------------ how a licence reads


@dataclass(frozen=True)
class FieldValue:
    name: str
    label: str
    value: str


@dataclass(frozen=True)
class ConsentRow:
    id: int
    requester_kind: str
    requester_kind_label: str
    requester_name: str
    purpose: str
    requested_fields: list[FieldValue]
    granted_fields: list[FieldValue]
    status: str
    status_label: str
    valid_until: date | None
    requested_at: datetime
    decided_at: datetime | None
    expired: bool


def license_data(licence: License) -> dict[str, Any]:
    try:
        data = json.loads(licence.data or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def type_field_labels(licence: License) -> dict[str, str]:
    """The type's surface fields, name → label, in the type's order."""
    return {str(f.get("name")): str(f.get("label") or f.get("name")) for f in licence.license_type.fields or []
            if f.get("name")}


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def license_fields(licence: License, *, names: list[str] | None = None, mask_holder_number: bool = True
                   ) -> list[FieldValue]:
    """The surface fields (照面信息) in the type's order, optionally only ``names``; the holder's number masked."""
    data = license_data(licence)
    number = str(licence.holder_number or "")
    rows = []
    for name, label in type_field_labels(licence).items():
        if names is not None and name not in names:
            continue
        value = _display(data.get(name))
        if mask_holder_number and number and value.strip().upper() == number.strip().upper():
            value = mask_id_number(value)
        rows.append(FieldValue(name=name, label=label, value=value))
    return rows


def _labels(licence: License, names: list[str]) -> list[FieldValue]:
    labels = type_field_labels(licence)
    return [FieldValue(name=n, label=labels.get(n, n), value="") for n in names]


def consent_row(consent: LicenseConsent, licence: License, *, today: date | None = None) -> ConsentRow:
    today = today or timezone.localdate()
    return ConsentRow(
        id=consent.pk, requester_kind=consent.requester_kind,
        requester_kind_label=str(consent.get_requester_kind_display()), requester_name=consent.requester_name,
        purpose=consent.purpose, requested_fields=_labels(licence, list(consent.requested_fields or [])),
        granted_fields=_labels(licence, list(consent.granted_fields or [])), status=consent.status,
        status_label=str(consent.get_status_display()), valid_until=consent.valid_until,
        requested_at=consent.requested_at, decided_at=consent.decided_at,
        expired=consent.status == ConsentStatus.GRANTED and consent.valid_until is not None
        and consent.valid_until < today)
