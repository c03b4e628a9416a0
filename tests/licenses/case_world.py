"""Helpers of the case documents and archive tests: the case engine's world (tests/cases/conftest.py) with a
seal for 石林县公安局, cases driven to each state, and the outbox run synchronously."""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from tests.cases.conftest import apply, configure, decide, make_world, to_review
from tests.factories import DepartmentFactory, make_staff
from tongban.cases import services
from tongban.cases.records import SupplementItem
from tongban.core.outbox import DispatchReport, outbox_dispatch
from tongban.licenses.models import SealKind
from tongban.licenses.services.seals import seal_ensure_for_department


def world_with_seal(regions: dict[str, Any], *, seal: bool = True) -> SimpleNamespace:
    """The case world; 石林县公安局 has an active 公章 (unless ``seal=False``); archive staff: the department's
    administrator, a platform-wide audit administrator and platform administrator, and 昆明市's administrator
    (out of scope)."""
    w = make_world(regions)
    configure(w)
    if seal:
        seal_ensure_for_department(department_id=w.gongan.pk, kind=SealKind.OFFICIAL)
    platform = DepartmentFactory(region=regions["province"], category="zwfw", name="云南省政务服务管理局")
    w.platform = platform
    w.auditor = make_staff(platform, "audit_admin")
    w.platform_admin = make_staff(platform, "platform_admin")
    return w


def run_outbox(*, later: datetime.timedelta | None = None) -> DispatchReport:
    """Dispatch every due event now (or ``later`` from now, for retries)."""
    now = timezone.now() + later if later is not None else None
    return outbox_dispatch(now=now)


def submitted(w: SimpleNamespace) -> int:
    return int(apply(w).case_id)


def accepted_and_approved(w: SimpleNamespace) -> int:
    case_id = submitted(w)
    to_review(w, case_id)
    decide(w, case_id, outcome="approve")
    return case_id


def delivered(w: SimpleNamespace) -> int:
    case_id = accepted_and_approved(w)
    services.case_complete(user=w.clerk, case_id=case_id)
    services.case_deliver(user=w.clerk, case_id=case_id)
    return case_id


def supplement_requested(w: SimpleNamespace) -> int:
    case_id = submitted(w)
    services.case_request_supplement(user=w.clerk, case_id=case_id, items=[
        SupplementItem(material="居民身份证", reason="复印件不清晰"),
        SupplementItem(field="reason", reason="申请理由请写明具体情况")])
    return case_id


def refused(w: SimpleNamespace) -> int:
    case_id = submitted(w)
    services.case_refuse(user=w.clerk, case_id=case_id, reasons=["申请事项不属于本机关职权范围"],
                         legal_basis="《中华人民共和国行政许可法》第三十二条第一款第（二）项")
    return case_id
