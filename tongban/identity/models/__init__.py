from tongban.identity.models.account import AccountKind, AuthFailure, User
from tongban.identity.models.codes import CodePurpose, VerificationCode
from tongban.identity.models.person import AssuranceEvent, AssuranceLevel, NotifyChannel, Person
from tongban.identity.models.profile import Address, ContactRelation, EmergencyContact
from tongban.identity.models.qrlogin import QrLoginState, QrLoginTicket
from tongban.identity.models.session import UserSession
from tongban.identity.models.totp import TotpDevice

__all__ = [
    "AccountKind",
    "Address",
    "AssuranceEvent",
    "AssuranceLevel",
    "AuthFailure",
    "CodePurpose",
    "ContactRelation",
    "EmergencyContact",
    "NotifyChannel",
    "Person",
    "QrLoginState",
    "QrLoginTicket",
    "TotpDevice",
    "User",
    "UserSession",
    "VerificationCode",
]
