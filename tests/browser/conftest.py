"""End-to-end browser tests: the real app under gunicorn, driven by Debian's Chromium through Playwright.

The demo data is loaded once per session into a temporary SQLite database (never the suite's PostgreSQL);
each server gets its own copy of that database, so tests that change data (the workbench) cannot disturb
the citizen-portal tests. Skipped when /usr/bin/chromium is missing, unless TONGBAN_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

try:
    from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
except ImportError:  # pragma: no cover - reported by _browser_missing()
    sync_playwright = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "Demo@Tongban2026"
SHILIN = "530126000000"  # 石林彝族自治县, the demo county site
READY_TIMEOUT = 60.0


def _browser_missing() -> str | None:
    if sync_playwright is None:
        return "the playwright package is not installed"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


def _required() -> bool:
    return os.environ.get("TONGBAN_REQUIRE_BROWSER") == "1"


if sync_playwright is None and not _required():
    collect_ignore_glob = ["test_*.py"]  # they import playwright; nothing to run without it


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = _browser_missing()
    ours = [item for item in items if HERE in Path(str(item.path)).parents]
    if ours and missing and _required():
        raise pytest.UsageError(f"TONGBAN_REQUIRE_BROWSER=1 but the browser tests cannot run: {missing}")
    for item in ours:
        item.add_marker(pytest.mark.browser)
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {missing}"))


# ------------------------------------------------------------------ the app under gunicorn


SESSION_SECRET = secrets.token_urlsafe(50)


def _child_env(data_dir: Path) -> dict[str, str]:
    """The environment of the app: SQLite in ``data_dir``, production settings, demo banner on."""
    env = {k: v for k, v in os.environ.items()
           if k != "DATABASE_URL" and k != "DJANGO_SETTINGS_MODULE" and not k.startswith("TONGBAN_")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "tongban.conf.settings",
        "TONGBAN_DATA_DIR": str(data_dir),
        "TONGBAN_DEBUG": "0",
        "TONGBAN_ALLOW_DERIVED_KEYS": "1",
        "TONGBAN_SECRET_KEY": SESSION_SECRET,  # one per run: the data keys derive from it
        "TONGBAN_DEMO": "1",
        "TONGBAN_CAPTCHA_REVEAL": "1",  # /dev/captcha/ shows the browser its own captcha text, as /dev/sms/ its SMS
        "TONGBAN_LOG_LEVEL": "WARNING",
    })
    return env


def _manage(data_dir: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=_child_env(data_dir),
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def seed_demo_database(data_dir: Path) -> Path:
    """Migrate and load the Yunnan demo data into ``data_dir``; returns the SQLite file."""
    data_dir.mkdir(parents=True, exist_ok=True)
    _manage(data_dir, "migrate", "--noinput", "-v0")
    _manage(data_dir, "load_demo_data")
    return data_dir / "tongban.sqlite3"


def run_demo_server(seed: Path, data_dir: Path) -> Iterator[str]:
    """Serve a private copy of the seeded database with gunicorn; yields the base URL, stops it afterwards."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(seed) as source, sqlite3.connect(data_dir / "tongban.sqlite3") as target:
        source.backup(target)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = data_dir / "gunicorn.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(gunicorn), "tongban.conf.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
            cwd=ROOT, env=_child_env(data_dir), stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while not _ready(f"{base}/readyz"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the demo server did not become ready at {base}/readyz:\n"
                                   + log_path.read_text(errors="replace")[-4000:])
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def demo_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo database, migrated and loaded once per session."""
    return seed_demo_database(tmp_path_factory.mktemp("tongban-seed"))


@pytest.fixture(scope="session")
def demo_server(demo_seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of the demo site for the citizen-portal tests (read-only use)."""
    yield from run_demo_server(demo_seed, tmp_path_factory.mktemp("tongban-portal"))


@pytest.fixture(scope="module")
def workbench_server(demo_seed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second demo server for one module whose tests change catalogue data."""
    yield from run_demo_server(demo_seed, tmp_path_factory.mktemp("tongban-workbench"))


@pytest.fixture
def server_url(demo_server: str) -> str:
    """The server a test module talks to; test_workbench.py overrides it with ``workbench_server``."""
    return demo_server


# ------------------------------------------------------------------ Chromium


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    missing = _browser_missing()
    if missing and _required():
        pytest.fail(f"browser tests cannot run: {missing}")
    if missing:
        pytest.skip(missing)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


MakePage = Callable[..., "Page"]


@pytest.fixture
def new_page(browser: Browser, server_url: str) -> Iterator[MakePage]:
    """Open a page in a fresh context (phone viewport, zh-CN), e.g. ``new_page(javascript=False, site=SHILIN)``;
    ``site`` and ``care`` preset the cookies the site-switch and 长辈模式 forms would set."""
    contexts: list[BrowserContext] = []

    def make(*, javascript: bool = True, site: str | None = None, care: bool = False, **options: Any) -> Page:
        context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=javascript,
                                      base_url=server_url, **options)
        context.set_default_timeout(10_000)
        if site:
            context.add_cookies([{"name": "tb_site", "value": site, "url": server_url}])
        if care:
            context.add_cookies([{"name": "tb_care", "value": "1", "url": server_url}])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: MakePage) -> Page:
    """A phone-sized page with JavaScript on, on the province site."""
    return new_page()


@pytest.fixture
def nojs_page(new_page: MakePage) -> Page:
    """A phone-sized page with JavaScript disabled: everything must still work."""
    return new_page(javascript=False)


def item_names(page: Page, lists: str = "main ul.items") -> list[str]:
    """The item names in the item lists matched by ``lists``, in order."""
    return [name.strip() for name in page.locator(f"{lists} > li .name").all_inner_texts()]


def visible_item_names(page: Page, lists: str = "main ul.items") -> list[str]:
    """Only those a person can actually see (not hidden by CSS)."""
    return [name.strip() for name in page.locator(f"{lists} > li:visible .name").all_inner_texts()]
