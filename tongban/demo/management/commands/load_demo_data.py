from typing import Any

from django.core.management.base import BaseCommand

from tongban.demo.loader import load


class Command(BaseCommand):
    help = "Load the Yunnan demo data set (演示数据); does nothing when it is already loaded and unchanged."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Reload even when the data files are unchanged.")

    def handle(self, *args: Any, **options: Any) -> None:
        load(force=options["force"], echo=self.stdout.write)
