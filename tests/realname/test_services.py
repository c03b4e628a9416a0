"""The real-name services: every route raises the level and locks the identity; refusals are clear and safe."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from tests.realname.conftest import (
    CARD,
    ID_NUMBER,
    MISMATCH_ID,
    NAME,
    OTHER_ID,
    OTHER_NAME,
    UNAVAILABLE_ID,
    WRONG_CHECK_ID,
    not_an_image,
    person_of,
    picture,
    same_pixels,
    upload,
)
from tongban.core.audit import audit_verify
from tongban.core.errors import Conflict, NotPermitted, ValidationFailed
from tongban.core.models import AuditEvent
from tongban.identity.interface import AssuranceLevel
from tongban.notifications.models import SimulatedSms
from tongban.realname import services
from tongban.realname.models import AttemptOutcome, CorrectionRequest, ManualReview, ReviewStatus, VerificationAttempt

pytestmark = pytest.mark.django_db


def population(user, name=NAME, id_number=ID_NUMBER):
    return services.verification_population_check(user=user, name=name, id_number=id_number)


# ------------------------------------------------------------------ provider routes


def test_population_route_gives_id_checked_and_locks_identity(person) -> None:
    outcome = population(person)
    assert outcome.ok and "实名用户" in outcome.message
    p = person_of(person)
    assert p.assurance_level == AssuranceLevel.ID_CHECKED and p.assurance_method == "population"
    assert p.identity_locked and p.name == NAME and p.id_number == ID_NUMBER
    attempt = VerificationAttempt.objects.get()
    assert attempt.outcome == AttemptOutcome.MATCH and attempt.level_granted == AssuranceLevel.ID_CHECKED
    assert AuditEvent.objects.filter(action="realname.population.check", outcome="success").count() == 1
    assert list(audit_verify()) == []


def test_bankcard_route_gives_strong(person) -> None:
    outcome = services.verification_bankcard_check(user=person, name=NAME, id_number=ID_NUMBER,
                                                   card_number="6222 0200 0000 0000 000", phone="+86 139 1234 5678")
    assert outcome.ok
    p = person_of(person)
    assert p.assurance_level == AssuranceLevel.STRONG and p.assurance_method == "bankcard" and p.identity_locked


def test_face_route_gives_strong_and_stores_no_photo(person, tmp_path) -> None:
    outcome = services.verification_face_check(user=person, name=NAME, id_number=ID_NUMBER,
                                               photo=upload(picture("JPEG")))
    assert outcome.ok
    assert person_of(person).assurance_level == AssuranceLevel.STRONG
    assert 0.9 <= (VerificationAttempt.objects.get().score or 0) < 1
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.bin"))


def test_ids_with_wrong_check_character_are_refused_before_any_provider_call(person) -> None:
    provider = mock.Mock()
    with mock.patch.object(services, "population_provider", return_value=provider), \
            pytest.raises(ValidationFailed) as refused:
        population(person, id_number=WRONG_CHECK_ID)
    assert refused.value.code == "id_number_check"
    provider.check.assert_not_called()
    assert VerificationAttempt.objects.count() == 0


def test_name_and_id_problems_are_reported_together(person) -> None:
    with pytest.raises(ValidationFailed) as refused:
        population(person, name="<script>", id_number="123")
    assert {issue.field for issue in refused.value.issues} == {"name", "id_number"}


@pytest.mark.parametrize(("kwargs", "outcome", "text"), [
    ({"id_number": MISMATCH_ID}, AttemptOutcome.MISMATCH, "姓名与身份证号不一致"),
    ({"name": "李不符"}, AttemptOutcome.MISMATCH, "姓名与身份证号不一致"),
    ({"id_number": UNAVAILABLE_ID}, AttemptOutcome.UNAVAILABLE, "暂时不可用"),
])
def test_mismatch_and_outage_give_clear_messages_and_no_level(person, kwargs, outcome, text) -> None:
    result = population(person, **kwargs)
    assert not result.ok and result.outcome == outcome and text in result.message
    p = person_of(person)
    assert p.assurance_level == AssuranceLevel.REGISTERED and not p.identity_locked and p.id_number is None
    assert AuditEvent.objects.filter(action="realname.population.check", outcome="failure").count() == 1


def test_bankcard_and_face_mismatch_messages(person) -> None:
    card = services.verification_bankcard_check(user=person, name=NAME, id_number=ID_NUMBER,
                                                card_number="6217000000000000012", phone="13912345678")
    assert card.outcome == "mismatch" and "预留的号码" in card.message
    face = services.verification_face_check(user=person, name=NAME, id_number=ID_NUMBER,
                                            photo=upload(picture(plain=True)))
    assert face.outcome == "mismatch" and "活体" in face.message
    assert person_of(person).assurance_level == AssuranceLevel.REGISTERED


def test_a_provider_that_raises_counts_as_an_outage(person) -> None:
    provider = mock.Mock()
    provider.name = "broken"
    provider.check.side_effect = TimeoutError("gateway timeout")
    with mock.patch.object(services, "population_provider", return_value=provider):
        result = population(person)
    assert result.outcome == AttemptOutcome.UNAVAILABLE
    assert person_of(person).assurance_level == AssuranceLevel.REGISTERED


def test_id_number_bound_to_another_account_is_refused(person, other_person) -> None:
    assert population(other_person).ok
    with pytest.raises(Conflict) as refused:
        population(person)
    assert refused.value.code == "id_number_taken" and "已绑定其他账号" in refused.value.message
    assert person_of(person).assurance_level == AssuranceLevel.REGISTERED
    assert VerificationAttempt.objects.filter(user=person).get().outcome == AttemptOutcome.REFUSED


def test_locked_identity_cannot_be_changed_through_a_route(person) -> None:
    assert population(person).ok
    with pytest.raises(Conflict) as refused:
        services.verification_bankcard_check(user=person, name=OTHER_NAME, id_number=OTHER_ID, card_number=CARD,
                                             phone="13912345678")
    assert refused.value.code == "identity_locked" and "纠错" in refused.value.message
    with pytest.raises(Conflict) as again:
        population(person)
    assert again.value.code == "already_verified"


def test_population_checks_are_limited_to_five_a_day(person) -> None:
    assert population(person, id_number=UNAVAILABLE_ID).outcome == "unavailable"  # outages are not counted
    for _ in range(5):
        assert population(person, id_number=MISMATCH_ID).outcome == "mismatch"
    with pytest.raises(services.TooManyAttempts) as limited:
        population(person)
    assert "每天最多5次" in limited.value.message and "明天再试" in limited.value.message
    VerificationAttempt.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    assert population(person).ok, "the window is the last 24 hours"


def test_disabled_route_says_so(person, settings) -> None:
    settings.REALNAME_BANKCARD_PROVIDER = ""
    with pytest.raises(services.RouteUnavailable) as off:
        services.verification_bankcard_check(user=person, name=NAME, id_number=ID_NUMBER, card_number=CARD,
                                             phone="13912345678")
    assert "暂未开通" in off.value.message


def test_staff_accounts_cannot_verify(reviewer) -> None:
    with pytest.raises(NotPermitted):
        population(reviewer)


# ------------------------------------------------------------------ manual review


def submit(user, **overrides):
    files = {"id_front": upload(), "id_back": upload(picture("PNG"), "b.png", "image/png"), "handheld": upload()}
    files.update(overrides)
    return services.manual_review_submit(user=user, name=NAME, id_number=ID_NUMBER, **files)


def test_manual_review_approve_raises_level_and_sends_sms(person, reviewer, phone_lookup,
                                                          django_capture_on_commit_callbacks) -> None:
    review_id = submit(person)
    review = ManualReview.objects.get(pk=review_id)
    assert review.status == ReviewStatus.PENDING and review.id_front.startswith("realname/")
    assert "photo" not in review.id_front
    with django_capture_on_commit_callbacks(execute=True):
        services.manual_review_approve(user=reviewer, review_id=review_id)
    p = person_of(person)
    assert p.assurance_level == AssuranceLevel.STRONG and p.assurance_method == "manual_review" and p.identity_locked
    review.refresh_from_db()
    assert review.status == ReviewStatus.APPROVED and review.reviewer_id == reviewer.pk and review.notified_at
    sms = SimulatedSms.objects.filter(purpose="realname_review").get()
    assert sms.phone == "13912345678" and "已通过" in sms.text
    assert AuditEvent.objects.filter(action="realname.manual_review.approve", actor_id=str(reviewer.pk)).exists()
    with pytest.raises(Conflict):
        services.manual_review_approve(user=reviewer, review_id=review_id)


def test_manual_review_reject_keeps_level_and_tells_the_reason(person, reviewer, phone_lookup,
                                                               django_capture_on_commit_callbacks) -> None:
    review_id = submit(person)
    with pytest.raises(ValidationFailed):
        services.manual_review_reject(user=reviewer, review_id=review_id, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.manual_review_reject(user=reviewer, review_id=review_id, reason="手持照片中证件号码看不清")
    assert person_of(person).assurance_level == AssuranceLevel.REGISTERED
    assert ManualReview.objects.get().status == ReviewStatus.REJECTED
    assert "手持照片中证件号码看不清" in SimulatedSms.objects.get(purpose="realname_review").text
    submit(person)  # may try again after a rejection


def test_the_result_text_is_kept_and_sent_to_the_person(person, reviewer,
                                                        django_capture_on_commit_callbacks) -> None:
    review_id = submit(person)
    with django_capture_on_commit_callbacks(execute=True):
        services.manual_review_approve(user=reviewer, review_id=review_id)
    review = ManualReview.objects.get()
    assert "已通过" in review.notification_text and review.notified_at is not None
    assert SimulatedSms.objects.filter(purpose="realname_review").count() == 1


def test_only_one_pending_review_and_non_images_are_refused(person, tmp_path) -> None:
    with pytest.raises(ValidationFailed) as refused:
        submit(person, id_front=not_an_image())
    assert refused.value.issues[0].field == "id_front" and "不是有效的JPG或PNG图片" in refused.value.message
    assert ManualReview.objects.count() == 0
    submit(person)
    with pytest.raises(Conflict):
        submit(person)
    assert len(list((tmp_path / "media").rglob("*.bin"))) == 3, "files of a refused submission are removed"


def test_only_reviewers_decide_and_refusals_are_audited(person, plain_staff, other_person) -> None:
    review_id = submit(person)
    for user in (plain_staff, other_person):
        with pytest.raises(NotPermitted):
            services.manual_review_approve(user=user, review_id=review_id)
        with pytest.raises(NotPermitted):
            services.manual_review_image_read(user=user, review_id=review_id, kind="front")
    assert AuditEvent.objects.filter(action="realname.manual_review.approve", outcome="denied").count() == 2
    assert AuditEvent.objects.filter(action="realname.manual_review.image_view", outcome="denied").count() == 2
    assert ManualReview.objects.get().status == ReviewStatus.PENDING


def test_reviewer_reads_images_and_each_view_is_audited(person, reviewer) -> None:
    review_id = submit(person, id_back=upload(picture("PNG"), "b.png", "image/png"))
    front = services.manual_review_image_read(user=reviewer, review_id=review_id, kind="front")
    back = services.manual_review_image_read(user=reviewer, review_id=review_id, kind="back")
    assert front.content_type == "image/png"
    assert back.content_type == "image/png" and same_pixels(back.data, picture("PNG"))
    assert AuditEvent.objects.filter(action="realname.manual_review.image_view", outcome="success").count() == 2


def test_manual_review_approval_refused_when_id_is_taken(person, other_person, reviewer) -> None:
    review_id = submit(person)
    assert population(other_person).ok
    with pytest.raises(Conflict):
        services.manual_review_approve(user=reviewer, review_id=review_id)
    assert ManualReview.objects.get().status == ReviewStatus.PENDING, "the approval rolled back"


# ------------------------------------------------------------------ corrections


def test_correction_needs_a_verified_person(person) -> None:
    with pytest.raises(Conflict) as refused:
        services.correction_request_submit(user=person, name=OTHER_NAME, id_number=OTHER_ID, reason="改名",
                                           evidence=upload())
    assert refused.value.code == "not_verified"


def test_correction_approve_replaces_identity_and_is_audited(person, reviewer, phone_lookup,
                                                             django_capture_on_commit_callbacks) -> None:
    assert population(person).ok
    with pytest.raises(ValidationFailed):
        services.correction_request_submit(user=person, name=NAME, id_number=ID_NUMBER.lower(), reason="无",
                                           evidence=upload())
    request_id = services.correction_request_submit(user=person, name="张叁", id_number=OTHER_ID,
                                                    reason="户籍信息已变更", evidence=upload())
    with django_capture_on_commit_callbacks(execute=True):
        services.correction_request_approve(user=reviewer, request_id=request_id)
    p = person_of(person)
    assert (p.name, p.id_number) == ("张叁", OTHER_ID) and p.identity_locked
    assert CorrectionRequest.objects.get().status == ReviewStatus.APPROVED
    assert AuditEvent.objects.filter(action="identity.identity.correct", actor_id=str(reviewer.pk)).exists()
    assert AuditEvent.objects.filter(action="realname.correction.approve").exists()
    assert "纠错申请已通过" in SimulatedSms.objects.get(purpose="realname_review").text


def test_correction_reject_keeps_identity(person, reviewer) -> None:
    assert population(person).ok
    request_id = services.correction_request_submit(user=person, name="张叁", id_number=ID_NUMBER,
                                                    reason="登记错误", evidence=upload())
    services.correction_request_reject(user=reviewer, request_id=request_id, reason="证明材料不清晰")
    assert person_of(person).name == NAME
    item = CorrectionRequest.objects.get()
    assert item.status == ReviewStatus.REJECTED and item.reject_reason == "证明材料不清晰"
