"""Maintaining the working-day calendar (工作日历维护): the seed and the platform administrators' edits.

Every write is audited, replaces the calendar's version token (so every process reloads its snapshot) and drops
this process's snapshot at once. Who may edit is decided by the caller (platform administrators, checked in
:mod:`tongban.directory`); ``permitted`` carries that decision so that the refusal is audited here as well.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import NoReturn

from django.db import transaction
from django.utils.translation import gettext as _

from tongban.core.audit import SYSTEM, Actor, Target, atomic_service, audit_record, denial
from tongban.core.calendar import SATURDAY, calendar_cache_clear
from tongban.core.calendar_source import package_schedule
from tongban.core.errors import NotFound, ValidationFailed
from tongban.core.models import CalendarDay, CalendarDayKind, CalendarSource, CalendarVersion, CalendarYear

__all__ = [
    "HOLIDAY_NAMES",
    "MAX_YEAR",
    "MIN_YEAR",
    "CalendarDayKind",
    "CalendarDayRow",
    "CalendarYearView",
    "calendar_day_remove",
    "calendar_day_set",
    "calendar_seed",
    "calendar_year_publish",
    "calendar_year_view",
    "calendar_years_known",
]

MIN_YEAR, MAX_YEAR = 2000, 2100
SEED_LABEL = "chinesecalendar"
# The names the State Council's notices use (suggested on the page; any name may be entered).
HOLIDAY_NAMES = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


@dataclass(frozen=True)
class CalendarDayRow:
    date: datetime.date
    kind: str
    kind_label: str
    name: str
    source: str
    source_label: str
    reason: str
    updated_by: str
    updated_at: datetime.datetime


@dataclass(frozen=True)
class CalendarYearView:
    year: int
    published: bool
    note: str
    updated_by: str
    days: list[CalendarDayRow]

    @property
    def holidays(self) -> int:
        return sum(1 for day in self.days if day.kind == CalendarDayKind.HOLIDAY)

    @property
    def workdays(self) -> int:
        return sum(1 for day in self.days if day.kind == CalendarDayKind.WORKDAY)


def _row(day: CalendarDay) -> CalendarDayRow:
    return CalendarDayRow(date=day.date, kind=day.kind, kind_label=str(CalendarDayKind(day.kind).label),
                          name=day.name, source=day.source, source_label=str(CalendarSource(day.source).label),
                          reason=day.reason, updated_by=day.updated_by, updated_at=day.updated_at)


def calendar_year_view(*, year: int) -> CalendarYearView:
    """One year's schedule as the table holds it (read from the database, not the snapshot)."""
    row = CalendarYear.objects.filter(year=year).first()
    days = [_row(day) for day in CalendarDay.objects.filter(date__year=year).order_by("date")]
    return CalendarYearView(year=year, published=bool(row and row.published), note=row.note if row else "",
                            updated_by=row.updated_by if row else "", days=days)


def calendar_years_known() -> list[int]:
    """Years with a CalendarYear row, newest first."""
    return list(CalendarYear.objects.order_by("-year").values_list("year", flat=True))


def _changed() -> None:
    """Replace the version token and forget this process's snapshot (now and again once committed)."""
    CalendarVersion.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})
    calendar_cache_clear()
    transaction.on_commit(calendar_cache_clear)


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(_("年份应在%(min)s至%(max)s之间。") % {"min": MIN_YEAR, "max": MAX_YEAR},
                               code="calendar_year_invalid")


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_("请填写变更原因。"), code="calendar_reason_missing")
    return reason[:200]


def _refuse(action: str, actor: Actor, target: Target | None) -> NoReturn:
    raise denial(action=action, actor=actor, target=target, message=_("只有平台管理员可以维护工作日历。"))


def _day_target(day: datetime.date) -> Target:
    return Target(type="core.calendar_day", id=day.isoformat(), label=day.isoformat())


