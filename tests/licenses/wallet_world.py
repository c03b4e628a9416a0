"""The world of the wallet, verification, consent and look-up tests: a verified citizen (王晓明) holding a licence
issued by 石林县公安局 (made as a row), an organisation holding one, staff of the issuing and of another
department. The verification limiter's counters are cleared around each test."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache

from tests.factories import DepartmentFactory, make_staff
from tests.licenses.factories import LicenseTypeFactory, license_row
from tests.organizations.helpers import DIANCHI, WANG_ID, person, register
from tongban.licenses.models import HolderKind

ORG_FIELDS = [
    {"name": "name", "label": "名称", "required": True, "public": True},
    {"name": "credit_code", "label": "统一社会信用代码", "required": True, "public": False},
    {"name": "scope", "label": "经营范围", "required": False, "public": False},
]


@pytest.fixture(autouse=True)
def _fresh_limiter() -> Any:
    cache.clear()
    yield
    cache.clear()


def make_wallet_world(regions: dict[str, Any]) -> SimpleNamespace:
    county = regions["county"]
    gongan = DepartmentFactory(region=county, category="gongan", name="石林彝族自治县公安局")
    minzheng = DepartmentFactory(region=county, category="minzheng", name="石林彝族自治县民政局")
    id_type = LicenseTypeFactory(defining_department=gongan, name="居民身份证（电子）")
    citizen = person(name="王晓明", id_number=WANG_ID)
    licence = license_row(license_type=id_type, holder_name="王晓明", id_number=WANG_ID,
                          data={"name": "王晓明", "id_number": WANG_ID, "address": "云南省石林彝族自治县鹿阜街道"})
    other = person(name="李华", id_number="530102198507152344")
    others_licence = license_row(license_type=id_type, holder_name="李华", id_number="530102198507152344")
    return SimpleNamespace(
        regions=regions, gongan=gongan, minzheng=minzheng, id_type=id_type, citizen=citizen, licence=licence,
        other=other, others_licence=others_licence,
        clerk=make_staff(minzheng, "window_clerk"), lookup=make_staff(minzheng, "license_lookup"),
        reviewer=make_staff(minzheng, "reviewer"), outsider_clerk=make_staff(gongan, "window_clerk"))


def add_organisation(w: SimpleNamespace) -> SimpleNamespace:
    """云南滇池示范科技有限公司 (王晓明 its legal representative) holding a business licence."""
    org = register(w.citizen)
    biz_type = LicenseTypeFactory(defining_department=w.gongan, name="营业执照（电子）",
                                  holder_kind=HolderKind.ORGANIZATION, fields=list(ORG_FIELDS),
                                  layout={"title": "营业执照", "rows": ["name", "credit_code", "scope"]})
    licence = license_row(license_type=biz_type, holder_name=DIANCHI["name"], id_number=DIANCHI["credit_code"],
                          data={"name": DIANCHI["name"], "credit_code": DIANCHI["credit_code"], "scope": "软件开发"})
    return SimpleNamespace(org=org, biz_type=biz_type, licence=licence)
