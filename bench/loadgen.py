"""A bounded asyncio HTTP load generator, run as its own process so that load and server do not share a core
budget invisibly. Usage: python bench/loadgen.py BASE_URL DURATION CONCURRENCY PATH [PATH ...]

Requests cycle through the given paths; prints one JSON line: requests, errors, rps, p50_ms, p95_ms, p99_ms.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import sys
import time

import httpx


async def _worker(client: httpx.AsyncClient, paths: itertools.cycle, deadline: float, latencies: list[float],
                  errors: list[int]) -> None:
    while time.perf_counter() < deadline:
        path = next(paths)
        started = time.perf_counter()
        try:
            response = await client.get(path)
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        latencies.append(time.perf_counter() - started)
        if not ok:
            errors.append(1)


async def run(base_url: str, duration: float, concurrency: int, paths: list[str]) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[int] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:
        cycle = itertools.cycle(paths)
        for path in paths[: min(len(paths), 20)]:  # warm-up
            await client.get(path)
        started = time.perf_counter()
        deadline = started + duration
        await asyncio.gather(*(_worker(client, cycle, deadline, latencies, errors) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"requests": len(latencies), "errors": len(errors), "rps": len(latencies) / elapsed,
            "p50_ms": quantiles[49] * 1000, "p95_ms": quantiles[94] * 1000, "p99_ms": quantiles[98] * 1000}


if __name__ == "__main__":
    base, seconds, workers, *targets = sys.argv[1:]
    print(json.dumps(asyncio.run(run(base, float(seconds), int(workers), targets))))
