"""Public enumerations of the unified identity for other apps (no ORM rows)."""

from tongban.identity.models.account import AccountKind
from tongban.identity.models.codes import CodePurpose
from tongban.identity.models.person import AssuranceLevel

__all__ = ["AccountKind", "AssuranceLevel", "CodePurpose"]
