"""The one transition table of an organisation's status (法人账号状态). No code assigns ``status`` directly:
services call :func:`next_status` and save what it returns.

    (no row) --register_by_legal_rep------> active
    (no row) --register_for_confirmation--> pending --confirm--> active --suspend--> suspended
                                                                 active <--reinstate-- suspended
                                            pending --expire--> expired   (after CONFIRMATION_DAYS; the credit code
                                                                           can then be registered again)
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from tongban.core.errors import Conflict
from tongban.organizations.models.organization import OrgStatus

NEW = ""  # the state before the row exists
# A registration waits this long for the legal representative's confirmation (待确认注册的有效期), then expires.
CONFIRMATION_DAYS = 7
CONFIRMATION_WINDOW = timedelta(days=CONFIRMATION_DAYS)

TRANSITIONS: dict[tuple[str, str], str] = {
    (NEW, "register_by_legal_rep"): OrgStatus.ACTIVE,
    (NEW, "register_for_confirmation"): OrgStatus.PENDING_CONFIRMATION,
    (OrgStatus.PENDING_CONFIRMATION, "confirm"): OrgStatus.ACTIVE,
    (OrgStatus.ACTIVE, "suspend"): OrgStatus.SUSPENDED,
    (OrgStatus.SUSPENDED, "reinstate"): OrgStatus.ACTIVE,
    (OrgStatus.PENDING_CONFIRMATION, "expire"): OrgStatus.EXPIRED,
}


def confirmation_overdue(*, status: str, created_at: datetime, now: datetime) -> bool:
    """A registration still waiting for confirmation after :data:`CONFIRMATION_WINDOW` (or already expired)."""
    return status == OrgStatus.EXPIRED or (
        status == OrgStatus.PENDING_CONFIRMATION and created_at <= now - CONFIRMATION_WINDOW)


def next_status(current: str, event: str) -> str:
    """The status after ``event``, or :class:`Conflict` when the event is not allowed from ``current``."""
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise Conflict(_("当前状态下不能进行该操作。"), code="bad_transition") from None
