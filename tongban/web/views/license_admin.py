"""电子证照管理 in the staff workbench, for 证照管理人员 (their department's licences) and platform administrators
(every licence, read-only): licence types, the licence list with filters, a licence's page with its history, state
changes after a confirmation with a reason, 换发, the sealed PDF, and the batch import with its report.

Views validate input and call the licences services and selectors, which check scope and roles again; a licence
outside the staff member's scope answers 404, a page without the role 403, both audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tongban.core.audit import AuditOutcome, Target, audit_record
from tongban.core.errors import DomainError, NotFound
from tongban.directory.scope import staff_audit_actor
from tongban.directory.selectors import StaffContext, staff_context_for_user
from tongban.licenses import workflow
from tongban.licenses.models import LicenseStatus
from tongban.licenses.selectors import licenses as selectors
from tongban.licenses.services import imports, issuance
from tongban.licenses.types import license_type_list

PAGE_SIZE = 20
IMPORT_MAX_BYTES = imports.MAX_BYTES
STAFF_TRANSITIONS = ("revoke", "cancel", "transfer_out", "withdraw")


def _staff(request: HttpRequest) -> StaffContext:
    staff = staff_context_for_user(request.user)
    if staff is None:
        raise Http404(_("您的账号不是工作人员账号。"))
    if not selectors.may_manage_licenses(staff):
        audit_record(action="licenses.workbench.open", actor=staff_audit_actor(staff), outcome=AuditOutcome.DENIED,
                     target=Target(type="licenses.workbench", id="", label=request.path[:200]))
        raise PermissionDenied(_("只有证照管理人员可以使用电子证照管理。"))
    return staff


def _may_change(staff: StaffContext, row: Any) -> bool:
    return workflow.LICENSE_ADMIN in staff.roles and staff.department_id == row.issuer_department_id


def _report(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)
    for issue in error.issues:
        if issue.message != error.message:
            messages.error(request, issue.message)


def _querystring(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _detail(staff: StaffContext, license_id: int) -> Any:
    try:
        return selectors.license_detail_for_staff(staff=staff, license_id=license_id)
    except NotFound:
        raise Http404(_("没有找到这份电子证照。")) from None


@never_cache
@login_required
def license_types(request: HttpRequest) -> HttpResponse:
    """证照类型 (read-only): code, holder, issuers, fields, validity, the materials it replaces."""
    staff = _staff(request)
    types = license_type_list()
    return render(request, "web/workbench/licenses/types.html", {
        "staff": staff, "types": types, "tab": "types",
        "mine": {t.id for t in types if staff.department_id in t.issuing_department_ids}})


@never_cache
@login_required
def license_list(request: HttpRequest) -> HttpResponse:
    """证照列表: filters by type, status and the holder's exact ID number or credit code (blind index)."""
    staff = _staff(request)
    type_code = (request.GET.get("type") or "").strip().upper()
    status = (request.GET.get("status") or "").strip()
    if status not in LicenseStatus.values:
        status = ""
    holder = (request.GET.get("holder") or "").strip()
    if len(holder) > 40:
        holder = ""
    rows = selectors.license_list_for_staff(staff=staff, type_code=type_code, status=status, holder_number=holder)
    if holder:
        audit_record(action="licenses.license.search", actor=staff_audit_actor(staff),
                     target=Target(type="licenses.license", id="", label="按持证主体代码查询"),
                     detail={"type": type_code, "status": status})
    types = [t for t in license_type_list()
             if staff.is_platform_admin or staff.department_id in t.issuing_department_ids]
    return render(request, "web/workbench/licenses/list.html", {
        "staff": staff, "tab": "list", "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "querystring": _querystring(request), "types": types, "statuses": LicenseStatus.choices,
        "filters": {"type": type_code, "status": status, "holder": holder},
        "filtered": bool(type_code or status or holder)})


@never_cache
@login_required
def license_detail(request: HttpRequest, license_id: int) -> HttpResponse:
    staff = _staff(request)
    detail = _detail(staff, license_id)
    may_change = _may_change(staff, detail.row)
    actions = [t for t in workflow.license_transitions_from(detail.row.status, actor=workflow.LICENSE_ADMIN)
               if t.name in STAFF_TRANSITIONS] if may_change else []
    return render(request, "web/workbench/licenses/detail.html", {
        "staff": staff, "tab": "list", "detail": detail, "row": detail.row, "actions": actions,
        "may_reissue": may_change and detail.row.superseded_by_id is None
        and detail.row.status in (LicenseStatus.VALID, LicenseStatus.EXPIRED)})


