"""Migration operations for tables that are large and in use (docs/operations/database.md).

On PostgreSQL a plain ``CREATE INDEX`` blocks writes to the table while it builds: seconds to minutes once a table
holds millions of rows. Django's ``AlterField`` that only turns a foreign key's ``db_index`` off also drops and
re-adds the foreign key constraint, and re-adding checks every row under a lock that blocks writes. The operations
here do the same schema changes without those locks: indexes are built and dropped ``CONCURRENTLY``, and a field's
own index (a foreign key's, or ``db_index``'s with its LIKE companion) is dropped without touching any constraint. On other databases (SQLite in development) they run as
the plain operations. A migration that uses them must say ``atomic = False`` (CONCURRENTLY cannot run inside a
transaction).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def _concurrent(schema_editor: Any) -> bool:
    return bool(schema_editor.connection.vendor == "postgresql")


class AddIndexConcurrently(migrations.AddIndex):
    """``AddIndex``, built with ``CREATE INDEX CONCURRENTLY`` on PostgreSQL."""

    atomic = False

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            if _concurrent(schema_editor):
                schema_editor.add_index(model, self.index, concurrently=True)
            else:
                schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            if _concurrent(schema_editor):
                schema_editor.remove_index(model, self.index, concurrently=True)
            else:
                schema_editor.remove_index(model, self.index)


class RemoveIndexConcurrently(migrations.RemoveIndex):
    """``RemoveIndex``, dropped with ``DROP INDEX CONCURRENTLY`` on PostgreSQL."""

    atomic = False

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            if _concurrent(schema_editor):
                schema_editor.remove_index(model, index, concurrently=True)
            else:
                schema_editor.remove_index(model, index)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            if _concurrent(schema_editor):
                schema_editor.add_index(model, index, concurrently=True)
            else:
                schema_editor.add_index(model, index)


class DropFieldIndex(migrations.AlterField):
    """``AlterField`` of a field to ``db_index=False`` (the model state changes as with AlterField) that in the
    database only drops the field's own single-column indexes — Django's index of a foreign key or of ``db_index``,
    with its LIKE companion — concurrently on PostgreSQL, and leaves constraints alone (indexes declared in the
    model's Meta are kept). Backwards, the plain index is built again under Django's name for it."""

    atomic = False

    def _names(self, schema_editor: Any, model: Any) -> list[str]:
        column = model._meta.get_field(self.name).column
        declared = {index.name for index in model._meta.indexes}
        with schema_editor.connection.cursor() as cursor:
            constraints = schema_editor.connection.introspection.get_constraints(cursor, model._meta.db_table)
        return sorted(name for name, info in constraints.items()
                      if info["index"] and not info["unique"] and not info["primary_key"]
                      and list(info["columns"]) == [column] and name not in declared)

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        how = "CONCURRENTLY " if _concurrent(schema_editor) else ""
        for name in self._names(schema_editor, model):
            schema_editor.execute(f"DROP INDEX {how}IF EXISTS {schema_editor.quote_name(name)}")

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        table, column = model._meta.db_table, model._meta.get_field(self.name).column
        name = schema_editor._create_index_name(table, [column])
        how = "CONCURRENTLY " if _concurrent(schema_editor) else ""
        schema_editor.execute(f"CREATE INDEX {how}IF NOT EXISTS {schema_editor.quote_name(name)} ON "
                              f"{schema_editor.quote_name(table)} ({schema_editor.quote_name(column)})")

    def describe(self) -> str:
        return f"Drop the own index of {self.model_name}.{self.name} (constraints stay)"
