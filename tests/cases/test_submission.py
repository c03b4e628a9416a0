"""Submission (申请): checks, the 43-character case number without gaps or duplicates, idempotency, drafts kept
when the item is suspended, step-up, agents' scopes, materials (upload, reuse, licence) and the receipt."""

from __future__ import annotations

import threading
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction  # noqa: F401  (connection: the skipif conditions)

from tests.cases.conftest import APPLY_DATA, SHANGHAI, apply, configure, id_number, key, make_world, pdf_upload
from tests.factories import case_implementation, case_item, make_staff
from tests.files.conftest import picture
from tests.organizations.helpers import person
from tongban.cases import selectors, services
from tongban.cases.errors import StepUpRequired
from tongban.cases.models import Case, CaseNumberCounter, Draft
from tongban.cases.services.submission import allocate_serial
from tongban.catalog import services as catalog_services
from tongban.core.audit import SYSTEM
from tongban.core.errors import Conflict, NotFound, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_case_number_is_the_implementation_code_the_shanghai_date_and_a_daily_serial(world, clock):
    configure(world)
    clock.set(datetime(2025, 3, 3, 23, 30, tzinfo=SHANGHAI))  # 15:30 UTC, already the 3rd in Beijing
    first = apply(world)
    second = apply(world, user=person(name="李华", id_number="530102198507152344"))
    assert first.case_number == f"{world.impl.code}202503030001"
    assert second.case_number == f"{world.impl.code}202503030002"
    assert len(first.case_number) == 43
    clock.set(date(2025, 3, 4))
    assert apply(world).case_number.endswith("202503040001")  # a new day starts at 0001


def test_a_rolled_back_submission_gives_its_serial_back(world):
    configure(world)
    apply(world)
    with transaction.atomic():
        apply(world)
        transaction.set_rollback(True)
    third = apply(world)
    assert third.case_number.endswith("0002")
    assert Case.objects.count() == 2


def test_serials_are_per_implementation(world):
    other = case_implementation(case_item(), world.gongan)
    configure(world)
    configure(world, impl=other)
    a = apply(world)
    b = apply(world, impl=other)
    assert a.case_number.endswith("0001") and b.case_number.endswith("0001")
    assert a.case_number[:31] != b.case_number[:31]


def test_the_same_idempotency_key_returns_the_same_case(world):
    configure(world)
    draft = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
    services.draft_save(user=world.citizen, draft_id=draft.id, data=APPLY_DATA)
    for name in ("居民身份证", "申请书"):
        services.draft_attachment_upload(user=world.citizen, draft_id=draft.id, material_name=name, upload=pdf_upload())
    first = services.case_submit(user=world.citizen, draft_id=draft.id, idempotency_key="double-click-001")
    again = services.case_submit(user=world.citizen, draft_id=draft.id, idempotency_key="double-click-001")
    assert again == first
    assert Case.objects.count() == 1
    # another applicant's key space is their own
    other = person(name="李华", id_number="530102198507152344")
    assert apply(world, user=other, idempotency_key="double-click-001").case_id != first.case_id


def test_an_invalid_idempotency_key_is_refused(world):
    configure(world)
    draft = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
    with pytest.raises(ValidationFailed):
        services.case_submit(user=world.citizen, draft_id=draft.id, idempotency_key="x")


def test_every_problem_is_reported_at_once_and_nothing_is_created(world):
    configure(world)
    draft = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
    services.draft_attachment_upload(user=world.citizen, draft_id=draft.id, material_name="申请书", upload=pdf_upload())
    with pytest.raises(ValidationFailed) as refused:
        services.case_submit(user=world.citizen, draft_id=draft.id, idempotency_key=key())
    fields = {issue.field for issue in refused.value.issues}
    assert {"reason", "materials.居民身份证"} <= fields
    assert "materials.申请书" not in fields
    assert not Case.objects.exists() and not CaseNumberCounter.objects.filter(last_serial__gt=0).exists()
    assert Draft.objects.filter(pk=draft.id).exists()


def test_form_values_outside_the_schema_are_refused_while_typing(world):
    draft = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
    with pytest.raises(ValidationFailed) as refused:
        services.draft_save(user=world.citizen, draft_id=draft.id, data={"unknown_field": "x"})
    assert refused.value.issues[0].code == "unknown_field"


