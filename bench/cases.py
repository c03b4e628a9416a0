"""`make bench-cases`: case submissions and the workbench queues with 1,000,000 cases in PostgreSQL, beside a bare
Django endpoint measured in the same run.

* Data: a benchmark-only PostgreSQL cluster in var/bench/cases/pg (harness.postgres: initdb on first use, a free
  loopback port), migrated, with the Yunnan demo data and ``manage.py generate_load_data --cases N`` (COPY). It is
  reused while its fingerprint (case count, seed, migrations, demo data, the generator's DATA_VERSION) holds.
* Setup (not measured): applicants among the generated persons get bearer sessions and a pool of complete drafts
  (form filled, required materials uploaded) for the seeded items with forms; window clerks of the department with
  the longest to-accept queue get signed-in sessions; EXPLAIN (ANALYZE) of the queue queries as the page runs them.
  ``make bench`` (bench/run.py) runs the same setup and scenarios against the whole production profile.
* Load from a separate process (bench/loadgen.py), CONCURRENCY clients for BENCH_SECONDS each:
  the bare JSON endpoint; ``POST /api/v1/applicant/drafts/{id}/submission`` with ``Idempotency-Key`` (each request
  submits a fresh draft: the real path — checks, numbering under the counter lock, timeline, audit, outbox);
  the 待受理 and 已超期 queue pages of the workbench (the page with its six queue counts).

Prints the table and the plans; writes bench/results/cases-<timestamp>.json. A benchmark, not a test.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from harness import (
    BASELINE,
    BASELINE_PATHS,
    PG_SETTINGS,
    PROD_WORKERS,
    ROOT,
    SEED,
    generated_data,
    load,
    postgres,
    report,
    served,
    shell,
)

DATA = ROOT / "var" / "bench" / "cases"
CLUSTER = DATA / "pg"
APP_DATA = DATA / "app"
CASES = int(os.environ.get("BENCH_CASES", "1000000"))
DRAFTS = int(os.environ.get("BENCH_DRAFTS", "1000"))
CLERKS = int(os.environ.get("BENCH_CLERKS", "4"))
SUBMISSION = "case submission (API)"
QUEUE = "workbench queue (待受理+已超期)"

# Runs inside `manage.py shell -c` (ARGS replaced by JSON): sessions, drafts and clerks through the app's own
# services. Progress on stderr; the last line of stdout is JSON.
PREPARE = r"""
import json, math, random, sys, time, uuid
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count
from django.utils import timezone
from tongban.cases import services as case_services
from tongban.cases.models import Case, CaseStatus
from tongban.catalog import forms
from tongban.catalog import selectors as catalog_selectors
from tongban.directory import selectors as directory_selectors
from tongban.directory import services as directory_services
from tongban.identity.models import Person
from tongban.identity.sessions import session_open
from tongban.loadgen.forms import FormFiller
from tongban.loadgen.people import Applicant

DRAFTS, CLERKS, SEED = json.loads('ARGS')
rng = random.Random(SEED)
UA = "tongban-bench"


def pdf():
    marker = uuid.uuid4().hex.encode()  # a different file each time, as real uploads are
    content = b"BT /F1 12 Tf 72 720 Td (Tongban bench) Tj ET"
    bodies = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
              b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream"]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(bodies, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(bodies) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(str(offset).zfill(10).encode() + b" 00000 n \n" for offset in offsets)
    out += (b"trailer\n<< /Size " + str(len(bodies) + 1).encode() + b" /Root 1 0 R /ID [<" + marker + b"> <" + marker
            + b">] >>\nstartxref\n" + str(xref).encode() + b"\n%%EOF\n")
    return bytes(out)


# Implementations of seeded items with a form, for persons.
targets = []
for impl in catalog_selectors.implementation_list():
    version = impl.item.current_version
    if version is not None and version.audience == "person" and forms.form_for_implementation(
            implementation_code=impl.code).fields:
        targets.append(impl)
filler = FormFiller(rng, timezone.localdate())
people = list(Person.objects.select_related("user").filter(
    assurance_level__gte=2, user__kind="person", assurances__provider="loadgen").order_by("id")[
        :math.ceil(DRAFTS / max(len(targets), 1)) + 5])
