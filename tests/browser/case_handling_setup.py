"""Sets up the world of tests/browser/test_case_handling.py inside a private copy of the demo database (run with
``manage.py shell -c "from tests.browser.case_handling_setup import run; run()"`` before that server starts).

石林彝族自治县公安局 handles 出生登记 by pre-review with the chain 审核 (reviewer) → 审批 (approver), which the demo
accounts demo_sl_clerk, demo_sl_examiner and demo_sl_approver handle; the demo citizen 王晓明 (13800000002) has
applied for it through the case engine's services, with every required material. Prints the case number.
"""

from __future__ import annotations

import datetime
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.files.conftest import pdf
from tongban.cases import services as cases
from tongban.cases.records import StepSpec
from tongban.catalog import selectors as catalog
from tongban.core.audit import SYSTEM
from tongban.identity import services as identity

COUNTY = "530126000000"
BIRTH_REGISTRATION = "070010001000"
CITIZEN = "13800000002"  # 王晓明, real-name level 2


def _pdf() -> bytes:
    """A small valid one-page PDF, different each time."""
    marker = uuid.uuid4().hex.encode()
    return pdf(trailer=b"/ID [<" + marker + b"> <" + marker + b">]")


def run() -> None:
    impl = catalog.implementation_list(item_code=BIRTH_REGISTRATION, region_code=COUNTY).get()
    promised = cases.processing_config_for(implementation_id=impl.pk).promised_limit_working_days
    cases.processing_config_update(
        user=SYSTEM, implementation_id=impl.pk, acceptance_mode="pre_review", reason="浏览器测试",
        steps=[StepSpec(name="审核", kind="review", role="reviewer", budget_days=max(promised - 1, 0)),
               StepSpec(name="审批", kind="approve", role="approver", budget_days=min(promised, 1))])
    citizen = identity.account_find(identifier=CITIZEN)
    draft = cases.draft_open(user=citizen, org_id=None, implementation_code=impl.code)
    yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
    data = {key: value.value for key, value in draft.prefill.items()}
    data.update({
        "child_name": "王小满", "child_sex": "female", "child_birth_date": yesterday,
        "birth_certificate_no": "Q530123456", "birth_place": COUNTY, "mother_name": "李华",
        "mother_id_number": "530102198507152344", "father_name": "王晓明", "parents_married": "yes",
        "household_head": "王晓明", "household_address": {"region": COUNTY, "detail": "鹿阜街道石林路1号"},
        "applicant_relation": "father", "applicant_phone": CITIZEN})
    cases.draft_save(user=citizen, org_id=None, draft_id=draft.id, data=data)
    for material in draft.materials:
        if material.required:
            cases.draft_attachment_upload(
                user=citizen, org_id=None, draft_id=draft.id, material_name=material.name,
                upload=SimpleUploadedFile(f"{material.name}.pdf", _pdf(), content_type="application/pdf"))
    receipt = cases.case_submit(user=citizen, org_id=None, draft_id=draft.id, idempotency_key=uuid.uuid4().hex)
    print(f"CASE_NUMBER={receipt.case_number}")


def resubmit(case_number: str) -> None:
    """王晓明 answers the supplement request (the materials he already supplied now meet it)."""
    from tongban.cases import selectors

    citizen = identity.account_find(identifier=CITIZEN)
    case_id = selectors.case_id_by_number(case_number=case_number)
    assert case_id is not None
    cases.case_resubmit(user=citizen, case_id=case_id, note="已按要求补正")
    print("RESUBMITTED")
