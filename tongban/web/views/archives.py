"""Sealed case documents (办件文书) and the electronic archive (电子档案) in the web channel.

* The applicant downloads a sealed document of their case (我的办件); staff download it from the case page of the
  workbench — both through :func:`tongban.licenses.services.documents.case_document_read` (scope checked,
  every read audited, anything else 404).
* ``/workbench/archives/``: department administrators (their department's packages), audit and platform
  administrators (platform-wide): the list (case number filter, status, pagination), a package's manifest, 校验
  after a confirmation, 导出 as a zip; platform administrators set the retention period per item
  (``/workbench/archives/policies/``; removing one asks for confirmation).

Every page works without JavaScript. Views validate input and call the licences services and selectors, which
check scope again (a refusal is audited there).
"""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tongban.core.errors import DomainError, NotFound, NotPermitted
from tongban.directory.selectors import StaffContext, staff_context_for_user
from tongban.licenses.archive_records import ArchiveDetail, archive_staff_may
from tongban.licenses.models import ArchiveStatus
from tongban.licenses.selectors.archives import archive_list_for_staff, archive_policy_list
from tongban.licenses.services import archives as archive_services
from tongban.licenses.services.documents import case_document_read
from tongban.web.acting import org_param

LOGIN = "web:login"
PAGE_SIZE = 20


# ------------------------------------------------------------------ sealed case documents


def _pdf_response(name: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(name)}"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@never_cache
@login_required(login_url=LOGIN)
def my_case_sealed_document(request: HttpRequest, case_id: int, document_id: int) -> HttpResponse:
    """A sealed document of the applicant's own case (or of an organisation they may view cases of)."""
    try:
        row, _info, data = case_document_read(user=request.user, case_id=case_id, document_id=document_id,
                                              org_id=org_param(request))
    except (NotFound, NotPermitted):
        raise Http404(_("没有找到这份文书。")) from None
    return _pdf_response(row.file_name, data)


@never_cache
@login_required
def wb_case_sealed_document(request: HttpRequest, case_id: int, document_id: int) -> HttpResponse:
    """A sealed document, for staff whose scope covers the case."""
    try:
        row, _info, data = case_document_read(user=request.user, case_id=case_id, document_id=document_id)
    except (NotFound, NotPermitted):
        raise Http404(_("没有找到这份文书。")) from None
    return _pdf_response(row.file_name, data)


# ------------------------------------------------------------------ the archive


class ArchiveFilterForm(forms.Form):
    case_number = forms.CharField(label=gettext_lazy("办件编号"), max_length=64, required=False,
                                  help_text=gettext_lazy("完整编号或其开头部分"))
    status = forms.ChoiceField(label=gettext_lazy("校验状态"), required=False,
                               choices=[("", gettext_lazy("全部")), *ArchiveStatus.choices])


class PolicyForm(forms.Form):
    item_code = forms.CharField(label=gettext_lazy("事项编码"), max_length=40)
    permanent = forms.BooleanField(label=gettext_lazy("永久保管"), required=False)
    retention_years = forms.IntegerField(label=gettext_lazy("保管期限（年）"), required=False, min_value=1,
                                         max_value=archive_services.RETENTION_MAX,
                                         help_text=gettext_lazy("选择永久保管时不填"))

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("permanent") and not data.get("retention_years"):
            self.add_error("retention_years", _("请填写保管期限，或选择永久保管。"))
        return data


def _staff(request: HttpRequest) -> StaffContext:
    staff = staff_context_for_user(request.user)
    if staff is None:
        raise Http404(_("您的账号不是工作人员账号。"))
    return staff


def _archive_staff(request: HttpRequest) -> StaffContext:
    staff = _staff(request)
    if not archive_staff_may(staff):
        raise Http404(_("只有部门管理员、审计管理员和平台管理员可以查看电子档案。"))
    return staff


def _report(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)
    for issue in error.issues:
        if issue.message != error.message:
            messages.error(request, issue.message)


