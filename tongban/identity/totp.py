"""TOTP second factor (RFC 6238 via pyotp): enrolment with a QR code, verification with replay protection."""

from __future__ import annotations

from typing import Any

import pyotp
import segno
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import Target, actor_from_user, audit_record
from tongban.core.errors import ValidationFailed
from tongban.identity.models import TotpDevice

ISSUER = "通办"
VALID_WINDOW = 1  # accept the previous and the next 30-second step (clock drift)


def totp_has_device(*, user: Any) -> bool:
    return TotpDevice.objects.filter(user_id=user.pk, confirmed_at__isnull=False).exists()


@transaction.atomic
def totp_enroll_start(*, user: Any, secret: str | None = None, label: str = "") -> tuple[str, str]:
    """A new, unconfirmed secret for ``user`` (replacing an unconfirmed one). Returns (secret, otpauth URI);
    ``label`` names the account in the authenticator app (default: the username)."""
    device = TotpDevice.objects.select_for_update().filter(user_id=user.pk).first()
    if device is not None and device.confirmed_at is not None:
        raise ValidationFailed(_("已启用动态口令。"), code="totp_already_enrolled")
    secret = secret or pyotp.random_base32()
    TotpDevice.objects.update_or_create(user_id=user.pk, defaults={"secret": secret, "confirmed_at": None,
                                                                   "last_step": 0})
    uri = pyotp.TOTP(secret).provisioning_uri(name=label or user.get_username(), issuer_name=ISSUER)
    return secret, uri


def totp_enrollment(*, user: Any, label: str = "") -> tuple[str, str]:
    """The unconfirmed secret being enrolled (a new one when there is none), so that reloading the enrolment page
    keeps showing the same QR code. Returns (secret, otpauth URI)."""
    device = TotpDevice.objects.filter(user_id=user.pk, confirmed_at__isnull=True).first()
    if device is None:
        return totp_enroll_start(user=user, label=label)
    return device.secret, pyotp.TOTP(device.secret).provisioning_uri(name=label or user.get_username(),
                                                                     issuer_name=ISSUER)


@transaction.atomic
def totp_disable(*, user: Any) -> bool:
    """Remove the person's TOTP device (the caller checked a fresh re-authentication). False when there was none."""
    deleted, _rows = TotpDevice.objects.filter(user_id=user.pk).delete()
    if deleted:
        audit_record(action="identity.totp.disable", actor=actor_from_user(user),
                     target=Target(type="identity.user", id=str(user.pk)))
    return bool(deleted)


def totp_qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code for authenticator apps."""
    return str(segno.make(uri, error="m").svg_inline(scale=5))


def _check(device: TotpDevice, code: str) -> int | None:
    """The time step the code belongs to, or None. A step already used is refused (replay)."""
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(device.secret)
    now_step = totp.timecode(timezone.now())
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if step > device.last_step and totp.generate_otp(step) == code:
            return step
    return None


@transaction.atomic
def totp_verify(*, user: Any, code: str, confirming: bool = False) -> bool:
    """True and the step is used up when ``code`` is right; ``confirming`` completes an enrolment."""
    device = TotpDevice.objects.select_for_update().filter(user_id=user.pk).first()
    if device is None or (device.confirmed_at is None) != confirming:
        return False
    step = _check(device, code)
    if step is None:
        return False
    device.last_step = step
    if confirming:
        device.confirmed_at = timezone.now()
        audit_record(action="identity.totp.enroll", actor=actor_from_user(user),
                     target=Target(type="identity.user", id=str(user.pk)))
    device.save(update_fields=["last_step", "confirmed_at"])
    return True


@transaction.atomic
def totp_enroll_demo(*, user: Any, secret: str) -> None:
    """Demo data only: a confirmed device with a published secret, so demo staff can sign in at once."""
    TotpDevice.objects.update_or_create(user_id=user.pk, defaults={"secret": secret, "confirmed_at": timezone.now(),
                                                                   "last_step": 0})
    audit_record(action="identity.totp.enroll", actor=actor_from_user(user),
                 target=Target(type="identity.user", id=str(user.pk)), detail={"demo": True})