def test_the_draft_resumes_on_another_device_with_its_values_and_materials(world):
    draft = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
    services.draft_save(user=world.citizen, draft_id=draft.id, data={"reason": "换领"})
    services.draft_attachment_upload(user=world.citizen, draft_id=draft.id, material_name="申请书", upload=pdf_upload())
    again = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
    assert again.id == draft.id
    assert again.data == {"reason": "换领"}
    assert [m.met for m in again.materials] == [False, True, False]
    assert again.prefill["applicant_name"].value == "王晓明" and again.prefill["applicant_name"].locked
    assert selectors.draft_list_for_applicant(user=world.citizen)[0].id == draft.id


def test_an_item_suspended_after_the_draft_began_keeps_the_draft(world):
    configure(world)
    draft = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
    services.draft_save(user=world.citizen, draft_id=draft.id, data=APPLY_DATA)
    catalog_services.item_suspend(actor=SYSTEM, item=world.item, reason="法规调整")
    with pytest.raises(Conflict) as refused:
        services.case_submit(user=world.citizen, draft_id=draft.id, idempotency_key=key())
    assert refused.value.code == "item_suspended"
    assert "暂停办理" in refused.value.message and "草稿已为您保留" in refused.value.message
    kept = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
    assert kept.id == draft.id and kept.data == APPLY_DATA and kept.blocked_reason
    with pytest.raises(NotFound):  # nobody starts a new one
        services.draft_open(user=person(name="李华", id_number="530102198507152344"),
                            implementation_code=world.impl.code)


def test_a_registered_user_below_the_items_level_must_step_up(world):
    configure(world)
    registered = person()  # level 1; the item needs 实名认证 (level 2)
    draft = services.draft_open(user=registered, implementation_code=world.impl.code)
    services.draft_save(user=registered, draft_id=draft.id, data={**APPLY_DATA, "applicant_name": "某人"})
    with pytest.raises(StepUpRequired) as refused:
        services.case_submit(user=registered, draft_id=draft.id, idempotency_key=key())
    assert refused.value.required_level == 2 and refused.value.current_level == 1
    assert refused.value.code == "step_up_required"


def test_an_item_for_registered_users_accepts_level_one(world):
    item = case_item(min_assurance="registered", form={"fields": [
        {"name": "reason", "label": "申请事由", "kind": "text", "required": True}]})
    impl = case_implementation(item, world.gongan)
    receipt = apply(world, user=person(), impl=impl)
    assert receipt.status == "submitted"


def test_an_agent_without_the_apply_scope_is_refused_and_audited(world, enterprise):
    org_item = case_item(audience="organization", service_objects=["2"], form={"fields": [
        {"name": "reason", "label": "申请事由", "kind": "text", "required": True}]})
    org_impl = case_implementation(org_item, world.gongan)
    with pytest.raises(NotPermitted):
        services.draft_open(user=enterprise.viewer, org_id=enterprise.org.id, implementation_code=org_impl.code)
    assert AuditEvent.objects.filter(action="organizations.scope.apply", outcome="denied").exists()
    receipt = apply(world, user=enterprise.agent, org_id=enterprise.org.id, impl=org_impl)
    case = Case.objects.get(pk=receipt.case_id)
    assert case.organization_id == enterprise.org.id and case.applicant_user_id == enterprise.agent.pk
    assert case.applicant_name == "云南滇池示范科技有限公司" and case.applicant_id_number == "91530102MA6N7Q8R2M"
    audit = AuditEvent.objects.get(action="cases.case.submit", object_id=str(case.pk))
    assert audit.actor_id == str(enterprise.agent.pk) and audit.on_behalf_of_type == "organization"
    # the viewer sees the organisation's cases, but may not withdraw them
    rows = selectors.case_list_for_organization(user=enterprise.viewer, org_id=enterprise.org.id)
    assert [r.id for r in rows] == [case.pk]
    with pytest.raises(NotPermitted) as refused:
        services.case_withdraw(user=enterprise.viewer, org_id=enterprise.org.id, case_id=case.pk, reason="x")
    assert "申请办理事项" in refused.value.message


