"""工作日历维护 in the workbench: platform administrators keep the holidays and make-up working days of each year
and mark a year's schedule as published. The page validates input and calls :mod:`tongban.core.calendar_admin`,
which audits every change; a refused visit is audited here."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tongban.core.calendar import calendar_today
from tongban.core.calendar_admin import (
    HOLIDAY_NAMES,
    MAX_YEAR,
    MIN_YEAR,
    calendar_day_remove,
    calendar_day_set,
    calendar_year_publish,
    calendar_year_view,
    calendar_years_known,
)
from tongban.core.errors import DomainError, NotPermitted
from tongban.directory import services as directory_services
from tongban.directory.selectors import StaffContext, staff_audit_actor, staff_context_for_user
from tongban.web.calendar_forms import CalendarDayForm, CalendarDayRemoveForm, CalendarYearForm

STAFF_LOGIN = "web:staff_login"
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
ACTIONS = {"day_set", "day_remove", "year_publish", "year_unpublish"}


def _is_platform_admin(staff: StaffContext) -> bool:
    return staff.is_platform_admin


def may_manage_calendar(user: Any) -> bool:
    """Only platform administrators (平台管理员, platform-wide scope) maintain the working-day calendar."""
    staff = staff_context_for_user(user)
    return staff is not None and _is_platform_admin(staff)


def _administrator(request: HttpRequest, action: str) -> StaffContext:
    """The platform administrator; anyone else is refused with 403 and an audit record (``denied``)."""
    try:
        return directory_services.staff_authorize(user=request.user, action=action, permitted=_is_platform_admin,
                                                  message=_("只有平台管理员可以维护工作日历。"))
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None


def _year(raw: str | None, default: int) -> int:
    if raw and raw.isascii() and raw.isdigit() and MIN_YEAR <= int(raw) <= MAX_YEAR:
        return int(raw)
    return default


def _page(year: int) -> str:
    return f"{reverse('web:wb_calendar')}?year={year}"


@never_cache
@login_required(login_url=STAFF_LOGIN)
@require_http_methods(["GET", "POST"])
def calendar(request: HttpRequest) -> HttpResponse:
    """One year of the calendar: its days, a form to enter a day, and the year's publication."""
    action = request.POST.get("action", "") if request.method == "POST" else ""
    staff = _administrator(request, f"core.calendar.{action}" if action in ACTIONS else "core.calendar.view")
    year = _year(request.POST.get("year") or request.GET.get("year"), calendar_today().year)
    day_form = CalendarDayForm(request.POST if action == "day_set" else None)
    remove_form = CalendarDayRemoveForm(request.POST if action == "day_remove" else None)
    year_form = CalendarYearForm(request.POST if action in {"year_publish", "year_unpublish"} else None,
                                 initial={"year": year})
    if request.method == "POST":
        done = _apply(request, staff, action, day_form, remove_form, year_form)
        if done is not None:
            messages.success(request, done[0])
            return redirect(_page(done[1]))
    view = calendar_year_view(year=year)
    known = calendar_years_known()
    return render(request, "web/workbench/calendar.html", {
        "staff": staff, "view": view, "year": year, "previous": year - 1 if year > MIN_YEAR else None,
        "next": year + 1 if year < MAX_YEAR else None, "known": known,
        "rows": [(day, WEEKDAYS[day.date.weekday()]) for day in view.days],
        "day_form": day_form, "remove_form": remove_form, "year_form": year_form, "holiday_names": HOLIDAY_NAMES,
        "action": action})


def _apply(request: HttpRequest, staff: StaffContext, action: str, day_form: CalendarDayForm,
           remove_form: CalendarDayRemoveForm, year_form: CalendarYearForm) -> tuple[str, int] | None:
    """Carry out a posted change; returns the success message and the year to show, or None after an error."""
    actor = staff_audit_actor(staff)
    permitted = _is_platform_admin(staff)
    try:
        if action == "day_set" and day_form.is_valid():
            data = day_form.cleaned_data
            day: datetime.date = data["date"]
            row = calendar_day_set(actor=actor, permitted=permitted, day=day, kind=data["kind"], name=data["name"],
                                   reason=data["reason"])
            return _("已保存 %(d)s（%(k)s · %(n)s），变更已记入审计日志。") % {
                "d": day.isoformat(), "k": row.kind_label, "n": row.name}, day.year
        if action == "day_remove" and remove_form.is_valid():
            day = remove_form.cleaned_data["date"]
            calendar_day_remove(actor=actor, permitted=permitted, day=day, reason=remove_form.cleaned_data["reason"])
            return _("已从工作日历删除 %(d)s，这一天恢复按周一至周五计算。") % {"d": day.isoformat()}, day.year
        if action in {"year_publish", "year_unpublish"} and year_form.is_valid():
            year = year_form.cleaned_data["year"]
            publish = action == "year_publish"
            calendar_year_publish(actor=actor, permitted=permitted, year=year, published=publish,
                                  note=year_form.cleaned_data["note"], reason=year_form.cleaned_data["reason"])
            if publish:
                return _("%(y)s年的节假日安排已标记为已发布，期限计算即时采用。") % {"y": year}, year
            return _("%(y)s年的节假日安排已撤回：该年期限只按周末计算并标记为暂定。") % {"y": year}, year
        if action not in ACTIONS:
            messages.error(request, _("无法识别的操作。"))
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
    return None
