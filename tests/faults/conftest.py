"""Fault tests (故障演练): the real processes of the production profile, and real faults done to them.

A throw-away PostgreSQL cluster on a free loopback port serves the whole session: one database is migrated and
loaded with the demo data once, and each test works on its own copy of it (``CREATE DATABASE … TEMPLATE``) with
its own copy of the data directory, its own redis-server and its own app processes — gunicorn, ``manage.py
rqworker``, ``manage.py run_worker`` — started as subprocesses with the production settings (PostgreSQL, Redis
cache, RQ task backend, debug off). The tests then kill, restart or stop those servers and look at what the app
does. Marked ``faults``; skipped when the PostgreSQL server binaries (or, for the tests that use Redis,
redis-server) are missing, unless TONGBAN_REQUIRE_FAULTS=1 (then they fail). What each fault does and what the
tests prove: docs/operations/faults.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PG_BIN_DIRS = (Path("/usr/lib/postgresql/15/bin"),)
READY_TIMEOUT = 120.0
SECRET_KEY = secrets.token_urlsafe(50)  # one per session: the derived data keys of the seeded rows depend on it
#: Seconds each phase of the session set-up took (printed at the end of the run).
TIMINGS: dict[str, float] = {}


# ------------------------------------------------------------------ what is needed, skip or fail


def pg_bindir() -> Path | None:
    """The directory of PostgreSQL's initdb and pg_ctl (Debian's 15 first, then whatever PATH has)."""
    candidates = list(PG_BIN_DIRS)
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    return None


def redis_server_path() -> str | None:
    return shutil.which("redis-server") or next((p for p in ("/usr/bin/redis-server",) if Path(p).exists()), None)


def _missing() -> str | None:
    if pg_bindir() is None:
        return "the PostgreSQL server binaries (initdb, pg_ctl) are missing (apt-get install postgresql-15)"
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            return "running as root needs runuser to start PostgreSQL as the postgres user"
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root needs a postgres user to start PostgreSQL"
    if not (Path(sys.executable).parent / "gunicorn").exists():
        return "gunicorn is not installed in the virtual environment"
    return None


def _required() -> bool:
    return os.environ.get("TONGBAN_REQUIRE_FAULTS") == "1"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    ours = [item for item in items if HERE in Path(str(item.path)).parents]
    if not ours:
        return
    missing = _missing()
    if missing and _required():
        raise pytest.UsageError(f"TONGBAN_REQUIRE_FAULTS=1 but the fault tests cannot run: {missing}")
    for item in ours:
        item.add_marker(pytest.mark.faults)
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"fault tests skipped: {missing}"))
    # Tests without the demo data first: the demo data loads in the background meanwhile (Seeds).
    first = [item for item in ours if "demo_stack" not in getattr(item, "fixturenames", ())]
    last = [item for item in ours if item not in first]
    slots = [index for index, item in enumerate(items) if item in ours]
    for index, item in zip(slots, first + last, strict=True):
        items[index] = item


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if TIMINGS:
        terminalreporter.write_line("fault tests, set-up times: " + ", ".join(
            f"{name} {seconds:.1f} s" for name, seconds in TIMINGS.items()))


# ------------------------------------------------------------------ small helpers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(what: str, check: Callable[[], Any], *, timeout: float, interval: float = 0.2,
             explain: Callable[[], str] = lambda: "") -> Any:
    """Call ``check`` until it returns something true; fail with ``explain()`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{explain()}")
        time.sleep(interval)


@dataclass(frozen=True)
class Reply:
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    body: bytes
    seconds: float
    error: str = ""

    def json(self) -> Any:
        return json.loads(self.body)


def http(method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
         timeout: float = 10.0) -> Reply:
    """One request, never raising: the status (0 when the server did not answer), body and duration."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, response.read(), time.monotonic() - started)
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read(), time.monotonic() - started)
    except (OSError, urllib.error.URLError) as error:
        return Reply(0, b"", time.monotonic() - started, error=f"{type(error).__name__}: {error}")


def burst(base: str, paths: list[str], *, rounds: int = 3, parallel: int = 8) -> list[tuple[str, Reply]]:
    """Request each path from ``parallel`` threads at once, ``rounds`` times: every thread of every gunicorn worker
    gets requests."""
    from concurrent.futures import ThreadPoolExecutor

    replies: list[tuple[str, Reply]] = []
    with ThreadPoolExecutor(parallel) as pool:
        for _ in range(rounds):
            for path in paths:
                replies += [(path, reply) for reply in pool.map(
                    lambda url: http("GET", url, timeout=60), [f"{base}{path}"] * parallel)]
    return replies


def warm(base: str, paths: list[str]) -> None:
    """Every gunicorn worker serves its first, slow requests (templates compiled, URLs resolved) before a test
    measures anything."""
    replies = burst(base, paths)
    assert all(reply.status == 200 for _, reply in replies), [(path, r.status) for path, r in replies]


def children_of(pid: int) -> set[int]:
    """The pids of a process's direct children (gunicorn's workers, an RQ worker's work horse)."""
    if Path(f"/proc/{pid}/task/{pid}/children").exists():
        found: set[int] = set()
        for task in Path(f"/proc/{pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                found.update(int(p) for p in (task / "children").read_text().split())
        return found
    children = set()  # a kernel without /proc/…/children: every process's parent, from /proc/<pid>/stat
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.add(int(stat.parent.name))
    return children


def descendants_of(pid: int) -> list[int]:
    found: list[int] = []
    for child in children_of(pid):
        found += [child, *descendants_of(child)]
    return found


def log_tail(path: Path, size: int = 6000) -> str:
    try:
        return f"--- {path.name} ---\n" + path.read_text(errors="replace")[-size:]
    except OSError:
        return f"--- {path.name}: no log ---"


# ------------------------------------------------------------------ PostgreSQL


class Postgres:
    """A throw-away cluster on a free loopback port, run as the postgres user when the tests run as root."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="tongban-faults-pg."))  # not under pytest's root-only tmp
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres")

    def _run(self, *args: str, timeout: float = 120) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}\n"
                               + log_tail(self.log))

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-o", options, "start")

    def restart(self) -> None:
        """``pg_ctl restart -m fast``: every session is ended, then the server comes back on the same port."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=30)
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, params: tuple[Any, ...] = (), *, database: str = "postgres") -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database,
                             autocommit=True, connect_timeout=5) as connection:
            cursor = connection.execute(sql, params)  # type: ignore[call-overload]
            return list(cursor.fetchall()) if cursor.description else []


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    bindir = pg_bindir()
    missing = _missing()
    if missing or bindir is None:
        (pytest.fail if _required() else pytest.skip)(f"fault tests cannot run: {missing}")
        raise AssertionError  # unreachable
    started = time.monotonic()
    server = Postgres(bindir)
    try:
        server.start()
        TIMINGS["PostgreSQL cluster"] = time.monotonic() - started
        yield server
    finally:
        server.stop()


# ------------------------------------------------------------------ the app's environment and processes


def app_env(*, database_url: str, data_dir: Path, redis_url: str = "",
            task_backend: str = "django_tasks_db.DatabaseBackend", **extra: str) -> dict[str, str]:
    """The production settings (debug off) against the given database, Redis and data directory."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE") and not k.startswith("TONGBAN_")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "tongban.conf.settings",
        "PYTHONUNBUFFERED": "1",
        "DATABASE_URL": database_url,
        "TONGBAN_DATA_DIR": str(data_dir),
        "TONGBAN_DEBUG": "0",
        "TONGBAN_SECRET_KEY": SECRET_KEY,
        "TONGBAN_ALLOW_DERIVED_KEYS": "1",
        "TONGBAN_DEMO": "1",  # the demo data's simulators (SMS, real-name checks, virus scan)
        "TONGBAN_TASK_BACKEND": task_backend,
        "TONGBAN_LOG_LEVEL": "INFO",
    })
    if redis_url:
        env["TONGBAN_REDIS_URL"] = redis_url
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


@dataclass
class Seed:
    database: str
    data_dir: Path


class Seeds:
    """The template databases: ``migrated`` (migrations only) and ``demo`` (with the demo data).

    The demo data takes a minute or more to load: it loads in the background, in a copy of ``migrated``, while the
    tests that need no demo data (sorted first) run; :meth:`demo` waits for it.
    """

    def __init__(self, postgres: Postgres, folder: Path) -> None:
        self.postgres = postgres
        data_dir = folder / "migrated"
        data_dir.mkdir()
        postgres.execute("CREATE DATABASE migrated")
        env = app_env(database_url=postgres.url("migrated"), data_dir=data_dir)
        started = time.monotonic()
        manage(env, "migrate", "--noinput", "-v0")
        TIMINGS["migrate"] = time.monotonic() - started
        self.migrated = Seed("migrated", data_dir)
        self._demo = Seed("demo", folder / "demo")
        shutil.copytree(data_dir, self._demo.data_dir)
        postgres.execute('CREATE DATABASE demo TEMPLATE migrated')
        self._log = folder / "load_demo_data.log"
        self._started = time.monotonic()
        with self._log.open("wb") as log:
            self._loading: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "manage.py", "load_demo_data"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                env=app_env(database_url=postgres.url("demo"), data_dir=self._demo.data_dir))

    def demo(self) -> Seed:
        if self._loading is not None:
            code = self._loading.wait(timeout=600)
            TIMINGS["load_demo_data (in the background)"] = time.monotonic() - self._started
            self._loading = None
            if code != 0:
                raise RuntimeError(f"load_demo_data failed ({code}):\n{log_tail(self._log)}")
        return self._demo

    def close(self) -> None:
        if self._loading is not None and self._loading.poll() is None:
            self._loading.kill()
            self._loading.wait(timeout=10)


@pytest.fixture(scope="session")
def seeds(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeds]:
    templates = Seeds(postgres, tmp_path_factory.mktemp("faults-seeds"))
    try:
        yield templates
    finally:
        templates.close()


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def describe(self) -> str:
        """pid, exit code or kernel state (and what it waits in), children: for failure messages."""
        if not self.alive():
            return f"{self.name} pid {self.pid}: exited with {self.popen.returncode}"
        try:
            state = next(line for line in Path(f"/proc/{self.pid}/status").read_text().splitlines()
                         if line.startswith("State:")).split(":", 1)[1].strip()
            waiting = Path(f"/proc/{self.pid}/wchan").read_text().strip()
        except (OSError, StopIteration):
            state, waiting = "?", "?"
        return f"{self.name} pid {self.pid}: {state}, in {waiting}, children {sorted(children_of(self.pid))}"

    def kill_group(self) -> None:
        """SIGKILL the process and everything it forked (gunicorn's workers, RQ's work horse, which RQ moves to a
        process group of its own): a crash."""
        descendants = descendants_of(self.popen.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        for pid in descendants:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        """At the end of a test: nothing there needs a graceful stop (the database is dropped next)."""
        if self.alive() or descendants_of(self.popen.pid):
            self.kill_group()


@dataclass
class Redis:
    """A redis-server on a fixed free port that a test can kill and start again (no persistence: a restart is
    empty, as after losing the machine)."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1, socket_timeout=2)

    def start(self) -> None:
        server = redis_server_path()
        assert server is not None
        log = (self.folder / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [server, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder), "--save", "",
             "--appendonly", "no", "--daemonize", "no"], stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)

        def answers() -> bool:
            try:
                return bool(self.client().ping())
            except Exception:
                return False

        wait_for("redis-server", answers, timeout=20, explain=lambda: log_tail(self.folder / "redis.log"))

    def kill(self) -> None:
        """SIGKILL: the server is gone at once, with everything it held."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class Stack:
    """One test's world: its database (a copy of the seed), data directory, optional Redis, and processes."""

    def __init__(self, postgres: Postgres, seed: Seed, folder: Path, name: str) -> None:
        self.postgres = postgres
        self.folder = folder
        self.database = name
        self.data_dir = folder / "data"
        shutil.copytree(seed.data_dir, self.data_dir)
        postgres.execute(f'CREATE DATABASE "{name}" TEMPLATE "{seed.database}"')
        self.redis: Redis | None = None
        self.processes: list[Process] = []

    def with_redis(self) -> Redis:
        """Start this test's Redis (only the tests that use one need redis-server: the database backend's don't)."""
        if redis_server_path() is None:
            (pytest.fail if _required() else pytest.skip)("redis-server is missing (apt-get install redis-server)")
        self.redis = Redis(self.folder)
        self.redis.start()
        return self.redis

    def env(self, *, rq: bool = True, **extra: str) -> dict[str, str]:
        """The app's environment: the RQ backend over this test's Redis, or (``rq=False``) the database backend."""
        if rq:
            assert self.redis is not None, "start Redis first (stack.with_redis())"
            return app_env(database_url=self.postgres.url(self.database), data_dir=self.data_dir,
                           redis_url=self.redis.url, task_backend="django_tasks_rq.RQBackend", **extra)
        return app_env(database_url=self.postgres.url(self.database), data_dir=self.data_dir, **extra)

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> Process:
        log = self.folder / f"{name}.log"
        with log.open("ab") as out:
            popen = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def manage_process(self, name: str, *args: str, env: dict[str, str]) -> Process:
        return self.spawn(name, [sys.executable, "manage.py", *args], env)

    def rqworker(self, name: str, env: dict[str, str], *, launcher: list[str] | None = None) -> Process:
        argv = launcher or [sys.executable, "manage.py"]
        return self.spawn(name, [*argv, "rqworker", "--job-class", "django_tasks_rq.Job", "default"], env)

    def gunicorn(self, env: dict[str, str], *, workers: int = 2) -> tuple[Process, str]:
        """gunicorn as `make run-prod` starts it; returns the process and base URL once it serves."""
        port = free_port()
        process = self.spawn("gunicorn", [
            str(Path(sys.executable).parent / "gunicorn"), "tongban.conf.wsgi", "--config",
            "python:tongban.conf.gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--threads", "4", "--graceful-timeout", "5", "--timeout", "60"], env)
        base = f"http://127.0.0.1:{port}"

        def serving() -> bool:
            if not process.alive():
                pytest.fail("gunicorn stopped\n" + log_tail(process.log))
            return (http("GET", f"{base}/api/v1/health", timeout=5).status == 200
                    and len(children_of(process.pid)) == workers)

        wait_for("gunicorn", serving, timeout=READY_TIMEOUT, interval=0.5, explain=lambda: log_tail(process.log))
        return process, base

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.postgres.execute(sql, params, database=self.database)

    def logs(self) -> str:
        return "\n".join([*(p.describe() for p in self.processes), *(log_tail(p.log) for p in self.processes)])

    def close(self) -> None:
        for process in reversed(self.processes):
            process.stop()
        if self.redis is not None:
            self.redis.kill()
        with contextlib.suppress(Exception):  # the session's cluster goes away anyway
            self.postgres.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


_counter = iter(range(1, 1_000_000))


@pytest.fixture
def stack(postgres: Postgres, seeds: Seeds, tmp_path: Path) -> Iterator[Stack]:
    """A test's own copy of the migrated database (no demo data) and data directory."""
    world = Stack(postgres, seeds.migrated, tmp_path, f"fault_{next(_counter)}")
    try:
        yield world
    finally:
        world.close()


@pytest.fixture
def demo_stack(postgres: Postgres, seeds: Seeds, tmp_path: Path) -> Iterator[Stack]:
    """A test's own copy of the database with the demo data (items, demo citizens, licences)."""
    world = Stack(postgres, seeds.demo(), tmp_path, f"fault_{next(_counter)}")
    try:
        yield world
    finally:
        world.close()


@dataclass(frozen=True)
class Record:
    started: float  # time.monotonic()
    ended: float
    url: str
    status: int  # 0: no HTTP answer
    error: str


class Load:
    """Threads requesting URLs over and over (``per_url`` threads each); every answer is recorded."""

    def __init__(self, urls: list[str], *, per_url: int = 2, timeout: float = 5.0) -> None:
        self.urls = urls
        self.timeout = timeout
        self.records: list[Record] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(url,), daemon=True)
                         for url in urls for _ in range(per_url)]

    def _run(self, url: str) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            reply = http("GET", url, timeout=self.timeout)
            with self._lock:
                self.records.append(Record(started, time.monotonic(), url, reply.status, reply.error))
            if reply.status != 200:
                time.sleep(0.05)  # do not spin on a refused connection

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=self.timeout + 5)

    def snapshot(self) -> list[Record]:
        with self._lock:
            return list(self.records)

    def started_after(self, url: str, moment: float) -> int:
        """How many requests for ``url`` began after ``moment`` (time.monotonic) and have answered."""
        return sum(1 for record in self.snapshot() if record.url == url and record.started > moment)

    def streak(self, url: str) -> int:
        """How many answers in a row, the latest last, were 200 for ``url``."""
        count = 0
        for record in reversed(self.snapshot()):
            if record.url != url:
                continue
            if record.status != 200:
                break
            count += 1
        return count
