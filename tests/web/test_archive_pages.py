"""The archive pages of the workbench (电子档案): the list within scope (department administrators see their
department's packages, audit and platform administrators every one; another department's administrator gets 404),
the case number filter, the detail with its manifest, 校验 after a confirmation, the zip export, and the retention
policies of platform administrators (removing one after a confirmation)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client

from tests.factories import make_staff
from tests.licenses.case_world import refused, run_outbox, world_with_seal
from tongban.core.models import AuditEvent
from tongban.licenses.models import ArchivePackage, ArchivePolicy, ArchiveStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Path) -> Path:
    location = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    settings.FILE_SCANNER = "simulator"
    return location


@pytest.fixture
def world(regions: dict[str, Any]) -> SimpleNamespace:
    w = world_with_seal(regions)
    w.case_id = refused(w)
    run_outbox()
    w.package = ArchivePackage.objects.get(case_id=w.case_id)
    return w


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_department_admin_sees_their_packages_and_others_get_404(world: Any) -> None:
    admin = signed_in(world.admin)
    page = admin.get("/workbench/archives/").content.decode()
    assert world.package.case_number in page and "未校验" in page
    assert f"/workbench/archives/{world.package.pk}/" in page
    detail = admin.get(f"/workbench/archives/{world.package.pk}/").content.decode()
    assert "metadata.json" in detail and "documents/01-不予受理决定书.pdf" in detail and world.package.signing_kid in detail

    outsider = signed_in(world.outsider)  # 昆明市市场监督管理局's department administrator
    assert world.package.case_number not in outsider.get("/workbench/archives/").content.decode()
    assert outsider.get(f"/workbench/archives/{world.package.pk}/").status_code == 404
    assert outsider.get(f"/workbench/archives/{world.package.pk}/export.zip").status_code == 404
    assert outsider.post(f"/workbench/archives/{world.package.pk}/verify/").status_code == 404
    assert AuditEvent.objects.filter(action__startswith="licenses.archive.", outcome="denied",
                                     object_id=str(world.package.pk)).count() == 3

    auditor = signed_in(world.auditor)  # platform-wide
    assert world.package.case_number in auditor.get("/workbench/archives/").content.decode()
    assert auditor.get(f"/workbench/archives/{world.package.pk}/").status_code == 200


def test_staff_without_an_archive_role_get_404_and_no_link(world: Any) -> None:
    clerk = signed_in(world.clerk)
    assert clerk.get("/workbench/archives/").status_code == 404
    assert clerk.get(f"/workbench/archives/{world.package.pk}/").status_code == 404
    assert "电子档案" not in clerk.get("/workbench/cases/", follow=True).content.decode()
    assert 'href="/workbench/archives/"' in signed_in(world.admin).get("/workbench/cases/", follow=True).content.decode()
    citizen = signed_in(world.citizen)
    assert citizen.get("/workbench/archives/").status_code == 404


def test_the_list_filters_by_case_number_and_says_when_nothing_matches(world: Any) -> None:
    admin = signed_in(world.admin)
    page = admin.get("/workbench/archives/", {"case_number": world.package.case_number[:20]}).content.decode()
    assert world.package.case_number in page
    page = admin.get("/workbench/archives/", {"case_number": "999"}).content.decode()
    assert world.package.case_number not in page and "没有符合条件的归档包" in page
    empty = signed_in(make_staff(world.minzheng, "department_admin")).get("/workbench/archives/").content.decode()
    assert "还没有归档包" in empty


def test_verify_asks_for_confirmation_then_records_the_result(world: Any) -> None:
    admin = signed_in(world.admin)
    url = f"/workbench/archives/{world.package.pk}/verify/"
    page = admin.get(url).content.decode()
    assert "确认校验" in page and 'method="post"' in page
    world.package.refresh_from_db()
    assert world.package.status == ArchiveStatus.UNCHECKED  # nothing happened yet
    response = admin.post(url, follow=True)
    assert "校验通过" in response.content.decode()
    world.package.refresh_from_db()
    assert world.package.status == ArchiveStatus.INTACT


def test_verify_shows_the_problems_of_a_damaged_package(world: Any, files_dir: Path) -> None:
    from tongban.files.models import StoredFile

    entry = next(f for f in world.package.manifest["files"] if f["path"] == "timeline.json")
    (files_dir / StoredFile.objects.get(pk=entry["file_id"]).storage_name).unlink()
    response = signed_in(world.admin).post(f"/workbench/archives/{world.package.pk}/verify/", follow=True)
    page = response.content.decode()
    assert "发现1处问题" in page and "timeline.json" in page and "文件缺失" in page


def test_export_downloads_the_zip(world: Any) -> None:
    response = signed_in(world.admin).get(f"/workbench/archives/{world.package.pk}/export.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as z:
        assert {"manifest.json", "manifest.sig", "README.txt", "metadata.json"} <= set(z.namelist())


def test_platform_admins_set_and_remove_retention_policies(world: Any) -> None:
    assert signed_in(world.admin).get("/workbench/archives/policies/").status_code == 404
    admin = signed_in(world.platform_admin)
    page = admin.get("/workbench/archives/policies/").content.decode()
    assert "默认期限 30 年" in page and "还没有单独设置" in page
    response = admin.post("/workbench/archives/policies/", {"item_code": "ITEM01", "retention_years": ""}, follow=True)
    assert "请填写保管期限" in response.content.decode() and not ArchivePolicy.objects.exists()
    response = admin.post("/workbench/archives/policies/", {"item_code": "ITEM01", "retention_years": "50"},
                          follow=True)
    assert "50年" in response.content.decode()
    admin.post("/workbench/archives/policies/", {"item_code": "ITEM01", "permanent": "on"})
    assert ArchivePolicy.objects.get(item_code="ITEM01").permanent
    confirm = admin.get("/workbench/archives/policies/delete/", {"item_code": "ITEM01"}).content.decode()
    assert "确认删除" in confirm and ArchivePolicy.objects.exists()
    admin.post("/workbench/archives/policies/delete/", {"item_code": "ITEM01", "confirmed": "1"})
    assert not ArchivePolicy.objects.exists()
    actions = set(AuditEvent.objects.filter(action__startswith="licenses.archive_policy.").values_list("action",
                                                                                                      flat=True))
    assert actions == {"licenses.archive_policy.set", "licenses.archive_policy.delete"}
