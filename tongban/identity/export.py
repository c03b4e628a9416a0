"""导出我的数据: everything the platform holds about a person, for the person (个人信息保护法 第45条).

The profile is unmasked here — the person sees their own full name, ID number and phone — so every export is
recorded as an identity reveal. Other apps add their sections through :mod:`tongban.identity.hooks`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import Target, actor_from_user, atomic_service, audit_record
from tongban.core.errors import NotPermitted
from tongban.core.models import AuditEvent
from tongban.identity.hooks import export_sections
from tongban.identity.models import (
    Address,
    AssuranceLevel,
    ContactRelation,
    EmergencyContact,
    NotifyChannel,
    Person,
    TotpDevice,
    UserSession,
)

FORMAT = "tongban.person-export/1"
AUTH_HISTORY_LIMIT = 200


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _auth_history(user_id: int) -> list[dict[str, Any]]:
    """The person's own sign-in and account events from the audit log (newest first)."""
    rows = (AuditEvent.objects.filter(actor_id=str(user_id), actor_type="person", action__startswith="identity.")
            .order_by("-seq")[:AUTH_HISTORY_LIMIT])
    return [{"time": _iso(row.occurred_at), "action": row.action, "outcome": row.outcome, "ip": row.ip or ""}
            for row in rows]


@atomic_service
def person_data_export(*, user: Any) -> dict[str, Any]:
    """The export as a JSON-able dict. The caller checked a fresh re-authentication."""
    person = Person.objects.select_related("user").filter(user_id=getattr(user, "pk", 0),
                                                          closed_at__isnull=True).first()
    if person is None:
        raise NotPermitted(_("这里只面向个人（自然人）账号。"), code="not_a_person")
    account = person.user
    data: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": _iso(timezone.now()),
        "account": {
            "username": account.get_username() if account.username_is_custom else "",
            "registered_at": _iso(person.created_at),
            "last_login": _iso(account.last_login),
            "totp_enabled": TotpDevice.objects.filter(user_id=account.pk, confirmed_at__isnull=False).exists(),
        },
        "profile": {
            "name": person.name,
            "id_number": person.id_number or "",
            "phone": person.phone,
            "assurance_level": person.assurance_level,
            "assurance_label": str(AssuranceLevel(person.assurance_level).label),
            "assurance_method": person.assurance_method,
            "assurance_at": _iso(person.assurance_at),
            "identity_locked": person.identity_locked,
        },
        "preferences": {
            "elder_mode": person.elder_mode,
            "notify_channel": person.notify_channel,
            "notify_channel_label": str(NotifyChannel(person.notify_channel).label),
        },
        "assurance_history": [
            {"level": event.level, "method": event.method, "provider": event.provider, "time": _iso(event.occurred_at)}
            for event in person.assurances.all()],
        "addresses": [
            {"label": a.label, "region_code": a.region_code, "detail": a.detail, "is_default": a.is_default,
             "added_at": _iso(a.created_at)} for a in Address.objects.filter(person=person)],
        "emergency_contacts": [
            {"name": c.name, "phone": c.phone, "relation": c.relation,
             "relation_label": str(ContactRelation(c.relation).label), "added_at": _iso(c.created_at)}
            for c in EmergencyContact.objects.filter(person=person)],
        "sessions": [
            {"ip": s.ip or "", "device": s.user_agent, "started_at": _iso(s.started_at),
             "last_seen_at": _iso(s.last_seen_at), "ended_at": _iso(s.ended_at)}
            for s in UserSession.objects.filter(user_id=account.pk).order_by("-started_at")],
        "authentication_history": _auth_history(account.pk),
    }
    data.update(export_sections(account.pk))
    audit_record(action="identity.person.export", actor=actor_from_user(user),
                 target=Target(type="identity.person", id=str(account.pk)),
                 detail={"reveal": ["name", "id_number", "phone", "addresses", "emergency_contacts"],
                         "sections": sorted(data)})
    return data


__all__ = ["FORMAT", "person_data_export"]
