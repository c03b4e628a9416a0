"""Webhooks to department systems: outbox → delivery → signed POST, retries, dead letters, replay, crashes."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django.utils import timezone
from standardwebhooks import Webhook

from tests.factories import DepartmentFactory, make_staff, webhook_subscription
from tongban.core import outbox
from tongban.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent, OutboxEvent
from tongban.core.outbox import outbox_consumer, outbox_dispatch, outbox_emit
from tongban.directory.models import StaffRole
from tongban.directory.selectors import staff_context_for_user
from tongban.exchange import selectors, services
from tongban.exchange.models import DeliveryStatus, WebhookDelivery
from tongban.exchange.senders import EXCERPT_BYTES, WebhookRequest, WebhookResponse, http_sender


class Recorder:
    """A sender that records requests and answers with a fixed status (or raises)."""

    def __init__(self, status: int = 204, raises: BaseException | None = None) -> None:
        self.requests: list[WebhookRequest] = []
        self.status = status
        self.raises = raises

    def __call__(self, request: WebhookRequest) -> WebhookResponse:
        if self.raises is not None:
            raise self.raises
        self.requests.append(request)
        return WebhookResponse(status_code=self.status, excerpt="ok")


class Crash(BaseException):
    """The worker process dies (not an ordinary error, which would count as a failed attempt)."""


@pytest.fixture
def departments(regions):
    return {"km": DepartmentFactory(region=regions["kunming"], category="scjg"),
            "sl": DepartmentFactory(region=regions["county"], category="gongan")}


@pytest.fixture
def subscription(departments):
    return webhook_subscription(departments["km"], topics=("probe.*",))


def emit(department_ids, topic="probe.accepted", case_no="KM-1"):
    with transaction.atomic():
        return outbox_emit(topic=topic, payload={"case_no": case_no, "accepted_on": "2026-03-02", "办理": "受理"},
                           aggregate_type="case", aggregate_id=case_no, department_ids=department_ids)


def run(sender, now=None):
    """One dispatcher run as the worker does it: outbox fan-out and consumers, then webhook sending."""
    outbox_dispatch(now=now)
    return services.webhook_delivery_send_due(sender=sender, now=now)


@pytest.mark.django_db(transaction=True)
def test_an_event_that_rolls_back_is_never_sent(subscription, departments):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_emit(topic="probe.accepted", payload={}, aggregate_type="case", aggregate_id="1",
                    department_ids=[departments["km"].pk])
        raise RuntimeError("business change failed")
    sender = Recorder()
    run(sender)
    assert sender.requests == []
    assert not OutboxEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_a_committed_event_is_delivered_once_signed(subscription, departments):
    sub, secret = subscription
    webhook_subscription(departments["km"], topics=("licence.*",), name="证照系统")  # other topics
    webhook_subscription(departments["sl"], topics=("*",), name="石林系统")  # other department
    event_id = emit([departments["km"].pk])
    sender = Recorder()
    report = run(sender)
    assert report.delivered == 1
    assert len(sender.requests) == 1
    request = sender.requests[0]
    assert request.url == sub.url
    assert request.headers["webhook-id"] == str(event_id)
    document = Webhook(secret).verify(request.body, request.headers)
    assert document["type"] == "probe.accepted"
    assert document["data"] == {"case_no": "KM-1", "accepted_on": "2026-03-02", "办理": "受理"}
    assert document["aggregate"] == {"type": "case", "id": "KM-1"}
    assert run(sender, now=timezone.now() + timedelta(days=1)).delivered == 0
    assert len(sender.requests) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 1, 204)


@pytest.mark.django_db
def test_an_event_without_departments_or_to_a_paused_subscription_waits(subscription, departments):
    sub, _secret = subscription
    emit([])
    sender = Recorder()
    run(sender)
    assert not WebhookDelivery.objects.exists()
    emit([departments["km"].pk])
    outbox_dispatch()
    sub.is_active = False
    sub.save()
    run(sender)
    assert sender.requests == []
    sub.is_active = True
    sub.save()
    run(sender)
    assert len(sender.requests) == 1


@pytest.mark.django_db
def test_a_crash_after_the_commit_and_before_the_send_loses_nothing(subscription, departments):
    notified: list[int] = []
    outbox_consumer(name="test.applicant_notice", topics=["probe.*"])(lambda event: notified.append(event.id))
    try:
        event_id = emit([departments["km"].pk])
        start = timezone.now()
        with pytest.raises(Crash):
            run(Recorder(raises=Crash()), now=start)
        assert notified == [event_id]  # the in-process consumer succeeded before the crash
        sender = Recorder()
        run(sender, now=start + timedelta(seconds=5))  # the dead worker's claim has not ended yet
        assert sender.requests == []
        run(sender, now=start + timedelta(minutes=10))
        assert [r.headers["webhook-id"] for r in sender.requests] == [str(event_id)]
        assert notified == [event_id]  # and was not run again
    finally:
        outbox._unregister("test.applicant_notice")


@pytest.mark.django_db
def test_failures_back_off_then_dead_letter(subscription, departments, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 6
    emit([departments["km"].pk])
    failing = Recorder(status=503)
    now = timezone.now()
    outbox_dispatch(now=now)
    waits = []
    for _attempt in range(5):
        services.webhook_delivery_send_due(sender=failing, now=now)
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.PENDING
        waits.append((delivery.next_attempt_at - now).total_seconds())
        services.webhook_delivery_send_due(sender=failing, now=now)  # not due yet: nothing sent
        now = delivery.next_attempt_at
    for wait, base in zip(waits, [30, 120, 600, 3600, 21600], strict=True):
        assert base * 0.9 <= wait <= base * 1.1
    services.webhook_delivery_send_due(sender=failing, now=now)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DEAD, 6, 503)
    assert delivery.last_error == "HTTP 503"
    assert delivery.next_attempt_at is None
    assert len(failing.requests) == 6
    services.webhook_delivery_send_due(sender=failing, now=now + timedelta(days=2))
    assert len(failing.requests) == 6


@pytest.mark.django_db
def test_an_ordinary_sender_error_is_a_failed_attempt(subscription, departments):
    emit([departments["km"].pk])
    outbox_dispatch()
    report = services.webhook_delivery_send_due(sender=Recorder(raises=ConnectionResetError("reset by peer")))
    assert report.failed == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1
    assert "reset by peer" in delivery.last_error


@pytest.mark.django_db
def test_replay_sends_a_dead_delivery_again_audited(subscription, departments, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    platform = DepartmentFactory(region=departments["km"].region.parent, category="zwfw")
    admin = staff_context_for_user(make_staff(platform, StaffRole.PLATFORM_ADMIN))
    event_id = emit([departments["km"].pk])
    run(Recorder(status=500))
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DEAD
    assert list(selectors.webhook_delivery_dead_list_for_staff(actor=admin)) == [delivery]
    services.webhook_delivery_replay(actor=admin, delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.replays) == (DeliveryStatus.PENDING, 0, 1)
    record = AuditEvent.objects.filter(action="exchange.webhook.replay").get()
    assert record.detail["event_id"] == event_id and record.detail["last_error"] == "HTTP 500"
    with pytest.raises(Conflict):
        services.webhook_delivery_replay(actor=admin, delivery_id=delivery.pk)
    sender = Recorder()
    services.webhook_delivery_send_due(sender=sender)
    assert [r.headers["webhook-id"] for r in sender.requests] == [str(event_id)]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


@pytest.mark.django_db
def test_subscriptions_are_scoped_per_department(departments, regions):
    km_admin = staff_context_for_user(make_staff(departments["km"], StaffRole.DEPARTMENT_ADMIN))
    sl_admin = staff_context_for_user(make_staff(departments["sl"], StaffRole.DEPARTMENT_ADMIN))
    clerk = staff_context_for_user(make_staff(departments["km"], StaffRole.WINDOW_CLERK))
    platform = DepartmentFactory(region=regions["province"], category="zwfw")
    admin = staff_context_for_user(make_staff(platform, StaffRole.PLATFORM_ADMIN))

    registered = services.webhook_subscription_register(
        actor=km_admin, department_id=departments["km"].pk, name="昆明市场监管业务系统",
        url="https://scjg.km.example.gov.cn/hooks", topics=["probe.*", "probe.accepted"])
    assert registered.secret.startswith("whsec_")
    with pytest.raises(NotPermitted):
        services.webhook_subscription_register(actor=km_admin, department_id=departments["sl"].pk, name="越权",
                                               url="https://x.example.gov.cn/", topics=["*"])
    with pytest.raises(NotPermitted):
        services.webhook_subscription_register(actor=clerk, department_id=departments["km"].pk, name="窗口",
                                               url="https://x.example.gov.cn/", topics=["*"])
    sl_sub = services.webhook_subscription_register(actor=admin, department_id=departments["sl"].pk, name="石林公安",
                                                    url="https://ga.sl.example.gov.cn/hooks", topics=["*"])

    def names(actor):
        return [s.name for s in selectors.webhook_subscription_list_for_staff(actor=actor)]

    assert names(km_admin) == ["昆明市场监管业务系统"]
    assert names(sl_admin) == ["石林公安"]
    assert sorted(names(admin)) == sorted(["昆明市场监管业务系统", "石林公安"])
    assert names(clerk) == []
    assert selectors.webhook_department_choices_for_staff(actor=km_admin) == [
        (departments["km"].pk, departments["km"].name)]
    with pytest.raises(NotFound):
        services.webhook_subscription_set_active(actor=km_admin, subscription_id=sl_sub.id, active=False)
    assert AuditEvent.objects.filter(action="exchange.webhook.deactivate", outcome="denied").exists()
    services.webhook_subscription_set_active(actor=sl_admin, subscription_id=sl_sub.id, active=False)

    emit([departments["sl"].pk], case_no="SL-1")
    run(Recorder(status=500), now=timezone.now())  # paused: nothing sent
    services.webhook_subscription_set_active(actor=sl_admin, subscription_id=sl_sub.id, active=True)
    with transaction.atomic():
        WebhookDelivery.objects.update(status=DeliveryStatus.DEAD)
    dead = WebhookDelivery.objects.get()
    assert list(selectors.webhook_delivery_dead_list_for_staff(actor=km_admin)) == []
    with pytest.raises(NotFound):
        services.webhook_delivery_replay(actor=km_admin, delivery_id=dead.pk)
    services.webhook_delivery_replay(actor=sl_admin, delivery_id=dead.pk)


@pytest.mark.django_db
def test_registration_checks_url_and_topics(departments, settings):
    actor = staff_context_for_user(make_staff(departments["km"], StaffRole.DEPARTMENT_ADMIN))

    def register(url="https://a.example.gov.cn/hooks", topics=("probe.*",)):
        return services.webhook_subscription_register(actor=actor, department_id=departments["km"].pk, name="系统",
                                                      url=url, topics=list(topics))

    for url in ["ftp://a.example.gov.cn/", "https://user:pw@a.example.gov.cn/", "not a url"]:
        with pytest.raises(ValidationFailed):
            register(url=url)
    for topics in [(), ("Case.Accepted",), ("case.*.x",)]:
        with pytest.raises(ValidationFailed):
            register(topics=topics)
    settings.DEBUG = True
    assert register(url="http://127.0.0.1:9000/hooks")  # debug: http allowed
    settings.DEBUG = False
    settings.DEMO_MODE = False
    with pytest.raises(ValidationFailed) as refused:
        register(url="http://a.example.gov.cn/hooks")
    assert refused.value.issues[0].code == "https_required"
    settings.DEMO_MODE = True
    assert register(url="http://a.example.gov.cn/hooks")


# --- the real HTTP sender against a local receiver ------------------------------------------------------------------


class Receiver:
    """A department system on 127.0.0.1 that verifies the signature like the Standard Webhooks libraries do."""

    def __init__(self, secret: str, status: int = 200, body: bytes = b"received",
                 headers: dict[str, str] | None = None) -> None:
        self.secret, self.status, self.body, self.extra = secret, status, body, headers or {}
        self.verified: list[dict] = []
        self.ids: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["content-length"]))
                receiver.ids.append(self.headers["webhook-id"])
                receiver.verified.append(Webhook(receiver.secret).verify(data, dict(self.headers.items())))
                self.send_response(receiver.status)
                for key, value in receiver.extra.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.django_db
def test_a_receiver_verifies_the_signature_over_http(departments):
    with Receiver(secret="") as receiver:
        _sub, receiver.secret = webhook_subscription(departments["km"], url=receiver.url)
        event_id = emit([departments["km"].pk])
        report = run(http_sender)
    assert report.delivered == 1
    assert receiver.ids == [str(event_id)]
    assert receiver.verified[0]["data"]["办理"] == "受理"
    delivery = WebhookDelivery.objects.get()
    assert (delivery.last_status_code, delivery.response_excerpt) == (200, "received")


@pytest.mark.django_db
def test_the_http_sender_follows_no_redirect_and_keeps_only_an_excerpt(departments):
    with Receiver(secret="", status=302, body=b"x" * 5000, headers={"location": "https://elsewhere.example/"}) as rx:
        _sub, rx.secret = webhook_subscription(departments["km"], url=rx.url)
        emit([departments["km"].pk])
        report = run(http_sender)
    assert report.failed == 1
    assert len(rx.ids) == 1  # the redirect target was not asked
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_status_code == 302
    assert "not followed" in delivery.last_error
    assert len(delivery.response_excerpt) == EXCERPT_BYTES


def test_the_http_sender_reports_a_refused_connection():
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as server:
        port = server.server_address[1]
    response = http_sender(WebhookRequest(url=f"http://127.0.0.1:{port}/", body=b"{}", timeout=2))
    assert response.status_code is None and not response.ok
    assert "connection failed" in response.error


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="concurrent dispatchers need PostgreSQL")
def test_two_dispatchers_never_deliver_the_same_event_twice(departments):
    webhook_subscription(departments["km"], topics=("*",))
    ids = [emit([departments["km"].pk], case_no=f"KM-{n}") for n in range(40)]
    sent: list[str] = []
    lock = threading.Lock()

    def sender(request: WebhookRequest) -> WebhookResponse:
        with lock:
            sent.append(request.headers["webhook-id"])
        return WebhookResponse(status_code=200)

    barrier = threading.Barrier(2)

    def worker() -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            for _round in range(3):
                outbox_dispatch(batch_size=5)
                services.webhook_delivery_send_due(sender=sender, limit=3)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run(sender)
    assert sorted(sent) == sorted(str(i) for i in ids)
    assert len(set(sent)) == len(sent)
    assert connection.vendor == "postgresql"
