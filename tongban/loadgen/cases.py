"""Generated cases (办件) with their whole history, as the case engine would have left them.

Each case is submitted at a plausible moment of the last few years (weekdays and office hours busier, the volume
growing over time, fewer on holidays) for an implementation chosen by its item's high-frequency weight (高频权重),
by a person or an organisation that had registered by then. Its life is then played forward through the same
transitions the services make — 受理 or 不予受理 or 补齐补正, the step chain of its processing configuration, the
occasional special procedure, 决定, 缴费 where a fee is configured, 办结, 送达, 撤回, 作废 — with working-day deadlines
from the platform's calendar, and stopped at *now*: old cases are closed, recent ones wait in the queues, and the
slow ones were marked overdue by the sweep as :mod:`tongban.cases.services.overdue` does.

Numbers follow the 43-character rule with per-implementation per-day serials in submission order, continuing the
counter rows (``CaseNumberCounter``) already there; the counters are left at the last serial used, so the next
real submission gets the next one. Timeline events, steps, special procedures and supplement requests are rows of
their own. Not generated: materials (no stored files), audit records and outbox events (the history is not
replayed to department systems), notices, 一件事 bundles.
"""

from __future__ import annotations

import bisect
import copy
import itertools
import json
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from django.db import connection

from tongban.cases import clock
from tongban.cases.models import (
    ACCEPTANCE_WORKING_DAYS,
    AcceptanceMode,
    Case,
    CaseEvent,
    CaseNumberCounter,
    CaseStatus,
    CaseStep,
    SpecialProcedure,
    SpecialProcedureKind,
    SupplementRequest,
)
from tongban.cases.services.config import processing_config_for
from tongban.catalog import forms
from tongban.catalog import selectors as catalog_selectors
from tongban.core.calendar import Deadline, deadline_add, working_days_between
from tongban.core.crypto import encrypt_text
from tongban.licenses.models import HolderKind, LicenseSource
from tongban.licenses.types import validity_until
from tongban.loadgen.forms import FormFiller, FormTemplate
from tongban.loadgen.licenses import (
    Catalog,
    Holder,
    Issuer,
    Kind,
    LicenseRows,
    Planned,
    Request,
    clean,
    plan_life,
    request_of,
)
from tongban.loadgen.people import Applicant, as_row_values
from tongban.loadgen.writer import Table, Writer, is_postgres

S = CaseStatus
EPOCH = date(1970, 1, 1).toordinal()
DAY = 86_400.0
SHANGHAI_OFFSET = 8 * 3600.0  # no daylight saving since 1991
to_json = json.JSONEncoder(ensure_ascii=False).encode

# How cases go (shares of all cases; documented in docs/operations/load-data.md).
P_WITHDRAW_EARLY = 0.015  # withdrawn by the applicant before acceptance
P_REFUSE = 0.03  # 不予受理
P_SUPPLEMENT = 0.08  # 补齐补正 before acceptance …
P_RESUBMIT = 0.8  # … of which answered; the rest are withdrawn later
P_SLOW_ACCEPT = 0.02  # acceptance later than due (marked overdue)
P_SLOW_DECISION = 0.05  # decision later than due
P_SPECIAL = 0.01  # a special procedure during review
P_WITHDRAW_REVIEW = 0.005
P_VOID = 0.002
P_ABANDON = 0.0003  # forgotten: never handled after a point (the oldest red rows of the overdue queue)
P_DENY = 0.04
DELIVERY = (("electronic", 0.6), ("window", 0.3), ("courier", 0.1))
LEVEL_SHARE = {2: 0.35, 3: 0.65, 4: 1.0, 1: 0.35}  # of an item's cases, by the level of the implementation
WEEKDAY_SHARE = (1.15, 1.0, 1.0, 1.0, 0.95, 0.22, 0.18)
# When in the day people submit (local hours) and how much of the day's volume each span takes.
HOURS = ((0.0, 8.0, 0.03), (8.0, 12.0, 0.45), (12.0, 14.0, 0.08), (14.0, 18.0, 0.32), (18.0, 24.0, 0.12))
STEP_OPINIONS = ("材料齐全，符合要求，同意。", "经审核，符合条件。", "同意，转下一环节。", "情况属实，拟同意。")
REFUSE_REASONS = (("申请事项不属于本机关职权范围", "《中华人民共和国行政许可法》第三十二条第一款第（二）项"),
                  ("申请人不具备申请资格", "《中华人民共和国行政许可法》第三十二条第一款第（一）项"))
WITHDRAW_REASONS = ("信息填写有误，重新申请", "不再需要办理", "已到窗口现场办理")
STAFF_NAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
STAFF_GIVEN = "明华丽军伟芳静敏强磊洋艳杰娟涛超霞平刚辉"


class _Stop(Exception):
    """The case's history goes no further (the next event lies after now, or nothing more happens)."""


