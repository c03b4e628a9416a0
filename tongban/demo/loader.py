"""Loads the Yunnan demo data set (演示数据) through the apps' own services.

Idempotent: a fingerprint of the data files is stored; when it has not changed the loader returns at once,
and when it has, existing rows are updated and new ones added, never duplicated.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from tongban.cases import services as case_services
from tongban.cases.interface import AcceptanceMode, StepSpec
from tongban.catalog import selectors as catalog_selectors
from tongban.catalog import services as catalog_services
from tongban.catalog.forms import definition_normalize
from tongban.catalog.seed import ITEMS_DIR, UNIT, item_elements, item_materials, seed_items
from tongban.core.audit import SYSTEM
from tongban.core.calendar_admin import calendar_seed
from tongban.core.demo import demo_dataset_fingerprint, demo_dataset_mark
from tongban.core.errors import ValidationFailed
from tongban.directory import selectors as directory_selectors
from tongban.directory import services as directory_services
from tongban.directory.interface import StaffRole
from tongban.identity import services as identity_services
from tongban.identity.totp import totp_enroll_demo, totp_has_device
from tongban.licenses.selectors.licenses import license_list_valid_for_index
from tongban.licenses.services.issuance import holder_index, license_issue
from tongban.licenses.services.seals import seal_ensure_for_department
from tongban.licenses.types import TYPES_FILE as LICENSE_TYPES
from tongban.licenses.types import license_type_by_name, license_type_list, license_types_seed
from tongban.organizations import services as organization_services
from tongban.search import services as search_services
from tongban.search.seed import SYNONYMS, seed_synonyms

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ROOT / "directory" / "data" / "yunnan_regions.csv"
DEPARTMENTS = ROOT / "directory" / "data" / "departments.yaml"
HALLS = ROOT / "directory" / "data" / "halls.yaml"
TAXONOMY = ROOT / "catalog" / "data" / "taxonomy.yaml"
BUNDLES = ROOT / "catalog" / "data" / "bundles.yaml"
FORMS = ROOT / "catalog" / "data" / "forms.yaml"

DATASET = "yunnan-demo"
PROVINCE, KUNMING, COUNTY = "530000000000", "530100000000", "530126000000"
DEMO_SITES = {"2": PROVINCE, "3": KUNMING, "4": COUNTY}
# Where a body does not exist at a level, the body that carries its duty there.
CATEGORY_FALLBACK = {"yaojian": "scjg"}
NATURES = {"法定机关": "statutory", "授权组织": "authorised", "受委托组织": "entrusted", "企业": "enterprise"}

CASE_ROLES = [StaffRole.WINDOW_CLERK, StaffRole.REVIEWER, StaffRole.APPROVER]
# Demo staff accounts (listed in README.md). Passwords and TOTP secrets are public: demo only.
DEMO_STAFF = [
    ("demo_platform", "Demo@Tongban2026", "张平台（演示）", PROVINCE, "zwfw",
     [StaffRole.PLATFORM_CATALOG_ADMIN, StaffRole.PLATFORM_ADMIN]),
    ("demo_km_scjg", "Demo@Tongban2026", "李市监（演示）", KUNMING, "scjg", [StaffRole.DEPARTMENT_CATALOG_ADMIN]),
    ("demo_sl_gongan", "Demo@Tongban2026", "王公安（演示）", COUNTY, "gongan",
     [StaffRole.DEPARTMENT_CATALOG_ADMIN, StaffRole.DEPARTMENT_ADMIN, StaffRole.LICENSE_ADMIN]),
    ("demo_reviewer", "Demo@Tongban2026", "赵审核（演示）", PROVINCE, "zwfw", [StaffRole.REALNAME_REVIEWER]),
    ("demo_sl_reviewer", "Demo@Tongban2026", "钱审核（演示）", COUNTY, "zwfw", [StaffRole.REALNAME_REVIEWER]),
    ("demo_km_admin", "Demo@Tongban2026", "周部门（演示）", KUNMING, "scjg",
     [StaffRole.DEPARTMENT_ADMIN, StaffRole.LICENSE_ADMIN]),
    ("demo_security", "Demo@Tongban2026", "孙安全（演示）", PROVINCE, "zwfw", [StaffRole.SECURITY_ADMIN]),
    # 办件办理 (case handling): the chain 承办 → 审核 → 审批 at 石林县公安局 and 昆明市市场监督管理局, and one account
    # holding all three roles in each other 石林县 department of the 出生一件事 bundle.
    ("demo_sl_clerk", "Demo@Tongban2026", "吴窗口（演示）", COUNTY, "gongan", [StaffRole.WINDOW_CLERK]),
    ("demo_sl_examiner", "Demo@Tongban2026", "郑审核（演示）", COUNTY, "gongan", [StaffRole.REVIEWER]),
    ("demo_sl_approver", "Demo@Tongban2026", "冯审批（演示）", COUNTY, "gongan", [StaffRole.APPROVER]),
    ("demo_km_clerk", "Demo@Tongban2026", "陈窗口（演示）", KUNMING, "scjg", [StaffRole.WINDOW_CLERK]),
    ("demo_km_examiner", "Demo@Tongban2026", "褚审核（演示）", KUNMING, "scjg", [StaffRole.REVIEWER]),
    ("demo_km_approver", "Demo@Tongban2026", "卫审批（演示）", KUNMING, "scjg", [StaffRole.APPROVER]),
    ("demo_sl_weijian", "Demo@Tongban2026", "蒋卫健（演示）", COUNTY, "weijian", CASE_ROLES),
    ("demo_sl_yibao", "Demo@Tongban2026", "沈医保（演示）", COUNTY, "yibao", CASE_ROLES),
    ("demo_sl_renshe", "Demo@Tongban2026", "韩人社（演示）", COUNTY, "renshe", CASE_ROLES),
]
DEMO_TOTP_SECRETS = {
    "demo_platform": "DEMOPLATFORMTOTPSECRETONLYFORDEM",
    "demo_km_scjg": "DEMOKUNMINGSCJGTOTPSECRETONLYFOR",
    "demo_sl_gongan": "DEMOSHILINGONGANTOTPSECRETONLYAB",
    "demo_reviewer": "DEMOREVIEWERTOTPSECRETONLYFORDEM",
    "demo_sl_reviewer": "DEMOSHILINREVIEWERTOTPSECRETONLY",
    "demo_km_admin": "DEMOKUNMINGADMINTOTPSECRETONLYFO",
    "demo_security": "DEMOSECURITYADMINTOTPSECRETONLYA",
    "demo_sl_clerk": "DEMOSHILINCLERKTOTPSECRETONLYABC",
    "demo_sl_examiner": "DEMOSHILINEXAMINERTOTPSECRETONLY",
    "demo_sl_approver": "DEMOSHILINAPPROVERTOTPSECRETONLY",
    "demo_km_clerk": "DEMOKUNMINGCLERKTOTPSECRETONLYAB",
    "demo_km_examiner": "DEMOKUNMINGEXAMINERTOTPSECRETONL",
    "demo_km_approver": "DEMOKUNMINGAPPROVERTOTPSECRETONL",
    "demo_sl_weijian": "DEMOSHILINWEIJIANTOTPSECRETONLYA",
    "demo_sl_yibao": "DEMOSHILINYIBAOTOTPSECRETONLYABC",
    "demo_sl_renshe": "DEMOSHILINRENSHETOTPSECRETONLYAB",
}
DEMO_PASSWORD = "Demo@Tongban2026"  # noqa: S105 - published demo password
# Demo citizens (fictitious people; ID numbers are well-formed but invented): phone, name, ID number, level.
DEMO_PEOPLE = [
    ("13800000001", "", "", 1),
    ("13800000002", "王晓明", "530102198805051234", 2),
    ("13800000003", "阿依古丽·买买提", "530126199203158822", 3),
    ("13800000004", "𠮷祥", "530126197011110016", 4),
]
DEMO_ENTERPRISE = ("91530102MA6N7Q8R2M", "云南滇池示范科技有限公司", "enterprise")
# Existing licences of the demo holders (存量证照, imported): (holder number, type, issuing region, surface data).
DEMO_LICENSES: list[tuple[str, str, str, dict[str, str]]] = [
    ("530126197011110016", "居民身份证", COUNTY, {"sex": "男", "ethnicity": "彝族", "birth_date": "1970年11月11日",
                                                  "address": "云南省昆明市石林彝族自治县鹿阜街道石林路1号"}),
    ("530126197011110016", "居民户口簿", COUNTY, {"household_type": "家庭户", "address": "云南省昆明市石林彝族自治县鹿阜街道石林路1号"}),
    ("530126197011110016", "结婚证", COUNTY, {"spouse_name": "李秀兰", "registration_date": "1996-05-01"}),
    ("530102198805051234", "居民身份证", KUNMING, {"sex": "男", "ethnicity": "汉族", "birth_date": "1988年5月5日",
                                                   "address": "云南省昆明市五华区华山南路100号"}),
    ("530102198805051234", "机动车驾驶证", KUNMING, {"vehicle_class": "C1", "first_issue_date": "2010-03-15"}),
    ("530126199203158822", "居民身份证", COUNTY, {"sex": "女", "ethnicity": "维吾尔族", "birth_date": "1992年3月15日",
                                                   "address": "云南省昆明市石林彝族自治县石林街道"}),
    ("530126199203158822", "社会保障卡", COUNTY, {"card_number": "D53012600001"}),
    ("91530102MA6N7Q8R2M", "营业执照", KUNMING, {"company_type": "有限责任公司（自然人投资或控股）",
                                                  "legal_representative": "王晓明", "registered_capital": "100万元",
                                                  "established_on": "2020-06-18", "address": "云南省昆明市五华区示范路8号",
                                                  "business_scope": "软件开发；信息技术咨询服务"}),
]


def data_files() -> list[Path]:
    files = [REGIONS, DEPARTMENTS, HALLS, TAXONOMY, BUNDLES, FORMS, SYNONYMS, LICENSE_TYPES,
             *sorted(ITEMS_DIR.glob("*.yaml"))]
    return [path for path in files if path.exists()]


LOADER_VERSION = b"8"  # bump when the loader itself changes what it writes


def fingerprint() -> str:
    digest = hashlib.sha256(LOADER_VERSION)
    for path in data_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load(*, force: bool = False, echo: Callable[[str], None] = log.info) -> bool:
    """Load or refresh the demo data. Returns False when it was already loaded and unchanged."""
    print_ = echo
    current = fingerprint()
    if not force and demo_dataset_fingerprint(DATASET) == current:
        print_("演示数据已是最新，跳过加载。")
        return False
    with transaction.atomic():
        _load_regions(print_)
        _load_departments(print_)
        _load_halls(print_)
        _load_items(print_)
        _load_implementation_forms(print_)
        if not os.environ.get("TONGBAN_DEMO_SKIP_BUNDLES"):
            _load_bundles(print_)
        _load_synonyms(print_)
        _load_staff(print_)
        _load_processing_configs(print_)
        _load_people(print_)
        _load_licenses(print_)
        _load_calendar(print_)
        demo_dataset_mark(DATASET, current)
    print_("演示数据加载完成。")
    return True


def _load_calendar(echo: Callable[[str], None]) -> None:
    """The working-day calendar (migrations seed it; this restores years missing from the table)."""
    added = calendar_seed()
    echo(f"工作日历：补充 {len(added)} 个年度。" if added else "工作日历：已是最新。")


def _load_regions(echo: Callable[[str], None]) -> None:
    with REGIONS.open(encoding="utf-8") as handle:
        rows = [directory_services.RegionRow(code=r["code"], name=r["name"], level=int(r["level"]),
                                             parent_code=r["parent_code"]) for r in csv.DictReader(handle)]
    written = directory_services.region_load(rows=rows)
    echo(f"区划：{len(rows)} 条（写入 {written} 条）")


def _load_departments(echo: Callable[[str], None]) -> None:
    count = 0
    for serial, entry in enumerate(_yaml(DEPARTMENTS), start=1):
        for region_code in sorted(entry["names"]):
            nature = NATURES.get(entry.get("nature", "法定机关"), "statutory")
            directory_services.department_upsert(
                name=entry["names"][region_code], category=entry["category"], region_code=region_code,
                credit_code=directory_services.demo_credit_code(region_code, serial, enterprise=nature == "enterprise"),
                nature=nature, is_demo=True)
            count += 1
    echo(f"部门：{count} 个")


def _load_halls(echo: Callable[[str], None]) -> None:
    halls = _yaml(HALLS)
    for hall in halls:
        directory_services.hall_upsert(
            name=hall["name"], kind=hall["kind"], region_code=hall["region"], address=hall["address"],
            hours=hall["hours"], phone=str(hall.get("phone", "")), is_demo=True,
            windows=[directory_services.WindowSpec(number=str(w["number"]), name=w["name"],
                                                   categories=tuple(w.get("categories") or ())) for w in
                     hall.get("windows", [])])
    echo(f"大厅：{len(halls)} 个")


def _load_items(echo: Callable[[str], None]) -> None:
    taxonomy = _yaml(TAXONOMY)
    catalog_services.taxonomy_load(themes=taxonomy["themes"], life_events=taxonomy["life_events"])
    halls = {h.region.code: h for h in directory_selectors.hall_list(region_codes=list(DEMO_SITES.values()))
             if h.kind == "center"}
    created = updated = implemented = 0
    forms = _item_forms()
    for raw in seed_items():
        try:
            created_, updated_, implemented_ = _load_item(raw, halls, forms.get(str(raw["code"])))
        except ValidationFailed as error:
            details = "；".join(issue.message for issue in error.issues)
            raise ValidationFailed(f"{raw['code']} {raw['name']}：{error.message}{details}", issues=error.issues) from None
        created += created_
        updated += updated_
        implemented += implemented_
    echo(f"事项：新增 {created}，更新 {updated}；实施清单新增 {implemented}")


def _item_forms() -> dict[str, dict[str, Any]]:
    """The default application forms of seed items (catalog/data/forms.yaml), by basic code."""
    return {str(entry["item"]): entry["form"] for entry in (_yaml(FORMS) if FORMS.exists() else []) or []
            if "item" in entry}


def _load_item(raw: dict[str, Any], halls: dict[str, Any], form: dict[str, Any] | None = None) -> tuple[int, int, int]:
    """Create, or re-publish when its elements, materials or default form changed, one seed item; then its demo
    implementations."""
    code = str(raw["code"])
    elements, materials = item_elements(raw), item_materials(raw)
    item = catalog_selectors.item_get_any(basic_code=code)
    created = updated = 0
    if item is None:
        item = catalog_services.item_create(
            actor=SYSTEM, basic_code=code, department_category=raw["department"], elements=elements,
            materials=materials, theme_codes=raw["themes"], life_event_codes=raw.get("life_events") or [],
            weight=int(raw.get("weight") or 0), is_demo=True, form=form)
        catalog_services.item_publish(actor=SYSTEM, item=item, change_note="演示数据初始发布")
        created = 1
    elif item.current_version is None or catalog_services.version_elements(item.current_version) != elements \
            or catalog_services.version_materials(item.current_version) != [
                {**m, "blank_form_url": "", "sample_url": ""} for m in materials] \
            or item.current_version.form != (definition_normalize(form) if form else None):
        catalog_services.item_draft_start(actor=SYSTEM, item=item)
        catalog_services.item_draft_update(actor=SYSTEM, item=item, elements=elements, materials=materials)
        catalog_services.item_form_update(actor=SYSTEM, item=item, form=form)
        catalog_services.item_publish(actor=SYSTEM, item=item, change_note="演示数据更新")
        updated = 1
    item.refresh_from_db()
    catalog_services.item_classify(actor=SYSTEM, item=item, theme_codes=raw["themes"],
                                   life_event_codes=raw.get("life_events") or [], weight=int(raw.get("weight") or 0))
    return created, updated, _implement(item, raw, halls)


def _implement(item: Any, raw: dict[str, Any], halls: dict[str, Any]) -> int:
    count = 0
    for level in raw["levels"]:
        region_code = DEMO_SITES.get(str(level))
        if region_code is None:
            continue
        department = None
        for category in (raw["department"], CATEGORY_FALLBACK.get(raw["department"])):
            if category:
                department = directory_selectors.department_list(region_code=region_code, category=category).first()
            if department is not None:
                break
        if department is None or catalog_selectors.implementation_exists(item=item, department_id=department.pk):
            continue
        hall = halls.get(region_code)
        promised = raw["promised_limit"]
        impl = catalog_services.implementation_create(
            actor=SYSTEM, item=item, department_id=department.pk, is_demo=True,
            elements={
                "promised_limit_value": int(promised["value"]),
                "promised_limit_unit": UNIT[promised.get("unit", "working_day")],
                "address": hall.address if hall else department.region.name,
                "hours": hall.hours if hall else "周一至周五 9:00-17:00（法定节假日除外）",
                "consult_phone": hall.phone if hall and hall.phone else "12345",
                "supervise_phone": "12345",
                "online_url": "",
                "hall_id": hall.pk if hall else None,
            })
        catalog_services.implementation_publish(actor=SYSTEM, implementation=impl, change_note="演示数据初始发布")
        count += 1
    return count


def _load_implementation_forms(echo: Callable[[str], None]) -> None:
    """Local forms of single demo implementations (an implementation version of their own when they change)."""
    count = 0
    for entry in (_yaml(FORMS) if FORMS.exists() else []) or []:
        target = entry.get("implementation")
        if not target:
            continue
        impl = catalog_selectors.implementation_list(item_code=str(target["item"]),
                                                     region_code=str(target["region"])).first()
        if impl is None or impl.current_version is None:
            continue
        if impl.current_version.form == definition_normalize(entry["form"]):
            continue
        catalog_services.implementation_draft_start(actor=SYSTEM, implementation=impl)
        catalog_services.implementation_form_update(actor=SYSTEM, implementation=impl, form=entry["form"])
        catalog_services.implementation_publish(actor=SYSTEM, implementation=impl, change_note="演示数据：本地申请表单")
        count += 1
    echo(f"申请表单：{len(_item_forms())} 个事项默认表单；本地表单更新 {count} 个")


def _demo_chain(promised_working_days: int) -> list[StepSpec]:
    """承办 (window clerk) → 审核 (reviewer) → 审批 (approver) within the promised limit."""
    if promised_working_days >= 3:
        return [StepSpec(name="承办", kind="handle", role=StaffRole.WINDOW_CLERK, budget_days=1),
                StepSpec(name="审核", kind="review", role=StaffRole.REVIEWER, budget_days=promised_working_days - 2),
                StepSpec(name="审批", kind="approve", role=StaffRole.APPROVER, budget_days=1)]
    return [StepSpec(name="审核", kind="review", role=StaffRole.REVIEWER, budget_days=min(promised_working_days, 1)),
            StepSpec(name="审批", kind="approve", role=StaffRole.APPROVER,
                     budget_days=max(promised_working_days - 1, 0))]


def _load_processing_configs(echo: Callable[[str], None]) -> None:
    """Processing configurations (办理流程配置) of the demo implementations of every item with a seeded form and of
    the 一件事 members: 即办件 decided at once, 全程网办 items accepted within 2 working days, others pre-reviewed;
    a chain 承办 → 审核 → 审批 within the promised limit. Configurations saved earlier (by the loader or by a
    department administrator) are kept."""
    codes = set(_item_forms())
    for bundle in _yaml(BUNDLES) or []:
        found = catalog_selectors.bundle_get(code=bundle["code"])
        if found is not None:
            codes |= {member.item.basic_code for member in found.members.all()}
    count = 0
    for code in sorted(codes):
        for impl in catalog_selectors.implementation_list(item_code=code):
            config = case_services.processing_config_for(implementation_id=impl.pk)
            if config is None or not config.is_default:
                continue
            if config.acceptance_mode == AcceptanceMode.INSTANT:
                mode, steps = AcceptanceMode.INSTANT, []
            else:
                online = impl.item.current_version is not None and impl.item.current_version.online_depth == 4
                mode = AcceptanceMode.ONLINE if online else AcceptanceMode.PRE_REVIEW
                steps = _demo_chain(config.promised_limit_working_days)
            case_services.processing_config_update(
                user=SYSTEM, implementation_id=impl.pk, acceptance_mode=mode, steps=steps,
                fee_amount_fen=config.fee_amount_fen, reason="演示数据")
            count += 1
    echo(f"办理流程配置：新增 {count} 个")


def _load_bundles(echo: Callable[[str], None]) -> None:
    bundles = _yaml(BUNDLES)
    for bundle in bundles:
        catalog_services.bundle_upsert(
            actor=SYSTEM, code=bundle["code"], name=bundle["name"], audience=bundle["audience"],
            life_event_code=bundle.get("life_event"), summary=bundle["summary"].strip(),
            guide=bundle["guide"].strip(), member_names=bundle["members"])
    echo(f"一件事：{len(bundles)} 个")


def _load_synonyms(echo: Callable[[str], None]) -> None:
    pairs = seed_synonyms(seed_items())
    written = search_services.synonym_load(pairs=pairs)
    echo(f"同义词：{len(pairs)} 条（写入 {written} 条）")


def _load_staff(echo: Callable[[str], None]) -> None:
    user_model = get_user_model()
    for username, password, name, region_code, category, roles in DEMO_STAFF:
        if not directory_selectors.staff_exists(username=username):
            department = directory_selectors.department_list(region_code=region_code, category=category).get()
            directory_services.staff_create(username=username, password=password, name=name,
                                            department_id=department.pk, roles=roles)
        user = user_model.objects.get(username=username)
        context = directory_selectors.staff_context_for_user(user)
        for role in sorted(set(roles) - (context.roles if context else set())):  # demo staff created earlier
            if context is not None:
                directory_services.staff_role_grant(actor=SYSTEM, staff_id=context.staff_id, role=role,
                                                    reason="演示数据")
        if not totp_has_device(user=user):
            totp_enroll_demo(user=user, secret=DEMO_TOTP_SECRETS[username])
    echo(f"演示工作人员账号：{len(DEMO_STAFF)} 个（动态口令密钥见 README.md）")


ASSURANCE_METHODS = {2: "population", 3: "face", 4: "in_person"}


def _load_people(echo: Callable[[str], None]) -> None:
    """Demo citizens at each real-name level, an enterprise whose legal representative is one of them, and an
    agent authorised by it."""
    people = {}
    for phone, name, id_number, level in DEMO_PEOPLE:
        user = identity_services.account_find(identifier=phone)
        if user is None:
            user = identity_services.person_register_at_window(phone=phone, password=DEMO_PASSWORD, actor=SYSTEM)
        if level > 1:
            identity_services.person_assurance_raise(user_id=user.pk, level=level, method=ASSURANCE_METHODS[level],
                                                     provider="demo", name=name, id_number=id_number)
        people[phone] = user
    code, org_name, org_type = DEMO_ENTERPRISE
    if identity_services.account_find(identifier=code) is None:
        legal_rep = people["13800000002"]
        org = organization_services.organization_register(
            applicant_user=legal_rep, org_type=org_type, name=org_name, credit_code=code,
            legal_rep_name="王晓明", legal_rep_id_number="530102198805051234", password=DEMO_PASSWORD)
        organization_services.agent_authorize(
            org_id=org.id, legal_rep_user=legal_rep, agent_phone_or_username="13800000003",
            scopes=["apply", "view_cases"], valid_until=timezone.now() + timedelta(days=3650))
    echo(f"演示群众账号：{len(DEMO_PEOPLE)} 个；演示企业 1 个（经办人 1 名）")


def _load_licenses(echo: Callable[[str], None]) -> None:
    """Licence types, an active seal for every department that may issue one (so that a case decided 准予 gets
    its licence), and the demo holders' existing licences (免交 and 我的证照 work at once)."""
    seeded = license_types_seed()
    issuers = sorted({d for t in license_type_list() for d in t.issuing_department_ids})
    for department_id in issuers:
        seal_ensure_for_department(department_id=department_id)
    accounts = {number: identity_services.account_find(identifier=phone)
                for phone, _name, number, _level in DEMO_PEOPLE if number}
    names = {number: name for _phone, name, number, _level in DEMO_PEOPLE if number}
    code, org_name, _org_type = DEMO_ENTERPRISE
    issued = 0
    for number, type_name, region_code, data in DEMO_LICENSES:
        license_type = license_type_by_name(name=type_name)
        if license_type is None:
            continue
        kind = license_type.holder_kind
        index = holder_index(holder_kind=kind, holder_number=number)
        if license_list_valid_for_index(holder_index=index, type_names=[type_name]):
            continue
        category = {"居民户口簿": "gongan", "结婚证": "minzheng", "社会保障卡": "renshe", "营业执照": "scjg"}.get(
            type_name, "gongan")
        department = directory_selectors.department_list(region_code=region_code, category=category).get()
        user = accounts.get(number)
        license_issue(license_type_code=license_type.code, issuer_department_id=department.pk, holder_kind=kind,
                      holder_name=org_name if number == code else names[number], holder_number=number, data=data,
                      holder_user_id=user.pk if user is not None and number != code else None,
                      valid_from=timezone.localdate() - timedelta(days=400), source="import", actor=SYSTEM)
        issued += 1
    echo(f"电子证照：类型 {len(seeded.written)} 个，颁发部门印章 {len(issuers)} 枚，演示证照新增 {issued} 份")
