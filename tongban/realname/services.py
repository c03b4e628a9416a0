"""Writes of real-name verification (实名核验): provider routes, manual review (人工审核) and corrections (纠错).

A provider check is three short steps, so that no database transaction stays open while a provider answers:
open an attempt (the daily limit is checked with the account row locked), ask the provider, then record the answer
and — on a match — raise the person's level through :func:`tongban.identity.services.person_assurance_raise`,
which also locks the verified name and ID number. Input is validated before any provider is asked.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tongban.core.audit import (
    Actor,
    AuditOutcome,
    Target,
    actor_from_user,
    atomic_service,
    audit_record,
    concealed_denial,
    denial,
)
from tongban.core.errors import Conflict, DomainError, Issue, NotFound, NotPermitted, ValidationFailed
from tongban.directory.selectors import region_route_code
from tongban.identity import selectors as identity_selectors
from tongban.identity import services as identity_services
from tongban.identity.interface import AssuranceLevel
from tongban.identity.selectors import PersonProfile
from tongban.identity.validators import same_name, validate_id_number, validate_mobile, validate_person_name
from tongban.notifications.services import SmsNotSent, sms_send
from tongban.realname.contacts import person_notification_phone
from tongban.realname.limits import DAILY_LIMITS, attempts_counted_today
from tongban.realname.models import (
    AttemptOutcome,
    CorrectionRequest,
    ManualReview,
    ReviewStatus,
    VerificationAttempt,
    VerificationMethod,
)
from tongban.realname.providers.bankcard.registry import bankcard_provider
from tongban.realname.providers.common import ProviderNotConfigured, ProviderOutcome, ProviderResult
from tongban.realname.providers.face.registry import face_provider
from tongban.realname.providers.population.registry import population_provider
from tongban.realname.reviewers import Reviewer, reviewer_for_user
from tongban.realname.storage import (
    CheckedImage,
    Upload,
    content_type_of,
    image_check,
    image_strip_metadata,
    sealed_delete,
    sealed_read,
    sealed_save,
)
from tongban.realname.workflow import APPROVE, REJECT, next_status

log = logging.getLogger(__name__)
ReviewedRequest = TypeVar("ReviewedRequest", ManualReview, CorrectionRequest)

LEVEL_FOR: dict[str, int] = {
    VerificationMethod.POPULATION: AssuranceLevel.ID_CHECKED,
    VerificationMethod.BANKCARD: AssuranceLevel.STRONG,
    VerificationMethod.FACE: AssuranceLevel.STRONG,
    VerificationMethod.MANUAL_REVIEW: AssuranceLevel.STRONG,
}
REASON_MAX = 200
SMS_PURPOSE = "realname_review"


class TooManyAttempts(DomainError):
    code = "too_many_attempts"
    http_status = 429


class RouteUnavailable(DomainError):
    code = "route_unavailable"
    http_status = 503


@dataclass(frozen=True)
class CheckOutcome:
    """What a provider route answered, with the message to show the person."""

    outcome: str
    message: str
    level: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == AttemptOutcome.MATCH


# ------------------------------------------------------------------ shared checks


def _person(user: Any) -> PersonProfile:
    profile = identity_selectors.person_profile(user=user)
    if profile is None:
        raise NotPermitted(_("只有个人（自然人）账号可以办理实名核验。"), code="not_a_person")
    return profile


def _collect(*checks: Callable[[], str]) -> list[str]:
    """Run every check and report every problem at once."""
    values: list[str] = []
    issues: list[Issue] = []
    for check in checks:
        try:
            values.append(check())
        except ValidationFailed as error:
            issues.extend(error.issues or [Issue(code=error.code, message=error.message)])
            values.append("")
    if issues:
        raise ValidationFailed("".join(issue.message for issue in issues), code=issues[0].code, issues=issues)
    return values


def _identity_inputs(*, profile: PersonProfile, name: str, id_number: str, level: int) -> tuple[str, str]:
    """Validated name and ID number; refused before any provider call when they cannot lead anywhere."""
    name, id_number = _collect(lambda: validate_person_name(name), lambda: validate_id_number(id_number))
    if profile.assurance_level >= level:
        raise Conflict(_("您已是“%(l)s”，无需再做这项核验。") % {"l": profile.assurance_label},
                       code="already_verified")
    locked = identity_selectors.person_verified_identity(user_id=profile.user_id)
    if locked is not None and (not same_name(locked[0], name) or locked[1] != id_number):
        raise Conflict(_("填写的姓名或身份证号与您已核验的身份信息不一致。已核验的信息不能自行修改，"
                         "如需更正请提交纠错申请。"), code="identity_locked")
    return name, id_number


def _lock_account(user_id: int) -> None:
    """Serialise one person's concurrent requests so that the limits hold."""
    get_user_model().objects.select_for_update().filter(pk=user_id).exists()


