"""The applicant's pages: start from a guide (myself or an organisation), the draft page (prefill badges, locked
fields, materials, autosave, resume, delete), submission (idempotency key, step-up, issues next to their fields,
suspended items), the receipt and its PDF, 我的办件 (list, detail, supplement and resubmit, withdraw, materials),
消息, and the progress lookup without login (rate limit, captcha, never telling whether a number exists)."""

from __future__ import annotations

import datetime
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.cases.conftest import Clock, apply, configure, key, make_world, pdf_upload
from tests.factories import case_implementation, case_item, make_staff
from tests.files.conftest import pdf
from tests.organizations.helpers import person, register
from tongban.cases import services
from tongban.cases.models import Attachment, Case, Draft
from tongban.cases.records import SupplementItem
from tongban.catalog import services as catalog_services
from tongban.core.audit import SYSTEM
from tongban.notifications.models import Notice
from tongban.web.views import progress

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Any) -> Any:
    location = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    settings.FILE_SCANNER = "simulator"
    return location


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(regions: dict[str, Any]) -> SimpleNamespace:
    w = make_world(regions)
    configure(w)
    return w


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture
def enterprise(world: SimpleNamespace) -> SimpleNamespace:
    """云南滇池示范科技有限公司 (legal representative: the citizen); an agent who may apply and view, one who may
    only apply, one who may only view; an item and implementation for enterprises."""
    from tongban.organizations import services as org_services

    org = register(world.citizen)
    until = timezone.now() + datetime.timedelta(days=3650)
    agents = {}
    for name, id_number, scopes in (("阿依古丽·买买提", "530126199203158822", ["apply", "view_cases"]),
                                    ("张三", "530102198507152344", ["apply"]),
                                    ("李华", "53011119921230345X", ["view_cases"])):
        agent = person(name=name, id_number=id_number)
        org_services.agent_authorize(org_id=org.id, legal_rep_user=world.citizen, agent_phone_or_username=agent.phone,
                                     scopes=scopes, valid_until=until)
        agents[scopes[0] if len(scopes) == 1 else "both"] = agent
    item = case_item(name="企业设立登记", audience="organization", service_objects=["2"], category="scjg",
                     form={"fields": [
                         {"name": "company_name", "label": "企业名称", "kind": "text", "required": True,
                          "prefill": "organization.name"},
                         {"name": "reason", "label": "申请事由", "kind": "text", "required": True}]})
    impl = case_implementation(item, world.gongan)
    configure(world, impl=impl)
    return SimpleNamespace(org=org, agent=agents["both"], apply_only=agents["apply"], viewer=agents["view_cases"],
                           item=item, impl=impl)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def start(client: Client, *, implementation: str = "", bundle: str = "", acting: str = "self",
          optional: tuple[str, ...] = ()) -> Any:
    data: dict[str, Any] = {"acting": acting, "optional": list(optional)}
    if implementation:
        data["implementation"] = implementation
    if bundle:
        data["bundle"] = bundle
    return client.post("/apply/", data)


def open_draft(client: Client, world: SimpleNamespace, *, org_id: int | None = None, impl: Any = None) -> str:
    """Start an application through the start page; the draft page's address."""
    response = start(client, implementation=(impl or world.impl).code,
                     acting=str(org_id) if org_id is not None else "self")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert re.match(r"^/apply/drafts/\d+/", response["Location"])
    return str(response["Location"])


def draft_id(url: str) -> int:
    return int(re.search(r"/apply/drafts/(\d+)/", url).group(1))  # type: ignore[union-attr]


def page_key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def post_draft(client: Client, url: str, *, action: str = "save", key_: str | None = None,
               files: dict[str, Any] | None = None, org_id: int | None = None, **fields: Any) -> Any:
    data: dict[str, Any] = {"action": action, **{f"form-{k}": v for k, v in fields.items()}, **(files or {})}
    if key_ is not None:
        data["idempotency_key"] = key_
    if org_id is not None:
        data["org"] = str(org_id)
    return client.post(url, data)


def fill_and_upload(client: Client, url: str, **fields: Any) -> Any:
    """Type the reason, upload the two required materials (居民身份证 is material 0, 申请书 material 1)."""
    return post_draft(client, url, action="upload", reason=fields.pop("reason", "首次申请"),
                      files={"upload-0": pdf_upload("身份证.pdf"), "upload-1": pdf_upload("申请书.pdf")}, **fields)


