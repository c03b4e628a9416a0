"""``make run-prod``: the production profile on one machine, under var/prod/.

PostgreSQL 15 (WAL archived to var/prod/wal-archive), Redis (append-only file: the task queue survives a restart),
an S3-compatible object store for materials, RQ task workers, one scheduler, gunicorn with several processes and
nginx in front on http://127.0.0.1:$PORT. Debian's postgresql, redis-server and nginx are installed through apt
where missing. The object store is taken from TONGBAN_S3_ENDPOINT_URL/TONGBAN_S3_BUCKET/TONGBAN_S3_ACCESS_KEY/
TONGBAN_S3_SECRET_KEY when they are set; otherwise this machine runs s3rver (a small S3-compatible server that keeps
objects on disk, from the npm registry) as the stand-in for MinIO or Ceph. Ctrl-C stops everything.

On several machines each part runs on its own hosts instead: docs/operations/production.md.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from nginx_site import nginx_binary, nginx_config  # deploy/ is on sys.path when this script runs

ROOT = Path(__file__).resolve().parents[1]
PROD = ROOT / "var" / "prod"
PY = Path(sys.executable)
BIN = PY.parent
PORT = int(os.environ.get("PORT", "8000"))
PG_PORT = int(os.environ.get("PROD_PG_PORT", "55450"))
REDIS_PORT = int(os.environ.get("PROD_REDIS_PORT", "6390"))
S3_PORT = int(os.environ.get("PROD_S3_PORT", "9400"))
APP_PORTS = [8101 + i for i in range(int(os.environ.get("PROD_APP_NODES", "2")))]
WORKERS_PER_NODE = int(os.environ.get("PROD_GUNICORN_WORKERS", "2"))
RQ_WORKERS = int(os.environ.get("PROD_RQ_WORKERS", "2"))
S3RVER_VERSION = "3.7.1"
APT_PACKAGES = {"postgresql-15": "/usr/lib/postgresql/15/bin/initdb", "redis-server": "redis-server",
                "nginx": "nginx"}


def say(message: str) -> None:
    print(f"[run-prod] {message}", flush=True)


def fail(message: str) -> None:
    print(f"[run-prod] 无法启动：{message}", file=sys.stderr, flush=True)
    sys.exit(1)


def _found(program: str) -> bool:
    return Path(program).exists() if program.startswith("/") else shutil.which(program, path=_path()) is not None


def _path() -> str:
    return os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin"


def install_missing() -> None:
    missing = [package for package, program in APT_PACKAGES.items() if not _found(program)]
    if not missing:
        return
    if os.geteuid() != 0:
        fail(f"缺少 {' '.join(missing)}：请先运行 sudo apt-get install -y {' '.join(missing)}")
    say(f"apt-get install {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], check=True, env=env)


def wait_port(port: int, what: str, process: subprocess.Popen[bytes] | None = None, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            fail(f"{what} 已退出（返回码 {process.returncode}），日志在 {PROD / 'log'}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    fail(f"{what} 在 {seconds:.0f} 秒内没有监听 127.0.0.1:{port}")


def as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def pg_bin(name: str) -> str:
    for candidate in (Path("/usr/lib/postgresql/15/bin") / name, Path(shutil.which(name) or "/nonexistent")):
        if candidate.exists():
            return str(candidate)
    fail(f"找不到 PostgreSQL 的 {name}")
    raise AssertionError


def start_postgres(log_dir: Path) -> None:
    data = PROD / "pg"
    archive = PROD / "wal-archive"
    if not (data / "PG_VERSION").exists():
        say("initdb var/prod/pg (PostgreSQL 15)")
        data.mkdir(parents=True, exist_ok=True)
        archive.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "postgres", str(data), str(archive)], check=True)
        subprocess.run(as_postgres([pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E",
                                    "UTF8", "--locale=C.UTF-8"]), check=True, stdout=subprocess.DEVNULL)
        # Production-like: durable commits, WAL archived (point-in-time recovery), room for the app's pools.
        with (data / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {PG_PORT}\nunix_socket_directories = '{data}'\n"
                       "max_connections = 200\nshared_buffers = '512MB'\neffective_cache_size = '4GB'\n"
                       "work_mem = '16MB'\nmaintenance_work_mem = '256MB'\nwal_level = replica\n"
                       "archive_mode = on\n"
                       f"archive_command = 'test ! -f {archive}/%f && cp %p {archive}/%f'\n"
                       "archive_timeout = 60\nmax_wal_senders = 5\n")
    if os.geteuid() == 0:
        subprocess.run(["chown", "postgres", str(log_dir)], check=False)
    status = subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", str(data), "status"]), capture_output=True)
    if status.returncode != 0:
        say(f"PostgreSQL on 127.0.0.1:{PG_PORT}")
        subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", str(data), "-l", str(log_dir / "postgresql.log"),
                                    "-w", "start"]), check=True, stdout=subprocess.DEVNULL)
    exists = subprocess.run([pg_bin("psql"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "-tAc",
                             "SELECT 1 FROM pg_database WHERE datname = 'tongban'"], capture_output=True, text=True)
    if exists.stdout.strip() != "1":
        subprocess.run([pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "tongban"],
                       check=True)


def stop_postgres() -> None:
    subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", str(PROD / "pg"), "-m", "fast", "-w", "stop"]),
                   capture_output=True)


class Processes:
    """The children this script started; stopped in reverse order."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.children.append((name, process))
        return process

    def stop(self) -> None:
        for _name, process in reversed(self.children):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for _name, process in reversed(self.children):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()


