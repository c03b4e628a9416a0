from tongban.exchange.models.callback import CallbackReceipt
from tongban.exchange.models.webhook import DeliveryStatus, WebhookDelivery, WebhookSubscription

__all__ = ["CallbackReceipt", "DeliveryStatus", "WebhookDelivery", "WebhookSubscription"]
