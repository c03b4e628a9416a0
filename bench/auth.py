"""`make bench-auth`: password logins, refresh-token grants and client-credential grants, beside a bare endpoint.

Builds (once) a benchmark database in var/bench/auth/ with the Yunnan demo data; every run registers fresh OIDC
clients and obtains fresh refresh tokens through a real authorization-code + PKCE flow (Django's test client inside
`manage.py shell`), serves the database with gunicorn, drives load from a separate process (bench/loadgen.py) and
prints a table; the same figures go to bench/results/auth.json. Each password login and each token request costs one
Argon2id verification (the password, or the hashed client secret): that cost is what these figures show. This is a
benchmark, not a test.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from harness import BASELINE, BASELINE_PATHS, CONCURRENCY, ROOT, load, prepare_once, report, served, shell

DATA = ROOT / "var" / "bench" / "auth"
DEMO_PHONES = ["13800000001", "13800000002", "13800000003", "13800000004"]  # tongban/demo/loader.py DEMO_PEOPLE
DEMO_PASSWORD = "Demo@Tongban2026"  # noqa: S105 - the published demo password

# Runs inside `manage.py shell -c` before password logins (here and in bench/run.py).
LOGIN_RESET = r"""
from django.contrib.auth import get_user_model
from tongban.identity.models import AuthFailure
# Leftovers of an interrupted earlier run must not lock a demo account or throttle 127.0.0.1.
AuthFailure.objects.all().delete()
get_user_model().objects.filter(failed_logins__gt=0).update(failed_logins=0)
get_user_model().objects.filter(locked_until__isnull=False).update(locked_until=None)
"""
LOGIN = ("login", {"phones": DEMO_PHONES, "password": DEMO_PASSWORD})  # the load mode of password logins
# Runs inside `manage.py shell -c`: registers the clients through the app's own service and walks the
# authorization-code + PKCE flow once per refresh-token chain. The last printed line is JSON.
PREPARE = LOGIN_RESET.replace("%", "%%") + r"""
import base64, hashlib, json, secrets
from urllib.parse import parse_qs, urlsplit
from django.test import Client as HttpClient
from tongban.identity import services as identity_services
from tongban.oidc import services

PHONES, CHAINS = json.loads(%(args)r)
REDIRECT = "https://rp.bench.invalid/callback"
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
    return dict(shell(DATA, PREPARE % {"args": json.dumps([DEMO_PHONES, CONCURRENCY])}))


# --- the benchmark -------------------------------------------------------------------------------------------


def main() -> None:
    prepared = _prepare()
    with served(DATA) as base:
        scenarios: dict[str, tuple[str, dict[str, Any]]] = {
            BASELINE: ("get", {"paths": BASELINE_PATHS}),
            "password login": LOGIN,
            "refresh-token grant": ("refresh", prepared),
            "client-credential grant": ("client_credentials", prepared),
        }
        results = {name: load(base, mode, spec) for name, (mode, spec) in scenarios.items()}
    report("auth", "bench-auth (rps counts successful requests only)", results)
    if any(r["errors"] for r in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
