"""Import existing licences (存量证照导入) from a CSV or JSON file for one issuing department."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tongban.core.audit import Actor
from tongban.core.errors import DomainError
from tongban.directory import selectors as directory
from tongban.licenses.services.imports import import_report_csv, licenses_import


class Command(BaseCommand):
    help = ("Import existing licences for a department from a CSV (UTF-8, header row) or JSON file; each line is "
            "validated, sealed and stored on its own; prints the line-by-line report (see docs/licenses.md).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV or JSON file")
        parser.add_argument("--department", required=True,
                            help="the issuing department: its unified social credit code or its id")
        parser.add_argument("--report", default="", help="also write the report as CSV to this path")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"没有找到文件：{path}")
        key = str(options["department"]).strip().upper()
        department = next((d for d in directory.department_list() if d.credit_code == key), None)
        if department is None and key.isdigit():
            department = directory.department_get(department_id=int(key))
        if department is None:
            raise CommandError(f"没有找到部门：{key}")
        actor = Actor(kind="system", id="", label=f"licenses_import（{department.name}）")
        try:
            report = licenses_import(department_id=department.pk, file_name=path.name, data=path.read_bytes(),
                                     actor=actor)
        except DomainError as error:
            raise CommandError(error.message) from None
        for line in report.lines:
            mark = "成功" if line.status == "ok" else "失败"
            self.stdout.write(f"第{line.line}行 {mark} {line.message} {line.identifier}".rstrip())
        rate = report.accepted / report.seconds if report.seconds else 0.0
        self.stdout.write(f"共 {report.total} 行：成功 {report.accepted} 行，未导入 {report.rejected} 行；"
                          f"用时 {report.seconds:.1f} 秒（{rate:.1f} 份/秒）。导入批次 {report.batch_id}。")
        if options["report"]:
            Path(options["report"]).write_text(import_report_csv(report), encoding="utf-8")
