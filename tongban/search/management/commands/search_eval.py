from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from tongban.catalog.seed import seed_items
from tongban.search.devset import DEVSET, evaluate, load_cases, seed_documents
from tongban.search.seed import seed_synonyms


class Command(BaseCommand):
    help = "Score item search on the development set against the seed files: recall@5, MRR@10 and the misses."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--devset", type=Path, default=DEVSET, help="YAML list of {q, expect, kind} cases.")

    def handle(self, *args: Any, **options: Any) -> None:
        items = seed_items()
        result = evaluate(load_cases(options["devset"]), seed_documents(items), seed_synonyms(items))
        self.stdout.write(f"cases {result.cases}  recall@5 {result.recall_at_5:.3f}  MRR@10 {result.mrr_at_10:.3f}")
        self.stdout.write(f"build {result.build_seconds * 1000:.0f} ms (first in this process)  "
                          f"query {result.query_milliseconds:.2f} ms (mean)")
        for miss in result.misses:
            rank = f"#{miss.rank}" if miss.rank else "—"
            self.stdout.write(f"  miss [{miss.case.kind}] {miss.case.query} → {' / '.join(miss.case.expected)} "
                              f"({rank}); top: {'、'.join(miss.top) or '无'}")
