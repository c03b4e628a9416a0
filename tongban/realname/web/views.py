"""Real-name verification pages (实名核验): the person's routes and the reviewers' queues. No JavaScript needed.

Views validate input and call services; permission refusals come from the services (audited) and become 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tongban.core.crypto import mask_id_number
from tongban.core.errors import DomainError, NotFound, NotPermitted
from tongban.core.http import safe_next
from tongban.identity import selectors as identity_selectors
from tongban.identity.selectors import PersonProfile
from tongban.realname import selectors, services
from tongban.realname.models import ReviewStatus
from tongban.realname.reviewers import Reviewer
from tongban.realname.web.forms import (
    BankcardForm,
    CorrectionForm,
    FaceForm,
    IdentityForm,
    ManualReviewForm,
    RejectForm,
)

PERSON_LOGIN = "web:login"
STAFF_LOGIN = "web:staff_login"
PAGE_SIZE = 20


def _report(form: forms.Form, error: DomainError) -> None:
    """A service's refusal on the form: each issue on its field, the rest on top."""
    placed = False
    for issue in error.issues:
        form.add_error(issue.field if issue.field in form.fields else None, issue.message)
        placed = True
    if not placed:
        form.add_error(None, error.message)


def _profile(request: HttpRequest) -> PersonProfile:
    profile = identity_selectors.person_profile(user=request.user)
    if profile is None:
        raise Http404(_("实名核验只面向个人（自然人）账号。"))
    return profile


# ------------------------------------------------------------------ the person


@login_required(login_url=PERSON_LOGIN)
def routes(request: HttpRequest) -> HttpResponse:
    """选择实名核验方式: the current level and what each route gives."""
    profile = _profile(request)
    return render(request, "realname/routes.html", {
        "profile": profile, "routes": selectors.route_list(), "next": safe_next(request),
        "pending_review": selectors.manual_review_pending_exists(user_id=profile.user_id)})


def _check_page(request: HttpRequest, *, form_class: type[IdentityForm], template: str, title: str,
                run: Callable[[dict[str, Any]], services.CheckOutcome], multipart: bool = False) -> HttpResponse:
    profile = _profile(request)
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = run(form.cleaned_data)
        except DomainError as error:
            _report(form, error)
        else:
            if outcome.ok:
                messages.success(request, outcome.message)
                return redirect(safe_next(request) or "realname:routes")  # back where the step-up was asked
            form.add_error(None, outcome.message)
    return render(request, template, {"form": form, "profile": profile, "title": title, "multipart": multipart,
                                      "next": safe_next(request)})


@never_cache
@login_required(login_url=PERSON_LOGIN)
@require_http_methods(["GET", "POST"])
def population(request: HttpRequest) -> HttpResponse:
    return _check_page(request, form_class=IdentityForm, template="realname/check_form.html",
                       title=_("姓名和身份证号核验"), run=lambda d: services.verification_population_check(
                           user=request.user, name=d["name"], id_number=d["id_number"]))


@never_cache
@login_required(login_url=PERSON_LOGIN)
@require_http_methods(["GET", "POST"])
def bankcard(request: HttpRequest) -> HttpResponse:
    return _check_page(request, form_class=BankcardForm, template="realname/check_form.html",
                       title=_("银行卡四要素核验"), run=lambda d: services.verification_bankcard_check(
                           user=request.user, name=d["name"], id_number=d["id_number"],
                           card_number=d["card_number"], phone=d["bank_phone"]))


@never_cache
@login_required(login_url=PERSON_LOGIN)
@require_http_methods(["GET", "POST"])
def face(request: HttpRequest) -> HttpResponse:
    return _check_page(request, form_class=FaceForm, template="realname/check_form.html", title=_("人脸核验"),
                       multipart=True, run=lambda d: services.verification_face_check(
                           user=request.user, name=d["name"], id_number=d["id_number"], photo=d.get("photo")))


@never_cache
@login_required(login_url=PERSON_LOGIN)
@require_http_methods(["GET", "POST"])
def manual(request: HttpRequest) -> HttpResponse:
    """人工审核: upload the ID card and a hand-held photo."""
    profile = _profile(request)
    form = ManualReviewForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.manual_review_submit(user=request.user, name=data["name"], id_number=data["id_number"],
                                          id_front=data.get("id_front"), id_back=data.get("id_back"),
                                          handheld=data.get("handheld"))
        except DomainError as error:
            _report(form, error)
        else:
            messages.success(request, _("已提交人工审核，一般1–3个工作日内完成，结果将通过短信通知您。"))
            return redirect("realname:mine")
    return render(request, "realname/manual_form.html", {"form": form, "profile": profile})


@login_required(login_url=PERSON_LOGIN)
def mine(request: HttpRequest) -> HttpResponse:
    """我的实名申请: attempts, manual reviews and corrections of the signed-in person only."""
    profile = _profile(request)
    return render(request, "realname/mine.html", {
        "profile": profile,
        "attempts": selectors.attempt_list_for_person(user_id=profile.user_id),
        "reviews": selectors.manual_review_list_for_person(user_id=profile.user_id),
        "corrections": selectors.correction_request_list_for_person(user_id=profile.user_id)})


@never_cache
@login_required(login_url=PERSON_LOGIN)
@require_http_methods(["GET", "POST"])
def correction(request: HttpRequest) -> HttpResponse:
    """纠错: ask staff to correct the verified name or ID number."""
    profile = _profile(request)
    form = CorrectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.correction_request_submit(user=request.user, name=data["name"], id_number=data["id_number"],
                                               reason=data["reason"], evidence=data.get("evidence"))
        except DomainError as error:
            _report(form, error)
        else:
            messages.success(request, _("纠错申请已提交，审核结果将通过短信通知您。"))
            return redirect("realname:mine")
    return render(request, "realname/correction_form.html", {"form": form, "profile": profile})


