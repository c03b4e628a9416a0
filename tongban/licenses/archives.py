"""Archive packages when a case ends: the outbox consumer ``licenses.case_archive``.

A case ends (终结) when it is delivered (送达), refused (不予受理), withdrawn (撤回) or voided (作废): each of these
events makes the case's package (:func:`tongban.licenses.services.archives.archive_build`) once. A case voided
after it was refused keeps the package made at the refusal (the void is in the audit log). The package waits for
the case's sealed documents (the outbox retries while they are being made, for at most a day). The files
housekeeping keeps every file of a package (purpose ``licenses.archive``).
"""

from __future__ import annotations

from collections.abc import Collection

from tongban.core.outbox import OutboxEventData, outbox_consumer
from tongban.files.references import register_reference_checker

CONSUMER = "licenses.case_archive"
TOPICS = ("case.delivered", "case.refused", "case.voided", "case.withdrawn")


def case_archive(event: OutboxEventData) -> None:
    """The consumer: make the package of the case that ended (idempotent per case)."""
    from tongban.licenses.services.archives import archive_build

    archive_build(case_id=int(event.payload["case_id"]), waiting_since=event.created_at)


def referenced_file_ids(ids: Collection[int]) -> set[int]:
    """The files housekeeping must keep: every file stored for an archive package."""
    from tongban.files.services import file_ids_with_purpose
    from tongban.licenses.services.archives import ARCHIVE_FILE_PURPOSE

    return file_ids_with_purpose(file_ids=ids, purpose=ARCHIVE_FILE_PURPOSE)


def register() -> None:
    """Register the consumer and the files reference checker (idempotent; called from the app's ``ready``)."""
    outbox_consumer(name=CONSUMER, topics=TOPICS)(case_archive)
    register_reference_checker("licenses.archives", referenced_file_ids)
