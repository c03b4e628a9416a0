"""`make bench`: every scenario of the earlier issues against the production profile with the large data set, beside
two baselines measured in the same run. `make bench-data` builds the data only; `bench/run.py --compare` prints
each scenario's p95 at the smallest and the largest data size found in bench/results/.

* Production profile on this machine (harness.production): PostgreSQL 15 with production-like settings
  (harness.PG_SETTINGS), one cluster per data size in var/bench/prod-<BENCH_CASES>/pg; a fresh redis-server on a
  free loopback port (cache and task queue: TONGBAN_REDIS_URL, TONGBAN_TASK_BACKEND=django_tasks_rq.RQBackend);
  BENCH_RQ_WORKERS (2) × ``manage.py rqworker default`` and one scheduling ``manage.py run_worker``; gunicorn with
  BENCH_WORKERS (4) processes; nginx in front (deploy/nginx/tongban.conf, one worker process; BENCH_NGINX=0 for
  gunicorn alone). The load goes through nginx; one extra baseline hits gunicorn directly, so that nginx's own
  cost shows beside the bare baseline.
* Data (harness.generated_data): migrate, the Yunnan demo data, ``generate_load_data --users BENCH_USERS --cases
  BENCH_CASES`` (1,000,000 and 5,000,000), built once and reused while its fingerprint holds.
* Setup, not measured: drafts ready for submission and signed-in window clerks of the busiest department
  (bench/cases.py), the generated persons with the most cases signed in, published implementations for guide
  pages, licences to verify (issued through the real service when the data has fewer than 20), EXPLAIN (ANALYZE)
  of the queue page's queries.
* Load from a separate process (bench/loadgen.py), BENCH_CONCURRENCY (8) clients for BENCH_SECONDS (15) per
  scenario; see docs/operations/benchmarks.md for what each scenario measures.

Prints scenario, requests/s, p50, p95, p99, errors and the ratio to the bare baseline; writes
bench/results/bench-<cases>-<timestamp>.json (machine load, data size and build time, git commit). A benchmark,
not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import auth
import cases
import licenses
from catalog import QUERIES
from harness import (
    BASELINE,
    BASELINE_PATHS,
    CONCURRENCY,
    PG_SETTINGS,
    PROD_WORKERS,
    ROOT,
    RQ_WORKERS,
    SEED,
    columns,
    generated_data,
    git_commit,
    load,
    machine,
    manage,
    padded,
    postgres,
    production,
    report,
    shell,
    task_queue,
)

CASES = int(os.environ.get("BENCH_CASES", "5000000"))
USERS = int(os.environ.get("BENCH_USERS", "1000000"))
HERE = ROOT / "var" / "bench" / f"prod-{CASES}"
CLUSTER, APP = HERE / "pg", HERE / "app"
RESULTS = ROOT / "bench" / "results"
GUIDES = 200  # implementations whose guide pages are requested
LICENCES = 200  # licences whose verification pages are requested
LICENCES_MIN = 20  # fewer in the data: issue this many through the real service first
DRAFTS = int(os.environ.get("BENCH_DRAFTS", "500"))  # drafts prepared for submission (about 3 minutes per 1,000)
DRAIN_SECONDS = 120  # how long to wait for the task queue to empty after the submissions

HEALTH = "baseline: one-query endpoint"
DIRECT = "baseline: bare JSON endpoint, gunicorn direct (no nginx)"
HOME = "home page"
GUIDE = "item guide page"
SEARCH_PAGE = "search page"
SEARCH_API = "search API"
LOGIN = "password login"
MY_CASES_PAGE = "my cases page"
MY_CASES_API = "my cases API (bearer)"
VERIFY = "licence verification page"

# Runs inside `manage.py shell -c` (ARGS replaced by JSON) after auth.LOGIN_RESET: the generated persons with the
# most cases of their own, signed in; published implementations for the guide pages; licences to verify; sizes.
SETUP = r"""
import json, random
from django.contrib.auth import get_user_model
from django.db.models import Count
from tongban.cases.models import Case
from tongban.catalog import selectors as catalog_selectors
from tongban.identity.models import Person
from tongban.identity.sessions import session_open
from tongban.licenses.models import License

PEOPLE, GUIDES, LICENCES, SEED = json.loads('ARGS')
rng = random.Random(SEED)
busiest = list(Case.objects.filter(organization__isnull=True, applicant_user__kind="person")
               .values("applicant_user_id").annotate(n=Count("id")).order_by("-n")[:PEOPLE])
users = get_user_model().objects.in_bulk([row["applicant_user_id"] for row in busiest])
people = [{"token": session_open(user=users[row["applicant_user_id"]], ip="127.0.0.1", user_agent="tongban-bench").token,
           "cases": row["n"]} for row in busiest]