def test_a_person_cannot_apply_for_an_organisation_item(world):
    org_item = case_item(audience="organization", service_objects=["2"])
    org_impl = case_implementation(org_item, world.gongan)
    with pytest.raises(Conflict) as refused:
        services.draft_open(user=world.citizen, implementation_code=org_impl.code)
    assert refused.value.code == "wrong_applicant_kind"


def test_an_upload_whose_content_contradicts_its_name_is_refused(world):
    draft = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
    photo_named_pdf = SimpleUploadedFile("身份证.pdf", picture("PNG"), content_type="application/pdf")
    with pytest.raises(ValidationFailed) as refused:
        services.draft_attachment_upload(user=world.citizen, draft_id=draft.id, material_name="居民身份证",
                                         upload=photo_named_pdf)
    assert refused.value.issues[0].code == "file_type_mismatch"
    text_named_pdf = SimpleUploadedFile("申请书.pdf", "我申请办理".encode(), content_type="application/pdf")
    with pytest.raises(ValidationFailed) as refused:
        services.draft_attachment_upload(user=world.citizen, draft_id=draft.id, material_name="申请书",
                                         upload=text_named_pdf)
    assert refused.value.issues[0].code == "file_type_unsupported"
    assert not services.draft_open(user=world.citizen, implementation_code=world.impl.code).materials[0].met


def test_an_oversized_upload_is_refused(world, settings):
    settings.FILE_MAX_BYTES = 200
    draft = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
    with pytest.raises(ValidationFailed) as refused:
        services.draft_attachment_upload(user=world.citizen, draft_id=draft.id, material_name="申请书",
                                         upload=pdf_upload())
    assert refused.value.issues[0].code == "file_too_large"


def test_a_material_the_item_does_not_ask_for_is_refused(world):
    draft = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
    with pytest.raises(ValidationFailed):
        services.draft_attachment_upload(user=world.citizen, draft_id=draft.id, material_name="户口簿",
                                         upload=pdf_upload())


def test_an_accepted_upload_can_be_reused_by_the_same_applicant_only(world):
    configure(world)
    first = apply(world)
    draft_other = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
    assert selectors.attachment_reusable_list(user=world.citizen) == []  # not yet accepted
    services.case_accept(user=world.clerk, case_id=first.case_id)
    reusable = selectors.attachment_reusable_list(user=world.citizen, material_name="居民身份证")
    assert reusable[0].material_name == "居民身份证" and reusable[0].case_number == first.case_number
    row = services.draft_attachment_reuse(user=world.citizen, draft_id=draft_other.id, material_name="居民身份证",
                                          file_id=reusable[0].file_id)
    assert row.source == "reuse" and row.file_id == reusable[0].file_id
    stranger = person(name="李华", id_number="530102198507152344")
    stranger_draft = services.draft_open(user=stranger, implementation_code=world.impl.code)
    with pytest.raises(NotFound):
        services.draft_attachment_reuse(user=stranger, draft_id=stranger_draft.id, material_name="居民身份证",
                                        file_id=reusable[0].file_id)


def test_a_licence_reference_needs_a_licence_resolver(world, monkeypatch):
    from tongban.cases import registry

    monkeypatch.setattr(registry, "_license_resolvers", {})  # a deployment without the licences app's resolver
    draft = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
    with pytest.raises(Conflict) as refused:
        services.draft_attachment_license(user=world.citizen, draft_id=draft.id, material_name="居民身份证",
                                          license_id="1.2.156.3005.2.x")
    assert refused.value.code == "licenses_unavailable"


