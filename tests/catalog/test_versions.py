import pytest

from tests.factories import MATERIALS, DepartmentFactory, published_implementation, published_item
from tongban.catalog import selectors, services
from tongban.catalog.models import ItemVersion
from tongban.core.audit import SYSTEM
from tongban.core.errors import Conflict, ValidationFailed

pytestmark = pytest.mark.django_db


def test_adjustment_publishes_new_version_and_keeps_old():
    item = published_item()
    first = item.current_version
    services.item_draft_start(actor=SYSTEM, item=item)
    services.item_draft_update(actor=SYSTEM, item=item, elements={"promised_limit_value": 3},
                               materials=[*MATERIALS, {"name": "户口簿", "required": True}])
    assert selectors.item_get_published(basic_code=item.basic_code).current_version.promised_limit_value == 5
    second = services.item_publish(actor=SYSTEM, item=item, change_note="压缩承诺时限")
    item.refresh_from_db()
    assert item.current_version == second and second.number == 2
    assert ItemVersion.objects.filter(item=item, published_at__isnull=False).count() == 2
    first.refresh_from_db()
    assert first.promised_limit_value == 5  # old version untouched

    diff = selectors.version_diff(old=first, new=second)
    assert [(c.field, c.old, c.new) for c in diff.changes] == [("promised_limit_value", 5, 3)]
    assert diff.materials_added == ["户口簿"] and not diff.materials_removed


def test_draft_start_is_idempotent_and_edit_needs_a_draft():
    item = published_item()
    with pytest.raises(Conflict):
        services.item_draft_update(actor=SYSTEM, item=item, elements={"name": "x"})
    a = services.item_draft_start(actor=SYSTEM, item=item)
    b = services.item_draft_start(actor=SYSTEM, item=item)
    assert a.pk == b.pk


def test_unknown_element_is_refused():
    item = published_item()
    services.item_draft_start(actor=SYSTEM, item=item)
    with pytest.raises(ValidationFailed):
        services.item_draft_update(actor=SYSTEM, item=item, elements={"colour": "red"})


def test_lifecycle_through_the_transition_table():
    item = published_item()
    services.item_suspend(actor=SYSTEM, item=item, reason="法规修订")
    assert selectors.item_get_published(basic_code=item.basic_code) is None
    with pytest.raises(Conflict):
        services.item_suspend(actor=SYSTEM, item=item, reason="再次")
    services.item_resume(actor=SYSTEM, item=item)
    with pytest.raises(ValidationFailed):
        services.item_cancel(actor=SYSTEM, item=item, reason=" ")
    services.item_cancel(actor=SYSTEM, item=item, reason="事项取消")
    item.refresh_from_db()
    assert item.status == "cancelled"
    with pytest.raises(Conflict):
        services.item_draft_start(actor=SYSTEM, item=item)


def test_cancel_cascades_to_implementations(regions):
    item = published_item()
    impl = published_implementation(item, DepartmentFactory(region=regions["county"]))
    services.item_cancel(actor=SYSTEM, item=item, reason="取消")
    impl.refresh_from_db()
    assert impl.status == "cancelled"


def test_implementation_inherits_item_elements_and_code(regions):
    item = published_item()
    dept = DepartmentFactory(region=regions["county"])
    impl = published_implementation(item, dept, promised_limit_value=3)
    assert impl.code == f"{dept.credit_code}4{item.basic_code}" and len(impl.code) == 31
    services.item_draft_start(actor=SYSTEM, item=item)
    services.item_draft_update(actor=SYSTEM, item=item, elements={"acceptance_conditions": "新的受理条件"})
    services.item_publish(actor=SYSTEM, item=item)
    found = selectors.implementation_get_published(code=impl.code)
    assert found.item.current_version.acceptance_conditions == "新的受理条件"
    assert found.current_version.promised_limit_value == 3


def test_implementation_cannot_set_inherited_elements(regions):
    item = published_item()
    impl = published_implementation(item, DepartmentFactory(region=regions["county"]))
    services.implementation_draft_start(actor=SYSTEM, implementation=impl)
    with pytest.raises(ValidationFailed) as caught:
        services.implementation_draft_update(actor=SYSTEM, implementation=impl, elements={"name": "改名"})
    assert caught.value.code == "inherited_field"


def test_implementation_promise_over_legal_limit_is_refused(regions):
    item = published_item()
    with pytest.raises(ValidationFailed) as caught:
        published_implementation(item, DepartmentFactory(region=regions["county"]), promised_limit_value=25)
    assert "R09" in {i.code for i in caught.value.issues}


def test_item_cannot_lower_legal_limit_below_a_live_promise(regions):
    item = published_item(legal_limit_value=20)
    impl = published_implementation(item, DepartmentFactory(region=regions["county"]), promised_limit_value=15)
    services.item_draft_start(actor=SYSTEM, item=item)
    services.item_draft_update(actor=SYSTEM, item=item, elements={"legal_limit_value": 10})
    with pytest.raises(ValidationFailed) as caught:
        services.item_publish(actor=SYSTEM, item=item)
    assert any(impl.code in i.message for i in caught.value.issues)


def test_level_outside_exercise_levels_is_refused(regions):
    item = published_item(exercise_levels=["2"])
    with pytest.raises(ValidationFailed):
        published_implementation(item, DepartmentFactory(region=regions["county"]))


def test_site_lists_items_at_its_level_and_above(regions):
    county_item = published_item(name="县级事项")
    province_item = published_item(name="省级事项")
    published_implementation(county_item, DepartmentFactory(region=regions["county"]))
    published_implementation(province_item, DepartmentFactory(region=regions["province"]))
    county_codes = ["530000000000", "530100000000", "530126000000"]
    assert {i.pk for i in selectors.item_list_published(site_region_codes=county_codes)} == {
        county_item.pk, province_item.pk}
    assert {i.pk for i in selectors.item_list_published(site_region_codes=["530000000000"])} == {province_item.pk}
    qujing_codes = ["530000000000", "530300000000"]
    assert {i.pk for i in selectors.item_list_published(site_region_codes=qujing_codes)} == {province_item.pk}
