"""Time limits in working days: acceptance per mode, the decision from acceptance, clock stops for 补齐补正 and
特别程序, the one extension, holidays with make-up Saturdays and Sundays (Spring Festival and National Day 2025),
provisional dates in a year without a published schedule, colours and overdue marking."""

from __future__ import annotations

from datetime import date

import pytest

from tests.cases.conftest import apply, configure, decide, pdf_upload
from tests.factories import case_implementation, case_item
from tongban.cases import selectors, services
from tongban.cases.models import Attachment, Case, CaseEvent
from tongban.cases.records import StepSpec, SupplementItem
from tongban.core.errors import Conflict, ValidationFailed
from tongban.core.models import OutboxEvent
from tongban.notifications.models import Notice

pytestmark = pytest.mark.django_db


def case(case_id: int) -> Case:
    return Case.objects.get(pk=case_id)


@pytest.mark.parametrize(("mode", "due"), [
    ("pre_review", date(2025, 1, 26)),  # Sunday 26 January is a make-up working day (调休上班)
    ("online", date(2025, 1, 27)),
    ("complex", date(2025, 2, 5)),  # 28 January – 4 February: Spring Festival
    ("receipt", None),  # accepted at once
])
def test_acceptance_due_across_the_spring_festival(world, clock, mode, due):
    configure(world, mode=mode)
    clock.set(date(2025, 1, 24))  # Friday
    receipt = apply(world)
    assert receipt.acceptance_due == (due or date(2025, 1, 24))
    if due:
        assert case(receipt.case_id).clock_due == due and not receipt.acceptance_due_provisional


def test_decision_due_across_the_spring_festival_counts_the_make_up_saturday(world, clock):
    configure(world)
    clock.set(date(2025, 1, 24))
    case_id = apply(world).case_id
    clock.set(date(2025, 1, 27))  # Monday: accepted; 5 working days = 5, 6, 7, 8 (Saturday, 调休), 10 February
    services.case_accept(user=world.clerk, case_id=case_id)
    accepted = case(case_id)
    assert accepted.decision_due == date(2025, 2, 10) and accepted.clock_due == date(2025, 2, 10)
    assert not accepted.decision_due_provisional


def test_national_day_2025(world, clock):
    configure(world)
    clock.set(date(2025, 9, 27))  # Saturday, not a working day; Sunday 28 September is one (调休上班)
    receipt = apply(world)
    assert receipt.acceptance_due == date(2025, 9, 28)
    clock.set(date(2025, 9, 30))
    services.case_accept(user=world.clerk, case_id=receipt.case_id)
    # 1–8 October off; 9, 10, 11 (Saturday, 调休), 13, 14
    assert case(receipt.case_id).decision_due == date(2025, 10, 14)


def test_a_due_date_in_a_year_without_a_schedule_is_provisional(world, clock):
    configure(world)
    clock.set(date(2026, 12, 28))
    case_id = apply(world).case_id
    services.case_accept(user=world.clerk, case_id=case_id)
    accepted = case(case_id)
    assert accepted.decision_due.year == 2027 and accepted.decision_due_provisional
    view = selectors.case_detail_for_applicant(user=world.citizen, case_id=case_id)
    assert view.clock.provisional and view.clock.kind == "decision"


def test_a_promise_in_natural_days_counts_calendar_days(world, clock):
    item = case_item()
    impl = case_implementation(item, world.gongan, promised_limit_value=7, promised_limit_unit="natural_day")
    configure(world, impl=impl, steps=[StepSpec(name="审批", kind="approve", role="approver", budget_days=5)])
    clock.set(date(2025, 3, 3))
    case_id = apply(world, impl=impl).case_id
    services.case_accept(user=world.clerk, case_id=case_id)
    assert case(case_id).decision_due == date(2025, 3, 10)


