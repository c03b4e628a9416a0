"""扫码登录: the ticket's transitions, single use, and that it belongs to the PC browser that asked for it."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from tests.identity.test_account_features import register
from tongban.core.errors import NotFound
from tongban.core.models import AuditEvent
from tongban.identity import qrlogin, services
from tongban.identity.models import QrLoginState, QrLoginTicket

pytestmark = pytest.mark.django_db

PC = "pc-session-key-0001"


def issue(browser: str = PC) -> str:
    ticket, expires = qrlogin.qr_ticket_issue(browser_session_key=browser, ip="10.2.0.1", user_agent="PC浏览器")
    assert expires - timezone.now() <= qrlogin.TICKET_TTL
    return ticket


def test_the_transition_table_is_the_only_way():
    assert qrlogin.next_state("pending", "scan") == "scanned"
    assert qrlogin.next_state("confirmed", "consume") == "consumed"
    for state, event in [("pending", "confirm"), ("denied", "scan"), ("consumed", "consume"), ("expired", "scan")]:
        with pytest.raises(qrlogin.QrTicketInvalid):
            qrlogin.next_state(state, event)


def test_scan_confirm_and_the_pc_signs_in_once():
    person = register()
    ticket = issue()
    row = QrLoginTicket.objects.get()
    assert ticket not in row.ticket_hash and len(row.ticket_hash) == 64, "only a hash is stored"
    assert qrlogin.qr_ticket_status(ticket=ticket, browser_session_key=PC) == "pending"
    view = qrlogin.qr_ticket_scan(ticket=ticket, user=person)
    assert view.pc_ip == "10.2.0.1" and view.pc_device == "PC浏览器" and view.state == "scanned"
    assert qrlogin.qr_ticket_status(ticket=ticket, browser_session_key=PC) == "scanned"
    with pytest.raises(qrlogin.QrTicketInvalid):
        services.login_with_qr(ticket=ticket, browser_session_key=PC, ip=None)  # not confirmed yet
    qrlogin.qr_ticket_decide(ticket=ticket, user=person, confirm=True)
    assert qrlogin.qr_ticket_status(ticket=ticket, browser_session_key=PC) == "confirmed"
    assert services.login_with_qr(ticket=ticket, browser_session_key=PC, ip=None) == person
    with pytest.raises(qrlogin.QrTicketInvalid):
        services.login_with_qr(ticket=ticket, browser_session_key=PC, ip=None)  # used up
    actions = list(AuditEvent.objects.filter(action__startswith="identity.qr_login").values_list("action", flat=True))
    assert actions == ["identity.qr_login.issue", "identity.qr_login.scan", "identity.qr_login.confirm",
                       "identity.qr_login.consume"]
    assert AuditEvent.objects.filter(action="identity.login", detail__method="qr").count() == 1


def test_another_browser_that_learns_the_ticket_cannot_sign_in():
    person = register()
    ticket = issue()
    qrlogin.qr_ticket_scan(ticket=ticket, user=person)
    qrlogin.qr_ticket_decide(ticket=ticket, user=person, confirm=True)
    assert qrlogin.qr_ticket_status(ticket=ticket, browser_session_key="someone-else") == "expired"
    with pytest.raises(qrlogin.QrTicketInvalid) as caught:
        services.login_with_qr(ticket=ticket, browser_session_key="someone-else", ip=None)
    assert caught.value.code == "qr_other_browser"
    assert AuditEvent.objects.filter(action="identity.qr_login.consume", outcome="denied").exists()
    assert services.login_with_qr(ticket=ticket, browser_session_key=PC, ip=None) == person, "still the PC's"


def test_a_second_phone_cannot_take_over_a_scanned_ticket_and_deny_ends_it():
    person, other = register(), register("13698765432")
    ticket = issue()
    qrlogin.qr_ticket_scan(ticket=ticket, user=person)
    with pytest.raises(qrlogin.QrTicketInvalid) as taken:
        qrlogin.qr_ticket_scan(ticket=ticket, user=other)
    assert taken.value.code == "qr_taken"
    with pytest.raises(qrlogin.QrTicketInvalid):
        qrlogin.qr_ticket_decide(ticket=ticket, user=other, confirm=True)
    assert AuditEvent.objects.filter(action="identity.qr_login.scan", outcome="denied").exists()
    qrlogin.qr_ticket_decide(ticket=ticket, user=person, confirm=False)
    assert qrlogin.qr_ticket_status(ticket=ticket, browser_session_key=PC) == "denied"
    with pytest.raises(qrlogin.QrTicketInvalid):
        services.login_with_qr(ticket=ticket, browser_session_key=PC, ip=None)


def test_tickets_expire_after_two_minutes_and_a_new_one_replaces_the_old():
    person = register()
    ticket = issue()
    QrLoginTicket.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert qrlogin.qr_ticket_status(ticket=ticket, browser_session_key=PC) == "expired"
    with pytest.raises(qrlogin.QrTicketInvalid):
        qrlogin.qr_ticket_scan(ticket=ticket, user=person)
    first, second = issue(), issue()
    assert QrLoginTicket.objects.get(ticket_hash=qrlogin._digest(first)).state == QrLoginState.EXPIRED
    assert qrlogin.qr_ticket_status(ticket=second, browser_session_key=PC) == "pending"


def test_only_signed_in_persons_scan_and_unknown_tickets_are_refused():
    ticket = issue()
    with pytest.raises(qrlogin.QrTicketInvalid):
        qrlogin.qr_ticket_scan(ticket=ticket, user=AnonymousUser())
    with pytest.raises(NotFound):
        qrlogin.qr_ticket_scan(ticket="not-a-ticket", user=register())
