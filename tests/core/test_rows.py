"""Rows: the lazily sliced list behind the paginated pages, and its capped count for lists that grow with the
province."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tongban.core.rows import Rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    user_model = get_user_model()
    user_model.objects.bulk_create([user_model(username=f"rows_{n:02d}", password="!") for n in range(25)])
    return user_model.objects.filter(username__startswith="rows_").order_by("username")


def test_an_exact_count_without_a_limit(users):
    rows = Rows(users, lambda user: user.username)
    assert len(rows) == 25 and not rows.more
    assert rows[0] == "rows_00" and rows[20:30] == [f"rows_{n:02d}" for n in range(20, 25)]


def test_the_count_stops_at_the_limit_and_the_pages_with_it(users):
    rows = Rows(users, lambda user: user.username, count_limit=10)
    with CaptureQueriesContext(connection) as captured:
        assert len(rows) == 10 and rows.count() == 10
    assert len(captured.captured_queries) == 1, "counted once"
    assert "LIMIT 11" in captured.captured_queries[0]["sql"].upper() and rows.more
    assert rows[5:20] == [f"rows_{n:02d}" for n in range(5, 10)] and list(rows)[-1] == "rows_09"
    with pytest.raises(IndexError):
        rows[10]
    page = Paginator(rows, 4).get_page(99)
    assert page.paginator.num_pages == 3 and page.object_list == ["rows_08", "rows_09"]


def test_no_more_when_the_rows_fit(users):
    rows = Rows(users, lambda user: user.username, count_limit=25)
    assert len(rows) == 25 and not rows.more
