"""Working days and deadlines (工作日历与期限计算).

A day is a working day (工作日) when it is Monday to Friday and not a holiday, or when it is a make-up working day
(调休上班). Holidays and make-up days come from the calendar table (:mod:`tongban.core.models.calendar`), seeded
from ``chinesecalendar`` and maintained by platform administrators; only years marked published in
``CalendarYear`` use it. Any other year is computed from weekends alone, and a deadline that reaches into such a
year is flagged ``provisional`` — never guessed silently (``docs/calendar.md``).

Periods are counted as the Administrative Licensing Law counts them (行政许可法 §82): the day of the act is not
counted, the period begins the next day, and only working days count.

The table is read once per process into an immutable snapshot. A change made in this process drops the snapshot
at once; other processes compare the version token at most every :data:`RECHECK_SECONDS`, so a warm
:func:`deadline_add` costs no query.
"""

from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from tongban.core.models import CalendarDay, CalendarDayKind, CalendarVersion, CalendarYear

__all__ = [
    "RECHECK_SECONDS",
    "SHANGHAI",
    "Deadline",
    "DueStatus",
    "calendar_cache_clear",
    "calendar_today",
    "deadline_add",
    "due_status",
    "working_day_is",
    "working_days_between",
    "year_published",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")
# How long a process trusts its snapshot before it compares the version token again (one small query).
RECHECK_SECONDS = 30.0
SATURDAY = 5


@dataclass(frozen=True)
class Deadline:
    due: datetime.date  # the last day (inclusive) on which the act is still in time
    provisional: bool  # True when any year crossed has no published holiday schedule (weekends only)


class DueStatus(StrEnum):
    GREEN = "green"  # in time
    YELLOW = "yellow"  # due within the warning period (临近到期)
    RED = "red"  # overdue (已超期)


@dataclass(frozen=True)
class _Snapshot:
    token: str
    holidays: frozenset[datetime.date]  # of published years only
    workdays: frozenset[datetime.date]
    published: frozenset[int]
    checked_at: float


_snapshot: _Snapshot | None = None
_lock = threading.Lock()


def _version_token() -> str:
    return CalendarVersion.objects.filter(pk=1).values_list("token", flat=True).first() or ""


def _load(token: str) -> _Snapshot:
    published = frozenset(CalendarYear.objects.filter(published=True).values_list("year", flat=True))
    holidays: set[datetime.date] = set()
    workdays: set[datetime.date] = set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        if day.year in published:
            (workdays if kind == CalendarDayKind.WORKDAY else holidays).add(day)
    return _Snapshot(token=token, holidays=frozenset(holidays), workdays=frozenset(workdays), published=published,
                     checked_at=time.monotonic())


def _table() -> _Snapshot:
    global _snapshot
    snapshot = _snapshot
    now = time.monotonic()
    if snapshot is not None and now - snapshot.checked_at < RECHECK_SECONDS:
        return snapshot
    with _lock:
        token = _version_token()
        if snapshot is not None and snapshot.token == token:
            snapshot = _Snapshot(token=token, holidays=snapshot.holidays, workdays=snapshot.workdays,
                                 published=snapshot.published, checked_at=now)
        else:
            snapshot = _load(token)
        _snapshot = snapshot
    return snapshot


def calendar_cache_clear() -> None:
    """Forget this process's snapshot (after a change, and between tests)."""
    global _snapshot
    _snapshot = None


def _is_working(table: _Snapshot, day: datetime.date) -> bool:
    if day in table.workdays:
        return True
    if day in table.holidays:
        return False
    return day.weekday() < SATURDAY


def working_day_is(day: datetime.date) -> bool:
    """Whether ``day`` is a working day (工作日). Days of unpublished years: Monday to Friday."""
    return _is_working(_table(), _as_date(day))


def year_published(year: int) -> bool:
    """Whether ``year`` has a published holiday schedule in the table."""
    return year in _table().published


def _as_date(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            return value.astimezone(SHANGHAI).date()
        return value.date()  # a naive datetime is taken as Beijing time
    return value


def calendar_today() -> datetime.date:
    """Today in Beijing time (the date every period is counted in)."""
    return timezone.now().astimezone(SHANGHAI).date()


def deadline_add(*, start: datetime.date | datetime.datetime, working_days: int) -> Deadline:
    """The last day of a period of ``working_days`` working days that starts after ``start``.

    The start day itself is not counted: 受理 on Monday with 1 working day is due Tuesday. With 0 the due day is
    the start day when it is a working day, else the next working day. An aware datetime is converted to Beijing
    time first; a naive one is taken as Beijing time.
    """
    if working_days < 0:
        raise ValueError("working_days must not be negative")
    table = _table()
    day = _as_date(start)
    first_year = day.year if working_days == 0 else (day + datetime.timedelta(days=1)).year
    if working_days == 0:
        while not _is_working(table, day):
            day += datetime.timedelta(days=1)
    else:
        remaining = working_days
        while remaining:
            day += datetime.timedelta(days=1)
            if _is_working(table, day):
                remaining -= 1
    provisional = any(year not in table.published for year in range(first_year, day.year + 1))
    return Deadline(due=day, provisional=provisional)


def working_days_between(*, start: datetime.date, end: datetime.date) -> int:
    """The working days after ``start`` up to and including ``end`` (0 when ``end`` is not after ``start``)."""
    table = _table()
    first, last = _as_date(start), _as_date(end)
    count = 0
    day = first + datetime.timedelta(days=1)
    while day <= last:
        if _is_working(table, day):
            count += 1
        day += datetime.timedelta(days=1)
    return count


def due_status(*, due: datetime.date, today: datetime.date | None = None, warn_days: int | None = None) -> str:
    """``red`` when ``today`` is after ``due``; ``yellow`` when ``due`` is at most ``warn_days`` working days away
    (default ``TONGBAN_DUE_WARN_WORKING_DAYS``); ``green`` otherwise."""
    today = _as_date(today) if today is not None else calendar_today()
    due = _as_date(due)
    if today > due:
        return DueStatus.RED
    warn = settings.DUE_WARN_WORKING_DAYS if warn_days is None else warn_days
    if due <= deadline_add(start=today, working_days=max(int(warn), 0)).due:
        return DueStatus.YELLOW
    return DueStatus.GREEN
