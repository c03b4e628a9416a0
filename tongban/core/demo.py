"""Markers of loaded demo data sets."""

from __future__ import annotations

from tongban.core.models import DemoDataset


def demo_dataset_fingerprint(name: str) -> str | None:
    return DemoDataset.objects.filter(name=name).values_list("fingerprint", flat=True).first()


def demo_dataset_mark(name: str, fingerprint: str) -> None:
    DemoDataset.objects.update_or_create(name=name, defaults={"fingerprint": fingerprint})


def demo_dataset_loaded() -> bool:
    return DemoDataset.objects.exists()
