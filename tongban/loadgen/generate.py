"""``manage.py generate_load_data``: persons, organisations, their licences, then cases with their history.

Three phases — persons, organisations, cases — each split into slices (blocks of people, runs of days) that run in
``jobs`` forked processes, each on its own connection with COPY from a background thread (see
:mod:`tongban.loadgen.parallel` and docs/adr/0021-parallel-load-data.md). With one job (and always on SQLite) the
whole load is one transaction; with more, each slice commits on its own and a failure removes what the load wrote.
Every random draw comes from the seed and the block or day it belongs to, so the same seed gives the same people,
cases and licences however many processes make them; only the ids of timeline rows, steps, special procedures and
supplement requests depend on the split (each slice gets a range).
"""

from __future__ import annotations

import bisect
import itertools
import os
import random
import resource
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from tongban.catalog import selectors as catalog_selectors
from tongban.core.errors import Conflict
from tongban.directory.selectors import region_rows
from tongban.licenses.models import HolderKind, LicenseSource
from tongban.loadgen import writer as w
from tongban.loadgen.cases import (
    CaseGenerator,
    CaseSlice,
    CaseTables,
    CaseWorld,
    load_targets,
    local_day,
    plan_slices,
    write_case_counters,
)
from tongban.loadgen.forms import FormFiller
from tongban.loadgen.licenses import (
    ORG_HOLDINGS,
    PERSON_HOLDINGS,
    Catalog,
    Holder,
    LicenseRows,
    LicenseTables,
    Planned,
    Request,
    Serials,
    clean,
    day_start,
    holdings,
    numbered,
    plan_existing,
    request_of,
    surface,
)
from tongban.loadgen.parallel import Number, run_phase
from tongban.loadgen.people import Applicant, PeopleGenerator, PeopleTables, taken_indexes

SQLITE_MAX_CASES = 50_000
CHUNK = 20_000
PEOPLE_UNIT = 1_000  # persons (or organisations) drawn from one random stream
PARALLEL_FROM = 20_000  # below this many cases + users, one process (one transaction) is quicker than several
# Rows per case or user, to decide whether a table's indexes are rebuilt after the load rather than kept during it.
ROWS_PER_CASE = {"case": 1.0, "event": 5.5, "step": 2.0, "special": 0.01, "supplement": 0.08, "license": 0.2,
                 "license_event": 0.25}
ROWS_PER_USER = {"user": 1.0, "person": 0.84, "assurance": 0.84, "organization": 0.17, "license": 2.6,
                 "license_event": 3.2}
REBUILD_FROM_ROWS = 20_000

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Plan:
    cases: int
    users: int  # accounts: persons, and one in six an organisation with its own account
    seed: int
    years: float
    jobs: int = 1
    vacuum: bool = True
    parallel_from: int = PARALLEL_FROM

    @property
    def organizations(self) -> int:
        return self.users // 6 if self.users >= 6 else 0

    @property
    def persons(self) -> int:
        return self.users - self.organizations


def default_jobs() -> int:
    return os.cpu_count() or 1


def check_plan(plan: Plan) -> None:
    """Refuse what this database cannot take, before anything is written."""
    if connection.vendor == "sqlite" and plan.cases > SQLITE_MAX_CASES:
        raise Conflict(
            f"SQLite 上最多生成 {SQLITE_MAX_CASES:,} 个办件（要求 {plan.cases:,} 个）：大数据量请使用 PostgreSQL"
            "（设置 DATABASE_URL），批量写入用 COPY。", code="sqlite_too_small")
    if plan.cases < 0 or plan.users < 1 or plan.years <= 0 or plan.jobs < 1:
        raise Conflict("办件数不能为负，用户至少 1 个，年数须大于 0，进程数至少 1。", code="bad_plan")
    if not catalog_selectors.implementation_list().exists():
        raise Conflict("没有已发布的实施清单：请先加载演示数据（manage.py load_demo_data）。", code="no_catalog")