codes = sorted(catalog_selectors.implementation_list().values_list("code", flat=True))
licences = list(License.objects.order_by("-id").values_list("identifier", flat=True)[:LICENCES])
print(json.dumps({"people": people, "guides": rng.sample(codes, min(GUIDES, len(codes))), "licences": licences,
                  "sizes": {"cases": Case.objects.count(), "users": get_user_model().objects.count(),
                            "persons": Person.objects.count(), "licences": License.objects.count(),
                            "implementations": len(codes)}}))
"""


def _setup(url: str, env: dict[str, str]) -> dict[str, Any]:
    """Everything the scenarios need, made through the app's own services (not measured; ``env``: the production
    profile's, so that background work lands in its queue)."""
    started = time.perf_counter()
    args = json.dumps([CONCURRENCY, GUIDES, LICENCES, SEED])
    found = dict(shell(APP, auth.LOGIN_RESET + SETUP.replace("ARGS", args), url, **env))
    if len(found["licences"]) < LICENCES_MIN:
        print(f"数据中只有 {len(found['licences'])} 本证照：通过签发服务再签发 {LICENCES_MIN} 本", flush=True)
        manage(APP, "licenses_setup", database_url=url, **env)
        issued = licenses.collect([licenses.issue(APP, url, LICENCES_MIN, 300_000, 0, **env)])
        found["licences"] += issued[0]["identifiers"]
        found["sizes"]["licences"] += len(issued[0]["identifiers"])
    print(f"准备：{len(found['people'])} 个办件最多的申请人（各 {', '.join(str(p['cases']) for p in found['people'])} "
          f"件）、{len(found['guides'])} 个办事指南、{len(found['licences'])} 本待核验证照，"
          f"用时 {time.perf_counter() - started:.0f} 秒")
    found["drafts_and_clerks"] = cases.prepare(APP, url, DRAFTS, **env)
    found["explain"] = cases.explain(APP, url, found["drafts_and_clerks"])
    return found


