"""Reads: staff see only their scope (404 audited otherwise), applicants masked and revealed with an audit record,
materials served only through the case's permission check, 我的办件, the queues without N+1, the progress lookup
without login, applicant notices (in-site + SMS) from the outbox."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from tests.cases.conftest import apply, configure, decide, id_number, to_review
from tests.factories import make_staff
from tests.organizations.helpers import person
from tongban.cases import selectors, services
from tongban.cases.models import Attachment, Case
from tongban.cases.records import SupplementItem
from tongban.cases.workflow import markdown_table
from tongban.core.errors import NotFound, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.core.outbox import outbox_dispatch
from tongban.directory.selectors import staff_context_for_user
from tongban.notifications.models import Notice, SimulatedSms
from tongban.notifications.selectors import notice_list_for_user, notice_unread_count
from tongban.notifications.services import notice_mark_read

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def staff(user):
    return staff_context_for_user(user)


def test_staff_out_of_scope_see_nothing_and_it_is_audited(world):
    configure(world)
    case_id = apply(world).case_id
    for queue in selectors.QUEUES:
        assert list(selectors.case_queue_for_staff(staff=staff(world.outsider), queue=queue)) == []
    assert list(selectors.case_search_for_staff(staff=staff(world.outsider), case_number=world.impl.code)) == []
    with pytest.raises(NotFound):
        services.case_open_for_staff(user=world.outsider, case_id=case_id)
    with pytest.raises(NotFound):
        services.case_open_for_staff(user=world.outsider, case_id=999999)  # the same answer as for a missing one
    denied = AuditEvent.objects.filter(action="cases.case.view", outcome="denied")
    assert denied.count() == 2 and denied.first().actor_type == "staff"
    with pytest.raises(NotFound):
        services.case_material_read(user=world.outsider, case_id=case_id,
                                    material_id=Attachment.objects.filter(case_id=case_id).first().pk)
    assert [r.id for r in selectors.case_queue_for_staff(staff=staff(world.clerk), queue="to_accept")] == [case_id]


def test_a_platform_administrator_sees_every_department(world, regions):
    from tests.factories import DepartmentFactory

    configure(world)
    case_id = apply(world).case_id
    platform = make_staff(DepartmentFactory(region=regions["province"], category="zwfw"), "platform_admin")
    assert [r.id for r in selectors.case_queue_for_staff(staff=staff(platform), queue="to_accept")] == [case_id]
    with pytest.raises(NotPermitted):  # seeing is not handling
        services.case_accept(user=platform, case_id=case_id)


def test_applicants_are_masked_and_revealing_is_audited(world):
    configure(world)
    case_id = apply(world).case_id
    row = selectors.case_queue_for_staff(staff=staff(world.clerk), queue="to_accept")[0]
    assert row.applicant_name_masked == "王*明" and row.applicant_id_masked == "5301**********1231"
    view = services.case_open_for_staff(user=world.clerk, case_id=case_id)
    assert view.applicant_name_masked == "王*明" and view.allowed_transitions == (
        "accept", "refuse", "request_supplement")
    with pytest.raises(ValidationFailed):
        services.case_applicant_reveal(user=world.clerk, case_id=case_id, reason="")
    revealed = services.case_applicant_reveal(user=world.clerk, case_id=case_id, reason="核对身份证原件")
    assert revealed.name == "王晓明" and revealed.id_number == "530102199001011231"
    audit = AuditEvent.objects.get(action="cases.applicant.reveal")
    assert audit.detail == {"reason": "核对身份证原件"} and audit.actor_type == "staff"


def test_staff_search_by_number_item_date_and_applicant(world, clock):
    configure(world)
    clock.set(date(2025, 3, 3))
    receipt = apply(world)
    clock.set(date(2025, 3, 5))
    other = apply(world, user=person(name="李华", id_number="530102198507152344"))
    me = staff(world.clerk)
    assert [r.id for r in selectors.case_search_for_staff(staff=me, case_number=receipt.case_number)] == [
        receipt.case_id]
    assert len(selectors.case_search_for_staff(staff=me, item=world.item.basic_code)) == 2
    assert len(selectors.case_search_for_staff(staff=me, item="出生")) == 2
    assert [r.id for r in selectors.case_search_for_staff(staff=me, submitted_from=date(2025, 3, 4))] == [
        other.case_id]
    assert [r.id for r in selectors.case_search_for_staff(staff=me, submitted_to=date(2025, 3, 3))] == [
        receipt.case_id]
    assert [r.id for r in selectors.case_search_for_staff(staff=me, applicant_name="李华")] == [other.case_id]
    assert [r.id for r in selectors.case_search_for_staff(staff=me, applicant_id_number="530102199001011231")] == [
        receipt.case_id]
    assert list(selectors.case_search_for_staff(staff=me, applicant_name="李")) == []  # exact names only


def test_materials_are_served_through_the_case_permission_check(world, enterprise):
    configure(world)
    case_id = apply(world).case_id
    material = Attachment.objects.filter(case_id=case_id, material_name="申请书").first()
    info, data = services.case_material_read(user=world.citizen, case_id=case_id, material_id=material.pk)
    assert data.startswith(b"%PDF") and info.mime == "application/pdf"
    assert not AuditEvent.objects.filter(action="cases.material.read").exists()  # the applicant's own: not audited
    services.case_material_read(user=world.reviewer, case_id=case_id, material_id=material.pk)
    audit = AuditEvent.objects.get(action="cases.material.read")
    assert audit.detail["material_name"] == "申请书" and audit.actor_type == "staff"
    with pytest.raises(NotFound):  # a material of another case, asked for through this one
        other = apply(world, user=person(name="赵敏", id_number=id_number(7))).case_id
        services.case_material_read(user=world.citizen, case_id=case_id,
                                    material_id=Attachment.objects.filter(case_id=other).first().pk)
    with pytest.raises(NotFound):
        services.case_material_read(user=enterprise.agent, case_id=case_id, material_id=material.pk)


def test_my_cases_and_the_applicants_case_page(world, clock):
    configure(world)
    clock.set(date(2025, 3, 3))
    case_id = apply(world).case_id
    services.case_accept(user=world.clerk, case_id=case_id)
    services.case_request_supplement(user=world.reviewer, case_id=case_id,
                                     items=[SupplementItem(material="居民身份证", reason="照片不清晰")])
    rows = selectors.case_list_for_person(user=world.citizen)
    assert rows[0].needs_action and rows[0].status_label == "待补齐补正"
    assert [r.id for r in selectors.case_list_for_person(user=world.citizen, status_group="action")] == [case_id]
    assert list(selectors.case_list_for_person(user=world.citizen, status_group="closed")) == []
    view = selectors.case_detail_for_applicant(user=world.citizen, case_id=case_id)
    assert [e.title for e in view.timeline] == ["提交申请", "已受理", "请补齐补正"]
    assert "照片不清晰" in view.timeline[-1].text and view.supplement_items[0]["material"] == "居民身份证"
    assert view.can_withdraw and view.can_resubmit
    assert [m.name for m in view.materials if m.met] == ["居民身份证", "申请书"]
    with pytest.raises(NotFound):
        selectors.case_detail_for_applicant(user=person(), case_id=case_id)


def test_lists_cost_the_same_queries_for_one_case_or_many(world, django_assert_max_num_queries):
    configure(world)
    apply(world)
    me = staff(world.clerk)

    def cost(read):
        connection.queries_log.clear()
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            read()
        return len(captured)

    def staff_page():
        rows = selectors.case_queue_for_staff(staff=me, queue="to_accept")
        return len(rows), rows[0:20]

    def applicant_page():
        rows = selectors.case_list_for_person(user=world.citizen)
        return len(rows), rows[0:20]

    one = (cost(staff_page), cost(applicant_page))
    for _ in range(6):
        apply(world)
    assert (cost(staff_page), cost(applicant_page)) == one
    assert one[0] <= 2 and one[1] <= 3  # count + page (+ the page's bundle children)


def test_progress_lookup_without_login_returns_the_minimum(world):
    configure(world)
    receipt = apply(world)
    found = selectors.case_progress_lookup(case_number=receipt.case_number, applicant_name="王晓明")
    assert found.status_label == "已申请（待预审）" and found.item_name == world.item.current_version.name
    assert not hasattr(found, "applicant_name")
    assert selectors.case_progress_lookup(case_number=receipt.case_number, applicant_name="王晓") is None
    assert selectors.case_progress_lookup(case_number=receipt.case_number, applicant_name="李华") is None
    assert selectors.case_progress_lookup(case_number="X" * 43, applicant_name="王晓明") is None


def test_the_applicant_is_told_in_site_and_by_sms(world, settings):
    settings.SMS_PROVIDER = "simulator"
    configure(world)
    case_id = apply(world).case_id
    to_review(world, case_id)
    decide(world, case_id, delivery="window")
    services.case_complete(user=world.clerk, case_id=case_id)
    outbox_dispatch()
    titles = list(notice_list_for_user(user=world.citizen).values_list("title", flat=True))
    assert titles == ["已办结", "办理结果：准予", "申请已受理", "申请已提交"]  # newest first; steps are internal
    completed = Notice.objects.get(user_id=world.citizen.pk, title="已办结")
    assert "到办理窗口领取" in completed.body and str(case_id) in completed.link
    texts = list(SimulatedSms.objects.order_by("created_at", "pk").values_list("text", flat=True))
    assert len(texts) == 4 and texts[0].startswith("【通办】您申请的") and "办件编号" in texts[0]
    outbox_dispatch()  # again: nothing twice
    assert Notice.objects.filter(user_id=world.citizen.pk).count() == 4 and SimulatedSms.objects.count() == 4
    assert notice_unread_count(user=world.citizen) == 4
    notice_mark_read(user=world.citizen, notice_id=completed.pk)
    assert notice_unread_count(user=world.citizen) == 3
    with pytest.raises(NotFound):
        notice_mark_read(user=world.clerk, notice_id=completed.pk)


def test_an_organisations_case_tells_the_agent_who_applied(world, enterprise):
    from tests.factories import case_implementation, case_item

    org_item = case_item(audience="organization", service_objects=["2"], form={"fields": [
        {"name": "reason", "label": "申请事由", "kind": "text", "required": True}]})
    org_impl = case_implementation(org_item, world.gongan)
    configure(world, impl=org_impl)
    apply(world, user=enterprise.agent, org_id=enterprise.org.id, impl=org_impl)
    outbox_dispatch()
    assert Notice.objects.filter(user_id=enterprise.agent.pk, title="申请已提交").exists()
    assert not Notice.objects.filter(user_id=world.citizen.pk).exists()


def test_the_docs_mirror_the_transition_table():
    docs = (ROOT / "docs" / "cases.md").read_text(encoding="utf-8")
    assert markdown_table() in docs


@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="query plans are checked on PostgreSQL")
def test_the_to_accept_and_overdue_queues_use_an_index(world):
    import random
    from datetime import timedelta

    from tests.factories import DepartmentFactory

    configure(world)
    template = Case.objects.get(pk=apply(world).case_id)
    departments = [world.gongan.pk] + [DepartmentFactory(region=world.regions["county"], category=f"c{i}").pk
                                       for i in range(30)]
    statuses = ["submitted", "accepted", "in_review", "completed", "delivered", "refused"]
    rng = random.Random(7)
    clones = []
    for n in range(6000):
        clone = Case(**{f.attname: getattr(template, f.attname) for f in Case._meta.concrete_fields if not f.primary_key})
        clone.case_number = f"{template.case_number[:35]}{n:08d}"
        clone.idempotency_key = ""
        clone.department_id = rng.choice(departments)
        clone.status = rng.choice(statuses)
        clone.clock_due = date(2025, 1, 1) + timedelta(days=rng.randrange(400)) if clone.status in (
            "submitted", "accepted", "in_review") else None
        clones.append(clone)
    Case.objects.bulk_create(clones, batch_size=1000)
    me = staff(world.clerk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    for queue, index in (("to_accept", "case_dept_status_due_idx"), ("overdue", "case_dept_due_idx")):
        rows = selectors.case_queue_for_staff(staff=me, queue=queue, today=date(2025, 3, 1))
        plan = rows.queryset.explain()
        assert f"Index Scan using {index}" in plan or f"Bitmap Index Scan on {index}" in plan, plan
        assert "Seq Scan on cases_case" not in plan, plan


def test_a_case_of_another_applicant_is_not_listed(world):
    configure(world)
    apply(world)
    assert list(selectors.case_list_for_person(user=person())) == []
    assert Case.objects.count() == 1
