"""Every transition, for every actor, in every state a case can reach: allowed exactly as the one transition table
says (with its guards), otherwise refused — 403 (audited) for an actor who may never make it, 404 for staff out of
scope, 409 in the wrong state — and a refusal changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from tests.cases.conftest import apply, configure, decide, to_review
from tongban.cases import services, workflow
from tongban.cases.models import Case, CaseEvent
from tongban.cases.records import DecisionDocument, SupplementItem
from tongban.core.errors import Conflict, NotFound, NotPermitted
from tongban.core.models import AuditEvent, OutboxEvent

pytestmark = pytest.mark.django_db

ACTORS = ("applicant", "window_clerk", "reviewer", "approver", "department_admin", "outsider")
APPLICANT_SERVICES = {"resubmit", "withdraw"}
DOCS = [DecisionDocument(name="决定书")]

CALLS: dict[str, Callable[[Any, int], None]] = {
    "accept": lambda u, c: services.case_accept(user=u, case_id=c),
    "refuse": lambda u, c: services.case_refuse(user=u, case_id=c, reasons=["不属于本机关职权范围"],
                                                legal_basis="《中华人民共和国行政许可法》第三十二条"),
    "request_supplement": lambda u, c: services.case_request_supplement(
        user=u, case_id=c, items=[SupplementItem(material="申请书", reason="未签名")]),
    "resubmit": lambda u, c: services.case_resubmit(user=u, case_id=c),
    "step_complete": lambda u, c: services.case_step_complete(user=u, case_id=c, outcome="pass", opinion="同意"),
    "countersign": lambda u, c: services.case_countersign(user=u, case_id=c, outcome="pass", opinion="同意"),
    "special_procedure_start": lambda u, c: services.case_special_procedure_start(
        user=u, case_id=c, kind="site_inspection", reason="需要现场勘验经营场所"),
    "special_procedure_end": lambda u, c: services.case_special_procedure_end(user=u, case_id=c, result="勘验合格"),
    "extend": lambda u, c: services.case_extend(user=u, case_id=c, working_days=5, reason="情况复杂"),
    "decide": lambda u, c: services.case_decide(user=u, case_id=c, outcome="approve", documents=DOCS,
                                                delivery_method="window"),
    "instant_decide": lambda u, c: services.case_instant_decide(user=u, case_id=c, outcome="approve",
                                                                documents=DOCS, delivery_method="window"),
    "complete": lambda u, c: services.case_complete(user=u, case_id=c),
    "deliver": lambda u, c: services.case_deliver(user=u, case_id=c),
    "withdraw": lambda u, c: services.case_withdraw(user=u, case_id=c, reason="不再需要"),
    "void": lambda u, c: services.case_void(user=u, case_id=c, reason="重复申请"),
}


def _build(world: Any, state: str) -> int:
    """A case brought to ``state`` through the services."""
    configure(world, fee_amount_fen=None)
    case_id = apply(world).case_id
    if state == "submitted":
        return case_id
    if state == "supplement_requested":
        CALLS["request_supplement"](world.clerk, case_id)
    elif state == "refused":
        CALLS["refuse"](world.clerk, case_id)
    elif state == "withdrawn":
        CALLS["withdraw"](world.citizen, case_id)
    elif state == "voided":
        CALLS["void"](world.admin, case_id)
    elif state == "accepted":
        services.case_accept(user=world.clerk, case_id=case_id)
    else:
        to_review(world, case_id)
        if state == "special_procedure":
            CALLS["special_procedure_start"](world.approver, case_id)
        elif state == "awaiting_payment":
            decide(world, case_id, fee_amount_fen=2000)
        elif state in ("approved", "completed", "delivered"):
            decide(world, case_id)
        elif state == "denied":
            decide(world, case_id, outcome="deny")
        if state in ("completed", "delivered"):
            services.case_complete(user=world.clerk, case_id=case_id)
        if state == "delivered":
            services.case_deliver(user=world.clerk, case_id=case_id)
    assert Case.objects.get(pk=case_id).status == state
    return case_id


# The role holding the open step in each state (the chain is 审核 by reviewers → 审批 by approvers).
STEP_HOLDER = {"accepted": "reviewer", "in_review": "approver", "special_procedure": "approver"}
# Allowed by the table but refused by a finer guard of the service, with a 409:
GUARDED = {
    ("submitted", "instant_decide", "window_clerk"),  # not an instant-mode implementation
    ("in_review", "step_complete", "approver"),  # the last step ends with a decision, not a step
    ("accepted", "decide", "reviewer"),  # only the handler of the last step decides
}


def expected(state: str, transition: str, actor: str) -> str:
    if actor == "outsider":
        return "403" if transition in APPLICANT_SERVICES else "404"
    tokens = {actor}
    if STEP_HOLDER.get(state) == actor:
        tokens.add(workflow.STEP_HANDLER)
    if not workflow.may_act(transition=transition, actors=tokens):
        return "403"
    rule = workflow.TRANSITIONS.get((state, transition))
    if rule is None or not rule.actors & tokens or (state, transition, actor) in GUARDED:
        return "409"
    return "ok"


def attempt(call: Callable[[], None]) -> str:
    try:
        with transaction.atomic():
            call()
            transaction.set_rollback(True)  # try the next actor on the same case
        return "ok"
    except NotFound:
        return "404"
    except NotPermitted:
        return "403"
    except Conflict:
        return "409"


STATES = ["submitted", "supplement_requested", "accepted", "in_review", "special_procedure", "awaiting_payment",
          "approved", "denied", "refused", "completed", "delivered", "withdrawn", "voided"]


@pytest.mark.parametrize("state", STATES)
def test_every_transition_for_every_actor(world, state):
    case_id = _build(world, state)
    users = {"applicant": world.citizen, "window_clerk": world.clerk, "reviewer": world.reviewer,
             "approver": world.approver, "department_admin": world.admin, "outsider": world.outsider}
    before = (Case.objects.get(pk=case_id).status, CaseEvent.objects.count(), OutboxEvent.objects.count())
    outcomes, wanted = {}, {}
    for transition, call in CALLS.items():
        for actor in ACTORS:
            outcomes[(transition, actor)] = attempt(lambda c=call, a=actor: c(users[a], case_id))
            wanted[(transition, actor)] = expected(state, transition, actor)
            assert (Case.objects.get(pk=case_id).status, CaseEvent.objects.count(),
                    OutboxEvent.objects.count()) == before, (transition, actor)
    mismatches = {k: (outcomes[k], wanted[k]) for k in outcomes if outcomes[k] != wanted[k]}
    assert not mismatches
    allowed = {k for k, v in outcomes.items() if v == "ok"}
    assert bool(allowed) == (state not in ("delivered", "withdrawn", "voided"))
    assert {"403", "409"} <= set(outcomes.values())


def test_refusals_are_audited_and_answer_in_chinese(world):
    configure(world)
    case_id = apply(world).case_id
    with pytest.raises(NotPermitted) as refused:
        services.case_accept(user=world.reviewer, case_id=case_id)
    assert "无权" in refused.value.message
    assert AuditEvent.objects.filter(action="cases.case.accept", outcome="denied", object_id=str(case_id)).exists()
    with pytest.raises(NotFound):
        services.case_accept(user=world.outsider, case_id=case_id)
    assert AuditEvent.objects.filter(action="cases.case.accept", outcome="denied",
                                     actor_id__isnull=False).count() == 2
    services.case_accept(user=world.clerk, case_id=case_id)
    with pytest.raises(Conflict) as conflict:
        services.case_accept(user=world.clerk, case_id=case_id)
    assert conflict.value.http_status == 409
    assert "已受理" in conflict.value.message


def test_every_transition_records_timeline_audit_and_outbox_together(world):
    configure(world)
    case_id = apply(world).case_id
    to_review(world, case_id)
    decide(world, case_id)
    events = list(CaseEvent.objects.filter(case_id=case_id).order_by("pk"))
    assert [e.transition for e in events] == ["submit", "accept", "step_complete", "decide"]
    topics = list(OutboxEvent.objects.filter(aggregate_type="case", aggregate_id=str(case_id))
                  .order_by("pk").values_list("topic", flat=True))
    assert topics == ["case.submitted", "case.accepted", "case.step_completed", "case.decided"]
    audited = list(AuditEvent.objects.filter(object_type="cases.case", object_id=str(case_id), outcome="success")
                   .order_by("seq").values_list("action", flat=True))
    assert audited == ["cases.case.submit", "cases.case.accept", "cases.case.step_complete", "cases.case.decide"]
    decided = OutboxEvent.objects.get(aggregate_id=str(case_id), topic="case.decided")
    assert decided.department_ids == [world.gongan.pk]
    assert decided.payload["outcome"] == "approve" and decided.payload["event_id"] == events[-1].pk
    step = events[2]
    assert step.actor_user_id == world.reviewer.pk and step.opinion == "材料齐全" and step.step_name == "审核"


def test_status_changes_only_through_the_table():
    statuses = {s for (s, _t) in workflow.TRANSITIONS} | {
        r.target for r in workflow.TRANSITIONS.values() if r.target not in (workflow.SAME, workflow.RESUME)} | {
        v for r in workflow.TRANSITIONS.values() for v in r.outcomes.values()}
    from tongban.cases.models import CaseStatus

    assert statuses == set(CaseStatus.values)
    assert set(workflow.TOPICS) >= {t for (_s, t) in workflow.TRANSITIONS}
