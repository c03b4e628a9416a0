"""Workbench pages of webhook subscriptions: scope, the secret shown once, the delivery log, dead letters, replay."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.factories import DepartmentFactory, make_staff, webhook_subscription
from tongban.core.crypto import decrypt_text
from tongban.core.models import AuditEvent
from tongban.core.outbox import outbox_emit
from tongban.exchange.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from tongban.exchange.services import SECRET_CONTEXT

BASE = "/workbench/exchange/"


@pytest.fixture
def people(regions):
    province = DepartmentFactory(region=regions["province"], category="zwfw")
    km = DepartmentFactory(region=regions["kunming"], category="scjg", name="昆明市市场监督管理局")
    sl = DepartmentFactory(region=regions["county"], category="gongan", name="石林彝族自治县公安局")
    return {
        "km": km, "sl": sl,
        "admin": make_staff(province, "platform_admin", username="ex_admin"),
        "km_admin": make_staff(km, "department_admin", username="ex_km"),
        "sl_admin": make_staff(sl, "department_admin", username="ex_sl"),
        "clerk": make_staff(km, "window_clerk", username="ex_clerk"),
    }


def dead_delivery(department, subscription, n=1):
    with transaction.atomic():
        event_id = outbox_emit(topic="probe.accepted", payload={"n": n}, aggregate_type="case", aggregate_id=str(n),
                               department_ids=[department.pk])
    return WebhookDelivery.objects.create(event_id=event_id, subscription=subscription, topic="probe.accepted",
                                          status=DeliveryStatus.DEAD, attempts=6, last_status_code=502,
                                          last_error="HTTP 502")


def test_nav_link_only_for_administrators(client, people):
    client.force_login(people["km_admin"])
    assert BASE in client.get("/workbench/staff/").content.decode()
    client.force_login(people["clerk"])
    page = client.get("/workbench/items/").content.decode()
    assert BASE not in page
    assert client.get(BASE).status_code == 403
    assert AuditEvent.objects.filter(action="exchange.webhook.list", outcome="denied").exists()


def test_register_shows_the_secret_once(client, people):
    client.force_login(people["km_admin"])
    form = client.get(BASE + "new/").content.decode()
    assert "昆明市市场监督管理局" in form and "石林彝族自治县公安局" not in form
    response = client.post(BASE + "new/", {"department": people["km"].pk, "name": "市场监管业务系统",
                                           "url": "https://scjg.example.gov.cn/hooks", "topics": "probe.*\nprobe.accepted"})
    page = response.content.decode()
    subscription = WebhookSubscription.objects.get()
    secret = decrypt_text(subscription.secret_encrypted, context=SECRET_CONTEXT)
    assert secret in page and secret.startswith("whsec_")
    assert subscription.topics == ["probe.*", "probe.accepted"]
    assert secret not in client.get(BASE).content.decode()
    assert secret not in client.get(f"{BASE}{subscription.pk}/").content.decode()
    assert AuditEvent.objects.filter(action="exchange.webhook.register").count() == 1


def test_register_for_another_department_is_refused(client, people):
    client.force_login(people["km_admin"])
    response = client.post(BASE + "new/", {"department": people["sl"].pk, "name": "越权",
                                           "url": "https://x.example.gov.cn/", "topics": "*"})
    assert response.status_code == 200  # not one of the offered choices
    assert not WebhookSubscription.objects.exists()


def test_register_reports_bad_input(client, people):
    client.force_login(people["admin"])
    page = client.post(BASE + "new/", {"department": people["sl"].pk, "name": "系统", "url": "https://u:p@x.gov.cn/",
                                       "topics": "Case.Accepted"}).content.decode()
    assert "用户名或密码" in page and "主题格式不正确" in page
    assert not WebhookSubscription.objects.exists()


def test_pages_of_another_department_answer_404(client, people):
    sub, _secret = webhook_subscription(people["sl"])
    delivery = dead_delivery(people["sl"], sub)
    client.force_login(people["km_admin"])
    assert "石林" not in client.get(BASE).content.decode()
    assert client.get(f"{BASE}{sub.pk}/").status_code == 404
    assert client.post(f"{BASE}{sub.pk}/active/", {"active": "0"}).status_code == 404
    assert client.get(f"{BASE}deliveries/{delivery.pk}/replay/").status_code == 404
    assert client.post(f"{BASE}deliveries/{delivery.pk}/replay/").status_code == 404
    dead = client.get(BASE + "dead/").content.decode()
    assert "没有投递失败的推送" in dead and f"deliveries/{delivery.pk}/replay/" not in dead
    assert AuditEvent.objects.filter(action="exchange.webhook.view", outcome="denied").exists()
    sub.refresh_from_db()
    assert sub.is_active
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DEAD


def test_dead_letters_and_replay_with_confirmation(client, people):
    sub, _secret = webhook_subscription(people["sl"], name="石林公安业务系统")
    delivery = dead_delivery(people["sl"], sub)
    client.force_login(people["sl_admin"])
    listing = client.get(BASE + "dead/").content.decode()
    assert "石林公安业务系统" in listing and "HTTP 502" in listing
    confirm = client.get(f"{BASE}deliveries/{delivery.pk}/replay/").content.decode()
    assert "确认重新投递" in confirm
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DEAD  # GET changes nothing
    response = client.post(f"{BASE}deliveries/{delivery.pk}/replay/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.replays) == (DeliveryStatus.PENDING, 1)
    assert AuditEvent.objects.filter(action="exchange.webhook.replay", outcome="success").count() == 1
    again = client.post(f"{BASE}deliveries/{delivery.pk}/replay/").content.decode()
    assert "只有投递失败的推送可以重新投递" in again


def test_delivery_log_is_paginated_and_filtered(client, people):
    sub, _secret = webhook_subscription(people["km"])
    for n in range(35):
        dead_delivery(people["km"], sub, n=n)
    WebhookDelivery.objects.filter(pk__in=WebhookDelivery.objects.order_by("id").values("pk")[:5]).update(
        status=DeliveryStatus.DELIVERED, last_error="")
    client.force_login(people["admin"])
    first = client.get(f"{BASE}{sub.pk}/").content.decode()
    assert "共 35 条" in first and "第 1 / 2 页" in first
    assert client.get(f"{BASE}{sub.pk}/", {"page": 2}).status_code == 200
    delivered = client.get(f"{BASE}{sub.pk}/", {"status": "delivered"}).content.decode()
    assert "共 5 条" in delivered


def test_pause_and_resume(client, people):
    sub, _secret = webhook_subscription(people["km"])
    client.force_login(people["km_admin"])
    client.post(f"{BASE}{sub.pk}/active/", {"active": "0"})
    sub.refresh_from_db()
    assert not sub.is_active
    client.post(f"{BASE}{sub.pk}/active/", {"active": "1"})
    sub.refresh_from_db()
    assert sub.is_active
    assert AuditEvent.objects.filter(action__in=["exchange.webhook.activate", "exchange.webhook.deactivate"]).count() == 2


def test_rotate_secret(client, people):
    sub, old = webhook_subscription(people["km"])
    client.force_login(people["km_admin"])
    assert client.get(f"{BASE}{sub.pk}/secret/").status_code == 200
    page = client.post(f"{BASE}{sub.pk}/secret/").content.decode()
    sub.refresh_from_db()
    new = decrypt_text(sub.secret_encrypted, context=SECRET_CONTEXT)
    assert new != old and new in page