def _limit_message(method: str) -> str:
    return _("今天的“%(m)s”次数已用完（每天最多%(n)d次），请明天再试，或选择其他核验方式。") % {
        "m": VerificationMethod(method).label, "n": DAILY_LIMITS[method]}


# ------------------------------------------------------------------ provider routes


@atomic_service
def _attempt_open(*, user_id: int, method: str, provider: str) -> int:
    _lock_account(user_id)
    if attempts_counted_today(user_id=user_id, method=method) >= DAILY_LIMITS[method]:
        raise TooManyAttempts(_limit_message(method), code="daily_limit")
    return VerificationAttempt.objects.create(user_id=user_id, method=method, provider=provider).pk


def _ask(call: Callable[[], ProviderResult], *, method: str) -> ProviderResult:
    try:
        return call()
    except Exception:  # a plugin that raises is treated as an outage, never as a mismatch
        log.exception("real-name provider failed: %s", method)
        return ProviderResult(ProviderOutcome.UNAVAILABLE, detail="provider raised")


def _message(method: str, result: ProviderResult, level: int) -> str:
    if result.outcome == ProviderOutcome.MATCH:
        return _("核验通过，您的实名等级已提升为“%(l)s”。") % {"l": AssuranceLevel(level).label}
    if result.outcome == ProviderOutcome.UNAVAILABLE:
        return _("“%(m)s”服务暂时不可用，本次不计入每日次数。请稍后再试，或选择其他核验方式。") % {
            "m": VerificationMethod(method).label}
    if method == VerificationMethod.BANKCARD:
        return _("核验未通过：银行卡号、预留手机号与姓名、身份证号不一致。请使用本人名下的银行卡，"
                 "手机号须是在银行预留的号码。")
    if method == VerificationMethod.FACE:
        return _("人脸核验未通过：照片与证件照不一致，或未通过活体检测。请本人在光线充足处正对镜头重新拍照。")
    return _("核验未通过：姓名与身份证号不一致。请按身份证上的姓名和号码填写（生僻字、间隔点“·”须与证件一致）。")


def _attempt_finish(*, attempt_id: int, user: Any, method: str, result: ProviderResult, name: str,
                    id_number: str) -> CheckOutcome:
    level = LEVEL_FOR[method]
    refused: DomainError | None = None
    with transaction.atomic():
        attempt = VerificationAttempt.objects.select_for_update().get(pk=attempt_id)
        attempt.outcome = str(result.outcome)
        attempt.provider_reference = result.reference[:100]
        attempt.reason = result.detail[:300]
        attempt.score = result.score
        attempt.finished_at = timezone.now()
        if result.outcome == ProviderOutcome.MATCH:
            try:
                identity_services.person_assurance_raise(user_id=user.pk, level=level, method=method,
                                                         provider=attempt.provider, name=name, id_number=id_number)
            except DomainError as error:  # e.g. the ID number is bound to another account
                refused = error
                attempt.outcome, attempt.reason = AttemptOutcome.REFUSED, error.code
            else:
                attempt.level_granted = level
        attempt.save()
        audit_record(action=f"realname.{method}.check", actor=actor_from_user(user),
                     target=Target(type="identity.user", id=str(user.pk)),
                     outcome=AuditOutcome.SUCCESS if attempt.outcome == AttemptOutcome.MATCH else AuditOutcome.FAILURE,
                     detail={"provider": attempt.provider, "outcome": attempt.outcome, "reference": attempt.provider_reference,
                             "score": attempt.score})
    if refused is not None:
        raise refused
    return CheckOutcome(outcome=attempt.outcome, message=_message(method, result, level),
                        level=level if attempt.outcome == AttemptOutcome.MATCH else None)


