import os
from pathlib import Path

import pytest

os.environ.setdefault("TONGBAN_DEBUG", "1")


@pytest.fixture
def regions(db):
    from tests.factories import region_tree

    return region_tree()


@pytest.fixture(autouse=True)
def _fresh_calendar_snapshot():
    """Each test reads the working-day calendar afresh: a snapshot cached by an earlier (rolled-back) test would
    otherwise outlive that test's data."""
    from tongban.core.calendar import calendar_cache_clear

    calendar_cache_clear()
    yield
    calendar_cache_clear()


@pytest.fixture
def holiday_calendar(db):
    """The seeded holiday table (2004–2026). Migrations seed it; this restores it after a transactional test
    flushed the tables."""
    from tongban.core.calendar_admin import calendar_seed

    calendar_seed()


_RSA_POOL: dict[int, list] = {}


@pytest.fixture(autouse=True)
def _queue_reachable():
    """Each test starts with the task queue not paused: a test that made it unreachable would otherwise leave the
    process's 30 s pause (tongban.core.cache.QUEUE_PAUSE) to the next."""
    from tongban.core.cache import QUEUE_PAUSE

    QUEUE_PAUSE.reset()
    yield
    QUEUE_PAUSE.reset()


@pytest.fixture(autouse=True)
def _rsa_key_pool(monkeypatch):
    """RSA-3072 key generation takes about half a second, and every test that seals starts from an empty database
    (a new root and a new seal key): tests draw the platform's keys from a small per-process pool instead, in
    turn, so two keys made in one test still differ."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tongban.licenses import pki

    turn = {}

    def pooled(bits: int):
        keys = _RSA_POOL.setdefault(bits, [])
        n = turn.get(bits, 0)
        turn[bits] = n + 1
        while len(keys) <= n % 8:
            keys.append(rsa.generate_private_key(public_exponent=65537, key_size=bits))
        return keys[n % 8]

    monkeypatch.setattr(pki, "_new_key", pooled)


#: Tests that load the whole demo data set. On PostgreSQL they run first: the EXPLAIN tests ANALYZE inside their
#: rolled-back transactions, and ANALYZE writes a table's row estimate in place (it is not rolled back), so tables
#: holding only dead rows are then believed empty and the loader's joins fall into nested loops (~40 s a query).
LOADS_THE_DEMO = {("demo", "test_loader.py"), ("cases", "test_demo.py"), ("licenses", "test_integration.py")}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def loads_the_demo(item: pytest.Item) -> bool:
        path = Path(str(item.path))
        if (path.parent.name, path.name) not in LOADS_THE_DEMO:
            return False
        return path.name != "test_integration.py" or "demo" in item.name

    first = [item for item in items if loads_the_demo(item)]
    if first:
        items[:] = first + [item for item in items if item not in first]
