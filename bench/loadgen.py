"""The benchmarks' load client: a bounded asyncio HTTP client, run as its own process so that load and server do
not share a core budget invisibly (harness.load starts it). Usage:

    python bench/loadgen.py MODE BASE_URL DURATION CONCURRENCY SPEC_FILE

CONCURRENCY clients run for DURATION seconds; SPEC_FILE is JSON whose keys depend on MODE:

* ``get``: ``paths`` (cycled), optional ``headers`` (one set per client, cycled: a bearer token or a session
  cookie) and ``expect`` (text a 200 page must contain);
* ``submit``: ``drafts``, ``[token, draft_id]`` pairs, each submitted once with a fresh ``Idempotency-Key``
  (``POST /api/v1/applicant/drafts/{id}/submission``, 201 expected);
* ``login``: ``phones`` and ``password``: password logins on ``/account/login/`` (302 expected), each a fresh
  sign-in that sends back only the CSRF cookie;
* ``refresh``: ``web`` ([client_id, secret]) and ``refresh_tokens`` (one chain per client) on ``/oidc/token/``;
* ``client_credentials``: ``service`` ([client_id, secret]) on ``/oidc/token/``.

Prints one JSON line: requests, errors, rps (successful requests per second), p50_ms, p95_ms, p99_ms, seconds,
pool_exhausted (``submit``: every draft was used before the time was up) and error_samples.
"""

from __future__ import annotations

import asyncio
import base64
import http.cookiejar
import itertools
import json
import re
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx


@dataclass
class Tally:
    """What the clients of one run measured."""

    deadline: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    exhausted: bool = False

    def running(self) -> bool:
        return time.perf_counter() < self.deadline

    async def timed(self, request: Awaitable[httpx.Response]) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response: httpx.Response | None = await request
        except httpx.HTTPError as error:
            response = None
            self.errors.append(f"{type(error).__name__}: {error}"[:300])
        self.latencies.append(time.perf_counter() - started)
        return response

    def check(self, response: httpx.Response | None, status: int, what: str, expect: str = "") -> bool:
        if response is None:
            return False
        if response.status_code != status or (expect and expect not in response.text):
            self.errors.append(f"{what}: HTTP {response.status_code} {response.headers.get('location', '')} "
                               f"{response.text[:200] if response.status_code >= 400 else ''}".strip())
            return False
        return True


Worker = Callable[[httpx.AsyncClient, int, dict[str, Any], Tally], Awaitable[None]]


async def _get(client: httpx.AsyncClient, index: int, spec: dict[str, Any], tally: Tally) -> None:
    paths, sets = spec["paths"], spec.get("headers") or [{}]
    headers = sets[index % len(sets)]
    for turn in itertools.count(index):
        if not tally.running():
            return
        path = paths[turn % len(paths)]
        tally.check(await tally.timed(client.get(path, headers=headers)), 200, path, spec.get("expect", ""))


async def _submit(client: httpx.AsyncClient, index: int, spec: dict[str, Any], tally: Tally) -> None:
    queue: asyncio.Queue[list[Any]] = spec["queue"]
    while tally.running():
        try:
            token, draft_id = queue.get_nowait()
        except asyncio.QueueEmpty:
            tally.exhausted = True
            return
        response = await tally.timed(client.post(
            f"/api/v1/applicant/drafts/{draft_id}/submission",
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}))
        tally.check(response, 201, "submission")


async def _login(client: httpx.AsyncClient, index: int, spec: dict[str, Any], tally: Tally) -> None:
    """One browser: a GET for the CSRF cookie and token, then password logins that must all answer 302."""
    page = await client.get("/account/login/")
    cookie = page.cookies.get("csrftoken")
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if page.status_code != 200 or not cookie or not found:
        tally.errors.append(f"login page: HTTP {page.status_code}, csrftoken cookie {bool(cookie)}, "
                            f"form token {bool(found)}")
        return
    form = {"csrfmiddlewaretoken": found.group(1), "mode": "password", "password": spec["password"]}
    phones = spec["phones"]
    for turn in itertools.count(index):
        if not tally.running():
            return
        # Only the CSRF cookie goes back: every request is a fresh sign-in, not a signed-in session's.
        response = await tally.timed(client.post("/account/login/", data={**form, "identifier": phones[
            turn % len(phones)]}, headers={"Cookie": f"csrftoken={cookie}"}))
        tally.check(response, 302, "login")


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


