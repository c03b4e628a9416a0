from tongban.identity.models.account import AccountKind, AuthFailure, User
from tongban.identity.models.codes import CodePurpose, VerificationCode
from tongban.identity.models.person import AssuranceEvent, AssuranceLevel, Person
from tongban.identity.models.session import UserSession
from tongban.identity.models.totp import TotpDevice

__all__ = [
    "AccountKind",
    "AssuranceEvent",
    "AssuranceLevel",
    "AuthFailure",
    "CodePurpose",
    "Person",
    "TotpDevice",
    "User",
    "UserSession",
    "VerificationCode",
]