# ------------------------------------------------------------------ where it starts


def test_the_implementation_guide_offers_online_application_when_it_has_a_form_and_goes_online(world, client):
    online = case_item(name="无犯罪记录证明开具", supports_online=True)
    online_impl = case_implementation(online, world.gongan)
    offline = case_item(name="线下事项", supports_online=False)
    offline_impl = case_implementation(offline, world.gongan)
    formless = case_item(name="无表单事项", supports_online=True, form=None)
    formless_impl = case_implementation(formless, world.gongan)
    page = client.get(f"/guide/{online_impl.code}/").content.decode()
    assert f'href="/apply/?implementation={online_impl.code}"' in page and "在线办理" in page
    for impl in (offline_impl, formless_impl):
        page = client.get(f"/guide/{impl.code}/").content.decode()
        assert "/apply/?implementation=" not in page
        assert "暂未开通在线申报" in page


def test_starting_needs_a_sign_in(world, client):
    response = client.get(f"/apply/?implementation={world.impl.code}")
    assert response.status_code == 302 and response["Location"].startswith("/account/login/")


def test_a_person_item_offers_only_myself_an_enterprise_item_only_the_organisations_i_may_apply_for(
        world, enterprise):
    page = signed_in(enterprise.agent).get(f"/apply/?implementation={world.impl.code}").content.decode()
    assert 'value="self"' in page and "云南滇池示范科技有限公司" not in page
    page = signed_in(enterprise.agent).get(f"/apply/?implementation={enterprise.impl.code}").content.decode()
    assert 'value="self"' not in page and f'value="{enterprise.org.id}"' in page
    viewer = signed_in(enterprise.viewer).get(f"/apply/?implementation={enterprise.impl.code}")
    assert viewer.status_code == 403 and "经办人" in viewer.content.decode()
    forged = start(signed_in(enterprise.viewer), implementation=enterprise.impl.code, acting=str(enterprise.org.id))
    assert forged.status_code == 403 and not Draft.objects.exists()


def test_opening_again_resumes_the_same_draft_on_another_device(world):
    first = open_draft(signed_in(world.citizen), world)
    post_draft(signed_in(world.citizen), first, reason="换个设备继续")
    again = open_draft(signed_in(world.citizen), world)
    assert draft_id(again) == draft_id(first) and Draft.objects.count() == 1
    other_device = signed_in(world.citizen)
    assert "换个设备继续" in other_device.get(again).content.decode()
    drafts = other_device.get("/apply/drafts/").content.decode()
    assert f'href="/apply/drafts/{draft_id(first)}/"' in drafts and "出生登记" in drafts


# ------------------------------------------------------------------ the draft page


def test_the_draft_page_shows_prefilled_values_with_their_source_and_locks_verified_ones(world):
    url = open_draft(signed_in(world.citizen), world)
    page = signed_in(world.citizen).get(url).content.decode()
    assert "来自：" in page and "已核验，不可修改" in page
    assert re.search(r'<input type="text" id="form-applicant_name" value="王晓明" readonly', page)
    assert '<input type="hidden" name="form-applicant_name" value="王晓明">' in page
    assert 'name="idempotency_key"' in page and "暂无可用的“居民身份证”电子证照" in page  # the licence slot


def test_saving_keeps_values_and_clears_emptied_fields(world):
    client = signed_in(world.citizen)
    url = open_draft(client, world)
    response = post_draft(client, url, reason="首次申请")
    assert response.status_code == 302 and response["Location"] == url
    assert Draft.objects.get().data["reason"] == "首次申请"
    post_draft(client, url, reason="")
    assert "reason" not in Draft.objects.get().data


