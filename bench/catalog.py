"""`make bench-catalog`: item guide page and search API at 50,000+ implementations, beside a bare endpoint.

Builds (once) a benchmark database in var/bench/ with the Yunnan demo data plus generated implementations,
serves it with gunicorn, drives load from a separate process (bench/loadgen.py) and prints a table; the same
figures go to bench/results/catalog.json. This is a benchmark, not a test.
"""

from __future__ import annotations

import json
import os
import random
from urllib.request import urlopen

from harness import BASELINE, BASELINE_PATHS, ROOT, load_get, prepare_once, report, served

DATA = ROOT / "var" / "bench" / "catalog"
IMPLEMENTATIONS = int(os.environ.get("BENCH_IMPLEMENTATIONS", "50000"))
QUERIES = ["上户口", "身份证", "sfz", "提公积金", "开公司", "护照", "结婚登记", "社保卡", "驾驶证换证", "gjj",
           "食品经营许可", "退休", "不动产登记", "低保", "异地就医", "户口迁移", "营业执照", "发票"]


def main() -> None:
    prepare_once(DATA, f"generated-{IMPLEMENTATIONS}",
                 ("generate_catalog_load", "--implementations", str(IMPLEMENTATIONS)))
    with served(DATA) as base:
        listing = json.load(urlopen(f"{base}/api/v1/implementations?limit=100", timeout=60))
        total = listing["count"]
        offset = random.Random(42).randrange(max(1, total - 100))
        page = json.load(urlopen(f"{base}/api/v1/implementations?limit=100&offset={offset}", timeout=60))
        codes = [row["code"] for row in listing["items"] + page["items"]]
        scenarios = {
            BASELINE: BASELINE_PATHS,
            "item guide page": [f"/guide/{code}/" for code in codes],
            "search API": [f"/api/v1/search?q={q}" for q in QUERIES],
        }
        results = {name: load_get(base, paths) for name, paths in scenarios.items()}
    report("catalog", f"bench-catalog: {total} implementations", results, implementations=total)


if __name__ == "__main__":
    main()