@atomic_service
def calendar_day_set(
    *, actor: Actor, permitted: bool, day: datetime.date, kind: str, name: str, reason: str,
) -> CalendarDayRow:
    """Enter or change one day: a day off (放假) or a weekend worked (调休上班). Audited ``core.calendar.day_set``.

    A year without a CalendarYear row gets an unpublished one: its days take effect once the year is published.
    """
    action = "core.calendar.day_set"
    if not permitted:
        _refuse(action, actor, _day_target(day))
    _check_year(day.year)
    reason = _reason(reason)
    name = name.strip()[:50]
    if kind not in CalendarDayKind.values:
        raise ValidationFailed(_("请选择放假或调休上班。"), code="calendar_kind_invalid")
    if not name:
        raise ValidationFailed(_("请填写节日名称，如 春节、国庆节。"), code="calendar_name_missing")
    if kind == CalendarDayKind.WORKDAY and day.weekday() < SATURDAY:
        raise ValidationFailed(_("调休上班日应为周六或周日：周一至周五本来就是工作日。"), code="calendar_workday_weekday")
    before = CalendarDay.objects.select_for_update().filter(date=day).first()
    previous = {"kind": before.kind, "name": before.name, "source": before.source} if before else None
    row, _created = CalendarDay.objects.update_or_create(date=day, defaults={
        "kind": kind, "name": name, "source": CalendarSource.ADMIN, "reason": reason, "updated_by": actor.label})
    CalendarYear.objects.get_or_create(year=day.year, defaults={"published": False, "updated_by": actor.label})
    _changed()
    audit_record(action=action, actor=actor, target=_day_target(day),
                 detail={"kind": kind, "name": name, "reason": reason, "before": previous})
    return _row(row)


@atomic_service
def calendar_day_remove(*, actor: Actor, permitted: bool, day: datetime.date, reason: str) -> None:
    """Remove one day from the table: it follows the Monday-to-Friday rule again. Audited ``core.calendar.day_remove``."""
    action = "core.calendar.day_remove"
    if not permitted:
        _refuse(action, actor, _day_target(day))
    reason = _reason(reason)
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    if row is None:
        raise NotFound(_("工作日历中没有这一天。"), code="calendar_day_not_found")
    previous = {"kind": row.kind, "name": row.name, "source": row.source}
    row.delete()
    _changed()
    audit_record(action=action, actor=actor, target=_day_target(day), detail={"reason": reason, "before": previous})


@atomic_service
def calendar_year_publish(*, actor: Actor, permitted: bool, year: int, published: bool, note: str, reason: str) -> None:
    """Mark a year's schedule as published (its days then count) or withdraw it (weekends only, provisional).

    Audited ``core.calendar.year_publish`` or ``core.calendar.year_unpublish``.
    """
    action = "core.calendar.year_publish" if published else "core.calendar.year_unpublish"
    target = Target(type="core.calendar_year", id=str(year), label=str(year))
    if not permitted:
        _refuse(action, actor, target)
    _check_year(year)
    reason = _reason(reason)
    note = note.strip()[:200]
    days = CalendarDay.objects.filter(date__year=year)
    if published and not days.filter(kind=CalendarDayKind.HOLIDAY).exists():
        raise ValidationFailed(_("%(year)s年还没有录入任何放假日期：请先录入节假日安排，再标记为已发布。") % {"year": year},
                               code="calendar_year_empty")
    row, _created = CalendarYear.objects.select_for_update().get_or_create(year=year)
    before = {"published": row.published, "note": row.note}
    row.published = published
    if note:
        row.note = note
    row.updated_by = actor.label
    row.save()
    _changed()
    audit_record(action=action, actor=actor, target=target,
                 detail={"note": row.note, "reason": reason, "before": before,
                         "days": days.count()})


@transaction.atomic
def calendar_seed(*, actor: Actor = SYSTEM) -> list[int]:
    """Copy the schedules that ``chinesecalendar`` knows into the table; returns the years added.

    Idempotent: a year that already has a CalendarYear row (seeded, entered or withdrawn by an administrator) is
    never touched, so administrators' edits survive; a day already in the table is kept.
    """
    known = set(CalendarYear.objects.values_list("year", flat=True))
    taken = set(CalendarDay.objects.values_list("date", flat=True))
    added: list[int] = []
    for year, days in package_schedule().items():
        if year in known:
            continue
        CalendarDay.objects.bulk_create([
            CalendarDay(date=day.date, kind=day.kind, name=day.name, source=CalendarSource.SEED, updated_by=SEED_LABEL)
            for day in days if day.date not in taken
        ])
        CalendarYear.objects.create(year=year, published=True, note=SEED_LABEL, updated_by=SEED_LABEL)
        added.append(year)
    if added:
        _changed()
        audit_record(action="core.calendar.seed", actor=actor, target=Target(type="core.calendar_year"),
                     detail={"years": added})
    return added
