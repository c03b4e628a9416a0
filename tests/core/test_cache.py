"""The production cache: Redis shared between processes, a per-process fallback while Redis is unreachable."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tongban.core.cache import ResilientRedisCache

REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[str]:
    if not Path(REDIS).exists():
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen([REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.kill()
    process.wait()


def _cache(url: str) -> ResilientRedisCache:
    return ResilientRedisCache(url, {"KEY_PREFIX": "t"})


def test_counts_are_shared_between_cache_instances(redis_server: str) -> None:
    one, two = _cache(redis_server), _cache(redis_server)
    assert one.add("hits", 0, timeout=60)
    assert one.incr("hits") == 1
    assert two.incr("hits") == 2
    assert two.get("hits") == 2
    assert not one.degraded


def test_unreachable_redis_falls_back_without_raising() -> None:
    cache = _cache(f"redis://127.0.0.1:{_free_port()}/0")  # nothing listens there
    started = time.monotonic()
    assert cache.add("hits", 0, timeout=60)
    assert cache.incr("hits") == 1
    cache.set("name", "值")
    assert cache.get("name") == "值"
    assert cache.degraded
    assert time.monotonic() - started < 3  # one connection attempt, then the breaker answers locally


def test_redis_stopping_mid_run_degrades(redis_server: str) -> None:
    cache = _cache(redis_server)
    cache.set("k", "shared")
    port = int(redis_server.rsplit(":", 1)[1].split("/")[0])
    import redis

    redis.Redis(port=port).shutdown(nosave=True)
    assert cache.get("k") is None  # Redis is gone: the local fallback answers (nothing there yet)
    assert cache.degraded
    cache.set("k", "local")
    assert cache.get("k") == "local"


def test_after_the_breaker_period_redis_is_used_again(redis_server: str) -> None:
    cache = _cache(redis_server)
    cache._down_until = time.monotonic() + 60  # as after an outage
    cache.set("k", "local")
    assert _cache(redis_server).get("k") is None  # went to the fallback only
    cache._down_until = time.monotonic() - 1  # the period is over
    cache.set("k", "shared")
    assert _cache(redis_server).get("k") == "shared"
    assert not cache.degraded