def test_autosave_answers_json(world):
    client = signed_in(world.citizen)
    url = open_draft(client, world)
    response = client.post(url, {"action": "autosave", "form-reason": "自动保存"}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert response.status_code == 200 and response.json()["saved"] is True
    assert Draft.objects.get().data["reason"] == "自动保存"


def test_uploads_are_listed_and_can_be_removed(world):
    client = signed_in(world.citizen)
    url = open_draft(client, world)
    response = fill_and_upload(client, url)
    assert response.status_code == 302 and response["Location"].endswith("#materials")
    page = client.get(url).content.decode()
    assert "身份证.pdf" in page and "申请书.pdf" in page
    attachment = Attachment.objects.get(display_name="身份证.pdf")
    assert post_draft(client, url, action=f"remove:{attachment.pk}", reason="首次申请").status_code == 302
    assert not Attachment.objects.filter(pk=attachment.pk).exists()


def test_an_upload_whose_content_contradicts_its_name_is_refused_next_to_its_material(world):
    client = signed_in(world.citizen)
    url = open_draft(client, world)
    fake = SimpleUploadedFile("照片.jpg", pdf(), content_type="image/jpeg")
    response = post_draft(client, url, action="upload", reason="首次申请", files={"upload-0": fake})
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'id="material-0-error"><li>“照片.jpg”未上传：', page)
    assert not Attachment.objects.exists() and Draft.objects.get().data["reason"] == "首次申请"


def test_a_material_from_another_persons_file_is_refused(world):
    other = person(name="李华", id_number="530102198507152344")
    receipt = apply(world, user=other)
    services.case_accept(user=world.clerk, case_id=receipt.case_id)
    foreign = Attachment.objects.filter(case_id=receipt.case_id).first()
    client = signed_in(world.citizen)
    url = open_draft(client, world)
    assert f'<option value="{foreign.file_id}">' not in client.get(url).content.decode()
    response = client.post(url, {"action": "reuse:0", "reuse-0": str(foreign.file_id), "form-reason": "首次申请"})
    assert response.status_code == 200 and "没有找到可复用的这份材料" in response.content.decode()
    assert not Attachment.objects.filter(draft__isnull=False).exists()


def test_my_own_accepted_upload_can_be_reused(world):
    receipt = apply(world)
    services.case_accept(user=world.clerk, case_id=receipt.case_id)
    mine = Attachment.objects.filter(case_id=receipt.case_id, material_name="居民身份证").first()
    client = signed_in(world.citizen)
    url = open_draft(client, world)
    page = client.get(url).content.decode()
    assert f'<option value="{mine.file_id}">' in page and "材料复用" in page
    response = client.post(url, {"action": "reuse:0", "reuse-0": str(mine.file_id), "form-reason": "再次申请"})
    assert response.status_code == 302
    assert Attachment.objects.get(draft__isnull=False).source == "reuse"


def test_deleting_a_draft_asks_first(world):
    client = signed_in(world.citizen)
    url = open_draft(client, world)
    delete_url = f"/apply/drafts/{draft_id(url)}/delete/"
    assert "确定删除" in client.get(delete_url).content.decode() and Draft.objects.exists()
    assert client.post(delete_url).status_code == 302
    assert not Draft.objects.exists()
    assert client.get(url).status_code == 404


def test_another_persons_draft_is_not_found(world):
    url = open_draft(signed_in(world.citizen), world)
    stranger = signed_in(person(name="李华", id_number="530102198507152344"))
    assert stranger.get(url).status_code == 404
    assert post_draft(stranger, url, reason="篡改").status_code == 404
    assert stranger.post(f"/apply/drafts/{draft_id(url)}/delete/").status_code == 404
    assert Draft.objects.exists()


# ------------------------------------------------------------------ submission


def test_every_issue_is_shown_next_to_its_field_and_nothing_is_lost(world):
    client = signed_in(world.citizen)
    url = open_draft(client, world)
    page = client.get(url).content.decode()
    response = post_draft(client, url, action="submit", key_=page_key(page), reason="")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'id="form-reason-error"><li>[^<]+</li>', html)
    assert re.search(r'id="material-0-error"><li>请提交“居民身份证”。</li>', html)
    assert re.search(r'id="material-1-error"><li>请提交“申请书”。</li>', html)
    assert page_key(html) == page_key(page)
    assert not Case.objects.exists() and Draft.objects.exists()


def test_submitting_shows_the_receipt_and_a_double_click_makes_one_case(world):
    client = signed_in(world.citizen)
    url = open_draft(client, world)
    fill_and_upload(client, url)
    page = client.get(url).content.decode()
    submit_key = page_key(page)
    first = post_draft(client, url, action="submit", key_=submit_key, reason="首次申请")
    second = post_draft(client, url, action="submit", key_=submit_key, reason="首次申请")
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    case = Case.objects.get()
    assert first["Location"] == f"/my/cases/{case.pk}/receipt/"
    receipt = client.get(first["Location"]).content.decode()
    assert len(case.case_number) == 43 and case.case_number in receipt
    for text in ("出生登记", "石林彝族自治县公安局", "受理期限", "居民身份证", "申请书", "下载回执（PDF）"):
        assert text in receipt


