"""The applicant's API (/api/v1/applicant/): drafts with the form's JSON Schema and prefill, attachments (multipart,
reuse), submission with Idempotency-Key (201, then 200 with the same case), step-up, 我的办件 with the timeline,
supplement and resubmit, withdrawal, notices; scope (another applicant's case, an organisation one may not act
for, an agent without view_cases)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.api.conftest import login
from tests.cases.conftest import apply, configure, make_world
from tests.factories import case_implementation, case_item
from tests.files.conftest import pdf
from tests.organizations.helpers import person, register
from tongban.cases import services
from tongban.cases.models import Case, CaseEvent, Draft
from tongban.cases.records import SupplementItem
from tongban.cases.services.notices import applicant_notify_event

pytestmark = pytest.mark.django_db
API = "/api/v1/applicant"


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Any) -> Any:
    location = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    settings.FILE_SCANNER = "simulator"
    return location


@pytest.fixture
def world(regions: dict[str, Any]) -> SimpleNamespace:
    w = make_world(regions)
    configure(w)
    return w


def token_of(client: Client, user: Any) -> str:
    # The persons of tests.organizations.helpers have the identity tests' password.
    return login(client, user.phone)


def call(client: Client, method: str, path: str, token: str, data: Any = None, **extra: Any) -> Any:
    handler = getattr(client, method)
    kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}", **extra}
    if data is not None:
        kwargs.update(data=data, content_type="application/json")
    return handler(f"{API}{path}", **kwargs)


def upload(client: Client, token: str, path: str, material: str, name: str = "材料.pdf",
           content: bytes | None = None) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(f"{API}{path}", {"material_name": material,
                                        "file": SimpleUploadedFile(name, content or pdf(), "application/pdf")},
                       HTTP_AUTHORIZATION=f"Bearer {token}")


def open_and_fill(client: Client, token: str, world: SimpleNamespace, *, org: str = "") -> dict[str, Any]:
    draft = call(client, "post", f"/drafts{org}", token, {"implementation_code": world.impl.code})
    assert draft.status_code == 200, draft.content
    body = draft.json()
    saved = call(client, "patch", f"/drafts/{body['id']}{org}", token, {"data": {"reason": "首次申请"}})
    assert saved.status_code == 200, saved.content
    for material in ("居民身份证", "申请书"):
        response = upload(client, token, f"/drafts/{body['id']}/attachments{org}", material)
        assert response.status_code == 201, response.content
    return body


def test_a_draft_carries_the_forms_schema_prefill_and_materials(world, client):
    token = token_of(client, world.citizen)
    response = call(client, "post", "/drafts", token, {"implementation_code": world.impl.code})
    assert response.status_code == 200
    body = response.json()
    assert body["form"]["field_schema"]["properties"]["reason"]
    prefilled = body["prefill"]["applicant_name"]
    assert prefilled["value"] == "王晓明" and prefilled["locked"] is True and prefilled["source_label"]
    assert [m["name"] for m in body["materials"]] == ["居民身份证", "申请书", "其他证明材料"]
    again = call(client, "post", "/drafts", token, {"implementation_code": world.impl.code})
    assert again.json()["id"] == body["id"]
    listed = call(client, "get", "/drafts", token).json()
    assert [d["id"] for d in listed] == [body["id"]]


def test_autosave_checks_types_at_once_and_clears_with_null(world, client):
    token = token_of(client, world.citizen)
    draft = call(client, "post", "/drafts", token, {"implementation_code": world.impl.code}).json()
    saved = call(client, "patch", f"/drafts/{draft['id']}", token, {"data": {"reason": "首次申请"}})
    assert saved.json()["data"]["reason"] == "首次申请"
    wrong = call(client, "patch", f"/drafts/{draft['id']}", token, {"data": {"reason": ["不是文字"]}})
    assert wrong.status_code == 422 and wrong.json()["error"]["issues"][0]["field"] == "reason"
    cleared = call(client, "patch", f"/drafts/{draft['id']}", token, {"data": {"reason": None}})
    assert "reason" not in cleared.json()["data"]


def test_uploads_are_typed_by_content_and_can_be_removed(world, client):
    token = token_of(client, world.citizen)
    draft = call(client, "post", "/drafts", token, {"implementation_code": world.impl.code}).json()
    lying = upload(client, token, f"/drafts/{draft['id']}/attachments", "居民身份证", name="照片.jpg")
    assert lying.status_code == 422
    good = upload(client, token, f"/drafts/{draft['id']}/attachments", "居民身份证")
    assert good.status_code == 201 and good.json()["source"] == "upload"
    unknown = upload(client, token, f"/drafts/{draft['id']}/attachments", "不存在的材料")
    assert unknown.status_code == 422
    removed = call(client, "delete", f"/drafts/{draft['id']}/attachments/{good.json()['id']}", token)
    assert removed.status_code == 204
    assert call(client, "get", f"/drafts/{draft['id']}", token).json()["materials"][0]["attachments"] == []


def test_submission_with_the_same_idempotency_key_returns_the_same_case(world, client):
    token = token_of(client, world.citizen)
    draft = open_and_fill(client, token, world)
    first = call(client, "post", f"/drafts/{draft['id']}/submission", token, HTTP_IDEMPOTENCY_KEY="key-0001-abcd")
    assert first.status_code == 201, first.content
    receipt = first.json()
    assert len(receipt["case_number"]) == 43 and receipt["title"] == "出生登记"
    assert [m["name"] for m in receipt["materials"]] == ["居民身份证", "申请书"]
    again = call(client, "post", f"/drafts/{draft['id']}/submission", token, HTTP_IDEMPOTENCY_KEY="key-0001-abcd")
    assert again.status_code == 200 and again.json()["case_id"] == receipt["case_id"]
    assert Case.objects.count() == 1
    missing = call(client, "post", f"/drafts/{draft['id']}/submission", token)
    assert missing.status_code == 422


def test_every_problem_is_listed_at_once(world, client):
    token = token_of(client, world.citizen)
    draft = call(client, "post", "/drafts", token, {"implementation_code": world.impl.code}).json()
    response = call(client, "post", f"/drafts/{draft['id']}/submission", token, HTTP_IDEMPOTENCY_KEY="key-0002-abcd")
    assert response.status_code == 422
    fields = {i["field"] for i in response.json()["error"]["issues"]}
    assert {"reason", "materials.居民身份证", "materials.申请书"} <= fields
    assert Draft.objects.exists() and not Case.objects.exists()


def test_a_user_below_the_items_level_is_asked_to_step_up(world, client):
    newcomer = person()
    token = token_of(client, newcomer)
    draft = open_and_fill(client, token, world)
    call(client, "patch", f"/drafts/{draft['id']}", token, {"data": {"applicant_name": "赵六"}})
    response = call(client, "post", f"/drafts/{draft['id']}/submission", token, HTTP_IDEMPOTENCY_KEY="key-0003-abcd")
    assert response.status_code == 403 and response.json()["error"]["code"] == "step_up_required"
    assert not Case.objects.exists()


def test_my_cases_detail_timeline_receipt_and_pdf(world, client):
    receipt = apply(world)
    services.case_accept(user=world.clerk, case_id=receipt.case_id)
    token = token_of(client, world.citizen)
    listed = call(client, "get", "/cases", token).json()
    assert listed["count"] == 1 and listed["items"][0]["case_number"] == receipt.case_number
    detail = call(client, "get", f"/cases/{receipt.case_id}", token).json()
    assert detail["status"] == "accepted" and detail["clock"]["kind"] == "decision" and detail["can_withdraw"]
    timeline = call(client, "get", f"/cases/{receipt.case_id}/timeline", token).json()
    assert [e["transition"] for e in timeline] == ["submit", "accept"]
    assert call(client, "get", f"/cases/{receipt.case_id}/receipt", token).json()["case_number"] == receipt.case_number
    pdf_response = call(client, "get", f"/cases/{receipt.case_id}/receipt.pdf", token)
    assert pdf_response.status_code == 200 and pdf_response.content.startswith(b"%PDF-")
    material = detail["materials"][0]["attachments"][0]
    downloaded = call(client, "get", f"/cases/{receipt.case_id}/materials/{material['id']}", token)
    assert downloaded.status_code == 200 and downloaded.content.startswith(b"%PDF-")


def test_decision_documents(world, client):
    from tests.cases.conftest import pdf_upload, to_review
    from tongban.cases.records import DecisionDocument
    from tongban.files.services import file_store

    receipt = apply(world)
    to_review(world, receipt.case_id)
    own = file_store(owner_user_id=world.approver.pk, upload=pdf_upload("决定书.pdf"), purpose="cases.record")
    services.case_decide(user=world.approver, case_id=receipt.case_id, outcome="approve", delivery_method="electronic",
                         documents=[DecisionDocument(name="准予许可决定书", file_id=own.id)])
    token = token_of(client, world.citizen)
    documents = call(client, "get", f"/cases/{receipt.case_id}", token).json()["documents"]
    assert documents == [{"name": "准予许可决定书", "kind": "decision", "reference": "", "file_id": own.id}]
    response = call(client, "get", f"/cases/{receipt.case_id}/documents/{own.id}", token)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    stranger = token_of(client, person(name="李华", id_number="530102198507152344"))
    assert call(client, "get", f"/cases/{receipt.case_id}/documents/{own.id}", stranger).status_code == 404


def test_another_applicants_case_is_not_found(world, client):
    receipt = apply(world)
    stranger = token_of(client, person(name="李华", id_number="530102198507152344"))
    for path in (f"/cases/{receipt.case_id}", f"/cases/{receipt.case_id}/timeline", f"/cases/{receipt.case_id}/receipt",
                 f"/cases/{receipt.case_id}/receipt.pdf"):
        assert call(client, "get", path, stranger).status_code == 404, path
    refused = call(client, "post", f"/cases/{receipt.case_id}/withdrawal", stranger, {"reason": "恶意"})
    assert refused.status_code == 404 and Case.objects.get().status == "submitted"
    assert call(client, "get", "/cases", stranger).json()["count"] == 0


def test_supplement_then_resubmit(world, client):
    receipt = apply(world)
    services.case_request_supplement(user=world.clerk, case_id=receipt.case_id, items=[
        SupplementItem(material="申请书", reason="未签字"), SupplementItem(field="reason", reason="写明事由")])
    token = token_of(client, world.citizen)
    detail = call(client, "get", f"/cases/{receipt.case_id}", token).json()
    assert detail["can_resubmit"] and {i["reason"] for i in detail["supplement_items"]} == {"未签字", "写明事由"}
    assert upload(client, token, f"/cases/{receipt.case_id}/attachments", "申请书", "签字版.pdf").status_code == 201
    wrong = call(client, "post", f"/cases/{receipt.case_id}/resubmission", token, {"data": {"reason": ""}})
    assert wrong.status_code == 422 and Case.objects.get().status == "supplement_requested"
    done = call(client, "post", f"/cases/{receipt.case_id}/resubmission", token,
                {"data": {"reason": "办理新生儿户口"}, "note": "已补签"})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "submitted" and Case.objects.get().form_data["reason"] == "办理新生儿户口"


def test_withdrawal_needs_a_reason(world, client):
    receipt = apply(world)
    token = token_of(client, world.citizen)
    assert call(client, "post", f"/cases/{receipt.case_id}/withdrawal", token, {"reason": " "}).status_code == 422
    response = call(client, "post", f"/cases/{receipt.case_id}/withdrawal", token, {"reason": "不需要了"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    again = call(client, "post", f"/cases/{receipt.case_id}/withdrawal", token, {"reason": "不需要了"})
    assert again.status_code == 409


def test_an_agent_applies_for_the_organisation_and_scopes_hold(world, client):
    org = register(world.citizen)
    until = timezone.now() + datetime.timedelta(days=365)
    from tongban.organizations import services as org_services

    agent = person(name="阿依古丽·买买提", id_number="530126199203158822")
    apply_only = person(name="张三", id_number="53011119921230345X")
    org_services.agent_authorize(org_id=org.id, legal_rep_user=world.citizen, agent_phone_or_username=agent.phone,
                                 scopes=["apply", "view_cases"], valid_until=until)
    org_services.agent_authorize(org_id=org.id, legal_rep_user=world.citizen,
                                 agent_phone_or_username=apply_only.phone, scopes=["apply"], valid_until=until)
    item = case_item(name="企业设立登记", audience="organization", service_objects=["2"], category="scjg")
    impl = case_implementation(item, world.gongan)
    configure(world, impl=impl)
    token = token_of(client, agent)
    org_q = f"?org_id={org.id}"
    draft = call(client, "post", f"/drafts{org_q}", token, {"implementation_code": impl.code})
    assert draft.status_code == 200 and draft.json()["organization_id"] == org.id
    draft_id = draft.json()["id"]
    call(client, "patch", f"/drafts/{draft_id}{org_q}", token, {"data": {"reason": "设立"}})
    for material in ("居民身份证", "申请书"):
        assert upload(client, token, f"/drafts/{draft_id}/attachments{org_q}", material).status_code == 201
    submitted = call(client, "post", f"/drafts/{draft_id}/submission{org_q}", token,
                     HTTP_IDEMPOTENCY_KEY="key-0004-abcd")
    assert submitted.status_code == 201, submitted.content
    case_id = submitted.json()["case_id"]
    assert Case.objects.get(pk=case_id).organization_id == org.id
    assert call(client, "get", f"/cases{org_q}", token).json()["count"] == 1
    assert call(client, "get", "/cases", token).json()["count"] == 0  # not the agent's own cases
    limited = token_of(client, apply_only)
    assert call(client, "get", f"/cases/{case_id}{org_q}", limited).status_code == 403
    assert call(client, "get", f"/cases{org_q}", limited).status_code == 403
    outsider = token_of(client, person(name="李华", id_number="530102198507152344"))
    assert call(client, "get", f"/cases{org_q}", outsider).status_code == 404
    assert call(client, "post", f"/drafts{org_q}", outsider, {"implementation_code": impl.code}).status_code == 404


def test_notices_with_the_unread_count(world, client):
    receipt = apply(world)
    for event in CaseEvent.objects.filter(case_id=receipt.case_id):
        applicant_notify_event(case_id=receipt.case_id, event_id=event.pk)
    token = token_of(client, world.citizen)
    body = call(client, "get", "/notices", token).json()
    assert body["unread"] == 1 and body["items"][0]["title"] == "申请已提交"
    notice_id = body["items"][0]["id"]
    assert call(client, "post", f"/notices/{notice_id}/read", token).json() == {"marked": 1}
    assert call(client, "get", "/notices", token).json()["unread"] == 0
    stranger = token_of(client, person())
    assert call(client, "post", f"/notices/{notice_id}/read", stranger).status_code == 404


def test_the_api_needs_a_token(client):
    response = client.get(f"{API}/cases")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_reusable_files_are_the_applicants_own_accepted_uploads(world, client):
    receipt = apply(world)
    services.case_accept(user=world.clerk, case_id=receipt.case_id)
    token = token_of(client, world.citizen)
    files = call(client, "get", "/reusable-files?material_name=申请书", token).json()
    assert files and files[0]["material_name"] == "申请书"
    draft = call(client, "post", "/drafts", token, {"implementation_code": world.impl.code}).json()
    reused = call(client, "post", f"/drafts/{draft['id']}/attachments/reuse", token,
                  {"material_name": "申请书", "file_id": files[0]["file_id"]})
    assert reused.status_code == 201 and reused.json()["source"] == "reuse"
    stranger = token_of(client, person(name="李华", id_number="530102198507152344"))
    other_draft = call(client, "post", "/drafts", stranger, {"implementation_code": world.impl.code}).json()
    refused = call(client, "post", f"/drafts/{other_draft['id']}/attachments/reuse", stranger,
                   {"material_name": "申请书", "file_id": files[0]["file_id"]})
    assert refused.status_code == 404
