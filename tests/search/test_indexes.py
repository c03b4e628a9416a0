"""A search request reads the database only by key (EXPLAIN on PostgreSQL): the in-process index answers the words;
what a request asks the database is whether the catalogue changed (its revision row, by primary key) and, once per
site and catalogue revision, which items the site handles (implementations by region and status)."""

from __future__ import annotations

import pytest

from tests.explain import analyze, index_names, plans_of, postgresql_only
from tests.factories import DepartmentFactory, RegionFactory, published_implementation, published_item
from tongban.catalog.models import CatalogStatus, Implementation, ImplementationVersion
from tongban.search import selectors

pytestmark = [postgresql_only, pytest.mark.django_db]

CATALOGUE = ("catalog_item", "catalog_itemversion", "catalog_implementation", "catalog_implementationversion",
             "catalog_material", "directory_region")
COUNTY = ["530000000000", "530100000000", "530126000000"]


@pytest.fixture
def catalogue(regions):
    """Twelve items, each implemented in three of the test regions, and the rest of a province: forty more counties
    implementing every item (copies of a published implementation and its version, in bulk)."""
    departments = [DepartmentFactory(region=regions[r], category=f"c{n}") for n, r in
                   enumerate(("county", "county", "kunming", "province", "qujing"))]
    items = []
    for n in range(12):
        item = published_item(name=f"测试事项{n}登记", keywords=[f"关键词{n}"])
        items.append(item)
        for department in departments[n % 3:n % 3 + 3]:
            published_implementation(item, department)
    version = ImplementationVersion.objects.filter(published_at__isnull=False).first()
    fields = [f.attname for f in ImplementationVersion._meta.concrete_fields if not f.primary_key]
    others = []
    for n in range(40):
        region = RegionFactory(code=f"5303{n + 1:02d}000000", name=f"县{n}", level=3, parent=regions["qujing"])
        department = DepartmentFactory(region=region, category="gongan")
        others += [Implementation(item=item, department=department, region=region, level="4",
                                  code=f"{department.credit_code}{item.basic_code}0", status=CatalogStatus.PUBLISHED)
                   for item in items]
    Implementation.objects.bulk_create(others)
    versions = ImplementationVersion.objects.bulk_create([
        ImplementationVersion(**{**{name: getattr(version, name) for name in fields}, "implementation_id": impl.pk})
        for impl in others])
    for impl, made in zip(others, versions, strict=True):
        impl.current_version_id = made.pk
    Implementation.objects.bulk_update(others, ["current_version"])
    analyze()


def test_a_search_request_reads_by_key(catalogue, monkeypatch) -> None:
    monkeypatch.setattr(selectors, "_built", None)  # keyed on the revision, which starts again with each test's data
    selectors.search_warm_up()
    first = plans_of(lambda: selectors.search_items(query="登记", site_region_codes=COUNTY))
    first.assert_indexed(tables=CATALOGUE, uses=["catalog_catalogrevision_pkey"])
    by_region = index_names("catalog_implementation", ["region_id"])  # impl_region_status_idx or the key's own
    assert first.indexes() & by_region, first
    again = plans_of(lambda: selectors.search_items(query="测试", site_region_codes=COUNTY))
    again.assert_indexed(tables=CATALOGUE, uses=["catalog_catalogrevision_pkey"])
    assert all("catalog_implementation" not in plan.sql for plan in again), "the site's items are kept with the index"
