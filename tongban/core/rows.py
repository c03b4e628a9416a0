"""A lazily sliced list of plain rows made from a queryset, for Django's paginator: one count query, then one query
per page, each row converted (to a record, never an ORM row handed out) only when the page is read."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar, overload

from django.db.models import QuerySet

T = TypeVar("T")


class Rows(Sequence[T], Generic[T]):
    """``Rows(queryset, convert)``: ``len()`` counts in the database, slicing fetches just that slice."""

    def __init__(self, queryset: QuerySet[Any], convert: Callable[[Any], T]) -> None:
        self._queryset = queryset
        self._convert = convert

    @property
    def queryset(self) -> QuerySet[Any]:
        return self._queryset

    def count(self, value: object = None) -> int:  # type: ignore[override]
        return self._queryset.count()

    def __len__(self) -> int:
        return self._queryset.count()

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self._convert(row) for row in self._queryset[index]]
        return self._convert(self._queryset[index])

    def __iter__(self) -> Iterator[T]:
        return (self._convert(row) for row in self._queryset)
