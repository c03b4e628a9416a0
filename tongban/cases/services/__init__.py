"""Writes of the case engine (办件). Every function is keyword-only and atomic; status changes go through the one
transition table (:mod:`tongban.cases.workflow`); every transition leaves a timeline row, an audit record and an
outbox event in the same transaction. See ``docs/cases.md``.
"""

from tongban.cases.errors import StepUpRequired
from tongban.cases.services.access import (
    case_applicant_reveal,
    case_document_read,
    case_material_read,
    case_open_for_staff,
    case_record_file_read,
)
from tongban.cases.services.config import (
    processing_config_default_steps,
    processing_config_for,
    processing_config_get,
    processing_config_update,
)
from tongban.cases.services.drafts import (
    draft_attachment_license,
    draft_attachment_remove,
    draft_attachment_reuse,
    draft_attachment_upload,
    draft_delete,
    draft_open,
    draft_save,
)
from tongban.cases.services.overdue import case_overdue_mark_all
from tongban.cases.services.processing import (
    case_accept,
    case_attachment_license,
    case_attachment_reuse,
    case_attachment_upload,
    case_complete,
    case_countersign,
    case_decide,
    case_deliver,
    case_extend,
    case_external_accept,
    case_external_complete,
    case_external_decide,
    case_external_deliver,
    case_external_refuse,
    case_external_step,
    case_external_supplement,
    case_instant_decide,
    case_payment_confirm,
    case_refuse,
    case_request_supplement,
    case_resubmit,
    case_special_procedure_end,
    case_special_procedure_start,
    case_step_complete,
    case_void,
    case_withdraw,
)
from tongban.cases.services.submission import case_submit

__all__ = [
    "StepUpRequired", "case_accept", "case_applicant_reveal", "case_attachment_license", "case_attachment_reuse",
    "case_attachment_upload", "case_complete", "case_countersign", "case_decide", "case_deliver", "case_document_read",
    "case_extend",
    "case_external_accept", "case_external_complete", "case_external_decide", "case_external_deliver",
    "case_external_refuse", "case_external_step", "case_external_supplement", "case_instant_decide",
    "case_material_read", "case_open_for_staff", "case_overdue_mark_all", "case_payment_confirm",
    "case_record_file_read", "case_refuse", "case_request_supplement", "case_resubmit", "case_special_procedure_end",
    "case_special_procedure_start", "case_step_complete", "case_submit", "case_void", "case_withdraw",
    "draft_attachment_license", "draft_attachment_remove", "draft_attachment_reuse", "draft_attachment_upload",
    "draft_delete", "draft_open", "draft_save", "processing_config_default_steps", "processing_config_for",
    "processing_config_get", "processing_config_update",
]
