"""Sending notifications. Domain code calls these functions, never a provider directly."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.errors import DomainError, NotFound
from tongban.notifications.models import Notice
from tongban.notifications.sms.registry import sms_provider

log = logging.getLogger(__name__)


class SmsNotSent(DomainError):
    code = "sms_not_sent"
    http_status = 503


def sms_send(*, phone: str, text: str, purpose: str) -> str:
    """Send a text message now; returns the provider's message id or raises :class:`SmsNotSent`."""
    result = sms_provider().send(phone=phone, text=text, purpose=purpose)
    if not result.accepted:
        log.warning("sms refused by provider: %s", result.error)
        raise SmsNotSent("短信发送失败，请稍后再试。")
    return result.provider_message_id


# ------------------------------------------------------------------ in-site messages (站内消息)


@dataclass(frozen=True)
class NoticeRow:
    id: int
    user_id: int
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None
    created: bool = False  # from notice_create: False when a notice with the same key existed already

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


def notice_row(notice: Notice, *, created: bool = False) -> NoticeRow:
    return NoticeRow(id=notice.pk, user_id=notice.user_id, title=notice.title, body=notice.body, link=notice.link,
                     created_at=notice.created_at, read_at=notice.read_at, created=created)


def notice_create(*, user_id: int, title: str, body: str, link: str = "", key: str = "") -> NoticeRow:
    """Leave an in-site message for an account. With ``key``, a second call for the same account and key returns
    the first notice (``created=False``) instead of a duplicate: consumers that may run twice pass one."""
    fields = {"title": title[:200], "body": body, "link": link[:300]}
    if not key:
        return notice_row(Notice.objects.create(user_id=user_id, **fields), created=True)
    key = key[:120]
    existing = Notice.objects.filter(user_id=user_id, key=key).first()
    if existing is not None:
        return notice_row(existing)
    try:
        with transaction.atomic():
            return notice_row(Notice.objects.create(user_id=user_id, key=key, **fields), created=True)
    except IntegrityError:  # created concurrently
        return notice_row(Notice.objects.get(user_id=user_id, key=key))


def notice_mark_read(*, user: Any, notice_id: int | None = None) -> int:
    """Mark one of the account's own notices read (or all of them when ``notice_id`` is None); returns how many
    changed. Another account's notice answers 404."""
    mine = Notice.objects.filter(user_id=getattr(user, "pk", 0) or 0)
    if notice_id is not None:
        if not mine.filter(pk=notice_id).exists():
            raise NotFound(_("没有找到这条消息。"))
        mine = mine.filter(pk=notice_id)
    return mine.filter(read_at__isnull=True).update(read_at=timezone.now())