async def _refresh(client: httpx.AsyncClient, index: int, spec: dict[str, Any], tally: Tally) -> None:
    """One refresh-token chain: tokens rotate, so always present the newest one."""
    auth, token = _basic(*spec["web"]), spec["refresh_tokens"][index]
    while tally.running():
        response = await tally.timed(client.post("/oidc/token/", data={
            "grant_type": "refresh_token", "refresh_token": token}, headers={"Authorization": auth}))
        if not tally.check(response, 200, "refresh") or response is None:
            return  # the chain is broken; going on would only measure errors
        token = response.json()["refresh_token"]


async def _client_credentials(client: httpx.AsyncClient, index: int, spec: dict[str, Any], tally: Tally) -> None:
    auth = _basic(*spec["service"])
    while tally.running():
        response = await tally.timed(client.post("/oidc/token/", data={"grant_type": "client_credentials"},
                                                 headers={"Authorization": auth}))
        tally.check(response, 200, "client_credentials", expect="access_token")


MODES: dict[str, Worker] = {"get": _get, "submit": _submit, "login": _login, "refresh": _refresh,
                            "client_credentials": _client_credentials}


async def _warm_up(client: httpx.AsyncClient, mode: str, spec: dict[str, Any]) -> None:
    """Connections opened and each worker process's first request made, before the clock starts."""
    if mode == "get":
        for headers in spec.get("headers") or [{}]:
            await client.get(spec["paths"][0], headers=headers)
        for path in spec["paths"][:20]:
            await client.get(path, headers=(spec.get("headers") or [{}])[0])
    elif mode == "login":
        await client.get("/account/login/")
    else:
        await client.get("/api/v1/ping")


async def run(mode: str, base_url: str, duration: float, concurrency: int, spec: dict[str, Any]) -> dict[str, Any]:
    worker = MODES.get(mode)
    if worker is None:
        raise SystemExit(f"unknown load mode {mode!r}; known: {', '.join(MODES)}")
    if mode == "refresh" and len(spec["refresh_tokens"]) < concurrency:
        raise SystemExit(f"need {concurrency} refresh tokens, got {len(spec['refresh_tokens'])}")
    if mode == "submit":
        spec["queue"] = asyncio.Queue()
        for item in spec["drafts"]:
            spec["queue"].put_nowait(item)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # No cookie jar: each client sends exactly the credentials its spec gives it.
    no_cookies = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120, cookies=no_cookies) as client:
        await _warm_up(client, mode, spec)
        started = time.perf_counter()
        tally = Tally(deadline=started + duration)
        await asyncio.gather(*(worker(client, index, spec, tally) for index in range(concurrency)))
        elapsed = time.perf_counter() - started
    return summary(tally.latencies, len(tally.errors), elapsed) | {
        "pool_exhausted": tally.exhausted, "error_samples": sorted(set(tally.errors))[:5]}


def summary(latencies: list[float], errors: int, elapsed: float) -> dict[str, Any]:
    """Requests, errors, successful requests per second and latency percentiles (ms) of one scenario."""
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"requests": len(latencies), "errors": errors, "rps": (len(latencies) - errors) / elapsed,
            "seconds": elapsed, "p50_ms": quantiles[49] * 1000, "p95_ms": quantiles[94] * 1000,
            "p99_ms": quantiles[98] * 1000}


if __name__ == "__main__":
    load_mode, load_base, load_seconds, load_clients, load_spec = sys.argv[1:6]
    print(json.dumps(asyncio.run(run(load_mode, load_base, float(load_seconds), int(load_clients),
                                     json.loads(Path(load_spec).read_text(encoding="utf-8"))))))
