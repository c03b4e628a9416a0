"""Every consistency rule, at publish time, names the rule and the field."""

import pytest

from tests.factories import MATERIALS, valid_elements
from tongban.catalog import services
from tongban.catalog.rules import RULES, check_implementation, check_item
from tongban.core.audit import SYSTEM
from tongban.core.errors import ValidationFailed

BAD = {
    "R01": ({"promised_limit_value": 0, "process": [{"name": "受理", "days": 0}]}, "case_type"),
    "R02": ({"online_depth": 4, "visit_count": 1}, "visit_count"),
    "R03": ({"visit_count": 2, "visit_reason": ""}, "visit_reason"),
    "R04": ({"fee_charged": True, "fee_basis": "", "fee_items": []}, "fee_basis"),
    "R05": ({"result_name": "许可证", "result_type": "", "result_sample": ""}, "result_type"),
    "R06": ({"audience": "organization", "service_objects": ["1"]}, "service_objects"),
    "R07": ({"process": [{"name": "审核", "days": 4}, {"name": "决定", "days": 3}]}, "process"),
    "R09": ({"promised_limit_value": 30, "process": []}, "promised_limit_value"),
    "R10": ({"legal_basis": []}, "legal_basis"),
}


def test_valid_elements_pass_every_rule():
    assert check_item(valid_elements(), MATERIALS) == []


@pytest.mark.parametrize("rule", sorted(BAD))
def test_each_item_rule_names_rule_and_field(rule):
    overrides, field = BAD[rule]
    issues = check_item(valid_elements(**overrides), MATERIALS)
    assert (rule, field) in {(i.code, i.field) for i in issues}
    message = next(i.message for i in issues if i.code == rule)
    assert message.startswith(f"规则{rule}") and RULES[rule].title in message


def test_immediate_case_type_with_positive_promise_is_refused():
    issues = check_item(valid_elements(case_type="1"), MATERIALS)
    assert ("R01", "case_type") in {(i.code, i.field) for i in issues}


def test_immediate_item_is_consistent():
    elements = valid_elements(case_type="1", promised_limit_value=0, process=[{"name": "受理并办结", "days": 0}])
    assert check_item(elements, MATERIALS) == []


def test_material_without_name_is_refused():
    issues = check_item(valid_elements(), [{"name": " "}])
    assert ("R10", "materials[1].name") in {(i.code, i.field) for i in issues}


def test_consult_and_supervise_phone_must_differ():
    local = {"address": "地址", "hours": "工作日", "consult_phone": "0871-12345678", "supervise_phone": "087112345678",
             "promised_limit_value": 5, "promised_limit_unit": "working_day"}
    issues = check_implementation(local, valid_elements())
    assert ("R08", "supervise_phone") in {(i.code, i.field) for i in issues}


def test_implementation_promise_cannot_exceed_legal_limit():
    local = {"address": "地址", "hours": "工作日", "consult_phone": "0871-1", "supervise_phone": "12345",
             "promised_limit_value": 21, "promised_limit_unit": "working_day"}
    codes = {(i.code, i.field) for i in check_implementation(local, valid_elements())}
    assert ("R09", "promised_limit_value") in codes


def test_natural_days_are_compared_as_working_days():
    # 28 natural days = 20 working days: within a 20-working-day legal limit.
    local = {"address": "地址", "hours": "工作日", "consult_phone": "0871-1", "supervise_phone": "12345",
             "promised_limit_value": 28, "promised_limit_unit": "natural_day"}
    assert not [i for i in check_implementation(local, valid_elements(process=[])) if i.code == "R09"]


@pytest.mark.django_db
def test_publish_refuses_broken_item_and_lists_every_problem():
    item = services.item_create(actor=SYSTEM, basic_code="070010009000", department_category="gongan",
                                elements=valid_elements(online_depth=4, visit_count=1, fee_charged=True),
                                materials=MATERIALS)
    with pytest.raises(ValidationFailed) as caught:
        services.item_publish(actor=SYSTEM, item=item)
    assert {"R02", "R04"} <= {i.code for i in caught.value.issues}
    item.refresh_from_db()
    assert item.status == "draft" and item.current_version is None
