"""The holiday schedules that the ``chinesecalendar`` package knows, as plain data.

The only module that imports ``chinese_calendar``: the seed (migration ``core.0005`` and ``manage.py
calendar_seed``) copies these schedules into the calendar table, and everything else reads the table.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

HOLIDAY, WORKDAY = "holiday", "workday"  # CalendarDayKind values; this module imports no models (migrations use it)


# The package's short names, as the State Council's notices write them.
OFFICIAL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


@dataclass(frozen=True)
class SeedDay:
    date: datetime.date
    kind: str
    name: str


def package_schedule() -> dict[int, list[SeedDay]]:
    """Every year the package covers (2004–2026 for chinesecalendar 1.11.0), with its holidays and make-up days."""
    from chinese_calendar import constants  # imported only when seeding

    def chinese(name: str) -> str:
        try:
            label = str(constants.Holiday(name).chinese)
        except ValueError:
            label = name
        return OFFICIAL_NAMES.get(label, label)[:50]

    years: dict[int, list[SeedDay]] = {}
    for kind, table in ((HOLIDAY, constants.holidays), (WORKDAY, constants.workdays)):
        for day, name in table.items():
            years.setdefault(day.year, []).append(SeedDay(date=day, kind=kind, name=chinese(name)))
    covered = range(min(years), max(years) + 1)
    return {year: sorted(years.get(year, []), key=lambda seed: seed.date) for year in covered}
