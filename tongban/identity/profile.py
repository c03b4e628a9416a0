"""Writes of the personal profile (一人一档): addresses, emergency contacts and preferences.

Addresses and contacts are encrypted at rest and always scoped to the acting person: an id from a request only
ever finds the person's own rows.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.utils.translation import gettext as _

from tongban.core.audit import Target, actor_from_user, atomic_service, audit_record
from tongban.core.errors import Conflict, Issue, IssueList, NotFound, NotPermitted, ValidationFailed
from tongban.identity.models import Address, ContactRelation, EmergencyContact, NotifyChannel, Person
from tongban.identity.validators import validate_mobile, validate_person_name

MAX_ADDRESSES = 10
MAX_CONTACTS = 5
DETAIL_MAX = 120
LABEL_MAX = 20


def _person(user: Any, *, lock: bool = False) -> Person:
    rows = Person.objects.select_for_update() if lock else Person.objects.all()
    person = rows.filter(user_id=getattr(user, "pk", 0), closed_at__isnull=True).first()
    if person is None:
        raise NotPermitted(_("这里只面向个人（自然人）账号。"), code="not_a_person")
    return person


def _target(user: Any) -> Target:
    return Target(type="identity.user", id=str(user.pk))


def _raise(issues: IssueList) -> None:
    if issues:
        raise ValidationFailed("".join(i.message for i in issues.issues), code=issues.issues[0].code,
                               issues=issues.issues)


def _clean_text(raw: str) -> str:
    """Trimmed, with control characters removed (they have no place in an address)."""
    return "".join(ch for ch in (raw or "").strip() if unicodedata.category(ch)[0] != "C" or ch == " ")


@atomic_service
def address_add(*, user: Any, region_code: str, detail: str, label: str = "", is_default: bool = False) -> int:
    """Add an address. ``region_code`` is a 12-digit code the caller found in the directory (区划代码)."""
    person = _person(user, lock=True)
    issues = IssueList()
    region_code = (region_code or "").strip()
    if not (len(region_code) == 12 and region_code.isascii() and region_code.isdigit()):
        issues.add("region_invalid", _("请选择所在地区。"), "region_code")
    detail, label = _clean_text(detail), _clean_text(label)
    if not detail:
        issues.add("detail_required", _("请填写详细地址（街道、门牌号等）。"), "detail")
    elif len(detail) > DETAIL_MAX:
        issues.add("detail_too_long", _("详细地址不能超过%(n)d个字。") % {"n": DETAIL_MAX}, "detail")
    if len(label) > LABEL_MAX:
        issues.add("label_too_long", _("名称不能超过%(n)d个字。") % {"n": LABEL_MAX}, "label")
    _raise(issues)
    if Address.objects.filter(person=person).count() >= MAX_ADDRESSES:
        raise Conflict(_("最多保存%(n)d个地址，请先删除不用的地址。") % {"n": MAX_ADDRESSES}, code="address_limit")
    first = not Address.objects.filter(person=person).exists()
    if is_default or first:
        Address.objects.filter(person=person, is_default=True).update(is_default=False)
    address = Address.objects.create(person=person, region_code=region_code, detail=detail, label=label,
                                     is_default=is_default or first)
    audit_record(action="identity.address.add", actor=actor_from_user(user), target=_target(user),
                 detail={"address_id": address.pk, "region_code": region_code})
    return address.pk


@atomic_service
def address_set_default(*, user: Any, address_id: int) -> None:
    person = _person(user, lock=True)
    if not Address.objects.filter(person=person, pk=address_id).exists():
        raise NotFound(_("没有找到这个地址。"), code="address_not_found")
    Address.objects.filter(person=person).update(is_default=False)
    Address.objects.filter(person=person, pk=address_id).update(is_default=True)
    audit_record(action="identity.address.default", actor=actor_from_user(user), target=_target(user),
                 detail={"address_id": address_id})


@atomic_service
def address_delete(*, user: Any, address_id: int) -> None:
    person = _person(user, lock=True)
    address = Address.objects.filter(person=person, pk=address_id).first()
    if address is None:
        raise NotFound(_("没有找到这个地址。"), code="address_not_found")
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(person=person).order_by("created_at").first()
        if successor is not None:
            Address.objects.filter(pk=successor.pk).update(is_default=True)
    audit_record(action="identity.address.delete", actor=actor_from_user(user), target=_target(user),
                 detail={"address_id": address_id})


@atomic_service
def contact_add(*, user: Any, name: str, phone: str, relation: str) -> int:
    """Add an emergency contact (紧急联系人): name and mobile number, encrypted; the relation to the person."""
    person = _person(user, lock=True)
    issues = IssueList()
    clean: dict[str, str] = {}
    for field, check in (("name", lambda: validate_person_name(name)),
                         ("phone", lambda: validate_mobile(phone))):
        try:
            clean[field] = check()
        except ValidationFailed as error:
            for issue in error.issues or [Issue(error.code, error.message)]:
                issues.add(issue.code, issue.message, field)
    if relation not in ContactRelation.values:
        issues.add("relation_invalid", _("请选择与本人的关系。"), "relation")
    _raise(issues)
    if EmergencyContact.objects.filter(person=person).count() >= MAX_CONTACTS:
        raise Conflict(_("最多保存%(n)d位紧急联系人。") % {"n": MAX_CONTACTS}, code="contact_limit")
    contact = EmergencyContact.objects.create(person=person, name=clean["name"], phone=clean["phone"],
                                              relation=relation)
    audit_record(action="identity.contact.add", actor=actor_from_user(user), target=_target(user),
                 detail={"contact_id": contact.pk, "relation": relation})
    return contact.pk


@atomic_service
def contact_delete(*, user: Any, contact_id: int) -> None:
    person = _person(user, lock=True)
    deleted, _rows = EmergencyContact.objects.filter(person=person, pk=contact_id).delete()
    if not deleted:
        raise NotFound(_("没有找到这位联系人。"), code="contact_not_found")
    audit_record(action="identity.contact.delete", actor=actor_from_user(user), target=_target(user),
                 detail={"contact_id": contact_id})


@atomic_service
def preferences_update(*, user: Any, elder_mode: bool, notify_channel: str) -> None:
    """偏好设置: 长辈模式 by default after sign-in, and how the platform notifies the person."""
    person = _person(user, lock=True)
    if notify_channel not in NotifyChannel.values:
        message = _("请选择通知方式。")
        raise ValidationFailed(message, code="channel_invalid", issues=[Issue("channel_invalid", message,
                                                                             "notify_channel")])
    person.elder_mode, person.notify_channel = bool(elder_mode), notify_channel
    person.save(update_fields=["elder_mode", "notify_channel"])
    audit_record(action="identity.preferences.update", actor=actor_from_user(user), target=_target(user),
                 detail={"elder_mode": person.elder_mode, "notify_channel": notify_channel})


__all__ = [
    "MAX_ADDRESSES", "MAX_CONTACTS", "address_add", "address_delete", "address_set_default", "contact_add",
    "contact_delete", "preferences_update",
]
