"""What every case service shares: who acts (:class:`CaseActor`), what they may do on a case (their *actor tokens*
for the guards of :mod:`tongban.cases.workflow`), loading a case within scope, and recording a transition
(status, timeline row, audit record and outbox event — all in the caller's transaction)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.cases import workflow
from tongban.cases.models import ActorKind, Case, CaseEvent, CaseKind, CaseStep, StepKind
from tongban.cases.records import DepartmentSystemActor
from tongban.core.audit import SYSTEM, Actor, Target, audit_record, concealed_denial, denial
from tongban.core.crypto import blind_index
from tongban.core.errors import Issue, NotFound, NotPermitted, ValidationFailed
from tongban.core.outbox import outbox_emit
from tongban.directory.selectors import StaffContext, staff_audit_actor, staff_context_for_user
from tongban.identity.interface import AccountKind
from tongban.organizations.interface import AgentScope
from tongban.organizations.selectors import OrgActingContext, acting_context

APPLICANT_NAME_CONTEXT = "cases.case.applicant_name"
APPLICANT_ID_CONTEXT = "cases.case.applicant_id_number"
MATERIAL_PURPOSE = "case-material"



@dataclass(frozen=True)
class CaseActor:
    """Who acts on a case: an applicant (person, or someone acting for an organisation), a staff member, a
    department's business system, or the platform."""

    kind: str  # ActorKind
    label: str
    audit_actor: Actor
    user_id: int | None = None
    on_behalf_of: Actor | None = None
    staff: StaffContext | None = None
    org: OrgActingContext | None = None
    department_system: DepartmentSystemActor | None = None

    @property
    def account_id(self) -> int:
        """The acting account (applicants and staff); refused for actors without one."""
        if self.user_id is None:
            raise NotPermitted(_("该操作需要登录账号。"), code="login_required")
        return self.user_id

    @property
    def department_id(self) -> int | None:
        if self.staff is not None:
            return self.staff.department_id
        if self.department_system is not None:
            return self.department_system.department_id
        return None


PLATFORM = CaseActor(kind=ActorKind.SYSTEM, label="系统", audit_actor=SYSTEM)


def name_index(name: str) -> str:
    return blind_index(name.strip(), context=APPLICANT_NAME_CONTEXT)


def id_index(number: str) -> str:
    return blind_index(number.strip().upper(), context=APPLICANT_ID_CONTEXT)


def _user_label(user: Any) -> str:
    return str(getattr(user, "display_name", "") or user.get_username())


def applicant_actor(*, user: Any, org_id: int | None = None) -> CaseActor:
    """The applicant: a person's own account, or someone acting for organisation ``org_id`` (checked)."""
    if not getattr(user, "is_authenticated", False):
        raise NotPermitted(_("请先登录。"), code="login_required")
    if org_id is not None:
        org = acting_context(user=user, org_id=org_id)
        return CaseActor(kind=ActorKind.APPLICANT, label=org.org_name, audit_actor=org.actor, user_id=user.pk,
                         on_behalf_of=org.on_behalf_of, org=org)
    if getattr(user, "kind", AccountKind.PERSON) != AccountKind.PERSON:
        raise NotPermitted(_("请以自然人身份办理，或选择您代表的法人。"), code="person_required")
    return CaseActor(kind=ActorKind.APPLICANT, label=_user_label(user),
                     audit_actor=Actor(kind="person", id=str(user.pk), label=user.get_username()), user_id=user.pk)


def staff_actor(*, user: Any, action: str) -> CaseActor:
    """The acting staff member; anyone else is refused (403, audited)."""
    staff = staff_context_for_user(user)
    if staff is None:
        actor = Actor(kind=str(getattr(user, "kind", "anonymous")), id=str(getattr(user, "pk", "") or ""),
                      label=user.get_username() if getattr(user, "is_authenticated", False) else "")
        raise denial(action=action, actor=actor, target=None, message=_("只有工作人员可以办理办件。"))
    return CaseActor(kind=ActorKind.STAFF, label=f"{staff.name}（{staff.department_name}）",
                     audit_actor=staff_audit_actor(staff), user_id=staff.user_id, staff=staff)


def department_system_actor(system: DepartmentSystemActor) -> CaseActor:
    return CaseActor(kind=ActorKind.DEPARTMENT_SYSTEM, label=system.name,
                     audit_actor=Actor(kind="department_system", id=system.client_id, label=system.name),
                     department_system=system)


def case_target(case: Case) -> Target:
    return Target(type="cases.case", id=str(case.pk), label=case.case_number)


