"""Bulk-generate a provincial-scale catalogue for benchmarks: implementations in every prefecture and county.

Each published item gets an implementation in every prefecture and county that has its department; when that
is not enough, generated copies of the seed items (marked “（生成）”) are added until the target is reached.
Rows are bulk-inserted; use it on benchmark databases only.
"""

from __future__ import annotations

import time
from itertools import cycle
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from tongban.catalog.models import CatalogStatus, Implementation, ImplementationVersion, Item, ItemVersion
from tongban.catalog.models.item import ITEM_ELEMENT_FIELDS
from tongban.catalog.services import _bump_revision, implementation_code
from tongban.directory.interface import exercise_level_for_region_level
from tongban.directory.selectors import department_list
from tongban.directory.services import demo_credit_code, department_bulk_create_for_load


class Command(BaseCommand):
    help = "Generate at least N published implementations (bulk inserts) for load tests and benchmarks."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--implementations", type=int, default=50_000)

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        target = options["implementations"]
        seeds = list(Item.objects.filter(status=CatalogStatus.PUBLISHED).select_related("current_version"))
        categories = sorted({i.department_category for i in seeds})
        made = department_bulk_create_for_load(categories=categories, credit_code=demo_credit_code)
        by_category: dict[str, list[Any]] = {}
        for department in department_list().filter(region__level__in=[2, 3]):
            by_category.setdefault(department.category, []).append(department)
        existing = set(Implementation.objects.values_list("item_id", "department_id"))
        count = len(existing)
        items = list(seeds)
        clones = cycle(seeds)
        serial = 9000
        capacity = sum(len(by_category.get(i.department_category, [])) for i in items)
        while capacity < target and serial < 10_000:
            for clone in self._clone(next(clones), serial):
                items.append(clone)
                capacity += len(by_category.get(clone.department_category, []))
            serial += 1
        rows, versions = [], []
        now = timezone.now()
        for item in items:
            version = item.current_version
            assert version is not None
            for department in by_category.get(item.department_category, []):
                if (item.pk, department.pk) in existing or count >= target:
                    continue
                existing.add((item.pk, department.pk))
                count += 1
                level = exercise_level_for_region_level(department.region.level)
                impl = Implementation(item=item, department=department, region=department.region, level=level,
                                      code=implementation_code(credit_code=department.credit_code, level=level,
                                                               basic_code=item.basic_code),
                                      status=CatalogStatus.PUBLISHED, is_demo=True)
                rows.append(impl)
                versions.append(ImplementationVersion(
                    implementation=impl, number=1, published_at=now, item_version=version,
                    promised_limit_value=version.promised_limit_value,
                    promised_limit_unit=version.promised_limit_unit, address=f"{department.region.name}政务服务中心",
                    hours="周一至周五 9:00-17:00", consult_phone="0871-00000000", supervise_phone="12345"))
        Implementation.objects.bulk_create(rows, batch_size=2000)
        for impl_version in versions:
            impl_version.implementation_id = impl_version.implementation.pk
        ImplementationVersion.objects.bulk_create(versions, batch_size=2000)
        for impl, impl_version in zip(rows, versions, strict=True):
            impl.current_version = impl_version
        Implementation.objects.bulk_update(rows, ["current_version"], batch_size=2000)
        _bump_revision()
        self.stdout.write(f"generated {made} departments, {len(items) - len(seeds)} item copies and {len(rows)} "
                          f"implementations ({Implementation.objects.count()} in all) "
                          f"in {time.perf_counter() - started:.1f}s")

    @staticmethod
    def _clone(seed: Item, serial: int) -> list[Item]:
        code = f"{seed.basic_code[:5]}{serial:04d}{seed.basic_code[9:]}"
        if Item.objects.filter(basic_code=code).exists():
            return []
        elements = {f: getattr(seed.current_version, f) for f in ITEM_ELEMENT_FIELDS}
        elements["name"] = f"{elements['name']}（生成{serial}）"
        item = Item.objects.create(basic_code=code, department_category=seed.department_category, weight=0,
                                   status=CatalogStatus.PUBLISHED, is_demo=True)
        version = ItemVersion.objects.create(item=item, number=1, published_at=timezone.now(), **elements)
        item.current_version = version
        item.save(update_fields=["current_version"])
        return [item]
