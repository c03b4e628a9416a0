"""Licences services: one module per area (issuance, seals, qr, verification, consents, lookup, wallet …)."""
