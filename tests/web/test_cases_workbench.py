"""The case-handling workbench (办件办理): queues within the staff member's scope, search, batch acceptance, the
case page (only the actions the transition table allows now; refusals change nothing), materials, the audited
reveal, the actions with their confirmations, and the processing configuration editor."""

from __future__ import annotations

import datetime
import re
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.cases.conftest import Clock, apply, configure, make_world, pdf_upload, to_review
from tests.factories import case_implementation, case_item, make_staff
from tongban.cases import services, workflow
from tongban.cases.models import Case, CaseEvent, ProcessingConfig, SupplementRequest
from tongban.cases.records import StepSpec
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Any) -> Any:
    location = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    settings.FILE_SCANNER = "simulator"
    return location


@pytest.fixture
def world(regions: dict[str, Any]) -> SimpleNamespace:
    """石林县公安局 handles the item (clerk, reviewer, approver, admin); 昆明市市场监督管理局 is out of scope."""
    return make_world(regions)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)

ACTION_LINK = re.compile(r'href="/workbench/cases/(\d+)/([a-z_]+)/"')


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def actions_on(page: str, case_id: int) -> set[str]:
    return {name for cid, name in ACTION_LINK.findall(page) if int(cid) == case_id
            and name not in ("applicant",)}


def listed(page: str) -> set[int]:
    """The cases a page lists (links to their case pages)."""
    return {int(i) for i in re.findall(r'href="/workbench/cases/(\d+)/"', page)}


def status_of(case_id: int) -> str:
    return Case.objects.get(pk=case_id).status


def events_of(case_id: int) -> int:
    return CaseEvent.objects.filter(case_id=case_id).count()


@pytest.fixture
def kunming_case(world: Any) -> int:
    """A case of 昆明市市场监督管理局 (the outsider's department)."""
    impl = case_implementation(case_item(category="scjg"), world.scjg)
    return apply(world, impl=impl).case_id


# ------------------------------------------------------------------ scope


def test_each_queue_shows_only_cases_in_scope(world: Any, kunming_case: int) -> None:
    shilin = apply(world).case_id
    shilin_number = Case.objects.get(pk=shilin).case_number
    kunming_number = Case.objects.get(pk=kunming_case).case_number
    clerk, outsider = signed_in(world.clerk), signed_in(world.outsider)

    mine = clerk.get("/workbench/cases/queue/to_accept/").content.decode()
    assert shilin_number in mine and kunming_number not in mine
    theirs = outsider.get("/workbench/cases/queue/to_accept/").content.decode()
    assert kunming_number in theirs and shilin_number not in theirs, "a 昆明市 clerk never sees a 石林县 case"
    for queue in ("my_steps", "due_soon", "overdue", "supplemented", "in_special_procedure"):
        page = outsider.get(f"/workbench/cases/queue/{queue}/")
        assert page.status_code == 200 and shilin_number not in page.content.decode()
    found = outsider.get("/workbench/cases/search/", {"case_number": shilin_number}).content.decode()
    assert listed(found) == set() and "找到 0 件" in found
    assert "找到 1 件" in clerk.get("/workbench/cases/search/", {"case_number": shilin_number}).content.decode()


