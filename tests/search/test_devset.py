"""Search quality on the development set, against the seed files (no database): recall@5 and MRR@10."""

from __future__ import annotations

import time
from typing import Any

import pytest
import yaml

from tongban.catalog.seed import seed_items
from tongban.catalog.selectors import ItemSearchDocument
from tongban.search.devset import DevCase, Evaluation, evaluate, load_cases, seed_documents
from tongban.search.engine import SearchIndex, normalize
from tongban.search.seed import SYNONYMS, seed_synonyms


@pytest.fixture(scope="module")
def items() -> list[dict[str, Any]]:
    return seed_items()


@pytest.fixture(scope="module")
def documents(items: list[dict[str, Any]]) -> list[ItemSearchDocument]:
    return seed_documents(items)


@pytest.fixture(scope="module")
def cases() -> list[DevCase]:
    return load_cases()


@pytest.fixture(scope="module")
def evaluation(cases: list[DevCase], documents: list[ItemSearchDocument], items: list[dict[str, Any]]) -> Evaluation:
    return evaluate(cases, documents, seed_synonyms(items))


def test_devset_is_broad(cases: list[DevCase], documents: list[ItemSearchDocument]) -> None:
    by_name = {d.name: d for d in documents}
    assert len(cases) >= 70
    assert {"colloquial", "sentence", "traditional", "pinyin", "initials", "typo", "partial"} <= {c.kind for c in cases}
    unknown = [(c.query, name) for c in cases for name in c.expected if name not in by_name]
    assert not unknown, f"expected items missing from the seed files: {unknown}"
    assert {by_name[c.expected[0]].audience for c in cases} == {"person", "organization"}


def test_synonyms_point_at_items(items: list[dict[str, Any]], documents: list[ItemSearchDocument]) -> None:
    names = [normalize(d.name) for d in documents]
    keywords = {normalize(k) for d in documents for k in d.keywords}
    with SYNONYMS.open(encoding="utf-8") as handle:
        pairs = {str(t): str(c) for t, c in yaml.safe_load(handle).items()}
    dangling = [(t, c) for t, c in pairs.items() if not any(normalize(c) in n for n in names)
                and normalize(c) not in keywords]
    assert not dangling, f"synonyms whose official term is in no item: {dangling}"
    assert len([t for t in pairs if normalize(t) not in keywords]) >= 60


def test_recall_and_mrr(evaluation: Evaluation) -> None:
    print(f"\ncases {evaluation.cases}  recall@5 {evaluation.recall_at_5:.3f}  MRR@10 {evaluation.mrr_at_10:.3f}  "
          f"query {evaluation.query_milliseconds:.2f} ms (mean)")
    for miss in evaluation.misses:
        print(f"  miss: {miss.case.query} → {' / '.join(miss.case.expected)} (rank {miss.rank}); top {miss.top}")
    assert evaluation.recall_at_5 >= 0.90
    assert evaluation.mrr_at_10 >= 0.75


def test_fast_enough(evaluation: Evaluation, documents: list[ItemSearchDocument],
                     items: list[dict[str, Any]]) -> None:
    synonyms = seed_synonyms(items)
    started = time.perf_counter()
    SearchIndex.build(documents, synonyms)
    rebuild = time.perf_counter() - started
    print(f"\nbuild {evaluation.build_seconds * 1000:.0f} ms (first, with the jieba dictionary), "
          f"rebuild {rebuild * 1000:.0f} ms, query {evaluation.query_milliseconds:.2f} ms (mean)")
    assert rebuild < 2.0
    assert evaluation.query_milliseconds < 10.0
