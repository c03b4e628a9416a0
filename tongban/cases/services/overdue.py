"""Overdue marking (超期预警): a periodic job marks every case whose running clock has passed its due date, once,
and tells the handlers and their department administrators (in-site notices + the outbox)."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.cases import clock, workflow
from tongban.cases.actors import PLATFORM, case_target, department_ids_of, open_steps
from tongban.cases.models import Case, CaseEvent, CaseStatus
from tongban.cases.services.notices import staff_case_link
from tongban.core.audit import audit_record
from tongban.core.outbox import outbox_emit
from tongban.directory.interface import StaffRole
from tongban.directory.selectors import staff_user_ids_with_roles
from tongban.notifications.services import notice_create

log = logging.getLogger(__name__)


def _recipients(case: Case) -> list[int]:
    """The handlers of the running clock and the department administrators (部门管理员) above them."""
    if case.status == CaseStatus.SUBMITTED:
        departments = [case.department_id] if case.department_id is not None else []
        handlers = staff_user_ids_with_roles(department_ids=departments, roles=[StaffRole.WINDOW_CLERK])
    else:
        handlers = []
        departments = []
        for step in open_steps(case):
            handlers += staff_user_ids_with_roles(department_ids=[step.department_id], roles=[step.role])
            departments.append(step.department_id)
        if not departments and case.department_id is not None:
            departments = [case.department_id]
    supervisors = staff_user_ids_with_roles(department_ids=departments, roles=[StaffRole.DEPARTMENT_ADMIN])
    return sorted(set(handlers) | set(supervisors))


def _mark(case_id: int, *, day: date) -> bool:
    with transaction.atomic():
        case = (Case.objects.select_for_update(of=("self",)).select_related("implementation")
                .filter(pk=case_id, overdue_at__isnull=True, clock_due__lt=day,
                        status__in=workflow.CLOCK_RUNNING).first())
        if case is None:  # marked meanwhile, or its clock stopped
            return False
        now = timezone.now()
        case.overdue_at = now
        case.save(update_fields=["overdue_at", "updated_at"])
        kind = "acceptance" if case.status == CaseStatus.SUBMITTED else "decision"
        detail = {"due": case.clock_due.isoformat() if case.clock_due else None, "clock": kind}
        event = CaseEvent.objects.create(
            case=case, transition="overdue", from_status=case.status, to_status=case.status, occurred_at=now,
            actor_kind=PLATFORM.kind, actor_label=PLATFORM.label, detail=detail)
        audit_record(action="cases.case.overdue", actor=PLATFORM.audit_actor, target=case_target(case), detail=detail)
        recipients = _recipients(case)
        title = _("办件已超期：%(n)s") % {"n": case.case_number}
        what = _("受理") if kind == "acceptance" else _("办结")
        body = _("“%(i)s”（%(n)s）已超过%(w)s期限（%(d)s），请尽快办理。") % {
            "i": case.item_name, "n": case.case_number, "w": what, "d": detail["due"]}
        for user_id in recipients:
            notice_create(user_id=user_id, title=title, body=body, link=staff_case_link(case.pk),
                          key=f"case-overdue:{case.pk}:{detail['due']}")
        outbox_emit(topic="case.overdue_marked", aggregate_type="case", aggregate_id=str(case.pk),
                    department_ids=department_ids_of(case),
                    payload={"case_id": case.pk, "case_number": case.case_number, "status": case.status,
                             "clock": kind, "due": detail["due"], "event_id": event.pk,
                             "notified_user_ids": recipients, "department_id": case.department_id})
        return True


def case_overdue_mark_all(*, today: date | None = None) -> int:
    """Mark every case whose running clock (受理 while submitted, 办结 while accepted or in review) is past due,
    once (idempotent: marked cases are skipped; a later extension that moves the due date clears the mark).
    Each case in its own transaction. Returns how many were marked now."""
    day = today or clock.today()
    ids = list(Case.objects.filter(clock_due__lt=day, overdue_at__isnull=True, status__in=workflow.CLOCK_RUNNING)
               .order_by("clock_due", "pk").values_list("pk", flat=True))
    marked = 0
    for case_id in ids:
        try:
            marked += _mark(case_id, day=day)
        except Exception:  # one broken case must not stop the others; the next run tries it again
            log.exception("could not mark case %s overdue", case_id)
    return marked
