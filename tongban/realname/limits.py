"""Daily limits of the real-name routes (防刷): how many attempts one person may make in 24 hours."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tongban.realname.models import AttemptOutcome, ManualReview, VerificationAttempt, VerificationMethod

RATE_WINDOW = timedelta(days=1)
DAILY_LIMITS: dict[str, int] = {
    VerificationMethod.POPULATION: 5,
    VerificationMethod.BANKCARD: 5,
    VerificationMethod.FACE: 5,
    VerificationMethod.MANUAL_REVIEW: 3,
}


def attempts_counted_today(*, user_id: int, method: str) -> int:
    """Attempts that count against the daily limit: every answered or pending one, not provider outages.

    Manual review counts submissions (a submission is decided later, by staff).
    """
    since = timezone.now() - RATE_WINDOW
    if method == VerificationMethod.MANUAL_REVIEW:
        return ManualReview.objects.filter(user_id=user_id, created_at__gte=since).count()
    return (VerificationAttempt.objects.filter(user_id=user_id, method=method, created_at__gte=since)
            .exclude(outcome=AttemptOutcome.UNAVAILABLE).count())
