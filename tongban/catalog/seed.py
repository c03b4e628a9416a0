"""The seed catalogue files (catalog/data/items/*.yaml) and their mapping to item elements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ITEMS_DIR = Path(__file__).resolve().parent / "data" / "items"
UNIT = {"working_day": "working_day", "natural_day": "natural_day"}


def seed_items() -> list[dict[str, Any]]:
    """Every item of the seed YAML files, in file order."""
    items: list[dict[str, Any]] = []
    for path in sorted(ITEMS_DIR.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            items.extend(yaml.safe_load(handle) or [])
    return items


def item_elements(raw: dict[str, Any]) -> dict[str, Any]:
    """Map one item of the seed YAML to ItemVersion elements."""
    fee = raw.get("fee") or {}
    result = raw.get("result") or {}
    legal, promised = raw["legal_limit"], raw["promised_limit"]
    return {
        "name": raw["name"], "item_type": str(raw["item_type"]), "audience": raw["audience"],
        "service_objects": [str(s) for s in raw["service_objects"]],
        "exercise_levels": [str(level) for level in raw["levels"]],
        "legal_basis": raw["legal_basis"], "acceptance_conditions": raw["acceptance_conditions"].strip(),
        "process": [{"name": s["name"], "days": int(s["days"])} for s in raw["process"]],
        "case_type": str(raw["case_type"]),
        "legal_limit_value": int(legal["value"]), "legal_limit_unit": UNIT[legal.get("unit", "working_day")],
        "legal_limit_note": legal.get("note") or "",
        "promised_limit_value": int(promised["value"]),
        "promised_limit_unit": UNIT[promised.get("unit", "working_day")],
        "promised_limit_note": promised.get("note") or "",
        "joint_agencies": raw.get("joint_agencies") or "", "intermediary": raw.get("intermediary") or "",
        "quantity_limit": raw.get("quantity_limit") or "",
        "result_name": result.get("name") or "", "result_type": result.get("type") or "",
        "result_sample": result.get("sample") or "",
        "fee_charged": bool(fee.get("charged")), "fee_basis": fee.get("basis") or "",
        "fee_items": [{"name": f["name"], "standard": str(f["standard"])} for f in fee.get("items") or []],
        "scope": raw.get("scope") or "无", "handling_forms": [str(f) for f in raw.get("handling_forms") or []],
        "special_procedures": raw.get("special_procedures") or "",
        "supports_appointment": bool(raw.get("appointment")),
        "supports_online_payment": bool(raw.get("online_payment")),
        "supports_express": bool(raw.get("express")), "supports_online": bool(raw.get("online")),
        "online_depth": int(raw["online_depth"]), "visit_count": int(raw["visit_count"]),
        "visit_reason": raw.get("visit_reason") or "", "min_assurance": raw["min_assurance"],
        "faqs": [{"q": f["q"], "a": f["a"]} for f in raw.get("faqs") or []],
        "keywords": [str(k) for k in raw.get("keywords") or []],
    }


def item_materials(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": m["name"], "issuer": m.get("issuer") or "", "original_count": int(m.get("original") or 0),
         "copy_count": int(m.get("copies") or 0), "required": bool(m.get("required", True)),
         "note": m.get("note") or "", "license_type": m.get("license_type") or ""}
        for m in raw.get("materials") or []
    ]
