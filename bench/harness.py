"""What every `make bench*` target shares: a benchmark data dir or PostgreSQL cluster, generated data reused while
its fingerprint holds, the served app (gunicorn alone, or the production profile with Redis and RQ workers), load
from a separate process (bench/loadgen.py), and the report (a table on stdout and bench/results/<name>.json with
rps, p50_ms, p95_ms, p99_ms, errors, baseline_rps, ratio)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "deploy"))
from nginx_site import nginx_binary, nginx_config  # noqa: E402  (deploy/ holds scripts, not a package)

PY = sys.executable
DURATION = float(os.environ.get("BENCH_SECONDS", "15"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")
PROD_WORKERS = os.environ.get("BENCH_WORKERS", "4")  # gunicorn processes of the PostgreSQL benchmarks
RQ_WORKERS = int(os.environ.get("BENCH_RQ_WORKERS", "2"))
SEED = int(os.environ.get("BENCH_SEED", "2026"))
BASELINE = "baseline: bare JSON endpoint"
BASELINE_PATHS = ["/api/v1/ping"]
# nginx in front of gunicorn in the production-profile benchmarks, as in `make run-prod` (BENCH_NGINX=0: without).
NGINX = os.environ.get("BENCH_NGINX", "1") != "0"
REDIS_SERVER = os.environ.get("BENCH_REDIS_SERVER", shutil.which("redis-server") or "/usr/bin/redis-server")
PG_BIN = Path(os.environ.get("TONGBAN_PG_BIN", "/usr/lib/postgresql/15/bin"))
# The benchmark cluster: production-like durability (fsync and synchronous commit on unless BENCH_PG_FSYNC=off)
# and the memory settings a small production server would have; JIT off, as for OLTP.
PG_SETTINGS = {
    "fsync": os.environ.get("BENCH_PG_FSYNC", "on"), "synchronous_commit": os.environ.get("BENCH_PG_FSYNC", "on"),
    "shared_buffers": "1GB", "effective_cache_size": "4GB", "maintenance_work_mem": "512MB", "work_mem": "16MB",
    "max_wal_size": "8GB", "checkpoint_timeout": "30min", "random_page_cost": "1.1", "jit": "off",
    "max_connections": "100",
}


def bench_env(data: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    """The demo profile on its own data dir; never the developer's DATABASE_URL (``database_url``: the benchmark's
    own PostgreSQL, else SQLite in ``data``) nor their Redis or task backend (``extra`` sets those)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "TONGBAN_REDIS_URL", "TONGBAN_TASK_BACKEND")}
    env.update({"TONGBAN_DATA_DIR": str(data), "TONGBAN_SECRET_KEY": "benchmark-only-secret-key-0123456789",
                "TONGBAN_DEBUG": "0", "TONGBAN_LOG_LEVEL": "WARNING", "TONGBAN_ALLOW_DERIVED_KEYS": "1",
                "TONGBAN_DEMO": "1", **extra})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def manage(data: Path, *args: str, capture: bool = False, database_url: str = "", **extra_env: str) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=bench_env(data, database_url, **extra_env),
                          check=True, text=True, stdout=subprocess.PIPE if capture else None)
    return done.stdout or ""


def shell(data: Path, code: str, database_url: str = "", **extra_env: str) -> Any:
    """Run ``code`` in ``manage.py shell``; its last line of output is JSON."""
    out = manage(data, "shell", "-c", code, capture=True, database_url=database_url, **extra_env)
    return json.loads(out.strip().splitlines()[-1])