@never_cache
@login_required
def license_pdf(request: HttpRequest, license_id: int) -> HttpResponse:
    """The sealed PDF of a licence in scope (audited download)."""
    staff = _staff(request)
    detail = _detail(staff, license_id)
    try:
        data = issuance.license_pdf(license_id=detail.row.id)
    except DomainError as error:
        raise Http404(error.message) from None
    audit_record(action="licenses.license.download", actor=staff_audit_actor(staff),
                 target=Target(type="licenses.license", id=str(detail.row.id), label=detail.row.identifier))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="license-{detail.row.serial}-{detail.row.version:03d}.pdf"'
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def license_action(request: HttpRequest, license_id: int, transition: str) -> HttpResponse:
    """撤销 / 注销 / 转出 / 吊销: a form with the reason, then a confirmation step, then the change."""
    staff = _staff(request)
    if transition not in STAFF_TRANSITIONS:
        raise Http404(_("没有这个操作。"))
    detail = _detail(staff, license_id)
    rule = workflow.LICENSE_TRANSITIONS[transition]
    reason = (request.POST.get("reason") or "").strip()
    confirming = False
    error = ""
    if request.method == "POST":
        if not reason:
            error = _("请写明理由。")
        elif len(reason) > issuance.REASON_MAX:
            error = _("理由不能超过%(n)d个字。") % {"n": issuance.REASON_MAX}
        elif request.POST.get("confirmed") != "1":
            confirming = True
        else:
            try:
                issuance.license_transition(user=request.user, license_id=license_id, transition=transition,
                                            reason=reason)
            except NotFound:
                raise Http404(_("没有找到这份电子证照。")) from None
            except DomainError as problem:
                if problem.http_status == 403:
                    raise PermissionDenied(problem.message) from None
                error = problem.message
            else:
                messages.success(request, _("已%(t)s：%(i)s") % {"t": rule.label, "i": detail.row.identifier})
                return redirect("web:wb_license", license_id=license_id)
    return render(request, "web/workbench/licenses/action.html", {
        "staff": staff, "tab": "list", "row": detail.row, "transition": transition, "label": rule.label,
        "reason": reason, "confirming": confirming, "error": error,
        "may_change": _may_change(staff, detail.row)}, status=422 if error else 200)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def license_reissue(request: HttpRequest, license_id: int) -> HttpResponse:
    """换发: edit the surface fields, give the reason; a new version is sealed and the old one is 注销."""
    staff = _staff(request)
    detail = _detail(staff, license_id)
    if not _may_change(staff, detail.row):
        audit_record(action="licenses.license.reissue", actor=staff_audit_actor(staff), outcome=AuditOutcome.DENIED,
                     target=Target(type="licenses.license", id=str(license_id), label=detail.row.identifier))
        raise PermissionDenied(_("只有颁发部门的证照管理人员可以换发证照。"))
    values = dict(detail.data)
    reason = ""
    if request.method == "POST":
        reason = (request.POST.get("reason") or "").strip()
        values = {name: (request.POST.get(f"field-{name}") or "").strip() for name, _label, _value in detail.fields}
        try:
            new = issuance.license_reissue(user=request.user, license_id=license_id, reason=reason, data=values)
        except NotFound:
            raise Http404(_("没有找到这份电子证照。")) from None
        except DomainError as problem:
            _report(request, problem)
        else:
            messages.success(request, _("已换发新版本：%(i)s") % {"i": new.identifier})
            return redirect("web:wb_license", license_id=new.id)
    return render(request, "web/workbench/licenses/reissue.html", {
        "staff": staff, "tab": "list", "row": detail.row, "reason": reason,
        "fields": [(name, label, values.get(name, "")) for name, label, _value in detail.fields]})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def license_import(request: HttpRequest) -> HttpResponse:
    """存量证照导入: upload a CSV or JSON file; the line-by-line report follows."""
    staff = _staff(request)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if workflow.LICENSE_ADMIN not in staff.roles:
            raise PermissionDenied(_("只有证照管理人员可以导入证照。"))
        if upload is None:
            error = _("请选择要导入的CSV或JSON文件。")
        elif upload.size is not None and upload.size > IMPORT_MAX_BYTES:
            error = _("文件不能超过5MB。")
        else:
            try:
                report = imports.licenses_import_for_staff(user=request.user, file_name=upload.name or "import.csv",
                                                           data=upload.read())
            except DomainError as problem:
                if problem.http_status == 403:
                    raise PermissionDenied(problem.message) from None
                error = problem.message
            else:
                messages.success(request, _("导入完成：共%(t)d行，成功%(a)d行，未导入%(r)d行（用时%(s).1f秒）。") % {
                    "t": report.total, "a": report.accepted, "r": report.rejected, "s": report.seconds})
                return redirect("web:wb_license_import_report", batch_id=report.batch_id)
    types = [t for t in license_type_list() if staff.department_id in t.issuing_department_ids]
    return render(request, "web/workbench/licenses/import.html", {
        "staff": staff, "tab": "import", "error": error, "types": types,
        "batches": selectors.import_batch_list_for_staff(staff=staff),
        "may_import": workflow.LICENSE_ADMIN in staff.roles}, status=422 if error else 200)


@never_cache
@login_required
def license_import_report(request: HttpRequest, batch_id: int) -> HttpResponse:
    """One import's report; ``?format=csv`` downloads it."""
    staff = _staff(request)
    try:
        report = selectors.import_batch_get_for_staff(staff=staff, batch_id=batch_id)
    except NotFound:
        raise Http404(_("没有找到这次导入。")) from None
    if request.GET.get("format") == "csv":
        response = HttpResponse(imports.import_report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="license-import-{report.batch_id}.csv"'
        return response
    failed_only = request.GET.get("failed") == "1"
    lines = [line for line in report.lines if line.status != "ok"] if failed_only else list(report.lines)
    return render(request, "web/workbench/licenses/import_report.html", {
        "staff": staff, "tab": "import", "report": report, "failed_only": failed_only,
        "page": Paginator(lines, 100).get_page(request.GET.get("page")), "querystring": _querystring(request)})
