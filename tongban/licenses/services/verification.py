"""Public verification of a licence (证照核验) without signing in: by its identifier (typed in, or from the QR code
printed on the PDF) or by a 亮证 token. The answer shows only the minimum: the licence type, the holder's name
masked (first character), the issuing department, the issue date, the validity and the current state.

Every verification — also a failed one — writes a :class:`Verification` row (channel, result, a keyed digest of the
client address, never the address); the holder sees them as 被核验记录. Verifications are limited per client
address (:func:`verification_throttle`), with counters in Django's cache as for the progress lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.crypto import blind_index
from tongban.core.errors import DomainError
from tongban.licenses.holding import effective_status, status_label, status_word
from tongban.licenses.identifiers import IdentifierError, identifier_parse
from tongban.licenses.models import License, LicenseStatus, QrTokenUse, Verification, VerificationChannel
from tongban.licenses.models import VerificationResult as R
from tongban.licenses.services.qr import TokenError, qr_token_decode

CLIENT_CONTEXT = "licenses.verification.client"
WINDOW_SECONDS = 600
CACHE_PREFIX = "tongban:license-verify:"

MESSAGES = {
    R.VALID: "证照有效。",
    R.NOT_VALID: "该证照当前不是有效状态，不能作为有效证照使用。",
    R.NOT_FOUND: "没有找到该证照，请核对证照标识。",
    R.BAD_IDENTIFIER: "证照标识校验位不正确，请核对是否输错。",
    R.TOKEN_EXPIRED: "二维码已过期，请持证人刷新后重新出示。",
    R.TOKEN_REPLAYED: "该二维码已被核验过，请持证人刷新后重新出示。",
    R.TOKEN_INVALID: "二维码无效：不是本平台签发的亮证二维码，或内容已被改动。",
}


class TooManyVerifications(DomainError):
    code = "too_many_requests"
    http_status = 429


@dataclass(frozen=True)
class VerifiedLicense:
    """The minimum a verifier sees."""

    type_name: str
    holder_name_masked: str
    issuer_name: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    status: str
    status_label: str
    status_word: str
    superseded: bool


@dataclass(frozen=True)
class VerificationOutcome:
    result: str
    result_label: str
    message: str
    channel: str
    verified_at: datetime
    licence: VerifiedLicense | None
    code: str = ""  # the identifier parser's code for a bad identifier

    @property
    def valid(self) -> bool:
        return self.result == R.VALID


def mask_holder(name: str) -> str:
    """The holder's name on the public page: its first character, then one * per further character."""
    chars = list((name or "").strip())
    return chars[0] + "*" * (len(chars) - 1) if chars else ""


def client_digest(client_ip: str | None) -> str:
    return blind_index(client_ip, context=CLIENT_CONTEXT) if client_ip else ""


def verification_throttle(*, client_ip: str | None) -> None:
    """Count one verification of the client address; :class:`TooManyVerifications` over the limit
    (TONGBAN_LICENSE_VERIFY_LIMIT per 10 minutes: a hall's scanner verifies many licences, a crawler of
    identifiers is stopped)."""
    limit = int(settings.LICENSE_VERIFY_LIMIT)
    if limit <= 0:
        return
    key = CACHE_PREFIX + (client_ip or "unknown")
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        used = int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        used = 1
    if used > limit:
        raise TooManyVerifications(_("核验过于频繁，请十分钟后再试。"))


def _verified(licence: License) -> VerifiedLicense:
    status = effective_status(licence)
    return VerifiedLicense(
        type_name=licence.license_type.name, holder_name_masked=mask_holder(str(licence.holder_name or "")),
        issuer_name=licence.issuer_department.name, issued_on=licence.issued_on, valid_from=licence.valid_from,
        valid_until=licence.valid_until, status=status, status_label=status_label(status),
        status_word=status_word(status), superseded=licence.superseded_by_id is not None)


def _record(*, licence: License | None, channel: str, result: str, client_ip: str | None,
            code: str = "") -> VerificationOutcome:
    row = Verification.objects.create(license=licence, channel=channel, result=result,
                                      client_digest=client_digest(client_ip))
    message = _(MESSAGES[R(result)])
    if result == R.NOT_VALID and licence is not None:
        message = _("该证照%(s)s，不能作为有效证照使用。") % {"s": status_word(effective_status(licence))}
    shown = licence if licence is not None and result in (R.VALID, R.NOT_VALID) else None
    return VerificationOutcome(result=result, result_label=str(R(result).label), message=message, channel=channel,
                               verified_at=row.created_at, licence=_verified(shown) if shown else None, code=code)


def _find(identifier: str) -> License | None:
    return License.objects.select_related("license_type", "issuer_department").filter(identifier=identifier).first()


def _state(licence: License) -> str:
    return R.VALID if effective_status(licence) == LicenseStatus.VALID else R.NOT_VALID


@transaction.atomic
def license_verify_identifier(*, identifier: str, client_ip: str | None,
                              channel: str = VerificationChannel.IDENTIFIER) -> VerificationOutcome:
    """Verify by identifier. The check character is checked first: a wrong one answers ``bad_identifier`` (also a
    malformed identifier, with the parser's code ``identifier_malformed``) without looking the licence up."""
    try:
        parsed = identifier_parse(identifier)
    except IdentifierError as exc:
        return _record(licence=None, channel=channel, result=R.BAD_IDENTIFIER, client_ip=client_ip, code=exc.code)
    licence = _find(str(parsed))
    if licence is None:
        return _record(licence=None, channel=channel, result=R.NOT_FOUND, client_ip=client_ip)
    return _record(licence=licence, channel=channel, result=_state(licence), client_ip=client_ip)


@transaction.atomic
def license_verify_token(*, token: str, client_ip: str | None,
                         channel: str = VerificationChannel.QR) -> VerificationOutcome:
    """Verify a 亮证 token: signature, then expiry, then replay (its first verification consumes it)."""
    try:
        payload = qr_token_decode(token)
    except TokenError as exc:
        licence = _find(exc.payload.identifier) if exc.payload else None
        result = R.TOKEN_EXPIRED if exc.code == "token_expired" else R.TOKEN_INVALID
        return _record(licence=licence, channel=channel, result=result, client_ip=client_ip)
    licence = _find(payload.identifier)
    if licence is None:
        return _record(licence=None, channel=channel, result=R.NOT_FOUND, client_ip=client_ip)
    try:
        with transaction.atomic():
            QrTokenUse.objects.create(jti=payload.jti, license=licence, expires_at=payload.expires_at)
    except IntegrityError:
        return _record(licence=licence, channel=channel, result=R.TOKEN_REPLAYED, client_ip=client_ip)
    return _record(licence=licence, channel=channel, result=_state(licence), client_ip=client_ip)


def qr_token_uses_purge(*, now: datetime | None = None) -> int:
    """Forget consumed tokens that have expired (a replay of them is refused as expired anyway)."""
    deleted, _rows = QrTokenUse.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