def test_a_licence_by_reference_meets_the_material_once_a_resolver_exists(world):
    from tongban.cases.interface import LicenseReference, license_resolver_register, plugin_unregister

    class Resolver:
        def licenses_for(self, *, user_id, org_id, license_type):
            return []

        def confirm(self, *, user_id, org_id, license_id, license_type=""):
            if user_id == world.citizen.pk and license_id == "ID-1":
                return LicenseReference(license_type="居民身份证", license_id="ID-1", holder_name="王晓明",
                                        label="居民身份证（电子证照）")
            return None

    license_resolver_register("test", Resolver())
    try:
        configure(world)
        draft = services.draft_open(user=world.citizen, implementation_code=world.impl.code)
        services.draft_save(user=world.citizen, draft_id=draft.id, data=APPLY_DATA)
        row = services.draft_attachment_license(user=world.citizen, draft_id=draft.id, material_name="居民身份证",
                                                license_id="ID-1")
        assert row.source == "license" and row.license_label == "居民身份证（电子证照）"
        services.draft_attachment_upload(user=world.citizen, draft_id=draft.id, material_name="申请书",
                                         upload=pdf_upload())
        receipt = services.case_submit(user=world.citizen, draft_id=draft.id, idempotency_key=key())
        assert ("居民身份证", "电子证照") in receipt.materials
    finally:
        plugin_unregister("test")


def test_the_receipt(world):
    configure(world, mode="pre_review")
    receipt = apply(world)
    assert receipt.title == world.item.current_version.name
    assert receipt.department_name == "石林彝族自治县公安局"
    assert receipt.applicant_name_masked == "王*明"
    assert receipt.status_label == "已申请（待预审）"
    assert receipt.acceptance_due is not None and receipt.acceptance_mode == "pre_review"
    assert ("申请书", "新上传") in receipt.materials
    assert selectors.case_receipt_for_applicant(user=world.citizen, case_id=receipt.case_id) == receipt
    with pytest.raises(NotFound):
        selectors.case_receipt_for_applicant(user=person(name="李华", id_number="530102198507152344"),
                                             case_id=receipt.case_id)


def test_receipt_mode_accepts_at_once(world):
    configure(world, mode="receipt")
    receipt = apply(world)
    case = Case.objects.get(pk=receipt.case_id)
    assert case.status == "accepted" and case.accepted_at == case.submitted_at
    assert list(case.events.values_list("transition", "actor_kind")) == [("submit", "applicant"), ("accept", "system")]


def test_a_staff_account_cannot_apply(world):
    with pytest.raises(NotPermitted):
        services.draft_open(user=make_staff(world.gongan, "window_clerk"), implementation_code=world.impl.code)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor == 'sqlite'", reason="parallel writers need PostgreSQL")
def test_parallel_submitters_get_consecutive_serials_without_gaps_or_duplicates(regions, holiday_calendar):
    world = make_world(regions)
    configure(world)
    submitters = 8
    people = [person(name=f"申请人{chr(0x4E00 + i)}", id_number=id_number(i)) for i in range(submitters)]
    drafts = []
    for user in people:
        draft = services.draft_open(user=user, implementation_code=world.impl.code)
        services.draft_save(user=user, draft_id=draft.id, data=APPLY_DATA)
        for name in ("居民身份证", "申请书"):
            services.draft_attachment_upload(user=user, draft_id=draft.id, material_name=name, upload=pdf_upload())
        drafts.append(draft.id)
    barrier = threading.Barrier(submitters * 2)
    numbers: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def submit(user, draft_id, idempotency_key):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            receipt = services.case_submit(user=user, draft_id=draft_id, idempotency_key=idempotency_key)
            numbers.append((user.pk, receipt.case_number))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            thread_connection.close()

    # every applicant double-clicks: two threads with the same key at the same moment
    threads = [threading.Thread(target=submit, args=(user, draft_id, f"parallel-{i:04d}"))
               for i, (user, draft_id) in enumerate(zip(people, drafts, strict=True)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(numbers) == submitters * 2  # every click is answered …
    by_user: dict[int, set[str]] = {}
    for user_id, number in numbers:
        by_user.setdefault(user_id, set()).add(number)
    assert all(len(found) == 1 for found in by_user.values())  # … with that applicant's one case
    serials = sorted(number[-4:] for found in by_user.values() for number in found)
    assert serials == [f"{i:04d}" for i in range(1, submitters + 1)]
    assert Case.objects.count() == submitters


def test_allocate_serial_refuses_past_9999(db):
    CaseNumberCounter.objects.create(scope="X", day=date(2025, 1, 2), last_serial=9999)
    with pytest.raises(Conflict):
        allocate_serial(scope="X", day=date(2025, 1, 2))
