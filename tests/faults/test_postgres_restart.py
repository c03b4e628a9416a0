"""PostgreSQL restarted under load: the app recovers by itself, without restarting gunicorn.

gunicorn (2 worker processes × 4 threads, as `make run-prod` runs it) serves the demo data from this test's
database; two threads request the load balancers' probe ``/api/v1/health`` (one query) and an item guide (a real
page of several queries) over and over while ``pg_ctl restart -m fast`` ends every database session and brings the
server back. Requests during the restart fail with a 5xx answer (never a dropped connection: the workers stay
up); every request begun once PostgreSQL is back succeeds, with the same worker processes. A second restart while
the app is idle leaves every thread with a dead connection that no failed request has revealed: not one request
fails after it either. The background side
recovers as well: after the restart a citizen submits a case, and the scheduler and the RQ worker, which also lost
their connections, deliver its event. What makes this work: Django's persistent connections (``conn_max_age=60``)
are checked before their first use in each request or worker round (``conn_health_checks=True``), so a connection
the restart killed is replaced instead of failing the request.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.faults.citizen import ITEM_GUIDE, Citizen, delivered, event_of
from tests.faults.conftest import Load, Stack, burst, children_of, wait_for, warm

pytestmark = pytest.mark.faults

STREAK = 50  # consecutive 200s per URL that count as recovered


def test_postgresql_restarted_under_load_the_app_recovers_without_a_restart(demo_stack: Stack) -> None:
    demo_stack.with_redis()
    env = demo_stack.env(TONGBAN_OUTBOX_DISPATCH_SECONDS="1")
    scheduler = demo_stack.manage_process("scheduler", "run_worker", env=env)
    worker = demo_stack.rqworker("rqworker", env)
    app, base = demo_stack.gunicorn(env, workers=2)
    workers = children_of(app.pid)
    warm(base, ["/api/v1/health", ITEM_GUIDE])
    urls = [f"{base}/api/v1/health", f"{base}{ITEM_GUIDE}"]

    with Load(urls) as load:
        wait_for("a warm, steady load", lambda: all(load.streak(url) >= 20 for url in urls), timeout=60,
                 explain=demo_stack.logs)
        down = time.monotonic()
        demo_stack.postgres.restart()
        back = time.monotonic()
        # A streak may begin with requests that were in flight during the restart: wait for STREAK requests begun
        # after it as well, which is what the assertions below count.
        wait_for(f"{STREAK} successes in a row, and as many begun after the restart, on every URL", lambda: all(
            load.streak(url) >= STREAK and load.started_after(url, back) >= STREAK for url in urls),
            timeout=60, explain=demo_stack.logs)
    records = load.snapshot()

    assert all(r.status == 200 for r in records if r.ended < down), "the load was clean before the restart"
    failed = [r for r in records if r.status != 200]
    summary = (f"restart took {back - down:.1f} s; {len(records)} requests, {len(failed)} failed: "
               f"{dict(Counter((r.url.removeprefix(base), r.status, r.error[:60]) for r in failed))}")
    print(summary)
    assert all(r.status >= 500 for r in failed), f"a failure without an HTTP answer (a worker died?): {summary}"
    late = [r for r in failed if r.started > back]
    assert not late, f"requests begun after PostgreSQL was back failed (stale connections?): {late}\n{summary}"
    for url in urls:
        assert sum(1 for r in records if r.url == url and r.started > back) >= STREAK
    assert app.alive() and children_of(app.pid) == workers, "the same gunicorn workers served throughout"

    # Restarted while the app is idle (a fail-over at night): every thread's persistent connection is dead, and
    # none of them learnt it from a failed request. The health check replaces each before its first use.
    warm(base, [ITEM_GUIDE])
    demo_stack.postgres.restart()
    replies = burst(base, ["/api/v1/health", ITEM_GUIDE])
    failures = [(path, reply.status) for path, reply in replies if reply.status != 200]
    assert not failures, f"stale connections after an idle restart: {failures}"
    assert children_of(app.pid) == workers

    citizen = Citizen(base)
    citizen.sign_in()
    case_id = citizen.submit_a_case()
    event_id = event_of(demo_stack, case_id, "case.submitted")
    wait_for("the scheduler and the RQ worker to deliver an event after the restart",
             lambda: delivered(demo_stack, event_id), timeout=60, explain=demo_stack.logs)
    assert scheduler.alive() and worker.alive(), "no process had to be restarted"
