"""The search development set (检索评测集): an index built from the seed files, scored with recall@5 and MRR@10.

Used by tests/search/test_devset.py and `manage.py search_eval`; needs no database.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import tongban.catalog
from tongban.catalog.selectors import ItemSearchDocument
from tongban.search.engine import SearchIndex

CATALOG_DATA = Path(tongban.catalog.__file__).resolve().parent / "data"
DEVSET = Path(__file__).resolve().parents[2] / "tests" / "search" / "devset.yaml"


@dataclass(frozen=True)
class DevCase:
    query: str
    expected: tuple[str, ...]  # item names; finding any of them counts
    kind: str


@dataclass(frozen=True)
class Miss:
    case: DevCase
    rank: int | None  # 1-based rank of the first expected item within the top 10, None when absent
    top: tuple[str, ...]


@dataclass(frozen=True)
class Evaluation:
    recall_at_5: float
    mrr_at_10: float
    cases: int
    misses: list[Miss] = field(default_factory=list)  # expected item not in the top 5
    build_seconds: float = 0.0
    query_milliseconds: float = 0.0  # mean over the cases


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)  # noqa: S506


def seed_documents(items: Sequence[Mapping[str, Any]]) -> list[ItemSearchDocument]:
    """Seed items as the index would see them once published; ids are their positions in the list."""
    taxonomy = _read(CATALOG_DATA / "taxonomy.yaml")
    themes = {t["code"]: t["name"] for t in taxonomy["themes"]}
    events = {e["code"]: e["name"] for e in taxonomy["life_events"]}
    return [
        ItemSearchDocument(
            item_id=item_id, code=str(raw["code"]), name=raw["name"], audience=raw["audience"],
            weight=int(raw.get("weight") or 0), keywords=tuple(str(k) for k in raw.get("keywords") or ()),
            themes=tuple(themes[c] for c in raw["themes"]),
            life_events=tuple(events[c] for c in raw.get("life_events") or ()),
            department_category=raw["department"], result_name=(raw.get("result") or {}).get("name") or "",
            materials=tuple(m["name"] for m in raw.get("materials") or ()),
        )
        for item_id, raw in enumerate(items, start=1)
    ]


def load_cases(path: Path = DEVSET) -> list[DevCase]:
    return [DevCase(query=str(r["q"]), kind=str(r.get("kind", "")),
                    expected=tuple(r["expect"]) if isinstance(r["expect"], list) else (str(r["expect"]),))
            for r in _read(path)]


def evaluate(cases: Sequence[DevCase], documents: Sequence[ItemSearchDocument],
             synonyms: Mapping[str, str]) -> Evaluation:
    """Build the index and run every case against it."""
    started = time.perf_counter()
    index = SearchIndex.build(documents, synonyms)
    built = time.perf_counter()
    found = reciprocal = 0.0
    misses: list[Miss] = []
    for case in cases:
        names = [h.name for h in index.search(case.query, limit=10).hits]
        rank = next((n for n, name in enumerate(names, start=1) if name in case.expected), None)
        reciprocal += 1 / rank if rank else 0.0
        if rank is not None and rank <= 5:
            found += 1
        else:
            misses.append(Miss(case=case, rank=rank, top=tuple(names[:3])))
    finished = time.perf_counter()
    count = len(cases) or 1
    return Evaluation(recall_at_5=found / count, mrr_at_10=reciprocal / count, cases=len(cases), misses=misses,
                      build_seconds=built - started, query_milliseconds=(finished - built) * 1000 / count)
