"""A lazily sliced list of plain rows made from a queryset, for Django's paginator: one count query, then one query
per page, each row converted (to a record, never an ORM row handed out) only when the page is read.

A list that may hold millions of rows (every licence of the province, a platform-wide case search) counts at most
``count_limit`` of them: ``SELECT COUNT(*) FROM (… LIMIT n + 1)`` reads that many index entries, where a full
count reads them all (about a second per 3.5 million licences here). The page then says "more than n" and offers
the first n; the filters narrow it down."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, overload

from django.db.models import QuerySet

T = TypeVar("T")

#: How many rows a list that can grow with the province counts and pages through (500 pages of 20).
COUNT_LIMIT = 10_000


class Rows(Sequence[T], Generic[T]):
    """``Rows(queryset, convert)``: ``len()`` counts in the database, slicing fetches just that slice.

    With ``count_limit``, ``len()`` is at most that and :attr:`more` tells whether rows lie beyond it."""

    def __init__(self, queryset: QuerySet[Any], convert: Callable[[Any], T], *,
                 count_limit: int | None = None) -> None:
        self._queryset = queryset
        self._convert = convert
        self._limit = count_limit
        self._count: int | None = None
        self.more = False

    @property
    def queryset(self) -> QuerySet[Any]:
        return self._queryset

    def count(self, value: object = None) -> int:  # type: ignore[override]
        if self._count is None:
            if self._limit is None:
                self._count = self._queryset.count()
            else:
                found = self._queryset.order_by()[:self._limit + 1].count()
                self.more = found > self._limit
                self._count = min(found, self._limit)
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if self._limit is not None:  # nothing beyond the limit, as the count says
            index = _within(index, self._limit)
        if isinstance(index, slice):
            return [self._convert(row) for row in self._queryset[index]]
        return self._convert(self._queryset[index])

    def __iter__(self) -> Iterator[T]:
        rows = self._queryset if self._limit is None else self._queryset[:self._limit]
        return (self._convert(row) for row in rows)


def _within(index: int | slice, limit: int) -> int | slice:
    if isinstance(index, slice):
        stop = limit if index.stop is None else min(index.stop, limit)
        return slice(index.start, stop, index.step)
    if index >= limit:
        raise IndexError(index)
    return index