def jobs_for(plan: Plan) -> int:
    """The processes this load runs in: one on SQLite and for small loads."""
    if connection.vendor != "postgresql" or plan.cases + plan.users < plan.parallel_from:
        return 1
    return plan.jobs


def cpu_seconds() -> float:
    """CPU time of this process and of the finished processes it started (the generators, not the database)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _rate(count: float, started: float) -> str:
    seconds = max(time.perf_counter() - started, 1e-6)
    return f"{count / seconds:,.0f}"


def _split(count: int, parts: int) -> list[range]:
    """``range(count)`` in ``parts`` contiguous runs of about equal length (empty runs dropped)."""
    bounds = [count * k // parts for k in range(parts + 1)]
    return [range(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def generate(plan: Plan, *, echo: Echo) -> dict[str, int]:
    """Write the plan's people, licences and cases; returns rows written per table."""
    check_plan(plan)
    return Load(plan, echo).run()


@dataclass
class PeopleResult:
    applicants: list[Applicant]
    written: dict[str, int]
    licenses: int


@dataclass
class CaseResult:
    made: int
    statuses: dict[str, int]
    used: dict[Any, int]
    written: dict[str, int]
    waited: float
    licenses: int


@dataclass
class Load:
    """One run of the generator: the plan, the tables, the ids reserved, what was written."""

    plan: Plan
    echo: Echo
    jobs: int = field(init=False)
    now: datetime = field(default_factory=lambda: timezone.now())  # at run time (tests move the clock)
    people: PeopleTables = field(default_factory=PeopleTables.make)
    cases: CaseTables = field(default_factory=CaseTables.make)
    licenses: LicenseTables = field(default_factory=LicenseTables.make)
    written: dict[str, int] = field(default_factory=dict)
    first: dict[str, int] = field(default_factory=dict)
    deferred: w.Deferred = field(default_factory=w.Deferred)
    persons: list[Applicant] = field(default_factory=list)
    organizations: list[Applicant] = field(default_factory=list)
    used_counters: dict[Any, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    made: int = 0
    issued: int = 0

    def __post_init__(self) -> None:
        self.jobs = jobs_for(self.plan)
        self.rng = random.Random(self.plan.seed)
        self.go_live = local_day(self.now.timestamp() - (self.plan.years + 1) * 365 * 86_400)

    @property
    def forked(self) -> bool:
        return self.jobs > 1

    def tables(self) -> list[w.Table]:
        return list(self.named().values())

    def named(self) -> dict[str, w.Table]:
        """Every table the load writes rows to, by the name its first id is kept under (in writing order)."""
        return {"user": self.people.user, "person": self.people.person, "assurance": self.people.assurance,
                "organization": self.people.organization, "case": self.cases.case, "event": self.cases.event,
                "step": self.cases.step, "special": self.cases.special, "supplement": self.cases.supplement,
                "license": self.licenses.license, "license_event": self.licenses.event}

    def _prefix(self, index: int, parts: int) -> str:
        return f"[{index + 1}/{parts}] " if self.forked and parts > 1 else ""

    # -------------------------------------------------------------- the run

    def run(self) -> dict[str, int]:
        started = time.perf_counter()
        self.echo(f"  进程数：{self.jobs}" + ("（每个进程一个连接、一个事务；失败时清除本次写入）" if self.forked
                                          else "（全部写入在一个事务内）"))
        if not self.forked:
            with transaction.atomic():
                self.setup()
                self.phases()
                self.finish()
        else:
            with transaction.atomic():
                self.setup()
            try:
                self.phases()
                with transaction.atomic():
                    self.finish()
            except BaseException:
                self.cleanup()
                raise
        if self.plan.vacuum and w.is_postgres():
            _vacuum(self.tables(), self.echo)
        total = sum(self.written.values())
        self.echo("  办件状态：" + "，".join(f"{status} {count:,}" for status, count in
                                         sorted(self.statuses.items(), key=lambda kv: -kv[1])))
        self.echo(f"完成：{self.made:,} 个办件、{len(self.persons):,} 个自然人、{len(self.organizations):,} 个法人、"
                  f"{self.issued:,} 份电子证照，共写入 {total:,} 行，用时 {time.perf_counter() - started:.1f} 秒"
                  f"（{_rate(total, started)} 行/秒，{self.jobs} 个进程）。")
        return dict(self.written)

    def setup(self) -> None:
        """Lock, drop what is rebuilt at the end, reserve the first id of every table."""
        w.lock(self.tables())
        if w.fast_toast_compression():
            self.echo("  大字段压缩：lz4（本次写入）")
        self.deferred = w.drop_secondary(self._to_rebuild())
        if self.deferred.tables:
            self.echo(f"  大批量写入：先删除再重建 {', '.join(self.deferred.tables)} 的二级索引和约束")
        self.first = {name: w.reserve_ids(table, 0) for name, table in self.named().items()}
        self.serials = Serials(first_license_id=self.first["license"], first_event_id=self.first["license_event"])
        self.catalog = Catalog()
        self.counties = [(code, name) for code, name, *_ in region_rows(root_code=None, min_level=3, max_level=3)]
        if not self.counties:
            raise Conflict("没有县级区划：请先加载演示数据（manage.py load_demo_data）。", code="no_regions")
        self.county_names = dict(self.counties)
        self.taken = taken_indexes()

    def _to_rebuild(self) -> list[w.Table]:
        plan, p, c, lic = self.plan, self.people, self.cases, self.licenses
        expected = {c.case.name: plan.cases * ROWS_PER_CASE["case"], c.event.name: plan.cases * ROWS_PER_CASE["event"],
                    c.step.name: plan.cases * ROWS_PER_CASE["step"], p.user.name: plan.users * ROWS_PER_USER["user"],
                    p.person.name: plan.users * ROWS_PER_USER["person"],
                    p.assurance.name: plan.users * ROWS_PER_USER["assurance"],
                    lic.license.name: plan.cases * ROWS_PER_CASE["license"] + plan.users * ROWS_PER_USER["license"],
                    lic.event.name: plan.cases * ROWS_PER_CASE["license_event"]
                    + plan.users * ROWS_PER_USER["license_event"]}
        return [t for t in self.tables() if expected.get(t.name, 0) >= REBUILD_FROM_ROWS
                and expected[t.name] > w.row_count(t)]

    def phases(self) -> None:
        self.persons = self._persons()
        self.organizations = self._organizations()
        self._cases()

    def _absorb(self, written: dict[str, int]) -> None:
        for name, count in written.items():
            self.written[name] = self.written.get(name, 0) + count

    def finish(self) -> None:
        """Counters, sequences, indexes (in one transaction after the data)."""
        self.echo(f"  办件编号计数器：{write_case_counters(self.used_counters):,} 行（下一次真实提交接续最后的序号）")
        self.echo(f"  证照顺序号计数器：{self.serials.write_counters():,} 行（下一次签发接续最后的顺序号）")
        for table in self.tables():
            w.sync_sequence(table)
        w.rebuild(self.deferred, self.echo)
        if not (self.plan.vacuum and w.is_postgres()):
            w.analyze(self.tables(), self.echo)

    def cleanup(self) -> None:
        """After a failure with several processes: remove the rows of this load (the ids it reserved onwards)
        and rebuild what was dropped."""
        self.echo("  失败：清除本次已写入的数据并重建索引……")
        connection.close()
        with transaction.atomic(), connection.cursor() as cursor:
            for name, table in reversed(self.named().items()):
                if name in self.first:
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(table.name)} WHERE id >= %s",  # noqa: S608
                                   [self.first[name]])
            for table in self.tables():
                w.sync_sequence(table)
            w.rebuild(self.deferred, self.echo)

    # -------------------------------------------------------------- persons

    def _joined(self, count: int) -> list[float]:
        """Registration moments over a period starting a year before the first case (sorted)."""
        span = (self.plan.years + 1) * 365 * 86_400
        begin = self.now.timestamp() - span
        return sorted(begin + self.rng.random() * (span - 86_400) for _ in range(count))

    def _people_generator(self, out: w.Writer) -> PeopleGenerator:
        phones, numbers = self.taken
        return PeopleGenerator(
            tables=self.people, writer=out, counties=self.counties, first_user_id=self.first["user"],
            first_person_id=self.first["person"], first_assurance_id=self.first["assurance"],
            first_org_id=self.first["organization"], persons=self.plan.persons, taken_phone_indexes=set(phones),
            taken_id_indexes=set(numbers))

    def _persons(self) -> list[Applicant]:
        started, cpu = time.perf_counter(), cpu_seconds()
        self.person_times = self._joined(self.plan.persons)
        units = list(enumerate(_split((self.plan.persons + PEOPLE_UNIT - 1) // PEOPLE_UNIT, self.jobs)))
        results: list[PeopleResult] = run_phase(units, self._persons_work, self.serials, forked=self.forked)
        persons = [a for r in results for a in r.applicants]
        for result in results:
            self._absorb(result.written)
            self.issued += result.licenses
        licenses = sum(r.licenses for r in results)
        self.echo(f"  自然人：{len(persons):,} 个（存量电子证照 {licenses:,} 份），用时 {time.perf_counter() - started:.1f} 秒"
                  f"（{_rate(len(persons), started)} 个/秒；生成进程 CPU {cpu_seconds() - cpu:.0f} 秒）")
        return persons

    def _persons_work(self, piece: tuple[int, range], number: Number) -> PeopleResult:
        slice_index, units = piece
        w.fast_toast_compression()
        started = time.perf_counter()
        out = w.Writer(echo=self.echo)
        generator = self._people_generator(out)
        seed, now, times = self.plan.seed, self.now.timestamp(), self.person_times
        applicants: list[Applicant] = []
        requests: list[Request] = []
        prefix = self._prefix(slice_index, self.jobs)
        for unit in units:
            rng = random.Random(f"{seed}:persons:{unit}")
            first = len(applicants)
            for index in range(unit * PEOPLE_UNIT, min((unit + 1) * PEOPLE_UNIT, self.plan.persons)):
                applicants.append(generator.person(index=index, joined=datetime.fromtimestamp(times[index], UTC),
                                                   rng=rng))
            for index, licence in self._person_licenses(unit, applicants[first:]):
                requests.append(request_of(licence, (0, index, licence.kind.id), at=day_start(licence.issued) + 43_200))
            if len(applicants) % CHUNK < PEOPLE_UNIT:
                out.flush(order=self.people.all(), background=True)
                self.echo(f"  {prefix}自然人 {len(applicants):,}：{_rate(len(applicants), started)} 个/秒")
        out.flush(order=self.people.all(), background=True)
        answers = numbered(number(requests), requests)
        del requests
        rows = LicenseRows(tables=self.licenses, writer=out, seed=seed, now=now)
        first = flushed = 0
        for unit in units:  # the licences planned again, as above (the same draws), now with their serials
            persons = applicants[first:first + min(PEOPLE_UNIT, self.plan.persons - unit * PEOPLE_UNIT)]
            first += len(persons)
            data_rng = random.Random(f"{seed}:person-license-data:{unit}")
            holder: Holder | None = None
            for _index, licence in self._person_licenses(unit, persons):
                applicant = persons[licence.holder]
                if holder is None or holder.number != applicant.id_number:
                    holder = Holder(kind=HolderKind.PERSON, name=applicant.name, number=applicant.id_number,
                                    county=applicant.region, county_name=self.county_names.get(applicant.region, ""))
                rows.write(licence, next(answers), holder,
                           clean(licence.kind, surface(licence, holder, data_rng), holder),
                           source=LicenseSource.IMPORT, actor_label=rows.admin(licence.issuer))
            if rows.written - flushed >= CHUNK:
                out.flush(order=self.licenses.all(), background=True)
                flushed = rows.written
        out.flush(order=self.licenses.all())
        out.wait()
        return PeopleResult(applicants=applicants, written=dict(out.written), licenses=rows.written)

    def _person_licenses(self, unit: int, persons: list[Applicant]) -> Iterator[tuple[int, Planned]]:
        """The existing licences of the persons of ``unit`` (index of the person, licence), from the unit's own
        random stream: the same each time it is asked."""
        held = random.Random(f"{self.plan.seed}:person-licenses:{unit}")
        now = self.now.timestamp()
        for position, applicant in enumerate(persons):
            digits = applicant.id_number
            born = date(int(digits[6:10]), int(digits[10:12]), int(digits[12:14]))
            for kind in holdings(PERSON_HOLDINGS, self.catalog, held):
                issuer = kind.issuer_for(applicant.region)
                licence = issuer and plan_existing(kind, issuer, holder=position, born=born, go_live=self.go_live,
                                                   now=now, rng=held)
                if licence:
                    yield unit * PEOPLE_UNIT + position, licence

    # -------------------------------------------------------------- organisations

    def _organizations(self) -> list[Applicant]:
        if not self.plan.organizations:
            return []
        started, cpu = time.perf_counter(), cpu_seconds()
        self.org_times = self._joined(self.plan.organizations)
        units = list(enumerate(_split((self.plan.organizations + PEOPLE_UNIT - 1) // PEOPLE_UNIT, self.jobs)))
        results: list[PeopleResult] = run_phase(units, self._organizations_work, self.serials, forked=self.forked)
        organizations = [a for r in results for a in r.applicants]
        for result in results:
            self._absorb(result.written)
            self.issued += result.licenses
        licenses = sum(r.licenses for r in results)
        self.echo(f"  法人：{len(organizations):,} 个（存量电子证照 {licenses:,} 份），用时 "
                  f"{time.perf_counter() - started:.1f} 秒（{_rate(len(organizations), started)} 个/秒；生成进程 CPU "
                  f"{cpu_seconds() - cpu:.0f} 秒）")
        return organizations

    def _organizations_work(self, piece: tuple[int, range], number: Number) -> PeopleResult:
        _slice_index, units = piece
        w.fast_toast_compression()
        out = w.Writer(echo=self.echo)
        generator = self._people_generator(out)
        seed, now = self.plan.seed, self.now.timestamp()
        applicants: list[Applicant] = []
        planned: list[tuple[int, Planned]] = []
        requests: list[Request] = []
        for unit in units:
            rng = random.Random(f"{seed}:organizations:{unit}")
            for index in range(unit * PEOPLE_UNIT, min((unit + 1) * PEOPLE_UNIT, self.plan.organizations)):
                joined = self.org_times[index]
                ready = max(1, bisect.bisect_left(self.person_times, joined))
                representative = self.persons[rng.randrange(min(ready, len(self.persons)))]
                applicant, org_type = generator.organization(
                    index=index, joined=datetime.fromtimestamp(joined, UTC), representative=representative, rng=rng)
                applicants.append(applicant)
                for kind in holdings(ORG_HOLDINGS, self.catalog, rng):
                    issuer = kind.issuer_for(applicant.region)
                    if issuer is None or org_type == "social_org":  # 社会团体 hold a registration certificate instead
                        continue
                    licence = plan_existing(kind, issuer, holder=len(applicants) - 1, born=None,
                                            go_live=self.go_live, now=now, rng=rng, extra=org_type)
                    if licence:
                        planned.append((index, licence))
                        requests.append(request_of(licence, (1, index, kind.id),
                                                   at=day_start(licence.issued) + 43_200))
            if len(applicants) % CHUNK < PEOPLE_UNIT:
                out.flush(order=self.people.all(), background=True)
        out.flush(order=self.people.all(), background=True)
        answers = numbered(number(requests), requests)
        rows = LicenseRows(tables=self.licenses, writer=out, seed=seed, now=now)
        data_rng, unit = random.Random(), -1
        holder: Holder | None = None
        for (index, licence), answer in zip(planned, answers, strict=True):
            if index // PEOPLE_UNIT != unit:
                unit = index // PEOPLE_UNIT
                data_rng = random.Random(f"{seed}:organization-license-data:{unit}")
            applicant = applicants[licence.holder]
            if holder is None or holder.number != applicant.id_number:
                holder = Holder(kind=HolderKind.ORGANIZATION, name=applicant.name, number=applicant.id_number,
                                county=applicant.region, county_name=self.county_names.get(applicant.region, ""),
                                representative=applicant.legal_rep_name)
            rows.write(licence, answer, holder, clean(licence.kind, surface(licence, holder, data_rng), holder),
                       source=LicenseSource.IMPORT, actor_label=rows.admin(licence.issuer))
        out.flush(order=self.licenses.all())
        out.wait()
        return PeopleResult(applicants=applicants, written=dict(out.written), licenses=rows.written)

    # -------------------------------------------------------------- cases

    def _cases(self) -> None:
        filler = FormFiller(self.rng, local_day(self.now.timestamp()))
        samples = {a.kind: a for a in (self.persons[:1] + self.organizations[:1])}
        targets = load_targets(filler=filler, samples=samples, catalog=self.catalog, echo=self.echo)
        self.world = CaseWorld(seed=self.plan.seed, now=self.now, years=self.plan.years, targets=targets,
                               persons=self.persons, organizations=self.organizations)
        days = self.world.day_counts(self.plan.cases, self.rng)
        slices = plan_slices(self.world, days, parts=self.jobs, first=self.first)
        started, cpu = time.perf_counter(), cpu_seconds()
        results: list[CaseResult] = run_phase(slices, self._cases_work, self.serials, forked=self.forked)
        for result in results:
            self._absorb(result.written)
            self.made += result.made
            self.issued += result.licenses
            self.used_counters.update(result.used)
            for status, count in result.statuses.items():
                self.statuses[status] = self.statuses.get(status, 0) + count
        rows = sum(sum(r.written.values()) for r in results)
        waited = max((r.waited for r in results), default=0.0)
        self.echo(f"  办件写入完成：{self.made:,} 件（准予后颁发电子证照 {sum(r.licenses for r in results):,} 份），"
                  f"{_rate(self.made, started)} 件/秒，{_rate(rows, started)} 行/秒（共 {time.perf_counter() - started:.0f} "
                  f"秒，其中等待数据库写入最多 {waited:.0f} 秒；生成进程 CPU {cpu_seconds() - cpu:.0f} 秒）")

    def _cases_work(self, piece: CaseSlice, number: Number) -> CaseResult:
        w.fast_toast_compression()
        out = w.Writer(echo=self.echo)
        generator = CaseGenerator(world=self.world, piece=piece, tables=self.cases, writer=out)
        prefix = self._prefix(piece.index, self.jobs)
        phase = time.perf_counter()
        order = [*self.cases.all(), *self.licenses.all()]

        def flush(made: int, rows: int) -> None:
            out.flush(order=order, background=True)
            share = made * 100 // max(piece.cases, 1)
            self.echo(f"  {prefix}办件 {made:,}/{piece.cases:,}（{share}%）：{_rate(made, phase)} 件/秒，"
                      f"{_rate(rows, phase)} 行/秒")

        made, statuses = generator.run(chunk=CHUNK, flush=flush)
        requests = generator.requests()
        answers = numbered(number(requests), requests)
        rows = LicenseRows(tables=self.licenses, writer=out, seed=self.plan.seed, now=self.now.timestamp())
        generator.finish(answers, rows)
        out.flush(order=order)
        out.wait()
        return CaseResult(made=made, statuses=statuses, used=generator.used, written=dict(out.written),
                          waited=out.waited, licenses=rows.written)


def _vacuum(tables: Sequence[w.Table], echo: Echo) -> None:
    """VACUUM (ANALYZE) after the load, as autovacuum would soon: visibility maps for index-only scans."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table.name)}")
    echo(f"  VACUUM (ANALYZE)：用时 {time.perf_counter() - started:.1f} 秒")

