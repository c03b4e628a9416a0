"""The workbench form editor (申请表单编辑) and the server-side renderer of the applicant's form."""

from __future__ import annotations

import re

import pytest
from django.http import QueryDict

from tests.factories import DepartmentFactory, RegionFactory, make_staff, published_implementation, published_item
from tests.organizations.helpers import WANG_ID, person
from tongban.catalog import services
from tongban.catalog.forms import form_prefill, form_spec_from_definition, form_validate
from tongban.catalog.forms.render import form_data_from_post, form_render
from tongban.core.audit import SYSTEM
from tongban.core.errors import ValidationFailed
from tongban.core.models import AuditEvent
from tongban.directory.models import StaffRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(regions):
    police = DepartmentFactory(region=regions["county"], category="gongan")
    civil = DepartmentFactory(region=regions["county"], category="minzheng")
    item = published_item()
    own = published_implementation(item, police)
    other = published_implementation(item, civil)
    return {"admin": make_staff(police, StaffRole.DEPARTMENT_CATALOG_ADMIN),
            "platform": make_staff(DepartmentFactory(region=regions["province"], category="zwfw"),
                                   StaffRole.PLATFORM_CATALOG_ADMIN),
            "item": item, "own": own, "other": other}


def editor_post(**extra: str) -> dict[str, str]:
    data = {"title": "", "sections": "applicant|申请人信息|",
            "f-0-name": "applicant_name", "f-0-label": "申请人姓名", "f-0-kind": "text", "f-0-required": "1",
            "f-0-section": "applicant", "f-0-prefill": "identity.name",
            "f-1-name": "married", "f-1-label": "婚姻状况", "f-1-kind": "choice", "f-1-options": "yes|已婚\nno|未婚",
            "f-2-name": "spouse", "f-2-label": "配偶姓名", "f-2-kind": "text", "f-2-required": "1",
            "f-2-visible_when": "married=yes",
            "f-3-name": "certificate", "f-3-label": "出生医学证明", "f-3-kind": "attachment",
            "f-3-material": "出生医学证明"}
    data.update(extra)
    return data


def test_editor_saves_the_form_into_the_draft_and_publishing_makes_it_a_new_version(client, setup):
    impl = setup["own"]
    client.force_login(setup["admin"])
    url = f"/workbench/implementations/{impl.pk}/form/"
    page = client.get(url)
    assert page.status_code == 200 and "调整（新建版本草稿）后修改表单" in page.content.decode()
    client.post(f"/workbench/implementations/{impl.pk}/draft/")
    page = client.get(url).content.decode()
    assert "使用无默认表单" in page or "自定义" in page
    page = client.post(url, {"op": "customize"}).content.decode()
    assert "还没有字段" in page
    response = client.post(url, {**editor_post(), "op": "save"})
    assert response.status_code == 302
    draft = impl.versions.get(number=2)
    assert [f["name"] for f in draft.form["fields"]] == ["applicant_name", "married", "spouse", "certificate"]
    assert draft.form["fields"][2]["visible_when"] == {"married": ["yes"]}
    assert client.post(f"/workbench/implementations/{impl.pk}/publish/", {"change_note": "表单"}).status_code == 302
    impl.refresh_from_db()
    assert impl.current_version.number == 2
    versions = client.get(url).content.decode()
    assert "本地表单（4个字段）" in versions and "?version=1" in versions
    old = client.get(url + "?version=1").content.decode()
    assert "正在查看 v1 的申请表单" in old


def test_editor_operations_work_without_javascript(client, setup):
    impl = setup["own"]
    services.implementation_draft_start(actor=SYSTEM, implementation=impl)
    client.force_login(setup["admin"])
    url = f"/workbench/implementations/{impl.pk}/form/"
    page = client.post(url, {**editor_post(), "op": "add"}).content.decode()
    assert 'name="f-4-name" value="field_5"' in page
    page = client.post(url, {**editor_post(), "op": "down:0"}).content.decode()
    assert page.index('value="married"') < page.index('value="applicant_name"')
    page = client.post(url, {**editor_post(), "op": "remove:3"}).content.decode()
    assert 'value="certificate"' not in page
    assert impl.versions.get(number=2).form is None, "nothing is saved until 保存草稿"


def test_saving_an_invalid_form_shows_every_rule_and_keeps_the_input(client, setup):
    impl = setup["own"]
    services.implementation_draft_start(actor=SYSTEM, implementation=impl)
    client.force_login(setup["admin"])
    bad = editor_post(**{"f-1-name": "applicant_name", "f-3-material": "营业执照", "f-2-visible_when": "nope=1"})
    page = client.post(f"/workbench/implementations/{impl.pk}/form/", {**bad, "op": "save"}).content.decode()
    assert "F01 字段名称唯一且规范" in page and "F05 附件栏对应本事项的申请材料" in page
    assert "F03 显示条件引用的字段存在" in page
    assert impl.versions.get(number=2).form is None


def test_live_preview_renders_the_applicants_form(client, setup):
    impl = setup["own"]
    services.implementation_draft_start(actor=SYSTEM, implementation=impl)
    client.force_login(setup["admin"])
    response = client.post(f"/workbench/implementations/{impl.pk}/form/preview/", editor_post())
    html = response.content.decode()
    assert response.status_code == 200 and "表单定义检查通过" in html
    assert 'name="preview-applicant_name"' in html and "（仅当“婚姻状况”选择“已婚”时填写）" in html
    assert "请在“申请材料”中提交：出生医学证明" in html


