"""Processing: the step chain with 退回 and 会签, 即办, department systems, the decision with its result issuer and
fees, completion and delivery, withdrawal and voiding; events commit and roll back with the change."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.cases.conftest import apply, configure, decide, to_review
from tests.factories import make_staff
from tongban.cases import selectors, services
from tongban.cases.interface import (
    DepartmentSystemActor,
    ResultReference,
    payment_requester_register,
    plugin_unregister,
    result_issuer_register,
)
from tongban.cases.models import Case, CaseEvent, CaseStep
from tongban.cases.records import DecisionDocument, StepSpec
from tongban.core.errors import Conflict, DomainError, NotFound, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent, OutboxEvent

pytestmark = pytest.mark.django_db

CHAIN_WITH_COUNTERSIGN = [
    StepSpec(name="承办", kind="handle", role="window_clerk", budget_days=1),
    StepSpec(name="会签", kind="countersign", role="reviewer", budget_days=1, department_ids=()),
    StepSpec(name="审批", kind="approve", role="approver", budget_days=1),
]


def status(case_id: int) -> str:
    return Case.objects.get(pk=case_id).status


def test_a_returned_step_opens_the_previous_step_again(world):
    configure(world)
    case_id = apply(world).case_id
    services.case_accept(user=world.clerk, case_id=case_id)
    with pytest.raises(Conflict):  # the first step has nothing before it
        services.case_step_complete(user=world.reviewer, case_id=case_id, outcome="return", opinion="退回")
    services.case_step_complete(user=world.reviewer, case_id=case_id, outcome="pass", opinion="同意")
    assert services.case_open_for_staff(user=world.approver, case_id=case_id).allowed_transitions == (
        "request_supplement", "step_complete", "special_procedure_start", "extend", "decide")
    with pytest.raises(Conflict):  # the last step ends with a decision …
        services.case_step_complete(user=world.approver, case_id=case_id, outcome="pass", opinion="同意")
    with pytest.raises(ValidationFailed):  # … or goes back, with an opinion
        services.case_step_complete(user=world.approver, case_id=case_id, outcome="return", opinion="")
    services.case_step_complete(user=world.approver, case_id=case_id, outcome="return", opinion="请补充核查户籍信息")
    steps = list(CaseStep.objects.filter(case_id=case_id).order_by("pk").values_list("position", "round", "outcome"))
    assert steps == [(0, 1, "pass"), (1, 1, "return"), (0, 2, "")]
    assert services.case_open_for_staff(user=world.reviewer, case_id=case_id).allowed_transitions == (
        "request_supplement", "step_complete", "special_procedure_start")


def test_countersign_by_every_department_before_the_approval(world):
    other = make_staff(world.scjg, "reviewer")  # 昆明市市场监督管理局 countersigns too
    steps = list(CHAIN_WITH_COUNTERSIGN)
    steps[1] = StepSpec(name="会签", kind="countersign", role="reviewer", budget_days=1,
                        department_ids=(world.minzheng.pk, world.scjg.pk))
    configure(world, steps=steps)
    case_id = apply(world).case_id
    with pytest.raises(NotFound):  # before acceptance the countersigning departments see nothing
        services.case_open_for_staff(user=world.countersigner, case_id=case_id)
    services.case_accept(user=world.clerk, case_id=case_id)
    services.case_step_complete(user=world.clerk, case_id=case_id, outcome="pass", opinion="拟同意")
    view = services.case_open_for_staff(user=world.countersigner, case_id=case_id)
    assert view.allowed_transitions == ("countersign",)
    assert [r.id for r in selectors.case_queue_for_staff(staff=_staff(world.countersigner), queue="my_steps")] == [
        case_id]
    with pytest.raises(NotPermitted):
        services.case_countersign(user=world.reviewer, case_id=case_id, outcome="pass", opinion="同意")
    services.case_countersign(user=world.countersigner, case_id=case_id, outcome="pass", opinion="民政：同意")
    assert not CaseStep.objects.filter(case_id=case_id, position=2).exists()  # waits for the other department
    services.case_countersign(user=other, case_id=case_id, outcome="pass", opinion="市场监管：同意")
    assert CaseStep.objects.get(case_id=case_id, position=2, closed_at__isnull=True).role == "approver"
    decide(world, case_id)
    decided = OutboxEvent.objects.get(topic="case.decided", aggregate_id=str(case_id))
    assert decided.department_ids == sorted([world.gongan.pk, world.minzheng.pk, world.scjg.pk])


def test_a_countersign_return_goes_back_to_the_step_before(world):
    steps = list(CHAIN_WITH_COUNTERSIGN)
    steps[1] = StepSpec(name="会签", kind="countersign", role="reviewer", budget_days=1,
                        department_ids=(world.minzheng.pk,))
    configure(world, steps=steps)
    case_id = apply(world).case_id
    services.case_accept(user=world.clerk, case_id=case_id)
    services.case_step_complete(user=world.clerk, case_id=case_id, outcome="pass", opinion="拟同意")
    services.case_countersign(user=world.countersigner, case_id=case_id, outcome="return", opinion="缺少民政意见依据")
    reopened = CaseStep.objects.get(case_id=case_id, closed_at__isnull=True)
    assert (reopened.position, reopened.round, reopened.role) == (0, 2, "window_clerk")


def test_instant_mode_accepts_and_decides_at_once(world):
    configure(world, mode="instant", steps=[])
    case_id = apply(world).case_id
    with pytest.raises(Conflict):
        services.case_accept(user=world.clerk, case_id=case_id)
    services.case_instant_decide(user=world.clerk, case_id=case_id, outcome="approve",
                                 documents=[DecisionDocument(name="证明")], delivery_method="window")
    case = Case.objects.get(pk=case_id)
    assert case.status == "approved" and case.accepted_at == case.decided_at


def test_a_department_system_handles_an_externally_handled_case(world):
    configure(world, external=True, steps=[])
    case_id = apply(world).case_id
    system = DepartmentSystemActor(client_id="gongan-system", department_id=world.gongan.pk, name="石林县公安业务系统")
    stranger = DepartmentSystemActor(client_id="other", department_id=world.scjg.pk, name="昆明市场监管系统")
    with pytest.raises(NotFound):
        services.case_external_accept(system=stranger, case_id=case_id)
    with pytest.raises(NotPermitted):  # staff do not process a case the department system handles
        services.case_accept(user=world.clerk, case_id=case_id)
    services.case_external_accept(system=system, case_id=case_id, opinion="业务系统已受理")
    services.case_external_step(system=system, case_id=case_id, step_name="科室审核", outcome="pass", opinion="通过")
    services.case_external_decide(system=system, case_id=case_id, outcome="approve",
                                  documents=[DecisionDocument(name="准予许可决定书", number="石公许〔2025〕1号")],
                                  delivery_method="electronic")
    services.case_external_complete(system=system, case_id=case_id)
    events = list(CaseEvent.objects.filter(case_id=case_id).values_list("transition", "actor_kind", "actor_label"))
    assert events[1:] == [("accept", "department_system", "石林县公安业务系统"),
                          ("step_complete", "department_system", "石林县公安业务系统"),
                          ("decide", "department_system", "石林县公安业务系统"),
                          ("complete", "department_system", "石林县公安业务系统")]
    assert AuditEvent.objects.filter(action="cases.case.decide", actor_type="department_system",
                                     actor_id="gongan-system").exists()


def test_a_refusal_needs_reasons_and_a_legal_basis(world):
    configure(world)
    case_id = apply(world).case_id
    with pytest.raises(ValidationFailed) as refused:
        services.case_refuse(user=world.clerk, case_id=case_id, reasons=[], legal_basis="")
    assert {i.field for i in refused.value.issues} == {"reasons", "legal_basis"}
    services.case_refuse(user=world.clerk, case_id=case_id, reasons=["申请事项依法不需要取得行政许可"],
                         legal_basis="《中华人民共和国行政许可法》第三十二条第一款第（一）项")
    assert status(case_id) == "refused"


def test_a_decision_needs_documents_a_delivery_choice_and_for_a_denial_reasons(world):
    configure(world)
    case_id = apply(world).case_id
    to_review(world, case_id)
    with pytest.raises(ValidationFailed) as refused:
        services.case_decide(user=world.approver, case_id=case_id, outcome="deny", documents=[], delivery_method="")
    assert {i.field for i in refused.value.issues} == {"opinion", "documents", "delivery_method"}


def test_the_result_issuer_is_called_on_approval_and_its_refusal_rolls_everything_back(world):
    class Issuer:
        def __init__(self, fail: bool) -> None:
            self.fail = fail

        def handles(self, request):
            return request.result_type == "certificate"

        def issue(self, request):
            if self.fail:
                raise DomainError("证照签发服务暂不可用")
            return [ResultReference(kind="license", reference=f"LIC-{request.case_number}", label="居民户口簿")]

    configure(world)
    case_id = apply(world).case_id
    to_review(world, case_id)
    result_issuer_register("test", Issuer(fail=True))
    try:
        with pytest.raises(DomainError):
            decide(world, case_id)
        assert status(case_id) == "in_review"
        assert not OutboxEvent.objects.filter(topic="case.decided").exists()  # the event rolled back with it
        assert not CaseEvent.objects.filter(transition="decide").exists()
        result_issuer_register("test", Issuer(fail=False))
        decide(world, case_id)
    finally:
        plugin_unregister("test")
    case = Case.objects.get(pk=case_id)
    assert case.result_references == [{"kind": "license", "reference": f"LIC-{case.case_number}",
                                        "label": "居民户口簿"}]
    view = selectors.case_detail_for_applicant(user=world.citizen, case_id=case_id)
    assert ("居民户口簿", "result") in {(d.name, d.kind) for d in view.documents}


def test_events_roll_back_with_the_transaction_that_emitted_them(world):
    configure(world)
    case_id = apply(world).case_id
    before = (OutboxEvent.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count())
    with transaction.atomic():
        services.case_accept(user=world.clerk, case_id=case_id)
        assert OutboxEvent.objects.filter(topic="case.accepted").exists()
        transaction.set_rollback(True)
    assert (OutboxEvent.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count()) == before
    assert status(case_id) == "submitted"


def test_a_fee_waits_for_payment_through_the_payment_interface(world):
    requested = []

    class Requester:
        def request(self, payment):
            requested.append(payment)

    payment_requester_register("test", Requester())
    try:
        configure(world, fee_amount_fen=2000)
        case_id = apply(world).case_id
        to_review(world, case_id)
        decide(world, case_id)
    finally:
        plugin_unregister("test")
    assert status(case_id) == "awaiting_payment"
    assert requested[0].amount_fen == 2000 and requested[0].payer_user_id == world.citizen.pk
    view = selectors.case_detail_for_applicant(user=world.citizen, case_id=case_id)
    assert view.next_action == "请缴纳费用20.00元。" and not view.can_withdraw
    with pytest.raises(Conflict):
        services.case_complete(user=world.clerk, case_id=case_id)
    services.case_payment_confirm(case_id=case_id, payment_reference="PAY-0001")
    services.case_payment_confirm(case_id=case_id, payment_reference="PAY-0001")  # the same notice twice: once
    assert status(case_id) == "approved"
    assert CaseEvent.objects.filter(case_id=case_id, transition="confirm_payment").count() == 1
    services.case_complete(user=world.clerk, case_id=case_id)
    assert status(case_id) == "completed"


def test_the_fee_defaults_from_the_items_fee_element(world):
    from tests.factories import case_implementation, case_item

    item = case_item(fee_charged=True, fee_basis="《居民身份证法》第二十条",
                     fee_items=[{"name": "居民身份证工本费", "standard": "20元/证"}])
    impl = case_implementation(item, world.gongan)
    config = services.processing_config_for(implementation_id=impl.pk)
    assert config.fee_amount_fen == 2000 and config.fee_charged and config.is_default


def test_withdrawal_after_the_decision_is_refused(world):
    configure(world)
    case_id = apply(world).case_id
    to_review(world, case_id)
    services.case_withdraw(user=world.citizen, case_id=apply(world).case_id, reason="填错了")  # another, undecided
    decide(world, case_id)
    with pytest.raises(Conflict) as refused:
        services.case_withdraw(user=world.citizen, case_id=case_id, reason="不想要了")
    assert refused.value.http_status == 409 and "准予许可" in refused.value.message
    assert status(case_id) == "approved"
    assert not selectors.case_detail_for_applicant(user=world.citizen, case_id=case_id).can_withdraw


def test_voiding_needs_the_department_administrator_and_a_reason(world):
    configure(world)
    case_id = apply(world).case_id
    with pytest.raises(NotPermitted):
        services.case_void(user=world.approver, case_id=case_id, reason="重复")
    with pytest.raises(ValidationFailed):
        services.case_void(user=world.admin, case_id=case_id, reason="")
    services.case_void(user=world.admin, case_id=case_id, reason="重复申请，保留编号较早的办件")
    assert status(case_id) == "voided"


def test_delivery_records_the_tracking_number(world):
    configure(world)
    case_id = apply(world).case_id
    to_review(world, case_id)
    decide(world, case_id, delivery="courier")
    services.case_complete(user=world.clerk, case_id=case_id)
    services.case_deliver(user=world.clerk, case_id=case_id, tracking_number="SF1234567890")
    event = CaseEvent.objects.get(case_id=case_id, transition="deliver")
    assert event.detail == {"delivery_method": "courier", "tracking_number": "SF1234567890"}


def _staff(user):
    from tongban.directory.selectors import staff_context_for_user

    return staff_context_for_user(user)


def test_decision_documents_are_the_deciders_own_files_and_the_applicant_reads_them(world):
    from tests.cases.conftest import pdf_upload
    from tests.organizations.helpers import person
    from tongban.files.services import file_store

    configure(world)
    case_id = apply(world).case_id
    to_review(world, case_id)
    foreign = file_store(owner_user_id=world.reviewer.pk, upload=pdf_upload(), purpose="cases.record")
    with pytest.raises(ValidationFailed):
        services.case_decide(user=world.approver, case_id=case_id, outcome="approve", delivery_method="electronic",
                             documents=[DecisionDocument(name="准予许可决定书", file_id=foreign.id)])
    own = file_store(owner_user_id=world.approver.pk, upload=pdf_upload("决定书.pdf"), purpose="cases.record")
    services.case_decide(user=world.approver, case_id=case_id, outcome="approve", delivery_method="electronic",
                         documents=[DecisionDocument(name="准予许可决定书", number="石公许〔2025〕8号", file_id=own.id)])
    info, data = services.case_document_read(user=world.citizen, case_id=case_id, file_id=own.id)
    assert data.startswith(b"%PDF") and info.id == own.id
    with pytest.raises(NotFound):
        services.case_document_read(user=world.citizen, case_id=case_id, file_id=foreign.id)
    with pytest.raises(NotFound):
        services.case_document_read(user=person(), case_id=case_id, file_id=own.id)
    documents = selectors.case_detail_for_applicant(user=world.citizen, case_id=case_id).documents
    assert documents[0].file_id == own.id and documents[0].reference == "石公许〔2025〕8号"
