"""Reads of the sealed case documents (办件文书) for the case pages."""

from __future__ import annotations

from collections.abc import Sequence

from tongban.licenses.archive_records import CaseDocumentRow, case_document_row
from tongban.licenses.models import CaseDocument

__all__ = ["case_document_list_for_cases"]


def case_document_list_for_cases(*, case_ids: Sequence[int]) -> list[CaseDocumentRow]:
    """The sealed documents of these cases, oldest first. No permission check: the caller lists them on a case
    page it has opened through the case engine's checks (the case, and a 一件事's children)."""
    rows = (CaseDocument.objects.select_related("seal").filter(case_id__in=[int(c) for c in case_ids])
            .order_by("created_at", "pk"))
    return [case_document_row(doc) for doc in rows]
