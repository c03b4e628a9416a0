"""Delete stored files that nothing refers to any more (run daily, e.g. cron). Safe to run repeatedly.

Only files older than ``--days`` go, and only those that no app's reference checker claims; with no checker
registered (no app keeps file ids yet) the command deletes nothing and fails.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.files.services import file_delete_unreferenced


class Command(BaseCommand):
    help = "Delete uploaded files older than --days (default 30) that no case or draft refers to."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=30, help="Keep every file younger than this many days.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 1:
            raise CommandError("--days must be at least 1")
        try:
            count = file_delete_unreferenced(older_than=timedelta(days=options["days"]))
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已删除无引用的材料文件：{count} 个（上传超过{options['days']}天）")
