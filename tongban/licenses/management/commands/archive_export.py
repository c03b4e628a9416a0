"""Export a case's archive package (电子档案) as a zip: its files, manifest.json, manifest.sig and README.txt."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongban.core.audit import Actor
from tongban.core.errors import DomainError
from tongban.licenses.selectors.archives import archive_package_ids
from tongban.licenses.services.archives import archive_export

COMMAND_ACTOR = Actor(kind="system", id="manage.py", label="archive_export")


class Command(BaseCommand):
    help = ("Write a case's archive package as a zip: the files under their paths, manifest.json (the signed bytes), "
            "manifest.sig (Base64 Ed25519 signature) and README.txt (how to verify with the key at /licenses/keys/).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case-number", required=True, help="the case whose package to export")
        parser.add_argument("--output", required=True, help="the zip file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = archive_package_ids(case_number=options["case_number"])
        if not ids:
            raise CommandError(f"办件 {options['case_number']} 没有电子档案。")
        try:
            _name, data = archive_export(package_id=ids[0], actor=COMMAND_ACTOR)
        except DomainError as error:
            raise CommandError(error.message) from None
        output = Path(options["output"])
        output.write_bytes(data)
        self.stdout.write(f"已导出 {output}（{len(data)} 字节）")
