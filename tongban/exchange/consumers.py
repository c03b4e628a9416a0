"""Outbox consumers of the exchange app (found by ``tongban.core.scheduler.discover``)."""

from __future__ import annotations

from tongban.core.outbox import OutboxEventData, outbox_consumer
from tongban.exchange import services


@outbox_consumer(name="exchange.webhooks", topics=["*"])
def webhook_fan_out(event: OutboxEventData) -> None:
    """Every event addressed to departments becomes one delivery per matching subscription of those departments."""
    services.webhook_deliveries_create(event=event)
