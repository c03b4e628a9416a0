"""Outbox consumers of the case engine (found by :func:`tongban.core.scheduler.discover`)."""

from __future__ import annotations

from tongban.cases.services.notices import APPLICANT_TRANSITIONS, applicant_notify_event
from tongban.cases.workflow import TOPICS
from tongban.core.outbox import OutboxEventData, outbox_consumer

APPLICANT_TOPICS = sorted({TOPICS[name] for name in APPLICANT_TRANSITIONS})


@outbox_consumer(name="cases.applicant_notices", topics=APPLICANT_TOPICS)
def applicant_notices(event: OutboxEventData) -> None:
    """Tell the applicant (in-site notice + SMS) about the transitions that matter to them."""
    applicant_notify_event(case_id=int(event.payload["case_id"]), event_id=int(event.payload["event_id"]))