# ------------------------------------------------------------------ scope and tokens


def open_steps(case: Case) -> list[CaseStep]:
    return list(case.steps.filter(closed_at__isnull=True).order_by("position", "pk"))


def is_own_case(actor: CaseActor, case: Case) -> bool:
    """Whether the case is the applicant's: their personal case, or a case of the organisation they act for."""
    if actor.kind != ActorKind.APPLICANT:
        return False
    if actor.org is not None:
        return case.organization_id == actor.org.org_id
    return case.organization_id is None and case.applicant_user_id == actor.user_id


def staff_sees(staff: StaffContext, case: Case) -> bool:
    """A case is department-bound data: its department's staff (platform-wide staff: all), and the staff of a
    department asked to countersign it."""
    if case.department_id is not None and staff.scope.covers_department(case.department_id):
        return True
    if case.kind == CaseKind.BUNDLE_PARENT:
        return case.children.filter(department_id=staff.department_id).exists()
    return staff.department_id in (case.countersign_department_ids or [])


def actor_tokens(actor: CaseActor, case: Case, steps: Sequence[CaseStep] | None = None) -> set[str]:
    """The guard tokens ``actor`` holds on ``case`` (see :mod:`tongban.cases.workflow`)."""
    tokens: set[str] = set()
    if actor.kind == ActorKind.SYSTEM:
        tokens.add(workflow.SYSTEM)
    elif actor.kind == ActorKind.APPLICANT:
        if is_own_case(actor, case) and (actor.org is None or actor.org.allows(AgentScope.APPLY)):
            tokens.add(workflow.APPLICANT)
    elif actor.kind == ActorKind.DEPARTMENT_SYSTEM:
        system = actor.department_system
        if system is not None and case.handled_externally and case.department_id == system.department_id:
            tokens.add(workflow.DEPARTMENT_SYSTEM)
    elif actor.staff is not None:
        staff = actor.staff
        if case.department_id is not None and staff.scope.covers_department(case.department_id):
            roles = set(staff.roles) & workflow.STAFF_ROLE_ACTORS
            # A case its department's own business system handles: staff only void it (作废), nothing else.
            tokens |= roles & {workflow.DEPARTMENT_ADMIN} if case.handled_externally else roles
        for step in steps if steps is not None else open_steps(case):
            if step.department_id == staff.department_id and step.role in staff.roles:
                tokens.add(workflow.COUNTERSIGNER if step.kind == StepKind.COUNTERSIGN else workflow.STEP_HANDLER)
    return tokens


def case_for_actor(*, actor: CaseActor, case_id: int, action: str, lock: bool = True) -> Case:
    """The case, locked, if ``actor`` may see it; otherwise 404 (audited for staff and applicants alike)."""
    qs = Case.objects.select_related("department", "implementation")
    if lock:
        qs = qs.select_for_update(of=("self",))
    case = qs.filter(pk=case_id).first()
    visible = case is not None and (
        actor.kind == ActorKind.SYSTEM
        or (actor.kind == ActorKind.APPLICANT and is_own_case(actor, case))
        or (actor.kind == ActorKind.STAFF and actor.staff is not None and staff_sees(actor.staff, case))
        or (actor.kind == ActorKind.DEPARTMENT_SYSTEM and actor.department_system is not None
            and case.department_id == actor.department_system.department_id))
    if case is None or not visible:
        raise concealed_denial(action=action, actor=actor.audit_actor,
                               target=Target(type="cases.case", id=str(case_id)),
                               message=_("没有找到这个办件。"))
    return case


def refusal(*, case: Case, transition: str, actor: CaseActor) -> NotPermitted:
    """The 403 (audited by ``atomic_service``) for an actor who may never make ``transition`` on ``case``."""
    if actor.kind == ActorKind.APPLICANT and actor.org is not None and is_own_case(actor, case):
        message = _("您没有该法人的“%(s)s”授权。") % {"s": AgentScope(AgentScope.APPLY).label}
    else:
        message = _("您无权对该办件进行“%(a)s”操作。") % {"a": workflow.transition_label(transition)}
    return denial(action=f"cases.case.{transition}", actor=actor.audit_actor, target=case_target(case),
                  message=message)


def guard(*, case: Case, transition: str, actor: CaseActor, tokens: Iterable[str], outcome: str = "") -> str:
    """The status after ``transition``: 403 (audited) when the actor may never make it, 409 in the wrong state."""
    held = set(tokens)
    parent = case.kind == CaseKind.BUNDLE_PARENT
    if not workflow.may_act(transition=transition, actors=held, parent=parent):
        raise refusal(case=case, transition=transition, actor=actor)
    return workflow.next_status(current=case.status, transition=transition, actors=held, outcome=outcome,
                                resume=case.supplement_from, parent=parent)


