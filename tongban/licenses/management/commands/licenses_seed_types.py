"""Load the licence type catalogue (证照类型目录) from tongban/licenses/data/license_types.yaml (idempotent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongban.licenses.types import TYPES_FILE, license_types_seed


class Command(BaseCommand):
    help = ("Create or update the licence types of the seed file over the registered departments (type code = the "
            "defining department's credit code + 3 digits). Safe to run again.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=str(TYPES_FILE), help="seed file (YAML), default: the bundled one")

    def handle(self, *args: Any, **options: Any) -> None:
        result = license_types_seed(path=Path(options["file"]))
        self.stdout.write(f"证照类型：写入 {len(result.written)} 个。")
        if result.skipped:
            self.stdout.write(f"未写入（定义部门未登记）：{'、'.join(result.skipped)}")