drafts, accounts, skipped = [], 0, set()
started = time.perf_counter()
for person in people:
    if len(drafts) >= DRAFTS:
        break
    accounts += 1
    sample = Applicant(user_id=person.user_id, org_id=None, kind="person", label="", name=person.name,
                       id_number=person.id_number, phone=person.phone, region="", joined=0.0, name_token="",
                       name_index="", id_token="", id_index="")
    token = session_open(user=person.user, ip="127.0.0.1", user_agent=UA).token
    for impl in targets:
        if len(drafts) >= DRAFTS:
            break
        template = filler.template(forms.form_for_implementation(implementation_code=impl.code), sample)
        if not template.valid:
            skipped.add(impl.code)
            continue
        view = case_services.draft_open(user=person.user, implementation_code=impl.code)
        view = case_services.draft_save(user=person.user, draft_id=view.id, data=template.values)
        for material in view.materials:
            if material.required and not material.attachments:
                case_services.draft_attachment_upload(
                    user=person.user, draft_id=view.id, material_name=material.name,
                    upload=SimpleUploadedFile("material.pdf", pdf(), content_type="application/pdf"))
        drafts.append([token, view.id])
        if len(drafts) % 250 == 0:
            print(f"  drafts {len(drafts)}/{DRAFTS} ({time.perf_counter() - started:.0f}s)", file=sys.stderr)

# The department with the longest to-accept queue, and window clerks there.
busiest = (Case.objects.filter(status=CaseStatus.SUBMITTED).values("department_id").annotate(n=Count("id"))
           .order_by("-n").first())
department = directory_selectors.department_list().get(pk=busiest["department_id"])
clerks = []
for index in range(CLERKS):
    username = f"bench_clerk_{department.pk}_{index}"
    if not directory_selectors.staff_exists(username=username):
        directory_services.staff_create(username=username, password=f"Bench-{uuid.uuid4().hex}!",
                                        name=f"压测窗口{index}", department_id=department.pk, roles=["window_clerk"])
    user = get_user_model().objects.get(username=username)
    clerks.append(session_open(user=user, ip="127.0.0.1", user_agent=UA).token)
print(json.dumps({"drafts": drafts, "accounts": accounts, "targets": len(targets), "skipped": sorted(skipped),
                  "clerks": clerks, "department": department.name, "department_id": department.pk,
                  "waiting": busiest["n"]}))
"""

# EXPLAIN (ANALYZE, BUFFERS) of every query the queue page runs for a clerk of the busy department.
EXPLAIN = r"""
import json
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tongban.cases import selectors
from tongban.directory.selectors import staff_context_for_user

USERNAME = USERNAME_
staff = staff_context_for_user(get_user_model().objects.get(username=USERNAME))
found = []

def nodes(plan, out):
    out.append(plan)
    for child in plan.get("Plans", []):
        nodes(child, out)
    return out

def explain(label, run):
    with CaptureQueriesContext(connection) as captured:
        run()
    for index, query in enumerate(q["sql"] for q in captured.captured_queries):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query)
            plan = cursor.fetchone()[0]
        plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
        scans = [(n["Node Type"], n.get("Relation Name", ""), n.get("Index Name", ""))
                 for n in nodes(plan["Plan"], []) if "Scan" in n["Node Type"]]
        found.append({"query": f"{label} #{index + 1}", "ms": round(plan["Execution Time"], 2),
                      "scans": [" ".join(part for part in scan if part) for scan in scans],
                      "seq_scan_on_cases": any(kind == "Seq Scan" and rel.startswith("cases_") for kind, rel, _ in scans),
                      "sql": query[:300]})

for queue in ("to_accept", "overdue"):
    rows = selectors.case_queue_for_staff(staff=staff, queue=queue)
    explain(f"{queue} count", lambda: rows.count())
    explain(f"{queue} page 1", lambda: rows[0:20])
