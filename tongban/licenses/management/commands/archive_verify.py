"""Check archive packages (电子档案): every file exists, decrypts and matches the manifest; the manifest's
signature is valid. Exits non-zero when any package is damaged."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongban.core.audit import Actor
from tongban.licenses.selectors.archives import archive_package_ids
from tongban.licenses.services.archives import archive_verify

COMMAND_ACTOR = Actor(kind="system", id="manage.py", label="archive_verify")


class Command(BaseCommand):
    help = ("Re-check archive packages: each file's SHA-256 against the signed manifest, and the manifest's platform "
            "signature. Prints every problem (changed file, missing file, bad signature), records the result on the "
            "package, and exits with status 1 when any package is damaged.")

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--case-number", help="check the package of this case")
        which.add_argument("--all", action="store_true", help="check every package")

    def handle(self, *args: Any, **options: Any) -> None:
        number = options.get("case_number")
        ids = archive_package_ids(case_number=number) if number else archive_package_ids()
        if number and not ids:
            raise CommandError(f"办件 {number} 没有电子档案。")
        damaged = 0
        for package_id in ids:
            result = archive_verify(package_id=package_id, actor=COMMAND_ACTOR)
            if result.intact:
                self.stdout.write(f"完整  {result.case_number}（{result.checked_files} 个文件，签名有效）")
                continue
            damaged += 1
            self.stdout.write(self.style.ERROR(f"损坏  {result.case_number}"))
            for problem in result.problems:
                self.stdout.write(f"      {problem}")
        self.stdout.write(f"共校验 {len(ids)} 个电子档案，完整 {len(ids) - damaged} 个，发现问题 {damaged} 个。")
        if damaged:
            raise CommandError(f"{damaged} 个电子档案发现篡改或缺失。")
