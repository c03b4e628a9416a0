from typing import Any

import pyotp
from django.core.management.base import BaseCommand, CommandError

from tongban.demo.loader import DEMO_TOTP_SECRETS


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo staff account (演示账号动态口令; demo secrets are public)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username", choices=sorted(DEMO_TOTP_SECRETS))

    def handle(self, *args: Any, **options: Any) -> None:
        secret = DEMO_TOTP_SECRETS.get(options["username"])
        if secret is None:
            raise CommandError("not a demo account")
        self.stdout.write(pyotp.TOTP(secret).now())
