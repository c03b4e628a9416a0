"""我的办件 for persons and organisations (their own account, the legal representative, agents with the
"view_cases" scope): the list with status, due colour and what to do now; the case page with its plain-language
timeline, due date, documents and materials; the receipt (page and PDF); supplementing and resubmitting when
补齐补正 is asked; withdrawing before the decision; and 消息 (in-site notices). Works without JavaScript.

A case of another applicant answers 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tongban.cases import selectors as case_selectors
from tongban.cases import services as case_services
from tongban.cases.interface import CaseKind
from tongban.cases.services import applicant as applicant_services
from tongban.catalog.forms.render import form_data_from_post, form_render
from tongban.core.errors import DomainError, Issue, NotFound, NotPermitted, ValidationFailed
from tongban.core.pdf import PdfUnavailable
from tongban.identity.interface import AccountKind
from tongban.licenses.selectors.documents import case_document_list_for_cases
from tongban.notifications import selectors as notice_selectors
from tongban.notifications import services as notice_services
from tongban.organizations.interface import AgentScope
from tongban.web.acting import acting_options, org_param, org_query, own_org_id
from tongban.web.views.apply import MATERIAL_PREFIX

LOGIN = "web:login"
PAGE_SIZE = 20
TABS = [("", "全部"), ("action", "需要我处理"), ("open", "办理中"), ("closed", "已办结")]
T = TypeVar("T")


def _candidates(request: HttpRequest) -> list[int | None]:
    """Acting contexts to look for a case in: the ``org`` asked for, else the person themselves and every
    organisation they may view cases of (a notice's link carries no ``org``)."""
    explicit = org_param(request)
    if explicit is not None:
        return [explicit]
    own = own_org_id(request.user)
    if own is not None:
        return [own]
    found: list[int | None] = [None] if getattr(request.user, "kind", "") == AccountKind.PERSON else []
    found += [o.org_id for o in acting_options(request.user, scope=AgentScope.VIEW_CASES) if o.org_id is not None]
    return found


def _resolve(request: HttpRequest, load: Callable[[int | None], T]) -> tuple[T, int | None]:
    for org_id in _candidates(request):
        try:
            return load(org_id), org_id
        except (NotFound, NotPermitted):
            continue
    raise Http404(_("没有找到这个办件。"))


def _case_url(name: str, case_id: int, org_id: int | None, *extra: Any) -> str:
    return reverse(name, args=[case_id, *extra]) + org_query(org_id)


# ------------------------------------------------------------------ the list


@never_cache
@login_required(login_url=LOGIN)
def my_cases(request: HttpRequest) -> HttpResponse:
    options = acting_options(request.user, scope=AgentScope.VIEW_CASES)
    org_id = org_param(request)
    if org_id is None:
        org_id = own_org_id(request.user)
    if org_id is None and getattr(request.user, "kind", "") != AccountKind.PERSON:
        raise Http404(_("没有可查看的办件。"))
    option = next((o for o in options if o.org_id == org_id), None)
    if option is None:
        raise Http404(_("您无权查看该法人的办件。"))
    tab = request.GET.get("status", "")
    tab = tab if tab in dict(TABS) else ""
    try:
        rows = (case_selectors.case_list_for_organization(user=request.user, org_id=org_id, status_group=tab or None)
                if org_id is not None else
                case_selectors.case_list_for_person(user=request.user, status_group=tab or None))
    except NotPermitted:
        raise Http404(_("您无权查看该法人的办件。")) from None
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    parents = [row.id for row in page.object_list if row.kind == CaseKind.BUNDLE_PARENT]
    children = applicant_services.case_children_for_applicant(user=request.user, org_id=org_id,
                                                              parent_ids=parents) if parents else {}
    query = {k: v for k, v in (("status", tab), ("org", str(org_id) if org_id else "")) if v}
    return render(request, "web/my/cases.html", {
        "page": page, "rows": [(row, children.get(row.id, ())) for row in page.object_list],
        "querystring": "&".join(f"{k}={v}" for k, v in query.items()), "tabs": TABS, "tab": tab, "options": options, "option": option,
        "org_id": org_id, "org_qs": org_query(org_id), "org_amp": org_query(org_id, first=False),
        "drafts": case_selectors.draft_list_for_applicant(user=request.user, org_id=org_id)
        if _may_apply(request.user, org_id) else [],
    })


def _may_apply(user: Any, org_id: int | None) -> bool:
    return any(o.org_id == org_id for o in acting_options(user, scope=AgentScope.APPLY))


# ------------------------------------------------------------------ one case


@never_cache
@login_required(login_url=LOGIN)
def my_case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    view, org_id = _resolve(request, lambda org: case_selectors.case_detail_for_applicant(
        user=request.user, org_id=org, case_id=case_id))
    case_ids = [view.id, *(child.case_id for child in (view.bundle.children if view.bundle else ()))]
    return render(request, "web/my/case.html", {"case": view, "org_id": org_id, "org_qs": org_query(org_id),
                                                "is_bundle": view.kind == CaseKind.BUNDLE_PARENT,
                                                "sealed_documents": case_document_list_for_cases(case_ids=case_ids)})


@never_cache
@login_required(login_url=LOGIN)
def my_case_receipt(request: HttpRequest, case_id: int) -> HttpResponse:
    receipt, org_id = _resolve(request, lambda org: case_selectors.case_receipt_for_applicant(
        user=request.user, org_id=org, case_id=case_id))
    return render(request, "web/my/receipt.html", {"receipt": receipt, "org_id": org_id,
                                                   "org_qs": org_query(org_id)})


@never_cache
@login_required(login_url=LOGIN)
def my_case_receipt_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        (receipt, data), _org = _resolve(request, lambda org: applicant_services.case_receipt_pdf_for_applicant(
            user=request.user, org_id=org, case_id=case_id))
    except PdfUnavailable as problem:  # the page still shows the receipt, and the browser can print it
        messages.error(request, problem.message)
        return redirect(reverse("web:my_case_receipt", args=[case_id]) + org_query(org_param(request)))
    response = HttpResponse(data, content_type="application/pdf")
    name = f"回执-{receipt.case_number}.pdf"
    response["Content-Disposition"] = f"attachment; filename=\"receipt-{receipt.case_number}.pdf\"; " \
                                      f"filename*=UTF-8''{quote(name)}"
    return response


@never_cache
@login_required(login_url=LOGIN)
def my_case_material(request: HttpRequest, case_id: int, material_id: int) -> HttpResponse:
    """A material of the case, through the case's permission check (case_material_read)."""
    (info, data), _org = _resolve(request, lambda org: case_services.case_material_read(
        user=request.user, org_id=org, case_id=case_id, material_id=material_id))
    response = HttpResponse(data, content_type=info.mime)
    disposition = "inline" if info.mime in ("application/pdf", "image/jpeg", "image/png") else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(info.display_name or 'file')}"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@never_cache
