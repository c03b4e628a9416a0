"""The calendar's seed and the audited administrator edits."""

import re
from datetime import date
from pathlib import Path

import pytest

from tongban.core.audit import Actor
from tongban.core.calendar import deadline_add, working_day_is
from tongban.core.calendar_admin import (
    calendar_day_remove,
    calendar_day_set,
    calendar_seed,
    calendar_year_publish,
    calendar_year_view,
)
from tongban.core.errors import NotFound, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent, CalendarDay, CalendarYear

pytestmark = pytest.mark.usefixtures("holiday_calendar")

ADMIN = Actor(kind="staff", id="7", label="张平台（云南省政务服务管理局）")
TONGBAN = Path(__file__).resolve().parents[2] / "tongban"


def test_the_seed_holds_2004_to_2026_with_official_names():
    assert list(CalendarYear.objects.filter(published=True).values_list("year", flat=True)) == list(range(2004, 2027))
    view = calendar_year_view(year=2025)
    days = {row.date: (row.kind, row.name, row.source) for row in view.days}
    assert days[date(2025, 1, 26)] == ("workday", "春节", "seed")
    assert days[date(2025, 2, 8)] == ("workday", "春节", "seed")
    assert days[date(2025, 10, 6)] == ("holiday", "中秋节", "seed")
    assert days[date(2025, 4, 4)][1] == "清明节"
    assert (view.holidays, view.workdays) == (28, 5)


def test_seed_is_idempotent_and_keeps_administrators_edits():
    assert calendar_seed() == []
    calendar_day_remove(actor=ADMIN, permitted=True, day=date(2026, 10, 10), reason="测试：更正")
    assert calendar_seed() == []
    assert not CalendarDay.objects.filter(date=date(2026, 10, 10)).exists()
    # A year that is gone altogether (e.g. a flushed table) comes back.
    CalendarDay.objects.filter(date__year=2026).delete()
    CalendarYear.objects.filter(year=2026).delete()
    assert calendar_seed() == [2026]
    assert CalendarDay.objects.filter(date__year=2026, source="seed").count() == 39
    assert AuditEvent.objects.filter(action="core.calendar.seed").exists()


def test_only_the_source_module_imports_chinese_calendar():
    importers = {path.relative_to(TONGBAN).as_posix() for path in TONGBAN.rglob("*.py")
                 if re.search(r"^\s*(from|import) chinese_calendar", path.read_text(encoding="utf-8"), re.M)}
    assert importers == {"core/calendar_source.py"}


def test_entering_a_day_is_audited_with_what_it_replaced():
    row = calendar_day_set(actor=ADMIN, permitted=True, day=date(2025, 10, 11), kind="holiday", name="国庆节",
                           reason="测试：改为放假")
    assert (row.kind, row.source, row.updated_by) == ("holiday", "admin", ADMIN.label)
    assert not working_day_is(date(2025, 10, 11))
    event = AuditEvent.objects.get(action="core.calendar.day_set")
    assert event.object_id == "2025-10-11" and event.actor_label == ADMIN.label
    assert event.detail["before"] == {"kind": "workday", "name": "国庆节", "source": "seed"}
    assert event.detail["reason"] == "测试：改为放假"


def test_removing_a_day_is_audited_and_the_day_follows_the_weekday_rule_again():
    calendar_day_remove(actor=ADMIN, permitted=True, day=date(2025, 2, 8), reason="测试：删除")
    assert not working_day_is(date(2025, 2, 8))  # a plain Saturday again
    event = AuditEvent.objects.get(action="core.calendar.day_remove")
    assert event.detail["before"]["kind"] == "workday"
    with pytest.raises(NotFound):
        calendar_day_remove(actor=ADMIN, permitted=True, day=date(2025, 2, 8), reason="再删一次")


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"day": date(2025, 3, 3), "kind": "workday", "name": "春节"}, "calendar_workday_weekday"),
    ({"day": date(2025, 3, 8), "kind": "weekend", "name": "春节"}, "calendar_kind_invalid"),
    ({"day": date(2025, 3, 8), "kind": "holiday", "name": "  "}, "calendar_name_missing"),
    ({"day": date(1999, 3, 8), "kind": "holiday", "name": "春节"}, "calendar_year_invalid"),
])
def test_invalid_days_are_refused_and_change_nothing(kwargs, code):
    with pytest.raises(ValidationFailed) as caught:
        calendar_day_set(actor=ADMIN, permitted=True, reason="测试", **kwargs)
    assert caught.value.code == code
    assert not CalendarDay.objects.filter(date=kwargs["day"]).exists()


def test_a_change_needs_a_reason():
    with pytest.raises(ValidationFailed) as caught:
        calendar_day_set(actor=ADMIN, permitted=True, day=date(2027, 1, 1), kind="holiday", name="元旦", reason=" ")
    assert caught.value.code == "calendar_reason_missing"


def test_refusals_are_audited_and_change_nothing():
    clerk = Actor(kind="staff", id="9", label="窗口人员")
    with pytest.raises(NotPermitted):
        calendar_day_set(actor=clerk, permitted=False, day=date(2025, 10, 11), kind="holiday", name="国庆节",
                         reason="越权")
    with pytest.raises(NotPermitted):
        calendar_year_publish(actor=clerk, permitted=False, year=2025, published=False, note="", reason="越权")
    assert working_day_is(date(2025, 10, 11))
    assert CalendarYear.objects.get(year=2025).published
    assert set(AuditEvent.objects.filter(outcome="denied").values_list("action", flat=True)) == {
        "core.calendar.day_set", "core.calendar.year_unpublish"}


def test_publishing_needs_entered_holidays_and_withdrawing_makes_deadlines_provisional():
    with pytest.raises(ValidationFailed) as caught:
        calendar_year_publish(actor=ADMIN, permitted=True, year=2027, published=True, note="", reason="测试")
    assert caught.value.code == "calendar_year_empty"
    calendar_year_publish(actor=ADMIN, permitted=True, year=2026, published=False, note="", reason="测试撤回")
    assert deadline_add(start=date(2026, 9, 30), working_days=3).provisional
    assert deadline_add(start=date(2026, 9, 30), working_days=3).due == date(2026, 10, 5)  # weekends only
    event = AuditEvent.objects.get(action="core.calendar.year_unpublish")
    assert event.detail["before"] == {"published": True, "note": "chinesecalendar"}