def _run(*, user: Any, method: str, provider_name: str, call: Callable[[], ProviderResult], name: str,
         id_number: str) -> CheckOutcome:
    attempt_id = _attempt_open(user_id=user.pk, method=method, provider=provider_name)
    result = _ask(call, method=method)
    return _attempt_finish(attempt_id=attempt_id, user=user, method=method, result=result, name=name,
                           id_number=id_number)


def _unavailable(method: str) -> RouteUnavailable:
    return RouteUnavailable(_("“%(m)s”暂未开通，请选择其他核验方式。") % {"m": VerificationMethod(method).label})


def verification_population_check(*, user: Any, name: str, id_number: str) -> CheckOutcome:
    """姓名和身份证号核验 against the population registry → AssuranceLevel.ID_CHECKED."""
    method = VerificationMethod.POPULATION
    profile = _person(user)
    name, id_number = _identity_inputs(profile=profile, name=name, id_number=id_number, level=LEVEL_FOR[method])
    try:
        provider = population_provider()
    except ProviderNotConfigured:
        raise _unavailable(method) from None
    return _run(user=user, method=method, provider_name=provider.name, name=name, id_number=id_number,
                call=lambda: provider.check(name=name, id_number=id_number))


def _card_number(raw: str) -> str:
    number = "".join(ch for ch in unicodedata.normalize("NFKC", raw or "") if not ch.isspace() and ch != "-")
    if not number:
        raise ValidationFailed(_("请填写银行卡号。"), code="card_required",
                               issues=[Issue("card_required", _("请填写银行卡号。"), "card_number")])
    if not (number.isascii() and number.isdigit() and 12 <= len(number) <= 19):
        message = _("银行卡号应为12–19位数字，请核对。")
        raise ValidationFailed(message, code="card_format", issues=[Issue("card_format", message, "card_number")])
    return number


def verification_bankcard_check(*, user: Any, name: str, id_number: str, card_number: str, phone: str) \
        -> CheckOutcome:
    """银行卡四要素核验 → AssuranceLevel.STRONG."""
    method = VerificationMethod.BANKCARD
    profile = _person(user)
    name, id_number = _identity_inputs(profile=profile, name=name, id_number=id_number, level=LEVEL_FOR[method])
    card, mobile = _collect(lambda: _card_number(card_number), lambda: validate_mobile(phone, field="bank_phone"))
    try:
        provider = bankcard_provider()
    except ProviderNotConfigured:
        raise _unavailable(method) from None
    return _run(user=user, method=method, provider_name=provider.name, name=name, id_number=id_number,
                call=lambda: provider.check(name=name, id_number=id_number, card_number=card, phone=mobile))


def verification_face_check(*, user: Any, name: str, id_number: str, photo: Upload | None) -> CheckOutcome:
    """人脸核验 (photo + liveness) → AssuranceLevel.STRONG. The photo is passed on, not stored."""
    method = VerificationMethod.FACE
    profile = _person(user)
    name, id_number = _identity_inputs(profile=profile, name=name, id_number=id_number, level=LEVEL_FOR[method])
    image = image_check(photo, field="photo", label=_("本人照片"))
    try:
        provider = face_provider()
    except ProviderNotConfigured:
        raise _unavailable(method) from None
    return _run(user=user, method=method, provider_name=provider.name, name=name, id_number=id_number,
                call=lambda: provider.check(name=name, id_number=id_number, photo=image.data,
                                            content_type=image.content_type))


# ------------------------------------------------------------------ staff review: shared


def _reviewer_actor(reviewer: Reviewer) -> Actor:
    return Actor(kind="staff", id=str(reviewer.user_id), label=reviewer.username)


