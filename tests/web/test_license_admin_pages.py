"""电子证照管理 pages (证照管理人员) and the licence slot of the application page (免交 by licence, trust level A)."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.cases.conftest import configure, make_world, pdf_upload
from tests.factories import DepartmentFactory, make_staff
from tests.licenses.issuing import STAFF_ACTOR, ZHANG_ID, issue_id_card, type_code
from tests.organizations.helpers import WANG_ID
from tongban.core.models import AuditEvent
from tongban.licenses.models import ImportBatch, License, LicenseStatus
from tongban.licenses.services.issuance import license_issue
from tongban.licenses.workflow import LICENSE_TRANSITIONS, markdown_table

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.licenses.issuing"]


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_docs_hold_the_licence_transition_table() -> None:
    from pathlib import Path

    labels = {value: str(label) for value, label in LicenseStatus.choices}
    docs = (Path(__file__).resolve().parents[2] / "docs" / "licenses.md").read_text(encoding="utf-8")
    assert markdown_table(LICENSE_TRANSITIONS, labels) in docs


def test_list_filters_detail_and_scope(lw: SimpleNamespace) -> None:
    mine = issue_id_card(lw)
    other = issue_id_card(lw, number="530102198507152344", name="李华")
    client = signed_in(lw.gongan_admin)
    home = client.get("/workbench/")
    assert home.status_code == 302 and home["Location"] == "/workbench/licenses/"
    page = client.get("/workbench/licenses/").content.decode()
    assert "电子证照管理" in page and "共 2 份" in page and ZHANG_ID not in page
    found = client.get("/workbench/licenses/", {"holder": ZHANG_ID}).content.decode()
    assert f"/workbench/licenses/{mine.id}/" in found and f"/workbench/licenses/{other.id}/" not in found
    assert AuditEvent.objects.filter(action="licenses.license.search").exists()
    assert "没有符合条件的证照" in client.get("/workbench/licenses/", {"status": "03"}).content.decode()
    detail = client.get(f"/workbench/licenses/{mine.id}/").content.decode()
    assert mine.identifier in detail and ZHANG_ID not in detail and "撤销…" in detail and "换发…" in detail
    pdf = client.get(f"/workbench/licenses/{mine.id}/pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "居民身份证" in client.get("/workbench/licenses/types/").content.decode()
    # Another department's licence administrator: 404, audited; a clerk without the role: 403.
    assert signed_in(lw.minzheng_admin).get(f"/workbench/licenses/{mine.id}/").status_code == 404
    assert AuditEvent.objects.filter(action="licenses.license.view", outcome="denied").exists()
    assert signed_in(lw.gongan_clerk).get("/workbench/licenses/").status_code == 403


def test_the_list_counts_at_most_its_limit(lw: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    for number, name in ((ZHANG_ID, "张三"), ("530102198507152344", "李华"), (WANG_ID, "王晓明")):
        issue_id_card(lw, number=number, name=name)
    monkeypatch.setattr("tongban.licenses.selectors.licenses.COUNT_LIMIT", 2)
    page = signed_in(lw.gongan_admin).get("/workbench/licenses/").content.decode()
    assert "超过 2 份，只列出最新的 2 份" in page and page.count("/workbench/licenses/") >= 2
    monkeypatch.setattr("tongban.licenses.selectors.licenses.COUNT_LIMIT", 3)
    assert "共 3 份" in signed_in(lw.gongan_admin).get("/workbench/licenses/").content.decode()


def test_revoke_needs_a_reason_and_a_confirmation(lw: SimpleNamespace) -> None:
    row = issue_id_card(lw)
    client = signed_in(lw.gongan_admin)
    url = f"/workbench/licenses/{row.id}/revoke/"
    assert "理由（必填）" in client.get(url).content.decode()
    empty = client.post(url, {"reason": " "})
    assert empty.status_code == 422 and "请写明理由" in empty.content.decode()
    confirm = client.post(url, {"reason": "证件挂失"}).content.decode()
    assert "确认撤销" in confirm and License.objects.get(pk=row.id).status == LicenseStatus.VALID
    done = client.post(url, {"reason": "证件挂失", "confirmed": "1"})
    assert done.status_code == 302 and License.objects.get(pk=row.id).status == LicenseStatus.REVOKED
    assert "证件挂失" in client.get(done["Location"]).content.decode()
    assert signed_in(lw.gongan_admin).get(f"/workbench/licenses/{row.id}/expire/").status_code == 404


def test_reissue_page(lw: SimpleNamespace) -> None:
    row = issue_id_card(lw)
    client = signed_in(lw.gongan_admin)
    url = f"/workbench/licenses/{row.id}/reissue/"
    assert "换发理由" in client.get(url).content.decode()
    response = client.post(url, {"reason": "住址变更", "field-address": "云南省石林县新址", "field-name": "张三"})
    assert response.status_code == 302
    new = License.objects.get(superseded_by__isnull=True, serial=row.serial)
    assert new.version == 2 and "新址" in new.data
    assert signed_in(lw.minzheng_admin).get(url).status_code == 404


def test_import_page_and_report(lw: SimpleNamespace) -> None:
    client = signed_in(lw.gongan_admin)
    assert "存量证照导入" in client.get("/workbench/licenses/import/").content.decode()
    code = type_code("居民身份证")
    text = ("license_type_code,holder_name,holder_number,valid_from\n"
            f"{code},张三,{ZHANG_ID},2020-01-01\n{code},王五,530126199001011233,2020-01-01\n")
    response = client.post("/workbench/licenses/import/",
                           {"file": SimpleUploadedFile("ids.csv", text.encode(), content_type="text/csv")})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    report = client.get(response["Location"]).content.decode()
    assert "成功 1 行" in report and "校验位" in report
    csv_file = client.get(response["Location"], {"format": "csv"})
    assert csv_file["Content-Type"].startswith("text/csv") and "失败" in csv_file.content.decode()
    assert signed_in(lw.minzheng_admin).get(f"/workbench/licenses/import/{batch.pk}/").status_code == 404
    bad = client.post("/workbench/licenses/import/",
                      {"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n", content_type="text/csv")})
    assert bad.status_code == 422 and "表头" in bad.content.decode()
    assert "请选择" in client.post("/workbench/licenses/import/", {}).content.decode()


# ------------------------------------------------------------------ the application page (免交)


def test_the_apply_page_offers_the_applicants_licence_as_level_a(regions: dict[str, Any]) -> None:
    world = make_world(regions)
    DepartmentFactory(region=regions["province"], category="gongan", name="云南省公安厅")
    from tongban.licenses.services.seals import seal_ensure_for_department
    from tongban.licenses.types import license_types_seed

    license_types_seed()
    seal_ensure_for_department(department_id=world.gongan.pk)
    configure(world)
    card = license_issue(license_type_code=type_code("居民身份证"), issuer_department_id=world.gongan.pk,
                         holder_kind="person", holder_name="王晓明", holder_number=WANG_ID, data={},
                         source="import", actor=STAFF_ACTOR)
    client = signed_in(world.citizen)
    started = client.post("/apply/", {"acting": "self", "implementation": world.impl.code})
    url = started["Location"]
    page = client.get(url).content.decode()
    assert "电子证照免交" in page and card.identifier in page
    index = re.search(r'name="license-(\d+)"', page).group(1)  # type: ignore[union-attr]
    response = client.post(url, {"action": f"license:{index}", f"license-{index}": card.identifier,
                                 "form-reason": "免交"})
    assert response.status_code == 302, response.content.decode()[:500]
    page = client.get(url).content.decode()
    assert "电子证照（A级）" in page and "居民身份证（电子证照）" in page
    client.post(url, {"action": "upload", "form-reason": "免交", "upload-1": pdf_upload("申请书.pdf")})
    submitted = client.post(url, {"action": "submit", "form-reason": "免交",
                                  "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"',
                                                               client.get(url).content.decode()).group(1)})  # type: ignore[union-attr]
    assert submitted.status_code == 302 and "/receipt/" in submitted["Location"]
    other = make_staff(world.gongan, "window_clerk")
    assert other is not None