def local_day(ts: float) -> date:
    return date.fromordinal(int((ts + SHANGHAI_OFFSET) // DAY) + EPOCH)


def day_start(day: date) -> float:
    """The timestamp of 00:00 Beijing time on ``day``."""
    return (day.toordinal() - EPOCH) * DAY - SHANGHAI_OFFSET


def moment(ts: float, _from: Callable[[float, Any], datetime] = datetime.fromtimestamp) -> datetime:
    return _from(ts, UTC)


class Calendar:
    """The platform's working-day deadlines (:func:`tongban.core.calendar.deadline_add`), memoised per day."""

    def __init__(self) -> None:
        self._add: dict[tuple[date, int], Deadline] = {}
        self._decision: dict[tuple[date, int, str, int], Deadline] = {}
        self._between: dict[tuple[date, date], int] = {}

    def add(self, day: date, working_days: int) -> Deadline:
        key = (day, working_days)
        found = self._add.get(key)
        if found is None:
            found = self._add[key] = deadline_add(start=day, working_days=working_days)
        return found

    def decision(self, day: date, value: int, unit: str, extra: int) -> Deadline:
        key = (day, value, unit, extra)
        found = self._decision.get(key)
        if found is None:
            found = self._decision[key] = clock.decision_deadline(
                accepted_at=datetime.combine(day, dtime(12)), promised_value=value, promised_unit=unit,
                extra_working_days=extra)
        return found

    def between(self, start: date, end: date) -> int:
        key = (start, end)
        if key not in self._between:
            self._between[key] = working_days_between(start=start, end=end) if end > start else 0
        return self._between[key]


@dataclass
class Target:
    """An implementation cases are made for, with what a case copies from it at submission and acceptance."""

    impl_id: int
    code: str
    item_code: str
    item_name: str
    item_version_id: int
    impl_version_id: int
    department_id: int
    department_name: str
    audience: str
    weight: float
    mode: str
    chain: list[dict[str, Any]]
    chain_json: str
    countersign_json: str
    external: bool
    fee: int | None
    promised_value: int
    promised_unit: str
    legal_value: int
    legal_unit: str
    form_key: str
    form_key_json: str
    snapshot_json: str
    template: FormTemplate
    materials: list[str]
    result_name: str
    licenses: list[Kind]  # what a decision 准予 issues (LicenseResultIssuer's choice)
    issuer: Issuer | None  # the department as a licence issuer


def load_targets(*, filler: FormFiller, samples: dict[str, Applicant], catalog: Catalog,
                 echo: Callable[[str], None]) -> list[Target]:
    """Every published implementation whose item is for an audience we have applicants for."""
    targets: list[Target] = []
    invalid = 0
    impls = catalog_selectors.implementation_list().prefetch_related("item__current_version__materials")
    for impl in impls:
        version, impl_version = impl.item.current_version, impl.current_version
        if version is None or impl_version is None or version.audience not in samples:
            continue
        config = processing_config_for(implementation_id=impl.pk)
        if config is None:
            continue
        spec = forms.form_for_implementation(implementation_code=impl.code)
        template = filler.template(spec, samples[version.audience])
        invalid += not template.valid
        chain = [step.as_json() for step in config.steps] if not config.handled_externally else []
        targets.append(Target(
            impl_id=impl.pk, code=impl.code, item_code=impl.item.basic_code, item_name=version.name[:200],
            item_version_id=version.pk, impl_version_id=impl_version.pk, department_id=impl.department_id,
            department_name=impl.department.name, audience=version.audience,
            weight=(impl.item.weight + 2) ** 1.5 * LEVEL_SHARE.get(impl.department.region.level, 0.5),
            mode=config.acceptance_mode, chain=chain, chain_json=json.dumps(chain, ensure_ascii=False),
            countersign_json=json.dumps(sorted({d for s in config.steps for d in s.department_ids})),
            external=config.handled_externally, fee=config.fee_amount_fen,
            promised_value=impl_version.promised_limit_value, promised_unit=impl_version.promised_limit_unit,
            legal_value=version.legal_limit_value, legal_unit=version.legal_limit_unit, form_key=spec.key,
            form_key_json=json.dumps(spec.key, ensure_ascii=False),
            snapshot_json=json.dumps(forms.form_spec_snapshot(spec), ensure_ascii=False),
            template=template, materials=[m.name for m in version.materials.all()] or ["申请书"],
            result_name=version.result_name or "准予许可决定书",
            licenses=catalog.for_result(result_name=version.result_name, department_id=impl.department_id,
                                        organization=version.audience == "organization"),
            issuer=catalog.issuer(impl.department_id)))
    issuing = sum(1 for t in targets if t.licenses and t.issuer)
    echo(f"  实施清单：{len(targets)} 个可生成办件（准予后颁发电子证照的 {issuing} 个；申请表模板未通过校验的 {invalid} 个）")
    return targets


@dataclass
class CaseTables:
    case: Table
    event: Table
    step: Table
    special: Table
    supplement: Table

    @classmethod
    def make(cls) -> CaseTables:
        return cls(case=Table(Case), event=Table(CaseEvent), step=Table(CaseStep), special=Table(SpecialProcedure),
                   supplement=Table(SupplementRequest))

    def all(self) -> list[Table]:
        return [self.case, self.event, self.step, self.special, self.supplement]


class Ids:
    def __init__(self, first: dict[str, int]) -> None:
        self.next = dict(first)

    def take(self, name: str) -> int:
        value = self.next[name]
        self.next[name] = value + 1
        return value


class Staff:
    """Labels of the (historic) staff who handled cases, three per department and role (drawn from the seed, the
    department and the role, whichever process asks first); they have no accounts here, as after staff turnover."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._pool: dict[tuple[int, str], list[str]] = {}

    def label(self, target: Target, role: str, rng: random.Random) -> str:
        key = (target.department_id, role)
        pool = self._pool.get(key)
        if pool is None:
            names = random.Random(f"{self.seed}:staff:{target.department_id}:{role}")
            pool = self._pool[key] = [
                f"{names.choice(STAFF_NAMES)}{names.choice(STAFF_GIVEN)}{names.choice(STAFF_GIVEN)}"
                f"（{target.department_name}）" for _ in range(3)]
        return pool[int(rng.random() * 3)]


class CaseLife:
    """One case played from submission to now; :meth:`rows` gives what to write."""

    def __init__(self, *, gen: CaseGenerator, case_id: int, target: Target, applicant: Applicant, number: str,
                 submitted: float) -> None:
        self.g = gen
        self.t = target
        self.a = applicant
        self.rng = gen.rng
        self.now = gen.now_ts
        self.id = case_id
        self.events: list[list[Any]] = []
        self.steps: list[dict[str, Any]] = []
        self.specials: list[dict[str, Any]] = []
        self.supplements: list[dict[str, Any]] = []
        self.last = submitted
        self.c: dict[str, Any] = {
            "id": self.id, "case_number": number, "implementation_id": target.impl_id,
            "item_version_id": target.item_version_id, "implementation_version_id": target.impl_version_id,
            "item_code": target.item_code, "item_name": target.item_name, "department_id": target.department_id,
            **as_row_values(applicant), "idempotency_key": f"{self.rng.getrandbits(128):032x}",
            "status": S.DRAFT, "acceptance_mode": target.mode, "handled_externally": target.external,
            "form_key": target.form_key, "form_snapshot": target.snapshot_json,
            "form_data_encrypted": encrypt_text(target.template.render(applicant), context=gen.form_context),
            "promised_limit_value": target.promised_value, "promised_limit_unit": target.promised_unit,
            "legal_limit_value": target.legal_value, "legal_limit_unit": target.legal_unit,
            "fee_amount_fen": target.fee, "stopped_working_days": 0, "overdue_at": None, "clock_due": None,
            "clock_stopped_since": None, "accepted_at": None, "supplement_from": "", "decision_outcome": "",
        }
        self.submitted = submitted
        self.void_at = submitted + self.rng.uniform(0.5, 90) * DAY if self.rng.random() < P_VOID else math.inf

    # -------------------------------------------------------------- recording

    def _at(self, ts: float) -> None:
        if ts > self.now:
            raise _Stop
        if ts > self.void_at:
            self._void()
        self.last = max(self.last, ts)

    def _event(self, ts: float, transition: str, to: str, actor: tuple[str, int | None, str, int | None], *,
               detail: dict[str, Any] | str | None = None, opinion: str = "", step_name: str = "",
               outcome: str = "") -> None:
        """Record one transition (``detail``: a dict, or its JSON already made for the most frequent ones)."""
        c = self.c
        before = c["status"]
        if to != before:
            c["status_changed_at"] = ts
        c["status"] = to
        if detail is None:
            detail = {}
        if outcome and isinstance(detail, dict):
            detail["outcome"] = outcome  # (every caller passes a dict of its own)
        kind, user_id, label, department_id = actor
        # In EVENT_FIELDS order (the hottest table: a literal row, checked against the model at start).
        self.events.append([
            self.g.next_event(), self.id, transition, before, to, moment(ts), kind, user_id, label[:200], "",
            department_id, step_name[:100], opinion, "[]", detail if isinstance(detail, str) else to_json(detail)])

    def applicant(self) -> tuple[str, int | None, str, int | None]:
        return ("applicant", self.a.user_id, self.a.label, None)

    def staff(self, role: str) -> tuple[str, int | None, str, int | None]:
        if self.t.external:
            return ("department_system", None, f"{self.t.department_name}业务系统", self.t.department_id)
        return ("staff", None, self.g.staff.label(self.t, role, self.rng), self.t.department_id)

    SYSTEM: tuple[str, int | None, str, int | None] = ("system", None, "系统", None)

    def work_time(self, day: date, *, after: float) -> float:
        """A moment in office hours on ``day``, after ``after`` (late in the day: the next working day)."""
        ts = day_start(day) + self.rng.uniform(8.75, 17.75) * 3600
        if ts > after:
            return ts
        if after - day_start(local_day(after)) > 17.25 * 3600:
            return day_start(self.g.cal.add(local_day(after), 1).due) + self.rng.uniform(8.75, 12) * 3600
        return after + self.rng.uniform(600, 5400)

    def handle_day(self, start: float, due: date, *, slow: bool) -> float:
        """When a clerk (or handler) acts on something that arrived at ``start`` and is due by ``due``."""
        first = local_day(start)
        if slow:
            day = self.g.cal.add(max(due, first), self.rng.randint(1, 5)).due
        else:
            span = max(self.g.cal.between(first, due), 0)
            day = self.g.cal.add(first, min(int(self.rng.expovariate(1.6)), span)).due
        return self.work_time(day, after=start)

    def sweep(self, until: float) -> None:
        """The overdue sweep (daily, 00:30) marks a running clock once it has passed its due date."""
        c = self.c
        due = c["clock_due"]
        if due is None or c["overdue_at"] is not None or c["status"] not in (S.SUBMITTED, S.ACCEPTED, S.IN_REVIEW):
            return
        ts = day_start(due + timedelta(days=1)) + 1800
        if ts >= until:
            return
        self._at(ts)
        c["overdue_at"] = ts
        status = c["status"]
        clock_kind = "acceptance" if status == S.SUBMITTED else "decision"
        self._event(ts, "overdue", status, self.SYSTEM, detail=f'{{"due": "{due.isoformat()}", "clock": "{clock_kind}"}}')

    # -------------------------------------------------------------- transitions (as the services make them)

    def _refresh_decision_due(self, ts: float) -> None:
        c = self.c
        if c["accepted_at"] is None:
            return
        deadline = self.g.cal.decision(local_day(c["accepted_at"]), self.t.promised_value, self.t.promised_unit,
                                       c["stopped_working_days"])
        c["decision_due"], c["decision_due_provisional"] = deadline.due, deadline.provisional
        if c["status"] in (S.ACCEPTED, S.IN_REVIEW) and c["clock_stopped_since"] is None:
            c["clock_due"] = deadline.due
        if c["overdue_at"] is not None and deadline.due >= local_day(ts):
            c["overdue_at"] = None

    def _acceptance_clock(self, ts: float) -> None:
        deadline = self.g.cal.add(local_day(ts), ACCEPTANCE_WORKING_DAYS[self.t.mode])
        self.c["acceptance_due"], self.c["acceptance_due_provisional"] = deadline.due, deadline.provisional
        self.c["clock_due"] = deadline.due

    def submit(self, ts: float) -> None:
        c = self.c
        c["submitted_at"] = c["created_at"] = ts
        self._acceptance_clock(ts)
        self._event(ts, "submit", S.SUBMITTED, self.applicant(), detail=(
            f'{{"acceptance_due": "{c["acceptance_due"].isoformat()}", '
            f'"provisional": {"true" if c["acceptance_due_provisional"] else "false"}, "form_key": {self.t.form_key_json}}}'))

    def _open_step(self, position: int, ts: float) -> None:
        spec = self.t.chain[position]
        self.steps.append({
            "id": self.g.ids.take("step"), "case_id": self.id, "position": position, "round": 1,
            "name": spec["name"], "kind": spec["kind"], "role": spec["role"], "department_id": self.t.department_id,
            "budget_days": spec["budget_days"], "due": self.g.cal.add(local_day(ts), spec["budget_days"]).due,
            "opened_at": ts, "closed_at": None, "outcome": "", "opinion": "", "actor_label": ""})

    def _close_step(self, ts: float, label: str, opinion: str) -> str:
        step = self.steps[-1]
        step.update(closed_at=ts, outcome="pass", opinion=opinion, actor_label=label[:200])
        return str(step["name"])

    def accept(self, ts: float, *, by_system: bool = False) -> None:
        self._at(ts)
        c = self.c
        c["accepted_at"] = ts
        c["steps_snapshot"] = self.t.chain_json
        c["countersign_department_ids"] = self.t.countersign_json
        before, c["status"] = c["status"], S.ACCEPTED  # the due date is computed in the new status
        self._refresh_decision_due(ts)
        c["status"] = before
        self._event(ts, "accept", S.ACCEPTED, self.SYSTEM if by_system else self.staff("window_clerk"),
                    opinion="收件即受理" if by_system else "", detail=(
                        f'{{"decision_due": "{c["decision_due"].isoformat()}", '
                        f'"provisional": {"true" if c["decision_due_provisional"] else "false"}}}'))
        if self.t.chain:
            self._open_step(0, ts)

    def refuse(self, ts: float) -> None:
        self._at(ts)
        reason, basis = self.rng.choice(REFUSE_REASONS)
        self.c["closed_at"] = ts
        self.c["clock_due"] = None
        self._event(ts, "refuse", S.REFUSED, self.staff("window_clerk"), opinion=reason,
                    detail={"reasons": [reason], "legal_basis": basis})

    def request_supplement(self, ts: float) -> None:
        self._at(ts)
        c = self.c
        material = self.rng.choice(self.t.materials)
        items = [{"material": material, "field": "", "reason": "材料不清晰，请重新上传。"}]
        c["supplement_from"] = c["status"]
        c["clock_due"] = None
        self.supplements.append({"id": self.g.ids.take("supplement"), "case_id": self.id, "round": 1,
                                 "items": json.dumps(items, ensure_ascii=False), "requested_at": ts,
                                 "requested_by_label": self.g.staff.label(self.t, "window_clerk", self.rng)[:200],
                                 "resubmitted_at": None, "stopped_working_days": 0})
        self._event(ts, "request_supplement", S.SUPPLEMENT_REQUESTED, self.staff("window_clerk"),
                    opinion="请按告知补齐补正。", detail={"round": 1, "items": items})

    def resubmit(self, ts: float) -> None:
        self._at(ts)
        c = self.c
        back = c["supplement_from"] or S.SUBMITTED
        c["resubmitted_at"] = ts
        c["supplement_from"] = ""
        self._acceptance_clock(ts)
        self.supplements[-1]["resubmitted_at"] = ts
        self._event(ts, "resubmit", back, self.applicant(), detail={"stopped_working_days": 0,
                                                                    "form_changed": False})

    def step_complete(self, ts: float, position: int) -> None:
        self._at(ts)
        spec = self.t.chain[position]
        actor = self.staff(spec["role"])
        opinion = STEP_OPINIONS[int(self.rng.random() * len(STEP_OPINIONS))]
        name = self._close_step(ts, actor[2], opinion)
        self._event(ts, "step_complete", S.IN_REVIEW, actor, opinion=opinion, step_name=name,
                    detail=f'{{"position": {position}, "round": 1, "outcome": "pass"}}')
        self._open_step(position + 1, ts)

    def special_start(self, ts: float) -> None:
        self._at(ts)
        c = self.c
        kind = self.rng.choice([SpecialProcedureKind.SITE_INSPECTION, SpecialProcedureKind.EXPERT_REVIEW,
                                SpecialProcedureKind.TESTING, SpecialProcedureKind.HEARING])
        role = self.steps[-1]["role"] if self.steps else "reviewer"
        reason = f"需{SpecialProcedureKind(kind).label}"
        procedure_id = self.g.ids.take("special")
        self.specials.append({"id": procedure_id, "case_id": self.id, "kind": kind, "reason": reason,
                              "started_at": ts, "started_by_label": self.g.staff.label(self.t, role, self.rng)[:200],
                              "ended_at": None, "ended_by_label": "", "result": "", "stopped_working_days": 0})
        c["clock_stopped_since"] = ts
        c["clock_due"] = None
        self._event(ts, "special_procedure_start", S.SPECIAL_PROCEDURE, self.staff(role), opinion=reason, detail={
            "kind": kind, "kind_label": str(SpecialProcedureKind(kind).label), "procedure_id": procedure_id})

    def special_end(self, ts: float) -> None:
        self._at(ts)
        c = self.c
        procedure = self.specials[-1]
        stopped = self.g.cal.between(local_day(c["clock_stopped_since"]), local_day(ts))
        c["stopped_working_days"] += stopped
        c["clock_stopped_since"] = None
        c["status"] = S.IN_REVIEW
        self._refresh_decision_due(ts)
        c["status"] = S.SPECIAL_PROCEDURE
        role = self.steps[-1]["role"] if self.steps else "reviewer"
        procedure.update(ended_at=ts, ended_by_label=self.g.staff.label(self.t, role, self.rng)[:200], result="已完成，结论符合要求",
                         stopped_working_days=stopped)
        kind = procedure["kind"]
        self._event(ts, "special_procedure_end", S.IN_REVIEW, self.staff(role), opinion="已完成，结论符合要求", detail={
            "kind": kind, "kind_label": str(SpecialProcedureKind(kind).label), "stopped_working_days": stopped,
            "decision_due": c["decision_due"].isoformat()})

    def _decision_fields(self, ts: float, outcome: str) -> str:
        """Set the decision's fields; returns the event's detail (JSON, made once per result, outcome and method)."""
        roll = self.rng.random()
        method = DELIVERY[0][0] if roll < DELIVERY[0][1] else (
            DELIVERY[1][0] if roll < DELIVERY[0][1] + DELIVERY[1][1] else DELIVERY[2][0])
        key = (self.t.result_name, outcome, method)
        made = self.g.decisions.get(key)
        if made is None:
            documents = [{"name": self.t.result_name if outcome == "approve" else "不予许可决定书", "file_id": None}]
            made = self.g.decisions[key] = (
                json.dumps(documents, ensure_ascii=False),
                to_json({"documents": documents, "delivery_method": method, "outcome": outcome}))
        c = self.c
        c["decided_at"] = ts
        c["decision_outcome"] = outcome
        c["decision_documents"] = made[0]
        c["delivery_method"] = method
        c["clock_due"] = None
        return made[1]

    def decide(self, ts: float, outcome: str) -> None:
        self._at(ts)
        role = self.t.chain[-1]["role"] if self.t.chain else "approver"
        actor = self.staff(role)
        opinion = "符合法定条件，准予许可。" if outcome == "approve" else "不符合法定条件，不予许可。"
        name = self._close_step(ts, actor[2], opinion) if self.t.chain else ""
        detail = self._decision_fields(ts, outcome)
        self._event(ts, "decide", S.APPROVED if outcome == "approve" else S.DENIED, actor, opinion=opinion,
                    step_name=name, detail=detail)

    def instant_decide(self, ts: float, outcome: str) -> None:
        self._at(ts)
        c = self.c
        c["accepted_at"] = ts
        detail = self._decision_fields(ts, outcome)
        before, c["status"] = c["status"], S.APPROVED if outcome == "approve" else S.DENIED
        self._refresh_decision_due(ts)
        c["status"] = before
        self._event(ts, "instant_decide", S.APPROVED if outcome == "approve" else S.DENIED,
                    self.staff("window_clerk"), opinion="当场办结", detail=detail)

    def after_decision(self, ts: float) -> None:
        c, rng = self.c, self.rng
        if c["decision_outcome"] == "approve" and self.t.fee:
            self._at(ts)
            self._event(ts, "request_payment", S.AWAITING_PAYMENT, self.SYSTEM, detail={"amount_fen": self.t.fee})
            paid = ts + rng.uniform(0.05, 3) * DAY
            self._at(paid)
            reference = f"LG{rng.getrandbits(48):012x}"
            c["fee_paid_at"] = paid
            c["payment_reference"] = reference
            self._event(paid, "confirm_payment", S.APPROVED, self.SYSTEM,
                        detail={"payment_reference": reference, "amount_fen": self.t.fee})
            ts = paid
        done = self.work_time(self.g.cal.add(local_day(ts), (0, 0, 1, 1, 2)[int(rng.random() * 5)]).due, after=ts)
        self._at(done)
        c["completed_at"] = done
        self._event(done, "complete", S.COMPLETED, self.staff("window_clerk"),
                    detail=f'{{"outcome": "{c["decision_outcome"]}"}}')
        method = c["delivery_method"]
        if method == "electronic":
            delivered, actor = done + rng.uniform(60, 900), self.SYSTEM
        else:
            wait = rng.randint(1, 10) if method == "window" else rng.randint(1, 2)
            delivered = self.work_time(self.g.cal.add(local_day(done), wait).due, after=done)
            actor = self.staff("window_clerk")
        self._at(delivered)
        c["delivered_at"] = delivered
        tracking = f', "tracking_number": "SF{rng.randrange(10**11, 10**12)}"' if method == "courier" else ""
        self._event(delivered, "deliver", S.DELIVERED, actor, detail=f'{{"delivery_method": "{method}"{tracking}}}')

    def _close_open(self, ts: float) -> None:
        c = self.c
        c["closed_at"] = ts
        c["clock_due"] = None
        c["clock_stopped_since"] = None
        for step in self.steps:
            if step["closed_at"] is None:
                step["closed_at"] = ts

    def withdraw(self, ts: float, reason: str = "") -> None:
        self._at(ts)
        self._close_open(ts)
        self._event(ts, "withdraw", S.WITHDRAWN, self.applicant(), opinion=reason or self.rng.choice(WITHDRAW_REASONS))

    def _void(self) -> None:
        ts = self.void_at
        self.void_at = math.inf
        if self.c["status"] in (S.DELIVERED, S.WITHDRAWN, S.VOIDED, S.DRAFT):
            return
        self._close_open(ts)
        self._event(ts, "void", S.VOIDED, self.staff("department_admin"), opinion="重复申请，予以作废")
        raise _Stop

    # -------------------------------------------------------------- the life

    def play(self) -> None:
        try:
            self._play()
        except _Stop:
            pass

    def _play(self) -> None:
        rng, t, c = self.rng, self.t, self.c
        abandon = rng.random() < P_ABANDON
        self.submit(self.submitted)
        if t.mode == AcceptanceMode.INSTANT:
            act = self.work_time(self.g.cal.add(local_day(self.submitted), rng.choice((0, 0, 1))).due,
                                 after=self.submitted)
            self.sweep(act)
            self.instant_decide(act, "deny" if rng.random() < P_DENY / 2 else "approve")
            self.after_decision(act)
            return
        if t.mode == AcceptanceMode.RECEIPT and not t.external:
            self.accept(self.submitted, by_system=True)
            self.review(self.submitted, abandon)
            return
        act = self.handle_day(self.submitted, c["acceptance_due"], slow=rng.random() < P_SLOW_ACCEPT)
        roll = rng.random()
        if roll < P_WITHDRAW_EARLY:
            withdrawn = self.submitted + rng.uniform(0.02, 2) * DAY
            if withdrawn < act:
                self.sweep(withdrawn)
                self.withdraw(withdrawn)
                return
        if abandon:
            self.sweep(math.inf)
            raise _Stop
        self.sweep(act)
        if roll < P_WITHDRAW_EARLY + P_REFUSE:
            self.refuse(act)
            return
        if roll < P_WITHDRAW_EARLY + P_REFUSE + P_SUPPLEMENT:
            self.request_supplement(act)
            if rng.random() >= P_RESUBMIT:
                self.withdraw(act + rng.uniform(20, 60) * DAY, reason="未在告知期限内补齐补正")
                return
            back = self.work_time(self.g.cal.add(local_day(act), rng.randint(1, 8)).due, after=act)
            self.resubmit(back)
            act = self.handle_day(back, c["acceptance_due"], slow=False)
            self.sweep(act)
        self.accept(act)
        self.review(act, abandon=False)

    def review(self, accepted: float, abandon: bool) -> None:
        rng, chain = self.rng, self.t.chain
        outcome = "deny" if rng.random() < P_DENY else "approve"
        if not chain:
            done = self.handle_day(accepted, self.c["decision_due"], slow=rng.random() < P_SLOW_DECISION)
            self.sweep(done)
            self.decide(done, outcome)
            self.after_decision(done)
            return
        last = len(chain) - 1
        special = rng.randrange(len(chain)) if rng.random() < P_SPECIAL else -1
        withdraw = rng.randrange(len(chain)) if rng.random() < P_WITHDRAW_REVIEW else -1
        slow = rng.random() < P_SLOW_DECISION
        opened = accepted
        for position, spec in enumerate(chain):
            budget = int(spec["budget_days"])
            days = min(int(rng.expovariate(1.2)), budget)
            if slow and position == last:
                days = budget + rng.randint(1, 10)
            done = self.work_time(self.g.cal.add(local_day(opened), days).due, after=opened)
            if position == special:
                started = opened + (done - opened) * 0.5
                self.sweep(started)
                self.special_start(started)
                ended = self.work_time(self.g.cal.add(local_day(started), rng.randint(5, 25)).due, after=started)
                self.special_end(ended)
                done = self.work_time(self.g.cal.add(local_day(ended), rng.randint(0, 2)).due, after=ended)
            if position == withdraw:
                withdrawn = opened + (done - opened) * rng.random()
                self.sweep(withdrawn)
                self.withdraw(withdrawn)
                return
            if abandon:
                self.sweep(math.inf)
                raise _Stop
            self.sweep(done)
            if position < last:
                self.step_complete(done, position)
                opened = done
            else:
                self.decide(done, outcome)
                self.after_decision(done)

    # -------------------------------------------------------------- rows

    def write(self, writer: Writer, tables: CaseTables, *, hold: bool = False) -> tuple[int, list[Any] | None]:
        """Add the rows to ``writer``: (rows, None), or with ``hold`` everything but the case row, which is
        returned (it is written once its licences are numbered, with their identifiers in ``result_references``)."""
        c = self.c
        for key in ("submitted_at", "created_at", "accepted_at", "decided_at", "completed_at", "delivered_at",
                    "closed_at", "resubmitted_at", "status_changed_at", "clock_stopped_since", "overdue_at",
                    "fee_paid_at"):
            if c.get(key) is not None:
                c[key] = moment(c[key])
        c["updated_at"] = moment(self.last)
        row = tables.case.row(c)
        if not hold:
            writer.add(tables.case, row)
        for event in self.events:
            writer.add(tables.event, event)
        for step in self.steps:
            step["opened_at"] = moment(step["opened_at"])
            step["closed_at"] = moment(step["closed_at"]) if step["closed_at"] is not None else None
            writer.add(tables.step, tables.step.row(step))
        for procedure in self.specials:
            procedure["started_at"] = moment(procedure["started_at"])
            procedure["ended_at"] = moment(procedure["ended_at"]) if procedure["ended_at"] is not None else None
            writer.add(tables.special, tables.special.row(procedure))
        for request in self.supplements:
            request["requested_at"] = moment(request["requested_at"])
            if request["resubmitted_at"] is not None:
                request["resubmitted_at"] = moment(request["resubmitted_at"])
            writer.add(tables.supplement, tables.supplement.row(request))
        rows = 1 + len(self.events) + len(self.steps) + len(self.specials) + len(self.supplements)
        return rows, row if hold else None


EVENT_FIELDS = ["id", "case_id", "transition", "from_status", "to_status", "occurred_at", "actor_kind", "actor_user_id",
                "actor_label", "on_behalf_of_label", "department_id", "step_name", "opinion", "attachments", "detail"]
HELD_TABLE = "loadgen_held_case"
EVENTS_BEYOND_CHAIN = 16  # at most len(chain) + this many timeline events per case (ids are reserved by this bound)


class CaseWorld:
    """What every slice of the cases shares, made once before the work is split: the implementations with their
    weights, the applicants by kind and registration time, the calendar, the counters as they were."""

    def __init__(self, *, seed: int, now: datetime, years: float, targets: Sequence[Target],
                 persons: Sequence[Applicant], organizations: Sequence[Applicant]) -> None:
        self.seed = seed
        self.now_ts = now.timestamp()
        self.today = local_day(self.now_ts)
        self.first_day = self.today - timedelta(days=round(years * 365))
        self.cal = Calendar()
        self.staff = Staff(seed)
        self.counters = counters_since(self.first_day)
        self.form_context: str = {f.name: f for f in Case._meta.concrete_fields}[
            "form_data_encrypted"].context  # type: ignore[attr-defined]
        pools = {"person": list(persons), "organization": list(organizations)}
        self.pools = {k: v for k, v in pools.items() if v}
        self.joined = {k: [a.joined for a in v] for k, v in self.pools.items()}
        self.targets = [t for t in targets if t.audience in self.pools]
        if not self.targets:
            raise ValueError("no published implementation for the generated applicants")
        self.max_chain = max(len(t.chain) for t in self.targets)
        total = 0.0
        self.cumulative: list[float] = []
        for target in self.targets:
            total += target.weight
            self.cumulative.append(total)
        self.total = total * (1 - 1e-12)  # bisect never runs past the last target

    def day_counts(self, count: int, rng: random.Random) -> list[tuple[date, int]]:
        """How many cases each day gets: growing over the years, by weekday, fewer on holidays, a little noise;
        today only up to now."""
        days = (self.today - self.first_day).days + 1
        weights = []
        for offset in range(days):
            day = self.first_day + timedelta(days=offset)
            share = WEEKDAY_SHARE[day.weekday()]
            if day.weekday() < 5 and self.cal.add(day, 0).due != day:
                share = 0.25  # a public holiday on a weekday
            elif day.weekday() >= 5 and self.cal.add(day, 0).due == day:
                share = 1.0  # a make-up working day (调休)
            growth = 0.6 + 0.8 * offset / max(days - 1, 1)
            weight = share * growth * rng.uniform(0.85, 1.15)
            if day == self.today:
                weight *= self._elapsed_share()
            weights.append(weight)
        total = sum(weights)
        out, acc, given = [], 0.0, 0
        for offset, weight in enumerate(weights):
            acc += weight
            upto = round(acc * count / total)
            out.append((self.first_day + timedelta(days=offset), upto - given))
            given = upto
        return out

    def _elapsed_share(self) -> float:
        hours = (self.now_ts - day_start(self.today)) / 3600
        return sum(share * max(0.0, min(hours, end) - start) / (end - start) for start, end, share in HOURS)


@dataclass(frozen=True)
class CaseSlice:
    """A run of days with the ids its cases may use: case ids follow from the days (the same whatever the split),
    the other tables get a range each, bounded by what the slice's cases can need."""

    index: int
    days: tuple[tuple[date, int, int], ...]  # (day, cases, first case id)
    first: dict[str, int]
    limit: dict[str, int]

    @property
    def cases(self) -> int:
        return sum(n for _day, n, _first in self.days)


def plan_slices(world: CaseWorld, days: list[tuple[date, int]], *, parts: int, first: dict[str, int]
                ) -> list[CaseSlice]:
    """Split the days into ``parts`` runs of about equal case counts, with their id ranges."""
    total = sum(n for _day, n in days)
    numbered, case_id = [], first["case"]
    for day, n in days:
        numbered.append((day, n, case_id))
        case_id += n
    runs: list[list[tuple[date, int, int]]] = [[] for _ in range(max(parts, 1))]
    acc = 0
    for entry in numbered:
        part = min(int(acc * len(runs) / max(total, 1)), len(runs) - 1)
        runs[part].append(entry)
        acc += entry[1]
    runs = [r for r in runs if r] or [[]]
    cursor = {name: first[name] for name in ("event", "step", "special", "supplement")}
    slices = []
    for index, run in enumerate(runs):
        cases = sum(n for _d, n, _f in run)
        need = {"event": cases * (world.max_chain + EVENTS_BEYOND_CHAIN), "step": cases * world.max_chain,
                "special": cases, "supplement": cases}
        slices.append(CaseSlice(index=index, days=tuple(run), first=dict(cursor),
                                limit={name: cursor[name] + need[name] for name in cursor}))
        cursor = {name: cursor[name] + need[name] for name in cursor}
    return slices


@dataclass
class Held:
    """A case decided 准予 whose licences wait for their serials; its row waits in memory (SQLite) or in a
    temporary table of the transaction (PostgreSQL: a slice of millions of cases holds a million such rows)."""

    row: list[Any] | None
    target: Target
    applicant: Applicant
    case_id: int
    number: str
    licenses: list[Planned]


class CaseGenerator:
    """Makes one slice of the cases with their history, day by day (each day's random draws from the seed and the
    day: the same cases however the days are split), and writes them chunk by chunk."""

    def __init__(self, *, world: CaseWorld, piece: CaseSlice, tables: CaseTables, writer: Writer) -> None:
        if list(tables.event.position) != EVENT_FIELDS:
            raise RuntimeError(f"CaseEvent's fields changed: update EVENT_FIELDS and CaseLife._event ({list(tables.event.position)})")
        self.world = world
        self.piece = piece
        self.rng = random.Random(world.seed)
        self.now_ts = world.now_ts
        self.cal = world.cal
        self.staff = world.staff
        self.form_context = world.form_context
        self.tables = tables
        self.writer = writer
        self.ids = Ids({name: piece.first[name] for name in ("step", "special", "supplement")})
        self._events = itertools.count(piece.first["event"])
        self.next_event = self._events.__next__  # the hottest id: no dict per row
        self.counters = world.counters
        self.used: dict[tuple[str, date], int] = {}
        self.decisions: dict[tuple[str, str, str], tuple[str, str]] = {}
        self.held: list[Held] = []
        self.stage: Table | None = None
        if is_postgres():
            self.stage = copy.copy(tables.case)
            self.stage.name = HELD_TABLE
            q = connection.ops.quote_name
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE TEMPORARY TABLE {q(HELD_TABLE)} (LIKE {q(tables.case.name)} INCLUDING DEFAULTS) "
                               "ON COMMIT DROP")

    def _times(self, day: date, n: int) -> list[float]:
        base = day_start(day)
        spans = [(s, e) for s, e, _ in HOURS]
        cumulative = [sum(w for _, _, w in HOURS[: i + 1]) for i in range(len(HOURS))]
        out = []
        for _ in range(n):
            for _attempt in range(20):
                start, end = spans[min(bisect.bisect(cumulative, self.rng.random() * cumulative[-1]), len(spans) - 1)]
                ts = base + self.rng.uniform(start, end) * 3600
                if ts < self.now_ts:
                    break
            else:
                ts = self.now_ts - self.rng.uniform(1, 3600)
            out.append(ts)
        out.sort()
        return out

    def _applicant(self, audience: str, ts: float) -> Applicant:
        pool = self.world.pools[audience]
        ready = bisect.bisect_left(self.world.joined[audience], ts) or 1
        return pool[int(ready * self.rng.random() ** 1.3)]

    def _number(self, target: Target, day: date, day_text: str) -> str | None:
        key = (target.code, day)
        serial = self.counters.get(key, 0) + 1
        if serial > 9999:
            return None
        self.counters[key] = self.used[key] = serial
        return f"{target.code}{day_text}{serial:04d}"

    def run(self, *, chunk: int, flush: Callable[[int, int], None]) -> tuple[int, dict[str, int]]:
        """Generate the slice's cases; ``flush(cases_so_far, rows_so_far)`` writes each chunk. Cases decided 准予
        that issue licences are held back (:meth:`finish`). Returns the cases made and how many ended in each
        status."""
        made = rows = pending = 0
        statuses: dict[str, int] = {}
        world = self.world
        for day, n, first_id in self.piece.days:
            self.rng = random.Random(f"{world.seed}:cases:{day.isoformat()}")
            day_text = f"{day:%Y%m%d}"
            for position, ts in enumerate(self._times(day, n)):
                for _attempt in range(5):
                    target = world.targets[bisect.bisect(world.cumulative, self.rng.random() * world.total)]
                    number = self._number(target, day, day_text)
                    if number is not None:
                        break
                else:
                    continue
                applicant = self._applicant(target.audience, ts)
                life = CaseLife(gen=self, case_id=first_id + position, target=target, applicant=applicant,
                                number=number, submitted=ts)
                life.play()
                statuses[life.c["status"]] = statuses.get(life.c["status"], 0) + 1
                planned = self._licenses(life)
                count, row = life.write(self.writer, self.tables, hold=bool(planned))
                if row is not None:
                    if self.stage is not None:
                        self.writer.add(self.stage, row)
                    self.held.append(Held(row=None if self.stage else row, target=target, applicant=applicant,
                                          case_id=life.id, number=number, licenses=planned))
                rows += count
                made += 1
                pending += 1
                if pending >= chunk:
                    flush(made, rows)
                    pending = 0
        if pending:
            flush(made, rows)
        for name, next_id in (("event", next(self._events)), *self.ids.next.items()):
            if next_id > self.piece.limit[name]:
                raise RuntimeError(f"slice {self.piece.index}: {name} ids beyond the reserved range")
        return made, statuses

    def _licenses(self, life: CaseLife) -> list[Planned]:
        """The licences a decision 准予 issued (planned; numbered later), with what happened to them since."""
        t, c = life.t, life.c
        if not t.licenses or t.issuer is None or c["decision_outcome"] != "approve" or c.get("decided_at") is None:
            return []
        decided = float(c["decided_at"])
        issued = local_day(decided)
        return [plan_life(Planned(holder=len(self.held), kind=kind, issuer=t.issuer, issued=issued,
                                  valid_until=validity_until(kind.validity, issued), created=decided),
                          now=self.now_ts, rng=self.rng) for kind in t.licenses]

    def requests(self) -> list[Request]:
        return [request_of(planned, (2, held.case_id, k), at=planned.created)
                for held in self.held for k, planned in enumerate(held.licenses)]

    def finish(self, answers: Iterator[tuple[str, int, int]], licenses: LicenseRows) -> int:
        """Write the held cases with their licences, now numbered (``answers`` in :meth:`requests` order)."""
        answer = answers
        position = self.tables.case.position["result_references"]
        staged: list[tuple[int, str]] = []
        for held in self.held:
            a = held.applicant
            holder = (Holder(kind=HolderKind.PERSON, name=a.name, number=a.id_number, county=a.region,
                             county_name="", user_id=a.user_id) if a.org_id is None else
                      Holder(kind=HolderKind.ORGANIZATION, name=a.name, number=a.id_number, county=a.region,
                             county_name="", organization_id=a.org_id, representative=a.legal_rep_name))
            form = json.loads(held.target.template.render(a))
            references = []
            for planned in held.licenses:
                values = {name: form.get(name) for name in planned.kind.fields
                          if form.get(name) not in (None, "", [])}
                identifier = licenses.write(planned, next(answer), holder, clean(planned.kind, values, holder),
                                            source=LicenseSource.CASE, actor_label=f"办件{held.number}准予决定",
                                            case_id=held.case_id)
                references.append({"kind": "license", "reference": identifier, "label": planned.kind.name})
            text = json.dumps(references, ensure_ascii=False)
            if held.row is None:
                staged.append((held.case_id, text))
            else:
                held.row[position] = text
                self.writer.add(self.tables.case, held.row)
        count = len(self.held)
        self.held = []
        if self.stage is not None:
            self.writer.wait()
            self._unstage(staged)
        return count

    def _unstage(self, references: list[tuple[int, str]]) -> None:
        """Move the held case rows from the temporary table into the case table with their references."""
        assert self.stage is not None
        q = connection.ops.quote_name
        columns = [q(c) for c in self.tables.case.columns]
        picked = ", ".join("r.refs" if c == q("result_references") else f"s.{c}" for c in columns)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE loadgen_held_refs (id bigint PRIMARY KEY, refs jsonb) ON COMMIT DROP")
            raw: Any = cursor.cursor
            with raw.copy("COPY loadgen_held_refs (id, refs) FROM STDIN") as copy_in:
                for row in references:
                    copy_in.write_row(row)
            cursor.execute(
                f"INSERT INTO {q(self.tables.case.name)} ({', '.join(columns)}) SELECT {picked} "  # noqa: S608
                f"FROM {q(HELD_TABLE)} s JOIN loadgen_held_refs r ON r.id = s.id ORDER BY s.id")
            moved = cursor.rowcount
            cursor.execute(f"DROP TABLE {q(HELD_TABLE)}, loadgen_held_refs")
        if moved != len(references):
            raise RuntimeError(f"held cases: {moved} moved, {len(references)} expected")
        written = self.writer.written
        written[self.tables.case.name] = written.get(self.tables.case.name, 0) + written.pop(HELD_TABLE, 0)


def write_case_counters(used: dict[tuple[str, date], int]) -> int:
    """Leave every counter touched at the last serial used (upsert; never lowers a counter)."""
    rows = [(scope, day, used[(scope, day)]) for scope, day in sorted(used)]
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute("CREATE TEMPORARY TABLE loadgen_counter (scope varchar(64), day date, "
                           "last_serial integer) ON COMMIT DROP")
            raw: Any = cursor.cursor
            with raw.copy("COPY loadgen_counter (scope, day, last_serial) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} (scope, day, last_serial) SELECT scope, day, last_serial FROM loadgen_counter "  # noqa: S608
                f"ON CONFLICT (scope, day) DO UPDATE SET last_serial = GREATEST({table}.last_serial, "
                f"EXCLUDED.last_serial)")
        else:
            cursor.executemany(
                f"INSERT INTO {table} (scope, day, last_serial) VALUES (%s, %s, %s) ON CONFLICT (scope, day) "  # noqa: S608
                f"DO UPDATE SET last_serial = MAX(last_serial, excluded.last_serial)",
                [(scope, day.isoformat(), serial) for scope, day, serial in rows])
    return len(rows)


def counters_since(first: date) -> dict[tuple[str, date], int]:
    return {(scope, day): serial for scope, day, serial in
            CaseNumberCounter.objects.filter(day__gte=first).values_list("scope", "day", "last_serial")}


def elapsed(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} 秒"