def _require_reviewer(user: Any, *, action: str, target: Target | None) -> Reviewer:
    reviewer = reviewer_for_user(user)
    if reviewer is None:
        raise denial(action=action, actor=actor_from_user(user), target=target,
                     message=_("只有实名审核员可以查看和处理实名审核申请。"))
    return reviewer


_REVIEWED_MODELS: dict[str, type[ManualReview] | type[CorrectionRequest]] = {
    "realname.manual_review": ManualReview, "realname.correction": CorrectionRequest}


def _out_of_scope(reviewer: Reviewer, *, action: str, target: Target) -> DomainError:
    """A request outside the reviewer's region (or missing): audited, and answered like a missing one (404)."""
    return concealed_denial(action=action, actor=_reviewer_actor(reviewer), target=target,
                            message=_("没有找到这份申请。"))


def _in_scope(model: type[ReviewedRequest], pk: int, reviewer: Reviewer, *, action: str, target: Target,
              lock: bool = False) -> ReviewedRequest:
    """The request if it is routed to the reviewer's region subtree; otherwise an audited 404."""
    qs = model.objects.filter(reviewer.scope.region_filter("region_code"), pk=pk)
    row = (qs.select_for_update() if lock else qs).first()
    if row is None:
        raise _out_of_scope(reviewer, action=action, target=target)
    return row


def _require_in_scope(model: type[ManualReview] | type[CorrectionRequest], pk: int, reviewer: Reviewer, *,
                      action: str, target: Target) -> None:
    if not model.objects.filter(reviewer.scope.region_filter("region_code"), pk=pk).exists():
        raise _out_of_scope(reviewer, action=action, target=target)


@atomic_service
def reviewer_authorize(*, user: Any, action: str, target_type: str = "", target_id: str = "") -> Reviewer:
    """The acting reviewer for a staff page; a refusal is audited (``denied``). With a request as target, the
    request must lie in the reviewer's region (else an audited 404, see :func:`_in_scope`)."""
    target = Target(type=target_type, id=target_id) if target_type else None
    reviewer = _require_reviewer(user, action=action, target=target)
    model = _REVIEWED_MODELS.get(target_type)
    if model is not None and target is not None:
        if not target_id.isdigit():
            raise _out_of_scope(reviewer, action=action, target=target)
        _require_in_scope(model, int(target_id), reviewer, action=action, target=target)
    return reviewer


def _images(uploads: list[tuple[Upload | None, str, str]]) -> list[CheckedImage]:
    """Checked photos, re-encoded without EXIF (GPS position, camera, time) or other metadata before sealing."""
    checked: list[CheckedImage] = []
    issues: list[Issue] = []
    for upload, field, label in uploads:
        try:
            checked.append(image_strip_metadata(image_check(upload, field=field, label=label), label=label))
        except ValidationFailed as error:
            issues.append(Issue(code=error.code, message=error.message, field=field))
    if issues:
        raise ValidationFailed("".join(issue.message for issue in issues), code=issues[0].code, issues=issues)
    return checked


def _reason(reason: str, *, code: str = "reason_required") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写原因。"), code=code, issues=[Issue(code, _("请填写原因。"), "reason")])
    if len(reason) > REASON_MAX:
        message = _("原因不能超过%(n)d个字。") % {"n": REASON_MAX}
        raise ValidationFailed(message, code="reason_too_long", issues=[Issue("reason_too_long", message, "reason")])
    return reason


def _decide(obj: ManualReview | CorrectionRequest, *, action: str, reviewer: Reviewer, text: str,
            reject_reason: str = "") -> None:
    if obj.user_id == reviewer.user_id:
        raise NotPermitted(_("不能审核自己的申请。"), code="own_request")
    obj.status = next_status(obj.status, action)
    obj.reviewer_id = reviewer.user_id
    obj.reviewed_at = timezone.now()
    obj.reject_reason = reject_reason
    obj.notification_text = text
    obj.save()


