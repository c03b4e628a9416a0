"""Application forms (申请表单): definitions, the generated JSON Schema, validation of every field kind,
conditional fields, repeating rows, and values outside the schema (every problem listed)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.factories import RegionFactory
from tongban.catalog.forms import definition_check, form_spec_from_definition, form_validate
from tongban.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

VALID_ID = "530102198805051234"
VALID_CREDIT = "91530102MA6N7Q8R2M"

EVERY_KIND = {
    "title": "测试申请表",
    "sections": [{"key": "applicant", "title": "申请人信息"}, {"key": "details", "title": "申请事项"}],
    "fields": [
        {"name": "applicant_name", "label": "申请人姓名", "kind": "text", "required": True, "section": "applicant",
         "max_length": 10},
        {"name": "note", "label": "备注", "kind": "textarea"},
        {"name": "id_number", "label": "身份证号码", "kind": "id_number", "required": True, "section": "applicant"},
        {"name": "credit_code", "label": "统一社会信用代码", "kind": "credit_code"},
        {"name": "phone", "label": "联系电话", "kind": "phone", "required": True},
        {"name": "email", "label": "电子邮箱", "kind": "email"},
        {"name": "area", "label": "经营面积", "kind": "number", "min": 1, "max": 1000, "unit": "平方米"},
        {"name": "staff_count", "label": "从业人数", "kind": "number", "integer": True, "min": 0},
        {"name": "birth_date", "label": "出生日期", "kind": "date", "max": "today"},
        {"name": "married", "label": "婚姻状况", "kind": "choice", "required": True,
         "options": [["yes", "已婚"], ["no", "未婚"]]},
        {"name": "spouse_name", "label": "配偶姓名", "kind": "text", "required": True,
         "visible_when": {"married": "yes"}},
        {"name": "scope", "label": "经营项目", "kind": "multichoice", "options": [["food", "食品"], ["drink", "饮品"]]},
        {"name": "region", "label": "所在地区", "kind": "region", "level": "county"},
        {"name": "home", "label": "住址", "kind": "address", "level": "county"},
        {"name": "members", "label": "家庭成员", "kind": "rows", "min_rows": 1, "max_rows": 2, "required": True,
         "fields": [{"name": "name", "label": "姓名", "kind": "text", "required": True},
                    {"name": "id_number", "label": "身份证号码", "kind": "id_number"},
                    {"name": "relation", "label": "关系", "kind": "choice",
                     "options": [["child", "子女"], ["parent", "父母"]]}]},
        {"name": "birth_certificate", "label": "出生医学证明", "kind": "attachment", "material": "出生医学证明"},
    ],
}


@pytest.fixture
def spec(regions):
    RegionFactory(code="530126001000", name="鹿阜街道", level=4, parent=regions["county"])
    return form_spec_from_definition(EVERY_KIND, key="test:v1", version=1)


def good(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "applicant_name": "王晓明", "id_number": VALID_ID, "phone": "13800000002", "married": "no",
        "members": [{"name": "王小明", "relation": "child"}],
    }
    data.update(overrides)
    return data


def issues_of(spec: Any, data: Any, **kwargs: Any) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as caught:
        form_validate(spec=spec, data=data, **kwargs)
    return [(issue.field, issue.code) for issue in caught.value.issues]


# ------------------------------------------------------------------ the generated schema


def test_schema_is_json_schema_2020_12_generated_from_the_field_list(spec):
    schema = spec.schema
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["applicant_name", "id_number", "phone", "married", "members"]
    props = schema["properties"]
    assert props["applicant_name"] == {"type": "string", "maxLength": 10, "minLength": 1, "title": "申请人姓名",
                                       "x-kind": "text"}
    assert props["staff_count"]["type"] == "integer" and props["area"]["type"] == "number"
    assert props["married"]["enum"] == ["yes", "no"]
    assert props["scope"]["items"]["enum"] == ["food", "drink"] and props["scope"]["uniqueItems"] is True
    assert props["members"]["minItems"] == 1 and props["members"]["maxItems"] == 2
    assert props["members"]["items"]["required"] == ["name"]
    assert props["home"]["required"] == ["region", "detail"]
    assert props["birth_date"]["format"] == "date"
    assert props["birth_certificate"]["x-material"] == "出生医学证明"
    # the conditionally required field: required only when the condition holds
    assert schema["allOf"] == [{"if": {"properties": {"married": {"enum": ["yes"]}}, "required": ["married"]},
                                "then": {"required": ["spouse_name"]}}]


def test_layout_keeps_sections_order_and_help(spec):
    sections = spec.layout["sections"]
    assert [s["key"] for s in sections] == ["applicant", "main"]
    assert sections[0]["fields"] == ["applicant_name", "id_number"]
    assert sections[1]["title"] == "申请信息" and "phone" in sections[1]["fields"]


# ------------------------------------------------------------------ every kind, valid and invalid


def test_a_complete_valid_application_is_cleaned(spec):
    cleaned = form_validate(spec=spec, data=good(
        note="  无  ", credit_code="91530102ma6n7q8r2m", email="a@example.cn", area=12.5, staff_count=3,
        birth_date="1988-05-05", scope=["food"], region="530126000000",
        home={"region": "530126001000", "detail": "鹿阜街道1号"}, birth_certificate=["file:1"]))
    assert cleaned["note"] == "无"
    assert cleaned["credit_code"] == VALID_CREDIT
    assert cleaned["home"] == {"region": "530126001000", "detail": "鹿阜街道1号"}
    assert cleaned["members"] == [{"name": "王小明", "relation": "child"}]


def test_id_number_with_a_wrong_check_character_is_refused_with_the_identity_message(spec):
    with pytest.raises(ValidationFailed) as caught:
        form_validate(spec=spec, data=good(id_number="530102198805051235"))
    issue = caught.value.issues[0]
    assert (issue.field, issue.code) == ("id_number", "id_number_check")
    assert issue.message.startswith("“身份证号码”：") and "校验位" in issue.message


def test_full_width_digits_and_lower_case_x_are_normalised(spec):
    cleaned = form_validate(spec=spec, data=good(id_number="５３０１０２１９８８０５０５１２３４", phone="＋86 138-0000-0002"))
    assert cleaned["id_number"] == VALID_ID and cleaned["phone"] == "13800000002"
    with_x = form_validate(spec=spec, data=good(id_number="53011119921230345x"))
    assert with_x["id_number"] == "53011119921230345X"


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_credit_code_with_a_letter_never_used_is_refused(spec, letter):
    code = VALID_CREDIT[:10] + letter + VALID_CREDIT[11:]
    assert issues_of(spec, good(credit_code=code)) == [("credit_code", "credit_code_excluded_letter")]


def test_credit_code_with_a_wrong_check_character_is_refused(spec):
    assert issues_of(spec, good(credit_code=VALID_CREDIT[:-1] + "A")) == [("credit_code", "credit_code_check")]


def test_phone_email_and_text_length(spec):
    found = issues_of(spec, good(phone="12345", email="not-an-email", applicant_name="王" * 11))
    assert ("phone", "mobile_length") in found
    assert ("email", "invalid_email") in found
    assert ("applicant_name", "too_long") in found


def test_numbers_must_be_numbers_within_their_range(spec):
    found = issues_of(spec, good(area="12", staff_count=2.5))
    assert ("area", "wrong_type") in found and ("staff_count", "wrong_type") in found
    assert issues_of(spec, good(area=0.5)) == [("area", "too_small")]
    assert issues_of(spec, good(area=1001)) == [("area", "too_large")]
    assert issues_of(spec, good(staff_count=True)) == [("staff_count", "wrong_type")]


def test_dates_must_exist_and_respect_today(spec):
    assert issues_of(spec, good(birth_date="2026-02-30")) == [("birth_date", "invalid_date")]
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    found = issues_of(spec, good(birth_date=tomorrow))
    assert found == [("birth_date", "date_too_late")]


def test_choices_outside_the_options_are_refused(spec):
    found = issues_of(spec, good(married="maybe", scope=["food", "tobacco", "food"]))
    assert ("married", "not_an_option") in found
    assert ("scope[1]", "not_an_option") in found
    assert ("scope", "duplicate_option") in found


def test_region_must_exist_and_be_fine_enough(spec, regions):
    assert issues_of(spec, good(region="530199000000")) == [("region", "unknown_region")]
    assert issues_of(spec, good(region="53012600")) == [("region", "unknown_region")]
    # a prefecture is too coarse for a county-level picker (昆明市 has counties in the directory)
    assert issues_of(spec, good(region="530100000000")) == [("region", "region_too_coarse")]
    # 曲靖市 has no counties in this directory: choosing it is accepted
    assert form_validate(spec=spec, data=good(region="530300000000"))["region"] == "530300000000"


def test_address_needs_region_and_detail(spec):
    found = issues_of(spec, good(home={"region": "530126000000"}))
    assert found == [("home.detail", "required")]
    found = issues_of(spec, good(home={"region": "999999999999", "detail": "x", "zip": "650000"}))
    assert ("home.zip", "unknown_field") in found and ("home.region", "unknown_region") in found


def test_repeating_rows_min_and_max(spec):
    assert issues_of(spec, good(members=[])) == [("members", "required")]
    rows = [{"name": "甲"}, {"name": "乙"}, {"name": "丙"}]
    assert issues_of(spec, good(members=rows)) == [("members", "too_many_rows")]
    found = issues_of(spec, good(members=[{"relation": "child"}, {"name": "乙", "id_number": "530102198805051235",
                                                                    "age": 3}]))
    assert ("members[0].name", "required") in found
    assert ("members[1].id_number", "id_number_check") in found
    assert ("members[1].age", "unknown_field") in found
    with pytest.raises(ValidationFailed) as caught:
        form_validate(spec=spec, data=good(members=[{"relation": "child"}]))
    assert caught.value.issues[0].message == "请填写“家庭成员”第1行的“姓名”。"


def test_rows_with_a_minimum_refuse_too_few(regions):
    spec = form_spec_from_definition({"fields": [
        {"name": "shareholders", "label": "股东", "kind": "rows", "min_rows": 2, "max_rows": 5,
         "fields": [{"name": "name", "label": "姓名", "kind": "text", "required": True}]}]}, key="t")
    assert issues_of(spec, {"shareholders": [{"name": "甲"}]}) == [("shareholders", "too_few_rows")]
    assert form_validate(spec=spec, data={"shareholders": [{"name": "甲"}, {"name": "乙"}]})


# ------------------------------------------------------------------ conditional fields


def test_hidden_conditional_fields_are_neither_required_nor_kept(spec):
    cleaned = form_validate(spec=spec, data=good(married="no", spouse_name="不该保留"))
    assert "spouse_name" not in cleaned
    assert issues_of(spec, good(married="yes")) == [("spouse_name", "required")]
    assert form_validate(spec=spec, data=good(married="yes", spouse_name="李丽"))["spouse_name"] == "李丽"


def test_hidden_fields_with_invalid_values_are_dropped_not_reported(spec):
    cleaned = form_validate(spec=spec, data=good(married="no", spouse_name=123))
    assert "spouse_name" not in cleaned


def test_conditions_inside_rows_refer_to_siblings(regions):
    spec = form_spec_from_definition({"fields": [
        {"name": "people", "label": "人员", "kind": "rows", "max_rows": 3, "fields": [
            {"name": "kind", "label": "类别", "kind": "choice", "options": [["adult", "成人"], ["child", "儿童"]]},
            {"name": "school", "label": "学校", "kind": "text", "required": True,
             "visible_when": {"kind": "child"}}]}]}, key="t")
    found = issues_of(spec, {"people": [{"kind": "adult"}, {"kind": "child"}]})
    assert found == [("people[1].school", "required")]
    cleaned = form_validate(spec=spec, data={"people": [{"kind": "adult", "school": "x"}]})
    assert cleaned == {"people": [{"kind": "adult"}]}


# ------------------------------------------------------------------ values outside the schema


def test_every_problem_is_listed_at_once(spec):
    found = issues_of(spec, {"applicant_name": 42, "id_number": VALID_ID, "married": "perhaps", "phone": ["x"],
                             "members": "none", "unknown": 1, "other": "x"})
    assert set(found) == {
        ("unknown", "unknown_field"), ("other", "unknown_field"), ("applicant_name", "wrong_type"),
        ("married", "not_an_option"), ("phone", "wrong_type"), ("members", "wrong_type"),
    }


def test_data_that_is_not_an_object_is_refused(spec):
    assert issues_of(spec, ["not", "a", "dict"]) == [("", "wrong_type")]


def test_partial_drafts_check_types_but_not_required(spec):
    assert form_validate(spec=spec, data={"applicant_name": "王"}, partial=True) == {"applicant_name": "王"}
    assert issues_of(spec, {"married": "perhaps", "area": "x"}, partial=True) == [
        ("area", "wrong_type"), ("married", "not_an_option")]
    assert form_validate(spec=spec, data={"members": []}, partial=True) == {}


def test_messages_name_the_field_label_in_chinese(spec):
    with pytest.raises(ValidationFailed) as caught:
        form_validate(spec=spec, data={})
    messages = {issue.field: issue.message for issue in caught.value.issues}
    assert messages["applicant_name"] == "请填写“申请人姓名”。"
    assert messages["married"] == "请填写“婚姻状况”。"
    assert caught.value.message == "申请表有5处需要修改。"


# ------------------------------------------------------------------ checking a definition


def rule_codes(definition: dict[str, Any], **kwargs: Any) -> list[tuple[str, str]]:
    return [(issue.code, issue.field) for issue in definition_check(definition, **kwargs)]


def test_a_good_definition_has_no_issues():
    assert definition_check(EVERY_KIND, materials=["出生医学证明"]) == []


def test_definition_problems_are_rule_like_issues_naming_the_field():
    definition = {"sections": [{"key": "a", "title": ""}], "fields": [
        {"name": "name", "label": "姓名", "kind": "text"},
        {"name": "name", "label": "重复", "kind": "text"},
        {"name": "Bad Name", "label": "坏名字", "kind": "text"},
        {"name": "x", "label": "", "kind": "slider"},
        {"name": "pick", "label": "选择", "kind": "choice", "options": []},
        {"name": "y", "label": "条件", "kind": "text", "visible_when": {"missing": "1"}},
        {"name": "z", "label": "预填", "kind": "text", "prefill": "nowhere.name"},
        {"name": "w", "label": "附件", "kind": "attachment", "material": "不存在的材料"},
        {"name": "v", "label": "分组", "kind": "text", "section": "nope"},
        {"name": "rows", "label": "行", "kind": "rows", "min_rows": 3, "max_rows": 1, "fields": []},
    ]}
    found = rule_codes(definition, materials=["出生医学证明"])
    assert ("F01", "fields[1].name") in found
    assert ("F01", "fields[2].name") in found
    assert ("F02", "fields[3].kind") in found and ("F06", "fields[3].label") in found
    assert ("F02", "fields[4].options") in found
    assert ("F03", "fields[5].visible_when") in found
    assert ("F04", "fields[6].prefill") in found
    assert ("F05", "fields[7].material") in found
    assert ("F06", "fields[8].section") in found and ("F06", "sections[0].title") in found
    assert ("F02", "fields[9].max_rows") in found and ("F02", "fields[9].fields") in found
    messages = [issue.message for issue in definition_check(definition)]
    assert any(m.startswith("F01 字段名称唯一且规范：第2个字段（“重复”）的名称“name”与第1个字段重复") for m in messages)


def test_condition_loops_and_values_not_offered_are_refused():
    definition = {"fields": [
        {"name": "a", "label": "甲", "kind": "choice", "options": [["1", "是"]], "visible_when": {"b": "x"}},
        {"name": "b", "label": "乙", "kind": "text", "visible_when": {"a": "2"}},
    ]}
    found = definition_check(definition)
    assert any("循环" in issue.message for issue in found)
    assert any("“2”不是“a”的选项" in issue.message for issue in found)


def test_prefill_must_fit_the_kind_and_reserved_sources_are_accepted():
    definition = {"fields": [
        {"name": "a", "label": "甲", "kind": "number", "prefill": "identity.name"},
        {"name": "b", "label": "乙", "kind": "text", "prefill": "history"},
        {"name": "c", "label": "丙", "kind": "text", "prefill": "license.business_name"},
        {"name": "d", "label": "丁", "kind": "text", "prefill": "profile.nothing"},
    ]}
    found = rule_codes(definition)
    assert found == [("F04", "fields[0].prefill"), ("F04", "fields[3].prefill")]
