"""The one transition table for the status of items and implementations (新增、发布、调整、暂停、取消)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tongban.catalog.models.codes import CatalogStatus as S
from tongban.core.errors import Conflict

# (current status, action) -> next status. 调整 is "publish" of a new version while published.
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, "publish"): S.PUBLISHED,
    (S.PUBLISHED, "publish"): S.PUBLISHED,
    (S.PUBLISHED, "suspend"): S.SUSPENDED,
    (S.SUSPENDED, "resume"): S.PUBLISHED,
    (S.SUSPENDED, "publish"): S.SUSPENDED,
    (S.DRAFT, "cancel"): S.CANCELLED,
    (S.PUBLISHED, "cancel"): S.CANCELLED,
    (S.SUSPENDED, "cancel"): S.CANCELLED,
}

ACTION_LABELS = {"publish": "发布", "suspend": "暂停", "resume": "恢复", "cancel": "取消"}


def next_status(current: str, action: str) -> str:
    """The status after ``action``, or :class:`Conflict` with a message saying why it is not allowed."""
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise Conflict(
            _("当前状态为“%(status)s”，不能执行“%(action)s”。") % {
                "status": S(current).label, "action": _(ACTION_LABELS.get(action, action))},
            code="invalid_transition",
        ) from None


def allowed_actions(current: str) -> list[str]:
    return [action for (status, action) in TRANSITIONS if status == current]
