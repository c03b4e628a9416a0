from tongban.cases.models.case import (
    Attachment,
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseStep,
    SpecialProcedure,
    SupplementRequest,
)
from tongban.cases.models.codes import (
    ACCEPTANCE_WORKING_DAYS,
    OPEN_STATUSES,
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
from tongban.cases.models.config import ProcessingConfig
from tongban.cases.models.draft import Draft

__all__ = [
    "ACCEPTANCE_WORKING_DAYS", "OPEN_STATUSES", "AcceptanceMode", "ActorKind", "ApplicantKind", "Attachment", "AttachmentSource",
    "Case", "CaseEvent", "CaseKind", "CaseNumberCounter", "CaseStatus", "CaseStep", "DecisionOutcome",
    "DeliveryMethod", "Draft", "ProcessingConfig", "SpecialProcedure", "SpecialProcedureKind", "StepKind",
    "StepOutcome", "SupplementRequest",
]