def test_a_supplement_request_during_review_stops_the_clock(world, clock):
    configure(world)
    clock.set(date(2025, 3, 3))  # Monday
    case_id = apply(world).case_id
    services.case_accept(user=world.clerk, case_id=case_id)
    assert case(case_id).decision_due == date(2025, 3, 10)
    clock.set(date(2025, 3, 4))
    services.case_request_supplement(user=world.reviewer, case_id=case_id, items=[
        SupplementItem(material="申请书", reason="缺少申请人签名"), SupplementItem(field="reason", reason="事由不清")])
    stopped = case(case_id)
    assert stopped.status == "supplement_requested" and stopped.clock_due is None
    view = selectors.case_detail_for_applicant(user=world.citizen, case_id=case_id)
    assert view.can_resubmit and "缺少申请人签名" in view.next_action and "事由不清" in view.next_action
    assert not view.clock.running
    clock.set(date(2025, 3, 20))  # long after the old due date: a stopped clock is never overdue
    assert services.case_overdue_mark_all() == 0
    clock.set(date(2025, 3, 7))  # Friday: 5, 6, 7 March stood still
    services.case_attachment_upload(user=world.citizen, case_id=case_id, material_name="申请书",
                                    upload=pdf_upload())
    services.case_resubmit(user=world.citizen, case_id=case_id, data={"reason": "换领新证"})
    resumed = case(case_id)
    assert resumed.status == "accepted" and resumed.stopped_working_days == 3
    assert resumed.decision_due == date(2025, 3, 13) and resumed.clock_due == date(2025, 3, 13)
    assert resumed.form_data["reason"] == "换领新证"
    assert resumed.supplements.get().stopped_working_days == 3
    assert selectors.case_queue_for_staff(staff=_staff(world.reviewer), queue="supplemented")[0].id == case_id


def test_a_supplement_before_acceptance_restarts_the_acceptance_period(world, clock):
    configure(world, mode="complex")
    clock.set(date(2025, 3, 3))
    case_id = apply(world).case_id
    assert case(case_id).acceptance_due == date(2025, 3, 6)
    services.case_request_supplement(user=world.clerk, case_id=case_id, items=[
        SupplementItem(material="居民身份证", reason="照片模糊")])
    clock.set(date(2025, 3, 10))
    services.case_resubmit(user=world.citizen, case_id=case_id)
    resubmitted = case(case_id)
    assert resubmitted.status == "submitted" and resubmitted.acceptance_due == date(2025, 3, 13)


def test_the_supplement_list_is_complete(world, clock):
    """Every missing required material is on the list, whatever the clerk wrote."""
    configure(world)
    receipt = apply(world)
    Attachment.objects.filter(case_id=receipt.case_id, material_name="申请书").delete()  # e.g. an unreadable file
    services.case_request_supplement(user=world.clerk, case_id=receipt.case_id, items=[
        SupplementItem(field="reason", reason="请写明具体事由")])
    event = CaseEvent.objects.get(case_id=receipt.case_id, transition="request_supplement")
    assert event.detail["items"] == [{"material": "", "field": "reason", "reason": "请写明具体事由"},
                                     {"material": "申请书", "field": "", "reason": "缺少该材料。"}]


def test_a_supplement_request_lists_something(world):
    configure(world)
    receipt = apply(world)
    with pytest.raises(ValidationFailed):
        services.case_request_supplement(user=world.clerk, case_id=receipt.case_id, items=[])


def test_a_special_procedure_stops_the_clock_and_the_applicant_is_told(world, clock):
    from tongban.core.outbox import outbox_dispatch

    configure(world)
    clock.set(date(2025, 3, 3))
    case_id = apply(world).case_id
    services.case_accept(user=world.clerk, case_id=case_id)
    clock.set(date(2025, 3, 4))
    with pytest.raises(ValidationFailed):
        services.case_special_procedure_start(user=world.reviewer, case_id=case_id, kind="oracle", reason="")
    services.case_special_procedure_start(user=world.reviewer, case_id=case_id, kind="expert_review",
                                          reason="技术方案需专家评审")
    assert case(case_id).status == "special_procedure" and case(case_id).clock_due is None
    assert selectors.case_queue_for_staff(staff=_staff(world.reviewer), queue="in_special_procedure")[0].id == case_id
    clock.set(date(2025, 3, 11))  # Tuesday: 5, 6, 7, 10, 11 stood still
    services.case_special_procedure_end(user=world.reviewer, case_id=case_id, result="专家评审通过")
    resumed = case(case_id)
    assert resumed.status == "in_review" and resumed.stopped_working_days == 5
    assert resumed.decision_due == date(2025, 3, 17)
    procedure = resumed.special_procedures.get()
    assert procedure.kind == "expert_review" and procedure.result == "专家评审通过" and procedure.stopped_working_days == 5
    outbox_dispatch()
    titles = list(Notice.objects.filter(user_id=world.citizen.pk).values_list("title", flat=True))
    assert "进入特别程序" in titles and "特别程序已结束" in titles
    body = Notice.objects.get(user_id=world.citizen.pk, title="进入特别程序").body
    assert "专家评审" in body and "不计入办理时限" in body


