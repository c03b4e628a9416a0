"""The shared cache of the production profile: Redis, with a per-process fallback while Redis is unreachable.

What the cache holds here is short-lived and may be lost: rate-limit counters (licence verification, progress
look-ups), throttles. Pages must keep serving when Redis is down, so every operation that fails to reach Redis
is answered by a local memory cache instead, and Redis is not asked again for ``RETRY_SECONDS`` (a circuit
breaker: requests do not each wait for a connection timeout). Limits counted meanwhile are per process, as in
development; they return to shared counting when Redis answers again. See docs/operations/faults.md.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

__all__ = ["QUEUE_PAUSE", "UNREACHABLE", "QueuePause", "ResilientRedisCache"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)
RETRY_SECONDS = 5.0


class QueuePause:
    """Per process: after the task queue (Redis under the RQ backend) could not be reached, stop asking it for
    ``seconds``, so that one request or job waits for its time-out rather than each one. Who finds it paused falls
    back on its own: the outbox leaves the events to the periodic dispatch, the scheduler runs the due job itself."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._until = 0.0

    @property
    def active(self) -> bool:
        return self.clock() < self._until

    def start(self) -> None:
        self._until = self.clock() + self.seconds

    def reset(self) -> None:
        self._until = 0.0


#: The one pause of this process, shared by the outbox's after-commit wake-ups and the scheduler.
QUEUE_PAUSE = QueuePause(30.0)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that falls back to a local memory cache while Redis cannot be reached."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        super().__init__(server, {**params, "OPTIONS": options})
        self._fallback = LocMemCache(f"tongban-fallback-{id(self)}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def degraded(self) -> bool:
        """Whether operations currently go to the local fallback."""
        return time.monotonic() < self._down_until

    def _try(self, name: str, primary: Callable[[], T], fallback: Callable[[], T]) -> T:
        if self.degraded:
            return fallback()
        try:
            return primary()
        except UNREACHABLE as error:
            with self._lock:
                first = not self.degraded
                self._down_until = time.monotonic() + RETRY_SECONDS
            if first:
                logger.warning("Redis cache unreachable (%s on %s): using the per-process fallback for %.0f s",
                               type(error).__name__, name, RETRY_SECONDS)
            return fallback()

    def add(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> bool:  # type: ignore[override]
        return self._try("add", lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
                         lambda: self._fallback.add(key, value, timeout, version))

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._try("get", lambda: super(ResilientRedisCache, self).get(key, default, version),
                         lambda: self._fallback.get(key, default, version))

    def set(self, key: Any, value: Any, timeout: Any = 300, version: int | None = None) -> None:  # type: ignore[override]
        self._try("set", lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
                  lambda: self._fallback.set(key, value, timeout, version))

    def touch(self, key: Any, timeout: Any = 300, version: int | None = None) -> bool:  # type: ignore[override]
        return self._try("touch", lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
                         lambda: self._fallback.touch(key, timeout, version))

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._try("delete", lambda: super(ResilientRedisCache, self).delete(key, version),
                         lambda: self._fallback.delete(key, version))

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._try("get_many", lambda: super(ResilientRedisCache, self).get_many(keys, version),
                         lambda: self._fallback.get_many(keys, version))

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._try("has_key", lambda: super(ResilientRedisCache, self).has_key(key, version),
                         lambda: self._fallback.has_key(key, version))

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._try("incr", lambda: super(ResilientRedisCache, self).incr(key, delta, version),
                         lambda: self._fallback.incr(key, delta, version))

    def set_many(self, data: Any, timeout: Any = 300, version: int | None = None) -> list[Any]:  # type: ignore[override]
        return self._try("set_many", lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
                         lambda: self._fallback.set_many(data, timeout, version))

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._try("delete_many", lambda: super(ResilientRedisCache, self).delete_many(keys, version),
                  lambda: self._fallback.delete_many(keys, version))

    def clear(self) -> None:  # type: ignore[override]
        self._try("clear", lambda: super(ResilientRedisCache, self).clear(), self._fallback.clear)
