"""Redis down: pages still serve, a citizen's submission still succeeds, and nothing it announced is lost.

The production profile runs against this test's Redis: the cache (rate limits of the public licence verification
and of the progress look-up) and the RQ task queue, with gunicorn (2 workers), one scheduler (``manage.py
run_worker``) and one RQ worker. Redis is killed (SIGKILL: its queued jobs are lost with it) and the test checks that

* the home page, an item guide and the public licence verification page answer 200, quickly (the cache falls
  back to a per-process memory cache: ``tongban.core.cache.ResilientRedisCache``);
* a citizen signs in, fills in a draft, uploads a material and submits it through the API: 201, and the case's
  ``case.submitted`` event is committed with the case (the dispatch that ``outbox_emit`` enqueues on commit is
  refused by Redis; the failure is logged, not shown to the citizen);
* the event still reaches its consumers while Redis is down — the scheduler runs the due outbox dispatch itself
  when the queue refuses it — so the citizen's "申请已提交" notice arrives;
* when Redis comes back (empty), the RQ worker runs the queue again: a withdrawal of the case is delivered
  through RQ, with the same gunicorn and scheduler processes throughout. The RQ worker reconnects by itself when
  Redis went away while it waited for a job; when a job was running at that moment it quits (rq 2.12), and its
  supervisor must start it again — the test does so, as systemd's ``Restart=always`` would.
"""

from __future__ import annotations

import pytest

from tests.faults.citizen import ITEM_GUIDE, Citizen, delivered, event_of
from tests.faults.conftest import Stack, http, wait_for, warm

pytestmark = pytest.mark.faults

PAGE_SECONDS = 3.0  # the slowest of a page's answers while Redis is down (under 0.2 s when the machine is idle)


def test_redis_down_pages_serve_a_submission_succeeds_and_its_event_is_delivered(demo_stack: Stack) -> None:
    from rq.registry import FinishedJobRegistry

    stack = demo_stack
    redis = stack.with_redis()
    env = stack.env(TONGBAN_OUTBOX_DISPATCH_SECONDS="1")
    scheduler = stack.manage_process("scheduler", "run_worker", env=env)
    worker = stack.rqworker("rqworker", env)
    app, base = stack.gunicorn(env, workers=2)
    (licence,) = stack.query("SELECT identifier FROM licenses_license WHERE status = '01' ORDER BY id LIMIT 1")[0]
    pages = ["/", ITEM_GUIDE, f"/verify/{licence}/"]
    warm(base, pages)

    redis.kill()
    for page in pages:
        replies = [http("GET", f"{base}{page}") for _ in range(5)]
        assert all(reply.status == 200 for reply in replies), \
            f"{page} with Redis down: {[(r.status, r.error) for r in replies]}\n{stack.logs()}"
        slowest = max(reply.seconds for reply in replies)
        assert slowest < PAGE_SECONDS, f"{page} took {slowest:.1f} s with Redis down"
    assert "有效" in http("GET", f"{base}/verify/{licence}/").body.decode()  # really verified, not an error text

    citizen = Citizen(base)
    citizen.sign_in()
    case_id = citizen.submit_a_case()
    submitted = event_of(stack, case_id, "case.submitted")  # committed with the case
    wait_for("the submission's event to reach its consumers with Redis down", lambda: delivered(stack, submitted),
             timeout=60, explain=stack.logs)
    assert "申请已提交" in citizen.notice_titles()
    logged = (stack.folder / "gunicorn.log").read_text(errors="replace")
    assert "could not enqueue the outbox dispatch" in logged, "the refused enqueue is logged"
    assert "running it in the scheduler" in (stack.folder / "scheduler.log").read_text(errors="replace")

    redis.start()  # empty: the jobs it held are gone
    if not worker.alive():
        # rq 2.12 waits for Redis (with back-off) only while it waits for a job; when Redis vanishes during a job,
        # the worker quits. Its supervisor starts it again (systemd Restart=always; the test stands in for it).
        log = worker.log.read_text(errors="replace")
        assert "found an unhandled exception, quitting" in log and "ConnectionError" in log, log[-3000:]
        print("the RQ worker was running a job when Redis went away: it quit and is started again")
        worker = stack.rqworker("rqworker-restarted", env)
    withdrawn = citizen.call("POST", f"/applicant/cases/{case_id}/withdrawal", {"reason": "信息填写有误"})
    assert withdrawn.status == 200, withdrawn.body[:500]
    withdrawal = event_of(stack, case_id, "case.withdrawn")
    wait_for("the withdrawal's event to be delivered through RQ again", lambda: delivered(stack, withdrawal),
             timeout=90, explain=stack.logs)
    assert "申请已撤回" in citizen.notice_titles()
    assert FinishedJobRegistry("default", connection=redis.client()).get_job_ids(), \
        "the RQ worker reconnected and ran jobs again after Redis came back"
    assert worker.alive() and scheduler.alive() and app.alive(), "gunicorn and the scheduler were not restarted"
