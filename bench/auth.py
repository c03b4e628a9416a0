"""`make bench-auth`: password logins, refresh-token grants and client-credential grants, beside a bare endpoint.

Builds (once) a benchmark database in var/bench/auth/ with the Yunnan demo data; every run registers fresh OIDC
clients and obtains fresh refresh tokens through a real authorization-code + PKCE flow (Django's test client inside
`manage.py shell`), serves the database with gunicorn, drives load from a separate process (this file with
``--load``, which can POST) and prints a table; the same figures go to bench/results/auth.json. Each password login
and each token request costs one Argon2id verification (the password, or the hashed client secret): that cost is what
these figures show. This is a benchmark, not a test.
"""

from __future__ import annotations

import asyncio
import base64
import http.cookiejar
import itertools
import json
import re
import statistics
import subprocess
import sys
import time
from typing import Any

from harness import (
    BASELINE,
    BASELINE_PATHS,
    CONCURRENCY,
    DURATION,
    PY,
    ROOT,
    load_get,
    manage,
    prepare_once,
    report,
    served,
)

DATA = ROOT / "var" / "bench" / "auth"
DEMO_PHONES = ["13800000001", "13800000002", "13800000003", "13800000004"]  # tongban/demo/loader.py DEMO_PEOPLE
DEMO_PASSWORD = "Demo@Tongban2026"  # noqa: S105 - the published demo password

# Runs inside `manage.py shell -c`: registers the clients through the app's own service and walks the
# authorization-code + PKCE flow once per refresh-token chain. The last printed line is JSON.
PREPARE = r"""
import base64, hashlib, json, secrets
from urllib.parse import parse_qs, urlsplit
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from tongban.identity import services as identity_services
from tongban.identity.models import AuthFailure
from tongban.oidc import services

PHONES, CHAINS = json.loads(%(args)r)
REDIRECT = "https://rp.bench.invalid/callback"
# Leftovers of an interrupted earlier run must not lock a demo account or throttle 127.0.0.1.
AuthFailure.objects.all().delete()
get_user_model().objects.filter(failed_logins__gt=0).update(failed_logins=0)
get_user_model().objects.filter(locked_until__isnull=False).update(locked_until=None)
service = services.client_register(
    actor_user=None, may_register=True, name="基准测试部门系统", department_name="基准测试", kind="service",
    redirect_uris="", post_logout_redirect_uris="", allowed_scopes=("openid",), sensitive_scopes_approved=False)
web = services.client_register(
    actor_user=None, may_register=True, name="基准测试接入系统", department_name="基准测试", kind="web",
    redirect_uris=REDIRECT, post_logout_redirect_uris=REDIRECT, allowed_scopes=("openid", "profile"),
    sensitive_scopes_approved=False)
browsers = {}
for phone in PHONES:
    browsers[phone] = HttpClient()
    browsers[phone].force_login(identity_services.account_find(identifier=phone))
refresh = []
for index in range(CHAINS):
    browser = browsers[PHONES[index %% len(PHONES)]]
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {"response_type": "code", "client_id": web.client_id, "redirect_uri": REDIRECT,
              "scope": "openid profile", "state": "st-%%d" %% index, "nonce": "n-%%d" %% index,
              "code_challenge": challenge, "code_challenge_method": "S256"}
    page = browser.get("/oidc/authorize/", params)
    if page.status_code == 200:
        page = browser.post("/oidc/authorize/", {**params, "allow": "1"})
    assert page.status_code == 302, (page.status_code, page.content[:500])
    code = parse_qs(urlsplit(page["Location"]).query)["code"][0]
    token = HttpClient().post("/oidc/token/", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier,
        "client_id": web.client_id, "client_secret": web.client_secret})
    assert token.status_code == 200, (token.status_code, token.content[:500])
    refresh.append(token.json()["refresh_token"])
print(json.dumps({"service": [service.client_id, service.client_secret],
                  "web": [web.client_id, web.client_secret], "refresh_tokens": refresh}))
"""


def _prepare() -> dict[str, Any]:
    prepare_once(DATA, "prepared")
    code = PREPARE % {"args": json.dumps([DEMO_PHONES, CONCURRENCY])}
    out = manage(DATA, "shell", "-c", code, capture=True)
    return dict(json.loads(out.strip().splitlines()[-1]))


