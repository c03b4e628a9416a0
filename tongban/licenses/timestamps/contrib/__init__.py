"""Timestamp authority plugins shipped with the platform: ``simulator`` (local, for development and the demo) and
``rfc3161`` (a real TSA over HTTP)."""
