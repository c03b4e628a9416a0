"""Argon2id verification cost: Django's default parameters beside Tongban's tuned ones and OWASP's minimum.

Usage: .venv/bin/python bench/argon2.py [RUNS]   (default 50; BENCH_ARGON2_RUNS also works)

For each parameter set: hash once, verify 5 times to warm up, then time RUNS verifications through the Django
hasher's ``verify`` (the path a login takes) and print the median wall time and the median CPU time of the process
(``time.process_time``, which adds up every thread: Argon2 lanes run in parallel threads, so with parallelism > 1
wall time is below CPU time). CPU time is what bounds logins per second on a busy server. This is a benchmark,
not a test.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

# This file is called argon2.py: when run as a script, its own directory must not shadow the argon2 library.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure()

from django.contrib.auth.hashers import Argon2PasswordHasher  # noqa: E402

from tongban.identity.hashers import TunedArgon2PasswordHasher  # noqa: E402

PASSWORD = "Tongban-bench-2025!"  # noqa: S105


class OwaspMinimumArgon2(Argon2PasswordHasher):
    """OWASP Password Storage Cheat Sheet, Argon2id minimum: m=19456 KiB (19 MiB), t=2, p=1."""

    time_cost = 2
    memory_cost = 19456
    parallelism = 1


CANDIDATES: list[tuple[str, type[Argon2PasswordHasher]]] = [
    ("Django 5.2 default", Argon2PasswordHasher),
    ("OWASP minimum", OwaspMinimumArgon2),
    ("Tongban tuned", TunedArgon2PasswordHasher),
]


def measure(hasher: Argon2PasswordHasher, runs: int) -> tuple[float, float, float]:
    """Median wall ms, median CPU ms and 90th-percentile CPU ms of ``runs`` verifications."""
    encoded = hasher.encode(PASSWORD, hasher.salt())
    for _ in range(5):
        assert hasher.verify(PASSWORD, encoded)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        started_wall, started_cpu = time.perf_counter(), time.process_time()
        ok = hasher.verify(PASSWORD, encoded)
        wall.append((time.perf_counter() - started_wall) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert ok
    cpu.sort()
    return statistics.median(wall), statistics.median(cpu), cpu[min(len(cpu) - 1, int(len(cpu) * 0.9))]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_ARGON2_RUNS", "50"))
    print(f"Argon2id verify, median of {runs} runs after 5 warm-up; {os.cpu_count()} CPUs, "
          f"{_cpu_model()}, Python {platform.python_version()}")
    header = f"{'parameters':<20} {'t':>3} {'m (KiB)':>9} {'MiB':>5} {'p':>3} {'wall ms':>9} {'CPU ms':>8} {'CPU p90':>8}"
    print(header)
    print("-" * len(header))
    for label, cls in CANDIDATES:
        hasher = cls()
        wall, cpu, cpu_p90 = measure(hasher, runs)
        print(f"{label:<20} {hasher.time_cost:>3} {hasher.memory_cost:>9} {hasher.memory_cost / 1024:>5.1f} "
              f"{hasher.parallelism:>3} {wall:>9.1f} {cpu:>8.1f} {cpu_p90:>8.1f}")
    print("argon2-cffi", metadata.version("argon2-cffi"), "| Django", metadata.version("django"))


if __name__ == "__main__":
    main()