def start_s3(processes: Processes) -> dict[str, str]:
    """The object store's settings: the operator's, or s3rver on this machine."""
    if os.environ.get("TONGBAN_S3_ENDPOINT_URL"):
        return {}
    npm = shutil.which("npm")
    if npm is None:
        say("未找到 npm：材料存放在本机文件系统（设置 TONGBAN_S3_* 可改用对象存储）")
        return {"TONGBAN_FILE_STORAGE": "django.core.files.storage.FileSystemStorage"}
    prefix = PROD / "s3rver"
    server = prefix / "node_modules" / "s3rver" / "bin" / "s3rver.js"
    if not server.exists():
        say(f"npm install s3rver@{S3RVER_VERSION} (S3-compatible stand-in for MinIO/Ceph on this machine)")
        subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(prefix),
                        f"s3rver@{S3RVER_VERSION}"], check=True)
    (PROD / "s3").mkdir(parents=True, exist_ok=True)
    process = processes.start("s3rver", ["node", str(server), "--address", "127.0.0.1", "--port", str(S3_PORT),
                                         "--directory", str(PROD / "s3"), "--silent"])
    wait_port(S3_PORT, "s3rver", process)
    settings = {"TONGBAN_FILE_STORAGE": "storages.backends.s3.S3Storage", "TONGBAN_S3_BUCKET": "tongban-materials",
                "TONGBAN_S3_ENDPOINT_URL": f"http://127.0.0.1:{S3_PORT}", "TONGBAN_S3_ACCESS_KEY": "S3RVER",
                "TONGBAN_S3_SECRET_KEY": "S3RVER", "TONGBAN_S3_REGION": "us-east-1"}
    import boto3  # the venv's, installed with the base requirements

    client = boto3.client("s3", endpoint_url=settings["TONGBAN_S3_ENDPOINT_URL"], aws_access_key_id="S3RVER",
                          aws_secret_access_key="S3RVER", region_name="us-east-1")
    if settings["TONGBAN_S3_BUCKET"] not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
        client.create_bucket(Bucket=settings["TONGBAN_S3_BUCKET"])
    return settings


def main() -> None:
    install_missing()
    log_dir = PROD / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    data_dir = PROD / "data"
    secret = (ROOT / "var" / "secret_key").read_text().strip()
    processes = Processes(log_dir)
    start_postgres(log_dir)
    try:
        redis = processes.start("redis", [shutil.which("redis-server", path=_path()) or "redis-server",
                                          "--bind", "127.0.0.1", "--port", str(REDIS_PORT), "--dir", str(PROD),
                                          "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""])
        wait_port(REDIS_PORT, "Redis", redis)
        env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PG_PORT}/tongban",
               "TONGBAN_REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
               "TONGBAN_TASK_BACKEND": "django_tasks_rq.RQBackend", "TONGBAN_DATA_DIR": str(data_dir),
               "TONGBAN_SECRET_KEY": secret, "TONGBAN_DEMO": "1", "TONGBAN_ALLOW_DERIVED_KEYS": "1",
               "TONGBAN_TRUSTED_PROXIES": "1", "TONGBAN_PUBLIC_URL": f"http://127.0.0.1:{PORT}",
               "TONGBAN_CSRF_TRUSTED_ORIGINS": f"http://127.0.0.1:{PORT},http://localhost:{PORT}"}
        env.update(start_s3(processes))
        manage = [str(PY), "manage.py"]
        for step in (["migrate", "--noinput"], ["collectstatic", "--noinput", "-v0"], ["load_demo_data"]):
            say(" ".join(["manage.py", *step]))
            subprocess.run([*manage, *step], cwd=ROOT, env=env, check=True)
        restartable = {f"rqworker-{index + 1}": [*manage, "rqworker", "default"] for index in range(RQ_WORKERS)}
        restartable["scheduler"] = [*manage, "run_worker"]
        for name, command in restartable.items():
            processes.start(name, command, env)
        for port in APP_PORTS:
            app = processes.start(f"gunicorn-{port}", [
                str(BIN / "gunicorn"), "tongban.conf.wsgi", "--config", "python:tongban.conf.gunicorn",
                "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS_PER_NODE), "--threads", "4",
                "--max-requests", "5000", "--max-requests-jitter", "500", "--graceful-timeout", "20",
                "--access-logfile", "-"], env)
            wait_port(port, f"gunicorn 127.0.0.1:{port}", app, seconds=120)
        config = nginx_config(PROD / "nginx", listen=f"127.0.0.1:{PORT}", app_ports=APP_PORTS,
                              static_root=data_dir / "static", log_dir=PROD / "log")
        nginx = processes.start("nginx", [nginx_binary() or "/usr/sbin/nginx", "-c", str(config), "-g", "daemon off;"])
        wait_port(PORT, "nginx", nginx)
        say(f"通办（生产配置）：http://127.0.0.1:{PORT}/ — nginx → gunicorn {len(APP_PORTS)}×{WORKERS_PER_NODE} "
            f"进程，RQ 任务进程 {RQ_WORKERS} 个，PostgreSQL :{PG_PORT}，Redis :{REDIS_PORT}；日志 {log_dir}")
        say("Ctrl-C 停止全部进程")
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping:
            for index, (name, process) in enumerate(processes.children):
                if process.poll() is None:
                    continue
                if name in restartable:  # as a supervisor would (systemd Restart=always): an RQ worker quits
                    say(f"{name} 已退出（返回码 {process.returncode}），重新启动")  # when it loses Redis
                    time.sleep(2)
                    processes.children[index] = (name, processes.start(name, restartable[name], env))
                    continue
                say(f"{name} 已退出（返回码 {process.returncode}），停止全部进程；日志 {log_dir / (name + '.log')}")
                stopping = True
                break
            time.sleep(1)
    finally:
        say("停止中…")
        processes.stop()
        stop_postgres()


if __name__ == "__main__":
    main()
