"""`make bench-licenses`: electronic licences issued per second (render + seal + store) and public verifications
per second, beside the bare Django endpoint of the same run.

* Data: a benchmark-only PostgreSQL 15 cluster in var/bench/licenses/pg (harness.postgres) with the Yunnan demo
  data, which seeds the licence types and gives each issuing department an active seal (the platform CA is made on
  first use). Kept for reuse; delete the folder to start again.
* Issuance (in-process, not over HTTP: issuing is a service the case engine calls inside a decision): ``manage.py
  shell`` issues BENCH_LICENSES licences of 居民身份证 through ``license_issue`` — validation, serial under the
  counter lock, the PDF with its QR code, the PAdES seal with the department's certificate (and the simulator
  timestamp when TONGBAN_TSA=simulator), the encrypted file, the row, the audit record and the outbox event — once
  in one process and once in two processes at the same time (the machine has 2 cores). Printed: licences/s and
  the p50/p95 of one issue, plus the share of time spent rendering and sealing.
* Verification (HTTP, load from a separate process, CONCURRENCY clients for BENCH_SECONDS): the bare JSON endpoint
  and ``GET /verify/<identifier>/`` cycling through the issued licences (each request reads the licence, checks the
  identifier's check character and writes the verification log row).

Prints the table; writes bench/results/licenses.json. A benchmark, not a test.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from harness import (
    BASELINE,
    BASELINE_PATHS,
    PY,
    ROOT,
    bench_env,
    load_get,
    manage,
    postgres,
    prepare_once,
    report,
    served,
)
from loadgen import summary

DATA = ROOT / "var" / "bench" / "licenses"
CLUSTER = DATA / "pg"
LICENSES = int(os.environ.get("BENCH_LICENSES", "200"))
ISSUE = "licence issue (render + seal), 1 process"
ISSUE_2 = "licence issue (render + seal), 2 processes"
VERIFY = "verification page /verify/<id>/"

# Runs inside `manage.py shell -c` (ARGS replaced by JSON). Issues COUNT licences of 居民身份证 to fictitious holders
# (valid GB 11643 numbers) with the demo 公安 department that may issue the type; prints one JSON line.
ISSUE_SCRIPT = r"""
import json, time
from stdnum.cn import ric
from tongban.core.audit import SYSTEM
import tongban.licenses.services.issuance as issuance
from tongban.licenses.services.issuance import license_issue
from tongban.licenses.types import license_type_by_name

COUNT, OFFSET, ISSUER = json.loads(%(args)r)
kind = license_type_by_name(name="居民身份证")
type_code, department_id = kind.code, kind.issuing_department_ids[ISSUER]
timings = {"render": 0.0, "seal": 0.0}
def timed(name, function):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            timings[name] += time.perf_counter() - started
    return wrapper
issuance.license_render = timed("render", issuance.license_render)
issuance.pdf_seal = timed("seal", issuance.pdf_seal)
latencies, identifiers = [], []
started = time.perf_counter()
for n in range(OFFSET, OFFSET + COUNT):
    body = "530126" + "19%%02d0101" %% (50 + n %% 50) + "%%03d" %% (n %% 1000)
    number = body + ric.calc_check_digit(body + "0")  # stdnum wants the 18 places
    one = time.perf_counter()
    row = license_issue(license_type_code=type_code, issuer_department_id=department_id, holder_kind="person",
                        holder_name="基准测试%%d" %% n, holder_number=number,
                        data={"name": "基准测试%%d" %% n, "id_number": number, "address": "云南省石林彝族自治县"},
                        source="import", actor=SYSTEM)
    latencies.append(time.perf_counter() - one)
    identifiers.append(row.identifier)
elapsed = time.perf_counter() - started
print(json.dumps({"count": COUNT, "elapsed": elapsed, "latencies": latencies, "identifiers": identifiers,
                  "render_s": timings["render"], "seal_s": timings["seal"]}))
"""


def issue(data: Path, url: str, count: int, offset: int, issuer: int, **extra_env: str) -> subprocess.Popen[str]:
    """Start issuing ``count`` licences in another process (ISSUE_SCRIPT); ``collect`` waits for its figures."""
    code = ISSUE_SCRIPT % {"args": json.dumps([count, offset, issuer])}
    return subprocess.Popen([PY, "manage.py", "shell", "-c", code], cwd=ROOT, env=bench_env(data, url, **extra_env),
                            text=True, stdout=subprocess.PIPE)


def collect(processes: list[subprocess.Popen[str]]) -> list[dict[str, Any]]:
    results = []
    for process in processes:
        out, _err = process.communicate()
        if process.returncode:
            raise SystemExit(f"issuing failed (exit {process.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _summary(results: list[dict[str, Any]], wall: float) -> dict[str, Any]:
    elapsed = sum(r["elapsed"] for r in results)
    return summary([x for r in results for x in r["latencies"]], 0, wall) | {
        "render_share": sum(r["render_s"] for r in results) / elapsed,
        "seal_share": sum(r["seal_s"] for r in results) / elapsed}


def main() -> None:
    os.environ["TONGBAN_LICENSE_VERIFY_LIMIT"] = "0"  # one load client, one address: the limiter would answer 429
    with postgres(CLUSTER) as url:
        prepare_once(DATA, "prepared", database_url=url)
        manage(DATA, "licenses_setup", database_url=url)
        print(f"issuing {LICENSES} licences in one process …", flush=True)
        started = time.perf_counter()
        single = collect([issue(DATA, url, LICENSES, 0, 0)])
        one = _summary(single, time.perf_counter() - started)
        print(f"issuing {LICENSES} licences in two processes (two issuing departments) …", flush=True)
        started = time.perf_counter()
        pair = collect([issue(DATA, url, LICENSES // 2, 100_000, 0), issue(DATA, url, LICENSES - LICENSES // 2, 200_000, 1)])
        two = _summary(pair, time.perf_counter() - started)
        identifiers = single[0]["identifiers"] + [i for r in pair for i in r["identifiers"]]
        with served(DATA, url) as base:
            results = {BASELINE: load_get(base, BASELINE_PATHS),
                       VERIFY: load_get(base, [f"/verify/{identifier}/" for identifier in identifiers])}
    results[ISSUE] = one
    results[ISSUE_2] = two
    report("licenses", "bench-licenses", results, licenses_issued=len(identifiers),
                  issue_time_shares={"render": round(one["render_share"], 3), "seal": round(one["seal_share"], 3)})
    print(f"share of issuing time (1 process): render {one['render_share']:.0%}, seal {one['seal_share']:.0%}")


if __name__ == "__main__":
    main()
