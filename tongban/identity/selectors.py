"""Reads of the unified identity. Personal data leaves here masked unless a reveal is asked for (and audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tongban.core.crypto import mask_id_number, mask_name, mask_phone
from tongban.identity.models import (
    Address,
    AssuranceLevel,
    ContactRelation,
    EmergencyContact,
    NotifyChannel,
    Person,
    TotpDevice,
)


@dataclass(frozen=True)
class PersonProfile:
    """一人一档 as the person sees it on screen: masked identifiers."""

    user_id: int
    username: str
    username_is_custom: bool
    name: str
    phone_masked: str
    id_number_masked: str
    assurance_level: int
    assurance_label: str
    assurance_at: datetime | None
    identity_locked: bool
    assurance_method: str = ""  # how the level was reached (population, face, bankcard, manual_review, window …)
    totp_enabled: bool = False
    elder_mode: bool = False
    notify_channel: str = NotifyChannel.SMS
    notify_channel_label: str = ""


def person_profile(*, user: Any) -> PersonProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    person = Person.objects.select_related("user").filter(user_id=user.pk, closed_at__isnull=True).first()
    if person is None:
        return None
    return PersonProfile(
        user_id=person.user_id, username=person.user.get_username(),
        username_is_custom=person.user.username_is_custom, name=person.name,
        phone_masked=mask_phone(person.phone), id_number_masked=mask_id_number(person.id_number or ""),
        assurance_level=person.assurance_level, assurance_label=str(AssuranceLevel(person.assurance_level).label),
        assurance_at=person.assurance_at, identity_locked=person.identity_locked,
        assurance_method=person.assurance_method,
        totp_enabled=TotpDevice.objects.filter(user_id=person.user_id, confirmed_at__isnull=False).exists(),
        elder_mode=person.elder_mode, notify_channel=person.notify_channel,
        notify_channel_label=str(NotifyChannel(person.notify_channel).label))


def person_elder_mode(*, user_id: int) -> bool:
    """Whether the person asked for 长辈模式 by default (applied at sign-in)."""
    return bool(Person.objects.filter(user_id=user_id).values_list("elder_mode", flat=True).first())


def _mask_detail(detail: str) -> str:
    """A street address on screen: the first few characters, the rest hidden."""
    text = detail.strip()
    keep = 6 if len(text) > 8 else max(len(text) // 2, 1)
    return text[:keep] + "*" * min(max(len(text) - keep, 1), 8)


@dataclass(frozen=True)
class AddressRow:
    id: int
    label: str
    region_code: str
    detail_masked: str
    is_default: bool


def address_list_for_person(*, user: Any) -> list[AddressRow]:
    """The person's own addresses, the detail masked."""
    return [AddressRow(id=a.pk, label=a.label, region_code=a.region_code, detail_masked=_mask_detail(a.detail),
                       is_default=a.is_default)
            for a in Address.objects.filter(person__user_id=getattr(user, "pk", 0))]


@dataclass(frozen=True)
class ContactRow:
    id: int
    name_masked: str
    phone_masked: str
    relation: str
    relation_label: str


def contact_list_for_person(*, user: Any) -> list[ContactRow]:
    """The person's own emergency contacts, masked."""
    return [ContactRow(id=c.pk, name_masked=mask_name(c.name), phone_masked=mask_phone(c.phone),
                       relation=c.relation, relation_label=str(ContactRelation(c.relation).label))
            for c in EmergencyContact.objects.filter(person__user_id=getattr(user, "pk", 0))]


def user_assurance_level(*, user: Any) -> int:
    """0 for guests, else the person's level (1 registered … 4 verified in person); other accounts count as 1."""
    if not getattr(user, "is_authenticated", False):
        return 0
    level = Person.objects.filter(user_id=user.pk).values_list("assurance_level", flat=True).first()
    return int(level) if level is not None else AssuranceLevel.REGISTERED


def person_verified_identity(*, user_id: int) -> tuple[str, str] | None:
    """The verified (name, ID number) of a person, unmasked — for services that must use it (prefill, checks).

    Never render the result directly; screens use :func:`person_profile`.
    """
    person = Person.objects.filter(user_id=user_id, identity_locked=True).first()
    if person is None or person.id_number is None:
        return None
    return person.name, person.id_number


def user_get(*, user_id: int) -> Any:
    """An active account by id (for the second sign-in step), or None."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


@dataclass(frozen=True)
class PrefillProfile:
    """The person's own profile data, unmasked, for prefilling their application forms (shown only to them)."""

    phone: str
    address_region: str
    address_detail: str
    contact_name: str
    contact_phone: str
    contact_relation: str


def person_prefill_profile(*, user_id: int) -> PrefillProfile | None:
    """Mobile number, default (else first) address and first emergency contact of an open account, unmasked.

    For form prefill only: the values go back to the person themselves, into fields they can change.
    """
    person = Person.objects.filter(user_id=user_id, closed_at__isnull=True).first()
    if person is None:
        return None
    address = Address.objects.filter(person=person).order_by("-is_default", "created_at").first()
    contact = EmergencyContact.objects.filter(person=person).order_by("created_at").first()
    return PrefillProfile(
        phone=person.phone or "", address_region=address.region_code if address else "",
        address_detail=address.detail if address else "", contact_name=contact.name if contact else "",
        contact_phone=contact.phone if contact else "", contact_relation=contact.relation if contact else "")


def person_contact_phone(*, user_id: int) -> str | None:
    """The person's mobile number, unmasked, for sending them a message. Never render it."""
    person = Person.objects.filter(user_id=user_id).only("phone").first()
    return person.phone if person else None
