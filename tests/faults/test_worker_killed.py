"""A worker killed in the middle of an outbox handler: the handler runs again and its side effect happens once.

The worker is ``tests/faults/probe_worker.py``: the real ``manage.py rqworker`` or ``manage.py run_worker`` with
one more consumer, ``faults.probe``, which inserts a row into ``faults_side_effect`` in its transaction and then
sleeps. The test kills the worker with SIGKILL during that sleep (the whole RQ worker, parent and work horse, as
when its machine or container dies; then only a work horse, as the kernel's out-of-memory killer does), starts
another, and checks that the consumption ends ``done`` with every attempt counted and the side effect there
exactly once — written by the re-run, since PostgreSQL rolled the killed transaction back. The job queue does not
re-run anything (RQ leaves the killed job "started", or marks it failed; django-tasks-db leaves it RUNNING): the
outbox's lease (TONGBAN_OUTBOX_LEASE_SECONDS, 2 s here) and the scheduler's periodic dispatch do.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.conftest import HERE, ROOT, Stack, children_of, wait_for

pytestmark = pytest.mark.faults

PROBE = [sys.executable, str(HERE / "probe_worker.py")]
SIDE_EFFECTS = """CREATE TABLE faults_side_effect (
    id bigserial PRIMARY KEY, event_id bigint NOT NULL, pid integer NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp())"""
SLOW = "300"  # seconds the handler sleeps while the test kills its worker


def prepare(stack: Stack, *, rq: bool) -> tuple[dict[str, str], Path]:
    stack.query(SIDE_EFFECTS)
    markers = stack.folder / "markers"
    markers.mkdir()
    env = stack.env(rq=rq, TONGBAN_OUTBOX_LEASE_SECONDS="2", TONGBAN_OUTBOX_DISPATCH_SECONDS="1",
                    FAULTS_PROBE_DIR=str(markers))
    return env, markers


def emit(env: dict[str, str]) -> int:
    """Commit one ``faults.probe`` event through the real ``outbox_emit`` (which enqueues a dispatch on commit)."""
    done = subprocess.run([*PROBE, "emit"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[-1])


def starts(markers: Path, event_id: int) -> dict[int, str]:
    """Each run of the handler on the event: process id → RQ job id ("" on the database backend)."""
    return {int(path.name.rsplit("-", 1)[1]): path.read_text() for path in markers.glob(f"started-{event_id}-*")}


def consumption(stack: Stack, event_id: int) -> tuple[str, int] | None:
    rows = stack.query("SELECT status, attempts FROM core_outboxconsumption "
                       "WHERE consumer = 'faults.probe' AND event_id = %s", (event_id,))
    return (str(rows[0][0]), int(rows[0][1])) if rows else None


def side_effects(stack: Stack, event_id: int) -> list[int]:
    """The pids that wrote the side effect of the event (committed rows only)."""
    return [int(pid) for (pid,) in stack.query("SELECT pid FROM faults_side_effect WHERE event_id = %s", (event_id,))]


def killed_attempt_rolled_back(stack: Stack, event_id: int) -> None:
    """PostgreSQL ends the dead worker's session and rolls its transaction back; the claim (one attempt) stays."""
    def rolled_back() -> bool:
        busy = stack.query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND state LIKE 'idle in transaction%%'")
        return busy[0][0] == 0 and side_effects(stack, event_id) == []

    wait_for("the killed handler's transaction to roll back", rolled_back, timeout=15, explain=stack.logs)
    assert consumption(stack, event_id) == ("pending", 1)


def test_rq_worker_killed_mid_handler_the_outbox_runs_it_again_once(stack: Stack) -> None:
    from rq.job import Job
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    redis = stack.with_redis()
    env, markers = prepare(stack, rq=True)
    (markers / "sleep").write_text(SLOW)
    stack.manage_process("scheduler", "run_worker", env=env)  # only schedules under RQ: a dispatch every second
    first = stack.rqworker("rqworker-1", env, launcher=PROBE)
    event_id = emit(env)
    started = wait_for("the handler to start", lambda: starts(markers, event_id), timeout=90, explain=stack.logs)
    ((horse, killed_job),) = started.items()
    assert horse in children_of(first.pid), "RQ runs each job in a forked work horse"

    # The whole worker dies at once (machine or container lost): the parent, and the work horse, which RQ puts in a
    # process group of its own.
    os.kill(first.pid, signal.SIGKILL)
    os.kill(horse, signal.SIGKILL)
    first.popen.wait(timeout=10)
    killed_attempt_rolled_back(stack, event_id)
    connection = redis.client()
    assert killed_job in StartedJobRegistry("default", connection=connection), \
        "RQ keeps the dead worker's job as started (until its timeout; then failed as abandoned, never retried)"

    (markers / "sleep").unlink()
    second = stack.rqworker("rqworker-2", env, launcher=PROBE)
    wait_for("the consumption to be done", lambda: consumption(stack, event_id) == ("done", 2), timeout=90,
             explain=stack.logs)
    runs = starts(markers, event_id)
    assert len(runs) == 2 and runs[horse] == killed_job
    (rerun,) = set(runs) - {horse}
    assert runs[rerun] != killed_job, "the re-run is a later dispatch job, not RQ running the killed job again"
    assert side_effects(stack, event_id) == [rerun]
    assert Job.fetch(killed_job, connection=connection).get_status() == "started"

    # Out of memory: the kernel kills only the work horse. The worker survives, RQ marks the job failed (no retry);
    # the outbox runs the handler again after the lease, in a later dispatch job of the same worker.
    (markers / "sleep").write_text(SLOW)
    second_event = emit(env)
    started = wait_for("the handler to start", lambda: starts(markers, second_event), timeout=60,
                       explain=stack.logs)
    ((horse, killed_job),) = started.items()
    (markers / "sleep").unlink()
    os.kill(horse, signal.SIGKILL)
    wait_for("the consumption to be done", lambda: consumption(stack, second_event) == ("done", 2), timeout=60,
             explain=stack.logs)
    (rerun,) = set(starts(markers, second_event)) - {horse}
    assert side_effects(stack, second_event) == [rerun]
    assert second.alive()
    assert killed_job in FailedJobRegistry("default", connection=connection)


def test_database_queue_worker_killed_mid_handler_the_outbox_runs_it_again_once(stack: Stack) -> None:
    env, markers = prepare(stack, rq=False)
    (markers / "sleep").write_text(SLOW)
    first = stack.spawn("run_worker-1", [*PROBE, "run_worker"], env)
    event_id = emit(env)
    started = wait_for("the handler to start", lambda: starts(markers, event_id), timeout=90, explain=stack.logs)
    assert set(started) == {first.pid}, "run_worker runs the database queue's tasks in its own process"

    first.kill_group()
    killed_attempt_rolled_back(stack, event_id)
    running = stack.query("SELECT id FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'")
    assert len(running) == 1, "the killed dispatch task"

    (markers / "sleep").unlink()
    second = stack.spawn("run_worker-2", [*PROBE, "run_worker"], env)
    wait_for("the consumption to be done", lambda: consumption(stack, event_id) == ("done", 2), timeout=90,
             explain=stack.logs)
    assert set(starts(markers, event_id)) == {first.pid, second.pid}
    assert side_effects(stack, event_id) == [second.pid]
    still_running = stack.query("SELECT id FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'")
    assert set(running) <= set(still_running), "django-tasks-db never runs the killed task again: it stays RUNNING"