# ------------------------------------------------------------------ reviewers


def _reviewer(request: HttpRequest, action: str, target_type: str = "", target_id: str = "") -> Reviewer:
    try:
        return services.reviewer_authorize(user=request.user, action=action, target_type=target_type,
                                           target_id=target_id)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except NotFound as error:  # outside the reviewer's region, or missing: the same answer (audited)
        raise Http404(error.message) from None


def _queue(request: HttpRequest, *, kind: str, template: str,
           listing: Callable[[Reviewer, str], Any]) -> HttpResponse:
    reviewer = _reviewer(request, f"realname.{kind}.queue")
    status = request.GET.get("status", ReviewStatus.PENDING)
    if status not in ReviewStatus.values and status != "":
        status = ReviewStatus.PENDING
    page = Paginator(listing(reviewer, status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, {
        "staff": reviewer, "page": page, "status": status, "statuses": ReviewStatus.choices,
        "querystring": f"status={status}"})


@login_required(login_url=STAFF_LOGIN)
def review_queue(request: HttpRequest) -> HttpResponse:
    """人工审核队列 of the reviewer's region subtree."""
    return _queue(request, kind="manual_review", template="realname/review_queue.html",
                  listing=lambda r, s: selectors.manual_review_list_for_reviewer(reviewer=r, status=s))


@login_required(login_url=STAFF_LOGIN)
def correction_queue(request: HttpRequest) -> HttpResponse:
    """纠错审核队列 of the reviewer's region subtree."""
    return _queue(request, kind="correction", template="realname/correction_queue.html",
                  listing=lambda r, s: selectors.correction_request_list_for_reviewer(reviewer=r, status=s))


def _decision(request: HttpRequest, *, approve: Callable[[], None], reject: Callable[[str], None],
              form: RejectForm) -> tuple[HttpResponse | None, str]:
    """Approve / reject with a confirmation step: the first POST shows the confirm page, ``confirm=yes`` acts.

    Returns (redirect-or-None, the action to confirm or "").
    """
    action = request.POST.get("action", "")
    if action not in ("approve", "reject"):
        return None, ""
    if action == "reject" and not form.is_valid():
        return None, ""
    if request.POST.get("confirm") != "yes":
        return None, action
    try:
        if action == "approve":
            approve()
            messages.success(request, _("已审核通过，已通知申请人。"))
        else:
            reject(form.cleaned_data["reason"])
            messages.success(request, _("已退回，已将原因通知申请人。"))
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except NotFound as error:
        raise Http404(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        for issue in error.issues:
            messages.error(request, issue.message)
        return None, ""
    return redirect(request.path), ""


@never_cache
@login_required(login_url=STAFF_LOGIN)
@require_http_methods(["GET", "POST"])
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reviewer = _reviewer(request, "realname.manual_review.view", "realname.manual_review", str(pk))
    review = selectors.manual_review_get_for_reviewer(reviewer=reviewer, review_id=pk)
    if review is None:
        raise Http404(_("没有找到这份申请。"))
    form = RejectForm(request.POST if request.POST.get("action") == "reject" else None)
    confirm = ""
    if request.method == "POST":
        done, confirm = _decision(
            request, form=form,
            approve=lambda: services.manual_review_approve(user=request.user, review_id=pk),
            reject=lambda reason: services.manual_review_reject(user=request.user, review_id=pk, reason=reason))
        if done is not None:
            return done
    else:
        services.reviewed_identity_view(user=request.user, kind="manual_review", request_id=pk)
    return render(request, "realname/review_detail.html", {
        "staff": reviewer, "review": review, "form": form, "confirm": confirm,
        "images": [("front", _("身份证人像面")), ("back", _("身份证国徽面")), ("handheld", _("手持身份证照片"))]})


@never_cache
@login_required(login_url=STAFF_LOGIN)
@require_http_methods(["GET", "POST"])
def correction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    reviewer = _reviewer(request, "realname.correction.view", "realname.correction", str(pk))
    item = selectors.correction_request_get_for_reviewer(reviewer=reviewer, request_id=pk)
    if item is None:
        raise Http404(_("没有找到这份申请。"))
    form = RejectForm(request.POST if request.POST.get("action") == "reject" else None)
    confirm = ""
    if request.method == "POST":
        done, confirm = _decision(
            request, form=form,
            approve=lambda: services.correction_request_approve(user=request.user, request_id=pk),
            reject=lambda reason: services.correction_request_reject(user=request.user, request_id=pk,
                                                                     reason=reason))
        if done is not None:
            return done
    else:
        services.reviewed_identity_view(user=request.user, kind="correction", request_id=pk)
    current = identity_selectors.person_verified_identity(user_id=item.user_id)
    return render(request, "realname/correction_detail.html", {
        "staff": reviewer, "item": item, "form": form, "confirm": confirm,
        "current_name": current[0] if current else "",
        "current_id_masked": mask_id_number(current[1]) if current else ""})


def _image_response(read: Callable[[], Any]) -> HttpResponse:
    try:
        image = read()
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except NotFound as error:
        raise Http404(error.message) from None
    response = HttpResponse(image.data, content_type=image.content_type)
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@login_required(login_url=STAFF_LOGIN)
def review_image(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    return _image_response(lambda: services.manual_review_image_read(user=request.user, review_id=pk, kind=kind))


@login_required(login_url=STAFF_LOGIN)
def correction_image(request: HttpRequest, pk: int) -> HttpResponse:
    return _image_response(lambda: services.correction_request_image_read(user=request.user, request_id=pk))
