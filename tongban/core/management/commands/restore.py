"""``manage.py restore --input DIR [--database-url URL] [--force]``: restore a backup and verify it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongban.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = ("Restore a backup made by `manage.py backup` into an empty database (the configured one, or "
            "--database-url) and the configured storages, then verify row counts, the audit chain and every stored "
            "object against the backup's manifest; exits non-zero on any mismatch.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", type=Path, required=True, help="The backup directory.")
        parser.add_argument("--database-url", default=None,
                            help="Restore into this database instead of DATABASE_URL (e.g. a fresh one for a drill).")
        parser.add_argument("--force", action="store_true",
                            help="Restore even when the target database has tables (they are replaced) and overwrite "
                                 "stored objects that differ.")
        parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1),
                            help="Parallel pg_restore jobs (default: CPUs, at most 4).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = backup_restore(source=options["input"], database_url=options["database_url"],
                                    force=options["force"], jobs=options["jobs"], echo=self.stdout.write)
        except BackupError as error:
            raise CommandError(error.message) from None
        for note in report.notes:
            self.stdout.write(f"注意：{note}")
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"不一致：{problem}")
            raise CommandError(f"恢复校验失败：{len(report.problems)} 处与备份清单不一致（见上）。")
        self.stdout.write(f"恢复并核对完成：与备份清单完全一致，用时 {report.seconds:.1f} 秒。")
