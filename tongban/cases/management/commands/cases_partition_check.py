"""Whether the case tables are ready for range partitioning, and whether their size calls for it yet
(docs/adr/0021-partitioning-case-tables.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tongban.cases.partitioning import (
    PARTITIONED,
    PER_PARTITION_UNIQUE,
    UNPARTITIONED_REFERENCES,
    partition_problems,
    table_sizes,
)


class Command(BaseCommand):
    help = ("Check that the case tables keep what range partitioning by case id needs, and compare their sizes with "
            "the thresholds at which partitioning pays. Exits with an error when the schema is not ready.")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write("分区表（按办件 id 的年度区间）：")
        for size in table_sizes():
            key = next(k for m, k in PARTITIONED.items() if m._meta.db_table == size.table)
            limit = f"，阈值 {size.threshold:,} 行" + ("（已超过：应当分区）" if size.over else "") \
                if size.threshold else ""
            self.stdout.write(f"  {size.table}（分区键 {key}）：约 {size.rows:,} 行，{size.bytes / 2**20:,.0f} MB{limit}")
        self.stdout.write("不分区、保留对办件引用的表：")
        for label, why in UNPARTITIONED_REFERENCES.items():
            self.stdout.write(f"  {label}：{why}")
        self.stdout.write("只能按分区保证的唯一约束：")
        for (table, columns), why in PER_PARTITION_UNIQUE.items():
            self.stdout.write(f"  {table}({', '.join(columns)})：{why}")
        problems = partition_problems()
        if problems:
            raise CommandError("表结构尚不满足分区要求：\n  " + "\n  ".join(problems))
        self.stdout.write(self.style.SUCCESS("表结构满足分区要求。"))