explain("queue tabs (6 counts)", lambda: selectors.case_queue_counts_for_staff(staff=staff))
print(json.dumps({"plans": found, "counts": selectors.case_queue_counts_for_staff(staff=staff)}))
"""


def prepare(data: Path, url: str, drafts: int = DRAFTS, **extra_env: str) -> dict[str, Any]:
    """Setup, not measured: ``drafts`` drafts ready for submission and signed-in window clerks (PREPARE; ``data``
    is the app's data dir, where the drafts' materials are stored)."""
    started = time.perf_counter()
    prepared = dict(shell(data, PREPARE.replace("ARGS", json.dumps([drafts, CLERKS, SEED])), url, **extra_env))
    print(f"准备：{len(prepared['drafts'])} 份待提交草稿（{prepared['accounts']} 个申请人账号，"
          f"{prepared['targets']} 个实施清单），{len(prepared['clerks'])} 名窗口人员："
          f"{prepared['department']}（待受理 {prepared['waiting']} 件），用时 {time.perf_counter() - started:.0f} 秒")
    return prepared


def explain(data: Path, url: str, prepared: dict[str, Any]) -> dict[str, Any]:
    """EXPLAIN (ANALYZE) of the queue page's queries for the first clerk, printed; returns plans and queue sizes."""
    explained = dict(shell(data, EXPLAIN.replace("USERNAME_", repr(f"bench_clerk_{prepared['department_id']}_0")),
                           url))
    print("\nEXPLAIN (ANALYZE) of the queue page's queries on case tables (clerk of the busy department):")
    for plan in explained["plans"]:
        if not any(" cases_" in f" {scan}" for scan in plan["scans"]):
            continue  # the calendar, the department: small tables
        mark = "SEQ SCAN on a cases table!" if plan["seq_scan_on_cases"] else "index"
        print(f"  {plan['query']:34} {plan['ms']:9.2f} ms  {mark:8}  {'; '.join(plan['scans'])}")
    print("  the clerk's queues: " + ", ".join(f"{queue} {n:,}" for queue, n in explained["counts"].items()))
    return explained


def scenarios(prepared: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The load modes (bench/loadgen.py) of submission and the workbench queue."""
    return {
        SUBMISSION: ("submit", {"drafts": prepared["drafts"]}),
        QUEUE: ("get", {"headers": [{"Cookie": f"sessionid={token}"} for token in prepared["clerks"]],
                        "paths": ["/workbench/cases/queue/to_accept/", "/workbench/cases/queue/overdue/"],
                        "expect": "办件编号"}),
    }


def exhausted_note(result: dict[str, Any], drafts: int) -> str:
    if not result.get("pool_exhausted"):
        return ""
    return (f"  {SUBMISSION}: all {drafts} drafts were submitted before the time was up (BENCH_DRAFTS to prepare "
            f"more); the rate is over {result['seconds']:.1f}s")


# --- the benchmark -------------------------------------------------------------------------------------------


def main() -> None:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with postgres(CLUSTER) as url:
        data = generated_data(DATA, url, cases=CASES, seed=SEED)
        prepared = prepare(APP_DATA, url)
        explained = explain(APP_DATA, url, prepared)
        plans = explained["plans"]
        total = shell(APP_DATA, "from tongban.cases.models import Case; import json; print(json.dumps(Case.objects.count()))",
                      url)
        with served(APP_DATA, url, workers=PROD_WORKERS) as base:
            results, loads = {}, {}
            for name, (mode, spec) in {BASELINE: ("get", {"paths": BASELINE_PATHS}), **scenarios(prepared)}.items():
                results[name] = load(base, mode, spec)
                loads[name] = round(os.getloadavg()[0], 2)  # the machine is shared: say how busy it was
    report(f"cases-{stamp}", f"bench-cases: {total:,} cases in PostgreSQL 15 (rps counts successful requests only)",
           results, workers=PROD_WORKERS, cases=total, data=data, postgres=PG_SETTINGS, load_average=loads,
           busy_department=prepared["department"], queues=explained["counts"], explain=plans,
           submission={"drafts_prepared": len(prepared["drafts"]),
                       "pool_exhausted": results[SUBMISSION].get("pool_exhausted", False)})
    print(f"data: {total:,} cases; generated in {data.get('generate_s')}s"
          f"{' (reused)' if data.get('reused') else ''}; 1-minute load average after each scenario: "
          + ", ".join(f"{value}" for value in loads.values()) + f" on {os.cpu_count()} CPUs")
    if note := exhausted_note(results[SUBMISSION], len(prepared["drafts"])):
        print(note)
    if any(r["errors"] for r in results.values()) or any(p["seq_scan_on_cases"] for p in plans):
        sys.exit(1)


if __name__ == "__main__":
    main()
