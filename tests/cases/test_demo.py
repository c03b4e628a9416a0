"""The demo data set configures case handling for the items with seeded forms and the 一件事 members, and has the
staff to handle them (窗口受理 → 审核 → 审批 at 石林县公安局 and 昆明市市场监督管理局)."""

import pytest
from django.contrib.auth import get_user_model

from tongban.cases import services
from tongban.catalog import selectors as catalog_selectors
from tongban.demo import loader
from tongban.directory.selectors import staff_context_for_user

pytestmark = pytest.mark.django_db


def test_demo_processing_configurations_and_case_staff():
    assert loader.load(echo=lambda _: None) is True
    county_birth = catalog_selectors.implementation_list(item_code="070010001000", region_code=loader.COUNTY).get()
    config = services.processing_config_for(implementation_id=county_birth.pk)
    assert not config.is_default and config.budget_total <= config.promised_limit_working_days
    assert {step.role for step in config.steps} <= {"window_clerk", "reviewer", "approver"}
    food = catalog_selectors.implementation_list(item_code="010050608000", region_code=loader.KUNMING).get()
    assert not services.processing_config_for(implementation_id=food.pk).is_default
    users = get_user_model().objects
    roles = {name: staff_context_for_user(users.get(username=name)) for name in (
        "demo_sl_clerk", "demo_sl_examiner", "demo_sl_approver", "demo_km_clerk", "demo_km_examiner",
        "demo_km_approver", "demo_sl_weijian", "demo_sl_gongan")}
    assert roles["demo_sl_clerk"].department_id == county_birth.department_id
    assert roles["demo_km_approver"].department_id == food.department_id
    assert {"window_clerk", "reviewer", "approver"} <= roles["demo_sl_weijian"].roles
    assert roles["demo_sl_gongan"].is_department_admin
    bundle = catalog_selectors.bundle_get(code="birth")
    for member in bundle.members.all():
        impl = catalog_selectors.implementation_list(item_code=member.item.basic_code, region_code=loader.COUNTY).first()
        assert impl is None or not services.processing_config_for(implementation_id=impl.pk).is_default
    # a second, forced load keeps the configurations as they are
    before = {c.implementation_id: c.revision for c in [services.processing_config_for(implementation_id=county_birth.pk)]}
    loader.load(force=True, echo=lambda _: None)
    assert services.processing_config_for(implementation_id=county_birth.pk).revision == before[county_birth.pk]
