"""Forms belong to versions: the item's default form, an implementation's own form in its draft, every
published version keeping its form; scope (a department edits only its own); the combined form of a bundle."""

from __future__ import annotations

import pytest

from tests.factories import DepartmentFactory, make_staff, published_implementation, published_item
from tongban.catalog import services
from tongban.catalog.forms import (
    form_by_key,
    form_for_bundle,
    form_for_implementation,
    form_for_implementation_version,
    form_member_data,
    form_spec_restore,
    form_spec_snapshot,
    form_validate,
)
from tongban.core.audit import SYSTEM
from tongban.core.errors import NotFound, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.directory.models import StaffRole

pytestmark = pytest.mark.django_db

DEFAULT_FORM = {"fields": [
    {"name": "applicant_name", "label": "申请人姓名", "kind": "text", "required": True},
    {"name": "birth_certificate", "label": "出生医学证明", "kind": "attachment", "material": "出生医学证明"},
]}
LOCAL_FORM = {"fields": [
    {"name": "applicant_name", "label": "申请人姓名", "kind": "text", "required": True},
    {"name": "village", "label": "所在村（社区）", "kind": "text", "required": True},
]}


@pytest.fixture
def people(regions):
    police = DepartmentFactory(region=regions["county"], category="gongan")
    civil = DepartmentFactory(region=regions["county"], category="minzheng")
    return {
        "platform": make_staff(DepartmentFactory(region=regions["province"], category="zwfw"),
                               StaffRole.PLATFORM_CATALOG_ADMIN),
        "police_admin": make_staff(police, StaffRole.DEPARTMENT_CATALOG_ADMIN),
        "police": police, "civil": civil,
    }


def item_with_default_form():
    item = published_item()
    services.item_draft_start(actor=SYSTEM, item=item)
    services.item_form_update(actor=SYSTEM, item=item, form=DEFAULT_FORM)
    services.item_publish(actor=SYSTEM, item=item)
    item.refresh_from_db()
    return item


def test_implementations_inherit_the_item_default_form(people):
    item = item_with_default_form()
    impl = published_implementation(item, people["police"])
    spec = form_for_implementation(implementation_code=impl.code)
    assert spec.key == f"impl:{impl.code}:v1:item-v2" and spec.version == 1
    assert [f.name for f in spec.fields] == ["applicant_name", "birth_certificate"]
    assert spec.title == "出生登记申请表"


def test_a_form_change_is_part_of_a_new_implementation_version_and_every_version_keeps_its_form(people):
    item = item_with_default_form()
    impl = published_implementation(item, people["police"])
    admin = people["police_admin"]
    services.implementation_draft_start(actor=admin, implementation=impl)
    services.implementation_form_update(actor=admin, implementation=impl, form=LOCAL_FORM)
    # the draft does not change the form in force
    assert form_for_implementation(implementation_code=impl.code).key == f"impl:{impl.code}:v1:item-v2"
    services.implementation_publish(actor=admin, implementation=impl)
    current = form_for_implementation(implementation_code=impl.code)
    assert current.key == f"impl:{impl.code}:v2" and [f.name for f in current.fields] == ["applicant_name", "village"]
    old = form_by_key(key=f"impl:{impl.code}:v1:item-v2")
    assert [f.name for f in old.fields] == ["applicant_name", "birth_certificate"]
    assert form_by_key(key=current.key).digest == current.digest
    assert [f.name for f in form_for_implementation_version(implementation_code=impl.code, number=1).fields] == [
        "applicant_name", "birth_certificate"]
    with pytest.raises(NotFound):
        form_by_key(key=f"impl:{impl.code}:v2:item-v2")  # v2 has its own form: it never inherited
    # the next draft starts from the form in force; inheriting again is a change of its own
    services.implementation_draft_start(actor=admin, implementation=impl)
    assert form_for_implementation_version(implementation_code=impl.code, number=3).key == f"impl:{impl.code}:v3"
    services.implementation_form_update(actor=admin, implementation=impl, form=None)
    services.implementation_publish(actor=admin, implementation=impl)
    assert form_for_implementation(implementation_code=impl.code).key == f"impl:{impl.code}:v3:item-v2"
    audit = AuditEvent.objects.filter(action="catalog.implementation.form").order_by("pk")
    assert audit.count() == 2 and audit[0].detail["added"] == ["所在村（社区）（village）"]


def test_a_case_can_keep_its_form_as_a_snapshot(people):
    item = item_with_default_form()
    impl = published_implementation(item, people["police"])
    spec = form_for_implementation(implementation_code=impl.code)
    restored = form_spec_restore(form_spec_snapshot(spec))
    assert restored == spec
    assert form_validate(spec=restored, data={"applicant_name": "王"}) == {"applicant_name": "王"}


def test_an_invalid_form_is_not_saved(people):
    item = item_with_default_form()
    impl = published_implementation(item, people["police"])
    services.implementation_draft_start(actor=SYSTEM, implementation=impl)
    broken = {"fields": [{"name": "a", "label": "附件", "kind": "attachment", "material": "营业执照"},
                         {"name": "a", "label": "重复", "kind": "text"}]}
    with pytest.raises(ValidationFailed) as caught:
        services.implementation_form_update(actor=SYSTEM, implementation=impl, form=broken)
    assert sorted(issue.code for issue in caught.value.issues) == ["F01", "F05"]


