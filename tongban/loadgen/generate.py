"""``manage.py generate_load_data``: applicants, then cases with their history, in one transaction."""

from __future__ import annotations

import bisect
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from tongban.catalog import selectors as catalog_selectors
from tongban.core.errors import Conflict
from tongban.directory.selectors import region_rows
from tongban.loadgen import writer as w
from tongban.loadgen.cases import CaseGenerator, CaseTables, Ids, counters_since, load_targets, local_day
from tongban.loadgen.forms import FormFiller
from tongban.loadgen.people import Applicant, PeopleGenerator, PeopleTables, taken_indexes

SQLITE_MAX_CASES = 50_000
CHUNK = 20_000
# Rows per case, to decide whether a table's indexes are rebuilt after the load rather than kept during it.
ROWS_PER_CASE = {"case": 1.0, "event": 5.5, "step": 2.0, "special": 0.01, "supplement": 0.08}
REBUILD_FROM_ROWS = 20_000


@dataclass(frozen=True)
class Plan:
    cases: int
    applicants: int
    seed: int
    years: float
    vacuum: bool = True


def check_plan(plan: Plan) -> None:
    """Refuse what this database cannot take, before anything is written."""
    if connection.vendor == "sqlite" and plan.cases > SQLITE_MAX_CASES:
        raise Conflict(
            f"SQLite 上最多生成 {SQLITE_MAX_CASES:,} 个办件（要求 {plan.cases:,} 个）：大数据量请使用 PostgreSQL"
            "（设置 DATABASE_URL），批量写入用 COPY。", code="sqlite_too_small")
    if plan.cases < 0 or plan.applicants < 1 or plan.years <= 0:
        raise Conflict("办件数不能为负，申请人至少 1 个，年数须大于 0。", code="bad_plan")
    if not catalog_selectors.implementation_list().exists():
        raise Conflict("没有已发布的实施清单：请先加载演示数据（manage.py load_demo_data）。", code="no_catalog")


def _rate(count: int, started: float) -> str:
    seconds = max(time.perf_counter() - started, 1e-6)
    return f"{count / seconds:,.0f}"


def generate(plan: Plan, *, echo: Callable[[str], None]) -> dict[str, int]:
    """Write the plan's applicants and cases; returns rows written per table."""
    check_plan(plan)
    started = time.perf_counter()
    rng = random.Random(plan.seed)
    now = timezone.now()
    people, cases = PeopleTables.make(), CaseTables.make()
    out = w.Writer(echo=echo)
    with transaction.atomic():
        w.lock([*people.all(), *cases.all()])
        if w.fast_toast_compression():
            echo("  大字段压缩：lz4（本次写入）")
        deferred = w.drop_secondary(_to_rebuild(plan, people, cases))
        if deferred.tables:
            echo(f"  大批量写入：先删除再重建 {', '.join(deferred.tables)} 的二级索引和约束")
        ids = Ids({name: w.reserve_ids(table, 0) for name, table in (
            ("case", cases.case), ("event", cases.event), ("step", cases.step), ("special", cases.special),
            ("supplement", cases.supplement))})
        persons, organizations = _people(plan, rng, now, people, out, echo)
        filler = FormFiller(rng, local_day(now.timestamp()))
        samples = {a.kind: a for a in (persons[:1] + organizations[:1])}
        targets = load_targets(filler=filler, samples=samples, echo=echo)
        generator = CaseGenerator(
            rng=rng, now=now, years=plan.years, targets=targets, persons=persons, organizations=organizations,
            tables=cases, writer=out, ids=ids, counters=counters_since(
                local_day(now.timestamp()) - timedelta(days=round(plan.years * 365))))
        phase = time.perf_counter()

        def flush(made: int, rows: int) -> None:
            out.flush(order=cases.all(), background=True)
            share = made * 100 // max(plan.cases, 1)
            echo(f"  办件 {made:,}/{plan.cases:,}（{share}%）：{_rate(made, phase)} 件/秒，{_rate(rows, phase)} 行/秒")

        made, statuses = generator.run(plan.cases, chunk=CHUNK, flush=flush)
        out.wait()
        echo(f"  办件写入完成：{made:,} 件，{_rate(made, phase)} 件/秒（其中等待数据库写入 {out.waited:.0f} 秒，"
             f"共 {time.perf_counter() - phase:.0f} 秒）")
        echo(f"  办件编号计数器：{generator.write_counters():,} 行（下一次真实提交接续最后的序号）")
        for table in [*people.all(), *cases.all()]:
            w.sync_sequence(table)
        w.rebuild(deferred, echo)
        if not (plan.vacuum and w.is_postgres()):
            w.analyze([*people.all(), *cases.all()], echo)
    if plan.vacuum and w.is_postgres():
        _vacuum([*people.all(), *cases.all()], echo)
    total = sum(out.written.values())
    echo("  办件状态：" + "，".join(f"{status} {count:,}" for status, count in
                                 sorted(statuses.items(), key=lambda kv: -kv[1])))
    echo(f"完成：{made:,} 个办件、{len(persons):,} 个自然人、{len(organizations):,} 个法人，共写入 {total:,} 行，"
         f"用时 {time.perf_counter() - started:.1f} 秒（{_rate(total, started)} 行/秒）。")
    return dict(out.written)