def test_the_extension_is_granted_once_within_ten_working_days(world, clock):
    configure(world)
    clock.set(date(2025, 3, 3))
    case_id = apply(world).case_id
    services.case_accept(user=world.clerk, case_id=case_id)
    with pytest.raises(ValidationFailed):
        services.case_extend(user=world.approver, case_id=case_id, working_days=11, reason="情况复杂")
    with pytest.raises(ValidationFailed):
        services.case_extend(user=world.approver, case_id=case_id, working_days=5, reason=" ")
    services.case_extend(user=world.approver, case_id=case_id, working_days=10, reason="需征求相关部门意见")
    extended = case(case_id)
    assert extended.extension_working_days == 10 and extended.decision_due == date(2025, 3, 24)
    with pytest.raises(Conflict) as again:
        services.case_extend(user=world.approver, case_id=case_id, working_days=1, reason="再次延期")
    assert again.value.code == "already_extended"
    assert OutboxEvent.objects.filter(topic="case.extended").count() == 1


def test_colours_follow_the_running_clock(world, clock, settings):
    settings.DUE_WARN_WORKING_DAYS = 2
    configure(world)
    clock.set(date(2025, 3, 3))
    case_id = apply(world).case_id
    services.case_accept(user=world.clerk, case_id=case_id)  # due 10 March
    assert selectors.case_detail_for_applicant(user=world.citizen, case_id=case_id).clock.colour == "green"
    clock.set(date(2025, 3, 6))
    assert selectors.case_detail_for_applicant(user=world.citizen, case_id=case_id).clock.colour == "yellow"
    assert [r.id for r in selectors.case_queue_for_staff(staff=_staff(world.clerk), queue="due_soon")] == [case_id]
    clock.set(date(2025, 3, 11))
    assert selectors.case_detail_for_applicant(user=world.citizen, case_id=case_id).clock.colour == "red"
    assert [r.id for r in selectors.case_queue_for_staff(staff=_staff(world.clerk), queue="overdue")] == [case_id]


def test_overdue_marking_is_idempotent_and_tells_handlers_and_their_administrators(world, clock):
    configure(world)
    clock.set(date(2025, 3, 3))
    late = apply(world).case_id  # acceptance due 4 March
    services.case_accept(user=world.clerk, case_id=apply(world).case_id)  # decision due 10 March: in time
    clock.set(date(2025, 3, 5))
    assert services.case_overdue_mark_all() == 1
    assert services.case_overdue_mark_all() == 0
    marked = case(late)
    assert marked.overdue_at is not None and marked.status == "submitted"
    notified = set(Notice.objects.filter(title__contains=marked.case_number).values_list("user_id", flat=True))
    assert notified == {world.clerk.pk, world.admin.pk}
    assert OutboxEvent.objects.filter(topic="case.overdue_marked", aggregate_id=str(late)).count() == 1
    assert CaseEvent.objects.filter(case_id=late, transition="overdue").count() == 1
    services.case_accept(user=world.clerk, case_id=late)  # due 12 March: the mark is history, the clock runs
    clock.set(date(2025, 3, 14))
    assert services.case_overdue_mark_all() == 2  # both decision clocks are now late: the review step's holders
    reviewers = set(Notice.objects.filter(title__contains=marked.case_number, body__contains="办结")
                    .values_list("user_id", flat=True))
    assert reviewers == {world.reviewer.pk, world.admin.pk}


def test_the_management_command_marks_overdue_cases(world, clock):
    from io import StringIO

    from django.core.management import call_command

    configure(world)
    clock.set(date(2025, 3, 3))
    apply(world)
    clock.set(date(2025, 3, 5))
    out = StringIO()
    call_command("cases_mark_overdue", stdout=out)
    assert "1" in out.getvalue()


def test_the_periodic_job_is_registered(db):
    from tongban.core.scheduler import discover, periodic_jobs

    discover()
    assert "cases.mark_overdue" in {job.name for job in periodic_jobs()}


def test_a_decided_case_has_no_running_clock(world, clock):
    configure(world)
    clock.set(date(2025, 3, 3))
    case_id = apply(world).case_id
    services.case_accept(user=world.clerk, case_id=case_id)
    services.case_step_complete(user=world.reviewer, case_id=case_id, outcome="pass", opinion="同意")
    decide(world, case_id)
    decided = case(case_id)
    assert decided.clock_due is None and decided.decided_at is not None
    clock.set(date(2025, 4, 1))
    assert services.case_overdue_mark_all() == 0


def _staff(user):
    from tongban.directory.selectors import staff_context_for_user

    return staff_context_for_user(user)