def test_department_admin_cannot_edit_another_departments_form(people):
    item = item_with_default_form()
    others = published_implementation(item, people["civil"])
    services.implementation_draft_start(actor=SYSTEM, implementation=others)
    with pytest.raises(NotPermitted):
        services.implementation_form_update(actor=people["police_admin"], implementation=others, form=LOCAL_FORM)
    assert AuditEvent.objects.filter(action="catalog.implementation.form", outcome="denied").count() == 1
    assert others.versions.get(number=2).form is None


def test_only_platform_admins_edit_the_item_default_form(people):
    item = item_with_default_form()
    services.item_draft_start(actor=SYSTEM, item=item)
    with pytest.raises(NotPermitted):
        services.item_form_update(actor=people["police_admin"], item=item, form=LOCAL_FORM)
    assert AuditEvent.objects.filter(action="catalog.item.form", outcome="denied").count() == 1


def test_publishing_refuses_an_attachment_slot_whose_material_left_the_item(people):
    item = item_with_default_form()
    impl = published_implementation(item, people["police"])
    services.implementation_draft_start(actor=SYSTEM, implementation=impl)
    services.implementation_form_update(actor=SYSTEM, implementation=impl, form=DEFAULT_FORM)
    services.item_draft_start(actor=SYSTEM, item=item)
    services.item_draft_update(actor=SYSTEM, item=item, elements={}, materials=[
        {"name": "居民户口簿", "issuer": "公安机关", "original_count": 1, "copy_count": 0, "required": True,
         "note": "", "license_type": ""}])
    services.item_form_update(actor=SYSTEM, item=item, form=None)
    services.item_publish(actor=SYSTEM, item=item)
    impl.refresh_from_db()
    issues = services.implementation_validate(implementation=impl)
    assert [issue.code for issue in issues] == ["F05"]
    with pytest.raises(ValidationFailed):
        services.implementation_publish(actor=SYSTEM, implementation=impl)


def test_unknown_or_unpublished_implementations_have_no_form(people):
    with pytest.raises(NotFound):
        form_for_implementation(implementation_code="X" * 31)
    with pytest.raises(NotFound):
        form_by_key(key="impl:nonsense")


# ------------------------------------------------------------------ 一件事: one combined form


def make_bundle(people):
    first = published_item(name="出生医学证明首次签发")
    second = published_item(name="出生登记")
    for item, form in ((first, {"sections": [{"key": "child", "title": "新生儿"}], "fields": [
        {"name": "child_name", "label": "新生儿姓名", "kind": "text", "required": True, "section": "child"},
        {"name": "hospital", "label": "出生医院", "kind": "text", "required": True}]}),
                       (second, {"fields": [
        {"name": "child_name", "label": "新生儿姓名", "kind": "text"},
        {"name": "guardian_id", "label": "监护人身份证号码", "kind": "id_number", "required": True},
        {"name": "household", "label": "落户地址", "kind": "text", "required": True}]})):
        services.item_draft_start(actor=SYSTEM, item=item)
        services.item_form_update(actor=SYSTEM, item=item, form=form)
        services.item_publish(actor=SYSTEM, item=item)
    services.bundle_upsert(actor=SYSTEM, code="birth", name="出生一件事", audience="person", life_event_code=None,
                           summary="s", guide="g", member_names=["出生医学证明首次签发", "出生登记"])
    return first, second


def test_bundle_form_is_the_union_of_member_forms_deduplicated_with_sections_per_item(people):
    first, second = make_bundle(people)
    spec = form_for_bundle(bundle_code="birth")
    assert [f.name for f in spec.fields] == ["child_name", "hospital", "guardian_id", "household"]
    assert spec.field_named("child_name").required is True  # required by one member: required
    sections = spec.layout["sections"]
    assert [(s["title"], s["fields"]) for s in sections] == [
        ("共同信息", ["child_name"]), ("出生医学证明首次签发", ["hospital"]), ("出生登记", ["guardian_id", "household"])]
    members = spec.layout["members"]
    assert members[1] == {"basic_code": second.basic_code, "name": "出生登记",
                          "fields": ["child_name", "guardian_id", "household"]}
    assert spec.key.startswith("bundle:birth:g") and form_by_key(key=spec.key).digest == spec.digest
    data = form_validate(spec=spec, data={"child_name": "王小宝", "hospital": "石林县人民医院",
                                          "guardian_id": "530102199001011231", "household": "石林县鹿阜街道"})
    assert form_member_data(spec=spec, basic_code=first.basic_code, data=data) == {
        "child_name": "王小宝", "hospital": "石林县人民医院"}


def test_bundle_form_override_is_versioned(people):
    make_bundle(people)
    override = {"fields": [{"name": "child_name", "label": "宝宝姓名", "kind": "text", "required": True}]}
    services.bundle_form_save(actor=SYSTEM, bundle_code="birth", form=override)
    spec = form_for_bundle(bundle_code="birth")
    assert spec.key == "bundle:birth:v1" and spec.field_named("child_name").label == "宝宝姓名"
    assert spec.layout["members"][1]["fields"] == ["child_name"]
    with pytest.raises(NotPermitted):
        services.bundle_form_save(actor=people["police_admin"], bundle_code="birth", form=None)
    services.bundle_form_save(actor=SYSTEM, bundle_code="birth", form=None)
    assert form_for_bundle(bundle_code="birth").key.startswith("bundle:birth:g")


def test_item_version_diff_lists_default_form_changes(people):
    from tongban.catalog.selectors import version_diff

    item = item_with_default_form()
    versions = {v.number: v for v in item.versions.all()}
    diff = version_diff(old=versions[1], new=versions[2])
    assert diff.form_changes == {"added": ["申请人姓名（applicant_name）", "出生医学证明（birth_certificate）"]}
    assert not diff.is_empty