def test_a_search_counts_at_most_its_limit(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [apply(world).case_id for _ in range(3)]
    monkeypatch.setattr("tongban.cases.selectors.COUNT_LIMIT", 2)
    prefix = Case.objects.get(pk=ids[0]).case_number[:4]
    page = signed_in(world.clerk).get("/workbench/cases/search/", {"case_number": prefix}).content.decode()
    assert "找到超过 2 件" in page and listed(page) == set(ids[1:]), "the two newest"


def test_a_case_out_of_scope_is_404_and_audited(world: Any) -> None:
    case_id = apply(world).case_id
    outsider = signed_in(world.outsider)
    for path in (f"/workbench/cases/{case_id}/", f"/workbench/cases/{case_id}/accept/",
                 f"/workbench/cases/{case_id}/applicant/"):
        assert outsider.get(path).status_code == 404
    assert outsider.post(f"/workbench/cases/{case_id}/accept/", {"opinion": "受理"}).status_code == 404
    assert status_of(case_id) == "submitted"
    denied = AuditEvent.objects.filter(action="cases.case.view", outcome="denied", object_id=str(case_id))
    assert denied.count() == 4
    assert signed_in(world.citizen).get(f"/workbench/cases/{case_id}/").status_code == 404, "not staff"


def test_queue_rows_show_due_colour_with_text_and_masked_applicants(world: Any, clock: Any, settings: Any) -> None:
    settings.DUE_WARN_WORKING_DAYS = 1
    configure(world, mode="complex")  # acceptance within 3 working days
    clock.set(datetime.date(2026, 3, 2))  # a Monday
    apply(world)
    clerk = signed_in(world.clerk)
    page = clerk.get("/workbench/cases/queue/to_accept/").content.decode()
    assert "due-green" in page and "2026-03-05（正常）" in page
    assert "王晓明" not in page and "王*明" in page
    clock.set(datetime.date(2026, 3, 4))
    clerk = signed_in(world.clerk)  # a new session at the new time
    assert "2026-03-05（即将到期）" in clerk.get("/workbench/cases/queue/to_accept/").content.decode()
    clock.set(datetime.date(2026, 3, 6))
    late = signed_in(world.clerk).get("/workbench/cases/queue/overdue/").content.decode()
    assert "due-red" in late and "2026-03-05（已超期）" in late


def test_search_by_item_dates_and_applicant(world: Any) -> None:
    case_id = apply(world)
    clerk = signed_in(world.clerk)
    number = Case.objects.get(pk=case_id.case_id).case_number
    by_name = clerk.get("/workbench/cases/search/", {"applicant_name": "王晓明"}).content.decode()
    assert number in by_name and "王晓明" not in by_name.split("<table")[1], "matched exactly, shown masked"
    assert number not in clerk.get("/workbench/cases/search/", {"applicant_name": "王晓"}).content.decode()
    assert number in clerk.get("/workbench/cases/search/", {"item": world.item.basic_code}).content.decode()
    assert number in clerk.get("/workbench/cases/search/", {"status": "submitted"}).content.decode()
    assert listed(clerk.get("/workbench/cases/search/", {"status": "approved"}).content.decode()) == set()
    wrong = clerk.get("/workbench/cases/search/", {"submitted_from": "2030-01-02", "submitted_to": "2030-01-01"})
    assert "结束日期不能早于开始日期" in wrong.content.decode()


# ------------------------------------------------------------------ N+1


def _queries(client: Client, path: str) -> int:
    client.get(path)  # the session's bookkeeping happens on the first request
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def test_queue_pages_need_the_same_queries_for_5_and_30_cases(world: Any) -> None:
    configure(world)
    for _ in range(5):
        apply(world)
    clerk = signed_in(world.clerk)
    paths = ["/workbench/cases/queue/to_accept/", "/workbench/cases/queue/due_soon/",
             "/workbench/cases/search/?item=" + world.item.basic_code]
    few = {path: _queries(clerk, path) for path in paths}
    for _ in range(25):
        apply(world)
    many = {path: _queries(clerk, path) for path in paths}
    assert few == many
    page = clerk.get("/workbench/cases/queue/to_accept/").content.decode()
    assert page.count('name="case"') == 20 and "第 1 / 2 页" in page, "paginated"


# ------------------------------------------------------------------ the actions the table allows


def test_the_actions_shown_match_the_transition_table(world: Any) -> None:
    configure(world)
    case_id = apply(world).case_id
    shown = {who: actions_on(signed_in(getattr(world, who)).get(f"/workbench/cases/{case_id}/").content.decode(),
                             case_id) for who in ("clerk", "reviewer", "approver", "admin")}
    assert shown["clerk"] == {"accept", "refuse", "request_supplement"}
    assert shown["reviewer"] == set() and shown["approver"] == set()
    assert shown["admin"] == {"void"}
    assert shown["clerk"] <= set(workflow.allowed_transitions(current="submitted", actors={"window_clerk"}))

    services.case_accept(user=world.clerk, case_id=case_id)
    reviewer = actions_on(signed_in(world.reviewer).get(f"/workbench/cases/{case_id}/").content.decode(), case_id)
    assert reviewer == {"step_complete", "request_supplement", "special_procedure_start"}, "not the decision yet"
    approver = actions_on(signed_in(world.approver).get(f"/workbench/cases/{case_id}/").content.decode(), case_id)
    assert approver == {"extend"}
    services.case_step_complete(user=world.reviewer, case_id=case_id, outcome="pass", opinion="材料齐全")
    approver = actions_on(signed_in(world.approver).get(f"/workbench/cases/{case_id}/").content.decode(), case_id)
    assert approver == {"decide", "step_complete", "request_supplement", "special_procedure_start", "extend"}
    last = signed_in(world.approver).get(f"/workbench/cases/{case_id}/step_complete/").content.decode()
    assert "退回上一环节" in last and 'value="pass"' not in last, "the last step passes only by the decision"
    services.case_extend(user=world.approver, case_id=case_id, working_days=3, reason="情况复杂")
    approver = actions_on(signed_in(world.approver).get(f"/workbench/cases/{case_id}/").content.decode(), case_id)
    assert "extend" not in approver, "延期 only once"


def test_a_refused_action_changes_nothing_and_says_why(world: Any) -> None:
    case_id = apply(world).case_id
    before = events_of(case_id)
    reviewer = signed_in(world.reviewer)
    refused = reviewer.post(f"/workbench/cases/{case_id}/accept/", {"opinion": ""})
    assert refused.status_code == 403 and "您无权对该办件进行“受理”操作" in refused.content.decode()
    assert AuditEvent.objects.filter(action="cases.case.accept", outcome="denied").exists()
    wrong_state = signed_in(world.clerk).post(f"/workbench/cases/{case_id}/complete/", {"opinion": ""})
    assert wrong_state.status_code == 409 and "办件当前状态为" in wrong_state.content.decode()
    shown = reviewer.get(f"/workbench/cases/{case_id}/accept/", follow=True)
    assert "您现在不能对该办件进行“受理”操作" in shown.content.decode()
    assert status_of(case_id) == "submitted" and events_of(case_id) == before


# ------------------------------------------------------------------ acting


def test_accept_then_steps_then_decision_with_electronic_delivery(world: Any) -> None:
    configure(world)
    case_id = apply(world).case_id
    page = signed_in(world.clerk).get(f"/workbench/cases/{case_id}/accept/")
    assert page.status_code == 200 and "受理" in page.content.decode()
    done = signed_in(world.clerk).post(f"/workbench/cases/{case_id}/accept/", {"opinion": "材料齐全，予以受理"})
    assert done.status_code == 302 and status_of(case_id) == "accepted"
    missing = signed_in(world.reviewer).post(f"/workbench/cases/{case_id}/step_complete/",
                                             {"outcome": "return", "opinion": ""})
    assert missing.status_code == 422 and "退回须写明意见" in missing.content.decode()
    reviewed = signed_in(world.reviewer).post(f"/workbench/cases/{case_id}/step_complete/", {
        "outcome": "pass", "opinion": "审核通过", "attachments": pdf_upload("审核意见.pdf")})
    assert reviewed.status_code == 302, reviewed.content.decode()
    event = CaseEvent.objects.get(case_id=case_id, transition="step_complete")
    assert len(event.attachments) == 1
    detail = signed_in(world.approver).get(f"/workbench/cases/{case_id}/").content.decode()
    assert f"/workbench/cases/{case_id}/files/{event.attachments[0]}/" in detail and "审核通过" in detail
    download = signed_in(world.approver).get(f"/workbench/cases/{case_id}/files/{event.attachments[0]}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert signed_in(world.approver).get(f"/workbench/cases/{case_id}/files/999999/").status_code == 404
    decided = signed_in(world.approver).post(f"/workbench/cases/{case_id}/decide/", {
        "outcome": "approve", "opinion": "符合条件", "doc_name_0": "准予许可决定书", "doc_number_0": "石公许〔2026〕1号",
        "delivery_method": "electronic"})
    assert decided.status_code == 302
    case = Case.objects.get(pk=case_id)
    assert case.status == "approved" and case.delivery_method == "electronic"
    assert case.decision_documents[0]["number"] == "石公许〔2026〕1号"


def test_deny_refuse_and_void_need_a_second_screen(world: Any) -> None:
    configure(world)
    case_id = apply(world).case_id
    clerk = signed_in(world.clerk)
    incomplete = clerk.post(f"/workbench/cases/{case_id}/refuse/", {"legal_basis": ""})
    assert incomplete.status_code == 422 and "请至少选择或填写一条不予受理的理由" in incomplete.content.decode()
    data = {"reasons": ["申请人不具备申请资格"], "other_reasons": "户籍不在本县", "legal_basis": "《行政许可法》第三十二条",
            "opinion": ""}
    first = clerk.post(f"/workbench/cases/{case_id}/refuse/", data)
    body = first.content.decode()
    assert first.status_code == 200 and "确认不予受理" in body and "户籍不在本县" in body
    assert status_of(case_id) == "submitted", "nothing happens before the confirmation"
    confirmed = clerk.post(f"/workbench/cases/{case_id}/refuse/", {**data, "confirmed": "1"})
    assert confirmed.status_code == 302 and status_of(case_id) == "refused"
    refuse = CaseEvent.objects.get(case_id=case_id, transition="refuse")
    assert refuse.detail["reasons"] == ["申请人不具备申请资格", "户籍不在本县"]

    other = apply(world).case_id
    admin = signed_in(world.admin)
    assert "确认作废" in admin.post(f"/workbench/cases/{other}/void/", {"reason": "重复申请"}).content.decode()
    assert status_of(other) == "submitted"
    assert admin.post(f"/workbench/cases/{other}/void/", {"reason": "重复申请", "confirmed": "1"}).status_code == 302
    assert status_of(other) == "voided"

    third = apply(world).case_id
    to_review(world, third)
    approver = signed_in(world.approver)
    deny = {"outcome": "deny", "opinion": "不符合法定条件", "doc_name_0": "不予许可决定书", "delivery_method": "window"}
    screen = approver.post(f"/workbench/cases/{third}/decide/", deny)
    assert "确认作出不予许可决定" in screen.content.decode() and status_of(third) == "in_review"
    assert approver.post(f"/workbench/cases/{third}/decide/", {**deny, "confirmed": "1"}).status_code == 302
    assert status_of(third) == "denied"


def test_supplement_request_lists_everything_at_once(world: Any) -> None:
    configure(world)
    case_id = apply(world).case_id
    clerk = signed_in(world.clerk)
    page = clerk.get(f"/workbench/cases/{case_id}/request_supplement/").content.decode()
    assert "居民身份证" in page and "申请书" in page
    nothing = clerk.post(f"/workbench/cases/{case_id}/request_supplement/", {"opinion": ""})
    assert nothing.status_code == 422 and "一次性告知申请人" in nothing.content.decode()
    no_reason = clerk.post(f"/workbench/cases/{case_id}/request_supplement/", {"m-0": "1", "m-0-note": ""})
    assert no_reason.status_code == 422 and status_of(case_id) == "submitted"
    sent = clerk.post(f"/workbench/cases/{case_id}/request_supplement/", {
        "m-0": "1", "m-0-note": "复印件不清晰", "m-1": "1", "m-1-note": "未签名", "f-0": "1", "f-0-note": "请写明原因",
        "opinion": "请一次补齐"})
    assert sent.status_code == 302 and status_of(case_id) == "supplement_requested"
    request = SupplementRequest.objects.get(case_id=case_id)
    assert len(request.items) == 3 and {i["reason"] for i in request.items} >= {"复印件不清晰", "未签名"}


def test_batch_accept_confirms_on_a_second_screen_and_audits_each_case(world: Any) -> None:
    configure(world)
    first, second = apply(world).case_id, apply(world).case_id
    other_impl = case_implementation(case_item(), world.gongan)
    configure(world, mode="online", impl=other_impl)
    online = apply(world, impl=other_impl).case_id
    clerk = signed_in(world.clerk)
    screen = clerk.get("/workbench/cases/batch-accept/", {"case": [first, second, online, 999999]})
    body = screen.content.decode()
    assert screen.status_code == 200 and "确认受理 2 件" in body and "须逐件审查后受理" in body
    assert status_of(first) == "submitted"
    done = clerk.post("/workbench/cases/batch-accept/", {"case": [first, second, online], "confirmed": "1",
                                                         "opinion": "材料齐全"})
    assert done.status_code == 302
    assert (status_of(first), status_of(second), status_of(online)) == ("accepted", "accepted", "submitted")
    assert AuditEvent.objects.filter(action="cases.case.accept", outcome="success").count() == 2
    reviewer = signed_in(world.reviewer).post("/workbench/cases/batch-accept/", {"case": [online], "confirmed": "1"})
    assert reviewer.status_code == 302 and status_of(online) == "submitted", "only window clerks accept"
    assert "批量受理所选办件" not in signed_in(world.reviewer).get("/workbench/cases/queue/to_accept/").content.decode()


# ------------------------------------------------------------------ applicant, materials


def test_reveal_asks_a_reason_and_is_audited(world: Any) -> None:
    case_id = apply(world).case_id
    clerk = signed_in(world.clerk)
    detail = clerk.get(f"/workbench/cases/{case_id}/").content.decode()
    assert "王晓明" not in detail and "查看完整信息" in detail
    empty = clerk.post(f"/workbench/cases/{case_id}/applicant/", {"reason": ""})
    assert "王晓明" not in empty.content.decode()
    shown = clerk.post(f"/workbench/cases/{case_id}/applicant/", {"reason": "电话核实材料"})
    assert "王晓明" in shown.content.decode() and shown["Cache-Control"].startswith("max-age=0")
    event = AuditEvent.objects.get(action="cases.applicant.reveal")
    assert event.detail["reason"] == "电话核实材料" and event.object_id == str(case_id)


def test_materials_open_through_the_audited_read(world: Any) -> None:
    case_id = apply(world).case_id
    clerk = signed_in(world.clerk)
    detail = clerk.get(f"/workbench/cases/{case_id}/").content.decode()
    links = sorted(set(re.findall(rf"/workbench/cases/{case_id}/materials/(\d+)/", detail)))
    assert len(links) == 2
    response = clerk.get(f"/workbench/cases/{case_id}/materials/{links[0]}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment"), "PDFs are downloaded"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="cases.material.read").count() == 1
    assert signed_in(world.outsider).get(f"/workbench/cases/{case_id}/materials/{links[0]}/").status_code == 404


# ------------------------------------------------------------------ processing configuration


def _config_post(**overrides: Any) -> dict[str, Any]:
    data = {"acceptance_mode": "pre_review", "fee_yuan": "", "reason": "调整环节", "step_count": "2",
            "s-0-name": "审核", "s-0-kind": "review", "s-0-role": "reviewer", "s-0-budget": "3",
            "s-1-name": "审批", "s-1-kind": "approve", "s-1-role": "approver", "s-1-budget": "1", "op": "save"}
    data.update(overrides)
    return data


def test_department_admin_edits_the_step_chain(world: Any) -> None:
    admin = signed_in(world.admin)
    listing = admin.get("/workbench/cases/config/").content.decode()
    assert world.impl.code in listing
    url = f"/workbench/cases/config/{world.impl.pk}/"
    assert "审核" in admin.get(url).content.decode()
    added = admin.post(url, _config_post(op="add")).content.decode()
    assert 'name="s-2-name"' in added and not ProcessingConfig.objects.exists()
    moved = admin.post(url, _config_post(op="down-0")).content.decode()
    assert moved.index('value="审批"') < moved.index('value="审核"')
    over = admin.post(url, _config_post(**{"s-0-budget": "9"}))
    assert over.status_code == 422 and "超过了承诺办结时限" in over.content.decode()
    assert not ProcessingConfig.objects.exists()
    saved = admin.post(url, _config_post(**{"step_count": "3", "s-2-name": "会签", "s-2-kind": "countersign",
                                            "s-2-role": "reviewer", "s-2-budget": "0",
                                            "s-2-departments": [str(world.minzheng.pk)],
                                            "s-1-name": "会签前审批", "op": "save"}))
    assert saved.status_code == 422 and "会签不能作为最后一个环节" in saved.content.decode()
    ok = admin.post(url, _config_post(**{"acceptance_mode": "online", "fee_yuan": "20"}))
    assert ok.status_code == 302
    config = ProcessingConfig.objects.get(implementation=world.impl)
    assert config.acceptance_mode == "online" and config.fee_amount_fen == 2000 and len(config.steps) == 2
    assert AuditEvent.objects.filter(action="cases.processing_config.update", outcome="success").exists()


def test_only_the_departments_admin_changes_the_configuration(world: Any) -> None:
    url = f"/workbench/cases/config/{world.impl.pk}/"
    clerk = signed_in(world.clerk)
    assert clerk.get("/workbench/cases/config/").status_code == 404
    refused = clerk.post(url, _config_post())
    assert refused.status_code == 403 and "只有本部门的部门管理员可以修改办理流程配置" in refused.content.decode()
    outsider_admin = make_staff(world.scjg, "department_admin")
    assert signed_in(outsider_admin).get(url).status_code == 404
    assert signed_in(outsider_admin).post(url, _config_post()).status_code == 404
    assert not ProcessingConfig.objects.exists()


def test_config_changes_apply_to_cases_accepted_later(world: Any) -> None:
    configure(world, steps=[StepSpec(name="承办", kind="handle", role="reviewer", budget_days=2),
                            StepSpec(name="审批", kind="approve", role="approver", budget_days=1)])
    case_id = apply(world).case_id
    services.case_accept(user=world.clerk, case_id=case_id)
    page = signed_in(world.reviewer).get(f"/workbench/cases/{case_id}/").content.decode()
    assert "承办" in page and "办理中" in page


def test_countersign_special_procedure_extension_completion_and_delivery(world: Any) -> None:
    configure(world, steps=[StepSpec(name="审核", kind="review", role="reviewer", budget_days=2),
                            StepSpec(name="会签", kind="countersign", role="reviewer", budget_days=1,
                                     department_ids=(world.minzheng.pk,)),
                            StepSpec(name="审批", kind="approve", role="approver", budget_days=1)])
    case_id = apply(world).case_id
    services.case_accept(user=world.clerk, case_id=case_id)
    services.case_step_complete(user=world.reviewer, case_id=case_id, outcome="pass", opinion="审核通过")

    countersigner = signed_in(world.countersigner)
    assert case_id in listed(countersigner.get("/workbench/cases/queue/my_steps/").content.decode())
    assert actions_on(countersigner.get(f"/workbench/cases/{case_id}/").content.decode(), case_id) == {"countersign"}
    no_opinion = countersigner.post(f"/workbench/cases/{case_id}/countersign/", {"outcome": "pass", "opinion": ""})
    assert no_opinion.status_code == 422
    assert countersigner.post(f"/workbench/cases/{case_id}/countersign/",
                              {"outcome": "pass", "opinion": "同意"}).status_code == 302

    approver = signed_in(world.approver)
    started = approver.post(f"/workbench/cases/{case_id}/special_procedure_start/",
                            {"kind": "site_inspection", "reason": "需要现场勘验"})
    assert started.status_code == 302 and status_of(case_id) == "special_procedure"
    assert case_id in listed(approver.get("/workbench/cases/queue/in_special_procedure/").content.decode())
    page = approver.get(f"/workbench/cases/{case_id}/").content.decode()
    assert "计时暂停" in page or "不计时" in page
    assert approver.post(f"/workbench/cases/{case_id}/special_procedure_end/",
                         {"result": "勘验合格"}).status_code == 302
    assert approver.post(f"/workbench/cases/{case_id}/extend/",
                         {"working_days": "11", "reason": "情况复杂"}).status_code == 422
    assert approver.post(f"/workbench/cases/{case_id}/extend/",
                         {"working_days": "5", "reason": "情况复杂"}).status_code == 302
    assert Case.objects.get(pk=case_id).extension_working_days == 5
    assert approver.post(f"/workbench/cases/{case_id}/decide/", {
        "outcome": "approve", "opinion": "符合条件", "doc_name_0": "准予许可决定书", "delivery_method": "courier",
        "fee_yuan": ""}).status_code == 302
    clerk = signed_in(world.clerk)
    assert clerk.post(f"/workbench/cases/{case_id}/complete/", {"opinion": "办结"}).status_code == 302
    assert clerk.post(f"/workbench/cases/{case_id}/deliver/",
                      {"tracking_number": "SF1234567890", "opinion": ""}).status_code == 302
    case = Case.objects.get(pk=case_id)
    assert case.status == "delivered"
    deliver = CaseEvent.objects.get(case=case, transition="deliver")
    assert deliver.detail["tracking_number"] == "SF1234567890"
    transitions = list(CaseEvent.objects.filter(case=case).values_list("transition", flat=True))
    assert transitions == ["submit", "accept", "step_complete", "countersign", "special_procedure_start",
                           "special_procedure_end", "extend", "decide", "complete", "deliver"]


def test_instant_items_are_accepted_and_decided_at_once(world: Any) -> None:
    configure(world, mode="instant", steps=[])
    case_id = apply(world).case_id
    clerk = signed_in(world.clerk)
    shown = actions_on(clerk.get(f"/workbench/cases/{case_id}/").content.decode(), case_id)
    assert "instant_decide" in shown and "accept" not in shown
    assert clerk.post(f"/workbench/cases/{case_id}/instant_decide/", {
        "outcome": "approve", "doc_name_0": "户口登记", "delivery_method": "window"}).status_code == 302
    assert status_of(case_id) == "approved"
