"""Public enumerations, data objects and extension points of the case engine for other apps and channels (no ORM
rows): the licence issue registers a result issuer and a licence resolver here, the payment issue a payment
requester; the API layer builds :class:`DepartmentSystemActor` for department systems' callbacks."""

from tongban.cases.errors import StepUpRequired
from tongban.cases.models.codes import (
    ACCEPTANCE_WORKING_DAYS,
    AcceptanceMode,
    ActorKind,
    ApplicantKind,
    AttachmentSource,
    CaseKind,
    CaseStatus,
    DecisionOutcome,
    DeliveryMethod,
    SpecialProcedureKind,
    StepKind,
    StepOutcome,
)
from tongban.cases.records import (
    ArchiveAttachment,
    ArchiveEvent,
    CaseAccess,
    CaseArchiveRecord,
    DecisionDocument,
    DepartmentSystemActor,
    StepSpec,
    SupplementItem,
    status_label,
)
from tongban.cases.registry import (
    LicenseReference,
    LicenseResolver,
    PaymentRequest,
    PaymentRequester,
    ResultIssuer,
    ResultReference,
    ResultRequest,
    license_resolver_register,
    payment_requester_register,
    plugin_unregister,
    result_issuer_register,
)
from tongban.cases.workflow import TOPICS, TRANSITION_LABELS

__all__ = [
    "ACCEPTANCE_WORKING_DAYS", "TOPICS", "TRANSITION_LABELS", "AcceptanceMode", "ActorKind", "ApplicantKind",
    "ArchiveAttachment", "ArchiveEvent", "AttachmentSource", "CaseAccess", "CaseArchiveRecord", "CaseKind", "CaseStatus", "DecisionDocument", "DecisionOutcome", "DeliveryMethod",
    "DepartmentSystemActor", "LicenseReference", "LicenseResolver", "PaymentRequest", "PaymentRequester",
    "ResultIssuer", "ResultReference", "ResultRequest", "SpecialProcedureKind", "StepKind", "StepOutcome",
    "StepSpec", "StepUpRequired", "SupplementItem", "license_resolver_register", "payment_requester_register",
    "plugin_unregister", "result_issuer_register", "status_label",
]
