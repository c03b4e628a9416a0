"""Public enumerations of the unified identity for other apps (no ORM rows), and the hooks they register into."""

from tongban.identity.hooks import register_closure_action, register_closure_blocker, register_export_section
from tongban.identity.models.account import AccountKind
from tongban.identity.models.codes import CodePurpose
from tongban.identity.models.person import AssuranceLevel, NotifyChannel
from tongban.identity.models.profile import ContactRelation
from tongban.identity.validators import (
    birth_date_of,
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
    sex_of,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)

# How the account signed in, kept in the browser session by every login view (RFC 8176 values: ["pwd"], ["sms"],
# ["pwd", "otp"], ["swk"] …); single sign-on copies it into the ``amr`` of ID tokens.
AMR_SESSION_KEY = "tongban_amr"

__all__ = [
    "AMR_SESSION_KEY", "AccountKind", "AssuranceLevel", "CodePurpose", "ContactRelation", "NotifyChannel",
    "birth_date_of", "normalize_credit_code", "normalize_id_number", "normalize_mobile", "register_closure_action",
    "register_closure_blocker", "register_export_section", "sex_of", "validate_credit_code", "validate_id_number",
    "validate_mobile",
]
