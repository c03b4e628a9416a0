import os

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
