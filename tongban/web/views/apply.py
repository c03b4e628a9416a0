"""Online application (统一申办): start from a guide or a 一件事, fill the draft (the catalogue's form renderer,
prefill badges, locked fields), supply materials (upload, 材料复用), save (also automatically with JavaScript),
resume on another device, submit once (an idempotency key made when the page is shown), and the receipt.

One page-wide ``<form>`` carries the form fields, the file inputs and every button (保存草稿, 上传, 使用此文件,
删除, 提交申请): whatever button is pressed, what was typed is saved first — nothing is lost on an error — and
chosen files are uploaded. Everything works without JavaScript; ``apply.js`` only autosaves every few seconds and
shows upload progress.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tongban.cases import selectors as case_selectors
from tongban.cases import services as case_services
from tongban.cases.interface import LicenseReference, StepUpRequired
from tongban.cases.records import DraftView, MaterialStatus, ReusableFile
from tongban.cases.services import applicant as applicant_services
from tongban.catalog import forms
from tongban.catalog import selectors as catalog
from tongban.catalog.forms.render import form_data_from_post, form_render
from tongban.core.errors import DomainError, Issue, NotFound, NotPermitted, ValidationFailed
from tongban.organizations.interface import AgentScope
from tongban.organizations.selectors import agent_scopes_for
from tongban.web.acting import ActingOption, acting_options, acting_org, org_query
from tongban.web.site import current_site

LOGIN = "web:login"
PERSON_OBJECT = "1"
MATERIAL_PREFIX = "materials."


# ------------------------------------------------------------------ where an application can start


def online_implementation_codes(implementations: Any) -> set[str]:
    """Codes of the implementations that take online applications: the item supports 网上办理 and the
    implementation has an application form (its own or the item's)."""
    candidates = [impl.code for impl in implementations
                  if impl.item.current_version is not None and impl.item.current_version.supports_online]
    if not candidates:
        return set()
    specs = forms.forms_for_implementations(implementation_codes=candidates)  # one query for the whole list
    return {code for code, spec in specs.items() if not spec.is_empty}


def bundle_online(code: str) -> bool:
    """Whether a 一件事 has a combined form (one application for all its members)."""
    try:
        return not forms.form_for_bundle(bundle_code=code).is_empty
    except DomainError:
        return False


def _sides(version: Any) -> tuple[bool, bool]:
    """(persons may apply, organisations may apply) for an item version's 服务对象."""
    objects = set(version.service_objects or [])
    if not objects:
        return True, True
    return PERSON_OBJECT in objects, bool(objects - {PERSON_OBJECT})


def _draft_url(draft_id: int, org_id: int | None) -> str:
    return reverse("web:draft", args=[draft_id]) + org_query(org_id)


@never_cache
@login_required(login_url=LOGIN)
@require_http_methods(["GET", "POST"])
def apply_start(request: HttpRequest) -> HttpResponse:
    """在线办理 / 一表申请: choose who applies (myself, or an organisation I may apply for), then open the draft
    (an existing one is resumed)."""
    implementation_code = (request.POST.get("implementation") or request.GET.get("implementation") or "").strip()
    bundle_code = (request.POST.get("bundle") or request.GET.get("bundle") or "").strip()
    impl = bundle = None
    optional: list[Any] = []
    if implementation_code and not bundle_code:
        impl = catalog.implementation_get_published(code=implementation_code)
        if impl is None or impl.item.current_version is None:
            raise Http404(_("该事项未发布或已暂停办理。"))
        title = impl.item.current_version.name
        persons_ok, orgs_ok = _sides(impl.item.current_version)
    elif bundle_code and not implementation_code:
        bundle = catalog.bundle_get(code=bundle_code)
        if bundle is None:
            raise Http404(_("没有找到这件“一件事”。"))
        title = bundle.name
        persons_ok = bundle.audience != "organization"
        orgs_ok = not persons_ok
        optional = [m for m in bundle.members.all() if m.optional]
    else:
        raise Http404(_("请选择要申请的事项。"))
    options = [o for o in acting_options(request.user, scope=AgentScope.APPLY)
               if (o.org_id is None and persons_ok) or (o.org_id is not None and orgs_ok)]
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("acting", "")
        option = next((o for o in options if o.value == chosen), None)
        if option is None:
            error = _("请选择以谁的身份申请。")
        else:
            try:
                draft = case_services.draft_open(
                    user=request.user, org_id=option.org_id, implementation_code=implementation_code,
                    bundle_code=bundle_code, region_code=current_site(request).code,
                    optional_item_codes=request.POST.getlist("optional"))
            except DomainError as problem:
                error = problem.message
            else:
                return redirect(_draft_url(draft.id, option.org_id))
    if not options and not error:
        error = (_("该事项面向法人办理。请先在“法人”中登记您的企业，或请法定代表人授权您为经办人（含“申请办理事项”）。")
                 if orgs_ok and not persons_ok else _("您当前的账号不能申请该事项。"))
    return render(request, "web/apply/start.html", {
        "title": title, "impl": impl, "bundle": bundle, "options": options, "optional": optional,
        "implementation_code": implementation_code, "bundle_code": bundle_code, "error": error,
        "selected": request.POST.get("acting") or (options[0].value if len(options) == 1 else ""),
    }, status=200 if not error or options else 403)


# ------------------------------------------------------------------ 我的草稿


@dataclass(frozen=True)
class DraftGroup:
    option: ActingOption
    drafts: list[Any]


@never_cache
@login_required(login_url=LOGIN)
def draft_list(request: HttpRequest) -> HttpResponse:
    """我的草稿: continue an application on this device where it was left on another."""
    groups = []
    for option in acting_options(request.user, scope=AgentScope.APPLY):
        drafts = case_selectors.draft_list_for_applicant(user=request.user, org_id=option.org_id)
        groups.append(DraftGroup(option=option, drafts=[
            {"id": d.id, "title": _draft_title(d), "updated_at": d.updated_at,
             "url": _draft_url(d.id, option.org_id)} for d in drafts]))
    return render(request, "web/apply/drafts.html", {"groups": groups,
                                                     "empty": not any(g.drafts for g in groups)})


def _draft_title(summary: Any) -> str:
    if summary.target_key.startswith("bundle:"):
        bundle = catalog.bundle_get(code=summary.target_key.split(":", 1)[1])
        return bundle.name if bundle else summary.title
    return str(summary.title)


# ------------------------------------------------------------------ the draft page


@dataclass
class MaterialBlock:
    index: int
    material: MaterialStatus
    errors: list[str] = field(default_factory=list)
    reusable: list[ReusableFile] = field(default_factory=list)
    licenses: list[LicenseReference] = field(default_factory=list)


def _material_blocks(view: DraftView, reusable: list[ReusableFile], errors: dict[str, list[str]], *,
                     licenses: Callable[[str], list[LicenseReference]] | None = None) -> list[MaterialBlock]:
    blocks = []
    for index, material in enumerate(view.materials):
        used = {a.file_id for a in material.attachments}
        offered = sorted((r for r in reusable if r.file_id not in used), key=lambda r: r.material_name != material.name)
        options = licenses(material.license_type) if licenses is not None and material.license_type else []
        blocks.append(MaterialBlock(index=index, material=material, errors=errors.get(material.name, []),
                                    reusable=offered, licenses=options))
    return blocks


def _license_options(request: HttpRequest, org_id: int | None) -> Callable[[str], list[LicenseReference]]:
    """The applicant's valid licences for a material's licence type (免交), asked once per type per page."""
    cache: dict[str, list[LicenseReference]] = {}

    def options(license_type: str) -> list[LicenseReference]:
        if license_type not in cache:
            try:
                cache[license_type] = case_selectors.license_options_for_applicant(
                    user=request.user, org_id=org_id, license_type=license_type)
            except DomainError:
                cache[license_type] = []
        return cache[license_type]

    return options


def _posted_form_data(view: DraftView, request: HttpRequest) -> dict[str, Any]:
    """Every field of the form from the post; a field left empty clears the saved value (``None``)."""
    spec = view.form
    if spec is None:
        return {}
    posted = form_data_from_post(spec, request.POST)
    return {f.name: posted.get(f.name) for f in spec.fields if f.kind != "attachment"}


def _split_issues(issues: list[Issue]) -> tuple[list[Issue], dict[str, list[str]], list[str]]:
    """(form issues, material messages by material name, other messages)."""
    form_issues: list[Issue] = []
    materials: dict[str, list[str]] = {}
    other: list[str] = []
    for issue in issues:
        if issue.field.startswith(MATERIAL_PREFIX):
            materials.setdefault(issue.field[len(MATERIAL_PREFIX):], []).append(issue.message)
        elif issue.field and issue.field != "idempotency_key":
            form_issues.append(issue)
        else:
            other.append(issue.message)
    return form_issues, materials, other


def _key(request: HttpRequest) -> str:
    """The idempotency key of this rendering of the page: the posted one again after an error, else a new one."""
    posted = (request.POST.get("idempotency_key") or "").strip()
    if 8 <= len(posted) <= 64 and posted.replace("-", "").isalnum():
        return posted
    return uuid.uuid4().hex


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _realname_url(request: HttpRequest, back: str) -> str:
    return reverse("realname:routes") + "?" + urlencode({"next": back})


def _submit(request: HttpRequest, *, draft_id: int, org_id: int | None) -> tuple[HttpResponse | None, list[Issue],
                                                                                  str]:
    """Submit the draft: (redirect to the receipt or to the real-name step-up, issues, error message)."""
    try:
        receipt = case_services.case_submit(user=request.user, org_id=org_id, draft_id=draft_id,
                                            idempotency_key=(request.POST.get("idempotency_key") or "").strip())
    except StepUpRequired as step_up:
        messages.info(request, step_up.message)
        return redirect(_realname_url(request, _draft_url(draft_id, org_id))), [], ""
    except ValidationFailed as invalid:
        return None, list(invalid.issues), invalid.message
    except DomainError as problem:
        return None, [], problem.message
    messages.success(request, _("申请已提交，办件编号 %(n)s。") % {"n": receipt.case_number})
    if org_id is not None and AgentScope.VIEW_CASES not in agent_scopes_for(user=request.user, org_id=org_id):
        # An agent who may apply but not view the organisation's cases gets the receipt now, once.
        return render(request, "web/my/receipt.html", {"receipt": receipt, "org_id": org_id, "view_only_once": True,
                                                       "org_qs": org_query(org_id)}), [], ""
    return redirect(reverse("web:my_case_receipt", args=[receipt.case_id]) + org_query(org_id)), [], ""


@never_cache
@login_required(login_url=LOGIN)
@require_http_methods(["GET", "POST"])
def draft_page(request: HttpRequest, draft_id: int) -> HttpResponse:
    org_id = acting_org(request)
    action = request.POST.get("action", "save") if request.method == "POST" else ""
    try:
        view = applicant_services.draft_get(user=request.user, org_id=org_id, draft_id=draft_id)
    except (NotFound, NotPermitted):
        if action == "submit":  # a double click: the first submission took the draft; the key finds its case
            response, _issues, _message = _submit(request, draft_id=draft_id, org_id=org_id)
            if response is not None:
                return response
        raise Http404(_("没有找到这份草稿，它可能已提交或已删除。")) from None

    form_issues: list[Issue] = []
    material_errors: dict[str, list[str]] = {}
    errors: list[str] = []
    values: dict[str, Any] | None = None
    if request.method == "POST":
        changed = False
        data = _posted_form_data(view, request)
        try:
            view = case_services.draft_save(user=request.user, org_id=org_id, draft_id=draft_id, data=data)
        except ValidationFailed as invalid:
            form_issues = list(invalid.issues)
            values = {k: v for k, v in data.items() if v is not None}  # show what was typed, not lost
            errors.append(_("有%(n)d处填写不正确，其余内容已保存。") % {"n": len(form_issues)})
        except DomainError as problem:
            errors.append(problem.message)
        for block_index, material in enumerate(view.materials):
            for upload in request.FILES.getlist(f"upload-{block_index}"):
                try:
                    case_services.draft_attachment_upload(user=request.user, org_id=org_id, draft_id=draft_id,
                                                          material_name=material.name, upload=upload)
                    changed = True
                except DomainError as problem:
                    material_errors.setdefault(material.name, []).append(
                        _("“%(f)s”未上传：%(m)s") % {"f": (upload.name or "")[:80], "m": problem.message})
        verb, _sep, arg = action.partition(":")
        try:
            if verb == "reuse" and arg.isdigit() and int(arg) < len(view.materials):
                material = view.materials[int(arg)]
                file_id = request.POST.get(f"reuse-{arg}", "")
                if not file_id.isdigit():
                    material_errors.setdefault(material.name, []).append(_("请选择要复用的材料。"))
                else:
                    case_services.draft_attachment_reuse(user=request.user, org_id=org_id, draft_id=draft_id,
                                                         material_name=material.name, file_id=int(file_id))
                    changed = True
            elif verb == "license" and arg.isdigit() and int(arg) < len(view.materials):
                material = view.materials[int(arg)]
                identifier = (request.POST.get(f"license-{arg}") or "").strip()
                if not identifier:
                    material_errors.setdefault(material.name, []).append(_("请选择要使用的电子证照。"))
                else:
                    case_services.draft_attachment_license(user=request.user, org_id=org_id, draft_id=draft_id,
                                                           material_name=material.name, license_id=identifier)
                    changed = True
            elif verb == "remove" and arg.isdigit():
                case_services.draft_attachment_remove(user=request.user, org_id=org_id, draft_id=draft_id,
                                                      attachment_id=int(arg))
                changed = True
        except DomainError as problem:
            name = view.materials[int(arg)].name if verb in ("reuse", "license") else ""
            (material_errors.setdefault(name, []) if name else errors).append(problem.message)

        if _wants_json(request):
            ok = not (form_issues or material_errors or errors)
            return JsonResponse({
                "saved": ok or not form_issues, "saved_at": timezone.localtime().strftime("%H:%M:%S"),
                "issues": [{"field": i.field, "message": i.message} for i in form_issues],
                "errors": errors + [m for ms in material_errors.values() for m in ms]}, status=200 if ok else 422)
        if verb == "submit" and not (form_issues or material_errors or errors):
            response, issues, message = _submit(request, draft_id=draft_id, org_id=org_id)
            if response is not None:
                return response
            form_issues, submit_materials, other = _split_issues(issues)
            for name, texts in submit_materials.items():
                material_errors.setdefault(name, []).extend(texts)
            errors += [message, *other] if message else other
        elif not (form_issues or material_errors or errors):
            messages.success(request, _("已上传。") if changed and verb != "remove" else
                             _("已删除。") if verb == "remove" else _("草稿已保存，可在“我的草稿”中继续填写。"))
            anchor = "#materials" if verb in ("reuse", "license", "remove", "upload") or changed else ""
            return HttpResponseRedirect(_draft_url(draft_id, org_id) + anchor)
        view = applicant_services.draft_get(user=request.user, org_id=org_id, draft_id=draft_id)

    reusable = [] if view.blocked_reason else case_selectors.attachment_reusable_list(user=request.user,
                                                                                     org_id=org_id)
    rendered = None
    if view.form is not None:
        rendered = form_render(view.form, values=values if values is not None else view.data,
                               prefilled=view.prefill, issues=form_issues)
    return render(request, "web/apply/draft.html", {
        "view": view, "rendered_form": rendered,
        "blocks": _material_blocks(view, reusable, material_errors,
                                   licenses=None if view.blocked_reason else _license_options(request, org_id)),
        "errors": errors, "idempotency_key": _key(request), "org_id": org_id, "org_qs": org_query(org_id),
        "has_errors": bool(form_issues or material_errors or errors),
    })


@never_cache
@login_required(login_url=LOGIN)
@require_http_methods(["GET", "POST"])
def draft_delete(request: HttpRequest, draft_id: int) -> HttpResponse:
    """删除草稿, after a confirmation (its uploads stay available for reuse until housekeeping)."""
    org_id = acting_org(request)
    try:
        view = applicant_services.draft_get(user=request.user, org_id=org_id, draft_id=draft_id)
    except (NotFound, NotPermitted):
        raise Http404(_("没有找到这份草稿。")) from None
    if request.method == "POST":
        case_services.draft_delete(user=request.user, org_id=org_id, draft_id=draft_id)
        messages.success(request, _("草稿“%(t)s”已删除。") % {"t": view.title})
        return redirect("web:drafts")
    return render(request, "web/apply/delete.html", {"view": view, "org_id": org_id, "org_qs": org_query(org_id)})
