"""Query plans for the index tests: run what a selector really runs, EXPLAIN each statement on PostgreSQL and walk
the JSON plans.

``plans_of(read)`` calls ``read()`` (a selector call that evaluates its rows: a count, a page), captures every
SELECT it sent and explains each one with sequential scans disabled for the moment (``SET LOCAL enable_seqscan =
off`` inside a savepoint, rolled back afterwards): on a test-sized table the planner would rightly prefer a
sequential scan, so what is checked is that an index *can* serve the query — a query no index fits still shows a
``Seq Scan`` (at a cost of 10^10). Call ``analyze()`` after loading the data, so that the planner knows the rows.

PostgreSQL only: ``postgresql_only`` skips a test on SQLite, whose planner is another matter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="query plans are checked on PostgreSQL (the production database; CI runs the suite on it too)")


@dataclass(frozen=True)
class Scan:
    """One node of a plan that reads a relation: ``kind`` is the node type (Seq Scan, Index Scan, Index Only Scan,
    Bitmap Index Scan, Bitmap Heap Scan), ``relation`` the table (empty for a bitmap index scan), ``index`` the
    index used (empty for a sequential or bitmap heap scan)."""

    kind: str
    relation: str
    index: str

    def __str__(self) -> str:
        return " ".join(part for part in (self.kind, self.relation, self.index) if part)


@dataclass(frozen=True)
class Plan:
    """The plan of one statement."""

    sql: str
    root: dict[str, Any]

    def nodes(self) -> Iterator[dict[str, Any]]:
        stack = [self.root]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.get("Plans", [])))

    def scans(self) -> list[Scan]:
        return [Scan(kind=node["Node Type"], relation=node.get("Relation Name", ""), index=node.get("Index Name", ""))
                for node in self.nodes() if "Scan" in node["Node Type"]]

    def indexes(self) -> set[str]:
        return {scan.index for scan in self.scans() if scan.index}

    def seq_scans(self) -> set[str]:
        return {scan.relation for scan in self.scans() if scan.kind == "Seq Scan"}

    def __str__(self) -> str:
        return f"{self.sql[:400]}\n  " + "\n  ".join(str(scan) for scan in self.scans())


@dataclass(frozen=True)
class Plans(Sequence[Plan]):
    """The plans of every statement one read sent, with the checks the tests make."""

    plans: tuple[Plan, ...]

    def __len__(self) -> int:
        return len(self.plans)

    def __getitem__(self, index: Any) -> Any:
        return Plans(self.plans[index]) if isinstance(index, slice) else self.plans[index]

    def indexes(self) -> set[str]:
        return {name for plan in self.plans for name in plan.indexes()}

    def seq_scans(self) -> set[str]:
        return {table for plan in self.plans for table in plan.seq_scans()}

    def __str__(self) -> str:
        return "\n".join(str(plan) for plan in self.plans)

    def assert_indexed(self, *, tables: Sequence[str], uses: Sequence[str] = ()) -> None:
        """No sequential scan on any of ``tables``; every index named in ``uses`` appears in some plan; and each
        of ``tables`` a statement reads is read through an index."""
        assert self.plans, "the read sent no query"
        scanned = self.seq_scans() & set(tables)
        assert not scanned, f"sequential scan on {sorted(scanned)}:\n{self}"
        missing = [name for name in uses if name not in self.indexes()]
        assert not missing, f"index {missing} not used:\n{self}"


def explain(sql: str, params: Sequence[Any] | None = None) -> Plan:
    """EXPLAIN (FORMAT JSON) one statement with sequential scans off (within a savepoint, so the setting ends)."""
    with transaction.atomic():  # a savepoint inside the test's transaction: its rollback ends SET LOCAL
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            raw = cursor.fetchone()[0]
        transaction.set_rollback(True)
    document = json.loads(raw) if isinstance(raw, str) else raw
    return Plan(sql=sql, root=document[0]["Plan"])


def plans_of(read: Callable[[], Any]) -> Plans:
    """Call ``read`` and explain every SELECT it sent (as sent: the captured SQL holds its parameters)."""
    with CaptureQueriesContext(connection) as captured:
        read()
    statements = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    return Plans(tuple(explain(sql) for sql in statements))


def analyze(*tables: str) -> None:
    """Refresh the planner's statistics of ``tables`` (all tables when none are named)."""
    with connection.cursor() as cursor:
        if tables:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        else:
            cursor.execute("ANALYZE")


def index_names(table: str, columns: Sequence[str], *, unique: bool | None = None) -> set[str]:
    """Names of the indexes of ``table`` whose leading columns are ``columns`` (for the indexes Django names
    itself: a foreign key's, a unique field's and its ``_like`` companion)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name for name, info in constraints.items()
            if info["index"] or info["unique"] or info["primary_key"]
            if list(info["columns"][:len(columns)]) == list(columns) and (unique is None or info["unique"] == unique)}