def _load(base: str, mode: str, spec: dict[str, Any]) -> dict[str, Any]:
    if mode == "get":
        return load_get(base, spec["paths"])
    command = [PY, str(ROOT / "bench" / "auth.py"), "--load", mode, base, str(DURATION), str(CONCURRENCY),
               json.dumps(spec)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


# --- the load client (runs as its own process) ---------------------------------------------------------------


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


async def _login_worker(client: Any, index: int, deadline: float, latencies: list[float], errors: list[str]) -> None:
    """One browser: a GET for the CSRF cookie and token, then password logins that must all answer 302."""
    page = await client.get("/account/login/")
    cookie = page.cookies.get("csrftoken")
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if page.status_code != 200 or not cookie or not found:
        errors.append(f"login page: HTTP {page.status_code}, csrftoken cookie {bool(cookie)}, form token {bool(found)}")
        return
    form = {"csrfmiddlewaretoken": found.group(1), "mode": "password", "password": DEMO_PASSWORD}
    phones = itertools.cycle(DEMO_PHONES[index % len(DEMO_PHONES):] + DEMO_PHONES[: index % len(DEMO_PHONES)])
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        # Only the CSRF cookie goes back: every request is a fresh sign-in, not a signed-in session's.
        response = await client.post("/account/login/", data={**form, "identifier": next(phones)},
                                     headers={"Cookie": f"csrftoken={cookie}"})
        latencies.append(time.perf_counter() - started)
        if response.status_code != 302:
            errors.append(f"login: HTTP {response.status_code}")


async def _refresh_worker(client: Any, token: str, auth: str, deadline: float, latencies: list[float],
                          errors: list[str]) -> None:
    """One refresh-token chain: tokens rotate, so always present the newest one."""
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        response = await client.post("/oidc/token/", data={"grant_type": "refresh_token", "refresh_token": token},
                                     headers={"Authorization": auth})
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200:
            errors.append(f"refresh: HTTP {response.status_code} {response.text[:200]}")
            return  # the chain is broken; going on would only measure errors
        token = response.json()["refresh_token"]


async def _client_credentials_worker(client: Any, auth: str, deadline: float, latencies: list[float],
                                     errors: list[str]) -> None:
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        response = await client.post("/oidc/token/", data={"grant_type": "client_credentials"},
                                     headers={"Authorization": auth})
        latencies.append(time.perf_counter() - started)
        if response.status_code != 200 or "access_token" not in response.json():
            errors.append(f"client_credentials: HTTP {response.status_code} {response.text[:200]}")


async def _run_load(mode: str, base_url: str, duration: float, concurrency: int, spec: dict[str, Any]) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    no_cookies = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60, cookies=no_cookies) as client:
        started = time.perf_counter()
        deadline = started + duration
        if mode == "login":
            jobs = [_login_worker(client, index, deadline, latencies, errors) for index in range(concurrency)]
        elif mode == "refresh":
            auth = _basic(*spec["web"])
            tokens = spec["refresh_tokens"]
            if len(tokens) < concurrency:
                raise SystemExit(f"need {concurrency} refresh tokens, got {len(tokens)}")
            jobs = [_refresh_worker(client, tokens[index], auth, deadline, latencies, errors)
                    for index in range(concurrency)]
        elif mode == "client_credentials":
            auth = _basic(*spec["service"])
            jobs = [_client_credentials_worker(client, auth, deadline, latencies, errors) for _ in range(concurrency)]
        else:
            raise SystemExit(f"unknown load mode {mode!r}")
        await asyncio.gather(*jobs)
        elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    ok = len(latencies) - len(errors)
    return {"requests": len(latencies), "errors": len(errors), "rps": ok / elapsed,
            "p50_ms": quantiles[49] * 1000, "p95_ms": quantiles[94] * 1000, "p99_ms": quantiles[98] * 1000,
            "error_samples": sorted(set(errors))[:5]}


# --- the benchmark -------------------------------------------------------------------------------------------


def main() -> None:
    prepared = _prepare()
    with served(DATA) as base:
        scenarios: dict[str, tuple[str, dict[str, Any]]] = {
            BASELINE: ("get", {"paths": BASELINE_PATHS}),
            "password login": ("login", {}),
            "refresh-token grant": ("refresh", prepared),
            "client-credential grant": ("client_credentials", prepared),
        }
        results = {name: _load(base, mode, spec) for name, (mode, spec) in scenarios.items()}
    report("auth", "bench-auth (rps counts successful requests only)", results)
    for name, r in results.items():
        for sample in r.get("error_samples", []):
            print(f"  {name}: {sample}")
    if any(r["errors"] for r in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--load"]:
        load_mode, load_base, load_seconds, load_workers, load_spec = sys.argv[2:7]
        print(json.dumps(asyncio.run(_run_load(load_mode, load_base, float(load_seconds), int(load_workers),
                                               json.loads(load_spec)))))
    else:
        main()
