from tongban.realname.models.attempt import AttemptOutcome, VerificationAttempt, VerificationMethod
from tongban.realname.models.review import CorrectionRequest, ManualReview, ReviewStatus

__all__ = [
    "AttemptOutcome", "CorrectionRequest", "ManualReview", "ReviewStatus", "VerificationAttempt",
    "VerificationMethod",
]