def review_notify(*, kind: str, request_id: int) -> None:
    """Send the stored result text by SMS (idempotent; run after commit). Without a phone the text stays stored."""
    model: type[ManualReview] | type[CorrectionRequest] = ManualReview if kind == "manual_review" \
        else CorrectionRequest
    obj = model.objects.filter(pk=request_id).first()
    if obj is None or obj.notified_at is not None or not obj.notification_text:
        return
    phone = person_notification_phone(user_id=obj.user_id)
    if phone is None:
        log.info("no phone to notify %s %s; the text stays on the request", kind, request_id)
        return
    try:
        sms_send(phone=phone, text=obj.notification_text, purpose=SMS_PURPOSE)
    except SmsNotSent:
        log.warning("review result SMS not sent: %s %s", kind, request_id)
        return
    model.objects.filter(pk=request_id, notified_at__isnull=True).update(notified_at=timezone.now())


def _notify_after_commit(kind: str, request_id: int) -> None:
    transaction.on_commit(lambda: review_notify(kind=kind, request_id=request_id))


def _save_sealed(images: list[CheckedImage], create: Callable[[list[str]], int]) -> int:
    """Store the encrypted files, then the record; the files are removed again when the record is refused."""
    names: list[str] = []
    try:
        names = [sealed_save(image.data) for image in images]
        return create(names)
    except BaseException:
        sealed_delete(names)
        raise


# ------------------------------------------------------------------ manual review (人工审核)


def manual_review_submit(*, user: Any, name: str, id_number: str, id_front: Upload | None, id_back: Upload | None,
                         handheld: Upload | None) -> int:
    """The person asks staff to verify them from photos of the ID card and a hand-held photo."""
    profile = _person(user)
    name, id_number = _identity_inputs(profile=profile, name=name, id_number=id_number,
                                       level=LEVEL_FOR[VerificationMethod.MANUAL_REVIEW])
    images = _images([(id_front, "id_front", _("身份证人像面照片")), (id_back, "id_back", _("身份证国徽面照片")),
                      (handheld, "handheld", _("手持身份证照片"))])

    @atomic_service
    def create(names: list[str]) -> int:
        _lock_account(user.pk)
        if ManualReview.objects.filter(user_id=user.pk, status=ReviewStatus.PENDING).exists():
            raise Conflict(_("您已有一份人工审核申请正在审核，请等待结果，不必重复提交。"), code="review_pending")
        if attempts_counted_today(user_id=user.pk, method=VerificationMethod.MANUAL_REVIEW) >= \
                DAILY_LIMITS[VerificationMethod.MANUAL_REVIEW]:
            raise TooManyAttempts(_limit_message(VerificationMethod.MANUAL_REVIEW), code="daily_limit")
        review = ManualReview.objects.create(user_id=user.pk, name=name, id_number=id_number, id_front=names[0],
                                             id_back=names[1], handheld=names[2],
                                             region_code=region_route_code(code=id_number[:6]))
        audit_record(action="realname.manual_review.submit", actor=actor_from_user(user),
                     target=Target(type="realname.manual_review", id=str(review.pk)))
        return review.pk

    return _save_sealed(images, create)


def _locked(model: type[ReviewedRequest], pk: int, reviewer: Reviewer, *, action: str,
            target: Target) -> ReviewedRequest:
    """The request row, locked for the decision, if it lies in the reviewer's region; else an audited 404."""
    return _in_scope(model, pk, reviewer, action=action, target=target, lock=True)


@atomic_service
def manual_review_approve(*, user: Any, review_id: int) -> None:
    """Approve: the person becomes STRONG (method ``manual_review``) and is told by SMS."""
    target = Target(type="realname.manual_review", id=str(review_id))
    reviewer = _require_reviewer(user, action="realname.manual_review.approve", target=target)
    review = _locked(ManualReview, review_id, reviewer, action="realname.manual_review.approve", target=target)
    level = LEVEL_FOR[VerificationMethod.MANUAL_REVIEW]
    _decide(review, action=APPROVE, reviewer=reviewer, text=_(
        "【通办】您提交的实名认证人工审核已通过，实名等级已提升为“%(l)s”。") % {"l": AssuranceLevel(level).label})
    identity_services.person_assurance_raise(user_id=review.user_id, level=level,
                                             method=VerificationMethod.MANUAL_REVIEW,
                                             provider=f"staff:{reviewer.user_id}", name=review.name,
                                             id_number=review.id_number)
    VerificationAttempt.objects.create(user_id=review.user_id, method=VerificationMethod.MANUAL_REVIEW,
                                       provider=f"staff:{reviewer.user_id}", outcome=AttemptOutcome.MATCH,
                                       level_granted=level, provider_reference=f"manual-review:{review.pk}",
                                       finished_at=timezone.now())
    audit_record(action="realname.manual_review.approve", actor=_reviewer_actor(reviewer), target=target,
                 detail={"user_id": review.user_id})
    _notify_after_commit("manual_review", review.pk)


