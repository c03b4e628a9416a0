"""Prefill (免填): verified identity (locked), the personal profile (editable), the acting organisation (locked
where checked against the registry), sources registered by other apps, and locked values changed."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import pytest

from tests.organizations.helpers import WANG_ID, person, register
from tongban.catalog.forms import (
    PrefilledValue,
    PrefillProvider,
    form_prefill,
    form_spec_from_definition,
    form_validate,
    prefill_source_register,
    prefill_source_unregister,
)
from tongban.catalog.forms.prefill import prefill_sources
from tongban.core.errors import NotPermitted, ValidationFailed
from tongban.identity import profile

pytestmark = pytest.mark.django_db

DEFINITION = {"fields": [
    {"name": "applicant_name", "label": "申请人姓名", "kind": "text", "required": True, "prefill": "identity.name"},
    {"name": "applicant_id", "label": "身份证号码", "kind": "id_number", "required": True,
     "prefill": "identity.id_number"},
    {"name": "sex", "label": "性别", "kind": "choice", "options": [["male", "男"], ["female", "女"]],
     "prefill": "identity.sex"},
    {"name": "birth_date", "label": "出生日期", "kind": "date", "prefill": "identity.birth_date"},
    {"name": "phone", "label": "联系电话", "kind": "phone", "required": True, "prefill": "profile.phone"},
    {"name": "home", "label": "住址", "kind": "address", "prefill": "profile.address"},
    {"name": "contact", "label": "紧急联系人", "kind": "text", "prefill": "profile.contact_name"},
    {"name": "last_use", "label": "上次用途", "kind": "text", "prefill": "history"},
    {"name": "permit_no", "label": "许可证号", "kind": "text", "prefill": "license.food_permit"},
]}
ORG_DEFINITION = {"fields": [
    {"name": "org_name", "label": "单位名称", "kind": "text", "required": True, "prefill": "organization.name"},
    {"name": "org_code", "label": "统一社会信用代码", "kind": "credit_code", "required": True,
     "prefill": "organization.credit_code"},
    {"name": "legal_rep", "label": "法定代表人", "kind": "text", "prefill": "organization.legal_rep_name"},
]}


@pytest.fixture
def spec():
    return form_spec_from_definition(DEFINITION, key="t:v1")


@pytest.fixture
def wang(regions):
    user = person(name="王晓明", id_number=WANG_ID)
    profile.address_add(user=user, region_code="530126000000", detail="鹿阜街道石林路1号", is_default=True)
    profile.contact_add(user=user, name="李丽", phone="13900001111", relation="spouse")
    return user


def test_verified_identity_prefills_locked_values_with_their_source(spec, wang):
    values = form_prefill(spec=spec, user=wang)
    assert values["applicant_name"] == PrefilledValue(value="王晓明", source="identity.verified",
                                                      source_label="公安人口库", locked=True)
    assert values["applicant_id"].value == WANG_ID and values["applicant_id"].locked
    assert values["sex"].value == "male" and values["birth_date"].value == "1990-01-01"


def test_profile_prefills_editable_values(spec, wang):
    values = form_prefill(spec=spec, user=wang)
    assert values["phone"].value == wang.phone and values["phone"].locked is False
    assert values["phone"].source == "profile" and values["phone"].source_label == "个人资料"
    assert values["home"].value == {"region": "530126000000", "detail": "鹿阜街道石林路1号"}
    assert values["contact"].value == "李丽"


def test_unverified_person_gets_only_the_profile(spec, regions):
    user = person()
    values = form_prefill(spec=spec, user=user)
    assert set(values) == {"phone"}


def test_unregistered_sources_are_skipped(spec, wang):
    values = form_prefill(spec=spec, user=wang)
    assert "permit_no" not in values  # license: not registered yet


class HistoryProvider(PrefillProvider):
    label = "本人历史办件"
    keys = None

    def values(self, *, keys: Collection[str], user: Any, acting_org_id: int | None,
               spec: Any) -> Mapping[str, PrefilledValue]:
        return {key: PrefilledValue(value=f"上次填写的{key}", source="history", source_label="历史办件",
                                    locked=False) for key in keys}


class BrokenProvider(PrefillProvider):
    label = "坏掉的数据源"

    def values(self, **kwargs: Any) -> Mapping[str, PrefilledValue]:
        raise RuntimeError("department system down")


def test_registered_sources_are_used_and_a_failing_one_is_skipped(spec, wang):
    before = prefill_sources()  # other apps (cases: history) may have registered theirs: put them back after
    prefill_source_register("history", HistoryProvider())
    prefill_source_register("license", BrokenProvider())
    try:
        values = form_prefill(spec=spec, user=wang)
    finally:
        for name in ("history", "license"):
            prefill_source_unregister(name)
            if name in before:
                prefill_source_register(name, before[name])
    assert values["last_use"].value == "上次填写的last_use" and values["last_use"].source == "history"
    assert "permit_no" not in values


def test_a_locked_value_changed_by_the_applicant_is_refused(spec, wang):
    prefilled = form_prefill(spec=spec, user=wang)
    data = {"applicant_name": "王小明", "applicant_id": WANG_ID, "phone": "13800000009"}
    with pytest.raises(ValidationFailed) as caught:
        form_validate(spec=spec, data=data, prefilled=prefilled)
    assert [(i.field, i.code) for i in caught.value.issues] == [("applicant_name", "prefill_locked")]
    assert "来自公安人口库，已核验，不能修改" in caught.value.issues[0].message


def test_locked_values_left_out_are_taken_as_prefilled_and_editable_ones_may_change(spec, wang):
    prefilled = form_prefill(spec=spec, user=wang)
    cleaned = form_validate(spec=spec, data={"applicant_id": WANG_ID.lower(), "phone": "13800000009"},
                            prefilled=prefilled)
    assert cleaned["applicant_name"] == "王晓明" and cleaned["applicant_id"] == WANG_ID
    assert cleaned["phone"] == "13800000009"


def test_organisation_prefill_for_its_legal_representative(regions):
    wang = person(name="王晓明", id_number=WANG_ID)
    org = register(wang)
    spec = form_spec_from_definition(ORG_DEFINITION, key="t:v1")
    values = form_prefill(spec=spec, user=wang, acting_org_id=org.id)
    assert values["org_name"].value == "云南滇池示范科技有限公司" and values["org_name"].locked
    assert values["org_code"].value == "91530102MA6N7Q8R2M" and values["org_code"].source == "organization.verified"
    assert values["legal_rep"].value == "王晓明" and values["legal_rep"].locked
    with pytest.raises(ValidationFailed) as caught:
        form_validate(spec=spec, data={"org_name": "别的公司", "org_code": "91530102MA6N7Q8R2M"}, prefilled=values)
    assert caught.value.issues[0].code == "prefill_locked"


def test_organisation_prefill_is_refused_to_someone_who_may_not_act_for_it(regions):
    wang = person(name="王晓明", id_number=WANG_ID)
    org = register(wang)
    stranger = person(name="赵强", id_number="53011119921230345X")
    spec = form_spec_from_definition(ORG_DEFINITION, key="t:v1")
    with pytest.raises(NotPermitted):
        form_prefill(spec=spec, user=stranger, acting_org_id=org.id)
    assert form_prefill(spec=spec, user=stranger) == {}
