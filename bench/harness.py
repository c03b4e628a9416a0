"""What every `make bench-*` target shares: a benchmark data dir, the served app, load from another process, and
the report (a table on stdout and bench/results/<name>.json with rps, p50_ms, p95_ms, baseline_rps, ratio)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DURATION = float(os.environ.get("BENCH_SECONDS", "15"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")
BASELINE = "baseline: bare JSON endpoint"
BASELINE_PATHS = ["/api/v1/ping"]


def bench_env(data: Path) -> dict[str, str]:
    """The demo profile on its own data dir; never the developer's DATABASE_URL."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"TONGBAN_DATA_DIR": str(data), "TONGBAN_SECRET_KEY": "benchmark-only-secret-key-0123456789",
                "TONGBAN_DEBUG": "0", "TONGBAN_LOG_LEVEL": "WARNING", "TONGBAN_ALLOW_DERIVED_KEYS": "1",
                "TONGBAN_DEMO": "1"})
    return env


def manage(data: Path, *args: str, capture: bool = False) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=bench_env(data), check=True, text=True,
                          stdout=subprocess.PIPE if capture else None)
    return done.stdout or ""


def prepare_once(data: Path, marker: str, *commands: tuple[str, ...]) -> None:
    """Build the benchmark database once (migrate, demo data, then ``commands``); reuse it while ``marker`` exists."""
    data.mkdir(parents=True, exist_ok=True)
    if (data / marker).exists():
        return
    for stale in data.glob("*"):
        if stale.is_file():
            stale.unlink()
    manage(data, "migrate", "--noinput", "-v0")
    manage(data, "load_demo_data")
    for command in commands:
        manage(data, *command)
    (data / marker).touch()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(data: Path) -> Iterator[str]:
    """gunicorn on a free loopback port with the production worker settings; yields the base URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "tongban.conf.wsgi", "--config", "python:tongban.conf.gunicorn",
         "--bind", f"127.0.0.1:{port}", "--workers", WORKERS, "--log-level", "warning"], cwd=ROOT,
        env=bench_env(data))
    try:
        for _ in range(150):
            try:
                if urlopen(f"{base}/readyz", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def load_get(base: str, paths: list[str]) -> dict[str, Any]:
    """GET load from a separate process (bench/loadgen.py)."""
    out = subprocess.run([PY, str(ROOT / "bench" / "loadgen.py"), base, str(DURATION), str(CONCURRENCY), *paths],
                         check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def report(name: str, title: str, results: dict[str, dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """Print the table and write bench/results/<name>.json; ratios are against the baseline of the same run."""
    baseline = results[BASELINE]["rps"]
    data = {**extra, "duration_s": DURATION, "concurrency": CONCURRENCY, "workers": WORKERS,
            "scenarios": {scenario: {"rps": round(r["rps"], 1), "p50_ms": round(r["p50_ms"], 2),
                                     "p95_ms": round(r["p95_ms"], 2), "p99_ms": round(r["p99_ms"], 2),
                                     "errors": r["errors"], "baseline_rps": round(baseline, 1),
                                     "ratio": round(r["rps"] / baseline, 3)} for scenario, r in results.items()}}
    print(f"\n{title}: {CONCURRENCY} concurrent clients, {DURATION:.0f}s per scenario, gunicorn x{WORKERS}")
    print(f"{'scenario':32} {'rps':>9} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'errors':>7} {'ratio':>7}")
    for scenario, r in data["scenarios"].items():
        print(f"{scenario:32} {r['rps']:9.1f} {r['p50_ms']:9.2f} {r['p95_ms']:9.2f} {r['p99_ms']:9.2f} "
              f"{r['errors']:7d} {r['ratio']:7.3f}")
    out = ROOT / "bench" / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")
    return data
