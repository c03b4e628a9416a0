"""Sending notifications. Domain code calls these functions, never a provider directly."""

from __future__ import annotations

import logging

from tongban.core.errors import DomainError
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
