"""Expire legal-person registrations that the legal representative did not confirm in time (run daily, e.g. cron).

Each one moves pending → expired through the organisations' transition table, with an audit record, and its
credit code can be registered again. Safe to run repeatedly.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tongban.organizations.services import organization_registrations_expire
from tongban.organizations.workflow import CONFIRMATION_DAYS


class Command(BaseCommand):
    help = f"Mark legal-person registrations not confirmed within {CONFIRMATION_DAYS} days as expired (失效)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = organization_registrations_expire()
        self.stdout.write(f"已失效的法人注册申请：{count} 条（超过{CONFIRMATION_DAYS}天未经法定代表人确认）")
