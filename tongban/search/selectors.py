"""Reads of the search app: item search (事项搜索) over one process-wide index, and the synonym table."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Max

from tongban.catalog.selectors import catalog_revision, item_ids_in_site, item_search_documents
from tongban.search.engine import SearchHit, SearchIndex
from tongban.search.models import Synonym

SUGGESTION_COUNT = 5
POPULAR_COUNT = 8


@dataclass(frozen=True)
class SearchResult:
    query: str
    normalized: str
    hits: list[SearchHit]
    total: int
    suggestions: list[str] = field(default_factory=list)  # 您是不是要找, only when nothing was found
    popular: list[SearchHit] = field(default_factory=list)  # 大家都在办, only when nothing was found


@dataclass(frozen=True)
class SynonymEntry:
    term: str
    canonical: str
    is_active: bool
    note: str
    updated_at: datetime


@dataclass(frozen=True)
class _Built:
    key: tuple[object, ...]
    index: SearchIndex
    site_items: dict[tuple[str, ...], frozenset[int]] = field(default_factory=dict)


_lock = threading.Lock()
_built: _Built | None = None


def search_items(
    *, query: str, site_region_codes: list[str] | None = None, audience: str | None = None, limit: int = 10,
    offset: int = 0,
) -> SearchResult:
    """Published items matching what a person typed, best first; limited to a site's items when codes are given."""
    built = _current()
    allowed = _site_items(built, site_region_codes) if site_region_codes is not None else None
    outcome = built.index.search(query, allowed_item_ids=allowed, audience=audience, limit=limit, offset=offset)
    if outcome.total:
        return SearchResult(query=outcome.query, normalized=outcome.normalized, hits=outcome.hits,
                            total=outcome.total)
    return SearchResult(
        query=outcome.query, normalized=outcome.normalized, hits=[], total=0,
        suggestions=built.index.suggest(query, SUGGESTION_COUNT, allowed_item_ids=allowed, audience=audience),
        popular=built.index.popular(POPULAR_COUNT, allowed_item_ids=allowed, audience=audience),
    )


def synonym_list() -> list[SynonymEntry]:
    """The whole synonym table (群众说法 → 规范说法), for administrators."""
    return [SynonymEntry(term=s.term, canonical=s.canonical, is_active=s.is_active, note=s.note,
                         updated_at=s.updated_at) for s in Synonym.objects.order_by("term")]


def synonym_map() -> dict[str, str]:
    """Active synonyms as the index takes them."""
    return dict(Synonym.objects.filter(is_active=True).values_list("term", "canonical"))


def _index_key() -> tuple[object, ...]:
    synonyms = Synonym.objects.aggregate(count=Count("id"), changed=Max("updated_at"))
    return catalog_revision(), synonyms["count"], synonyms["changed"]


def _current() -> _Built:
    """The index for the current catalogue and synonym table, rebuilt by one thread when either changed."""
    global _built
    key = _index_key()
    built = _built
    if built is not None and built.key == key:
        return built
    with _lock:
        if _built is None or _built.key != key:
            _built = _Built(key=key, index=SearchIndex.build(item_search_documents(), synonym_map()))
        return _built


def _site_items(built: _Built, site_region_codes: list[str]) -> frozenset[int]:
    codes = tuple(sorted(site_region_codes))
    items = built.site_items.get(codes)
    if items is None:
        items = frozenset(item_ids_in_site(site_region_codes=list(codes)))
        built.site_items[codes] = items
    return items


def search_warm_up() -> None:
    """Build the index now (gunicorn calls this in each new worker), so no request pays for it."""
    _current()
