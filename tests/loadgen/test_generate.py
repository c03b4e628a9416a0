"""generate_load_data: cases with their history that keep the case engine's invariants (numbers and counters,
clocks by status, queues within scope), applicants as identity stores them, their licences as the licences app
stores them (identifiers, holder index, serial counters, states), the same data from several processes, and the
SQLite limit."""

from __future__ import annotations

import datetime
import json
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
from tests.factories import DepartmentFactory
from tests.licenses.factories import LicenseTypeFactory
from tongban.cases import selectors
from tongban.cases.models import (
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseStatus,
    CaseStep,
    SpecialProcedure,
    SupplementRequest,
)
from tongban.directory.selectors import staff_context_for_user
from tongban.identity.models import AssuranceEvent, Person, User
from tongban.identity.services import phone_index
from tongban.identity.validators import validate_id_number
from tongban.licenses.identifiers import identifier_parse
from tongban.licenses.models import HolderKind, License, LicenseCounter, LicenseEvent, LicenseStatus, LicenseType
from tongban.licenses.selectors.licenses import license_list_for_holder
from tongban.licenses.services.issuance import holder_index, serial_allocate
from tongban.licenses.services.verification import license_verify_identifier
from tongban.loadgen import generate as generate_module
from tongban.loadgen.generate import Plan, generate
from tongban.loadgen.parallel import PhaseFailed
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
    world = make_world(regions)
    _license_types(world)
    return world


def _license_types(world: SimpleNamespace) -> None:
    """居民身份证 and 居民户口簿 (the test item's result, with a 1-year 居住证 issued for it too), issued by the
    province's and the county's public security bureaus; 营业执照 by 昆明市's market regulator."""
    province = DepartmentFactory(region=world.regions["province"], category="gongan", name="云南省公安厅")
    issuers = [province, world.gongan]
    LicenseTypeFactory(defining_department=province, name="居民身份证", result_names=[], issuers=issuers,
                       validity={"kind": "years", "value": 20})
    LicenseTypeFactory(defining_department=province, name="居民户口簿", result_names=["居民户口簿"], issuers=issuers,
                       validity={"kind": "none"})
    LicenseTypeFactory(defining_department=province, name="居住证", result_names=["居民户口簿"], issuers=issuers,
                       validity={"kind": "years", "value": 1})
    LicenseTypeFactory(defining_department=world.scjg, name="营业执照", holder_kind=HolderKind.ORGANIZATION,
                       result_names=[], issuers=[world.scjg], validity={"kind": "none"}, fields=[
                           {"name": "name", "label": "名称", "required": True},
                           {"name": "credit_code", "label": "统一社会信用代码", "required": True},
                           {"name": "legal_representative", "label": "法定代表人"}])


def _generate(cases: int = 400, users: int = 60, years: float = 0.1, jobs: int = 1) -> dict[str, int]:
    return generate(Plan(cases=cases, users=users, seed=7, years=years, jobs=jobs, vacuum=False, parallel_from=0),
                    echo=lambda _: None)


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
    _generate(cases=50, users=60)
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
def test_everyone_holds_licences_found_by_their_number(world: SimpleNamespace) -> None:
    _generate(cases=300, users=60)
    licences = list(License.objects.select_related("license_type"))
    today = NOW.date()
    for licence in licences:
        parsed = identifier_parse(licence.identifier)  # GB/T 36904 with its check character
        assert (parsed.serial, parsed.version) == (licence.serial, 1)
        assert licence.holder_index == holder_index(holder_kind=licence.holder_kind,
                                                    holder_number=licence.holder_number)
        data = json.loads(licence.data)
        assert data["name"] == licence.holder_name
        assert licence.pdf_file_id is None and licence.seal_id is None  # no sealed file (docs/operations)
        events = list(LicenseEvent.objects.filter(license=licence).order_by("created_at", "pk"))
        assert events[0].action == "issue" and events[0].created_at == licence.created_at
        if licence.status == LicenseStatus.VALID:
            assert len(events) == 1 and (licence.valid_until is None or licence.valid_until >= today)
        else:
            assert [(e.action, e.from_status, e.to_status) for e in events[1:]] == [
                (events[1].action, LicenseStatus.VALID, licence.status)]
            if licence.status == LicenseStatus.EXPIRED:
                assert licence.valid_until is not None and licence.valid_until < today
                assert events[1].created_at.astimezone(SHANGHAI).date() == licence.valid_until + datetime.timedelta(1)
    imported = [lic for lic in licences if lic.source == "import"]
    assert all(lic.holder_user_id is None and lic.issued_on < lic.created_at.date() for lic in imported)

    for person in Person.objects.select_related("user").filter(assurances__provider="loadgen")[:20]:
        held = license_list_for_holder(user=person.user)
        assert "居民身份证" in {row.license_type_name for row in held}  # everyone holds one
        assert all(row.holder_name == person.name for row in held)
    organization = Organization.objects.select_related("legal_rep_user").first()
    assert organization is not None
    held = license_list_for_holder(user=organization.legal_rep_user, org_id=organization.pk)
    assert [row.license_type_name for row in held] == ["营业执照"]
    valid = next(lic for lic in licences if lic.status == LicenseStatus.VALID)
    assert license_verify_identifier(identifier=valid.identifier, client_ip="127.0.0.1").valid


