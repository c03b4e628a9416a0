"""Reads of the applicant's pages and API that build on the services' own data (the draft view of
:mod:`~tongban.cases.services.drafts`, the receipt): resuming a draft by id, the receipt of an idempotency key, the
receipt as a PDF, the form of a case for corrections (补正) and the children of 一件事 rows in 我的办件.

They change nothing. Scope as everywhere: the applicant's own drafts and cases (for an organisation: the "apply"
scope for drafts, "view_cases" for cases); anything else answers 404.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from tongban.cases.actors import CaseActor, applicant_actor, is_own_case
from tongban.cases.models import Case, CaseKind, CaseStatus
from tongban.cases.present import case_clock, receipt_of
from tongban.cases.receipt_pdf import receipt_pdf
from tongban.cases.records import CaseReceipt, ChildProgress, DraftView, status_label
from tongban.cases.services.drafts import _applicant_for_writes, _draft_for, draft_view
from tongban.catalog import forms
from tongban.core.audit import atomic_service
from tongban.core.errors import NotFound
from tongban.organizations.interface import AgentScope

__all__ = [
    "CaseCorrection", "case_children_for_applicant", "case_correction_form", "case_receipt_for_key",
    "case_receipt_pdf_for_applicant", "draft_get",
]


@atomic_service  # a refused agent (no "apply" scope) stays in the audit log
def draft_get(*, user: Any, org_id: int | None = None, draft_id: int) -> DraftView:
    """The applicant's draft as the application page shows it — resumed on any device by its id. A draft of
    another account (or acting context) answers 404; an agent needs the organisation's "apply" scope."""
    actor = _applicant_for_writes(user=user, org_id=org_id)
    return draft_view(_draft_for(actor, draft_id), user=user, actor=actor)


def case_receipt_for_key(*, user: Any, idempotency_key: str) -> CaseReceipt | None:
    """The receipt of the case this account submitted with ``idempotency_key`` (None when there is none): lets
    the API answer a retried submission with 200 instead of 201."""
    key = (idempotency_key or "").strip()
    if not key or not getattr(user, "is_authenticated", False):
        return None
    case = (Case.objects.select_related("department", "implementation_version")
            .filter(applicant_user_id=user.pk, idempotency_key=key).first())
    return receipt_of(case) if case is not None else None


def _reader(*, user: Any, org_id: int | None) -> CaseActor:
    actor = applicant_actor(user=user, org_id=org_id)
    if actor.org is not None:
        actor.org.require(AgentScope.VIEW_CASES)
    return actor


def _own_case(actor: CaseActor, case_id: int) -> Case:
    case = (Case.objects.select_related("department", "implementation_version").filter(pk=case_id).first())
    if case is None or not is_own_case(actor, case):
        raise NotFound(_("没有找到这个办件。"))
    return case


def case_receipt_pdf_for_applicant(*, user: Any, org_id: int | None = None, case_id: int) -> tuple[CaseReceipt, bytes]:
    """The receipt (回执) and its PDF, for the applicant (a person, or someone with "view_cases")."""
    receipt = receipt_of(_own_case(_reader(user=user, org_id=org_id), case_id))
    return receipt, receipt_pdf(receipt)


@dataclass(frozen=True)
class CaseCorrection:
    """What the applicant may correct in answer to a supplement request (补齐补正): the requested form fields (a
    FormSpec of tongban.catalog.forms holding only them, as submitted) with their current values, and the
    requested materials. Empty when the case waits for nothing."""

    case_id: int
    form: Any  # FormSpec | None
    data: dict[str, Any]
    field_names: tuple[str, ...]
    material_names: tuple[str, ...]


def case_correction_form(*, user: Any, org_id: int | None = None, case_id: int) -> CaseCorrection:
    """The fields and materials of the open supplement request of the applicant's case. Fields are matched by
    name, else by label; the form is the one the case was submitted with."""
    case = _own_case(_reader(user=user, org_id=org_id), case_id)
    request = case.supplements.order_by("-round").first() if case.status == CaseStatus.SUPPLEMENT_REQUESTED else None
    if request is None or not case.form_snapshot:
        materials = tuple(dict.fromkeys(str(i.get("material")) for i in (request.items if request else [])
                                        if i.get("material")))
        return CaseCorrection(case_id=case.pk, form=None, data={}, field_names=(), material_names=materials)
    spec = forms.form_spec_restore(case.form_snapshot)
    wanted = [str(i.get("field")) for i in request.items if i.get("field")]
    names: list[str] = []
    for ref in wanted:
        field = spec.field_named(ref) or next((f for f in spec.fields if f.label == ref), None)
        if field is not None and field.kind != "attachment" and field.name not in names:
            names.append(field.name)
    materials = tuple(dict.fromkeys(str(i.get("material")) for i in request.items if i.get("material")))
    if not names:
        return CaseCorrection(case_id=case.pk, form=None, data={}, field_names=(), material_names=materials)
    fields = tuple(f for f in spec.fields if f.name in names)
    layout = {**spec.layout, "sections": [{"key": "correction", "title": _("需要更正的内容"), "help": "",
                                            "fields": names}]}
    restricted = dataclasses.replace(spec, fields=fields, layout=layout)
    data = {name: value for name, value in case.form_data.items() if name in names}
    return CaseCorrection(case_id=case.pk, form=restricted, data=data, field_names=tuple(names),
                          material_names=materials)


def case_children_for_applicant(*, user: Any, org_id: int | None = None,
                                parent_ids: Sequence[int]) -> dict[int, tuple[ChildProgress, ...]]:
    """The child cases of the applicant's 一件事 parents among ``parent_ids`` (one query), for 我的办件."""
    actor = _reader(user=user, org_id=org_id)
    ids = [int(i) for i in parent_ids][:200]
    if not ids:
        return {}
    children = Case.objects.filter(parent_id__in=ids, kind=CaseKind.BUNDLE_CHILD).select_related(
        "department", "parent").order_by("parent_id", "pk")
    result: dict[int, list[ChildProgress]] = {}
    for child in children:
        parent = child.parent
        if parent is None or not is_own_case(actor, parent):
            continue
        result.setdefault(parent.pk, []).append(ChildProgress(
            case_id=child.pk, case_number=child.case_number, item_name=child.item_name,
            department_name=child.department.name if child.department else "", status=child.status,
            status_label=status_label(child.status, acceptance_mode=child.acceptance_mode),
            clock=case_clock(child)))
    return {key: tuple(value) for key, value in result.items()}
