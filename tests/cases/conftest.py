"""The case engine's test world: 石林县 公安局 implements an item (form + two required materials), its staff hold
each role, 石林县民政局 countersigns, 昆明市市场监督管理局 is out of scope; a verified citizen and an enterprise
with an agent apply. Uploads go to a temporary files storage; ``clock`` moves time."""

from __future__ import annotations

import datetime
import itertools
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import DepartmentFactory, case_implementation, case_item, make_staff
from tests.files.conftest import pdf
from tests.organizations.helpers import WANG_ID, person, register
from tongban.cases import services
from tongban.cases.records import DecisionDocument, StepSpec
from tongban.core.audit import SYSTEM

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
_keys = itertools.count(1)
APPLY_DATA = {"reason": "首次申请"}


@pytest.fixture(autouse=True)
def files_dir(settings: Any, tmp_path: Path) -> Path:
    location = tmp_path / "files"
    settings.STORAGES = {**settings.STORAGES, "files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}
    settings.FILE_SCANNER = "simulator"
    return location


class Clock:
    """Moves ``timezone.now`` (and so every service, auto_now field and 'today') to a chosen moment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self._monkeypatch = monkeypatch
        self.now: datetime.datetime | None = None

    def set(self, moment: datetime.datetime | datetime.date, hour: int = 10) -> datetime.datetime:
        if not isinstance(moment, datetime.datetime):
            moment = datetime.datetime(moment.year, moment.month, moment.day, hour, tzinfo=SHANGHAI)
        self.now = moment
        self._monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


_documents = itertools.count(1)


def pdf_upload(name: str = "材料.pdf") -> SimpleUploadedFile:
    """A small valid PDF, different each time (so that reuse, which keeps one file per content, sees each)."""
    marker = f"{next(_documents):032x}".encode()
    return SimpleUploadedFile(name, pdf(trailer=b"/ID [<" + marker + b"> <" + marker + b">]"),
                              content_type="application/pdf")


def key() -> str:
    return f"test-key-{next(_keys):06d}"


def id_number(serial: int) -> str:
    """A well-formed (fictitious) 石林县 ID number."""
    from stdnum.cn import ric

    body = f"53012619900101{serial % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum ignores the last character


@pytest.fixture
def world(regions: dict[str, Any]) -> SimpleNamespace:
    return make_world(regions)


def make_world(regions: dict[str, Any]) -> SimpleNamespace:
    county, kunming = regions["county"], regions["kunming"]
    gongan = DepartmentFactory(region=county, category="gongan", name="石林彝族自治县公安局")
    minzheng = DepartmentFactory(region=county, category="minzheng", name="石林彝族自治县民政局")
    scjg = DepartmentFactory(region=kunming, category="scjg", name="昆明市市场监督管理局")
    item = case_item()
    impl = case_implementation(item, gongan)
    w = SimpleNamespace(
        regions=regions, gongan=gongan, minzheng=minzheng, scjg=scjg, item=item, impl=impl,
        clerk=make_staff(gongan, "window_clerk"), reviewer=make_staff(gongan, "reviewer"),
        approver=make_staff(gongan, "approver"), admin=make_staff(gongan, "department_admin"),
        countersigner=make_staff(minzheng, "reviewer"),
        outsider=make_staff(scjg, "window_clerk", "reviewer", "approver", "department_admin"),
        citizen=person(name="王晓明", id_number=WANG_ID),
    )
    return w


@pytest.fixture
def enterprise(world: SimpleNamespace) -> SimpleNamespace:
    """云南滇池示范科技有限公司: the citizen is its legal representative; an agent may apply, a viewer may only look."""
    from tongban.organizations import services as org_services

    org = register(world.citizen)
    agent = person(name="阿依古丽·买买提", id_number="530126199203158822")
    viewer = person(name="李华", id_number="530102198507152344")
    until = timezone.now() + datetime.timedelta(days=3650)
    org_services.agent_authorize(org_id=org.id, legal_rep_user=world.citizen, agent_phone_or_username=agent.phone,
                                 scopes=["apply", "view_cases"], valid_until=until)
    org_services.agent_authorize(org_id=org.id, legal_rep_user=world.citizen, agent_phone_or_username=viewer.phone,
                                 scopes=["view_cases"], valid_until=until)
    return SimpleNamespace(org=org, agent=agent, viewer=viewer)


def configure(world: SimpleNamespace, *, mode: str = "pre_review", steps: list[StepSpec] | None = None,
              external: bool = False, fee_amount_fen: int | None = None, impl: Any = None) -> None:
    services.processing_config_update(
        user=SYSTEM, implementation_id=(impl or world.impl).pk, acceptance_mode=mode,
        steps=steps if steps is not None else [
            StepSpec(name="审核", kind="review", role="reviewer", budget_days=3),
            StepSpec(name="审批", kind="approve", role="approver", budget_days=1)],
        handled_externally=external, fee_amount_fen=fee_amount_fen)


def apply(world: SimpleNamespace, *, user: Any = None, org_id: int | None = None, impl: Any = None,
          data: dict[str, Any] | None = None, materials: tuple[str, ...] = ("居民身份证", "申请书"),
          idempotency_key: str | None = None) -> Any:
    """Open a draft, fill it, attach the materials and submit; returns the receipt."""
    user = user or world.citizen
    draft = services.draft_open(user=user, org_id=org_id, implementation_code=(impl or world.impl).code)
    services.draft_save(user=user, org_id=org_id, draft_id=draft.id, data=APPLY_DATA if data is None else data)
    for name in materials:
        services.draft_attachment_upload(user=user, org_id=org_id, draft_id=draft.id, material_name=name,
                                         upload=pdf_upload(f"{name}.pdf"))
    return services.case_submit(user=user, org_id=org_id, draft_id=draft.id,
                                idempotency_key=idempotency_key or key())


def decide(world: SimpleNamespace, case_id: int, *, outcome: str = "approve", delivery: str = "window",
           fee_amount_fen: int | None = None) -> None:
    services.case_decide(user=world.approver, case_id=case_id, outcome=outcome,
                         opinion="符合条件" if outcome == "approve" else "不符合法定条件",
                         documents=[DecisionDocument(name="准予许可决定书" if outcome == "approve" else "不予许可决定书")],
                         delivery_method=delivery, fee_amount_fen=fee_amount_fen)


def to_review(world: SimpleNamespace, case_id: int) -> None:
    """Accept, then pass the review step: the case waits at the approval step (审批)."""
    services.case_accept(user=world.clerk, case_id=case_id)
    services.case_step_complete(user=world.reviewer, case_id=case_id, outcome="pass", opinion="材料齐全")