@pytest.mark.django_db
def test_cases_decided_approve_carry_their_licences(world: SimpleNamespace) -> None:
    _generate(cases=300, users=60)
    approved = Case.objects.filter(decision_outcome="approve")
    assert approved.exists()
    for case in approved:
        references = case.result_references
        licences = {lic.identifier: lic for lic in License.objects.filter(case=case).select_related("license_type")}
        assert sorted(r["reference"] for r in references) == sorted(licences)
        assert {r["label"] for r in references} == {"居民户口簿", "居住证"}  # both types name the item's result
        for licence in licences.values():
            assert licence.source == "case" and licence.holder_user_id == case.applicant_user_id
            assert licence.holder_number == case.applicant_id_number and licence.holder_name == case.applicant_name
            assert licence.issuer_department_id == case.department_id
            assert licence.created_at == case.decided_at
            assert licence.issued_on == case.decided_at.astimezone(SHANGHAI).date()
            assert licence.serial.startswith(str(licence.issued_on.year))
    assert not License.objects.filter(case__isnull=False).exclude(case__decision_outcome="approve").exists()


@pytest.mark.django_db
def test_licence_serials_follow_issue_order_and_the_counters_continue(world: SimpleNamespace) -> None:
    _generate(cases=300, users=60)
    by_key: dict[tuple[int, str, str], list[tuple[datetime.date, int]]] = defaultdict(list)
    for type_id, issuer, serial, issued in License.objects.values_list(
            "license_type_id", "issuer_credit_code", "serial", "issued_on"):
        by_key[(type_id, issuer, serial[:4])].append((issued, int(serial[4:])))
    counters = {(c.license_type_id, c.issuer_credit_code, str(c.year)): c.last for c in LicenseCounter.objects.all()}
    assert set(counters) == set(by_key)
    for key, numbers in by_key.items():
        assert sorted(n for _d, n in numbers) == list(range(1, len(numbers) + 1))  # no gap, none twice
        assert [n for _d, n in sorted(numbers)] == sorted(n for _d, n in numbers)  # in the order of issue
        assert counters[key] == len(numbers)
    type_id, issuer, year = max(counters, key=lambda k: k[2])
    next_serial = serial_allocate(license_type=LicenseType.objects.get(pk=type_id), issuer_code=issuer,
                                  year=int(year))
    assert next_serial == f"{year}{counters[(type_id, issuer, year)] + 1:06d}"  # a real issue takes the next


GENERATED = (User, Person, AssuranceEvent, Organization, Case, CaseEvent, CaseStep, SpecialProcedure,
             SupplementRequest, License, LicenseEvent)


def _snapshot() -> dict[str, Any]:
    """The generated data without the ids that depend on how the work was split (timeline, steps …)."""
    return {
        "persons": list(Person.objects.order_by("user_id").values_list(
            "user_id", "name", "phone_index", "id_number_index", "assurance_level")),
        "organizations": list(Organization.objects.order_by("pk").values_list("pk", "name", "credit_code",
                                                                            "legal_rep_user_id")),
        "cases": [(c.pk, c.case_number, c.status, c.submitted_at, c.applicant_user_id, c.form_data,
                   c.result_references, c.clock_due) for c in Case.objects.order_by("pk")],
        "events": sorted((e.case_id, e.occurred_at, e.transition, e.actor_label, e.opinion)
                         for e in CaseEvent.objects.all()),
        "licences": [(lic.pk, lic.identifier, lic.holder_name, lic.holder_index, lic.data, lic.status,
                      lic.valid_until, lic.created_at, lic.case_id) for lic in License.objects.order_by("pk")],
        "licence events": list(LicenseEvent.objects.order_by("pk").values_list("pk", "license_id", "action",
                                                                              "created_at")),
        "counters": list(CaseNumberCounter.objects.order_by("scope", "day").values_list("scope", "day",
                                                                                       "last_serial")),
        "licence counters": list(LicenseCounter.objects.order_by("license_type_id", "issuer_credit_code", "year")
                                 .values_list("license_type_id", "issuer_credit_code", "year", "last")),
    }


def _forget_load(before: dict[type, int]) -> None:
    """Remove what a load wrote (rows above the ids that existed before, the counters it made)."""
    with connection.cursor() as cursor:
        for model in reversed(GENERATED):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE id > %s", [before[model]])  # noqa: S608
    CaseNumberCounter.objects.all().delete()
    LicenseCounter.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_several_processes_make_the_same_data(world: SimpleNamespace) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("several processes need PostgreSQL (SQLite: one)")
    before = {model: max(model.objects.values_list("pk", flat=True), default=0) for model in GENERATED}
    _generate(cases=400, users=PEOPLE * 3 // 2, jobs=1)
    alone = _snapshot()
    _forget_load(before)
    _generate(cases=400, users=PEOPLE * 3 // 2, jobs=2)
    assert _snapshot() == alone


@pytest.mark.django_db(transaction=True)
def test_a_failing_process_leaves_nothing_behind(world: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("several processes need PostgreSQL (SQLite: one)")
    before = {model: model.objects.count() for model in GENERATED}

    def broken(self: Any, answers: Any, rows: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(generate_module.CaseGenerator, "finish", broken)
    with pytest.raises(PhaseFailed, match="disk full"):
        _generate(cases=200, users=PEOPLE * 3 // 2, jobs=2)
    assert {model: model.objects.count() for model in GENERATED} == before
    assert not CaseNumberCounter.objects.exists() and not LicenseCounter.objects.exists()


PEOPLE = generate_module.PEOPLE_UNIT  # a block of people per process


@pytest.mark.django_db
def test_sqlite_takes_at_most_50000_cases(world: SimpleNamespace) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the limit is SQLite's")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("generate_load_data", "--cases", "50001", "--users", "100", stdout=StringIO())
    assert not Case.objects.exists()


def test_applicants_is_the_old_name_of_users() -> None:
    with pytest.raises(CommandError, match="--users"):
        call_command("generate_load_data", "--cases", "10", "--users", "5", "--applicants", "5", stdout=StringIO())