@login_required(login_url=LOGIN)
def my_case_document(request: HttpRequest, case_id: int, file_id: int) -> HttpResponse:
    """A decision document (决定文书) of the case — for a 一件事, of one of its child cases (case_document_read)."""
    def load(org: int | None) -> Any:
        try:
            return case_services.case_document_read(user=request.user, org_id=org, case_id=case_id, file_id=file_id)
        except NotFound:
            view = case_selectors.case_detail_for_applicant(user=request.user, org_id=org, case_id=case_id)
            for child in view.bundle.children if view.bundle else ():
                try:
                    return case_services.case_document_read(user=request.user, org_id=org, case_id=child.case_id,
                                                            file_id=file_id)
                except NotFound:
                    continue
            raise

    (info, data), _org = _resolve(request, load)
    response = HttpResponse(data, content_type=info.mime)
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(info.display_name or 'document')}"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# ------------------------------------------------------------------ 补齐补正 and resubmission


def _supplement_context(request: HttpRequest, case_id: int, org_id: int | None, *, form_issues: list[Issue],
                        material_errors: dict[str, list[str]], errors: list[str],
                        values: dict[str, Any] | None = None) -> dict[str, Any]:
    view = case_selectors.case_detail_for_applicant(user=request.user, org_id=org_id, case_id=case_id)
    correction = applicant_services.case_correction_form(user=request.user, org_id=org_id, case_id=case_id)
    reusable = case_selectors.attachment_reusable_list(user=request.user, org_id=org_id)
    statuses = {m.name: m for m in view.materials}
    blocks = []
    for index, name in enumerate(correction.material_names):
        status = statuses.get(name)
        used = {a.file_id for a in status.attachments} if status else set()
        blocks.append({"index": index, "name": name, "status": status, "errors": material_errors.get(name, []),
                       "reusable": sorted((r for r in reusable if r.file_id not in used),
                                          key=lambda r: r.material_name != name)})
    rendered = form_render(correction.form, values=values if values is not None else correction.data,
                           issues=form_issues, prefix="fix") if correction.form is not None else None
    return {"case": view, "correction": correction, "blocks": blocks, "rendered_form": rendered, "errors": errors,
            "org_id": org_id, "org_qs": org_query(org_id)}


