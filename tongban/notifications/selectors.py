"""Reads for the local SMS simulator page (only while the simulator is the configured provider) and the
account's own in-site messages (站内消息)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from tongban.notifications.models import Notice, SimulatedSms


def simulator_enabled() -> bool:
    return bool(settings.SMS_PROVIDER == "simulator")


def simulated_sms_recent(*, limit: int = 20) -> QuerySet[SimulatedSms]:
    return SimulatedSms.objects.order_by("-created_at")[:limit]


def notice_list_for_user(*, user: Any, unread_only: bool = False) -> QuerySet[Notice]:
    """The account's own in-site messages, newest first (a queryset for the paginator)."""
    qs = Notice.objects.filter(user_id=getattr(user, "pk", 0) or 0)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-pk")


def notice_unread_count(*, user: Any) -> int:
    return Notice.objects.filter(user_id=getattr(user, "pk", 0) or 0, read_at__isnull=True).count()
