"""Time limits of a case (办件时限), in working days of :mod:`tongban.core.calendar` (ADR 0015).

* Acceptance (受理) is due ``ACCEPTANCE_WORKING_DAYS[mode]`` working days after submission (or after the
  resubmission that answers a supplement request made before acceptance).
* The decision (办结) is due the promised limit after acceptance, plus every working day the clock was stopped
  (补齐补正 during review, 特别程序) plus the one extension (延期, at most :data:`EXTENSION_MAX_WORKING_DAYS`).
* A due date in a year without a published holiday schedule is *provisional*; the flag travels with the date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from tongban.cases.models.codes import ACCEPTANCE_WORKING_DAYS
from tongban.core.calendar import Deadline, deadline_add, due_status, working_days_between

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 《行政许可法》第四十二条: 20 days, extendable once by 10 with the approval of the head of the authority.
EXTENSION_MAX_WORKING_DAYS = 10
NATURAL_DAY = "natural_day"

__all__ = [
    "EXTENSION_MAX_WORKING_DAYS", "SHANGHAI", "Deadline", "acceptance_deadline", "decision_deadline", "due_colour",
    "local_date", "stopped_working_days", "today",
]


def local_date(moment: datetime | date) -> date:
    """The calendar day of ``moment`` in Asia/Shanghai (dates pass through)."""
    if isinstance(moment, datetime):
        if timezone.is_naive(moment):
            return moment.date()
        return moment.astimezone(SHANGHAI).date()
    return moment


def today() -> date:
    return local_date(timezone.now())


def acceptance_deadline(*, mode: str, start: datetime) -> Deadline:
    """When the acceptance opinion is due for a case submitted (or resubmitted) at ``start``."""
    return deadline_add(start=start, working_days=ACCEPTANCE_WORKING_DAYS[mode])


def decision_deadline(
    *, accepted_at: datetime, promised_value: int, promised_unit: str, extra_working_days: int = 0,
) -> Deadline:
    """When the decision is due: the promised limit from acceptance plus ``extra_working_days`` (clock stops and
    the extension). A promise in natural days (自然日) counts calendar days, the extra days stay working days."""
    if promised_unit == NATURAL_DAY:
        base = local_date(accepted_at) + timedelta(days=promised_value)
        if not extra_working_days:
            return Deadline(due=base, provisional=False)
        return deadline_add(start=base, working_days=extra_working_days)
    return deadline_add(start=accepted_at, working_days=promised_value + extra_working_days)


def stopped_working_days(*, since: datetime, until: datetime) -> int:
    """Working days the clock stood still between ``since`` and ``until`` (the day it stopped not counted)."""
    start, end = local_date(since), local_date(until)
    if end <= start:
        return 0
    return working_days_between(start=start, end=end)


def due_colour(*, due: date | None, on: date | None = None) -> str:
    """green / yellow / red for a running clock (see :func:`tongban.core.calendar.due_status`); "" without one."""
    if due is None:
        return ""
    return str(due_status(due=due, today=on))
