"""The one transition table of reviewed requests (人工审核实名申请 and 纠错申请). No code assigns a status directly."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongban.core.errors import Conflict
from tongban.realname.models import ReviewStatus

APPROVE = "approve"
REJECT = "reject"

TRANSITIONS: dict[tuple[str, str], str] = {
    (ReviewStatus.PENDING, APPROVE): ReviewStatus.APPROVED,
    (ReviewStatus.PENDING, REJECT): ReviewStatus.REJECTED,
}


def next_status(current: str, action: str) -> str:
    """The status after ``action``, or :class:`Conflict` when the request is not in a state that allows it."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise Conflict(_("该申请已处理（%(s)s），不能重复操作。") % {"s": ReviewStatus(current).label},
                       code="review_already_decided") from None
