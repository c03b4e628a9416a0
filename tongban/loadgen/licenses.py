"""Generated electronic licences (电子证照), as the licences app stores them.

Two sources, as on a real installation:

* **Existing licences** (存量证照), imported when the platform went live (``source`` = import, no account linked,
  as :mod:`tongban.licenses.services.imports` leaves them): every person holds a 居民身份证 and, by share, a 社会保障卡,
  a 机动车驾驶证, a 结婚证 … (:data:`PERSON_HOLDINGS`); every enterprise, shop and co-operative its 营业执照, some a
  食品经营许可证. Issued before the platform went live by the most local issuing department of the holder's county
  (the county's bureau, else the city's, else the province's), valid at the import.
* **Licences of cases** (办件结果): a case decided 准予 whose item result names a licence type that the case's
  department may issue gets it at the moment of the decision, made out to the applicant — as
  :class:`tongban.licenses.integration.LicenseResultIssuer` does, surface fields taken from the case form where the
  names match — and the case lists it in ``result_references``.

Each licence's later life is played through :func:`tongban.licenses.workflow.license_next_status`: the hourly job
expires those past their last day (``expire``), a few are revoked, cancelled or withdrawn by the issuing
department's 证照管理人员 (:data:`CHANGE_SHARES`). Each change is a :class:`LicenseEvent` after the ``issue`` one.

Serials follow the platform's rule — ``{year}{6 digits}`` per (type, issuer, year of issue), in the order of issue —
continuing the :class:`LicenseCounter` rows, which are left at the last serial used: the next real issue takes the
next one. Identifiers are :class:`tongban.licenses.identifiers.LicenseIdentifier` (GB/T 36904, with the check
character); holders are found through :func:`tongban.licenses.services.issuance.holder_index`.

No PDF: rendering and sealing (PAdES) a licence costs tens of milliseconds, days for millions. Generated licences
have no stored file (``pdf_file_id`` empty, no seal): the wallet lists them without a file and the download answers
证照文件尚未生成; verification, the wallet, 免交 and consents read the licence row only. See
docs/operations/load-data.md.
"""

from __future__ import annotations

import functools
import json
import math
import random
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection

from tongban.core.audit import SYSTEM
from tongban.core.crypto import encrypt_text
from tongban.directory import selectors as directory
from tongban.licenses import workflow
from tongban.licenses.identifiers import LicenseIdentifier, identifier_make
from tongban.licenses.models import HolderKind, License, LicenseCounter, LicenseEvent, LicenseSource, LicenseStatus
from tongban.licenses.services.issuance import holder_index
from tongban.licenses.types import license_type_list, license_type_may_issue, validity_until
from tongban.loadgen.people import id_check_char
from tongban.loadgen.writer import Table, Writer, is_postgres

DAY = 86_400.0
SHANGHAI_OFFSET = 8 * 3600.0
EPOCH = date(1970, 1, 1).toordinal()

# Existing licences a person or an organisation holds, with the share of holders that hold one.
PERSON_HOLDINGS: tuple[tuple[str, float], ...] = (
    ("居民身份证", 1.0), ("社会保障卡", 0.7), ("机动车驾驶证", 0.35), ("结婚证", 0.3), ("居民户口簿", 0.25),
    ("不动产权证书", 0.15), ("机动车行驶证", 0.12), ("离婚证", 0.02), ("残疾人证", 0.015))
ORG_HOLDINGS: tuple[tuple[str, float], ...] = (("营业执照", 1.0), ("食品经营许可证", 0.2))
# Minimum age at issue, by type (years); others 18.
MIN_AGE = {"居民身份证": 16, "结婚证": 22, "离婚证": 23}
UNLIMITED_YEARS = 20  # a licence valid without end was issued up to this many years before the platform went live
ORG_YEARS = 15
IMPORT_DAYS = 30  # the existing licences were imported over the platform's first month
# Changes by the issuing department while valid (shares of licences), by type; "*" for the others.
CHANGE_SHARES: dict[str, tuple[tuple[str, float], ...]] = {
    "*": (("revoke", 0.003), ("cancel", 0.004)),
    "营业执照": (("revoke", 0.002), ("cancel", 0.03), ("withdraw", 0.01)),
    "食品经营许可证": (("revoke", 0.003), ("cancel", 0.02), ("withdraw", 0.01)),
    "机动车驾驶证": (("revoke", 0.002), ("cancel", 0.004), ("withdraw", 0.005)),
}
REASONS = {
    "revoke": ("经核查，申请时提交的材料不实，依法撤销。", "发证时适用依据错误，依法撤销。"),
    "cancel": ("持证人申请注销。", "持证主体已注销登记。", "持证人死亡，依法注销。"),
    "withdraw": ("因违法违规行为被依法吊销。",),
}
ETHNICITIES = (("汉", 0.85), ("彝", 0.06), ("白", 0.02), ("哈尼", 0.02), ("傣", 0.02), ("壮", 0.01), ("苗", 0.01),
               ("回", 0.01))
