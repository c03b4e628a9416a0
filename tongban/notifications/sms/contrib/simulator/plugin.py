"""本地短信模拟器: stores messages in the database instead of sending them, for development and the demo.

Enabled only by TONGBAN_SMS_PROVIDER=simulator; the messages can be read at /dev/sms/ while it is enabled.
"""

from __future__ import annotations

import uuid

from tongban.notifications.models import SimulatedSms
from tongban.notifications.sms.base import SmsProvider, SmsResult


class SimulatedSmsProvider(SmsProvider):
    name = "simulator"

    def send(self, *, phone: str, text: str, purpose: str) -> SmsResult:
        message_id = uuid.uuid4().hex
        SimulatedSms.objects.create(phone=phone, text=text, purpose=purpose, message_id=message_id)
        return SmsResult(accepted=True, provider_message_id=message_id)
