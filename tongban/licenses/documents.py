"""Sealed case documents from case events: the outbox consumer ``licenses.case_documents``.

================================  ==============================  =========================================
event                             document                        legal basis (《中华人民共和国行政许可法》)
================================  ==============================  =========================================
``case.accepted``                 受理通知书                        第三十二条第一款第（五）项
``case.supplement_requested``     补正告知书 (every item at once)   第三十二条第一款第（四）项
``case.refused``                  不予受理决定书                    第三十二条第一款
``case.decided`` (准予)            准予行政许可决定书                 第三十八条第一款
``case.instant_decided`` (准予)    准予行政许可决定书                 第三十八条第一款
================================  ==============================  =========================================

Each event makes its document once (:func:`tongban.licenses.services.documents.case_document_issue`, keyed by the
outbox event id). A department without an active seal makes the handler fail: the outbox retries it with back-off
and gives up after ``TONGBAN_OUTBOX_MAX_ATTEMPTS`` (then ``manage.py outbox_replay licenses.case_documents``
once a seal is active). The case goes on meanwhile: documents never block it.
"""

from __future__ import annotations

from collections.abc import Collection

from tongban.core.outbox import OutboxEventData, outbox_consumer
from tongban.files.references import register_reference_checker

CONSUMER = "licenses.case_documents"
TOPIC_KINDS = {
    "case.accepted": "acceptance_notice",
    "case.supplement_requested": "supplement_notice",
    "case.refused": "refusal_decision",
    "case.decided": "approval_decision",
    "case.instant_decided": "approval_decision",
}
# Only a favourable decision makes a document here (不予许可决定书 are written and uploaded by the department).
APPROVE_ONLY = frozenset({"case.decided", "case.instant_decided"})


def document_kind_for(event: OutboxEventData) -> str | None:
    """The document an event calls for, or None."""
    kind = TOPIC_KINDS.get(event.topic)
    if kind is None or (event.topic in APPROVE_ONLY and event.payload.get("outcome") != "approve"):
        return None
    return kind


def case_documents(event: OutboxEventData) -> None:
    """The consumer: make the event's document (idempotent per event)."""
    from tongban.licenses.services.documents import case_document_issue

    kind = document_kind_for(event)
    if kind is None:
        return
    case_event_id = event.payload.get("event_id")
    case_document_issue(event_id=event.id, case_id=int(event.payload["case_id"]), kind=kind,
                        case_event_id=int(case_event_id) if case_event_id is not None else None)


def referenced_file_ids(ids: Collection[int]) -> set[int]:
    """The files housekeeping must keep: every sealed document's PDF."""
    from tongban.licenses.models import CaseDocument

    return set(CaseDocument.objects.filter(file_id__in=[int(i) for i in ids]).values_list("file_id", flat=True))


def register() -> None:
    """Register the consumer and the files reference checker (idempotent; called from the app's ``ready``)."""
    outbox_consumer(name=CONSUMER, topics=sorted(TOPIC_KINDS))(case_documents)
    register_reference_checker("licenses.documents", referenced_file_ids)