@never_cache
@login_required
def archive_list(request: HttpRequest) -> HttpResponse:
    staff = _archive_staff(request)
    form = ArchiveFilterForm(request.GET or None)
    case_number, status = "", ""
    if form.is_valid():
        case_number = form.cleaned_data["case_number"] or ""
        status = form.cleaned_data["status"] or ""
    rows = archive_list_for_staff(staff=staff, case_number=case_number, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/workbench/archives/list.html", {
        "staff": staff, "form": form, "page": page, "querystring": query.urlencode(),
        "filtered": bool(case_number or status)})


def _open(request: HttpRequest, package_id: int) -> ArchiveDetail:
    try:
        return archive_services.archive_open_for_staff(user=request.user, package_id=package_id)
    except (NotFound, NotPermitted):
        raise Http404(_("没有找到这份电子档案。")) from None


@never_cache
@login_required
def archive_detail(request: HttpRequest, package_id: int) -> HttpResponse:
    staff = _archive_staff(request)
    detail = _open(request, package_id)
    return render(request, "web/workbench/archives/detail.html", {"staff": staff, "archive": detail})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def archive_verify(request: HttpRequest, package_id: int) -> HttpResponse:
    """校验: a confirmation page (GET), then the check (POST), back to the package with its result."""
    staff = _archive_staff(request)
    detail = _open(request, package_id)
    if request.method == "POST":
        try:
            result = archive_services.archive_verify_for_staff(user=request.user, package_id=package_id)
        except DomainError as error:
            _report(request, error)
        else:
            if result.intact:
                messages.success(request, _("校验通过：%(n)d个文件完整，清单签名有效。") % {"n": result.checked_files})
            else:
                messages.error(request, _("校验发现%(n)d处问题，详见下方。") % {"n": len(result.problems)})
        return redirect("web:wb_archive", package_id=package_id)
    return render(request, "web/workbench/archives/verify.html", {"staff": staff, "archive": detail})


@never_cache
@login_required
def archive_export(request: HttpRequest, package_id: int) -> HttpResponse:
    _archive_staff(request)
    try:
        name, data = archive_services.archive_export_for_staff(user=request.user, package_id=package_id)
    except (NotFound, NotPermitted):
        raise Http404(_("没有找到这份电子档案。")) from None
    except DomainError as error:
        _report(request, error)
        return redirect("web:wb_archive", package_id=package_id)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f"attachment; filename=\"{name}\""
    return response


# ------------------------------------------------------------------ retention policies


def _platform_admin(request: HttpRequest) -> StaffContext:
    staff = _staff(request)
    if not staff.is_platform_admin:
        raise Http404(_("只有平台管理员可以设置归档保管期限。"))
    return staff


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def archive_policies(request: HttpRequest) -> HttpResponse:
    staff = _platform_admin(request)
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = archive_services.archive_policy_set(
                user=request.user, item_code=data["item_code"], retention_years=data.get("retention_years"),
                permanent=bool(data.get("permanent")))
        except DomainError as error:
            _report(request, error)
        else:
            messages.success(request, _("已设置事项%(c)s的保管期限：%(l)s。") % {"c": row.item_code, "l": row.label})
            return redirect("web:wb_archive_policies")
    return render(request, "web/workbench/archives/policies.html", {
        "staff": staff, "form": form, "policies": archive_policy_list(),
        "default_years": int(getattr(settings, "ARCHIVE_RETENTION_YEARS", 30) or 0)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def archive_policy_delete(request: HttpRequest) -> HttpResponse:
    """Remove an item's policy, after a confirmation page."""
    staff = _platform_admin(request)
    item_code = (request.POST.get("item_code") or request.GET.get("item_code") or "").strip()[:40]
    policy = next((p for p in archive_policy_list() if p.item_code == item_code), None)
    if policy is None:
        raise Http404(_("没有找到该事项的保管期限设置。"))
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        try:
            archive_services.archive_policy_delete(user=request.user, item_code=item_code)
        except DomainError as error:
            _report(request, error)
        else:
            messages.success(request, _("已删除事项%(c)s的保管期限设置，此后归档按默认期限。") % {"c": item_code})
        return redirect("web:wb_archive_policies")
    return render(request, "web/workbench/archives/policy_delete.html", {"staff": staff, "policy": policy})
