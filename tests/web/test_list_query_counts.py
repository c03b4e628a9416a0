"""List pages cost the same number of queries whatever the number of rows (no N+1): 我的办件 (a person's, an
organisation's, each tab), the workbench queues not covered in test_cases_workbench (overdue, my steps, supplemented,
special procedure) and the processing configurations, 我的证照 (a person's, an organisation's), the licence
administrators' list, the archive list, search results, the item guide and its places, the catalogue lists of the
workbench, messages and drafts.

Each test opens the page with a few rows, then with many more (at least a page), and asserts with
``django_assert_num_queries`` that the second opening sends exactly as many queries as the first.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.cases.conftest import apply, configure, make_world
from tests.cases.scale import clone_cases
from tests.factories import DepartmentFactory, make_staff, published_implementation, published_item
from tests.licenses.factories import LicenseTypeFactory, license_row
from tests.organizations.helpers import WANG_ID, register
from tongban.cases.models import Case, CaseStatus, CaseStep, Draft, StepKind
from tongban.licenses.models import ArchivePackage, HolderKind
from tongban.notifications.services import notice_create
from tongban.organizations.models import Organization
from tongban.search import selectors as search_selectors

pytestmark = pytest.mark.django_db

_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "files")}}}
    settings.FILE_SCANNER = "simulator"


@pytest.fixture
def world(regions: dict[str, Any]) -> SimpleNamespace:
    w = make_world(regions)
    configure(w)
    w.template = Case.objects.get(pk=apply(w).case_id)
    return w


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def count(client: Client, path: str) -> int:
    client.get(path)  # the first request of a session writes it, caches fill
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured.captured_queries)


def flat(client: Client, paths: list[str], grow: Callable[[], Any], assert_num_queries: Any,
         shown: Callable[[str, str], bool] | None = None) -> dict[str, int]:
    """Open ``paths`` with the rows there are, ``grow()``, and assert each page sends as many queries again.
    ``shown(path, page)`` checks that the grown page lists the new rows."""
    few = {path: count(client, path) for path in paths}
    grow()
    for path in paths:
        client.get(path)
        with assert_num_queries(few[path]):
            page = client.get(path).content.decode()
        assert shown is None or shown(path, page), path
    return few


# ------------------------------------------------------------------ 我的办件


def test_my_cases_of_a_person(world: SimpleNamespace, django_assert_num_queries: Any) -> None:
    def cases(n: int) -> None:  # rows in every tab (an empty page skips its queries)
        clone_cases(world.template, n)
        clone_cases(world.template, n, status=CaseStatus.SUPPLEMENT_REQUESTED)
        clone_cases(world.template, n, status=CaseStatus.DELIVERED, clock_due=None)

    cases(1)
    client = signed_in(world.citizen)
    paths = ["/my/cases/", "/my/cases/?status=open", "/my/cases/?status=action", "/my/cases/?status=closed"]
    few = flat(client, paths, lambda: cases(24), django_assert_num_queries,
               shown=lambda path, page: page.count("/my/cases/") >= 20)
    assert max(few.values()) <= 20, few


def test_cases_of_an_organisation(world: SimpleNamespace, django_assert_num_queries: Any) -> None:
    org = register(world.citizen)
    clone_cases(world.template, 3, organization_id=org.id, applicant_kind="organization")
    client = signed_in(world.citizen)
    path = f"/my/cases/?org={org.id}"
    flat(client, [path, path + "&status=open"],
         lambda: clone_cases(world.template, 27, organization_id=org.id, applicant_kind="organization"),
         django_assert_num_queries, shown=lambda path, page: page.count("/my/cases/") >= 20)


# ------------------------------------------------------------------ the workbench


def _open_steps(cases: list[Case], world: SimpleNamespace) -> None:
    now = timezone.now()
    CaseStep.objects.bulk_create([CaseStep(case=case, position=1, name="审核", kind=StepKind.REVIEW, role="reviewer",
                                           department=world.gongan, opened_at=now) for case in cases])


def test_queue_pages(world: SimpleNamespace, django_assert_num_queries: Any) -> None:
    past = timezone.localdate() - timedelta(days=3)

    def cases(n: int) -> None:
        clone_cases(world.template, n, status=CaseStatus.IN_REVIEW, clock_due=past)
        clone_cases(world.template, n, status=CaseStatus.SUBMITTED, resubmitted_at=timezone.now())
        _open_steps(clone_cases(world.template, n, status=CaseStatus.SPECIAL_PROCEDURE, clock_due=None), world)
        _open_steps(clone_cases(world.template, n, status=CaseStatus.IN_REVIEW), world)

    cases(2)
    queues = ["overdue", "supplemented", "in_special_procedure", "to_accept"]
    flat(signed_in(world.clerk), [f"/workbench/cases/queue/{q}/" for q in queues], lambda: cases(25),
         django_assert_num_queries, shown=lambda path, page: page.count('href="/workbench/cases/') >= 20)
    flat(signed_in(world.reviewer), ["/workbench/cases/queue/my_steps/"], lambda: cases(1),
         django_assert_num_queries, shown=lambda path, page: page.count('href="/workbench/cases/') >= 20)


def test_processing_configurations(world: SimpleNamespace, django_assert_num_queries: Any) -> None:
    def implementations(n: int) -> None:
        for _ in range(n):
            impl = published_implementation(published_item(), world.gongan)
            configure(world, impl=impl)

    implementations(2)
    flat(signed_in(world.admin), ["/workbench/cases/config/"], lambda: implementations(20),
         django_assert_num_queries, shown=lambda path, page: page.count("/workbench/cases/config/") >= 20)


def test_archive_list(world: SimpleNamespace, django_assert_num_queries: Any) -> None:
    def packages(n: int) -> None:
        ArchivePackage.objects.bulk_create([ArchivePackage(
            case=case, case_number=case.case_number, item_code=case.item_code, department=world.gongan, manifest=[],
            manifest_sha256="0" * 64, manifest_signature="-", signing_kid="test")
            for case in clone_cases(world.template, n, status=CaseStatus.DELIVERED, clock_due=None)])

    packages(3)
    flat(signed_in(world.admin), ["/workbench/archives/"], lambda: packages(27), django_assert_num_queries,
         shown=lambda path, page: page.count("/workbench/archives/") >= 20)


# ------------------------------------------------------------------ licences


def test_wallet_of_a_person_and_of_an_organisation(world: SimpleNamespace, django_assert_num_queries: Any) -> None:
    person_type = LicenseTypeFactory(defining_department=world.gongan)
    org_type = LicenseTypeFactory(defining_department=world.gongan, holder_kind=HolderKind.ORGANIZATION)
    org = Organization.objects.get(pk=register(world.citizen).id)

    def licences(n: int) -> None:
        for k in range(n):
            license_row(license_type=person_type, holder_name="王晓明", id_number=WANG_ID,
                        user=world.citizen if k % 2 else None)
            license_row(license_type=org_type, holder_name=org.name, id_number=org.credit_code,
                        organization=org if k % 2 else None)

    licences(3)
    flat(signed_in(world.citizen), ["/my/licenses/", f"/my/licenses/?org={org.id}"], lambda: licences(27),
         django_assert_num_queries, shown=lambda path, page: page.count("/my/licenses/") >= 20)


def test_licence_administrators_list(world: SimpleNamespace, django_assert_num_queries: Any) -> None:
    admin = make_staff(world.gongan, "license_admin")
    license_type = LicenseTypeFactory(defining_department=world.gongan)

    def licences(n: int) -> None:
        for k in range(n):
            license_row(license_type=license_type, holder_name=f"持证人{k}", id_number=f"5301261990{next(_ids):08d}")

    licences(3)
    flat(signed_in(admin), ["/workbench/licenses/", "/workbench/licenses/?status=01"], lambda: licences(27),
         django_assert_num_queries, shown=lambda path, page: page.count("/workbench/licenses/") >= 20)


# ------------------------------------------------------------------ the catalogue: search, guide, workbench lists


def test_search_results_and_item_guide(world: SimpleNamespace, django_assert_num_queries: Any,
                                       regions: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # The process-wide index is keyed on the catalogue's revision, which starts again with each test's data.
    monkeypatch.setattr(search_selectors, "_built", None)
    item = world.item
    departments = [DepartmentFactory(region=regions["county"], category=f"g{n}") for n in range(12)]

    def grow() -> None:
        for n in range(12):
            published_implementation(published_item(name=f"测试事项{n}", keywords=["测试"]), world.gongan)
            published_implementation(item, departments[n])

    published_implementation(published_item(name="测试事项甲", keywords=["测试"]), world.gongan)
    code = item.basic_code
    client = Client()
    client.cookies["tb_site"] = "530126000000"
    flat(client, ["/search/?q=测试", f"/items/{code}/", f"/items/{code}/places/"], grow, django_assert_num_queries,
         shown=lambda path, page: page.count("测试事项") >= 10 if "search" in path else True)


def test_workbench_catalogue_lists(world: SimpleNamespace, django_assert_num_queries: Any) -> None:
    catalog_admin = make_staff(world.gongan, "department_catalog_admin")

    def grow() -> None:
        for n in range(22):
            published_implementation(published_item(name=f"测试事项{n}"), world.gongan)

    flat(signed_in(catalog_admin), ["/workbench/items/", "/workbench/implementations/"], grow,
         django_assert_num_queries)


# ------------------------------------------------------------------ messages and drafts


def test_messages_and_drafts(world: SimpleNamespace, django_assert_num_queries: Any) -> None:
    def grow(n: int) -> None:
        for k in range(n):
            notice_create(user_id=world.citizen.pk, title=f"消息{k}", body="正文", link="/my/cases/",
                          key=f"test:{next(_ids)}")
        # Drafts of as many items (rows: one draft per item and applicant).
        Draft.objects.bulk_create([Draft(applicant_user=world.citizen, implementation=world.impl,
                                         target_key=f"impl:test{next(_ids)}") for _ in range(n)])

    grow(3)
    flat(signed_in(world.citizen), ["/my/messages/", "/apply/drafts/"], lambda: grow(24), django_assert_num_queries)
