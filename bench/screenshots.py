"""Phone screenshots of the demo site for the docs: ``.venv/bin/python bench/screenshots.py``.

Loads the Yunnan demo data into a throw-away SQLite database, serves it with gunicorn and saves, at 390x844:
docs/screenshots/home-mobile.png, guide-mobile.png (出生登记 on the 石林 site) and home-care.png (长辈模式).
Needs Debian's Chromium at /usr/bin/chromium and the playwright package; never downloads a browser.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SHILIN = "530126000000"
SHOTS = [  # file, path, cookies
    ("home-mobile.png", "/", {}),
    ("guide-mobile.png", "/items/070010001000/", {"tb_site": SHILIN}),
    ("home-care.png", "/", {"tb_care": "1"}),
]


SECRET = secrets.token_urlsafe(50)


def _env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
           and not k.startswith("TONGBAN_")}
    env.update({"DJANGO_SETTINGS_MODULE": "tongban.conf.settings", "TONGBAN_DATA_DIR": str(data),
                "TONGBAN_DEBUG": "0", "TONGBAN_SECRET_KEY": SECRET, "TONGBAN_DEMO": "1", "TONGBAN_ALLOW_DERIVED_KEYS": "1",
                "TONGBAN_LOG_LEVEL": "WARNING"})
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if urlopen(f"{base}/readyz", timeout=2).status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the demo server did not become ready at {base}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tongban-shots-") as tmp:
        env = _env(Path(tmp))
        for args in (["migrate", "--noinput", "-v0"], ["load_demo_data"]):
            subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "tongban.conf.wsgi", "--bind",
                                   f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"], cwd=ROOT, env=env)
        try:
            _wait_ready(base, server)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                for name, path, cookies in SHOTS:
                    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                                  device_scale_factor=1)
                    context.add_cookies([{"name": k, "value": v, "url": base} for k, v in cookies.items()])
                    page = context.new_page()
                    page.goto(base + path, wait_until="networkidle")
                    page.screenshot(path=str(OUT / name))
                    context.close()
                    print(OUT / name)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=15)


if __name__ == "__main__":
    main()
