"""Working days and deadlines over the real 2024–2026 schedules seeded from chinesecalendar."""

import datetime
import uuid
from datetime import date

import pytest
from django.utils import timezone

from tongban.core import calendar as calendar_module
from tongban.core.audit import Actor
from tongban.core.calendar import (
    Deadline,
    deadline_add,
    due_status,
    working_day_is,
    working_days_between,
    year_published,
)
from tongban.core.calendar_admin import calendar_day_set, calendar_year_publish
from tongban.core.models import CalendarDay, CalendarVersion

pytestmark = pytest.mark.usefixtures("holiday_calendar")

ADMIN = Actor(kind="staff", id="1", label="测试管理员")


@pytest.mark.parametrize(("day", "working"), [
    (date(2025, 1, 26), True),  # Sunday, 调休上班 before the Spring Festival
    (date(2025, 1, 28), False),  # 除夕, Tuesday
    (date(2025, 2, 4), False),  # last day of the Spring Festival break
    (date(2025, 2, 8), True),  # Saturday, 调休上班
    (date(2025, 2, 9), False),  # plain Sunday
    (date(2025, 9, 28), True),  # Sunday, 调休上班 before National Day
    (date(2025, 10, 6), False),  # 中秋节 inside the National Day break
    (date(2025, 10, 8), False),
    (date(2025, 10, 9), True),
    (date(2025, 10, 11), True),  # Saturday, 调休上班
    (date(2024, 2, 18), True),  # Sunday, 调休上班 after the 2024 Spring Festival
    (date(2026, 2, 14), True),  # Saturday, 调休上班 before the 2026 Spring Festival
    (date(2026, 2, 23), False),
    (date(2027, 1, 1), True),  # 2027 is not published: Friday counts as a working day (weekends only)
    (date(2027, 1, 2), False),
])
def test_working_day_follows_the_published_schedule(day, working):
    assert working_day_is(day) is working


@pytest.mark.parametrize(("start", "days", "due"), [
    # Spring Festival 2025: off 01-28..02-04, worked Sunday 01-26 and Saturday 02-08.
    (date(2025, 1, 24), 1, date(2025, 1, 26)),  # Friday + 1 → the make-up Sunday
    (date(2025, 1, 24), 3, date(2025, 2, 5)),  # 01-26, 01-27, then the break, 02-05
    (date(2025, 1, 27), 5, date(2025, 2, 10)),  # 02-05, 02-06, 02-07, Saturday 02-08, Monday 02-10
    (date(2025, 1, 27), 20, date(2025, 3, 3)),  # §42: twenty working days of a decision
    # National Day 2025: off 10-01..10-08, worked Sunday 09-28 and Saturday 10-11.
    (date(2025, 9, 26), 1, date(2025, 9, 28)),
    (date(2025, 9, 30), 1, date(2025, 10, 9)),
    (date(2025, 9, 30), 3, date(2025, 10, 11)),  # 10-09, 10-10, Saturday 10-11
    (date(2025, 9, 30), 4, date(2025, 10, 13)),
    # Spring Festival 2024: off 02-10..02-17, worked Sunday 02-18.
    (date(2024, 2, 8), 2, date(2024, 2, 18)),
    # Spring Festival 2026: off 02-15..02-23, worked Saturdays 02-14 and 02-28.
    (date(2026, 2, 13), 1, date(2026, 2, 14)),
    (date(2026, 2, 14), 5, date(2026, 2, 28)),  # 02-24..02-27, Saturday 02-28
    # National Day 2026: off 10-01..10-07, worked Sunday 09-20 and Saturday 10-10.
    (date(2026, 9, 30), 3, date(2026, 10, 10)),
    # The day of the act is never counted, even when it is a working day.
    (date(2025, 3, 3), 1, date(2025, 3, 4)),
])
def test_deadline_add_across_holidays_and_make_up_days(start, days, due):
    assert deadline_add(start=start, working_days=days) == Deadline(due=due, provisional=False)


def test_zero_working_days_is_the_start_or_the_next_working_day():
    assert deadline_add(start=date(2025, 3, 3), working_days=0).due == date(2025, 3, 3)
    assert deadline_add(start=date(2025, 1, 26), working_days=0).due == date(2025, 1, 26)  # make-up Sunday
    assert deadline_add(start=date(2025, 2, 1), working_days=0).due == date(2025, 2, 5)  # in the break
    assert deadline_add(start=date(2025, 10, 4), working_days=0).due == date(2025, 10, 9)


def test_negative_working_days_are_a_programming_error():
    with pytest.raises(ValueError, match="negative"):
        deadline_add(start=date(2025, 3, 3), working_days=-1)


def test_datetimes_count_in_beijing_time():
    # 2025-09-25 17:30 UTC is Friday 2025-09-26 01:30 in Beijing: one working day later is the make-up Sunday.
    late_utc = datetime.datetime(2025, 9, 25, 17, 30, tzinfo=datetime.UTC)
    assert deadline_add(start=late_utc, working_days=1).due == date(2025, 9, 28)
    # A naive datetime is taken as Beijing time.
    assert deadline_add(start=datetime.datetime(2025, 9, 25, 23, 0), working_days=1).due == date(2025, 9, 26)


def test_a_deadline_in_an_unpublished_year_counts_weekends_only_and_is_provisional():
    assert not year_published(2027)
    assert deadline_add(start=date(2027, 3, 1), working_days=5) == Deadline(due=date(2027, 3, 8), provisional=True)
    # 2027-02-06 is a Saturday: with no schedule it is never a working day, whatever 2027's 调休 will be.
    assert deadline_add(start=date(2027, 2, 5), working_days=1) == Deadline(due=date(2027, 2, 8), provisional=True)


