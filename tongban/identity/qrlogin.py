"""QR login (扫码登录): a PC browser shows a ticket as a QR code; a signed-in phone scans it and confirms.

* The ticket is 32 random bytes; only its keyed hash is stored, with a 2-minute lifetime.
* It belongs to the PC browser session that asked for it (a digest of that session key): another browser that
  learns the ticket cannot use it to sign in, and the PC can use it once.
* Every state change goes through :data:`TRANSITIONS`; every step is audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import ANONYMOUS, AuditOutcome, Target, actor_from_user, audit_record
from tongban.core.crypto import blind_index
from tongban.core.errors import Conflict, DomainError, NotFound
from tongban.identity.models import AccountKind, QrLoginState, QrLoginTicket
from tongban.identity.sessions import session_key_digest

TICKET_TTL = timedelta(minutes=2)
MAX_TICKETS_PER_IP_PER_HOUR = 120

SCAN, CONFIRM, DENY, EXPIRE, CONSUME = "scan", "confirm", "deny", "expire", "consume"
TRANSITIONS: dict[tuple[str, str], str] = {
    (QrLoginState.PENDING, SCAN): QrLoginState.SCANNED,
    (QrLoginState.SCANNED, CONFIRM): QrLoginState.CONFIRMED,
    (QrLoginState.SCANNED, DENY): QrLoginState.DENIED,
    (QrLoginState.PENDING, EXPIRE): QrLoginState.EXPIRED,
    (QrLoginState.SCANNED, EXPIRE): QrLoginState.EXPIRED,
    (QrLoginState.CONFIRMED, EXPIRE): QrLoginState.EXPIRED,
    (QrLoginState.CONFIRMED, CONSUME): QrLoginState.CONSUMED,
}


class QrTicketInvalid(DomainError):
    code = "qr_invalid"
    http_status = 409


def next_state(state: str, event: str) -> str:
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise QrTicketInvalid(_("二维码已失效，请在电脑上刷新二维码后重新扫码。"),
                              code=f"qr_{state}") from None


def _digest(ticket: str) -> str:
    return blind_index(ticket or "", context="identity.qr_login")


def _target(row: QrLoginTicket) -> Target:
    return Target(type="identity.qr_ticket", id=str(row.pk))


@dataclass(frozen=True)
class QrTicketView:
    """What the phone shows before confirming: where the PC is. Never the ticket itself."""

    state: str
    pc_ip: str
    pc_device: str
    created_at: datetime
    expires_at: datetime


def _view(row: QrLoginTicket) -> QrTicketView:
    return QrTicketView(state=row.state, pc_ip=row.pc_ip or "", pc_device=row.pc_user_agent,
                        created_at=row.created_at, expires_at=row.expires_at)


def _move(row: QrLoginTicket, event: str, **fields: Any) -> None:
    row.state = next_state(row.state, event)
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(update_fields=["state", *fields])


def _expire_if_due(row: QrLoginTicket) -> bool:
    """Move a ticket past its lifetime to ``expired``; True when it is (now) expired or otherwise finished."""
    if row.state in (QrLoginState.PENDING, QrLoginState.SCANNED, QrLoginState.CONFIRMED) \
            and timezone.now() >= row.expires_at:
        _move(row, EXPIRE)
        audit_record(action="identity.qr_login.expire", actor=ANONYMOUS, target=_target(row))
    return row.state in (QrLoginState.EXPIRED, QrLoginState.DENIED, QrLoginState.CONSUMED)


def _locked(ticket: str) -> QrLoginTicket:
    row = QrLoginTicket.objects.select_for_update().filter(ticket_hash=_digest(ticket)).first()
    if row is None:
        raise NotFound(_("二维码无效或已过期，请在电脑上刷新二维码后重新扫码。"), code="qr_unknown")
    return row


@transaction.atomic
def qr_ticket_issue(*, browser_session_key: str, ip: str | None, user_agent: str) -> tuple[str, datetime]:
    """A new ticket for this PC browser session (its earlier open tickets expire). Returns (ticket, expiry)."""
    if not browser_session_key:
        raise ValueError("the PC browser needs a session before a QR ticket is issued")
    now = timezone.now()
    if ip and QrLoginTicket.objects.filter(pc_ip=ip, created_at__gte=now - timedelta(hours=1)).count() \
            >= MAX_TICKETS_PER_IP_PER_HOUR:
        raise Conflict(_("二维码刷新过于频繁，请稍后再试，或使用密码登录。"), code="qr_ip_limit")
    browser = session_key_digest(browser_session_key)
    for old in QrLoginTicket.objects.select_for_update().filter(
            browser_session=browser, state__in=[QrLoginState.PENDING, QrLoginState.SCANNED,
                                                QrLoginState.CONFIRMED]):
        _move(old, EXPIRE)
    ticket = secrets.token_urlsafe(32)
    row = QrLoginTicket.objects.create(ticket_hash=_digest(ticket), browser_session=browser, pc_ip=ip,
                                       pc_user_agent=(user_agent or "")[:300], expires_at=now + TICKET_TTL)
    audit_record(action="identity.qr_login.issue", actor=ANONYMOUS, target=_target(row))
    return ticket, row.expires_at


@transaction.atomic
def qr_ticket_status(*, ticket: str, browser_session_key: str | None) -> str:
    """The state the PC sees while polling; a ticket of another browser session looks unknown (``expired``)."""
    row = QrLoginTicket.objects.select_for_update().filter(ticket_hash=_digest(ticket)).first()
    if row is None or not browser_session_key or row.browser_session != session_key_digest(browser_session_key):
        return QrLoginState.EXPIRED
    _expire_if_due(row)
    return row.state


def _require_person(user: Any) -> None:
    if not getattr(user, "is_authenticated", False) or getattr(user, "kind", "") != AccountKind.PERSON:
        raise QrTicketInvalid(_("请用已登录的个人账号扫码。"), code="qr_not_person")


def qr_ticket_scan(*, ticket: str, user: Any) -> QrTicketView:
    """The phone opened the QR link: the ticket is now this person's to confirm or deny."""
    _require_person(user)
    refused: DomainError | None = None
    with transaction.atomic():
        row = _locked(ticket)
        if _expire_if_due(row):
            refused = QrTicketInvalid(_("二维码已失效，请在电脑上刷新二维码后重新扫码。"), code=f"qr_{row.state}")
        elif row.state == QrLoginState.PENDING:
            _move(row, SCAN, scanned_by_id=user.pk, scanned_at=timezone.now())
            audit_record(action="identity.qr_login.scan", actor=actor_from_user(user), target=_target(row))
        elif row.scanned_by_id != user.pk:
            audit_record(action="identity.qr_login.scan", actor=actor_from_user(user), target=_target(row),
                         outcome=AuditOutcome.DENIED, detail={"reason": "scanned_by_another"})
            refused = QrTicketInvalid(_("这个二维码已被其他账号扫描。请在电脑上刷新二维码后重新扫码。"),
                                      code="qr_taken")
        view = _view(row)
    if refused is not None:
        raise refused
    return view