@atomic_service
def manual_review_reject(*, user: Any, review_id: int, reason: str) -> None:
    """Reject with a reason the person is told by SMS; the level does not change."""
    target = Target(type="realname.manual_review", id=str(review_id))
    reviewer = _require_reviewer(user, action="realname.manual_review.reject", target=target)
    reason = _reason(reason)
    review = _locked(ManualReview, review_id, reviewer, action="realname.manual_review.reject", target=target)
    _decide(review, action=REJECT, reviewer=reviewer, reject_reason=reason, text=_(
        "【通办】您提交的实名认证人工审核未通过，原因：%(r)s。您可以重新提交，或选择其他核验方式。") % {"r": reason})
    VerificationAttempt.objects.create(user_id=review.user_id, method=VerificationMethod.MANUAL_REVIEW,
                                       provider=f"staff:{reviewer.user_id}", outcome=AttemptOutcome.MISMATCH,
                                       reason=reason[:300], provider_reference=f"manual-review:{review.pk}",
                                       finished_at=timezone.now())
    audit_record(action="realname.manual_review.reject", actor=_reviewer_actor(reviewer), target=target,
                 detail={"user_id": review.user_id, "reason": reason})
    _notify_after_commit("manual_review", review.pk)


MANUAL_REVIEW_IMAGES = {"front": "id_front", "back": "id_back", "handheld": "handheld"}


@atomic_service
def manual_review_image_read(*, user: Any, review_id: int, kind: str) -> CheckedImage:
    """One uploaded photo, decrypted, for a reviewer; every view is audited."""
    target = Target(type="realname.manual_review", id=str(review_id))
    reviewer = _require_reviewer(user, action="realname.manual_review.image_view", target=target)
    review = _in_scope(ManualReview, review_id, reviewer, action="realname.manual_review.image_view", target=target)
    if kind not in MANUAL_REVIEW_IMAGES:
        raise NotFound(_("没有找到这张照片。"))
    data = sealed_read(getattr(review, MANUAL_REVIEW_IMAGES[kind]))
    audit_record(action="realname.manual_review.image_view", actor=_reviewer_actor(reviewer), target=target,
                 detail={"image": kind})
    return CheckedImage(data=data, content_type=content_type_of(data))


# ------------------------------------------------------------------ corrections (纠错)


def correction_request_submit(*, user: Any, name: str, id_number: str, reason: str, evidence: Upload | None) -> int:
    """A verified person asks staff to replace the locked name and ID number.

    Routed to the reviewers of the 户籍 region of the verified (locked) ID number: that one was checked against
    the registry, the requested one not yet.
    """
    profile = _person(user)
    locked = identity_selectors.person_verified_identity(user_id=profile.user_id)
    if locked is None:
        raise Conflict(_("您还没有完成实名核验，身份信息未锁定，请直接进行实名核验。"), code="not_verified")
    name, id_number, reason = _collect(lambda: validate_person_name(name), lambda: validate_id_number(id_number),
                                       lambda: _reason(reason))
    if same_name(locked[0], name) and locked[1] == id_number:
        raise ValidationFailed(_("填写的姓名和身份证号与已核验的信息相同，无需更正。"), code="nothing_to_correct")
    images = _images([(evidence, "evidence", _("证明材料照片"))])

    @atomic_service
    def create(names: list[str]) -> int:
        _lock_account(user.pk)
        if CorrectionRequest.objects.filter(user_id=user.pk, status=ReviewStatus.PENDING).exists():
            raise Conflict(_("您已有一份纠错申请正在审核，请等待结果。"), code="correction_pending")
        request = CorrectionRequest.objects.create(user_id=user.pk, name=name, id_number=id_number, reason=reason,
                                                   evidence=names[0], region_code=region_route_code(code=locked[1][:6]))
        audit_record(action="realname.correction.submit", actor=actor_from_user(user),
                     target=Target(type="realname.correction", id=str(request.pk)))
        return request.pk

    return _save_sealed(images, create)


