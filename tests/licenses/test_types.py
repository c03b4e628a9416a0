"""Licence types: the seed over the registered departments, codes, issuers, validity rules; identifiers."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from tongban.catalog.seed import ITEMS_DIR
from tongban.licenses.identifiers import IdentifierError, identifier_make, identifier_parse
from tongban.licenses.models import LicenseType
from tongban.licenses.types import (
    TYPES_FILE,
    license_type_by_name,
    license_type_lookup,
    license_types_for_material,
    license_types_for_result,
    license_types_seed,
    validity_until,
)

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.licenses.issuing"]

REQUIRED_TYPES = {"居民身份证", "居民户口簿", "出生医学证明", "结婚证", "离婚证", "社会保障卡", "机动车驾驶证", "机动车行驶证",
                  "营业执照", "不动产权证书", "残疾人证", "健康证明", "无犯罪记录证明", "食品经营许可证"}
# Results of the items the browser journeys decide 准予 (tests/browser/test_case_journeys.py) that are licences.
JOURNEY_RESULTS = {"居民户口簿", "无犯罪记录证明", "出生医学证明", "中华人民共和国社会保障卡", "食品经营许可证", "营业执照"}


def _entries() -> list[dict[str, Any]]:
    return yaml.safe_load(TYPES_FILE.read_text(encoding="utf-8"))


def test_the_seed_file_has_the_required_types_and_the_journey_results() -> None:
    entries = _entries()
    names = {e["name"] for e in entries}
    assert REQUIRED_TYPES <= names
    results = {r for e in entries for r in e["result_names"]}
    assert JOURNEY_RESULTS <= results
    codes = [(e["defined_by"], e["serial"]) for e in entries]
    assert len(set(codes)) == len(codes), "a defining department's serials are unique"


def test_material_names_match_the_catalogue() -> None:
    catalogue = set()
    for path in sorted(Path(ITEMS_DIR).glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            catalogue |= {m["license_type"] for m in item.get("materials") or [] if m.get("license_type")}
    materials = {m for e in _entries() for m in e["material_names"]}
    assert {"居民身份证", "居民户口簿", "营业执照", "结婚证", "不动产权证书", "社会保障卡"} <= materials & catalogue


def test_seed_codes_issuers_and_idempotence(lw: Any) -> None:
    id_card = license_type_by_name(name="居民身份证")
    assert id_card is not None
    assert id_card.code == lw.gongan_province.credit_code + "001"
    assert set(id_card.issuing_department_ids) == {lw.gongan_province.pk, lw.gongan.pk}
    licence = license_type_by_name(name="营业执照")
    assert licence is not None and licence.holder_kind == "organization"
    assert licence.code.startswith(lw.scjg_province.credit_code)
    count = LicenseType.objects.count()
    again = license_types_seed()
    assert LicenseType.objects.count() == count and set(again.written) == set(lw.seed.written)
    # Types whose defining department is not registered are skipped, not invented.
    assert "残疾人证" in lw.seed.skipped
    assert license_type_lookup(code_or_name=id_card.code.lower()) == id_card
    assert license_type_lookup(code_or_name="居民身份证") == id_card


def test_lookups_by_result_and_material(lw: Any) -> None:
    assert [t.name for t in license_types_for_result(result_name="居民户口簿")] == ["居民户口簿"]
    assert [t.name for t in license_types_for_material(material_name="居民身份证")] == ["居民身份证"]
    assert license_types_for_result(result_name="") == []
    assert license_types_for_result(result_name="准予注销登记通知书") == []


@pytest.mark.parametrize(("rule", "start", "until"), [
    ({"kind": "none"}, date(2026, 1, 5), None),
    ({"kind": "years", "value": 10}, date(2026, 1, 5), date(2036, 1, 4)),
    ({"kind": "years", "value": 1}, date(2024, 2, 29), date(2025, 2, 27)),
    ({"kind": "months", "value": 3}, date(2026, 11, 30), date(2027, 2, 27)),
])
def test_validity_rules(rule: dict[str, Any], start: date, until: date | None) -> None:
    assert validity_until(rule, start) == until


def test_identifier_check_character_and_normalisation(lw: Any) -> None:
    code = license_type_by_name(name="居民身份证").code  # type: ignore[union-attr]
    identifier = identifier_make(type_code=code, issuer_code=lw.gongan.credit_code, serial="2026000001")
    assert identifier.startswith("1.2.156.3005.2.") and identifier.split(".")[-2] == "001"
    assert identifier_parse(identifier.lower()).serial == "2026000001"  # lower case normalised
    assert identifier_parse(f"  {identifier} ").version == 1
    last = identifier[-1]
    wrong = identifier[:-1] + ("A" if last != "A" else "B")
    with pytest.raises(IdentifierError) as info:
        identifier_parse(wrong)
    assert info.value.code == "identifier_check_failed"
    with pytest.raises(IdentifierError) as info:
        identifier_parse("1.2.156.3005.2.abc")
    assert info.value.code == "identifier_malformed"