def _scenarios(setup: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Scenario name → load mode and spec (bench/loadgen.py), in the order they run: reads first, then the
    writes (logins, submissions) whose background work could spill into the next scenario."""
    cookies = [{"Cookie": f"sessionid={p['token']}"} for p in setup["people"]]
    bearers = [{"Authorization": f"Bearer {p['token']}"} for p in setup["people"]]
    worked = cases.scenarios(setup["drafts_and_clerks"])
    return {
        BASELINE: ("get", {"paths": BASELINE_PATHS}),
        DIRECT: ("get", {"paths": BASELINE_PATHS, "via": "gunicorn"}),  # beside BASELINE: what nginx costs
        HEALTH: ("get", {"paths": ["/api/v1/health"]}),
        HOME: ("get", {"paths": ["/"]}),
        GUIDE: ("get", {"paths": [f"/guide/{code}/" for code in setup["guides"]]}),
        SEARCH_PAGE: ("get", {"paths": [f"/search/?q={q}" for q in QUERIES]}),
        SEARCH_API: ("get", {"paths": [f"/api/v1/search?q={q}" for q in QUERIES]}),
        MY_CASES_PAGE: ("get", {"paths": ["/my/cases/"], "headers": cookies, "expect": 'class="cases"'}),
        MY_CASES_API: ("get", {"paths": ["/api/v1/applicant/cases?limit=20"], "headers": bearers}),
        cases.QUEUE: worked[cases.QUEUE],
        VERIFY: ("get", {"paths": [f"/verify/{identifier}/" for identifier in setup["licences"]]}),
        LOGIN: auth.LOGIN,
        cases.SUBMISSION: worked[cases.SUBMISSION],
    }


def _drain(redis_url: str) -> dict[str, Any]:
    """Wait (at most DRAIN_SECONDS) for the RQ workers to finish the background tasks of the run."""
    started = time.perf_counter()
    backlog = task_queue(redis_url)
    while (now := task_queue(redis_url))["waiting"] + now["running"] and time.perf_counter() - started < DRAIN_SECONDS:
        time.sleep(0.5)
    return {"backlog_after_submissions": backlog["waiting"] + backlog["running"],
            "left": now["waiting"] + now["running"], "failed": now["failed"],
            "drained_s": round(time.perf_counter() - started, 1)}


def bench() -> int:
    started = time.perf_counter()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    before = machine()
    with postgres(CLUSTER) as url:
        data = generated_data(HERE, url, cases=CASES, users=USERS)
        # Started before the setup, so that every gunicorn worker has warmed up (search index) before the first
        # scenario. One load client, one address: the verification limiter would answer 429.
        with production(APP, url, TONGBAN_LICENSE_VERIFY_LIMIT="0") as profile:
            setup = _setup(url, profile.env)
            setup_s = round(time.perf_counter() - started, 1)
            results: dict[str, dict[str, Any]] = {}
            loads: dict[str, float] = {}
            for name, (mode, spec) in _scenarios(setup).items():
                print(f"  {name} …", flush=True)
                direct = spec.pop("via", "") == "gunicorn"
                if direct and not profile.nginx:
                    continue  # BENCH_NGINX=0: the bare baseline is already gunicorn's own
                results[name] = load(profile.direct if direct else profile.base, mode, spec)
                loads[name] = round(os.getloadavg()[0], 2)  # the machine is shared: say how busy it was
            tasks = _drain(profile.redis_url)
    sizes = setup["sizes"]
    prepared = setup["drafts_and_clerks"]
    run_s = round(time.perf_counter() - started, 1)
    report(f"bench-{CASES}-{stamp}",
           f"make bench: {sizes['cases']:,} cases, {sizes['users']:,} accounts, production profile "
           f"(PostgreSQL 15, Redis, RQ x{RQ_WORKERS}; rps counts successful requests only)",
           results, workers=PROD_WORKERS, cases=CASES, users=USERS, sizes=sizes, data=data, git_commit=git_commit(),
           machine={"before": before, "after": machine()}, load_average=loads, postgres=PG_SETTINGS,
           profile={"gunicorn_workers": PROD_WORKERS, "rq_workers": RQ_WORKERS, "scheduler": 1, "nginx": profile.nginx,
                    "task_backend": "django_tasks_rq.RQBackend", "cache": "tongban.core.cache.ResilientRedisCache"},
           tasks=tasks, my_cases=[p["cases"] for p in setup["people"]], busy_department=prepared["department"],
           queues=setup["explain"]["counts"], explain=setup["explain"]["plans"],
           submission={"drafts_prepared": len(prepared["drafts"]),
                       "pool_exhausted": results[cases.SUBMISSION].get("pool_exhausted", False)},
           setup_s=setup_s, run_s=run_s)
    print(f"data: {sizes['cases']:,} cases, {sizes['users']:,} accounts, {sizes['licences']:,} licences; built in "
          f"{data.get('build_s', '?')}s{' (reused)' if data.get('reused') else ''}; setup {setup_s}s; whole run "
          f"{run_s}s; 1-minute load average after each scenario: {', '.join(str(v) for v in loads.values())} on "
          f"{os.cpu_count()} CPUs; git {git_commit()}")
    print(f"background tasks (RQ): {tasks['backlog_after_submissions']} waiting or running after the submissions, "
          f"{tasks['left']} left after {tasks['drained_s']}s; {tasks['failed']} failed in the whole run "
          f"(worker logs: {HERE.relative_to(ROOT)}/worker-*.log)")
    if note := cases.exhausted_note(results[cases.SUBMISSION], len(prepared["drafts"])):
        print(note)
    compare()
    return 1 if any(r["errors"] for r in results.values()) or tasks["left"] or tasks["failed"] else 0


def compare() -> None:
    """Each scenario's p95 at the smallest and the largest data size in bench/results/ (latest run of each)."""
    latest: dict[int, tuple[Path, dict[str, Any]]] = {}
    for path in sorted(RESULTS.glob("bench-*-*.json")):  # the timestamp sorts them: later runs win
        found = json.loads(path.read_text(encoding="utf-8"))
        latest[int(found["cases"])] = (path, found)
    if len(latest) < 2:
        print(f"\n比较：bench/results/ 中只有 {len(latest)} 种数据规模的结果（需要两种，例如 BENCH_CASES=10000 和 5000000）")
        return
    (small_path, small), (large_path, large) = latest[min(latest)], latest[max(latest)]
    print(f"\np95 by data size: {min(latest):,} cases ({small_path.name}) vs {max(latest):,} cases ({large_path.name}); "
          "'vs baseline': the change of p95 / bare-baseline p95, which discounts a busier machine")
    width = max(columns(name) for name in small["scenarios"]) + 1
    print(f"{'scenario':{width}} {'p95 small':>10} {'p95 large':>10} {'change':>8} {'vs baseline':>12} "
          f"{'rps small':>10} {'rps large':>10}")
    base_small, base_large = small["scenarios"][BASELINE]["p95_ms"], large["scenarios"][BASELINE]["p95_ms"]
    for name, one in small["scenarios"].items():
        other = large["scenarios"].get(name)
        if other is None or not one["p95_ms"] or not base_large:
            continue
        change = other["p95_ms"] / one["p95_ms"]
        relative = change * base_small / base_large
        print(f"{padded(name, width)} {one['p95_ms']:10.1f} {other['p95_ms']:10.1f} {change:7.2f}x {relative:11.2f}x "
              f"{one['rps']:10.1f} {other['rps']:10.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-only", action="store_true", help="build (or check) the data set and stop")
    parser.add_argument("--compare", action="store_true", help="only compare the results in bench/results/")
    args = parser.parse_args()
    if args.compare:
        compare()
    elif args.data_only:
        started = time.perf_counter()
        with postgres(CLUSTER) as url:
            data = generated_data(HERE, url, cases=CASES, users=USERS)
        print(f"数据就绪：{HERE.relative_to(ROOT)}（{time.perf_counter() - started:.0f} 秒；"
              f"{'复用' if data['reused'] else '新建'}）")
    else:
        sys.exit(bench())


if __name__ == "__main__":
    main()
