"""The search development set (检索评测集): the index built from the seed files, scored with recall@5 and MRR@10.

Used by tests/search/test_devset.py and `manage.py search_eval`; needs no database.
"""

from __future__ import annotations

import time
from functools import cache
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tongban.catalog.selectors import ItemSearchDocument
from tongban.demo import loader
from tongban.search.engine import SearchIndex

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


@dataclass
class Evaluation:
    recall_at_5: float
    mrr_at_10: float
    cases: int
    misses: list[Miss] = field(default_factory=list)  # expected item not in the top 5
    build_seconds: float = 0.0
    query_milliseconds: float = 0.0  # mean over the cases


def _read(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@cache
def _seed_items() -> list[dict[str, Any]]:
    return loader.seed_items()


def seed_documents() -> list[ItemSearchDocument]:
    """The seed items as the index would see them once published; ids are positions in the seed files."""
    taxonomy = _read(loader.TAXONOMY)
    themes = {t["code"]: t["name"] for t in taxonomy["themes"]}
    events = {e["code"]: e["name"] for e in taxonomy["life_events"]}
    documents = []
    for item_id, raw in enumerate(_seed_items(), start=1):
        elements = loader.item_elements(raw)
        documents.append(ItemSearchDocument(
            item_id=item_id, code=str(raw["code"]), name=elements["name"], audience=elements["audience"],
            weight=int(raw.get("weight") or 0), keywords=tuple(elements["keywords"]),
            themes=tuple(themes[c] for c in raw["themes"]),
            life_events=tuple(events[c] for c in raw.get("life_events") or ()),
            department_category=raw["department"], result_name=elements["result_name"],
            materials=tuple(m["name"] for m in loader.item_materials(raw)),
        ))
    return documents


def seed_synonyms() -> dict[str, str]:
    """Item keywords pointing at their item, overridden by synonyms.yaml: what the demo loader stores."""
    pairs: dict[str, str] = {}
    for raw in _seed_items():
        for keyword in raw.get("keywords") or []:
            pairs.setdefault(str(keyword), raw["name"])
    if loader.SYNONYMS.exists():
        pairs.update({str(t): str(c) for t, c in (_read(loader.SYNONYMS) or {}).items()})
    return pairs


def load_cases(path: Path = DEVSET) -> list[DevCase]:
    return [DevCase(query=str(r["q"]), kind=str(r.get("kind", "")),
                    expected=tuple(r["expect"]) if isinstance(r["expect"], list) else (str(r["expect"]),))
            for r in _read(path)]


def evaluate(cases: Sequence[DevCase], documents: Sequence[ItemSearchDocument] | None = None,
             synonyms: dict[str, str] | None = None) -> Evaluation:
    """Build the index (from the seed files unless given) and run every case against it."""
    documents = seed_documents() if documents is None else documents
    synonyms = seed_synonyms() if synonyms is None else synonyms
    started = time.perf_counter()
    index = SearchIndex.build(documents, synonyms)
    built = time.perf_counter()
    found = reciprocal = 0.0
    misses: list[Miss] = []
    for case in cases:
        names = [h.name for h in index.search(case.query, limit=10).hits]
        rank = next((n for n, name in enumerate(names, start=1) if name in case.expected), None)
        if rank is not None:
            reciprocal += 1 / rank
        if rank is not None and rank <= 5:
            found += 1
        else:
            misses.append(Miss(case=case, rank=rank, top=tuple(names[:3])))
    finished = time.perf_counter()
    count = len(cases) or 1
    return Evaluation(recall_at_5=found / count, mrr_at_10=reciprocal / count, cases=len(cases), misses=misses,
                      build_seconds=built - started, query_milliseconds=(finished - built) * 1000 / count)
