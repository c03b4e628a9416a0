"""nginx in front of the app nodes on one machine: deploy/nginx/tongban.conf with its @…@ fields filled, inside a
minimal main configuration whose pid, logs and temporary files stay in one folder (no root-owned paths, so it
runs beside the system's nginx). Used by ``make run-prod`` (deploy/run_prod.py) and ``make bench`` (bench/harness.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "deploy" / "nginx" / "tongban.conf"


def nginx_binary() -> str | None:
    """Debian's nginx (``/usr/sbin`` is not on every PATH), or None."""
    return shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")


def nginx_config(folder: Path, *, listen: str, app_ports: list[int], static_root: Path, log_dir: Path,
                 workers: int = 2) -> Path:
    """Write ``folder``/nginx.conf (and the filled site beside it) for nginx on ``listen`` (host:port) proxying to
    gunicorn on the loopback ``app_ports``; returns its path, for ``nginx -c PATH -g 'daemon off;'``."""
    site = (SITE.read_text()
            .replace("@UPSTREAM_SERVERS@", "\n    ".join(
                f"server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" for port in app_ports))
            .replace("@LISTEN@", listen).replace("@SERVER_NAME@", "127.0.0.1 localhost")
            .replace("@STATIC_ROOT@", str(static_root)))
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    (folder / "tongban.conf").write_text(site)
    user = "user root;\n" if os.geteuid() == 0 else ""  # the workers must read the static files
    temp = "".join(f"    {kind}_temp_path {folder}/tmp/{kind.split('_')[0]};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = (f"{user}worker_processes {workers};\npid {folder}/nginx.pid;\nerror_log {log_dir}/nginx-error.log warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
            f"    access_log {log_dir}/nginx-access.log;\n{temp}"
            f"    include {folder}/tongban.conf;\n}}\n")
    (folder / "nginx.conf").write_text(main)
    return folder / "nginx.conf"
