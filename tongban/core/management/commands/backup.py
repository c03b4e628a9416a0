"""``manage.py backup [--output DIR]``: the database, every stored object and a manifest (tongban.core.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongban.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = ("Back up the database (PostgreSQL: pg_dump --format=custom; SQLite: the online backup API) and every "
            "object of the files storages, with a manifest of row counts, migrations, the audit chain head and "
            "SHA-256 sums. Restore with `manage.py restore --input DIR`.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=None,
                            help="Directory to create (default: TONGBAN_DATA_DIR/backups/tongban-<UTC time>).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = backup_create(output=options["output"], echo=self._echo)
        except BackupError as error:
            raise CommandError(error.message) from None
        self.stdout.write(str(result.path))

    def _echo(self, line: str) -> None:
        self.stderr.write(line)
