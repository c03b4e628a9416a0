"""Public enumerations of the unified identity for other apps (no ORM rows), and the hooks they register into."""

from tongban.identity.hooks import register_closure_action, register_closure_blocker, register_export_section
from tongban.identity.models.account import AccountKind
from tongban.identity.models.codes import CodePurpose
from tongban.identity.models.person import AssuranceLevel

__all__ = [
    "AccountKind", "AssuranceLevel", "CodePurpose", "register_closure_action", "register_closure_blocker",
    "register_export_section",
]