def _to_rebuild(plan: Plan, people: PeopleTables, cases: CaseTables) -> list[w.Table]:
    expected = {cases.case.name: plan.cases * ROWS_PER_CASE["case"],
                cases.event.name: plan.cases * ROWS_PER_CASE["event"],
                cases.step.name: plan.cases * ROWS_PER_CASE["step"],
                people.user.name: plan.applicants * 1.2, people.person.name: plan.applicants,
                people.assurance.name: plan.applicants}
    tables = [*people.all(), *cases.all()]
    return [t for t in tables if expected.get(t.name, 0) >= REBUILD_FROM_ROWS and expected[t.name] > w.row_count(t)]


def _people(plan: Plan, rng: random.Random, now: datetime, tables: PeopleTables, out: w.Writer,
            echo: Callable[[str], None]) -> tuple[list[Applicant], list[Applicant]]:
    """Persons and organisations, registered over a period starting a year before the first case."""
    started = time.perf_counter()
    counties = [(code, name) for code, name, *_ in region_rows(root_code=None, min_level=3, max_level=3)]
    if not counties:
        raise Conflict("没有县级区划：请先加载演示数据（manage.py load_demo_data）。", code="no_regions")
    phones, numbers = taken_indexes()
    generator = PeopleGenerator(
        tables=tables, writer=out, rng=rng, counties=counties, first_user_id=w.reserve_ids(tables.user, 0),
        first_person_id=w.reserve_ids(tables.person, 0), first_assurance_id=w.reserve_ids(tables.assurance, 0),
        first_org_id=w.reserve_ids(tables.organization, 0), taken_phone_indexes=phones, taken_id_indexes=numbers)
    span = (plan.years + 1) * 365 * 86_400
    begin = now.timestamp() - span
    n_orgs = plan.applicants // 6 if plan.applicants >= 6 else 0
    n_persons = plan.applicants - n_orgs
    times = sorted(begin + rng.random() * (span - 86_400) for _ in range(n_persons))
    persons = []
    for index, joined in enumerate(times):
        persons.append(generator.person(joined=datetime.fromtimestamp(joined, UTC)))
        if (index + 1) % 50_000 == 0:
            out.flush(order=tables.all())
            echo(f"  自然人 {index + 1:,}/{n_persons:,}：{_rate(index + 1, started)} 个/秒")
    organizations = []
    org_times = sorted(begin + rng.random() * (span - 86_400) for _ in range(n_orgs))
    for joined in org_times:
        ready = max(1, bisect.bisect_left(times, joined))
        representative = persons[rng.randrange(ready)]
        organizations.append(generator.organization(joined=datetime.fromtimestamp(joined, UTC),
                                                    representative=representative))
    out.flush(order=tables.all())
    echo(f"  申请人：{len(persons):,} 个自然人、{len(organizations):,} 个法人，用时 {time.perf_counter() - started:.1f} 秒"
         f"（{_rate(len(persons) + len(organizations), started)} 个/秒）")
    return persons, organizations


def _vacuum(tables: list[w.Table], echo: Callable[[str], None]) -> None:
    """VACUUM (ANALYZE) after the load, as autovacuum would soon: visibility maps for index-only scans."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(table.name)}")
    echo(f"  VACUUM (ANALYZE)：用时 {time.perf_counter() - started:.1f} 秒")