def implementation_code(case: Case) -> str:
    impl: Any = case.implementation
    return str(impl.code) if impl is not None else ""


def department_ids_of(case: Case) -> list[int]:
    """Departments whose subscribed systems hear of the case: its own and the countersigning ones (a bundle
    parent: its children's)."""
    ids: set[int] = set()
    if case.department_id is not None:
        ids.add(case.department_id)
    ids |= {int(d) for d in case.countersign_department_ids or []}
    if case.kind == CaseKind.BUNDLE_PARENT and case.pk:
        ids |= {d for d in case.children.values_list("department_id", flat=True) if d is not None}
    return sorted(ids)


def record(
    *, case: Case, transition: str, actor: CaseActor, from_status: str, outcome: str = "", opinion: str = "",
    attachments: Sequence[int] = (), detail: dict[str, Any] | None = None, step_name: str = "",
    now: datetime | None = None, save: bool = True,
) -> CaseEvent:
    """Save the case and record one transition: the timeline row, the audit record and the outbox event."""
    now = now or timezone.now()
    if case.status != from_status:
        case.status_changed_at = now
    if save:
        case.save()
    detail = {**(detail or {}), **({"outcome": outcome} if outcome else {})}
    event = CaseEvent.objects.create(
        case=case, transition=transition, from_status=from_status, to_status=case.status, occurred_at=now,
        actor_kind=actor.kind, actor_user_id=actor.user_id, actor_label=actor.label[:200],
        on_behalf_of_label=(actor.on_behalf_of.label if actor.on_behalf_of else "")[:300],
        department_id=actor.department_id, step_name=step_name[:100], opinion=opinion,
        attachments=[int(a) for a in attachments], detail=detail)
    audit_record(action=f"cases.case.{transition}", actor=actor.audit_actor, on_behalf_of=actor.on_behalf_of,
                 target=case_target(case),
                 detail={"from": from_status, "to": case.status, "event_id": event.pk, **detail})
    outbox_emit(topic=workflow.TOPICS[transition], aggregate_type="case", aggregate_id=str(case.pk),
                department_ids=department_ids_of(case), payload={
                    "case_id": case.pk, "case_number": case.case_number, "kind": case.kind,
                    "parent_id": case.parent_id, "transition": transition, "from_status": from_status,
                    "to_status": case.status, "outcome": outcome, "event_id": event.pk,
                    "implementation_code": implementation_code(case),
                    "item_code": case.item_code, "item_name": case.item_name, "department_id": case.department_id,
                    "applicant_kind": case.applicant_kind, "applicant_user_id": case.applicant_user_id,
                    "organization_id": case.organization_id, "occurred_at": now.isoformat()})
    return event


def require_text(value: str, *, message: str, code: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(message, code=code, issues=[Issue(code, message, field)])
    return text


def not_found(message: str | None = None) -> NotFound:
    return NotFound(message or _("没有找到这个办件。"))


def transitions_now(*, actor: CaseActor, case: Case, steps: Sequence[CaseStep]) -> list[str]:
    """The transitions ``actor`` may make on ``case`` now: the table's, narrowed by the services' finer guards
    (only the last step decides, 即办 only in instant mode, one extension, bundle results delivered together)."""
    tokens = actor_tokens(actor, case, steps)
    names = workflow.allowed_transitions(current=case.status, actors=tokens,
                                         parent=case.kind == CaseKind.BUNDLE_PARENT)
    last = len(case.steps_snapshot or []) - 1
    staff = actor.staff
    mine = [s for s in steps if staff is not None and s.department_id == staff.department_id
            and s.role in staff.roles and s.kind != StepKind.COUNTERSIGN]
    at_last = any(s.position == last for s in mine)
    by_staff = actor.kind == ActorKind.STAFF

    def keep(name: str) -> bool:
        if name == "decide" and by_staff:
            return at_last
        if name == "step_complete" and by_staff:
            return bool(mine) and not (at_last and all(s.position == 0 for s in mine))
        if name == "instant_decide":
            return case.acceptance_mode == "instant"
        if name == "accept" and actor.kind != ActorKind.SYSTEM:
            return case.acceptance_mode != "instant"
        if name == "extend":
            return not case.extension_working_days
        if name == "deliver":
            return case.kind != CaseKind.BUNDLE_CHILD
        return True

    return [name for name in names if keep(name)]
