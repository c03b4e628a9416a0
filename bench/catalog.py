"""`make bench-catalog`: item guide page and search API at 50,000+ implementations, beside a bare endpoint.

Builds (once) a benchmark database in var/bench/ with the Yunnan demo data plus generated implementations,
serves it with gunicorn, drives load from a separate process (bench/loadgen.py) and prints a table; the same
figures go to bench/results/catalog.json. This is a benchmark, not a test.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DATA = ROOT / "var" / "bench" / "catalog"
IMPLEMENTATIONS = int(os.environ.get("BENCH_IMPLEMENTATIONS", "50000"))
DURATION = float(os.environ.get("BENCH_SECONDS", "15"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")
QUERIES = ["上户口", "身份证", "sfz", "提公积金", "开公司", "护照", "结婚登记", "社保卡", "驾驶证换证", "gjj",
           "食品经营许可", "退休", "不动产登记", "低保", "异地就医", "户口迁移", "营业执照", "发票"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"TONGBAN_DATA_DIR": str(DATA), "TONGBAN_SECRET_KEY": "benchmark-only-secret-key-0123456789",
                "TONGBAN_DEBUG": "0", "TONGBAN_LOG_LEVEL": "WARNING", "TONGBAN_ALLOW_DERIVED_KEYS": "1", "TONGBAN_DEMO": "1"})
    return env


def _manage(*args: str) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=_env(), check=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    marker = DATA / f"generated-{IMPLEMENTATIONS}"
    if marker.exists():
        return
    for stale in DATA.glob("*"):
        stale.unlink()
    _manage("migrate", "--noinput", "-v0")
    _manage("load_demo_data")
    _manage("generate_catalog_load", "--implementations", str(IMPLEMENTATIONS))
    marker.touch()


def _load(base: str, paths: list[str]) -> dict[str, float]:
    out = subprocess.run([PY, str(ROOT / "bench" / "loadgen.py"), base, str(DURATION), str(CONCURRENCY), *paths],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    _prepare()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "tongban.conf.wsgi", "--config", "python:tongban.conf.gunicorn",
         "--bind", f"127.0.0.1:{port}", "--workers", WORKERS,
         "--log-level", "warning"], cwd=ROOT, env=_env())
    try:
        for _ in range(100):
            try:
                if urlopen(f"{base}/readyz", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        listing = json.load(urlopen(f"{base}/api/v1/implementations?limit=100", timeout=60))
        total = listing["count"]
        offset = random.Random(42).randrange(max(1, total - 100))
        page = json.load(urlopen(f"{base}/api/v1/implementations?limit=100&offset={offset}", timeout=60))
        codes = [row["code"] for row in listing["items"] + page["items"]]
        scenarios = {
            "baseline: bare JSON endpoint": ["/api/v1/ping"],
            "item guide page": [f"/guide/{code}/" for code in codes],
            "search API": [f"/api/v1/search?q={q}" for q in QUERIES],
        }
        results = {name: _load(base, paths) for name, paths in scenarios.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    baseline = results["baseline: bare JSON endpoint"]["rps"]
    report = {"implementations": total, "duration_s": DURATION, "concurrency": CONCURRENCY, "workers": WORKERS,
              "scenarios": {name: {"rps": round(r["rps"], 1), "p50_ms": round(r["p50_ms"], 2),
                                   "p95_ms": round(r["p95_ms"], 2), "p99_ms": round(r["p99_ms"], 2),
                                   "errors": r["errors"], "baseline_rps": round(baseline, 1),
                                   "ratio": round(r["rps"] / baseline, 3)} for name, r in results.items()}}
    print(f"\nbench-catalog: {total} implementations, {CONCURRENCY} concurrent clients, {DURATION:.0f}s per scenario, "
          f"gunicorn x{WORKERS}")
    print(f"{'scenario':32} {'rps':>9} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'errors':>7} {'ratio':>7}")
    for name, r in report["scenarios"].items():
        print(f"{name:32} {r['rps']:9.1f} {r['p50_ms']:9.2f} {r['p95_ms']:9.2f} {r['p99_ms']:9.2f} "
              f"{r['errors']:7d} {r['ratio']:7.3f}")
    out = ROOT / "bench" / "results" / "catalog.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
