"""Readiness of the case tables for range partitioning (docs/adr/0021-partitioning-case-tables.md).

The decision in short: ``cases_case`` is partitioned by range of its id, in yearly id ranges (year Y's cases take
ids from (Y − 2000) × 10^10, set by a yearly job), and the tables that belong to one case — its timeline, steps,
special procedures and supplement requests — are partitioned by ``case_id`` on the same bounds, so that a year of
cases and everything about them is one set of partitions to detach together. The case's id *is* the partition
key: its children already carry it, every foreign key to a case stays a plain foreign key, and a case read by id
(every case page and action) reads one partition.

Nothing is partitioned yet: :func:`partition_problems` checks that the schema keeps what the partitioning needs
(``manage.py cases_partition_check`` prints it with the table sizes against the thresholds), and the tests run it,
so that a new table about cases is not added without deciding where it goes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models

from tongban.cases.models import Case, CaseEvent, CaseStep, SpecialProcedure, SupplementRequest

# The partitioned tables and their partition column.
PARTITIONED: dict[type[models.Model], str] = {
    Case: "id", CaseEvent: "case_id", CaseStep: "case_id", SpecialProcedure: "case_id", SupplementRequest: "case_id",
}

# Tables that refer to cases and stay unpartitioned, with the reason (shown by cases_partition_check; the ADR says
# more).
UNPARTITIONED_REFERENCES: dict[str, str] = {
    "cases.Attachment": "提交前属于申请草稿，办件尚不存在（case_id 为空）",
    "licenses.License": "证照比办件保存得久；拆离办件分区前，其办件引用改为不受约束的 id",
    "licenses.CaseDocument": "签章文书随电子档案长期保存，不随办件分区拆离",
    "licenses.ArchivePackage": "电子档案是已拆离办件的长期记录（保留办件编号）",
}

# Unique constraints of partitioned tables that cannot include the partition key: PostgreSQL keeps them per
# partition; across partitions they hold because of how the values are made.
PER_PARTITION_UNIQUE: dict[tuple[str, tuple[str, ...]], str] = {
    ("cases_case", ("case_number",)):
        "编号取自按日计数器（行锁下递增）；编号中的日期落在办件所在年度，重复只可能出现在同一分区内",
    ("cases_case", ("applicant_user_id", "idempotency_key")):
        "重试的提交在首次提交后几分钟内到达，位于同一分区（提交服务也会先查）",
}

# When partitioning starts to pay (rows, from the planner's statistics); see the ADR.
THRESHOLDS: dict[str, int] = {"cases_case": 20_000_000, "cases_caseevent": 150_000_000}


@dataclass(frozen=True)
class TableSize:
    table: str
    rows: int
    bytes: int
    threshold: int | None

    @property
    def over(self) -> bool:
        return self.threshold is not None and self.rows >= self.threshold


def _case_references() -> list[tuple[type[models.Model], models.ForeignKey]]:  # type: ignore[type-arg]
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.ForeignKey) and field.related_model is Case and model is not Case:
                found.append((model, field))
    return found


def partition_problems() -> list[str]:
    """What in the current schema would stand in the way of the partitioning; empty when ready."""
    problems = []
    if not isinstance(Case._meta.pk, models.BigAutoField):
        problems.append("cases_case.id must be a bigint: year ranges start at (year − 2000) × 10^10")
    for model, field in _case_references():
        label = model._meta.label
        if model in PARTITIONED:
            if field.null:
                problems.append(f"{model._meta.db_table}.{field.column} may be empty: it is the partition key")
        elif label not in UNPARTITIONED_REFERENCES:
            problems.append(f"{label}.{field.name} refers to a case: partition it with the case (PARTITIONED) or "
                            "say why it stays whole (UNPARTITIONED_REFERENCES), and update the ADR")
    with connection.cursor() as cursor:
        for model, key in PARTITIONED.items():
            table = model._meta.db_table
            constraints = connection.introspection.get_constraints(cursor, table)
            if key != "id" and not any(info["columns"] and info["columns"][0] == key
                                       for info in constraints.values() if info["index"] or info["unique"]):
                problems.append(f"{table}: no index leads with {key} (each partition's foreign key checks and "
                                "joins need one)")
            for name, info in constraints.items():
                columns = tuple(info["columns"] or ())
                if not info["unique"] or info["primary_key"] or key in columns:
                    continue
                if (table, columns) not in PER_PARTITION_UNIQUE:
                    problems.append(f"{table}.{name}: unique on {', '.join(columns)} without {key} — PostgreSQL "
                                    "cannot keep it across partitions; add the key or list it in PER_PARTITION_UNIQUE")
    return problems


def table_sizes() -> list[TableSize]:
    """Rows (the planner's estimate on PostgreSQL, a count on SQLite) and bytes of the partitioned tables."""
    sizes = []
    with connection.cursor() as cursor:
        for model in PARTITIONED:
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                cursor.execute("SELECT GREATEST(reltuples, 0)::bigint, pg_total_relation_size(oid) FROM pg_class "
                               "WHERE oid = %s::regclass", [table])
                rows, size = cursor.fetchone()
            else:
                rows, size = model.objects.count(), 0  # type: ignore[attr-defined]
            sizes.append(TableSize(table=table, rows=int(rows), bytes=int(size), threshold=THRESHOLDS.get(table)))
    return sizes