BANKS = ("中国工商银行", "中国农业银行", "中国银行", "中国建设银行", "富滇银行", "云南农村信用社", "中国邮政储蓄银行")
STREETS = ("人民中路", "北京路", "滇池路", "青年路", "环城南路", "东风西路", "白塔路", "盘龙路", "石林大道", "迎宾路")
VEHICLE_CLASSES = (("C1", 0.78), ("C2", 0.1), ("B2", 0.06), ("A2", 0.03), ("D", 0.03))
VEHICLES = (("小型轿车", "大众牌FV7152FBDBG"), ("小型普通客车", "长安牌SC6483AB6"), ("小型轿车", "比亚迪牌BYD7005BEV"),
            ("轻型普通货车", "五菱牌LZW1028PY6"), ("小型轿车", "丰田牌TV7180GLXD"))
VIN_CHARS = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
COMPANY_TYPES = {"enterprise": "有限责任公司（自然人投资或控股）", "individual": "个体工商户",
                 "farmer_coop": "农民专业合作社"}
SCOPES = ("一般项目：技术服务、技术开发、技术咨询；信息系统集成服务。", "日用百货、五金交电、建筑材料销售。",
          "餐饮服务；食品销售。", "农产品种植、收购、销售。", "道路货物运输（不含危险货物）。")
STAFF_NAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
STAFF_GIVEN = "明华丽军伟芳静敏强磊洋艳杰娟涛超霞平刚辉"


def day_start(day: date) -> float:
    return (day.toordinal() - EPOCH) * DAY - SHANGHAI_OFFSET