@never_cache
@login_required(login_url=LOGIN)
@require_http_methods(["GET", "POST"])
def my_case_supplement(request: HttpRequest, case_id: int) -> HttpResponse:
    """补齐补正: every requested item at once — the materials (upload or 材料复用) and the fields to correct — and
    then 提交补正 (resubmit)."""
    correction, org_id = _resolve(request, lambda org: applicant_services.case_correction_form(
        user=request.user, org_id=org, case_id=case_id))
    view = case_selectors.case_detail_for_applicant(user=request.user, org_id=org_id, case_id=case_id)
    if not view.can_resubmit:
        messages.info(request, _("该办件现在不需要补正。"))
        return redirect(_case_url("web:my_case_detail", case_id, org_id))
    form_issues: list[Issue] = []
    material_errors: dict[str, list[str]] = {}
    errors: list[str] = []
    values: dict[str, Any] | None = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        changed = False
        for index, name in enumerate(correction.material_names):
            for upload in request.FILES.getlist(f"upload-{index}"):
                try:
                    case_services.case_attachment_upload(user=request.user, org_id=org_id, case_id=case_id,
                                                         material_name=name, upload=upload)
                    changed = True
                except DomainError as problem:
                    material_errors.setdefault(name, []).append(
                        _("“%(f)s”未上传：%(m)s") % {"f": (upload.name or "")[:80], "m": problem.message})
        if request.headers.get("X-Requested-With") == "XMLHttpRequest":  # apply.js: upload with progress
            return JsonResponse({"errors": [m for ms in material_errors.values() for m in ms]},
                                status=422 if material_errors else 200)
        verb, _sep, arg = action.partition(":")
        if verb == "reuse" and arg.isdigit() and int(arg) < len(correction.material_names):
            name = correction.material_names[int(arg)]
            file_id = request.POST.get(f"reuse-{arg}", "")
            try:
                if not file_id.isdigit():
                    raise ValidationFailed(_("请选择要复用的材料。"))
                case_services.case_attachment_reuse(user=request.user, org_id=org_id, case_id=case_id,
                                                    material_name=name, file_id=int(file_id))
                changed = True
            except DomainError as problem:
                material_errors.setdefault(name, []).append(problem.message)
        if verb == "resubmit" and not material_errors:
            data = form_data_from_post(correction.form, request.POST, prefix="fix") if correction.form else None
            try:
                case_services.case_resubmit(user=request.user, org_id=org_id, case_id=case_id, data=data,
                                            note=request.POST.get("note", "")[:500])
            except ValidationFailed as invalid:
                values = data
                errors.append(invalid.message)
                for issue in invalid.issues:
                    if issue.field.startswith(MATERIAL_PREFIX):
                        material_errors.setdefault(issue.field[len(MATERIAL_PREFIX):], []).append(issue.message)
                    else:
                        form_issues.append(issue)
            except DomainError as problem:
                errors.append(problem.message)
            else:
                messages.success(request, _("补正材料已提交，我们将继续办理。"))
                return redirect(_case_url("web:my_case_detail", case_id, org_id))
        elif not material_errors:
            if changed:
                messages.success(request, _("材料已提交。全部补齐后，请点“提交补正”。"))
            return HttpResponseRedirect(_case_url("web:my_case_supplement", case_id, org_id) + "#materials")
    return render(request, "web/my/supplement.html", _supplement_context(
        request, case_id, org_id, form_issues=form_issues, material_errors=material_errors, errors=errors,
        values=values))


@never_cache
@login_required(login_url=LOGIN)
@require_http_methods(["GET", "POST"])
def my_case_withdraw(request: HttpRequest, case_id: int) -> HttpResponse:
    """撤回 before the decision, after a confirmation with the reason."""
    view, org_id = _resolve(request, lambda org: case_selectors.case_detail_for_applicant(
        user=request.user, org_id=org, case_id=case_id))
    if not view.can_withdraw:
        messages.info(request, _("该办件现在不能撤回。"))
        return redirect(_case_url("web:my_case_detail", case_id, org_id))
    error = ""
    if request.method == "POST":
        try:
            case_services.case_withdraw(user=request.user, org_id=org_id, case_id=case_id,
                                        reason=request.POST.get("reason", ""))
        except DomainError as problem:
            error = problem.message
        else:
            messages.success(request, _("申请已撤回。"))
            return redirect(_case_url("web:my_case_detail", case_id, org_id))
    return render(request, "web/my/withdraw.html", {"case": view, "error": error, "org_id": org_id,
                                                    "org_qs": org_query(org_id),
                                                    "reason": request.POST.get("reason", "")})


# ------------------------------------------------------------------ 消息


@never_cache
@login_required(login_url=LOGIN)
def notices(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(notice_selectors.notice_list_for_user(user=request.user, unread_only=unread_only),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/my/notices.html", {"page": page, "unread_only": unread_only,
                                                   "unread": notice_selectors.notice_unread_count(user=request.user)})


@never_cache
@login_required(login_url=LOGIN)
def notice_open(request: HttpRequest, notice_id: int) -> HttpResponse:
    """Open a notice: it is marked read and its link (a page of this site) is shown."""
    notice = notice_selectors.notice_list_for_user(user=request.user).filter(pk=notice_id).first()
    if notice is None:
        raise Http404(_("没有找到这条消息。"))
    notice_services.notice_mark_read(user=request.user, notice_id=notice_id)
    target = notice.link if notice.link and url_has_allowed_host_and_scheme(
        notice.link, allowed_hosts={request.get_host()}) else reverse("web:notices")
    return HttpResponseRedirect(target)


@login_required(login_url=LOGIN)
@require_POST
def notices_read(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("notice", "")
    try:
        count = notice_services.notice_mark_read(user=request.user, notice_id=int(raw) if raw.isdigit() else None)
    except NotFound:
        raise Http404(_("没有找到这条消息。")) from None
    if count:
        messages.success(request, _("已标为已读。"))
    return redirect("web:notices")

