"""Mark overdue cases now (the worker also runs this every 15 minutes: tongban.cases.tasks)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tongban.cases.services import case_overdue_mark_all


class Command(BaseCommand):
    help = "Mark cases whose running clock is past its due date as overdue (超期) and notify their handlers."

    def handle(self, *args: Any, **options: Any) -> None:
        count = case_overdue_mark_all()
        self.stdout.write(f"新标记的超期办件：{count} 件")
