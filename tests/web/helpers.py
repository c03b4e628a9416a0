"""Shared helpers of the citizen account page tests."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
from django.test import Client

from tongban.identity import services
from tongban.identity.models import TotpDevice
from tongban.identity.totp import totp_enrollment, totp_verify
from tongban.notifications.models import SimulatedSms
from tongban.web.signin import REAUTH_KEY

PASSWORD = "Yunnan#2026road"


def last_code(phone: str) -> str:
    sms = next((m for m in SimulatedSms.objects.order_by("-created_at", "-pk") if m.phone == phone), None)
    assert sms is not None, f"no SMS to {phone}"
    return re.search(r"\d{6}", sms.text).group(0)  # type: ignore[union-attr]


def register(phone: str) -> Any:
    services.sms_code_send(phone=phone, purpose="register", ip=None)
    return services.person_register(phone=phone, sms_code=last_code(phone), password=PASSWORD)


def signed_in(user: Any, *, fresh_reauth: bool = False, agent: str = "测试浏览器") -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    client.force_login(user)
    if fresh_reauth:
        session = client.session
        session[REAUTH_KEY] = time.time()
        session.save()
    return client


def enable_totp(user: Any) -> pyotp.TOTP:
    secret, _uri = totp_enrollment(user=user)
    totp = pyotp.TOTP(secret)
    assert totp_verify(user=user, code=totp.now(), confirming=True)
    TotpDevice.objects.filter(user=user).update(last_step=0)
    return totp
