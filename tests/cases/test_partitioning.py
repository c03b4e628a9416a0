"""The case tables stay ready for range partitioning by case id (docs/adr/0021-partitioning-case-tables.md)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import models

from tongban.cases import partitioning
from tongban.cases.models import Case

pytestmark = pytest.mark.django_db


def test_the_schema_is_ready() -> None:
    assert partitioning.partition_problems() == []
    out = StringIO()
    call_command("cases_partition_check", stdout=out)
    text = out.getvalue()
    assert "cases_caseevent（分区键 case_id）" in text and "表结构满足分区要求" in text


def test_every_table_about_cases_is_placed() -> None:
    placed = {m._meta.label for m in partitioning.PARTITIONED} | set(partitioning.UNPARTITIONED_REFERENCES)
    referring = {model._meta.label for model, _field in partitioning._case_references()}
    assert referring <= placed and "cases.CaseEvent" in referring


def test_a_new_table_about_cases_must_be_placed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(partitioning.UNPARTITIONED_REFERENCES, "licenses.License")
    problems = partitioning.partition_problems()
    assert any(p.startswith("licenses.License.case refers to a case") for p in problems), problems
    with pytest.raises(CommandError, match="表结构尚不满足分区要求"):
        call_command("cases_partition_check", stdout=StringIO())


def test_a_unique_constraint_without_the_key_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(partitioning.PER_PARTITION_UNIQUE, ("cases_case", ("case_number",)))
    assert any("cases_case" in p and "case_number" in p for p in partitioning.partition_problems())


def test_an_empty_partition_key_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    field = models.ForeignKey(Case, on_delete=models.CASCADE, null=True)
    field.set_attributes_from_name("case")
    field.model = partitioning.CaseEvent
    field.remote_field.model = Case
    monkeypatch.setattr(partitioning, "_case_references", lambda: [(partitioning.CaseEvent, field)])
    assert partitioning.partition_problems() == ["cases_caseevent.case_id may be empty: it is the partition key"]