def qr_ticket_decide(*, ticket: str, user: Any, confirm: bool) -> None:
    """The phone confirms (the PC may then sign in as this person) or denies."""
    _require_person(user)
    refused: DomainError | None = None
    with transaction.atomic():
        row = _locked(ticket)
        if _expire_if_due(row):
            refused = QrTicketInvalid(_("二维码已过期，请在电脑上刷新二维码后重新扫码。"), code="qr_expired")
        elif row.scanned_by_id != user.pk:
            audit_record(action="identity.qr_login.decide", actor=actor_from_user(user), target=_target(row),
                         outcome=AuditOutcome.DENIED, detail={"reason": "not_the_scanner"})
            refused = QrTicketInvalid(_("请先用手机扫描电脑上的二维码。"), code="qr_not_scanned")
        else:
            _move(row, CONFIRM if confirm else DENY, decided_at=timezone.now())
            audit_record(action="identity.qr_login.confirm" if confirm else "identity.qr_login.deny",
                         actor=actor_from_user(user), target=_target(row),
                         detail={"pc_ip": row.pc_ip or "", "pc_device": row.pc_user_agent[:100]})
    if refused is not None:
        raise refused


def qr_ticket_consume(*, ticket: str, browser_session_key: str | None) -> int:
    """The PC signs in: only the browser session the ticket was issued to, once, after the phone confirmed.

    Returns the confirming person's account id.
    """
    refused: DomainError | None = None
    with transaction.atomic():
        row = _locked(ticket)
        if not browser_session_key or row.browser_session != session_key_digest(browser_session_key):
            audit_record(action="identity.qr_login.consume", actor=ANONYMOUS, target=_target(row),
                         outcome=AuditOutcome.DENIED, detail={"reason": "other_browser"})
            refused = QrTicketInvalid(_("二维码无效或已过期，请刷新二维码。"), code="qr_other_browser")
        elif _expire_if_due(row) or row.state != QrLoginState.CONFIRMED:
            refused = QrTicketInvalid(_("还没有在手机上确认登录，或二维码已过期。"), code=f"qr_{row.state}")
        else:
            _move(row, CONSUME, consumed_at=timezone.now())
            user_id = int(row.scanned_by_id or 0)
            audit_record(action="identity.qr_login.consume", actor=ANONYMOUS, target=_target(row),
                         detail={"user_id": user_id})
    if refused is not None:
        raise refused
    return user_id


__all__ = [
    "TICKET_TTL", "TRANSITIONS", "QrTicketInvalid", "QrTicketView", "next_state", "qr_ticket_consume",
    "qr_ticket_decide", "qr_ticket_issue", "qr_ticket_scan", "qr_ticket_status",
]
