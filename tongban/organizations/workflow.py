"""The one transition table of an organisation's status (法人账号状态). No code assigns ``status`` directly:
services call :func:`next_status` and save what it returns.

    (no row) --register_by_legal_rep------> active
    (no row) --register_for_confirmation--> pending --confirm--> active --suspend--> suspended
                                                                 active <--reinstate-- suspended
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongban.core.errors import Conflict
from tongban.organizations.models.organization import OrgStatus

NEW = ""  # the state before the row exists

TRANSITIONS: dict[tuple[str, str], str] = {
    (NEW, "register_by_legal_rep"): OrgStatus.ACTIVE,
    (NEW, "register_for_confirmation"): OrgStatus.PENDING_CONFIRMATION,
    (OrgStatus.PENDING_CONFIRMATION, "confirm"): OrgStatus.ACTIVE,
    (OrgStatus.ACTIVE, "suspend"): OrgStatus.SUSPENDED,
    (OrgStatus.SUSPENDED, "reinstate"): OrgStatus.ACTIVE,
}


def next_status(current: str, event: str) -> str:
    """The status after ``event``, or :class:`Conflict` when the event is not allowed from ``current``."""
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise Conflict(_("当前状态下不能进行该操作。"), code="bad_transition") from None
