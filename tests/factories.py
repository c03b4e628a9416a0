"""Factories for tests. Catalogue rows are made through the services, as in production."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model

from tongban.catalog import services as catalog_services
from tongban.core.audit import SYSTEM
from tongban.directory.models import Department, Region, Staff, StaffRoleAssignment
from tongban.directory.services import demo_credit_code


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "530000000000"
    name = "云南省"
    level = 1
    parent = None


def region_tree() -> dict[str, Region]:
    """Province → 昆明市 → 石林县, and 曲靖市 as an unrelated prefecture."""
    province = RegionFactory(code="530000000000", name="云南省", level=1)
    kunming = RegionFactory(code="530100000000", name="昆明市", level=2, parent=province)
    county = RegionFactory(code="530126000000", name="石林彝族自治县", level=3, parent=kunming)
    qujing = RegionFactory(code="530300000000", name="曲靖市", level=2, parent=province)
    return {"province": province, "kunming": kunming, "county": county, "qujing": qujing}


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"测试部门{n}")
    category = "gongan"
    level = factory.LazyAttribute(lambda o: {1: "2", 2: "3", 3: "4", 4: "5", 5: "6"}[o.region.level])
    region = factory.SubFactory(RegionFactory)
    credit_code = factory.LazyAttributeSequence(lambda o, n: demo_credit_code(o.region.code, 1000 + n))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "Secret#2026pass")


def make_staff(department: Department, *roles: str, username: str | None = None) -> Any:
    user = UserFactory(username=username, kind="staff") if username else UserFactory(kind="staff")
    user.save()
    staff = Staff.objects.create(user=user, department=department, name=f"员工{user.pk}")
    for role in roles:
        StaffRoleAssignment.objects.create(staff=staff, role=role)
    return user


def valid_elements(**overrides: Any) -> dict[str, Any]:
    elements: dict[str, Any] = {
        "name": "出生登记", "item_type": "07", "audience": "person", "service_objects": ["1"],
        "exercise_levels": ["2", "3", "4"],
        "legal_basis": [{"law": "《中华人民共和国户口登记条例》", "article": "第七条", "text": "婴儿出生后一个月以内申报出生登记。"}],
        "acceptance_conditions": "婴儿出生后一个月内申报。",
        "process": [{"name": "受理", "days": 0}, {"name": "审核", "days": 2}],
        "case_type": "2", "legal_limit_value": 20, "legal_limit_unit": "working_day", "legal_limit_note": "",
        "promised_limit_value": 5, "promised_limit_unit": "working_day", "promised_limit_note": "",
        "result_name": "居民户口簿", "result_type": "certificate", "result_sample": "居民户口簿（样本）",
        "fee_charged": False, "fee_basis": "", "fee_items": [], "scope": "全省", "handling_forms": ["1", "2"],
        "online_depth": 3, "visit_count": 1, "visit_reason": "需核验出生医学证明原件", "min_assurance": "verified",
        "faqs": [], "keywords": ["上户口"],
    }
    elements.update(overrides)
    return elements


MATERIALS = [{"name": "出生医学证明", "issuer": "助产医疗机构", "original_count": 1, "copy_count": 1, "required": True,
              "note": "", "license_type": "出生医学证明"}]

_codes = iter(range(1, 10**6))


def published_item(actor: Any = SYSTEM, *, basic_code: str | None = None, **overrides: Any) -> Any:
    code = basic_code or f"07001{next(_codes):04d}000"
    item = catalog_services.item_create(actor=actor, basic_code=code, department_category="gongan",
                                        elements=valid_elements(**overrides), materials=MATERIALS)
    catalog_services.item_publish(actor=actor, item=item)
    item.refresh_from_db()
    return item


def local_elements(**overrides: Any) -> dict[str, Any]:
    local = {"promised_limit_value": 5, "promised_limit_unit": "working_day", "address": "石林县政务服务中心",
             "hours": "周一至周五", "consult_phone": "0871-67791234", "supervise_phone": "12345"}
    local.update(overrides)
    return local


def published_implementation(item: Any, department: Department, actor: Any = SYSTEM, **overrides: Any) -> Any:
    impl = catalog_services.implementation_create(actor=actor, item=item, department_id=department.pk,
                                                  elements=local_elements(**overrides))
    catalog_services.implementation_publish(actor=actor, implementation=impl)
    impl.refresh_from_db()
    return impl


def webhook_subscription(department: Department, *, url: str = "https://dept.example.gov.cn/webhooks",
                         topics: tuple[str, ...] = ("*",), active: bool = True,
                         name: str = "部门业务系统") -> tuple[Any, str]:
    """A webhook subscription of ``department`` and its plain ``whsec_`` secret."""
    from tongban.core.crypto import encrypt_text
    from tongban.exchange.models import WebhookSubscription
    from tongban.exchange.services import SECRET_CONTEXT, webhook_secret_generate

    secret = webhook_secret_generate()
    subscription = WebhookSubscription.objects.create(
        department=department, name=name, url=url, topics=list(topics), is_active=active,
        secret_encrypted=encrypt_text(secret, context=SECRET_CONTEXT))
    return subscription, secret


# ------------------------------------------------------------------ cases (办件)

CASE_FORM = {"fields": [
    {"name": "applicant_name", "label": "申请人姓名", "kind": "text", "required": True, "prefill": "identity.name"},
    {"name": "reason", "label": "申请事由", "kind": "text", "required": True},
]}
CASE_MATERIALS = [
    {"name": "居民身份证", "issuer": "公安机关", "original_count": 1, "copy_count": 1, "required": True, "note": "",
     "license_type": "居民身份证"},
    {"name": "申请书", "issuer": "申请人", "original_count": 1, "copy_count": 0, "required": True, "note": "",
     "license_type": ""},
    {"name": "其他证明材料", "issuer": "", "original_count": 0, "copy_count": 1, "required": False, "note": "",
     "license_type": ""},
]


def case_item(*, basic_code: str | None = None, form: dict[str, Any] | None = CASE_FORM,
              materials: list[dict[str, Any]] | None = None, category: str = "gongan", **overrides: Any) -> Any:
    """A published item with a default application form and two required materials (办件 tests)."""
    code = basic_code or f"07001{next(_codes):04d}000"
    item = catalog_services.item_create(actor=SYSTEM, basic_code=code, department_category=category,
                                        elements=valid_elements(**overrides), form=form,
                                        materials=CASE_MATERIALS if materials is None else materials)
    catalog_services.item_publish(actor=SYSTEM, item=item)
    item.refresh_from_db()
    return item


def case_implementation(item: Any, department: Department, **overrides: Any) -> Any:
    """The item published by ``department`` (promised limit 5 working days unless overridden)."""
    return published_implementation(item, department, **overrides)
