"""generate_load_data: cases with their history that keep the case engine's invariants (numbers and counters,
clocks by status, queues within scope), applicants as identity stores them, and the SQLite limit."""

from __future__ import annotations

import datetime
from collections import defaultdict
from io import StringIO
from itertools import pairwise
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from stdnum.cn import uscc

from tests.cases.conftest import SHANGHAI, Clock, apply, make_world
from tongban.cases import selectors
from tongban.cases.models import Case, CaseEvent, CaseNumberCounter, CaseStatus, CaseStep
from tongban.directory.selectors import staff_context_for_user
from tongban.identity.models import Person
from tongban.identity.services import phone_index
from tongban.identity.validators import validate_id_number
from tongban.loadgen.generate import Plan, generate
from tongban.organizations.models import Organization

CLOSED = {CaseStatus.DELIVERED, CaseStatus.COMPLETED, CaseStatus.REFUSED, CaseStatus.WITHDRAWN, CaseStatus.VOIDED,
          CaseStatus.APPROVED, CaseStatus.DENIED, CaseStatus.AWAITING_PAYMENT}
RUNNING = {CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW}
NOW = datetime.datetime(2025, 11, 20, 15, 30, tzinfo=SHANGHAI)  # a Thursday afternoon


@pytest.fixture
def world(regions: dict[str, Any], holiday_calendar: Any, monkeypatch: pytest.MonkeyPatch, settings: Any,
          tmp_path: Path) -> SimpleNamespace:
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "files")}}}
    settings.FILE_SCANNER = "simulator"
    Clock(monkeypatch).set(NOW)
    return make_world(regions)


def _generate(cases: int = 400, applicants: int = 60, years: float = 0.1) -> dict[str, int]:
    return generate(Plan(cases=cases, applicants=applicants, seed=7, years=years, vacuum=False), echo=lambda _: None)


@pytest.mark.django_db
def test_cases_follow_the_numbering_rule_and_the_counters_continue(world: SimpleNamespace) -> None:
    written = _generate()
    cases = list(Case.objects.values_list("case_number", "implementation__code", "submitted_at"))
    assert len(cases) == written["cases_case"] == 400
    assert all(len(number) == 43 and number.startswith(code) for number, code, _ in cases)
    assert len({number for number, *_ in cases}) == 400
    last: dict[tuple[str, str], int] = defaultdict(int)
    for number, code, submitted in cases:
        day = submitted.astimezone(SHANGHAI).strftime("%Y%m%d")
        assert number[31:39] == day  # the Shanghai day of submission
        last[(code, day)] = max(last[(code, day)], int(number[39:]))
    counters = {(c.scope, c.day.strftime("%Y%m%d")): c.last_serial for c in CaseNumberCounter.objects.all()}
    assert counters == dict(last)  # no gap, no serial used twice
    serials_in_order = [int(n[39:]) for n, *_ in sorted(cases, key=lambda c: c[2]) if n[31:39] == "20251120"]
    assert serials_in_order == sorted(serials_in_order)  # serials follow submission order

    today = counters.get((world.impl.code, "20251120"), 0)
    assert today > 0  # cases were made today, so the next real submission must continue after them
    receipt = apply(world)
    assert receipt.case_number == f"{world.impl.code}20251120{today + 1:04d}"


@pytest.mark.django_db
def test_history_and_clock_match_the_status(world: SimpleNamespace) -> None:
    _generate()
    statuses = set(Case.objects.values_list("status", flat=True))
    assert CaseStatus.DELIVERED in statuses and statuses & RUNNING  # old ones closed, recent ones waiting
    for case in Case.objects.prefetch_related("events", "steps"):
        events = list(case.events.order_by("occurred_at", "pk"))
        assert events[0].transition == "submit" and events[0].from_status == CaseStatus.DRAFT
        changes = [e for e in events if e.transition != "overdue"]
        assert changes[-1].to_status == case.status
        assert all(a.to_status == b.from_status for a, b in pairwise(changes))
        assert all(e.occurred_at <= NOW for e in events)
        if case.status in RUNNING:
            assert case.clock_due is not None
            if case.clock_due < NOW.date():  # the sweep (00:30) has marked it, as the overdue job does
                assert case.overdue_at is not None and events[-1].transition == "overdue"
        elif case.status in CLOSED:
            assert case.clock_due is None
        open_steps = [s for s in case.steps.all() if s.closed_at is None]
        assert len(open_steps) == (1 if case.status in (CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW,
                                                        CaseStatus.SPECIAL_PROCEDURE) else 0)
        if case.status == CaseStatus.DELIVERED:
            assert case.form_data  # decrypts
    assert CaseEvent.objects.count() > 3 * Case.objects.count()
    assert CaseStep.objects.exists()


@pytest.mark.django_db
def test_queues_show_generated_cases_to_staff_in_scope_only(world: SimpleNamespace) -> None:
    _generate()
    clerk = staff_context_for_user(world.clerk)
    waiting = set(Case.objects.filter(status=CaseStatus.SUBMITTED, department=world.gongan).values_list("pk", flat=True))
    assert waiting
    assert {row.id for row in selectors.case_queue_for_staff(staff=clerk, queue="to_accept")} == waiting
    overdue = set(Case.objects.filter(department=world.gongan, clock_due__lt=NOW.date()).values_list("pk", flat=True))
    assert {row.id for row in selectors.case_queue_for_staff(staff=clerk, queue="overdue")} == overdue
    reviewer = staff_context_for_user(world.reviewer)
    in_review = set(CaseStep.objects.filter(closed_at__isnull=True, role="reviewer").values_list("case_id", flat=True))
    assert {row.id for row in selectors.case_queue_for_staff(staff=reviewer, queue="my_steps")} == in_review
    outsider = staff_context_for_user(world.outsider)
    assert selectors.case_queue_counts_for_staff(staff=outsider) == dict.fromkeys(selectors.QUEUES, 0)


@pytest.mark.django_db
def test_applicants_are_stored_as_identity_stores_them(world: SimpleNamespace) -> None:
    _generate(cases=50, applicants=60)
    people = list(Person.objects.select_related("user").filter(assurances__provider="loadgen"))
    assert len(people) == 50
    for person in people:
        assert validate_id_number(person.id_number) == person.id_number
        assert person.assurance_level >= 2 and person.identity_locked
        assert person.phone_index == phone_index(person.phone)
        assert not person.user.has_usable_password()
    organizations = list(Organization.objects.all())
    assert len(organizations) == 10
    assert all(uscc.is_valid(org.credit_code) and org.status == "active" for org in organizations)
    case = Case.objects.filter(organization__isnull=True).first()
    if case is not None:
        person = Person.objects.get(user_id=case.applicant_user_id)
        assert (case.applicant_name, case.applicant_id_number) == (person.name, person.id_number)


@pytest.mark.django_db
def test_sqlite_takes_at_most_50000_cases(world: SimpleNamespace) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the limit is SQLite's")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("generate_load_data", "--cases", "50001", stdout=StringIO())
    assert not Case.objects.exists()
