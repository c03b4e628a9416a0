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
    assert items >= 153
    assert len({i["name"] for i in loader.seed_items()}) == items
    # The second run sees the unchanged fingerprint and does nothing.
    assert loader.load(echo=lambda _: None) is False
    # A forced reload finds everything in place and adds nothing.
    assert loader.load(force=True, echo=lambda _: None) is True
    assert selectors.item_list_published().count() == items
    assert selectors.implementation_list().count() == implementations
    assert AuditEvent.objects.filter(action="catalog.item.create").count() == items
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
