"""The workbench's 电子印章 pages: scoped lists, making a seal, the seal page with image, certificate and usage log,
transitions through a confirmation page with a reason, and refusals (403 for a window clerk, 404 for another
department's seal), all audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.licenses.test_seals import active_seal, seal_world
from tongban.core.models import AuditEvent
from tongban.licenses.models import Seal, SealStatus, SealUsage
from tongban.licenses.services.seals import seal_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(regions: dict[str, Any]) -> Any:
    return seal_world(regions)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_department_admin_sees_only_their_seals_and_the_nav_link(world: Any) -> None:
    mine = active_seal(world.county)
    theirs = active_seal(world.other)
    page = signed_in(world.admin).get("/workbench/seals/")
    html = page.content.decode()
    assert page.status_code == 200 and mine.name in html and theirs.name not in html
    assert 'href="/workbench/seals/"' in html and "电子印章" in html
    platform = signed_in(world.platform_admin).get("/workbench/seals/").content.decode()
    assert mine.name in platform and theirs.name in platform


def test_empty_list_says_what_to_do(world: Any) -> None:
    html = signed_in(world.admin).get("/workbench/seals/").content.decode()
    assert "还没有电子印章" in html
    html = signed_in(world.admin).get("/workbench/seals/?status=revoked").content.decode()
    assert "没有符合条件的印章" in html


def test_list_is_paginated(world: Any) -> None:
    client = signed_in(world.admin)
    for n in range(21):
        seal_create(user=world.admin, department_id=world.county.pk, name=f"印章{n:02d}", kind="official")
    assert Seal.objects.count() == 21
    first = client.get("/workbench/seals/").content.decode()
    assert "第 1 / 2 页" in first and "印章20" in first and "印章00" not in first
    assert "印章00" in client.get("/workbench/seals/?page=2").content.decode()


def test_make_a_seal_then_activate_with_confirmation(world: Any) -> None:
    client = signed_in(world.admin)
    form = client.get("/workbench/seals/new/").content.decode()
    assert "制作印章" in form and 'type="hidden" name="department"' in form
    response = client.post("/workbench/seals/new/", {"department": world.county.pk, "kind": "license", "name": ""})
    seal = Seal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/workbench/seals/{seal.pk}/"
    assert seal.name == f"{world.county.name}证照专用章" and seal.status == SealStatus.PENDING
    detail = client.get(f"/workbench/seals/{seal.pk}/").content.decode()
    assert seal.certificate_serial in detail and "SHA-256" in detail and "这枚印章还没有用过" in detail
    assert f"/workbench/seals/{seal.pk}/image.png" in detail and f"/workbench/seals/{seal.pk}/activate/" in detail
    image = client.get(f"/workbench/seals/{seal.pk}/image.png")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content == bytes(seal.image_png)
    confirm = client.get(f"/workbench/seals/{seal.pk}/activate/")
    assert confirm.status_code == 200 and "确认启用" in confirm.content.decode()
    assert Seal.objects.get().status == SealStatus.PENDING  # the GET changed nothing
    done = client.post(f"/workbench/seals/{seal.pk}/activate/", {"reason": ""})
    assert done.status_code == 302 and Seal.objects.get().status == SealStatus.ACTIVE


def test_suspend_and_revoke_need_a_reason(world: Any) -> None:
    seal = active_seal(world.county)
    client = signed_in(world.admin)
    page = client.post(f"/workbench/seals/{seal.pk}/suspend/", {"reason": ""})
    assert page.status_code == 200 and "必填" in page.content.decode()
    assert Seal.objects.get().status == SealStatus.ACTIVE
    client.post(f"/workbench/seals/{seal.pk}/revoke/", {"reason": "机构撤并"})
    assert Seal.objects.get().status == SealStatus.REVOKED
    detail = client.get(f"/workbench/seals/{seal.pk}/").content.decode()
    assert "机构撤并" in detail and "不能再启用" in detail and f"/workbench/seals/{seal.pk}/activate/" not in detail
    again = client.get(f"/workbench/seals/{seal.pk}/activate/", follow=True)
    assert "当前状态下不能" in again.content.decode()
    assert client.get(f"/workbench/seals/{seal.pk}/explode/").status_code == 404


def test_usage_log_is_shown_and_paginated(world: Any) -> None:
    seal = active_seal(world.county)
    for n in range(25):
        SealUsage.objects.create(seal=seal, purpose="license", reference=f"REF-{n:03d}", document_sha256="ab" * 32,
                                 actor_label="证照系统")
    client = signed_in(world.admin)
    html = client.get(f"/workbench/seals/{seal.pk}/").content.decode()
    assert "共 25 次用章" in html and "REF-024" in html and "REF-000" not in html and "电子证照" in html
    assert "REF-000" in client.get(f"/workbench/seals/{seal.pk}/?page=2").content.decode()


def test_window_clerk_gets_403_and_is_audited(world: Any) -> None:
    seal = active_seal(world.county)
    client = signed_in(world.clerk)
    for path in ("/workbench/seals/", "/workbench/seals/new/", f"/workbench/seals/{seal.pk}/",
                 f"/workbench/seals/{seal.pk}/image.png"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/workbench/seals/{seal.pk}/revoke/", {"reason": "x"}).status_code == 403
    assert Seal.objects.get().status == SealStatus.ACTIVE
    assert AuditEvent.objects.filter(outcome="denied", actor_type="staff").count() >= 5


def test_another_departments_seal_is_404_and_audited(world: Any) -> None:
    seal = active_seal(world.county)
    client = signed_in(world.other_admin)
    for path in (f"/workbench/seals/{seal.pk}/", f"/workbench/seals/{seal.pk}/image.png",
                 f"/workbench/seals/{seal.pk}/suspend/"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/workbench/seals/{seal.pk}/suspend/", {"reason": "x"}).status_code == 404
    assert client.get("/workbench/seals/999999/").status_code == 404
    response = client.post("/workbench/seals/new/", {"department": world.county.pk, "kind": "official", "name": "x"})
    assert response.status_code == 200 and not Seal.objects.filter(name="x").exists()  # not a choice offered
    assert Seal.objects.get().status == SealStatus.ACTIVE
    assert AuditEvent.objects.filter(outcome="denied", action="licenses.seal.view").exists()


def test_platform_admin_chooses_the_department(world: Any) -> None:
    client = signed_in(world.platform_admin)
    form = client.get("/workbench/seals/new/").content.decode()
    assert world.other.name in form and world.county.name in form
    client.post("/workbench/seals/new/", {"department": world.other.pk, "kind": "approval", "name": ""})
    assert Seal.objects.get().department_id == world.other.pk


def test_pages_need_a_staff_login(world: Any, django_user_model: Any) -> None:
    assert Client().get("/workbench/seals/").status_code == 302
    person = django_user_model.objects.create_user(username="13800000000", password="x" * 12)
    assert signed_in(person).get("/workbench/seals/").status_code == 404
