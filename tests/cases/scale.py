"""A county's case history in miniature for the query-plan tests: six departments with an item each and their staff,
a few hundred applicants (persons, and organisations acting through their legal representative) and a few thousand
cases over three years with their timelines, steps and materials — most of them long closed, a few percent still
open, as in production — then ANALYZEd.

One case is submitted through the services; the others are copies of it (``bulk_create``) with their own applicant,
department, dates, state and clock, so that the planner sees the distributions of a real installation.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone

from tests.cases.conftest import apply, configure, make_world
from tests.explain import analyze
from tests.factories import DepartmentFactory, case_implementation, case_item, make_staff
from tests.organizations.helpers import register
from tongban.cases.actors import id_index, name_index
from tongban.cases.models import (
    ActorKind,
    ApplicantKind,
    Attachment,
    AttachmentSource,
    Case,
    CaseEvent,
    CaseStatus,
    CaseStep,
    StepKind,
)
from tongban.organizations.models import Organization

CASES = 3000
PERSONS = 300
ORGANIZATIONS = 30
YEARS = 3

S = CaseStatus
# Cases submitted in the last month: still being handled, or already closed.
RECENT = [(S.SUBMITTED, 20), (S.ACCEPTED, 10), (S.IN_REVIEW, 25), (S.SUPPLEMENT_REQUESTED, 8),
          (S.SPECIAL_PROCEDURE, 3), (S.AWAITING_PAYMENT, 4), (S.APPROVED, 5), (S.COMPLETED, 5), (S.DELIVERED, 15),
          (S.REFUSED, 3), (S.WITHDRAWN, 2)]
OLDER = [(S.DELIVERED, 90), (S.REFUSED, 5), (S.WITHDRAWN, 3), (S.VOIDED, 1), (S.COMPLETED, 1)]
CLOCK_RUNNING = {S.SUBMITTED, S.ACCEPTED, S.IN_REVIEW}


def _pick(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([status for status, _ in table], weights=[weight for _, weight in table])[0]


def scale_world(regions: dict[str, Any], *, cases: int = CASES, seed: int = 11) -> SimpleNamespace:
    rng = random.Random(seed)
    world = make_world(regions)
    configure(world)
    departments = [world.gongan]
    impls = [world.impl]
    for n, region in enumerate(("county", "county", "kunming", "kunming", "province")):
        department = DepartmentFactory(region=regions[region], category=f"scale{n}", name=f"测试部门{n}")
        impl = case_implementation(case_item(category=f"scale{n}", name=f"测试事项{n}"), department)
        configure(world, impl=impl)
        make_staff(department, "window_clerk", "reviewer", "approver")
        departments.append(department)
        impls.append(impl)
    template = Case.objects.get(pk=apply(world).case_id)
    org = register(world.citizen)
    persons = _persons(PERSONS)
    organizations = [org.id, *_organizations(Organization.objects.get(pk=org.id), ORGANIZATIONS - 1)]
    _cases(rng, template, impls, persons, organizations, cases)
    analyze()
    by_user = Counter(Case.objects.filter(organization__isnull=True).values_list("applicant_user_id", flat=True))
    world.departments = departments
    world.busiest_user_id = by_user.most_common(1)[0][0]
    world.busiest_org_id = org.id
    world.organization = Organization.objects.get(pk=org.id)  # the citizen is its legal representative
    return world


_copies = iter(range(1, 10**8))


def clone_cases(template: Case, count: int, **fields: Any) -> list[Case]:
    """``count`` copies of ``template`` (each with its own number), with ``fields`` set, in one bulk insert."""
    names = [f.attname for f in Case._meta.concrete_fields if not f.primary_key]
    copies = []
    for _ in range(count):
        case = Case(**{name: getattr(template, name) for name in names})
        case.case_number = f"{template.case_number[:35]}{next(_copies):08d}"
        case.idempotency_key = ""
        for name, value in fields.items():
            setattr(case, name, value)
        copies.append(case)
    return Case.objects.bulk_create(copies)


def _persons(count: int) -> list[int]:
    user_model = get_user_model()
    users = user_model.objects.bulk_create([user_model(username=f"scale_person_{n}", kind="person", password="!")
                                            for n in range(count)])
    return [user.pk for user in users]


def _organizations(template: Organization, count: int) -> list[int]:
    user_model = get_user_model()
    accounts = user_model.objects.bulk_create([user_model(username=f"scale_org_{n}", kind="organization",
                                                          password="!") for n in range(count)])
    rows = []
    for n, account in enumerate(accounts):
        row = Organization(**{f.attname: getattr(template, f.attname) for f in Organization._meta.concrete_fields
                              if not f.primary_key})
        row.credit_code = f"91530126SCALE{n:05d}"
        row.name = f"测试企业{n}有限公司"
        row.account_id = account.pk
        rows.append(row)
    return [org.pk for org in Organization.objects.bulk_create(rows)]


def _cases(rng: random.Random, template: Case, impls: list[Any], persons: list[int], organizations: list[int],
           count: int) -> None:
    now = timezone.now()
    today = timezone.localdate()
    fields = [f.attname for f in Case._meta.concrete_fields if not f.primary_key]
    weights = [6, 4, 3, 2, 1, 1]  # the county's police handles most
    names = {impl.pk: (impl.item.basic_code, impl.item.current_version.name) for impl in impls}
    made: list[Case] = []
    for n in range(count):
        impl = rng.choices(impls, weights=weights)[0]
        recent = rng.random() < 0.15
        age = timedelta(days=rng.uniform(0, 30) if recent else rng.uniform(30, 365 * YEARS))
        submitted = now - age
        status = _pick(rng, RECENT if recent else OLDER)
        case = Case(**{name: getattr(template, name) for name in fields})
        case.case_number = f"{impl.code}{submitted:%Y%m%d}{n:04d}"[:43]
        case.idempotency_key = ""
        case.implementation_id, case.department_id = impl.pk, impl.department_id
        case.item_code, case.item_name = names[impl.pk]
        if rng.random() < 0.3:
            case.applicant_kind = ApplicantKind.ORGANIZATION
            # The first organisation files a third of its kind's cases; its legal representative reads them.
            case.organization_id = organizations[0] if rng.random() < 0.3 else rng.choice(organizations)
            case.applicant_user_id = template.applicant_user_id
            holder = f"测试企业{case.organization_id}"
            case.applicant_name, case.applicant_id_number = holder, f"91530126{case.organization_id:010d}"
        else:
            case.applicant_kind = ApplicantKind.PERSON
            case.organization_id = None
            case.applicant_user_id = persons[min(int(rng.paretovariate(1.2)) - 1, len(persons) - 1)]
            holder = f"申请人{case.applicant_user_id}"
            case.applicant_name, case.applicant_id_number = holder, f"53012619900101{case.applicant_user_id:04d}"
        case.applicant_name_index = name_index(case.applicant_name)
        case.applicant_id_index = id_index(case.applicant_id_number)
        case.status, case.submitted_at, case.status_changed_at = status, submitted, submitted + age / 2
        running = status in CLOCK_RUNNING
        case.clock_due = (submitted + timedelta(days=rng.randint(3, 25))).date() if running else None
        case.overdue_at = now if running and case.clock_due and case.clock_due < today and rng.random() < 0.5 else None
        case.resubmitted_at = submitted + timedelta(days=1) if running and rng.random() < 0.2 else None
        made.append(case)
    cases = Case.objects.bulk_create(made, batch_size=500)
    # bulk_create stamped them now: the history has its own times.
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(created_at=F("submitted_at"),
                                                                    updated_at=F("status_changed_at"))
    _history(rng, cases, template)


def _history(rng: random.Random, cases: list[Case], template: Case) -> None:
    events, steps, attachments = [], [], []
    for case in cases:
        at = case.submitted_at
        assert at is not None
        closed = case.status not in CLOCK_RUNNING | {S.SUPPLEMENT_REQUESTED, S.SPECIAL_PROCEDURE}
        path = ["submit", "accept", "step_complete", "decide", "deliver"]
        for n, transition in enumerate(path[:5 if closed else rng.randint(1, 3)]):
            events.append(CaseEvent(case_id=case.pk, transition=transition, from_status=S.SUBMITTED,
                                    to_status=case.status, occurred_at=at + timedelta(hours=n * 20),
                                    actor_kind=ActorKind.STAFF if n else ActorKind.APPLICANT,
                                    department_id=case.department_id))
        for position, (role, kind) in enumerate((("reviewer", StepKind.REVIEW), ("approver", StepKind.APPROVE))):
            if case.status == S.SUBMITTED:
                break
            open_now = not closed and position == (1 if case.status == S.IN_REVIEW else 0)
            steps.append(CaseStep(case_id=case.pk, position=position + 1, name=role, kind=kind, role=role,
                                  department_id=case.department_id, opened_at=at + timedelta(days=position + 1),
                                  closed_at=None if open_now else at + timedelta(days=position + 2),
                                  outcome="" if open_now else "pass"))
            if open_now:
                break
        for name in ("居民身份证", "申请书"):
            attachments.append(Attachment(case_id=case.pk, material_name=name, source=AttachmentSource.UPLOAD,
                                          file_id=rng.randrange(10**9), added_by_id=template.applicant_user_id))
    CaseEvent.objects.bulk_create(events, batch_size=1000)
    CaseStep.objects.bulk_create(steps, batch_size=1000)
    Attachment.objects.bulk_create(attachments, batch_size=1000)
