"""A worker with one more outbox consumer, slow on purpose, for the worker-kill fault test.

    python tests/faults/probe_worker.py rqworker --job-class django_tasks_rq.Job default
    python tests/faults/probe_worker.py run_worker
    python tests/faults/probe_worker.py emit          # commits one faults.probe event, prints its id

Django is set up as ``manage.py`` does, the consumer ``faults.probe`` (topic ``faults.probe``) is registered, then
the management command runs unchanged in this process (RQ's work horses are forked from it and inherit the
consumer). In its transaction the consumer inserts a row into ``faults_side_effect`` (the side effect that must
happen once), writes a marker file ``started-<event>-<pid>`` into FAULTS_PROBE_DIR (holding the RQ job id, if any)
and sleeps as many seconds as the file ``sleep`` there says (none without it) before returning: the test kills the
worker during that sleep.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongban.conf.settings")

import django  # noqa: E402

django.setup()

from django.core.management import execute_from_command_line  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from tongban.core.outbox import OutboxEventData, outbox_consumer, outbox_emit  # noqa: E402

TOPIC = "faults.probe"


@outbox_consumer(name="faults.probe", topics=[TOPIC])
def probe(event: OutboxEventData) -> None:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO faults_side_effect (event_id, pid) VALUES (%s, %s)", [event.id, os.getpid()])
    job_id = ""
    try:
        from rq import get_current_job

        job = get_current_job()
        job_id = job.id if job is not None else ""
    except Exception:  # the database backend: no RQ job
        job_id = ""
    folder = Path(os.environ["FAULTS_PROBE_DIR"])
    (folder / f"started-{event.id}-{os.getpid()}").write_text(job_id)
    sleep = folder / "sleep"
    time.sleep(float(sleep.read_text()) if sleep.exists() else 0)


def emit() -> int:
    with transaction.atomic():
        return outbox_emit(topic=TOPIC, payload={"probe": True}, aggregate_type="probe", aggregate_id="1")


if __name__ == "__main__":
    if sys.argv[1:] == ["emit"]:
        print(emit())
    else:
        execute_from_command_line(["manage.py", *sys.argv[1:]])
