from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.core.audit import audit_verify
from tongban.core.models import AuditEvent


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log; exits non-zero when a record was edited, deleted or inserted."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = list(audit_verify())
        total = AuditEvent.objects.count()
        if problems:
            for problem in problems:
                self.stderr.write(f"record {problem.seq}: {problem.problem}")
            raise CommandError(f"audit chain broken: {len(problems)} problem(s) in {total} records")
        self.stdout.write(f"audit chain intact: {total} records verified")