def code_fingerprint(what: str) -> str:
    """``what`` (sizes, seeds, versions) with the migrations and the demo data: what a benchmark database is built
    from. A new migration or demo data change means a new database."""
    digest = hashlib.sha256(what.encode())
    paths = sorted([*ROOT.glob("tongban/*/migrations/*.py"), ROOT / "tongban/demo/loader.py",
                    *ROOT.glob("tongban/*/data/**/*")])
    for path in paths:
        if path.is_file():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def prepare_once(data: Path, marker: str, *commands: tuple[str, ...], database_url: str = "") -> None:
    """Build the benchmark database once (migrate, demo data, then ``commands``) — SQLite in ``data``, or the
    PostgreSQL database ``database_url`` — and reuse it while the file ``marker`` in ``data`` holds the
    fingerprint of the commands, the migrations and the demo data."""
    data.mkdir(parents=True, exist_ok=True)
    fingerprint = code_fingerprint(repr(commands))
    if (data / marker).exists() and (data / marker).read_text().strip() == fingerprint:
        return
    if database_url:
        pg_admin(database_url.rsplit("/", 1)[0] + "/postgres", database_url.rsplit("/", 1)[1], reset=True)
    for stale in data.glob("*"):
        if stale.is_file():
            stale.unlink()
    manage(data, "migrate", "--noinput", "-v0", database_url=database_url)
    manage(data, "load_demo_data", database_url=database_url)
    for command in commands:
        manage(data, *command, database_url=database_url)
    (data / marker).write_text(fingerprint + "\n")


# --- generated data on PostgreSQL, reused by fingerprint --------------------------------------------------------


def data_fingerprint(cases: int, users: int | None, seed: int) -> str:
    """What generated data depends on: the case (and user) count and seed, the generator's DATA_VERSION, the
    migrations and the demo data. Change any of it and the data is built again."""
    found = re.search(r"^DATA_VERSION = (\d+)", (ROOT / "tongban/loadgen/__init__.py").read_text(), re.MULTILINE)
    sized = f"cases={cases};" + (f"users={users};" if users is not None else "")
    return code_fingerprint(f"{sized}seed={seed};loadgen={found.group(1) if found else '?'}")


def _users_option(app: Path, url: str) -> str:
    """``--users`` where generate_load_data has it, else the older ``--applicants``."""
    usage = manage(app, "generate_load_data", "--help", capture=True, database_url=url)
    return "--users" if "--users" in usage else "--applicants"


def generated_data(root: Path, url: str, *, cases: int, users: int | None = None, seed: int = SEED
                   ) -> dict[str, Any]:
    """Build the database behind ``url`` (migrate, demo data, ``generate_load_data``) unless
    ``root``/fingerprint.json says it holds this data already; the app's data dir is ``root``/app. Returns what
    was done and how long it took (``generate_s``: the generator, ``build_s``: everything)."""
    app = root / "app"
    app.mkdir(parents=True, exist_ok=True)
    fingerprint = data_fingerprint(cases, users, seed)
    stamp = root / "fingerprint.json"
    known = json.loads(stamp.read_text()) if stamp.exists() else {}
    if known.get("fingerprint") == fingerprint:
        print(f"复用压测数据库：{cases:,} 个办件（指纹 {fingerprint}，生成用时 {known.get('generate_s')} 秒）")
        return {**known, "reused": True}
    print(f"构建压测数据库：迁移、演示数据、生成 {cases:,} 个办件（指纹 {fingerprint}）", flush=True)
    stamp.unlink(missing_ok=True)
    started = time.perf_counter()
    (app / "demo-data").unlink(missing_ok=True)  # a fresh database, not more data on top of the old
    prepare_once(app, "demo-data", database_url=url)
    generate = ["generate_load_data", "--cases", str(cases), "--seed", str(seed)]
    if users is not None:
        generate += [_users_option(app, url), str(users)]
    generating = time.perf_counter()
    manage(app, *generate, database_url=url)
    done = {"fingerprint": fingerprint, "cases": cases, "users": users, "seed": seed,
            "generate_s": round(time.perf_counter() - generating, 1), "build_s": round(time.perf_counter() - started, 1),
            "command": " ".join(generate), "built_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    stamp.write_text(json.dumps(done, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"生成 {cases:,} 个办件用时 {done['generate_s']} 秒（含迁移和演示数据共 {done['build_s']} 秒）")
    return {**done, "reused": False}


# --- servers -------------------------------------------------------------------------------------------------


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
def _process(command: list[str], name: str, **popen: Any) -> Iterator[subprocess.Popen[bytes]]:
    """A child process for the duration; stopped with SIGTERM (SIGKILL after 30 s)."""
    process = subprocess.Popen(command, **popen)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in 30 s: killed", file=sys.stderr)
            process.kill()
            process.wait()


@contextmanager
def redis(directory: Path) -> Iterator[str]:
    """A fresh redis-server on a free loopback port (append-only file, fsync every second, as in production) in
    ``directory`` (emptied first: no queue or cache left from an earlier run); yields its URL."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    port = _free_port()
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(directory), "--save", "",
               "--appendonly", "yes", "--appendfsync", "everysec", "--logfile", str(directory / "log")]
    with _process(command, "redis-server", stdout=subprocess.DEVNULL):
        url = f"redis://127.0.0.1:{port}/0"
        import redis as redis_client

        client = redis_client.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis_client.ConnectionError:
                time.sleep(0.1)
        yield url


@contextmanager
def served(data: Path, database_url: str = "", workers: str = WORKERS, **extra_env: str) -> Iterator[str]:
    """gunicorn on a free loopback port with the production worker settings; yields the base URL."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(Path(PY).parent / "gunicorn"), "tongban.conf.wsgi", "--config", "python:tongban.conf.gunicorn",
               "--bind", f"127.0.0.1:{port}", "--workers", workers, "--log-level", "warning"]
    with _process(command, "gunicorn", cwd=ROOT, env=bench_env(data, database_url, **extra_env)) as server:
        _wait_ready(base, server, "gunicorn", seconds=600)  # each process builds its search index first
        yield base


