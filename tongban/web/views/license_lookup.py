"""Licences in the staff workbench: 一证通办 (look up a holder's valid licences by ID number or credit code, with a
recorded purpose — role 一证通办查询人员) and 用证申请 (a department asks a holder for consent to use a licence, and
uses it: the watermarked copy sealed by the issuing department — roles 窗口受理, 审批, 一证通办查询).

Views validate and call the licences services, which check the role again and audit every look-up and use.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tongban.core.errors import DomainError, NotFound, NotPermitted
from tongban.directory.scope import StaffContext, staff_context_for_user
from tongban.licenses.services import consents as consent_services
from tongban.licenses.services import lookup as lookup_services


def _staff(request: HttpRequest) -> StaffContext:
    staff = staff_context_for_user(request.user)
    if staff is None:
        raise Http404(_("您的账号不是工作人员账号。"))
    return staff


def _issues(error: DomainError) -> list[str]:
    found = [error.message] + [i.message for i in error.issues if i.message != error.message]
    return list(dict.fromkeys(found))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    """一证通办: the number and the purpose (both required); every look-up is audited, also without result."""
    staff = _staff(request)
    if request.method == "GET" and not lookup_services.may_lookup(request.user):
        raise PermissionDenied(_("只有一证通办查询人员可以按身份号码查询证照。"))
    context: dict[str, Any] = {"staff": staff, "result": None, "errors": [], "purpose": ""}
    status = 200
    if request.method == "POST":
        purpose = (request.POST.get("purpose") or "").strip()[:300]
        context["purpose"] = purpose
        try:
            context["result"] = lookup_services.license_lookup(
                user=request.user, number=(request.POST.get("number") or "")[:40], purpose=purpose)
        except NotPermitted as exc:
            raise PermissionDenied(exc.message) from None
        except DomainError as exc:
            context["errors"] = _issues(exc)
            status = exc.http_status
    # The number is never echoed back into the page: the staff member types it again for another look-up.
    return render(request, "web/workbench/license_lookup/lookup.html", context, status=status)


def _requester(request: HttpRequest) -> tuple[StaffContext, consent_services.Requester]:
    staff = _staff(request)
    try:
        return staff, consent_services.requester_for_staff(user=request.user)
    except NotPermitted as exc:
        raise PermissionDenied(exc.message) from None


@never_cache
@login_required
def consent_list(request: HttpRequest) -> HttpResponse:
    staff, requester = _requester(request)
    return render(request, "web/workbench/license_lookup/consents.html", {
        "staff": staff, "rows": consent_services.consent_list_for_requester(requester=requester)})


def _date(raw: str) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def consent_new(request: HttpRequest) -> HttpResponse:
    """Step 1: the licence identifier (the holder gives it, or 一证通办 finds it) → step 2: purpose, fields, date."""
    staff, requester = _requester(request)
    identifier = (request.POST.get("identifier") or request.GET.get("identifier") or "").strip()[:120]
    context: dict[str, Any] = {"staff": staff, "identifier": identifier, "type_name": "", "choices": [],
                               "errors": [], "purpose": "", "chosen": [], "until": ""}
    if identifier:
        try:
            context["type_name"], context["choices"] = consent_services.consent_field_choices(
                requester=requester, identifier=identifier)
        except DomainError as exc:
            context["errors"] = _issues(exc)
    if request.method == "POST" and context["choices"]:
        purpose = (request.POST.get("purpose") or "").strip()[:600]
        chosen = request.POST.getlist("fields")
        until_raw = request.POST.get("valid_until", "")
        context.update(purpose=purpose, chosen=chosen, until=until_raw)
        try:
            made = consent_services.consent_request(requester=requester, identifier=identifier, purpose=purpose,
                                                    fields=chosen, valid_until=_date(until_raw))
        except DomainError as exc:
            context["errors"] = _issues(exc)
        else:
            messages.success(request, _("用证申请已发送，等待持证人授权。"))
            return redirect("web:wb_license_consent", consent_id=made.id)
    return render(request, "web/workbench/license_lookup/consent_new.html", context,
                  status=422 if context["errors"] else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def consent_detail(request: HttpRequest, consent_id: int) -> HttpResponse:
    """A request and its state; when granted: use it (JSON-free here: the sealed, watermarked copy as PDF)."""
    staff, requester = _requester(request)
    try:
        row = consent_services.consent_get_for_requester(requester=requester, consent_id=consent_id)
    except NotFound:
        raise Http404(_("没有找到这项用证授权。")) from None
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            used = consent_services.license_use(requester=requester, consent_id=consent_id,
                                                fields=request.POST.getlist("fields"),
                                                purpose=(request.POST.get("purpose") or "").strip()[:500], copy=True)
        except NotFound:
            raise Http404(_("没有找到这项用证授权。")) from None
        except DomainError as exc:
            errors, status = _issues(exc), exc.http_status
        else:
            assert used.copy_pdf is not None
            response = HttpResponse(used.copy_pdf, content_type="application/pdf")
            name = f"{used.license_type_name}-用证副本-{used.use_id}.pdf"
            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
            return response
        row = consent_services.consent_get_for_requester(requester=requester, consent_id=consent_id)
    return render(request, "web/workbench/license_lookup/consent.html", {
        "staff": staff, "row": row, "errors": errors,
        "back": reverse("web:wb_license_consents")}, status=status)
