"""The hot catalogue reads use indexes (EXPLAIN), whatever the table sizes."""

import re

import pytest
from django.db import connection

from tests.factories import DepartmentFactory, published_implementation, published_item
from tongban.catalog import selectors

pytestmark = pytest.mark.django_db


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")  # tiny test tables would otherwise be scanned
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            cursor.execute("RESET enable_seqscan")
            return plan
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_implementation_by_code_uses_the_unique_index(regions):
    impl = published_implementation(published_item(), DepartmentFactory(region=regions["county"]))
    qs = selectors.implementation_list().filter(code=impl.code)
    plan = _plan(qs)
    assert "Index" in plan or "USING INDEX" in plan or "USING PRIMARY KEY" in plan, plan
    assert "SCAN catalog_implementation" not in plan


def test_site_filter_uses_the_region_status_index(regions):
    published_implementation(published_item(), DepartmentFactory(region=regions["county"]))
    plan = _plan(selectors.item_list_published(site_region_codes=["530000000000", "530126000000"]))
    named = any(name in plan for name in ("impl_region_status_idx", "implementation_item_department",
                                          "impl_item_status_idx"))
    # PostgreSQL may also reach the implementations from the items through the item's foreign-key index (which
    # one depends on the statistics other tests left): any index scan will do, never a sequential scan.
    indexed = bool(re.search(r"Index (Only )?Scan using \S+ on catalog_implementation", plan))
    assert (named or indexed) and "Seq Scan on catalog_implementation" not in plan, plan
