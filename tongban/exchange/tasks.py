"""Background tasks of the exchange app: sending due webhook deliveries."""

from __future__ import annotations

from dataclasses import asdict

from django.conf import settings
from django_tasks import task

from tongban.core.scheduler import periodic
from tongban.exchange import services


@periodic(every_seconds=settings.OUTBOX_DISPATCH_SECONDS)
@task()
def webhook_send_task() -> dict[str, int]:
    """Send the webhook deliveries that are due (also enqueued after each fan-out, replay and resumption)."""
    return asdict(services.webhook_delivery_send_due())
