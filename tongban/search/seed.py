"""The seed synonym table: item keywords pointing at their item, overridden by data/synonyms.yaml."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

SYNONYMS = Path(__file__).resolve().parent / "data" / "synonyms.yaml"


def seed_synonyms(items: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Colloquial term → official term, as the demo loader stores it and the devset evaluates it."""
    pairs: dict[str, str] = {}
    for raw in items:
        for keyword in raw.get("keywords") or ():
            pairs.setdefault(str(keyword), raw["name"])
    with SYNONYMS.open(encoding="utf-8") as handle:
        pairs.update({str(t): str(c) for t, c in (yaml.safe_load(handle) or {}).items()})
    return pairs
