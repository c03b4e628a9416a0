"""Processing configuration per implementation (办理流程配置), and what the case engine plugs into other apps
(history prefill, file references, account closure and export)."""

from __future__ import annotations

import pytest

from tests.cases.conftest import apply, configure
from tests.factories import case_implementation, case_item, make_staff
from tongban.cases import services
from tongban.cases.records import StepSpec
from tongban.core.errors import NotFound, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db

CHAIN = [StepSpec(name="承办", kind="handle", role="window_clerk", budget_days=1),
         StepSpec(name="审核", kind="review", role="reviewer", budget_days=2),
         StepSpec(name="审批", kind="approve", role="approver", budget_days=1)]


def test_the_default_follows_the_case_type(world):
    promised = services.processing_config_get(user=world.reviewer, implementation_id=world.impl.pk)
    assert promised.is_default and promised.acceptance_mode == "pre_review"
    assert [(s.kind, s.role, s.budget_days) for s in promised.steps] == [("review", "reviewer", 4),
                                                                         ("approve", "approver", 1)]
    instant_item = case_item(case_type="1", promised_limit_value=0, process=[{"name": "受理", "days": 0}])
    instant = case_implementation(instant_item, world.gongan, promised_limit_value=0)
    config = services.processing_config_get(user=world.reviewer, implementation_id=instant.pk)
    assert config.acceptance_mode == "instant" and config.steps == ()


def test_the_department_administrator_configures_the_chain(world):
    saved = services.processing_config_update(user=world.admin, implementation_id=world.impl.pk,
                                              acceptance_mode="online", steps=CHAIN, fee_amount_fen=1000,
                                              reason="按新流程办理")
    assert not saved.is_default and saved.revision == 1 and saved.budget_total == 4
    assert services.processing_config_get(user=world.clerk, implementation_id=world.impl.pk) == saved
    audit = AuditEvent.objects.get(action="cases.processing_config.update")
    assert audit.detail["after"]["acceptance_mode"] == "online" and audit.detail["reason"] == "按新流程办理"


def test_only_the_departments_administrator_changes_it(world):
    with pytest.raises(NotPermitted):
        services.processing_config_update(user=world.approver, implementation_id=world.impl.pk,
                                          acceptance_mode="online", steps=CHAIN)
    with pytest.raises(NotFound):
        services.processing_config_update(user=world.outsider, implementation_id=world.impl.pk,
                                          acceptance_mode="online", steps=CHAIN)
    with pytest.raises(NotFound):
        services.processing_config_get(user=world.outsider, implementation_id=world.impl.pk)
    assert AuditEvent.objects.filter(action__startswith="cases.processing_config", outcome="denied").count() == 3
    with pytest.raises(NotPermitted):
        services.processing_config_get(user=world.citizen, implementation_id=world.impl.pk)


def test_the_sum_of_step_budgets_may_not_exceed_the_promised_limit(world):
    too_long = [*CHAIN[:2], StepSpec(name="审批", kind="approve", role="approver", budget_days=3)]
    with pytest.raises(ValidationFailed) as refused:
        services.processing_config_update(user=world.admin, implementation_id=world.impl.pk,
                                          acceptance_mode="pre_review", steps=too_long)
    issue = refused.value.issues[0]
    assert issue.code == "budget_exceeds_limit"
    assert issue.message == "各环节时限合计6个工作日，超过了承诺办结时限5个工作日，请缩短环节时限。"


def test_every_problem_of_a_chain_is_listed(world):
    bad = [StepSpec(name="", kind="handle", role="platform_admin", budget_days=1),
           StepSpec(name="会签", kind="countersign", role="reviewer", budget_days=1,
                    department_ids=(world.gongan.pk, 987654))]
    with pytest.raises(ValidationFailed) as refused:
        services.processing_config_update(user=world.admin, implementation_id=world.impl.pk,
                                          acceptance_mode="sometimes", steps=bad)
    codes = {issue.code for issue in refused.value.issues}
    assert codes == {"acceptance_mode", "step_name", "step_role", "countersign_own", "countersign_unknown",
                     "countersign_last"}


def test_cases_take_the_configuration_at_submission_and_acceptance(world):
    configure(world, mode="complex", steps=CHAIN, fee_amount_fen=500)
    receipt = apply(world)
    assert receipt.acceptance_mode == "complex"
    services.case_accept(user=world.clerk, case_id=receipt.case_id)
    view = services.case_open_for_staff(user=world.clerk, case_id=receipt.case_id)
    assert [s.name for s in view.steps] == ["承办"] and view.fee_amount_fen == 500
    assert view.allowed_transitions == ("request_supplement", "step_complete", "special_procedure_start")


def test_history_prefill_offers_the_last_accepted_case_of_the_item(world):
    from tongban.catalog.forms import form_for_implementation, form_prefill, form_spec_from_definition

    configure(world)
    services.case_accept(user=world.clerk, case_id=apply(world, data={"reason": "首次申领"}).case_id)
    spec = form_for_implementation(implementation_code=world.impl.code)
    history = form_spec_from_definition({"fields": [
        {"name": "reason", "label": "申请事由", "kind": "text", "prefill": "history"}]}, key=spec.key)
    offered = form_prefill(spec=history, user=world.citizen)
    assert offered["reason"].value == "首次申领" and offered["reason"].source == "history"
    assert not offered["reason"].locked
    assert form_prefill(spec=history, user=make_staff(world.gongan)) == {}


def test_files_of_cases_and_drafts_are_never_housekept(world):
    from tongban.cases.hooks import referenced_file_ids
    from tongban.cases.models import Attachment

    configure(world)
    apply(world)
    ids = set(Attachment.objects.values_list("file_id", flat=True))
    assert referenced_file_ids(ids | {10**9}) == ids


def test_open_cases_block_closing_the_account_and_are_exported(world):
    from tongban.identity.hooks import closure_blockers, export_sections

    configure(world)
    receipt = apply(world)
    assert any("尚未办结" in reason for reason in closure_blockers(world.citizen.pk))
    exported = export_sections(world.citizen.pk)["cases"]
    assert exported[0]["case_number"] == receipt.case_number
    services.case_withdraw(user=world.citizen, case_id=receipt.case_id, reason="不办了")
    assert not any("尚未办结" in reason for reason in closure_blockers(world.citizen.pk))