def test_a_deadline_crossing_from_2026_into_2027_is_provisional():
    # 2026-12-31 Thursday, then 2027-01-01 (a Friday: a holiday in every year, but 2027 is not published) and Monday.
    assert deadline_add(start=date(2026, 12, 30), working_days=3) == Deadline(due=date(2027, 1, 4), provisional=True)
    assert deadline_add(start=date(2026, 12, 1), working_days=5).provisional is False
    # Ending on the last day of 2026 stays final.
    assert deadline_add(start=date(2026, 12, 30), working_days=1) == Deadline(due=date(2026, 12, 31), provisional=False)


def test_publishing_2027_makes_its_deadlines_final_and_applies_its_days():
    calendar_day_set(actor=ADMIN, permitted=True, day=date(2027, 1, 1), kind="holiday", name="元旦",
                     reason="国办发明电〔2026〕样例")
    # Entered but not published: still weekends only.
    assert deadline_add(start=date(2026, 12, 30), working_days=3) == Deadline(due=date(2027, 1, 4), provisional=True)
    calendar_year_publish(actor=ADMIN, permitted=True, year=2027, published=True, note="国办发明电〔2026〕样例",
                          reason="国务院办公厅已发布2027年安排")
    assert deadline_add(start=date(2026, 12, 30), working_days=3) == Deadline(due=date(2027, 1, 5), provisional=False)


def test_working_days_between():
    assert working_days_between(start=date(2025, 1, 27), end=date(2025, 3, 3)) == 20
    assert working_days_between(start=date(2025, 9, 30), end=date(2025, 10, 11)) == 3
    assert working_days_between(start=date(2025, 9, 26), end=date(2025, 9, 28)) == 1
    assert working_days_between(start=date(2025, 10, 1), end=date(2025, 10, 8)) == 0
    assert working_days_between(start=date(2025, 3, 4), end=date(2025, 3, 4)) == 0
    assert working_days_between(start=date(2025, 3, 5), end=date(2025, 3, 4)) == 0


@pytest.mark.parametrize(("today", "due", "colour"), [
    (date(2025, 3, 4), date(2025, 3, 3), "red"),  # overdue from the day after the due day
    (date(2025, 3, 3), date(2025, 3, 3), "yellow"),  # due today
    (date(2025, 2, 27), date(2025, 3, 3), "yellow"),  # Friday 02-28, Monday 03-03: two working days
    (date(2025, 2, 26), date(2025, 3, 3), "green"),  # three working days away
    (date(2025, 9, 30), date(2025, 10, 10), "yellow"),  # the National Day break does not count
    (date(2025, 9, 26), date(2025, 10, 9), "green"),  # Sunday 09-28 and 09-29, 09-30 are working days
])
def test_due_status_colours(today, due, colour):
    assert due_status(due=due, today=today) == colour


def test_due_status_warning_period_is_configurable(settings):
    settings.DUE_WARN_WORKING_DAYS = 5
    assert due_status(due=date(2025, 3, 3), today=date(2025, 2, 24)) == "yellow"
    assert due_status(due=date(2025, 3, 3), today=date(2025, 2, 24), warn_days=0) == "green"
    assert due_status(due=date(2025, 3, 3), today=date(2025, 3, 3), warn_days=0) == "yellow"


def test_due_status_defaults_to_today_in_beijing(monkeypatch):
    # 2025-03-03 16:30 UTC is already 2025-03-04 in Beijing: a case due 03-03 is overdue.
    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2025, 3, 3, 16, 30, tzinfo=datetime.UTC))
    assert due_status(due=date(2025, 3, 3)) == "red"
    assert due_status(due=date(2025, 3, 4)) == "yellow"


def test_a_warm_deadline_runs_no_query(django_assert_num_queries):
    deadline_add(start=date(2025, 1, 27), working_days=1)  # loads the snapshot
    with django_assert_num_queries(0):
        assert deadline_add(start=date(2025, 1, 27), working_days=20).due == date(2025, 3, 3)
        assert due_status(due=date(2025, 3, 3), today=date(2025, 2, 27)) == "yellow"
        assert working_days_between(start=date(2025, 1, 27), end=date(2025, 3, 3)) == 20


def test_a_change_in_this_process_applies_at_once():
    assert deadline_add(start=date(2025, 3, 3), working_days=1).due == date(2025, 3, 4)  # warm
    calendar_day_set(actor=ADMIN, permitted=True, day=date(2025, 3, 4), kind="holiday", name="测试假日",
                     reason="测试缓存失效")
    assert deadline_add(start=date(2025, 3, 3), working_days=1).due == date(2025, 3, 5)


def test_another_process_change_is_seen_after_the_recheck_period(monkeypatch, django_assert_num_queries):
    clock = [1000.0]
    monkeypatch.setattr(calendar_module.time, "monotonic", lambda: clock[0])
    assert working_day_is(date(2025, 3, 4))  # warm
    # Another process enters a day and replaces the version token.
    CalendarDay.objects.create(date=date(2025, 3, 4), kind="holiday", name="另一进程", source="admin")
    CalendarVersion.objects.filter(pk=1).update(token=uuid.uuid4().hex)
    clock[0] += calendar_module.RECHECK_SECONDS / 2
    with django_assert_num_queries(0):
        assert working_day_is(date(2025, 3, 4))  # still trusted
    clock[0] += calendar_module.RECHECK_SECONDS
    assert not working_day_is(date(2025, 3, 4))
    # Unchanged token: one small query to compare it, no reload.
    clock[0] += calendar_module.RECHECK_SECONDS + 1
    with django_assert_num_queries(1):
        assert not working_day_is(date(2025, 3, 4))
