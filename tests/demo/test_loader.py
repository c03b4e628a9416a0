import pytest

from tongban.catalog import selectors
from tongban.core.audit import audit_verify
from tongban.core.models import AuditEvent
from tongban.demo import loader

pytestmark = pytest.mark.django_db


def test_demo_data_loads_once_and_never_duplicates():
    assert loader.load(echo=lambda _: None) is True
    items = selectors.item_list_published().count()
    implementations = selectors.implementation_list().count()
    audit_rows = AuditEvent.objects.count()
    publishes = AuditEvent.objects.filter(action__in=["catalog.item.publish", "catalog.implementation.publish"]).count()
    assert items >= 153
    assert len({i["name"] for i in loader.seed_items()}) == items
    # The second run sees the unchanged fingerprint and does nothing.
    assert loader.load(echo=lambda _: None) is False
    # A forced reload finds everything in place and adds nothing.
    assert loader.load(force=True, echo=lambda _: None) is True
    assert selectors.item_list_published().count() == items
    assert selectors.implementation_list().count() == implementations
    assert AuditEvent.objects.filter(action="catalog.item.create").count() == items
    assert AuditEvent.objects.filter(
        action__in=["catalog.item.publish", "catalog.implementation.publish"]).count() == publishes, \
        "an unchanged seed (forms included) publishes nothing new"
    assert AuditEvent.objects.count() > audit_rows  # the forced reload re-checked, and classified again
    assert list(audit_verify()) == []
    from tongban.identity.selectors import user_assurance_level
    from tongban.identity.services import account_find

    levels = [user_assurance_level(user=account_find(identifier=p[0])) for p in loader.DEMO_PEOPLE]
    assert levels == [1, 2, 3, 4]
    assert account_find(identifier=loader.DEMO_ENTERPRISE[0]).kind == "organization"
    from django.contrib.auth import get_user_model

    from tongban.directory.selectors import staff_context_for_user

    staff = {row[0]: staff_context_for_user(get_user_model().objects.get(username=row[0])) for row in loader.DEMO_STAFF}
    assert staff["demo_reviewer"].scope.region_prefix == "53" and staff["demo_sl_reviewer"].scope.region_prefix == "530126"
    assert staff["demo_platform"].is_platform_admin and staff["demo_platform"].is_platform_catalog_admin
    assert staff["demo_security"].is_security_admin and staff["demo_km_admin"].is_department_admin


def test_seeded_forms_are_in_force_with_a_combined_bundle_form():
    from tongban.catalog.forms import form_for_bundle, form_for_implementation

    assert loader.load(echo=lambda _: None) is True
    with_forms = [impl for impl in selectors.implementation_list()
                  if not form_for_implementation(implementation_code=impl.code).is_empty]
    assert len({impl.item.basic_code for impl in with_forms}) >= 12
    county_birth = selectors.implementation_list(item_code="070010001000", region_code=loader.COUNTY).get()
    spec = form_for_implementation(implementation_code=county_birth.code)
    assert spec.key.startswith(f"impl:{county_birth.code}:v1:item-v") and spec.field_named("child_name")
    kunming_food = selectors.implementation_list(item_code="010050608000", region_code=loader.KUNMING).get()
    own = form_for_implementation(implementation_code=kunming_food.code)
    assert own.key == f"impl:{kunming_food.code}:v2" and own.field_named("online_sales")
    bundle = form_for_bundle(bundle_code="birth")
    assert len(bundle.layout["members"]) == 5 and all(m["fields"] for m in bundle.layout["members"])
    assert bundle.layout["sections"][0]["title"] == "共同信息" and "child_name" in bundle.layout["sections"][0]["fields"]


def test_seed_catalogue_has_what_the_issue_requires():
    names = {raw["name"] for raw in loader.seed_items()}
    required = """出生登记 户口迁移 死亡人员户口注销 居民身份证申领、换领、补领 居住证申领 无犯罪记录证明开具 结婚登记 离婚登记 生育登记
    社会保障卡申领、补换、挂失 城乡居民基本养老保险参保登记 职工基本养老金申领（退休） 养老保险关系转移接续 失业保险金申领 生育津贴申领
    基本医疗保险参保登记 异地就医备案 医疗保险关系转移接续 住房公积金提取 住房公积金贷款 不动产转移登记 不动产登记资料查询
    机动车驾驶证有效期满换证 机动车注册登记 机动车检验合格标志核发 普通护照签发 往来港澳通行证签发 最低生活保障审核确认 残疾人证核发
    高龄津贴申领 教师资格认定 医师执业注册 义务教育入学登记 就业创业证申领 丧葬补助金申领 法律援助申请 企业设立登记 企业变更登记
    企业注销登记 个体工商户设立登记 食品经营许可 烟草专卖零售许可证核发 建筑工程施工许可证核发 新办纳税人涉税事项 发票领用 公章刻制备案
    单位社会保险登记 住房公积金单位缴存登记 药品零售企业经营许可 道路运输经营许可 排污许可证核发""".split()
    assert set(required) <= names, set(required) - names
    themes = {t for raw in loader.seed_items() for t in raw["themes"]}
    assert len(themes) == 14