def _wait_ready(base: str, server: subprocess.Popen[bytes], name: str, *, seconds: float, more: str = "") -> None:
    """Until ``base``/readyz answers 200 (at most ``seconds``); SystemExit when ``server`` exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"{name} exited with {server.returncode}{more}")
        try:
            if urlopen(f"{base}/readyz", timeout=2).status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{name} did not answer {base}/readyz within {seconds:.0f} s{more}")


@dataclass(frozen=True)
class Profile:
    """The running production profile: the app's base URL (nginx's when it is in front), gunicorn's own, the Redis
    URL and the environment of its processes (for ``manage.py`` commands that should enqueue where the workers
    listen)."""

    base: str
    direct: str
    redis_url: str
    env: dict[str, str]

    @property
    def nginx(self) -> bool:
        return self.base != self.direct


@contextmanager
def nginx(folder: Path, app_base: str) -> Iterator[str]:
    """nginx (deploy/nginx/tongban.conf, one worker process: this is a 2-CPU machine) on a free loopback port in
    front of the gunicorn at ``app_base``; yields its base URL."""
    binary = nginx_binary()
    if binary is None:
        raise SystemExit("没有找到 nginx：apt-get install nginx，或用 BENCH_NGINX=0 不经 nginx 压测")
    port = _free_port()
    config = nginx_config(folder, listen=f"127.0.0.1:{port}", app_ports=[int(app_base.rsplit(":", 1)[1])],
                          static_root=folder / "static", log_dir=folder / "log", workers=1)
    base = f"http://127.0.0.1:{port}"
    with _process([binary, "-c", str(config), "-g", "daemon off;"], "nginx", cwd=folder) as server:
        _wait_ready(base, server, "nginx", seconds=20, more=f": {folder / 'log' / 'nginx-error.log'}")
        yield base


@contextmanager
def production(data: Path, database_url: str, *, workers: str = PROD_WORKERS, rq_workers: int = RQ_WORKERS,
               **extra_env: str) -> Iterator[Profile]:
    """The production profile on this machine (as deploy/run_prod.py, without the object store): a fresh Redis
    (cache and task queue, TONGBAN_REDIS_URL), tasks through RQ (TONGBAN_TASK_BACKEND=django_tasks_rq.RQBackend)
    run by ``rq_workers`` × ``manage.py rqworker --job-class django_tasks_rq.Job default`` beside one scheduling
    ``manage.py run_worker``, gunicorn with ``workers`` processes, all on ``database_url``, and nginx in front
    (unless BENCH_NGINX=0); the workers' output goes to worker-N.log beside ``data``."""
    with ExitStack() as stack:
        redis_url = stack.enter_context(redis(data.parent / "redis"))
        profile = {"TONGBAN_REDIS_URL": redis_url, "TONGBAN_TASK_BACKEND": "django_tasks_rq.RQBackend",
                   **({"TONGBAN_TRUSTED_PROXIES": "1"} if NGINX else {}), **extra_env}
        env = bench_env(data, database_url, **profile)
        commands = [["rqworker", "--job-class", "django_tasks_rq.Job", "default"]] * rq_workers + [["run_worker"]]
        for number, command in enumerate(commands):
            log = stack.enter_context((data.parent / f"worker-{number}.log").open("wb"))
            stack.enter_context(_process([PY, "manage.py", *command], " ".join(command), cwd=ROOT, env=env,
                                         stdout=log, stderr=subprocess.STDOUT))
        direct = stack.enter_context(served(data, database_url, workers, **profile))
        base = stack.enter_context(nginx(data.parent / "nginx", direct)) if NGINX else direct
        yield Profile(base=base, direct=direct, redis_url=redis_url, env=profile)