def test_a_provisional_acceptance_due_date_says_so(world, clock, holiday_calendar):
    clock.set(datetime.date(2026, 12, 31))
    client = signed_in(world.citizen)
    url = open_draft(client, world)
    fill_and_upload(client, url)
    response = post_draft(client, url, action="submit", key_=key(), reason="首次申请")
    receipt = client.get(response["Location"]).content.decode()
    assert "2027年1月" in receipt and "（暂定）" in receipt


def test_the_receipt_pdf(world):
    client = signed_in(world.citizen)
    receipt = apply(world)
    response = client.get(f"/my/cases/{receipt.case_id}/receipt.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and b"NotoSansCJK" in response.content
    assert receipt.case_number in response["Content-Disposition"]


def test_without_the_cjk_font_the_receipt_pdf_says_so(world, monkeypatch):
    from tongban.core import pdf as pdf_module

    receipt = apply(world)
    monkeypatch.setattr(pdf_module, "FONT_CANDIDATES", (("/nonexistent/NotoSansCJK-Regular.ttc", 2),))
    pdf_module._font.cache_clear()
    client = signed_in(world.citizen)
    try:
        response = client.get(f"/my/cases/{receipt.case_id}/receipt.pdf", follow=True)
        api = Client()
        token = client.post("/api/v1/identity/sessions", {"identifier": world.citizen.phone,
                                                          "password": "Yunnan#2026road"},
                            content_type="application/json").json()["token"]
        pdf_api = api.get(f"/api/v1/applicant/cases/{receipt.case_id}/receipt.pdf", HTTP_AUTHORIZATION=f"Bearer {token}")
    finally:
        pdf_module._font.cache_clear()
    assert response.redirect_chain[-1][0] == f"/my/cases/{receipt.case_id}/receipt/"
    assert "中文字体" in response.content.decode() and receipt.case_number in response.content.decode()
    assert pdf_api.status_code == 503 and pdf_api.json()["error"]["code"] == "pdf_unavailable"


def test_a_user_below_the_items_real_name_level_is_sent_to_verify_and_back(world):
    newcomer = person()  # registered, level 1; the item needs level 2
    client = signed_in(newcomer)
    url = open_draft(client, world)
    fill_and_upload(client, url, applicant_name="赵六")
    response = post_draft(client, url, action="submit", key_=key(), reason="首次申请", applicant_name="赵六")
    assert response.status_code == 302
    assert response["Location"] == f"/account/realname/?next=%2Fapply%2Fdrafts%2F{draft_id(url)}%2F"
    assert not Case.objects.exists() and Draft.objects.get().data["applicant_name"] == "赵六"


def test_a_changed_locked_value_is_refused(world):
    client = signed_in(world.citizen)
    url = open_draft(client, world)
    fill_and_upload(client, url)
    response = post_draft(client, url, action="submit", key_=key(), reason="首次申请", applicant_name="李四")
    assert response.status_code == 200
    assert re.search(r'id="form-applicant_name-error"><li>[^<]+</li>', response.content.decode())
    assert not Case.objects.exists()


def test_an_item_suspended_after_the_draft_began_says_so_and_keeps_the_draft(world):
    client = signed_in(world.citizen)
    url = open_draft(client, world)
    fill_and_upload(client, url)
    catalog_services.item_suspend(actor=SYSTEM, item=world.item, reason="法规调整")
    page = client.get(url).content.decode()
    assert "已暂停办理" in page and "草稿已为您保留" in page and 'value="submit"' not in page
    response = post_draft(client, url, action="submit", key_=key())
    assert response.status_code == 200 and "已暂停办理" in response.content.decode()
    assert not Case.objects.exists() and Draft.objects.get().attachments.count() == 2


def test_an_agent_applies_for_the_organisation(world, enterprise):
    client = signed_in(enterprise.agent)
    url = open_draft(client, world, org_id=enterprise.org.id, impl=enterprise.impl)
    assert url.endswith(f"?org={enterprise.org.id}")
    page = client.get(url).content.decode()
    assert 'value="云南滇池示范科技有限公司"' in page  # prefilled from the organisation
    post_draft(client, url, action="upload", org_id=enterprise.org.id, reason="设立",
               files={"upload-0": pdf_upload(), "upload-1": pdf_upload()})
    response = post_draft(client, url, action="submit", key_=key(), org_id=enterprise.org.id, reason="设立")
    assert response.status_code == 302, response.content.decode()[-3000:]
    case = Case.objects.get()
    assert case.organization_id == enterprise.org.id and response["Location"].endswith(f"?org={enterprise.org.id}")
    listed = client.get(f"/my/cases/?org={enterprise.org.id}").content.decode()
    assert case.case_number in listed
    assert case.case_number not in client.get("/my/cases/").content.decode()  # not the agent's personal cases


# ------------------------------------------------------------------ 我的办件


def test_my_cases_lists_status_due_date_and_what_to_do(world):
    receipt = apply(world)
    services.case_request_supplement(user=world.clerk, case_id=receipt.case_id,
                                     items=[SupplementItem(material="申请书", reason="未签字")])
    page = signed_in(world.citizen).get("/my/cases/").content.decode()
    assert receipt.case_number in page and "待补齐补正" in page and "需要您处理" in page
    assert receipt.case_number in signed_in(world.citizen).get("/my/cases/?status=action").content.decode()
    assert receipt.case_number not in signed_in(world.citizen).get("/my/cases/?status=closed").content.decode()


def test_the_case_page_shows_the_timeline_due_date_materials_and_actions(world):
    receipt = apply(world)
    services.case_accept(user=world.clerk, case_id=receipt.case_id)
    client = signed_in(world.citizen)
    page = client.get(f"/my/cases/{receipt.case_id}/").content.decode()
    for text in ("提交申请", "已受理", "办结期限", "现在需要做什么", "居民身份证.pdf", "撤回申请"):
        assert text in page
    material = Attachment.objects.filter(case_id=receipt.case_id).first()
    download = client.get(f"/my/cases/{receipt.case_id}/materials/{material.pk}/")
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")


def test_decision_documents_can_be_read_by_the_applicant_only(world):
    from tests.cases.conftest import to_review
    from tongban.cases.records import DecisionDocument
    from tongban.files.services import file_store

    receipt = apply(world)
    to_review(world, receipt.case_id)
    own = file_store(owner_user_id=world.approver.pk, upload=pdf_upload("决定书.pdf"), purpose="cases.record")
    services.case_decide(user=world.approver, case_id=receipt.case_id, outcome="approve", delivery_method="electronic",
                         documents=[DecisionDocument(name="准予许可决定书", number="石公许〔2026〕8号", file_id=own.id)])
    client = signed_in(world.citizen)
    page = client.get(f"/my/cases/{receipt.case_id}/").content.decode()
    url = f"/my/cases/{receipt.case_id}/documents/{own.id}/"
    assert f'href="{url}"' in page and "石公许〔2026〕8号" in page
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert signed_in(person(name="李华", id_number="530102198507152344")).get(url).status_code == 404
    assert client.get(f"/my/cases/{receipt.case_id}/documents/{own.id + 999}/").status_code == 404


def test_another_applicants_case_is_not_found(world):
    receipt = apply(world)
    material = Attachment.objects.filter(case_id=receipt.case_id).first()
    stranger = signed_in(person(name="李华", id_number="530102198507152344"))
    for path in (f"/my/cases/{receipt.case_id}/", f"/my/cases/{receipt.case_id}/receipt/",
                 f"/my/cases/{receipt.case_id}/receipt.pdf", f"/my/cases/{receipt.case_id}/materials/{material.pk}/",
                 f"/my/cases/{receipt.case_id}/withdraw/", f"/my/cases/{receipt.case_id}/supplement/"):
        assert stranger.get(path).status_code == 404, path
    assert stranger.post(f"/my/cases/{receipt.case_id}/withdraw/", {"reason": "恶意"}).status_code == 404
    assert Case.objects.get().status != "withdrawn"


def test_an_agent_who_may_apply_but_not_view_gets_the_receipt_once(world, enterprise):
    client = signed_in(enterprise.apply_only)
    url = open_draft(client, world, org_id=enterprise.org.id, impl=enterprise.impl)
    post_draft(client, url, action="upload", org_id=enterprise.org.id, reason="设立",
               files={"upload-0": pdf_upload(), "upload-1": pdf_upload()})
    response = post_draft(client, url, action="submit", key_=key(), org_id=enterprise.org.id, reason="设立")
    assert response.status_code == 200
    case = Case.objects.get()
    page = response.content.decode()
    assert case.case_number in page and "没有“查看办件”授权" in page and "receipt.pdf" not in page


def test_an_agent_without_view_cases_cannot_see_the_organisations_cases(world, enterprise):
    receipt = apply(world, user=enterprise.apply_only, org_id=enterprise.org.id, impl=enterprise.impl,
                    data={"reason": "设立"})
    client = signed_in(enterprise.apply_only)
    assert client.get(f"/my/cases/?org={enterprise.org.id}").status_code == 404
    assert client.get(f"/my/cases/{receipt.case_id}/?org={enterprise.org.id}").status_code == 404
    assert client.get(f"/my/cases/{receipt.case_id}/").status_code == 404
    viewer = signed_in(enterprise.viewer)
    assert receipt.case_number in viewer.get(f"/my/cases/{receipt.case_id}/").content.decode()  # found for the org


def test_supplementing_lists_everything_at_once_and_resubmits(world):
    receipt = apply(world)
    services.case_request_supplement(user=world.clerk, case_id=receipt.case_id, items=[
        SupplementItem(material="申请书", reason="未签字"), SupplementItem(field="reason", reason="请写明具体事由")])
    client = signed_in(world.citizen)
    detail = client.get(f"/my/cases/{receipt.case_id}/").content.decode()
    assert "去补正" in detail and "未签字" in detail and "请写明具体事由" in detail
    url = f"/my/cases/{receipt.case_id}/supplement/"
    page = client.get(url).content.decode()
    assert "未签字" in page and "请写明具体事由" in page and 'name="fix-reason"' in page
    uploaded = client.post(url, {"action": "upload", "upload-0": pdf_upload("签字申请书.pdf")})
    assert uploaded.status_code == 302
    response = client.post(url, {"action": "resubmit", "fix-reason": "办理新生儿户口", "note": "已补签"})
    assert response.status_code == 302 and response["Location"] == f"/my/cases/{receipt.case_id}/"
    case = Case.objects.get()
    assert case.status == "submitted" and case.form_data["reason"] == "办理新生儿户口"
    assert Attachment.objects.filter(case=case, supplement_round=1, display_name="签字申请书.pdf").exists()


def test_withdrawing_asks_for_a_reason_and_confirmation(world):
    receipt = apply(world)
    client = signed_in(world.citizen)
    url = f"/my/cases/{receipt.case_id}/withdraw/"
    assert "确认撤回" in client.get(url).content.decode()
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200 and "请写明撤回原因" in refused.content.decode()
    assert client.post(url, {"reason": "不需要了"}).status_code == 302
    assert Case.objects.get().status == "withdrawn"
    assert "撤回申请" not in client.get(f"/my/cases/{receipt.case_id}/").content.decode().split("办理进度")[0]


def test_a_bundle_makes_a_parent_with_child_cases_each_visible(world):
    birth = case_item(name="出生医学证明首次签发", category="weijian")
    birth_impl = case_implementation(birth, world.minzheng)
    configure(world, impl=birth_impl)
    catalog_services.bundle_upsert(actor=SYSTEM, code="birth", name="出生一件事", audience="person",
                                   life_event_code=None, summary="新生儿出生一次办", guide="一次告知",
                                   member_names=["出生医学证明首次签发", "出生登记"])
    client = signed_in(world.citizen)
    client.cookies["tb_site"] = world.regions["county"].code
    assert "/apply/?bundle=birth" in client.get("/bundles/birth/").content.decode()
    response = start(client, bundle="birth")
    assert response.status_code == 302, response.content.decode()[:3000]
    url = response["Location"]
    page = client.get(url).content.decode()
    assert "出生医学证明首次签发" in page and "石林彝族自治县民政局" in page
    post_draft(client, url, action="upload", reason="出生", files={"upload-0": pdf_upload(), "upload-1": pdf_upload()})
    response = post_draft(client, url, action="submit", key_=key(), reason="出生")
    assert response.status_code == 302, response.content.decode()[-3000:]
    parent = Case.objects.get(kind="bundle_parent")
    children = list(Case.objects.filter(parent=parent).order_by("pk"))
    assert len(children) == 2
    receipt = client.get(response["Location"]).content.decode()
    listed = client.get("/my/cases/").content.decode()
    detail = client.get(f"/my/cases/{parent.pk}/").content.decode()
    for child in children:
        assert child.case_number in receipt and child.case_number in listed and child.case_number in detail
        assert client.get(f"/my/cases/{child.pk}/").status_code == 200


# ------------------------------------------------------------------ 消息


def test_notices_show_an_unread_count_and_are_marked_read(world):
    receipt = apply(world)
    services.case_accept(user=world.clerk, case_id=receipt.case_id)
    from tongban.cases.models import CaseEvent
    from tongban.cases.services.notices import applicant_notify_event

    for event in CaseEvent.objects.filter(case_id=receipt.case_id):
        applicant_notify_event(case_id=receipt.case_id, event_id=event.pk)
    client = signed_in(world.citizen)
    assert Notice.objects.filter(user=world.citizen, read_at__isnull=True).count() == 2
    home = client.get("/").content.decode()
    assert re.search(r'消息 <span class="unread-count">2</span>', home)
    page = client.get("/my/messages/").content.decode()
    assert "申请已受理" in page and "2 条未读" in page
    notice = Notice.objects.filter(user=world.citizen).order_by("pk").first()
    opened = client.get(f"/my/messages/{notice.pk}/")
    assert opened.status_code == 302 and opened["Location"] == f"/my/cases/{receipt.case_id}/"
    assert client.post("/my/messages/read/").status_code == 302
    assert not Notice.objects.filter(user=world.citizen, read_at__isnull=True).exists()
    other = Notice.objects.create(user=make_staff(world.gongan, "window_clerk"), title="别人的", body="x")
    assert client.get(f"/my/messages/{other.pk}/").status_code == 404


# ------------------------------------------------------------------ 办件进度查询


def lookup(client: Client, number: str, name: str, **extra: str) -> Any:
    return client.post("/progress/", {"case_number": number, "applicant_name": name, **extra})


def test_progress_lookup_shows_the_minimum_and_never_tells_whether_a_number_exists(world):
    receipt = apply(world)
    client = Client()
    found = lookup(client, receipt.case_number, "王晓明").content.decode()
    assert "已申请" in found and "出生登记" in found and "王晓明" not in found.split("查询结果")[1].split("</section>")[0]
    wrong_name = lookup(client, receipt.case_number, "王晓").content.decode()
    unknown = lookup(client, receipt.case_number[:-1] + "9", "王晓明").content.decode()
    assert "没有找到" in wrong_name and "没有找到" in unknown


def test_progress_lookup_asks_for_the_captcha_after_a_few_tries_and_is_rate_limited(world, monkeypatch):
    from tongban.identity import captcha

    monkeypatch.setattr(captcha, "_random_text", lambda: "KKKK")
    monkeypatch.setattr(progress, "MAX_PER_WINDOW", 5)
    receipt = apply(world)
    client = Client()
    for _ in range(progress.CAPTCHA_AFTER - 1):
        assert 'name="captcha"' not in lookup(client, "X" * 43, "某人").content.decode()
    assert 'name="captcha"' in lookup(client, "X" * 43, "某人").content.decode()  # from the next lookup on
    asked = client.get("/progress/").content.decode()
    assert 'name="captcha"' in asked
    refused = lookup(client, receipt.case_number, "王晓明").content.decode()
    assert "图形验证码不正确" in refused and "查询结果" not in refused
    client.get("/account/captcha.png")
    assert "查询结果" in lookup(client, receipt.case_number, "王晓明", captcha="kkkk").content.decode()
    client.get("/account/captcha.png")
    lookup(client, "Y" * 43, "某人", captcha="KKKK")
    limited = lookup(client, receipt.case_number, "王晓明", captcha="KKKK")
    assert limited.status_code == 429 and "查询过于频繁" in limited.content.decode()
    assert Client(REMOTE_ADDR="10.0.0.9").get("/progress/").content.decode().count('name="captcha"') == 0
