"""What the case engine plugs into the apps below it, in ``AppConfig.ready`` (explicit calls, no signals):

* the "history" prefill source (本人历史办件) of :mod:`tongban.catalog.forms`;
* the file reference checker of :mod:`tongban.files` (files of drafts and cases are never housekept away);
* the identity hooks: open cases block closing an account; the person's cases are part of their data export.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tongban.cases.materials import ACCEPTED_OR_LATER
from tongban.cases.models import Attachment, Case, CaseEvent, CaseKind, CaseStep
from tongban.cases.records import status_label
from tongban.catalog.forms import PrefilledValue, PrefillProvider, prefill_source_register
from tongban.files.references import register_reference_checker
from tongban.identity.interface import register_closure_blocker, register_export_section
from tongban.organizations.selectors import acting_context

OPEN_STATUSES = ("submitted", "supplement_requested", "accepted", "in_review", "special_procedure",
                 "awaiting_payment", "approved", "denied")


def _item_codes(spec: Any) -> list[str]:
    key = str(getattr(spec, "key", ""))
    if key.startswith("impl:"):
        return [key.split(":")[1][-12:]]  # 实施编码 = credit code (18) + level (1) + basic code (12)
    return [str(m.get("basic_code", "")) for m in (getattr(spec, "layout", {}) or {}).get("members", [])]


class HistoryPrefill(PrefillProvider):
    """Values from the applicant's latest accepted case of the same item (本人历史办件), never locked."""

    label = gettext_lazy("本人历史办件")
    keys = None

    def values(self, *, keys: Collection[str], user: Any, acting_org_id: int | None,
               spec: Any) -> Mapping[str, PrefilledValue]:
        codes = [code for code in _item_codes(spec) if code]
        if not codes or not getattr(user, "is_authenticated", False):
            return {}
        cases = Case.objects.filter(item_code__in=codes, status__in=ACCEPTED_OR_LATER).exclude(
            kind=CaseKind.BUNDLE_PARENT)
        if acting_org_id is not None:
            acting_context(user=user, org_id=acting_org_id)  # NotPermitted for someone who may not act for it
            cases = cases.filter(organization_id=acting_org_id)
        else:
            cases = cases.filter(applicant_user_id=user.pk, organization__isnull=True)
        latest = cases.order_by("-submitted_at", "-pk").only("form_data_encrypted").first()
        if latest is None:
            return {}
        data = latest.form_data
        label = str(self.label)
        return {key: PrefilledValue(value=data[key], source="history", source_label=label, locked=False)
                for key in keys if key in data}


def referenced_file_ids(candidates: Collection[int]) -> set[int]:
    """The candidate file ids that drafts, cases, steps or decisions still refer to."""
    wanted = set(candidates)
    found = {int(i) for i in Attachment.objects.filter(file_id__in=wanted).values_list("file_id", flat=True) if i}
    for rows in (CaseEvent.objects.exclude(attachments=[]).values_list("attachments", flat=True),
                 CaseStep.objects.exclude(attachments=[]).values_list("attachments", flat=True)):
        for ids in rows.iterator(chunk_size=2000):
            found |= wanted & {int(i) for i in ids or ()}
    for documents in Case.objects.exclude(decision_documents=[]).values_list("decision_documents", flat=True).iterator(
            chunk_size=2000):
        found |= wanted & {int(d["file_id"]) for d in documents or () if d.get("file_id")}
    return found


def open_cases_block_closure(user_id: int) -> list[str]:
    count = Case.objects.filter(Q(applicant_user_id=user_id), organization__isnull=True,
                                status__in=OPEN_STATUSES).exclude(kind=CaseKind.BUNDLE_CHILD).count()
    if not count:
        return []
    return [_("您有%(n)d件尚未办结的办件，请等待办结或撤回后再注销账号。") % {"n": count}]


def export_cases(user_id: int) -> list[dict[str, Any]]:
    return [{"case_number": c.case_number, "item": c.item_name, "status": status_label(c.status),
             "submitted_at": c.submitted_at.isoformat() if c.submitted_at else None}
            for c in Case.objects.filter(applicant_user_id=user_id, organization__isnull=True)
            .exclude(kind=CaseKind.BUNDLE_CHILD).order_by("-submitted_at")]


def register() -> None:
    prefill_source_register("history", HistoryPrefill())
    register_reference_checker("cases", referenced_file_ids)
    register_closure_blocker("cases", open_cases_block_closure)
    register_export_section("cases", export_cases)
