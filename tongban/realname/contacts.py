"""Where to send a person the result of a review."""

from __future__ import annotations

from tongban.identity import selectors as identity_selectors


def person_notification_phone(*, user_id: int) -> str | None:
    """The mobile number to send a review result to."""
    return identity_selectors.person_contact_phone(user_id=user_id)
