from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models.functions import Cast
from django.db.models.lookups import Exact, StartsWith

from tongban.core.audit import SYSTEM, AuditOutcome, audit_record
from tongban.core.crypto import TOKEN_VERSION, DecryptionError, current_key_id, reencrypt, token_key_id
from tongban.core.fields import EncryptedTextField


@dataclass
class FieldCount:
    label: str
    total: int = 0
    stale: int = 0
    rotated: int = 0
    skipped: int = 0  # changed by someone else meanwhile (and so already written with the current key)
    failed: int = 0


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every concrete ``EncryptedTextField`` column, once (inherited fields belong to the parent model)."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.local_concrete_fields:
            if isinstance(field, EncryptedTextField):
                found.append((model, field))
    return found


class Command(BaseCommand):
    help = ("Re-encrypt personal data sealed with an older key of TONGBAN_DATA_KEYS under the current (first) key. "
            "Run after putting a new key first; remove the old key only once this reports nothing left.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("labels", nargs="*", metavar="app_label[.ModelName]",
                            help="Only these apps or models (default: every model with encrypted fields).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would change, write nothing.")
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        kid = current_key_id()
        self.stdout.write(f"current data key: {kid}" + (" (dry run: nothing is written)" if dry_run else ""))
        using: str = options["database"]
        tables = set(connections[using].introspection.table_names())
        counts = []
        for model, field in self._selected(encrypted_fields(), options["labels"]):
            if model._meta.db_table not in tables:
                self.stderr.write(f"{model._meta.label}.{field.name}: table {model._meta.db_table} does not exist "
                                  "(migrations not applied?), skipped")
                continue
            counts.append(self._rotate(model, field, kid=kid, batch_size=batch_size, using=using, dry_run=dry_run))
        for count in counts:
            verb = "to re-encrypt" if dry_run else "re-encrypted"
            done = count.stale if dry_run else count.rotated
            line = f"{count.label}: {count.total} values, {count.stale} under older keys, {done} {verb}"
            if count.skipped:
                line += f", {count.skipped} changed meanwhile"
            if count.failed:
                line += f", {count.failed} UNREADABLE"
            self.stdout.write(line)
        rotated = sum(c.rotated for c in counts)
        failed = sum(c.failed for c in counts)
        if not dry_run:
            audit_record(action="core.data_keys.rotate", actor=SYSTEM,
                         outcome=AuditOutcome.FAILURE if failed else AuditOutcome.SUCCESS,
                         detail={"key_id": kid, "rotated": rotated, "failed": failed,
                                 "fields": {c.label: c.rotated for c in counts}})
        if dry_run:
            self.stdout.write(f"would re-encrypt {sum(c.stale for c in counts) - failed} values")
        else:
            self.stdout.write(f"re-encrypted {rotated} values")
        if failed:
            raise CommandError(f"{failed} values cannot be decrypted with the configured keys (listed above); "
                               "keep their keys in TONGBAN_DATA_KEYS")

    @staticmethod
    def _selected(fields: list[tuple[type[models.Model], EncryptedTextField]],
                  labels: list[str]) -> list[tuple[type[models.Model], EncryptedTextField]]:
        if not labels:
            return fields
        wanted = {label.lower() for label in labels}
        known = {m._meta.app_label.lower() for m, _ in fields} | {m._meta.label_lower for m, _ in fields}
        unknown = sorted(wanted - known)
        if unknown:
            raise CommandError(f"no encrypted fields in: {', '.join(unknown)}")
        return [(m, f) for m, f in fields if {m._meta.app_label.lower(), m._meta.label_lower} & wanted]

    def _rotate(self, model: type[models.Model], field: EncryptedTextField, *, kid: str, batch_size: int,
                using: str, dry_run: bool) -> FieldCount:
        count = FieldCount(label=f"{model._meta.label}.{field.name}")
        manager = model._base_manager.db_manager(using)
        # The raw token, without the field's decryption: a cast to a plain text column.
        raw = Cast(field.name, output_field=models.TextField())
        present = manager.filter(**{f"{field.name}__isnull": False}).exclude(Exact(raw, ""))
        count.total = present.count()
        stale = present.exclude(StartsWith(raw, f"{TOKEN_VERSION}:{kid}:")).annotate(_raw_token=raw)
        last_pk: Any = None
        while True:
            batch = stale if last_pk is None else stale.filter(pk__gt=last_pk)
            with transaction.atomic(using=using):
                rows = list(batch.order_by("pk").values_list("pk", "_raw_token")[:batch_size])
                for pk, token in rows:
                    if token_key_id_or_none(token) == kid:
                        continue
                    count.stale += 1
                    try:
                        fresh = reencrypt(token, context=field.context)
                    except DecryptionError as exc:
                        count.failed += 1
                        self.stderr.write(f"{count.label} pk={pk}: {exc}")
                        continue
                    if dry_run:
                        continue
                    changed = manager.filter(Exact(raw, token), pk=pk).update(
                        **{field.attname: models.Value(fresh, output_field=models.TextField())})
                    if changed:
                        count.rotated += 1
                    else:
                        count.skipped += 1
            if len(rows) < batch_size:
                return count
            last_pk = rows[-1][0]


def token_key_id_or_none(token: str) -> str | None:
    try:
        return token_key_id(token)
    except DecryptionError:
        return None