@atomic_service
def correction_request_approve(*, user: Any, request_id: int) -> None:
    """Approve: the verified identity is replaced (audited by the identity app too) and the person is told."""
    target = Target(type="realname.correction", id=str(request_id))
    reviewer = _require_reviewer(user, action="realname.correction.approve", target=target)
    request = _locked(CorrectionRequest, request_id, reviewer, action="realname.correction.approve", target=target)
    _decide(request, action=APPROVE, reviewer=reviewer,
            text=_("【通办】您的身份信息纠错申请已通过，姓名和身份证号已按申请更正。"))
    identity_services.person_identity_correct(user_id=request.user_id, name=request.name,
                                              id_number=request.id_number, reviewer=_reviewer_actor(reviewer),
                                              reason=request.reason)
    audit_record(action="realname.correction.approve", actor=_reviewer_actor(reviewer), target=target,
                 detail={"user_id": request.user_id})
    _notify_after_commit("correction", request.pk)


@atomic_service
def correction_request_reject(*, user: Any, request_id: int, reason: str) -> None:
    target = Target(type="realname.correction", id=str(request_id))
    reviewer = _require_reviewer(user, action="realname.correction.reject", target=target)
    reason = _reason(reason)
    request = _locked(CorrectionRequest, request_id, reviewer, action="realname.correction.reject", target=target)
    _decide(request, action=REJECT, reviewer=reviewer, reject_reason=reason,
            text=_("【通办】您的身份信息纠错申请未通过，原因：%(r)s。") % {"r": reason})
    audit_record(action="realname.correction.reject", actor=_reviewer_actor(reviewer), target=target,
                 detail={"user_id": request.user_id, "reason": reason})
    _notify_after_commit("correction", request.pk)


@atomic_service
def correction_request_image_read(*, user: Any, request_id: int) -> CheckedImage:
    target = Target(type="realname.correction", id=str(request_id))
    reviewer = _require_reviewer(user, action="realname.correction.image_view", target=target)
    request = _in_scope(CorrectionRequest, request_id, reviewer, action="realname.correction.image_view",
                        target=target)
    data = sealed_read(request.evidence)
    audit_record(action="realname.correction.image_view", actor=_reviewer_actor(reviewer), target=target)
    return CheckedImage(data=data, content_type=content_type_of(data))


@atomic_service
def reviewed_identity_view(*, user: Any, kind: str, request_id: int) -> Reviewer:
    """Record that a reviewer opened a request's detail page (it shows the full name and ID number)."""
    target = Target(type=f"realname.{kind}", id=str(request_id))
    reviewer = _require_reviewer(user, action=f"realname.{kind}.view", target=target)
    model = _REVIEWED_MODELS.get(target.type)
    if model is None:
        raise NotFound(_("没有找到这份申请。"))
    _require_in_scope(model, request_id, reviewer, action=f"realname.{kind}.view", target=target)
    audit_record(action=f"realname.{kind}.view", actor=_reviewer_actor(reviewer), target=target)
    return reviewer


__all__ = [
    "CheckOutcome", "RouteUnavailable", "TooManyAttempts", "correction_request_approve",
    "correction_request_image_read", "correction_request_reject", "correction_request_submit",
    "manual_review_approve", "manual_review_image_read", "manual_review_reject", "manual_review_submit",
    "review_notify", "reviewed_identity_view", "reviewer_authorize", "verification_bankcard_check",
    "verification_face_check", "verification_population_check",
]
