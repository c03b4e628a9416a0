"""Seed the working-day calendar from the chinesecalendar package (2004–2026 for version 1.11.0).

Idempotent like ``manage.py calendar_seed``: a year that already has a CalendarYear row is left alone.
"""

import uuid

from django.db import migrations


def seed(apps, schema_editor):
    from tongban.core.calendar_source import package_schedule

    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    CalendarVersion = apps.get_model("core", "CalendarVersion")
    known = set(CalendarYear.objects.values_list("year", flat=True))
    taken = set(CalendarDay.objects.values_list("date", flat=True))
    for year, days in package_schedule().items():
        if year in known:
            continue
        CalendarDay.objects.bulk_create([
            CalendarDay(date=day.date, kind=day.kind, name=day.name, source="seed", updated_by="chinesecalendar")
            for day in days if day.date not in taken
        ])
        CalendarYear.objects.create(year=year, published=True, note="chinesecalendar", updated_by="chinesecalendar")
    CalendarVersion.objects.update_or_create(pk=1, defaults={"token": uuid.uuid4().hex})


def unseed(apps, schema_editor):
    apps.get_model("core", "CalendarDay").objects.filter(source="seed").delete()
    apps.get_model("core", "CalendarYear").objects.filter(note="chinesecalendar").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0004_calendar"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
