"""Reads for the local SMS simulator page (only while the simulator is the configured provider)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from tongban.notifications.models import SimulatedSms


def simulator_enabled() -> bool:
    return bool(settings.SMS_PROVIDER == "simulator")


def simulated_sms_recent(*, limit: int = 20) -> QuerySet[SimulatedSms]:
    return SimulatedSms.objects.order_by("-created_at")[:limit]
