"""What real-name verification adds to “导出我的数据” (registered into the identity app's hooks in ``ready``)."""

from __future__ import annotations

from typing import Any

from tongban.identity.interface import register_export_section
from tongban.realname.models import CorrectionRequest, ManualReview, VerificationAttempt


def realname_export(user_id: int) -> dict[str, Any]:
    """The person's verification attempts, manual reviews and correction requests (the photos stay in storage;
    the export names which were submitted)."""
    def iso(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "attempts": [
            {"method": a.method, "provider": a.provider, "outcome": a.outcome, "level_granted": a.level_granted,
             "time": iso(a.created_at)}
            for a in VerificationAttempt.objects.filter(user_id=user_id).order_by("-created_at")],
        "manual_reviews": [
            {"name": r.name, "id_number": r.id_number, "status": r.status, "reject_reason": r.reject_reason,
             "submitted_at": iso(r.created_at), "reviewed_at": iso(r.reviewed_at),
             "photos": ["id_front", "id_back", "handheld"]}
            for r in ManualReview.objects.filter(user_id=user_id).order_by("-created_at")],
        "correction_requests": [
            {"name": c.name, "id_number": c.id_number, "reason": c.reason, "status": c.status,
             "reject_reason": c.reject_reason, "submitted_at": iso(c.created_at), "reviewed_at": iso(c.reviewed_at)}
            for c in CorrectionRequest.objects.filter(user_id=user_id).order_by("-created_at")],
    }


def register() -> None:
    register_export_section("realname", realname_export)
