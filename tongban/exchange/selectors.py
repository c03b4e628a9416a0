"""Reads of the exchange app, always within the acting administrator's scope (``tongban.exchange.permissions``)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from tongban.directory.selectors import StaffContext, department_list
from tongban.exchange.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from tongban.exchange.permissions import may_manage_webhooks, webhook_scope

__all__ = [
    "webhook_delivery_dead_list_for_staff", "webhook_delivery_get_for_staff",
    "webhook_delivery_list_for_subscription", "webhook_department_choices_for_staff",
    "webhook_subscription_get_for_staff", "webhook_subscription_list_for_staff",
]


def _subscriptions(actor: StaffContext) -> QuerySet[WebhookSubscription]:
    if not may_manage_webhooks(actor):
        return WebhookSubscription.objects.none()
    return WebhookSubscription.objects.filter(webhook_scope(actor).department_filter("department_id"))


def webhook_subscription_list_for_staff(*, actor: StaffContext) -> QuerySet[WebhookSubscription]:
    """Subscriptions in scope with their counts of pending and dead deliveries."""
    return (_subscriptions(actor).select_related("department")
            .annotate(pending_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
                      dead_count=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.DEAD)))
            .order_by("department__region__code", "department__name", "name", "pk"))


def webhook_subscription_get_for_staff(*, actor: StaffContext, subscription_id: int) -> WebhookSubscription | None:
    return _subscriptions(actor).select_related("department").filter(pk=subscription_id).first()


def webhook_delivery_list_for_subscription(*, actor: StaffContext, subscription_id: int,
                                           status: str | None = None) -> QuerySet[WebhookDelivery]:
    """The delivery log (推送记录) of one subscription in scope, newest first."""
    qs = WebhookDelivery.objects.filter(subscription__in=_subscriptions(actor), subscription_id=subscription_id)
    if status in DeliveryStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


def webhook_delivery_dead_list_for_staff(*, actor: StaffContext) -> QuerySet[WebhookDelivery]:
    """Dead-lettered deliveries (死信) in scope, most recent failure first."""
    return (WebhookDelivery.objects.filter(subscription__in=_subscriptions(actor), status=DeliveryStatus.DEAD)
            .select_related("subscription__department").order_by("-last_attempt_at", "-id"))


def webhook_delivery_get_for_staff(*, actor: StaffContext, delivery_id: int) -> WebhookDelivery | None:
    return (WebhookDelivery.objects.filter(subscription__in=_subscriptions(actor), pk=delivery_id)
            .select_related("subscription__department").first())


def webhook_department_choices_for_staff(*, actor: StaffContext) -> list[tuple[int, str]]:
    """Departments the actor may register subscriptions for: every one for a platform administrator."""
    if not may_manage_webhooks(actor):
        return []
    if not webhook_scope(actor).platform_wide:
        return [(actor.department_id, actor.department_name)]
    return [(d.pk, f"{d.name}（{d.region.name}）") for d in department_list().order_by("region__code", "name")]
