"""本地企业登记模拟器: answers from a small file of fictitious organisations, for development, tests and the demo.

Enabled by TONGBAN_ENTERPRISE_REGISTRY_PROVIDER=simulator. Deterministic: the answers come only from
``tongban/organizations/data/enterprise_registry_simulator.yaml``, which lists

* ``enterprises``: fictitious organisations (valid GB 32100 codes) with name, type, legal representative, status
  (``active``, ``deregistered`` 注销 or ``revoked`` 吊销);
* ``unavailable``: codes for which the simulator behaves as if the registry were down (``RegistryUnavailable``);
* ``not_found``: example codes, valid by GB 32100, that no registry holds. Every code not listed under
  ``enterprises`` is "not found" as well.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tongban.organizations.registry.base import (
    EnterpriseNotFound,
    EnterpriseRecord,
    EnterpriseRegistry,
    RegistrationStatus,
    RegistryUnavailable,
)

DATA_FILE = Path(__file__).resolve().parents[3] / "data" / "enterprise_registry_simulator.yaml"


@cache
def _data() -> tuple[dict[str, EnterpriseRecord], frozenset[str]]:
    raw: dict[str, Any] = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    records = {
        str(row["credit_code"]): EnterpriseRecord(
            credit_code=str(row["credit_code"]), name=str(row["name"]), org_type=str(row["org_type"]),
            legal_rep_name=str(row["legal_rep_name"]), status=RegistrationStatus(row.get("status", "active")))
        for row in raw.get("enterprises", [])
    }
    return records, frozenset(str(code) for code in raw.get("unavailable", []))


class SimulatedEnterpriseRegistry(EnterpriseRegistry):
    name = "simulator"

    def lookup(self, *, credit_code: str) -> EnterpriseRecord:
        records, unavailable = _data()
        if credit_code in unavailable:
            raise RegistryUnavailable("simulated outage")
        try:
            return records[credit_code]
        except KeyError:
            raise EnterpriseNotFound(credit_code) from None