def test_another_departments_form_answers_404_and_is_audited(client, setup):
    other = setup["other"]
    services.implementation_draft_start(actor=SYSTEM, implementation=other)
    client.force_login(setup["admin"])
    assert client.get(f"/workbench/implementations/{other.pk}/form/").status_code == 404
    assert client.post(f"/workbench/implementations/{other.pk}/form/", {**editor_post(), "op": "save"}
                       ).status_code == 404
    assert client.post(f"/workbench/implementations/{other.pk}/form/preview/", editor_post()).status_code == 404
    denied = AuditEvent.objects.filter(action="catalog.implementation.open", outcome="denied",
                                       object_id=str(other.pk))
    assert denied.count() == 3
    assert other.versions.get(number=2).form is None


def test_platform_admin_edits_the_item_default_form(client, setup):
    item = setup["item"]
    services.item_draft_start(actor=SYSTEM, item=item)
    client.force_login(setup["platform"])
    response = client.post(f"/workbench/items/{item.pk}/form/", {**editor_post(), "op": "save"})
    assert response.status_code == 302
    assert item.versions.get(number=2).form["fields"][0]["name"] == "applicant_name"
    client.force_login(setup["admin"])
    page = client.get(f"/workbench/items/{item.pk}/form/").content.decode()
    assert "data-form-editor" not in page, "a department admin only sees the default form"


# ------------------------------------------------------------------ renderer and post parser

FORM = {"fields": [
    {"name": "applicant_name", "label": "申请人姓名", "kind": "text", "required": True, "prefill": "identity.name"},
    {"name": "applicant_id", "label": "身份证号码", "kind": "id_number", "required": True,
     "prefill": "identity.id_number"},
    {"name": "phone", "label": "联系电话", "kind": "phone", "prefill": "profile.phone"},
    {"name": "area", "label": "面积", "kind": "number", "unit": "平方米"},
    {"name": "opened", "label": "开业日期", "kind": "date"},
    {"name": "scope", "label": "经营项目", "kind": "multichoice", "options": [["food", "食品"], ["drink", "饮品"]]},
    {"name": "home", "label": "住址", "kind": "address", "level": "township"},
    {"name": "members", "label": "家庭成员", "kind": "rows", "max_rows": 3,
     "fields": [{"name": "name", "label": "姓名", "kind": "text", "required": True},
                {"name": "age", "label": "年龄", "kind": "number", "integer": True}]},
]}


def test_renderer_shows_prefill_badges_locks_verified_values_and_errors_next_to_fields(regions, rf):
    wang = person(name="王晓明", id_number=WANG_ID)
    spec = form_spec_from_definition(FORM, key="t")
    prefilled = form_prefill(spec=spec, user=wang)
    with pytest.raises(ValidationFailed) as caught:
        form_validate(spec=spec, data={"phone": "123", "members": [{"age": 3}]}, prefilled=prefilled)
    rendered = form_render(spec, values={"phone": "123", "members": [{"age": 3}]}, prefilled=prefilled,
                           issues=caught.value.issues)
    from django.template.loader import render_to_string

    html = render_to_string("catalog/forms/form.html", {"form": rendered})
    assert "来自：公安人口库（已核验，不可修改）" in html
    assert "来自：个人资料（可修改）" in html
    assert re.search(r'id="form-applicant_name" value="王晓明" readonly', html)
    assert '<input type="hidden" name="form-applicant_name" value="王晓明">' in html
    assert 'value="123"' in html, "the applicant's own value is kept over the prefilled one"
    assert "手机号码应为11位数字" in html and "请填写“家庭成员”第1行的“姓名”。" in html
    assert "申请表有2处需要修改" in html


def test_region_picker_is_grouped_selects_without_javascript(regions):
    RegionFactory(code="530126001000", name="鹿阜街道", level=4, parent=regions["county"])
    spec = form_spec_from_definition(FORM, key="t")
    from django.template.loader import render_to_string

    html = render_to_string("catalog/forms/form.html", {"form": form_render(spec, values={
        "home": {"region": "530126001000", "detail": "石林路1号"}})})
    assert '<optgroup label="昆明市" data-parent="530100000000"><option value="530126000000" selected>' in html
    assert '<optgroup label="石林彝族自治县" data-parent="530126000000"><option value="530126001000" selected>' in html


def test_post_parser_shapes_data_for_the_validator(regions):
    RegionFactory(code="530126001000", name="鹿阜街道", level=4, parent=regions["county"])
    spec = form_spec_from_definition(FORM, key="t")
    post = QueryDict(mutable=True)
    post.update({"form-applicant_name": " 王晓明 ", "form-applicant_id": WANG_ID, "form-area": "１２.５",
                 "form-opened": "2024年3月1日", "form-home-region": "530126000000",
                 "form-home-region-township": "530126001000", "form-home-detail": "石林路1号",
                 "form-members-0-name": "甲", "form-members-0-age": "７", "form-members-1-name": "",
                 "form-members-1-age": "", "form-members-2-name": "乙"})
    post.setlist("form-scope", ["food", "drink"])
    data = form_data_from_post(spec, post)
    assert data == {"applicant_name": "王晓明", "applicant_id": WANG_ID, "area": 12.5, "opened": "2024-03-01",
                    "scope": ["food", "drink"], "home": {"region": "530126001000", "detail": "石林路1号"},
                    "members": [{"name": "甲", "age": 7}, {"name": "乙"}]}
    assert form_validate(spec=spec, data=data)["home"]["region"] == "530126001000"