def task_queue(redis_url: str) -> dict[str, int]:
    """Tasks of the RQ queue ``default``: waiting, running, failed (the failed job registry)."""
    import redis as redis_client

    client = redis_client.Redis.from_url(redis_url)
    return {"waiting": int(client.llen("rq:queue:default")), "running": int(client.zcard("rq:wip:default")),
            "failed": int(client.zcard("rq:failed:default"))}


# --- load and report -----------------------------------------------------------------------------------------


def load(base: str, mode: str, spec: dict[str, Any]) -> dict[str, Any]:
    """CONCURRENCY clients for DURATION seconds from a separate process (bench/loadgen.py; ``mode`` and ``spec``
    as it describes)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as file:  # too long for a command line
        json.dump(spec, file)
        file.flush()
        command = [PY, str(ROOT / "bench" / "loadgen.py"), mode, base, str(DURATION), str(CONCURRENCY), file.name]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def load_get(base: str, paths: list[str]) -> dict[str, Any]:
    """GET load from a separate process, cycling through ``paths``."""
    return load(base, "get", {"paths": paths})


def machine() -> dict[str, Any]:
    """How busy this (possibly shared) machine is: CPUs, load averages, memory."""
    memory = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("MemTotal", "MemAvailable"):
            memory[key] = round(int(value.split()[0]) / 1024 / 1024, 1)
    return {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
            "memory_gib": memory}


def git_commit() -> str:
    """The commit benchmarked, with ``-dirty`` when the working tree has changes."""
    described = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=ROOT, text=True,
                               capture_output=True, check=False)
    return described.stdout.strip() or "unknown"


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def padded(text: str, width: int) -> str:
    return text + " " * max(0, width - columns(text))


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
    width = max(32, *(columns(scenario) + 1 for scenario in results))
    print(f"{'scenario':{width}} {'rps':>9} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'errors':>7} {'ratio':>7}")
    for scenario, r in data["scenarios"].items():
        print(f"{padded(scenario, width)} {r['rps']:9.1f} {r['p50_ms']:9.2f} {r['p95_ms']:9.2f} {r['p99_ms']:9.2f} "
              f"{r['errors']:7d} {r['ratio']:7.3f}")
    out = ROOT / "bench" / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written to {out.relative_to(ROOT)}")
    for scenario, r in results.items():
        for sample in r.get("error_samples", []):
            print(f"  {scenario}: {sample}")
    return data
