"""Writing generated rows fast (table and column names in SQL come from model metadata, quoted — S608 is noqa'd): PostgreSQL ``COPY … FROM STDIN`` (psycopg's ``cursor.copy``), SQLite
``executemany`` for small sets; ids reserved up front; on a large load into a small table, its secondary indexes
and constraints are dropped for the load and rebuilt afterwards (one index build beats a million index inserts).

Everything runs inside the caller's transaction: an interrupted load leaves nothing behind, indexes included.
Rows are lists in the table's column order, made from a per-table template (:meth:`Table.row`).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import DatabaseError, connection, models, transaction
from django.db.models.fields import NOT_PROVIDED

Echo = Callable[[str], None]
_REQUIRED = object()


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


class Table:
    """One table's columns (the model's concrete fields) and a row template holding each field's default.

    Values are given by attribute name (``case_id``, not ``case``) and must be what the column stores: encrypted
    fields already encrypted (:func:`tongban.core.crypto.encrypt_text` with the field's ``context``), JSON fields
    as JSON text.
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.name = model._meta.db_table
        fields = list(model._meta.concrete_fields)
        self.columns = [str(f.column) for f in fields]
        self.position = {f.attname: i for i, f in enumerate(fields)}
        self.template: list[Any] = [self._default(f) for f in fields]
        self._required = [f.attname for f, value in zip(fields, self.template, strict=True) if value is _REQUIRED]
        self.temporal = [(i, f) for i, f in enumerate(fields)
                         if isinstance(f, models.DateTimeField | models.DateField | models.TimeField)]

    @staticmethod
    def _default(f: models.Field[Any, Any]) -> Any:
        if f.primary_key:
            return _REQUIRED
        if f.default is not NOT_PROVIDED:
            value = f.get_default()
            return json.dumps(value) if isinstance(f, models.JSONField) else value
        if f.null:
            return None
        if isinstance(f, models.CharField | models.TextField) and f.blank:
            return ""
        return _REQUIRED

    def row(self, values: dict[str, Any]) -> list[Any]:
        out = self.template.copy()
        position = self.position
        for name, value in values.items():
            out[position[name]] = value
        return out

    def check(self, row: Sequence[Any]) -> None:
        """Raise when a row leaves a column without default empty (checked on the first row of each chunk)."""
        missing = [name for name in self._required if row[self.position[name]] is _REQUIRED]
        if missing:
            raise ValueError(f"{self.name}: no value for {', '.join(missing)}")


@dataclass
class Writer:
    """Rows per table, flushed in chunks; counts what was written.

    On PostgreSQL a flush may run in the background (``background=True``): a thread streams the chunk through
    ``COPY`` on the same connection — so in the same transaction — while the caller makes the next chunk; the
    server's work overlaps the generator's. Nothing else may use the connection until :meth:`wait` returns
    (the next flush waits first).
    """

    echo: Echo
    written: dict[str, int] = field(default_factory=dict)
    pending: dict[str, tuple[Table, list[list[Any]]]] = field(default_factory=dict)
    waited: float = 0.0  # seconds the caller spent waiting for background flushes (the database was slower)
    _thread: threading.Thread | None = None
    _error: BaseException | None = None

    def add(self, table: Table, row: list[Any]) -> None:
        entry = self.pending.get(table.name)
        if entry is None:
            entry = self.pending[table.name] = (table, [])
        entry[1].append(row)

    def flush(self, order: Iterable[Table] | None = None, *, background: bool = False) -> int:
        """Write every pending row (tables in ``order`` first, for foreign keys that are checked at once)."""
        self.wait()
        first = [t.name for t in order or ()]
        names = first + [n for n in self.pending if n not in first]
        batches = []
        for name in names:
            entry = self.pending.pop(name, None)
            if entry is not None and entry[1]:
                entry[0].check(entry[1][0])
                batches.append(entry)
        if background and is_postgres():
            connection.ensure_connection()
            raw = connection.connection
            self._thread = threading.Thread(target=self._copy_all, args=(raw, batches), daemon=True)
            self._thread.start()
        else:
            self._write_all(batches)
        return sum(len(rows) for _table, rows in batches)

    def _write_all(self, batches: list[tuple[Table, list[list[Any]]]]) -> None:
        for table, rows in batches:
            (_copy if is_postgres() else _insert)(table, rows)
            self.written[table.name] = self.written.get(table.name, 0) + len(rows)

    def _copy_all(self, raw: Any, batches: list[tuple[Table, list[list[Any]]]]) -> None:
        try:
            for table, rows in batches:
                _copy_on(raw, table, rows)
                self.written[table.name] = self.written.get(table.name, 0) + len(rows)
        except BaseException as error:  # handed to the caller by wait()
            self._error = error

    def wait(self) -> None:
        """Wait for a background flush; re-raise its error."""
        if self._thread is not None:
            began = time.perf_counter()
            self._thread.join()
            self.waited += time.perf_counter() - began
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def _copy(table: Table, rows: list[list[Any]]) -> None:
    connection.ensure_connection()
    _copy_on(connection.connection, table, rows)


def _copy_on(raw: Any, table: Table, rows: list[list[Any]]) -> None:
    """``COPY`` on the psycopg connection behind Django's (the same transaction)."""
    columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {connection.ops.quote_name(table.name)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert(table: Table, rows: list[list[Any]]) -> None:
    ops = connection.ops
    for row in rows:
        for index, _field in table.temporal:
            value = row[index]
            if isinstance(value, datetime):
                row[index] = ops.adapt_datetimefield_value(value)
            elif isinstance(value, date):
                row[index] = ops.adapt_datefield_value(value)
    columns = ", ".join(ops.quote_name(c) for c in table.columns)
    marks = ", ".join(["%s"] * len(table.columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {ops.quote_name(table.name)} ({columns}) VALUES ({marks})", rows)  # noqa: S608


# ------------------------------------------------------------------ ids


def reserve_ids(table: Table, count: int) -> int:
    """The first of ``count`` consecutive free ids of ``table`` (the caller holds the table lock); the sequence is
    moved past them by :func:`sync_sequence` after the load."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table.name)}")  # noqa: S608
        return int(cursor.fetchone()[0]) + 1


def sync_sequence(table: Table) -> None:
    if not is_postgres():
        return  # SQLite's AUTOINCREMENT follows the largest id inserted
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(COALESCE(MAX(id), 0), 1)) "  # noqa: S608
                       f"FROM {connection.ops.quote_name(table.name)}", [table.name])


def fast_toast_compression() -> bool:
    """Compress this transaction's large values (form snapshots) with lz4 rather than pglz where the server has it:
    about half the server's time per case row; values read back the same (PostgreSQL 14+)."""
    if not is_postgres():
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL default_toast_compression = 'lz4'")
    except DatabaseError:
        return False
    return True


def lock(tables: Sequence[Table]) -> None:
    """Keep other writers out of ``tables`` until the transaction ends (ids are reserved from MAX(id))."""
    if is_postgres():
        names = ", ".join(connection.ops.quote_name(t.name) for t in tables)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {names} IN SHARE ROW EXCLUSIVE MODE")


def row_count(table: Table) -> int:
    with connection.cursor() as cursor:
        if is_postgres():  # the planner's estimate: enough to decide how to load, and instant
            cursor.execute("SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass",
                           [table.name])
            estimate = int(cursor.fetchone()[0])
            if estimate:
                return estimate
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table.name)}")  # noqa: S608
        return int(cursor.fetchone()[0])


# ------------------------------------------------------------------ secondary indexes during a large load


@dataclass
class Deferred:
    """Indexes and constraints dropped for a load, with the statements that rebuild them."""

    indexes: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    foreign_keys: list[str] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)


def drop_secondary(tables: Sequence[Table]) -> Deferred:
    """Drop every index, unique constraint and foreign key of ``tables`` except the primary keys (PostgreSQL)."""
    deferred = Deferred()
    if not is_postgres():
        return deferred
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            deferred.tables.append(table.name)
            cursor.execute("SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
                           "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY conname", [table.name])
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conrelid = x.indrelid AND c.conindid = x.indexrelid AND c.contype IN ('p', 'u', 'x')) "
                "ORDER BY i.relname", [table.name])
            indexes = cursor.fetchall()
            for name, definition, kind in constraints:
                statement = f"ALTER TABLE {q(table.name)} ADD CONSTRAINT {q(name)} {definition}"
                (deferred.foreign_keys if kind == "f" else deferred.constraints).append(statement)
                cursor.execute(f"ALTER TABLE {q(table.name)} DROP CONSTRAINT {q(name)}")
            for name, definition in indexes:
                deferred.indexes.append(definition)
                cursor.execute(f"DROP INDEX {q(name)}")
    return deferred


def rebuild(deferred: Deferred, echo: Echo) -> None:
    """Rebuild what :func:`drop_secondary` dropped: indexes, unique constraints, then foreign keys (validated)."""
    if not deferred.tables:
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute("SET LOCAL max_parallel_maintenance_workers = 2")
        for statement in [*deferred.indexes, *deferred.constraints, *deferred.foreign_keys]:
            began = time.perf_counter()
            cursor.execute(statement)
            if time.perf_counter() - began > 5:
                echo(f"    {time.perf_counter() - began:.1f} 秒：{statement[:110]}")
    echo(f"  索引和约束重建：{len(deferred.indexes)} 个索引、{len(deferred.constraints)} 个唯一约束、"
         f"{len(deferred.foreign_keys)} 个外键，用时 {time.perf_counter() - started:.1f} 秒")


def analyze(tables: Sequence[Table], echo: Echo) -> None:
    """Fresh planner statistics for the loaded tables (PostgreSQL: ANALYZE; SQLite: nothing to do)."""
    if not is_postgres():
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table.name)}")
    echo(f"  统计信息（ANALYZE）：{len(tables)} 张表，用时 {time.perf_counter() - started:.1f} 秒")
