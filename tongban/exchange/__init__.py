"""Department systems (数据交换): webhook subscriptions fed by the transactional outbox, signed per Standard Webhooks."""
