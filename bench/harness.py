"""What every `make bench-*` target shares: a benchmark data dir, the served app, load from another process, and
the report (a table on stdout and bench/results/<name>.json with rps, p50_ms, p95_ms, baseline_rps, ratio)."""

from __future__ import annotations

import json
import os
import shutil
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
PG_BIN = Path(os.environ.get("TONGBAN_PG_BIN", "/usr/lib/postgresql/15/bin"))
# The benchmark cluster: production-like durability (fsync and synchronous commit on unless BENCH_PG_FSYNC=off)
# and the memory settings a small production server would have; JIT off, as for OLTP.
PG_SETTINGS = {
    "fsync": os.environ.get("BENCH_PG_FSYNC", "on"), "synchronous_commit": os.environ.get("BENCH_PG_FSYNC", "on"),
    "shared_buffers": "1GB", "effective_cache_size": "4GB", "maintenance_work_mem": "512MB", "work_mem": "16MB",
    "max_wal_size": "8GB", "checkpoint_timeout": "30min", "random_page_cost": "1.1", "jit": "off",
    "max_connections": "100",
}


def bench_env(data: Path, database_url: str = "") -> dict[str, str]:
    """The demo profile on its own data dir; never the developer's DATABASE_URL (``database_url``: the benchmark's
    own PostgreSQL, else SQLite in ``data``)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"TONGBAN_DATA_DIR": str(data), "TONGBAN_SECRET_KEY": "benchmark-only-secret-key-0123456789",
                "TONGBAN_DEBUG": "0", "TONGBAN_LOG_LEVEL": "WARNING", "TONGBAN_ALLOW_DERIVED_KEYS": "1",
                "TONGBAN_DEMO": "1"})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def manage(data: Path, *args: str, capture: bool = False, database_url: str = "") -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=bench_env(data, database_url), check=True,
                          text=True, stdout=subprocess.PIPE if capture else None)
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


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres(cluster: Path, *, database: str = "tongban") -> Iterator[str]:
    """A benchmark-only PostgreSQL cluster in ``cluster`` (``initdb`` on first use — as the postgres user when
    running as root — and kept for reuse), started on a free loopback port for the duration; yields the
    DATABASE_URL of ``database`` (created when missing)."""
    data = cluster / "data"
    if not (data / "PG_VERSION").exists():
        cluster.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(cluster, "postgres", "postgres")
        subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                                     "-E", "UTF8", "--locale=C.UTF-8"]), check=True, stdout=subprocess.DEVNULL)
    port = _free_port()
    options = " ".join([f"-p {port}", f"-k {cluster}", "-c listen_addresses=127.0.0.1",
                        *(f"-c {key}={value}" for key, value in PG_SETTINGS.items())])
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(cluster / "log"), "-w",
                                 "-o", options, "start"]), check=True, stdout=subprocess.DEVNULL)
    try:
        pg_admin(f"postgres://postgres@127.0.0.1:{port}/postgres", database, reset=False)
        yield f"postgres://postgres@127.0.0.1:{port}/{database}"
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
                       check=False, stdout=subprocess.DEVNULL)


def pg_admin(admin_url: str, database: str, *, reset: bool) -> None:
    """Create ``database`` when missing; with ``reset``, drop it first."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        if reset:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{database}"')


@contextmanager
def served(data: Path, database_url: str = "", workers: str = WORKERS) -> Iterator[str]:
    """gunicorn on a free loopback port with the production worker settings; yields the base URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(PY).parent / "gunicorn"), "tongban.conf.wsgi", "--config", "python:tongban.conf.gunicorn",
         "--bind", f"127.0.0.1:{port}", "--workers", workers, "--log-level", "warning"], cwd=ROOT,
        env=bench_env(data, database_url))
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


def report(name: str, title: str, results: dict[str, dict[str, Any]], *, workers: str = WORKERS,
           **extra: Any) -> dict[str, Any]:
    """Print the table and write bench/results/<name>.json; ratios are against the baseline of the same run."""
    baseline = results[BASELINE]["rps"]
    data = {**extra, "duration_s": DURATION, "concurrency": CONCURRENCY, "workers": workers,
            "scenarios": {scenario: {"rps": round(r["rps"], 1), "p50_ms": round(r["p50_ms"], 2),
                                     "p95_ms": round(r["p95_ms"], 2), "p99_ms": round(r["p99_ms"], 2),
                                     "errors": r["errors"], "baseline_rps": round(baseline, 1),
                                     "ratio": round(r["rps"] / baseline, 3)} for scenario, r in results.items()}}
    print(f"\n{title}: {CONCURRENCY} concurrent clients, {DURATION:.0f}s per scenario, gunicorn x{workers}")
    print(f"{'scenario':32} {'rps':>9} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'errors':>7} {'ratio':>7}")
    for scenario, r in data["scenarios"].items():
        print(f"{scenario:32} {r['rps']:9.1f} {r['p50_ms']:9.2f} {r['p95_ms']:9.2f} {r['p99_ms']:9.2f} "
              f"{r['errors']:7d} {r['ratio']:7.3f}")
    out = ROOT / "bench" / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")
    return data
