"""``manage.py outbox_replay --consumer NAME [--event ID]``: retry dead outbox consumptions (audited)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tongban.core.outbox import outbox_consumption_replay


class Command(BaseCommand):
    help = "Put dead outbox consumptions of a consumer back to pending (one event's, or all of them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--consumer", required=True, help="The consumer's name, e.g. notifications.applicant.")
        parser.add_argument("--event", type=int, default=None, help="Only this outbox event id.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = outbox_consumption_replay(consumer=options["consumer"], event_id=options["event"])
        self.stdout.write(f"replayed {count} dead consumption(s) of {options['consumer']}")
