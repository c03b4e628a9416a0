from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tongban.core.env import render_reference


class Command(BaseCommand):
    help = "Write (or with --check, compare) docs/configuration.md, generated from the declared environment variables."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if the committed page is out of date.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.BASE_DIR) / "docs" / "configuration.md"
        text = render_reference() + "\n"
        if options["check"]:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError("docs/configuration.md is out of date: run `python manage.py config_reference`")
            self.stdout.write("docs/configuration.md is up to date")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
