from tongban.exchange.models.webhook import DeliveryStatus, WebhookDelivery, WebhookSubscription

__all__ = ["DeliveryStatus", "WebhookDelivery", "WebhookSubscription"]