def moment(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def local_day(ts: float) -> date:
    return date.fromordinal(int((ts + SHANGHAI_OFFSET) // DAY) + EPOCH)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# ------------------------------------------------------------------ the catalogue


@dataclass(frozen=True, slots=True)
class Issuer:
    department_id: int
    credit_code: str
    name: str
    prefix: str  # the region code prefix the department covers


@dataclass(frozen=True)
class Kind:
    """A licence type as the generator uses it; ``issuers`` most local first."""

    id: int
    code: str
    name: str
    holder_kind: str
    validity: dict[str, Any]
    fields: tuple[str, ...]
    issuers: tuple[Issuer, ...]

    def issuer_for(self, county: str) -> Issuer | None:
        return next((i for i in self.issuers if county.startswith(i.prefix)), None)


class Catalog:
    """The active licence types with their issuing departments."""

    def __init__(self) -> None:
        self.kinds: dict[str, Kind] = {}
        departments: dict[int, Issuer] = {}
        self.rows = license_type_list()
        for row in self.rows:
            issuers = []
            for department_id in row.issuing_department_ids:
                if department_id not in departments:
                    department = directory.department_get(department_id=department_id)
                    if department is None:
                        continue
                    departments[department_id] = Issuer(department_id=department.pk,
                                                        credit_code=department.credit_code, name=department.name,
                                                        prefix=department.region.prefix)
                issuers.append(departments[department_id])
            issuers.sort(key=lambda i: (-len(i.prefix), i.department_id))
            self.kinds[row.name] = Kind(id=row.id, code=row.code, name=row.name, holder_kind=row.holder_kind,
                                        validity=dict(row.validity), fields=tuple(f.name for f in row.fields),
                                        issuers=tuple(issuers))
        self.departments = departments
        # Check every (type, issuer) pair once with the real constructor; rows then use LicenseIdentifier directly.
        for kind in self.kinds.values():
            for issuer in kind.issuers:
                identifier_make(type_code=kind.code, issuer_code=issuer.credit_code, serial="1")

    def for_result(self, *, result_name: str, department_id: int, organization: bool) -> list[Kind]:
        """The types a case decided 准予 gets, as :class:`~tongban.licenses.integration.LicenseResultIssuer` picks
        them: named by the item's result, held by the applicant's kind, issued by the case's department."""
        holder = HolderKind.ORGANIZATION if organization else HolderKind.PERSON
        name = (result_name or "").strip()  # license_types_for_result's rule, on the rows read once
        return [self.kinds[t.name] for t in self.rows if name and name in t.result_names
                and t.holder_kind == holder and license_type_may_issue(license_type=t, department_id=department_id)]

    def issuer(self, department_id: int) -> Issuer | None:
        return self.departments.get(department_id)


@dataclass
class LicenseTables:
    license: Table
    event: Table

    @classmethod
    def make(cls) -> LicenseTables:
        return cls(license=Table(License), event=Table(LicenseEvent))

    def all(self) -> list[Table]:
        return [self.license, self.event]


# ------------------------------------------------------------------ planning a licence's life


@dataclass(slots=True)
class Planned:
    """One licence before its serial is known."""

    holder: int  # position of the holder (or of the held case) in the slice
    kind: Kind
    issuer: Issuer
    issued: date
    valid_until: date | None
    created: float  # when the platform stored it (import, or the decision)
    change: str = ""  # the transition that ended its validity, if any, by now
    changed: float = 0.0
    extra: str = ""  # what the surface data needs beyond the holder (the organisation's type)

    @property
    def events(self) -> int:
        return 2 if self.change else 1


def plan_life(planned: Planned, *, now: float, rng: random.Random) -> Planned:
    """Decide what happened to the licence until ``now``: a change by the department, or the expiry job."""
    expires = math.inf
    if planned.valid_until is not None:
        expires = day_start(planned.valid_until + timedelta(days=1)) + rng.uniform(60, 3500)
    roll = rng.random()
    for transition, share in CHANGE_SHARES.get(planned.kind.name, CHANGE_SHARES["*"]):
        if roll < share:
            end = min(expires, now)
            at = planned.created + rng.random() * (end - planned.created) * 0.9
            if planned.created < at < end:
                planned.change, planned.changed = transition, at
            break
        roll -= share
    if not planned.change and expires <= now:
        planned.change, planned.changed = "expire", expires
    return planned


def plan_existing(kind: Kind, issuer: Issuer, *, holder: int, born: date | None, go_live: date, now: float,
                  rng: random.Random, extra: str = "") -> Planned | None:
    """An existing licence of ``kind``, issued before ``go_live`` and still valid then (the import refuses expired
    ones); None when the holder was too young to hold it."""
    span = (validity_until(kind.validity, go_live) or go_live + timedelta(days=365 * (
        UNLIMITED_YEARS if kind.holder_kind == HolderKind.PERSON else ORG_YEARS))) - go_live
    issued = go_live - timedelta(days=rng.randint(1, max(span.days, 1)))
    if born is not None:
        earliest = _years_before(born, -MIN_AGE.get(kind.name, 18))
        if issued < earliest:
            issued = earliest + timedelta(days=rng.randint(0, 400))
        if issued >= go_live:
            return None
    until = validity_until(kind.validity, issued)
    if until is not None and until < go_live:
        return None
    created = day_start(go_live) + rng.uniform(0.3, IMPORT_DAYS) * DAY
    return plan_life(Planned(holder=holder, kind=kind, issuer=issuer, issued=issued, valid_until=until,
                             created=created, extra=extra), now=now, rng=rng)


def request_of(planned: Planned, tie: tuple[int, int, int], *, at: float) -> Request:
    """What :class:`Serials` needs: time of issue and a tie-break (the order of issue, the same however the work
    is split), then type id, issuer code and year (the counter), then how many events the licence has."""
    return (at, *tie, planned.kind.id, planned.issuer.credit_code, planned.issued.year, planned.events)


Request = tuple[float, int, int, int, int, str, int, int]
Answer = tuple[array, array, array]  # per request of a slice: the counter's number, the licence id, the first event id


def numbered(answer: Answer, requests: list[Request]) -> Iterator[tuple[str, int, int]]:
    """(serial, licence id, first event id) of each request, in order."""
    numbers, license_ids, event_ids = answer
    for k, request in enumerate(requests):
        yield f"{request[6]}{numbers[k]:06d}", license_ids[k], event_ids[k]


# ------------------------------------------------------------------ serials (the parent process numbers them all)


class Serials:
    """Numbers licences across all slices: per (type, issuer, year) in the order of issue, continuing the counters
    and passing over serials already used; also hands out the licence and event ids, in the same order."""

    def __init__(self, *, first_license_id: int, first_event_id: int) -> None:
        self.next_license = first_license_id
        self.next_event = first_event_id
        self.counters: dict[tuple[int, str, int], int] = {
            (type_id, issuer, year): last for type_id, issuer, year, last in
            LicenseCounter.objects.values_list("license_type_id", "issuer_credit_code", "year", "last")}
        self.used: set[tuple[int, str, int]] = set()
        self.taken: dict[tuple[int, str], set[str]] = {}
        rows = License.objects.filter(serial__regex=r"^[0-9]{10,}$").values_list(
            "license_type_id", "issuer_credit_code", "serial")
        for type_id, issuer, serial in rows.iterator(chunk_size=50_000):
            if int(serial[4:]) > self.counters.get((type_id, issuer, int(serial[:4])), 0):
                self.taken.setdefault((type_id, issuer), set()).add(serial)  # imported ahead of the counter
        self.issued = 0

    def __call__(self, per_slice: list[list[Request]]) -> list[Answer]:
        flat = [request for requests in per_slice for request in requests]
        numbers, license_ids, event_ids = (array("q", bytes(8 * len(flat))) for _ in range(3))
        for position in sorted(range(len(flat)), key=lambda k: flat[k][:4]):
            _at, _a, _b, _c, type_id, issuer, year, events = flat[position]
            key = (type_id, issuer, year)
            last = self.counters.get(key, 0) + 1
            taken = self.taken.get((type_id, issuer))
            while taken and f"{year}{last:06d}" in taken:
                last += 1
            self.counters[key] = numbers[position] = last
            self.used.add(key)
            license_ids[position], event_ids[position] = self.next_license, self.next_event
            self.next_license += 1
            self.next_event += events
        self.issued += len(flat)
        answers, start = [], 0
        for requests in per_slice:
            end = start + len(requests)
            answers.append((numbers[start:end], license_ids[start:end], event_ids[start:end]))
            start = end
        return answers

    def write_counters(self) -> int:
        """Leave every counter used at its last serial (upsert; never lowered)."""
        rows = [(type_id, issuer, year, self.counters[(type_id, issuer, year)])
                for type_id, issuer, year in sorted(self.used)]
        table = connection.ops.quote_name(LicenseCounter._meta.db_table)
        greatest = "GREATEST" if is_postgres() else "MAX"
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (license_type_id, issuer_credit_code, year, last) VALUES (%s, %s, %s, %s) "  # noqa: S608
                f"ON CONFLICT (license_type_id, issuer_credit_code, year) DO UPDATE SET "
                f"last = {greatest}({table}.last, EXCLUDED.last)", rows)
        return len(rows)


# ------------------------------------------------------------------ surface data


@dataclass(frozen=True, slots=True)
class Holder:
    kind: str  # HolderKind
    name: str
    number: str  # ID number or credit code
    county: str
    county_name: str
    user_id: int | None = None
    organization_id: int | None = None
    representative: str = ""


def _choice(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    roll = rng.random()
    for value, share in weighted:
        if roll < share:
            return value
        roll -= share
    return weighted[0][0]


def _address(holder: Holder, rng: random.Random) -> str:
    return f"云南省{holder.county_name}{rng.choice(STREETS)}{rng.randrange(1, 400)}号"


def _person_number(rng: random.Random, county: str) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20_000))
    body = f"{county[:6]}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + id_check_char(body)


def surface(planned: Planned, holder: Holder, rng: random.Random) -> dict[str, str]:
    """Plausible surface fields (照面信息) of an existing licence (cleaned by :func:`clean`)."""
    n = holder.number
    issued = planned.issued.isoformat()
    name = planned.kind.name
    if holder.kind == HolderKind.ORGANIZATION:
        return {"company_type": COMPANY_TYPES.get(planned.extra, "有限责任公司"),
                "legal_representative": holder.representative, "registered_capital": f"{rng.randrange(1, 500)}万元人民币",
                "established_on": issued, "address": _address(holder, rng), "business_scope": rng.choice(SCOPES),
                "business_items": "预包装食品销售（含冷藏冷冻食品）；热食类食品制售"}
    values: dict[str, str] = {"address": _address(holder, rng)}
    if name == "居民身份证":
        values.update(sex="男" if int(n[16]) % 2 else "女", ethnicity=_choice(rng, ETHNICITIES),
                      birth_date=f"{n[6:10]}-{n[10:12]}-{n[12:14]}")
    elif name == "居民户口簿":
        values.update(household_type=_choice(rng, (("家庭户", 0.93), ("集体户", 0.07))),
                      household_number=f"{rng.randrange(10**8, 10**9)}", members=f"{rng.randint(1, 6)}人")
    elif name == "社会保障卡":
        values.update(card_number=f"{rng.choice('ABCDEFGHJK')}{rng.randrange(10**7, 10**8)}", bank=rng.choice(BANKS))
    elif name == "机动车驾驶证":
        values.update(vehicle_class=_choice(rng, VEHICLE_CLASSES), first_issue_date=issued)
    elif name == "机动车行驶证":
        vehicle_type, model = rng.choice(VEHICLES)
        values.update(plate_number=f"云{rng.choice('ABCDEFGHJKLMNPQRS')}{''.join(rng.choices(PLATE_CHARS, k=5))}",
                      vehicle_type=vehicle_type, brand_model=model, vin="L" + "".join(rng.choices(VIN_CHARS, k=16)),
                      registration_date=issued)
    elif name in ("结婚证", "离婚证"):
        spouse = f"{rng.choice(STAFF_NAMES)}{rng.choice(STAFF_GIVEN)}{rng.choice(STAFF_GIVEN)}"
        values.update(spouse_name=spouse, spouse_id_number=_person_number(rng, holder.county),
                      former_spouse_name=spouse, registration_date=issued,
                      certificate_number=f"{'J' if name == '结婚证' else 'L'}{holder.county[:6]}-{planned.issued.year}-"
                                         f"{rng.randrange(1, 10**6):06d}")
    elif name == "不动产权证书":
        values.update(location=values["address"], unit_number=f"{holder.county[:6]}{rng.randrange(10**11, 10**12)}"
                                                              f"F{rng.randrange(10**8, 10**9)}",
                      right_type="国有建设用地使用权/房屋所有权", area=f"{rng.uniform(40, 180):.2f}平方米")
    elif name == "残疾人证":
        values.update(disability_category=rng.choice(("肢体残疾", "视力残疾", "听力残疾", "言语残疾", "智力残疾")),
                      disability_grade=rng.choice(("一级", "二级", "三级", "四级")))
        values["id_number"] = f"{n}{rng.randint(1, 7)}{rng.randint(1, 4)}"
    return values


def clean(kind: Kind, values: dict[str, Any], holder: Holder) -> str:
    """The stored surface data, as :func:`tongban.licenses.services.issuance.license_issue` cleans it: the type's
    fields only, as text, the holder's name and number where absent; sorted JSON."""
    cleaned: dict[str, str] = {}
    for name in kind.fields:
        value = values.get(name)
        text = "" if value is None else str(value).strip()
        if not text and name == "name":
            text = holder.name
        if not text and name in ("id_number", "credit_code"):
            text = holder.number
        if text:
            cleaned[name] = text[:500]
    return json.dumps(cleaned, ensure_ascii=False, sort_keys=True)


# ------------------------------------------------------------------ rows


@dataclass
class LicenseRows:
    """Writes numbered licences with their events; holder fields are sealed once per holder."""

    tables: LicenseTables
    writer: Writer
    seed: int
    now: float
    _holder: tuple[Holder | None, tuple[str, str, str]] = (None, ("", "", ""))
    _admins: dict[int, str] = field(default_factory=dict)
    written: int = 0

    def __post_init__(self) -> None:
        fields = {f.name: f for f in License._meta.concrete_fields}
        self.ctx_name = fields["holder_name"].context  # type: ignore[attr-defined]
        self.ctx_number = fields["holder_number"].context  # type: ignore[attr-defined]
        self.ctx_data = fields["data"].context  # type: ignore[attr-defined]

    def _tokens(self, holder: Holder) -> tuple[str, str, str]:
        if self._holder[0] is not holder:
            self._holder = (holder, (encrypt_text(holder.name, context=self.ctx_name),
                                     encrypt_text(holder.number, context=self.ctx_number),
                                     holder_index(holder_kind=holder.kind, holder_number=holder.number)))
        return self._holder[1]

    def admin(self, issuer: Issuer) -> str:
        """A 证照管理人员 of the issuing department, as the audit log labels staff."""
        label = self._admins.get(issuer.department_id)
        if label is None:
            rng = random.Random(f"{self.seed}:license-admin:{issuer.department_id}")
            label = self._admins[issuer.department_id] = (
                f"{rng.choice(STAFF_NAMES)}{rng.choice(STAFF_GIVEN)}{rng.choice(STAFF_GIVEN)}（{issuer.name}）")
        return label

    def write(self, planned: Planned, answer: tuple[str, int, int], holder: Holder, data: str, *, source: str,
              actor_label: str, case_id: int | None = None) -> str:
        """Write the licence and its events; returns its identifier."""
        serial, license_id, event_id = answer
        kind, issuer = planned.kind, planned.issuer
        identifier = str(LicenseIdentifier(type_code=kind.code, issuer_code=issuer.credit_code, serial=serial,
                                           version=1))
        name_token, number_token, index = self._tokens(holder)
        status: str = LicenseStatus.VALID
        reason, changed_at = "", None
        created = moment(planned.created)
        events = [[event_id, license_id, "issue", "", LicenseStatus.VALID, _source_label(source), actor_label[:200],
                   created]]
        if planned.change:
            system = planned.change == "expire"
            status = _next_status(planned.change)
            reason = (f"有效期至{planned.valid_until.isoformat()}，已届满。" if system and planned.valid_until
                      else REASONS[planned.change][license_id % len(REASONS[planned.change])])
            changed_at = moment(planned.changed)
            events.append([event_id + 1, license_id, planned.change, LicenseStatus.VALID, status, reason,
                           SYSTEM.label if system else self.admin(issuer), changed_at])
        self.writer.add(self.tables.license, self.tables.license.row({
            "id": license_id, "license_type_id": kind.id, "identifier": identifier, "serial": serial, "version": 1,
            "issuer_department_id": issuer.department_id, "issuer_credit_code": issuer.credit_code,
            "holder_kind": holder.kind, "holder_name": name_token, "holder_number": number_token,
            "holder_index": index, "holder_user_id": holder.user_id, "holder_organization_id": holder.organization_id,
            "data": encrypt_text(data, context=self.ctx_data), "status": status, "status_reason": reason,
            "status_changed_at": changed_at, "issued_on": planned.issued, "valid_from": planned.issued,
            "valid_until": planned.valid_until, "source": source, "case_id": case_id, "created_at": created}))
        for event in events:
            self.writer.add(self.tables.event, self.tables.event.row(dict(zip(EVENT_FIELDS, event, strict=True))))
        self.written += 1
        return identifier


@functools.cache
def _next_status(transition: str) -> str:
    """Where a valid licence goes by ``transition`` (the licences' transition table; the expiry is the system's)."""
    actor = workflow.SYSTEM if transition == "expire" else workflow.LICENSE_ADMIN
    return workflow.license_next_status(status=LicenseStatus.VALID, transition=transition, actor=actor)


@functools.cache
def _source_label(source: str) -> str:
    """The issue event's reason, as license_issue writes it."""
    return str(LicenseSource(source).label)


EVENT_FIELDS = ("id", "license_id", "action", "from_status", "to_status", "reason", "actor_label", "created_at")


def holdings(shares: Iterable[tuple[str, float]], catalog: Catalog, rng: random.Random) -> list[Kind]:
    """The kinds a holder has, by share (one draw per kind, in a fixed order)."""
    return [catalog.kinds[name] for name, share in shares if rng.random() < share and name in catalog.kinds]


NumberFn = Callable[[list[Request]], Answer]
