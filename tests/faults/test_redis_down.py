"""Redis hung, then gone: pages still serve, citizens' submissions succeed, and nothing they announced is lost.

The production profile runs against this test's Redis: the cache (rate limits of the public licence verification
and of the progress look-up) and the RQ task queue, with gunicorn (2 workers), one scheduler (``manage.py
run_worker``) and one RQ worker.

* **Redis hangs** (SIGSTOP: connections are accepted, nothing answers). The home page, an item guide and the
  public licence verification page answer 200 quickly: the cache (``tongban.core.cache.ResilientRedisCache``)
  gives up after 0.5 s and serves from a per-process memory cache for a while. A citizen signs in and submits
  three cases through the applicant API (draft, form data, an uploaded material, submission): all 201. The
  dispatch that ``outbox_emit`` enqueues on commit waits for the queue's socket time-out (5 s) — but only once per
  gunicorn process: after that the process does not ask the queue again for 30 s (``tongban.core.cache.QUEUE_PAUSE``).
* **Redis is killed** (SIGKILL: its queued jobs are lost with it). The pages still answer 200 quickly; the citizen
  withdraws one case (200). Every event — three submissions, one withdrawal — is committed with its case and reaches
  its consumers while Redis is down, because the scheduler runs the due outbox dispatch itself when the queue fails:
  the citizen's notices ("申请已提交", "申请已撤回") arrive.
* **Redis comes back**, empty. The RQ worker runs the queue again: the withdrawal of another case is delivered
  through RQ, with the same gunicorn and scheduler processes throughout. The RQ worker reconnects by itself when
  Redis went away while it waited for a job; when a job was running at that moment it quits (rq 2.12), and its
  supervisor must start it again — the test does so, as systemd's ``Restart=always`` would.
"""

from __future__ import annotations

import signal

import pytest

from tests.faults.citizen import ITEM_GUIDE, Citizen, delivered, event_of
from tests.faults.conftest import Stack, http, wait_for, warm

pytestmark = pytest.mark.faults

PAGE_SECONDS = 3.0  # the slowest of a page's answers while Redis is down (under 0.2 s when the machine is idle)


def test_redis_down_pages_serve_submissions_succeed_and_their_events_are_delivered(demo_stack: Stack) -> None:
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

    def pages_serve(state: str) -> None:
        for page in pages:
            replies = [http("GET", f"{base}{page}") for _ in range(5)]
            assert all(reply.status == 200 for reply in replies), \
                f"{page} with Redis {state}: {[(r.status, r.error) for r in replies]}\n{stack.logs()}"
            slowest = max(reply.seconds for reply in replies)
            assert slowest < PAGE_SECONDS, f"{page} took {slowest:.1f} s with Redis {state}"
        assert "有效" in http("GET", f"{base}/verify/{licence}/").body.decode()  # really verified, not an error

    assert redis.process is not None
    redis.process.send_signal(signal.SIGSTOP)
    pages_serve("hung")
    citizen = Citizen(base)
    citizen.sign_in()
    cases = [citizen.submit_a_case() for _ in range(3)]
    slow = [seconds for seconds in citizen.submission_seconds if seconds >= PAGE_SECONDS]
    print(f"submissions with Redis hung: {[round(s, 1) for s in citizen.submission_seconds]} s")
    assert len(slow) <= 2, f"more slow submissions than gunicorn processes: {citizen.submission_seconds}"

    redis.kill()
    pages_serve("gone")
    withdrawn = citizen.call("POST", f"/applicant/cases/{cases[0]}/withdrawal", {"reason": "信息填写有误"})
    assert withdrawn.status == 200 and withdrawn.seconds < PAGE_SECONDS, (withdrawn.seconds, withdrawn.body[:500])
    events = [event_of(stack, case, "case.submitted") for case in cases]
    events.append(event_of(stack, cases[0], "case.withdrawn"))
    wait_for("the events to reach their consumers with Redis down", lambda: all(
        delivered(stack, event) for event in events), timeout=60, explain=stack.logs)
    titles = citizen.notice_titles()
    assert titles.count("申请已提交") == 3 and "申请已撤回" in titles
    assert "could not enqueue the outbox dispatch" in (stack.folder / "gunicorn.log").read_text(errors="replace")
    assert "running due jobs in the scheduler" in (stack.folder / "scheduler.log").read_text(errors="replace")

    redis.start()  # empty: the jobs it held are gone
    withdrawn = citizen.call("POST", f"/applicant/cases/{cases[1]}/withdrawal", {"reason": "信息填写有误"})
    assert withdrawn.status == 200, withdrawn.body[:500]
    withdrawal = event_of(stack, cases[1], "case.withdrawn")
    workers = [worker]

    def supervised_delivery() -> bool:
        """The RQ worker's supervisor (systemd Restart=always) starts it again if it quit: rq 2.12 waits for Redis
        (with back-off) when a connection is refused while it waits for a job, but quits when Redis vanishes
        during a job or stops answering."""
        if not workers[-1].alive():
            log = workers[-1].log.read_text(errors="replace")
            assert "Redis connection timeout, quitting" in log or ("found an unhandled exception, quitting" in log and (
                "ConnectionError" in log or "TimeoutError" in log)), log[-3000:]
            print(f"{workers[-1].name} quit when Redis hung or went away: started again")
            assert len(workers) < 3, "the worker keeps quitting"
            workers.append(stack.rqworker(f"rqworker-{len(workers) + 1}", env))
        # Within 30 s of the last failure the app and the scheduler still skip the queue (the scheduler's own
        # dispatch may deliver the withdrawal first); after that the jobs go through RQ again.
        ran_jobs_again = bool(FinishedJobRegistry("default", connection=redis.client()).get_job_ids())
        return delivered(stack, withdrawal) and ran_jobs_again

    wait_for("the withdrawal's event to be delivered and the RQ worker to run jobs again", supervised_delivery,
             timeout=120, explain=stack.logs)
    assert citizen.notice_titles().count("申请已撤回") == 2
    assert workers[-1].alive() and scheduler.alive() and app.alive(), "gunicorn and the scheduler were not restarted"
