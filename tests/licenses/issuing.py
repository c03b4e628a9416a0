"""Helpers of the issuance tests (area B): the seeded licence types over a small set of departments, seals, a
temporary files storage. Import the fixtures into a test module (``from tests.licenses.issuing import *``)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.factories import DepartmentFactory, make_staff
from tongban.core.audit import Actor
from tongban.licenses.services.seals import seal_ensure_for_department
from tongban.licenses.types import license_types_seed

ZHANG_ID = "530126199001011232"  # well-formed (check character) and fictitious
LI_ID = "530102198507152344"
STAFF_ACTOR = Actor(kind="staff", id="1", label="测试证照管理员")


def valid_id(serial: int) -> str:
    from stdnum.cn import ric

    body = f"53012619800101{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Path) -> Path:
    location = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    settings.FILE_SCANNER = "simulator"
    settings.TSA = "none"
    return location


def make_licence_world(regions: dict[str, Any], *, seals: bool = True) -> SimpleNamespace:
    """Province, Kunming and county departments of 公安 / 民政 / 市场监管, the seeded types, seals for the county
    公安局 and 民政局 and the Kunming 市场监管局, a 证照管理人员 in each of those."""
    province, kunming, county = regions["province"], regions["kunming"], regions["county"]
    w = SimpleNamespace(
        gongan_province=DepartmentFactory(region=province, category="gongan", name="云南省公安厅"),
        gongan=DepartmentFactory(region=county, category="gongan", name="石林彝族自治县公安局"),
        minzheng_province=DepartmentFactory(region=province, category="minzheng", name="云南省民政厅"),
        minzheng=DepartmentFactory(region=county, category="minzheng", name="石林彝族自治县民政局"),
        scjg_province=DepartmentFactory(region=province, category="scjg", name="云南省市场监督管理局"),
        scjg=DepartmentFactory(region=kunming, category="scjg", name="昆明市市场监督管理局"),
    )
    w.seed = license_types_seed()
    if seals:
        for department in (w.gongan, w.minzheng, w.scjg):
            seal_ensure_for_department(department_id=department.pk)
    w.gongan_admin = make_staff(w.gongan, "license_admin")
    w.minzheng_admin = make_staff(w.minzheng, "license_admin")
    w.scjg_admin = make_staff(w.scjg, "license_admin")
    w.gongan_clerk = make_staff(w.gongan, "window_clerk")
    return w


@pytest.fixture
def lw(regions: dict[str, Any]) -> SimpleNamespace:
    return make_licence_world(regions)


def type_code(name: str) -> str:
    from tongban.licenses.types import license_type_by_name

    row = license_type_by_name(name=name)
    assert row is not None, name
    return row.code


def issue_id_card(w: SimpleNamespace, *, number: str = ZHANG_ID, name: str = "张三", **kwargs: Any) -> Any:
    from tongban.licenses.services.issuance import license_issue

    return license_issue(license_type_code=type_code("居民身份证"), issuer_department_id=w.gongan.pk,
                         holder_kind="person", holder_name=name, holder_number=number,
                         data={"sex": "男", "ethnicity": "汉", "address": "云南省石林县鹿阜街道"},
                         source=kwargs.pop("source", "import"), actor=STAFF_ACTOR, **kwargs)
