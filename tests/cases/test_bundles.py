"""一件事: one combined form and one set of materials make a parent case and a child case per member item, each
child numbered, accepted and timed by its own implementation; the parent's status follows its children and the
results are delivered together."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.cases.conftest import APPLY_DATA, configure, decide, key, pdf_upload
from tests.factories import case_implementation, case_item, make_staff
from tongban.cases import selectors, services
from tongban.cases.models import Case, CaseEvent
from tongban.catalog import services as catalog_services
from tongban.core.audit import SYSTEM
from tongban.core.errors import Conflict, NotPermitted
from tongban.core.models import OutboxEvent
from tongban.notifications.models import Notice

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle(world):
    birth = case_item(name="出生医学证明首次签发", category="weijian")
    register = case_item(name="户口登记", materials=[
        {"name": "居民身份证", "issuer": "", "original_count": 1, "copy_count": 0, "required": True, "note": "",
         "license_type": ""},
        {"name": "户口簿", "issuer": "", "original_count": 1, "copy_count": 0, "required": True, "note": "",
         "license_type": ""}])
    birth_impl = case_implementation(birth, world.minzheng)
    register_impl = case_implementation(register, world.gongan)
    catalog_services.bundle_upsert(actor=SYSTEM, code="birth", name="出生一件事", audience="person",
                                   life_event_code=None, summary="新生儿出生一次办", guide="一次告知",
                                   member_names=["出生医学证明首次签发", "户口登记"])
    configure(world, impl=birth_impl)
    configure(world, impl=register_impl)
    minzheng = SimpleNamespace(clerk=make_staff(world.minzheng, "window_clerk"),
                               reviewer=make_staff(world.minzheng, "reviewer"),
                               approver=make_staff(world.minzheng, "approver"))
    return SimpleNamespace(birth=birth_impl, register=register_impl, minzheng=minzheng)


def submit_bundle(world, bundle):
    draft = services.draft_open(user=world.citizen, bundle_code="birth",
                                region_code=world.regions["county"].code)
    assert [m.implementation_code for m in draft.members] == [bundle.birth.code, bundle.register.code]
    assert [m.name for m in draft.materials] == ["居民身份证", "申请书", "其他证明材料", "户口簿"]
    services.draft_save(user=world.citizen, draft_id=draft.id, data=APPLY_DATA)
    for name in ("居民身份证", "申请书", "户口簿"):
        services.draft_attachment_upload(user=world.citizen, draft_id=draft.id, material_name=name,
                                         upload=pdf_upload(f"{name}.pdf"))
    return services.case_submit(user=world.citizen, draft_id=draft.id, idempotency_key=key())


def finish(world, staff, case_id):
    services.case_accept(user=staff.clerk, case_id=case_id)
    services.case_step_complete(user=staff.reviewer, case_id=case_id, outcome="pass", opinion="同意")
    services.case_decide(user=staff.approver, case_id=case_id, outcome="approve", documents=["准予决定书"],
                         delivery_method="window")
    services.case_complete(user=staff.clerk, case_id=case_id)


def test_one_application_makes_a_parent_and_a_child_per_member(world, bundle):
    receipt = submit_bundle(world, bundle)
    parent = Case.objects.get(pk=receipt.case_id)
    assert parent.kind == "bundle_parent" and parent.case_number.startswith("YJS-birth-")
    children = list(parent.children.order_by("pk"))
    assert [c.implementation_id for c in children] == [bundle.birth.pk, bundle.register.pk]
    assert all(len(c.case_number) == 43 and c.case_number.endswith("0001") for c in children)
    assert [c.department_id for c in children] == [world.minzheng.pk, world.gongan.pk]
    assert {a.material_name for a in children[1].attachments.all()} == {"居民身份证", "申请书", "户口簿"} - {"申请书"}
    assert {a.material_name for a in children[0].attachments.all()} == {"居民身份证", "申请书"}
    assert [c.case_number for c in receipt.children] == [c.case_number for c in children]
    assert receipt.is_bundle and all(c.acceptance_due for c in receipt.children)


def test_the_parent_follows_its_children_and_delivers_the_results_together(world, bundle):
    receipt = submit_bundle(world, bundle)
    birth, register = Case.objects.get(pk=receipt.case_id).children.order_by("pk")
    view = selectors.case_detail_for_applicant(user=world.citizen, case_id=receipt.case_id)
    assert view.bundle.status == "submitted" and view.bundle.total == 2
    finish(world, bundle.minzheng, birth.pk)
    view = selectors.case_detail_for_applicant(user=world.citizen, case_id=receipt.case_id)
    assert view.status == "in_review" and view.bundle.closed == 1
    assert Case.objects.get(pk=receipt.case_id).status == "submitted"
    with pytest.raises(Conflict) as refused:
        services.case_deliver(user=bundle.minzheng.clerk, case_id=birth.pk)
    assert refused.value.code == "bundle_delivers_together"
    clerk = world.clerk
    finish(world, SimpleNamespace(clerk=clerk, reviewer=world.reviewer, approver=world.approver), register.pk)
    parent = Case.objects.get(pk=receipt.case_id)
    assert parent.status == "completed"
    with pytest.raises(NotPermitted):  # the lead department (the first member's) hands out the results
        services.case_deliver(user=clerk, case_id=parent.pk)
    services.case_deliver(user=bundle.minzheng.clerk, case_id=parent.pk)
    assert set(Case.objects.filter(pk__in=[birth.pk, register.pk, parent.pk]).values_list("status", flat=True)) == {
        "delivered"}
    assert CaseEvent.objects.get(case_id=birth.pk, transition="deliver").detail["with_parent"] == parent.case_number
    timeline = selectors.case_detail_for_applicant(user=world.citizen, case_id=parent.pk).timeline
    assert any(e.title.startswith("出生医学证明首次签发：") for e in timeline)


def test_the_whole_bundle_is_withdrawn_while_no_child_is_decided(world, bundle):
    receipt = submit_bundle(world, bundle)
    services.case_withdraw(user=world.citizen, case_id=receipt.case_id, reason="信息填错，重新申请")
    assert set(Case.objects.filter(parent_id=receipt.case_id).values_list("status", flat=True)) == {"withdrawn"}
    assert Case.objects.get(pk=receipt.case_id).status == "withdrawn"
    assert OutboxEvent.objects.filter(topic="case.withdrawn").count() == 3


def test_a_bundle_with_a_decided_child_cannot_be_withdrawn(world, bundle):
    receipt = submit_bundle(world, bundle)
    birth = Case.objects.get(pk=receipt.case_id).children.order_by("pk").first()
    services.case_accept(user=bundle.minzheng.clerk, case_id=birth.pk)
    services.case_step_complete(user=bundle.minzheng.reviewer, case_id=birth.pk, outcome="pass", opinion="同意")
    decide(SimpleNamespace(approver=bundle.minzheng.approver), birth.pk)
    with pytest.raises(Conflict) as refused:
        services.case_withdraw(user=world.citizen, case_id=receipt.case_id, reason="不办了")
    assert "出生医学证明首次签发" in refused.value.message
    assert not selectors.case_detail_for_applicant(user=world.citizen, case_id=receipt.case_id).can_withdraw


def test_the_applicant_is_told_once_for_the_bundle(world, bundle):
    from tongban.core.outbox import outbox_dispatch

    submit_bundle(world, bundle)
    outbox_dispatch()
    assert list(Notice.objects.filter(user_id=world.citizen.pk).values_list("title", flat=True)) == ["申请已提交"]


def test_my_cases_lists_the_bundle_once(world, bundle):
    receipt = submit_bundle(world, bundle)
    rows = selectors.case_list_for_person(user=world.citizen)
    assert [r.id for r in rows] == [receipt.case_id]
    assert rows[0].title == "出生一件事" and rows[0].status_label == "已申请（待受理）"
