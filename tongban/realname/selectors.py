"""Reads of real-name verification. Person-facing reads are scoped to the acting account; staff reads need a
:class:`~tongban.realname.reviewers.Reviewer` and are limited to the requests routed to the reviewer's region
subtree (see :mod:`tongban.realname.reviewers`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tongban.identity.interface import AssuranceLevel
from tongban.realname.contacts import person_notification_phone
from tongban.realname.limits import DAILY_LIMITS, RATE_WINDOW, attempts_counted_today
from tongban.realname.models import (
    CorrectionRequest,
    ManualReview,
    ReviewStatus,
    VerificationAttempt,
    VerificationMethod,
)
from tongban.realname.providers.bankcard.registry import SETTING as BANKCARD_SETTING
from tongban.realname.providers.common import configured_name
from tongban.realname.providers.face.registry import SETTING as FACE_SETTING
from tongban.realname.providers.population.registry import SETTING as POPULATION_SETTING
from tongban.realname.reviewers import Reviewer


@dataclass(frozen=True)
class Route:
    """One way to verify (实名核验方式), as the route page shows it."""

    method: str
    title: str
    level: int
    level_label: str
    description: str
    available: bool
    simulated: bool


_ROUTES = (
    (VerificationMethod.POPULATION, POPULATION_SETTING, AssuranceLevel.ID_CHECKED,
     _("填写姓名和身份证号，与公安人口库比对。")),
    (VerificationMethod.FACE, FACE_SETTING, AssuranceLevel.STRONG,
     _("填写姓名和身份证号，再拍一张本人正面照片，与证件照比对并检测活体。")),
    (VerificationMethod.BANKCARD, BANKCARD_SETTING, AssuranceLevel.STRONG,
     _("填写姓名、身份证号、本人银行卡号和在银行预留的手机号，由银行核对。")),
    (VerificationMethod.MANUAL_REVIEW, "", AssuranceLevel.STRONG,
     _("上传身份证人像面、国徽面和手持身份证照片，由工作人员人工审核，一般1–3个工作日。")),
)


def route_list() -> list[Route]:
    routes = []
    for method, setting, level, description in _ROUTES:
        provider = configured_name(setting=setting) if setting else "staff"
        routes.append(Route(method=str(method), title=str(VerificationMethod(method).label), level=int(level),
                            level_label=str(AssuranceLevel(level).label), description=str(description),
                            available=bool(provider), simulated=provider == "simulator"))
    return routes


def attempt_list_for_person(*, user_id: int, limit: int = 20) -> QuerySet[VerificationAttempt]:
    return VerificationAttempt.objects.filter(user_id=user_id).order_by("-created_at")[:limit]


def manual_review_list_for_person(*, user_id: int) -> QuerySet[ManualReview]:
    return ManualReview.objects.filter(user_id=user_id).order_by("-created_at")


def correction_request_list_for_person(*, user_id: int) -> QuerySet[CorrectionRequest]:
    return CorrectionRequest.objects.filter(user_id=user_id).order_by("-created_at")


def manual_review_pending_exists(*, user_id: int) -> bool:
    return ManualReview.objects.filter(user_id=user_id, status=ReviewStatus.PENDING).exists()


def correction_request_pending_exists(*, user_id: int) -> bool:
    return CorrectionRequest.objects.filter(user_id=user_id, status=ReviewStatus.PENDING).exists()


def manual_review_list_for_reviewer(*, reviewer: Reviewer, status: str = ReviewStatus.PENDING) \
        -> QuerySet[ManualReview]:
    """The queue of the reviewer's region subtree, oldest first."""
    qs = ManualReview.objects.filter(reviewer.scope.region_filter("region_code"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "pk")


def manual_review_get_for_reviewer(*, reviewer: Reviewer, review_id: int) -> ManualReview | None:
    return ManualReview.objects.filter(reviewer.scope.region_filter("region_code"), pk=review_id).first()


def correction_request_list_for_reviewer(*, reviewer: Reviewer, status: str = ReviewStatus.PENDING) \
        -> QuerySet[CorrectionRequest]:
    qs = CorrectionRequest.objects.filter(reviewer.scope.region_filter("region_code"))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "pk")


def correction_request_get_for_reviewer(*, reviewer: Reviewer, request_id: int) -> CorrectionRequest | None:
    return CorrectionRequest.objects.filter(reviewer.scope.region_filter("region_code"), pk=request_id).first()


__all__ = [
    "DAILY_LIMITS", "RATE_WINDOW", "Route", "attempt_list_for_person", "attempts_counted_today",
    "correction_request_get_for_reviewer", "correction_request_list_for_person", "correction_request_list_for_reviewer",
    "correction_request_pending_exists", "manual_review_get_for_reviewer", "manual_review_list_for_person",
    "manual_review_list_for_reviewer", "manual_review_pending_exists", "person_notification_phone", "route_list",
]
