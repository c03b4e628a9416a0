from typing import Any

from django.core.management.base import BaseCommand

from tongban.core.calendar_admin import calendar_seed


class Command(BaseCommand):
    help = ("Copy the holiday schedules that the chinesecalendar package knows into the working-day calendar. "
            "Idempotent: years already in the table (seeded or maintained by administrators) are left alone.")

    def handle(self, *args: Any, **options: Any) -> None:
        added = calendar_seed()
        if added:
            self.stdout.write(f"calendar: added {len(added)} year(s): {added[0]}–{added[-1]}")
        else:
            self.stdout.write("calendar: every year the package knows is already in the table")
