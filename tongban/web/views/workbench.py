"""Staff workbench for the catalogue (事项管理工作台): list, edit drafts, validate, publish, suspend, cancel,
version history with diff. Every action calls a catalog service, which checks the permission again."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tongban.catalog import selectors as catalog
from tongban.catalog import services
from tongban.catalog.forms import (
    definition_check,
    definition_diff,
    form_for_implementation_version,
    form_spec_from_definition,
)
from tongban.catalog.forms.render import form_render
from tongban.catalog.interface import CatalogStatus
from tongban.core.errors import DomainError, NotFound, ValidationFailed
from tongban.core.http import client_ip
from tongban.directory.selectors import StaffContext, staff_context_for_user
from tongban.identity import selectors as identity_selectors
from tongban.identity import services as identity_services
from tongban.identity.totp import totp_enroll_start, totp_has_device, totp_qr_svg
from tongban.oidc.services import AMR_SESSION_KEY
from tongban.search import services as search_services
from tongban.search.selectors import synonym_list
from tongban.web.form_editor import definition_apply_op, definition_from_post, editor_choices, editor_rows
from tongban.web.forms import (
    ClassifyForm,
    ImplementationDraftForm,
    ItemCreateForm,
    ItemDraftForm,
    PublishForm,
    ReasonForm,
    StaffLoginForm,
    SynonymForm,
    TotpForm,
)
from tongban.web.labels import DEPARTMENT_CATEGORIES

PENDING_KEY = "tb_staff_pending"
PENDING_SECONDS = 300


@never_cache
@require_http_methods(["GET", "POST"])
def staff_login(request: HttpRequest) -> HttpResponse:
    """工作人员登录, step 1: username and password. The session opens only after the TOTP step."""
    if request.user.is_authenticated and staff_context_for_user(request.user) is not None:
        return redirect("web:staff_home")
    form = StaffLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = identity_services.staff_password_check(username=form.cleaned_data["username"],
                                                          password=form.cleaned_data["password"], ip=client_ip(request))
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            request.session.cycle_key()
            request.session[PENDING_KEY] = {"uid": user.pk, "at": time.time(), "next": _safe_next(request)}
            return redirect("web:staff_login_otp")
    return render(request, "web/workbench/login.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def staff_login_otp(request: HttpRequest) -> HttpResponse:
    """Step 2: the TOTP code; on the first sign-in, enrol an authenticator app first (mandatory for staff)."""
    pending = request.session.get(PENDING_KEY)
    user = identity_selectors.user_get(user_id=pending["uid"]) if pending else None
    if user is None or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        messages.error(request, _("登录已超时，请重新输入用户名和密码。"))
        return redirect("web:staff_login")
    enrolling = not totp_has_device(user=user)
    secret = qr = ""
    if enrolling:
        secret, uri = request.session.get("tb_totp_setup") or totp_enroll_start(user=user)
        request.session["tb_totp_setup"] = (secret, uri)
        qr = totp_qr_svg(uri)
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            identity_services.staff_second_factor(user=user, code=form.cleaned_data["code"], ip=client_ip(request),
                                                  enrolling=enrolling)
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            target = pending.get("next") or reverse("web:staff_home")
            request.session.pop(PENDING_KEY, None)
            request.session.pop("tb_totp_setup", None)
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[AMR_SESSION_KEY] = ["pwd", "otp"]
            return redirect(target)
    return render(request, "web/workbench/login_otp.html", {"form": form, "enrolling": enrolling,
                                                             "secret": secret, "qr": qr})



def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else ""


def _staff(request: HttpRequest) -> StaffContext:
    staff = staff_context_for_user(request.user)
    if staff is None:
        raise Http404(_("您的账号不是工作人员账号。"))
    return staff


def _report(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)
    for issue in error.issues:
        messages.error(request, issue.message)


@login_required
def staff_home(request: HttpRequest) -> HttpResponse:
    """The first page of the staff member's main role."""
    staff = _staff(request)
    if staff.is_platform_catalog_admin:
        return redirect("web:wb_items")
    if not staff.is_department_catalog_admin:
        if staff.roles & {"window_clerk", "reviewer", "approver"}:
            return redirect("web:wb_cases")
        if staff.is_realname_reviewer:
            return redirect("realname:review_queue")
        if "license_lookup" in staff.roles:
            return redirect("web:wb_license_lookup")
        if "license_admin" in staff.roles:
            return redirect("web:wb_licenses")
        if staff.can_manage_roles:
            return redirect("web:wb_staff")
    return redirect("web:wb_implementations")


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    status = request.GET.get("status") or None
    if status not in CatalogStatus.values:
        status = None
    items = catalog.item_list_for_staff(staff=staff, status=status, query=(request.GET.get("q") or "").strip() or None,
                                        department_category=request.GET.get("department") or None)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "web/workbench/items.html", {
        "staff": staff, "page": Paginator(items, 30).get_page(request.GET.get("page")), "statuses": CatalogStatus.choices,
        "departments": DEPARTMENT_CATEGORIES, "querystring": query.urlencode(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def item_new(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    form = ItemCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        elements = {"name": data["name"], "item_type": data["item_type"], "audience": data["audience"],
                    "acceptance_conditions": "", "case_type": "2", "legal_limit_value": 20,
                    "promised_limit_value": 10}
        try:
            item = services.item_create(actor=request.user, basic_code=data["basic_code"],
                                        department_category=data["department_category"], elements=elements)
        except DomainError as error:
            _report(request, error)
        else:
            messages.success(request, _("已创建事项草稿，请完善各项要素后发布。"))
            return redirect("web:wb_item_edit", item_id=item.pk)
    return render(request, "web/workbench/item_new.html", {"staff": staff, "form": form})


def _item_or_404(staff: StaffContext, item_id: int) -> Any:
    item = catalog.item_get_for_staff(staff=staff, item_id=item_id)
    if item is None:
        raise Http404(_("没有找到这个事项。"))
    return item


@login_required
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    staff = _staff(request)
    item = _item_or_404(staff, item_id)
    versions = list(catalog.item_versions(item=item))
    return render(request, "web/workbench/item_detail.html", {
        "staff": staff, "item": item, "versions": versions, "draft": catalog.item_draft(item=item),
        "issues": services.item_validate(item=item) if request.GET.get("validate") else None,
        "implementations": catalog.implementation_list_for_staff(staff=staff, item=item),
        "can_edit": staff.is_platform_catalog_admin,
    })


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    staff = _staff(request)
    item = _item_or_404(staff, item_id)
    draft = catalog.item_draft(item=item)
    if draft is None:
        messages.error(request, _("该事项没有草稿，请先点击“调整”创建新版本草稿。"))
        return redirect("web:wb_item", item_id=item.pk)
    initial = ItemDraftForm.initial_from(services.version_elements(draft), services.version_materials(draft))
    form = ItemDraftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_draft_update(actor=request.user, item=item, elements=form.elements(),
                                       materials=form.cleaned_data["materials"])
        except DomainError as error:
            _report(request, error)
        else:
            messages.success(request, _("草稿已保存。发布前会进行一致性校验。"))
            return redirect("web:wb_item", item_id=item.pk)
    return render(request, "web/workbench/item_edit.html", {"staff": staff, "item": item, "draft": draft,
                                                             "form": form})


@login_required
@require_POST
def item_draft(request: HttpRequest, item_id: int) -> HttpResponse:
    staff = _staff(request)
    item = _item_or_404(staff, item_id)
    try:
        services.item_draft_start(actor=request.user, item=item)
    except DomainError as error:
        _report(request, error)
        return redirect("web:wb_item", item_id=item.pk)
    return redirect("web:wb_item_edit", item_id=item.pk)


ITEM_ACTIONS = {
    "publish": (gettext_lazy("发布"), services.item_publish),
    "suspend": (gettext_lazy("暂停"), services.item_suspend),
    "resume": (gettext_lazy("恢复"), services.item_resume),
    "cancel": (gettext_lazy("取消"), services.item_cancel),
}


def _confirm_and_act(
    request: HttpRequest, *, staff: StaffContext, action: str, actions: dict[str, Any], target: dict[str, Any],
    validate: Any, back: HttpResponse,
) -> HttpResponse:
    """A confirmation page, then the catalogue action. Suspend and cancel need a reason; publish shows the rules."""
    if action not in actions:
        raise Http404()
    label, service = actions[action]
    form = (PublishForm if action == "publish" else ReasonForm)(request.POST or None)
    if action == "resume":
        form.fields["reason"].required = False
    issues = validate() if action == "publish" else []
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, **target, **form.cleaned_data)
        except ValidationFailed as error:
            issues = error.issues
            messages.error(request, error.message)
        except DomainError as error:
            _report(request, error)
        else:
            messages.success(request, _("已%(a)s。") % {"a": label})
            return back
    return render(request, "web/workbench/confirm.html", {
        "staff": staff, **target, "impl": target.get("implementation"), "action": action, "label": label,
        "form": form, "issues": issues, "destructive": action in {"suspend", "cancel"}})


@login_required
@require_http_methods(["GET", "POST"])
def item_action(request: HttpRequest, item_id: int, action: str) -> HttpResponse:
    staff = _staff(request)
    item = _item_or_404(staff, item_id)
    return _confirm_and_act(request, staff=staff, action=action, actions=ITEM_ACTIONS, target={"item": item},
                            validate=lambda: services.item_validate(item=item),
                            back=redirect("web:wb_item", item_id=item.pk))


@login_required
def item_version(request: HttpRequest, item_id: int, number: int) -> HttpResponse:
    staff = _staff(request)
    item = _item_or_404(staff, item_id)
    version = catalog.item_versions(item=item).filter(number=number).first()
    if version is None:
        raise Http404(_("没有这个版本。"))
    return render(request, "web/workbench/version.html", {"staff": staff, "item": item, "version": version})


@login_required
def item_diff(request: HttpRequest, item_id: int) -> HttpResponse:
    staff = _staff(request)
    item = _item_or_404(staff, item_id)
    versions = {v.number: v for v in catalog.item_versions(item=item).prefetch_related("materials")}
    try:
        old, new = versions[int(request.GET["a"])], versions[int(request.GET["b"])]
    except (KeyError, ValueError):
        raise Http404(_("请选择两个存在的版本进行比较。")) from None
    return render(request, "web/workbench/diff.html", {"staff": staff, "item": item,
                                                        "diff": catalog.version_diff(old=old, new=new)})


# ------------------------------------------------------------ implementations


@login_required
def implementation_list(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    impls = catalog.implementation_list_for_staff(staff=staff)
    return render(request, "web/workbench/implementations.html", {
        "staff": staff, "page": Paginator(impls, 30).get_page(request.GET.get("page")), "querystring": ""})


def _impl_or_404(request: HttpRequest, implementation_id: int) -> Any:
    """Within the staff member's scope; a refusal is audited and answers 404 like a missing record."""
    try:
        return services.implementation_open(actor=request.user, implementation_id=implementation_id)
    except NotFound as error:
        raise Http404(error.message) from None


IMPLEMENTATION_ACTIONS = {
    "publish": (gettext_lazy("发布"), services.implementation_publish),
    "suspend": (gettext_lazy("暂停"), services.implementation_suspend),
    "resume": (gettext_lazy("恢复"), services.implementation_resume),
    "cancel": (gettext_lazy("取消"), services.implementation_cancel),
}


@login_required
@require_http_methods(["GET", "POST"])
def implementation_edit(request: HttpRequest, implementation_id: int) -> HttpResponse:
    staff = _staff(request)
    impl = _impl_or_404(request, implementation_id)
    draft = catalog.implementation_draft(implementation=impl)
    form = None
    if draft is not None:
        initial = {f: getattr(draft, f) for f in ImplementationDraftForm.base_fields}
        form = ImplementationDraftForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.implementation_draft_update(actor=request.user, implementation=impl,
                                                     elements=form.cleaned_data)
            except DomainError as error:
                _report(request, error)
            else:
                messages.success(request, _("草稿已保存。"))
                return redirect("web:wb_implementation", implementation_id=impl.pk)
    return render(request, "web/workbench/implementation.html", {
        "staff": staff, "impl": impl, "draft": draft, "form": form,
        "issues": services.implementation_validate(implementation=impl) if draft else None})


@login_required
@require_POST
def implementation_draft(request: HttpRequest, implementation_id: int) -> HttpResponse:
    _staff(request)
    impl = _impl_or_404(request, implementation_id)
    try:
        services.implementation_draft_start(actor=request.user, implementation=impl)
    except DomainError as error:
        _report(request, error)
    return redirect("web:wb_implementation", implementation_id=impl.pk)


@login_required
@require_http_methods(["GET", "POST"])
def implementation_action(request: HttpRequest, implementation_id: int, action: str) -> HttpResponse:
    staff = _staff(request)
    impl = _impl_or_404(request, implementation_id)
    return _confirm_and_act(request, staff=staff, action=action, actions=IMPLEMENTATION_ACTIONS,
                            target={"implementation": impl},
                            validate=lambda: services.implementation_validate(implementation=impl),
                            back=redirect("web:wb_implementation", implementation_id=impl.pk))


# ------------------------------------------------------------ classification and synonyms


@login_required
@require_http_methods(["GET", "POST"])
def item_classify(request: HttpRequest, item_id: int) -> HttpResponse:
    staff = _staff(request)
    item = _item_or_404(staff, item_id)
    choices = {
        "themes": [(t.code, f"{t.name}（{t.get_audience_display()}）") for t in catalog.theme_list()],
        "life_events": [(e.code, f"{e.name}（{e.get_audience_display()}）") for e in catalog.life_event_list()],
    }
    initial = {"themes": [t.code for t in item.themes.all()], "life_events": [e.code for e in item.life_events.all()],
               "weight": item.weight}
    form = ClassifyForm(request.POST or None, initial=initial, **choices)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_classify(actor=request.user, item=item, theme_codes=form.cleaned_data["themes"],
                                   life_event_codes=form.cleaned_data["life_events"],
                                   weight=form.cleaned_data["weight"])
        except DomainError as error:
            _report(request, error)
        else:
            messages.success(request, _("分类和高频权重已保存。"))
            return redirect("web:wb_item", item_id=item.pk)
    return render(request, "web/workbench/form.html", {
        "staff": staff, "form": form, "title": _("分类与高频权重"), "back": reverse("web:wb_item", args=[item.pk])})


@login_required
@require_http_methods(["GET", "POST"])
def synonyms(request: HttpRequest) -> HttpResponse:
    """The maintained synonym table (群众说法 → 规范说法) used by search."""
    staff = _staff(request)
    form = SynonymForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            search_services.synonym_save(user=request.user, **form.cleaned_data)
        except DomainError as error:
            _report(request, error)
        else:
            messages.success(request, _("已保存同义词“%(t)s”。") % {"t": form.cleaned_data["term"]})
            return redirect("web:wb_synonyms")
    query = (request.GET.get("q") or "").strip()
    entries = [e for e in synonym_list() if not query or query in e.term or query in e.canonical]
    return render(request, "web/workbench/synonyms.html", {
        "staff": staff, "form": form, "q": query, "page": Paginator(entries, 50).get_page(request.GET.get("page")),
        "querystring": f"q={query}" if query else "", "can_edit": staff.is_platform_catalog_admin})


# ------------------------------------------------------------ application forms (申请表单)


def _editor_context(definition: dict[str, Any] | None, *, materials: list[str], title: str) -> dict[str, Any]:
    """The editor's inputs, its definition check and the preview, all from one definition."""
    issues = definition_check(definition, materials=materials) if definition is not None else []
    spec = form_spec_from_definition(definition, key="preview", title=title)
    return {"editor": editor_rows(definition), "choices": editor_choices(materials), "form_issues": issues,
            "preview": form_render(spec, prefix="preview"), "editing": True}


def _form_editor(
    request: HttpRequest, *, stored: dict[str, Any] | None, inherited: dict[str, Any] | None, materials: list[str],
    title: str, save: Any, page: dict[str, Any], here: str,
) -> HttpResponse:
    """One editor for the item's default form and an implementation's own form.

    ``save(form)`` stores the definition (``None``: no own form) in the draft through a catalog service.
    """
    definition = stored
    if request.method == "POST":
        op = request.POST.get("op", "")
        if op == "inherit":
            try:
                save(None)
            except DomainError as error:
                _report(request, error)
            else:
                messages.success(request, _("已恢复使用默认表单（草稿）。"))
            return redirect(here)
        definition = dict(inherited or {"sections": [], "fields": []}) if op == "customize" \
            else definition_from_post(request.POST)
        if op == "save":
            try:
                save(definition)
            except ValidationFailed as error:
                messages.error(request, error.message)
            except DomainError as error:
                _report(request, error)
            else:
                messages.success(request, _("申请表单已保存到草稿，发布后生效。"))
                return redirect(here)
        elif op not in ("customize", "preview"):
            definition = definition_apply_op(definition, op)
    if definition is None:
        spec = form_spec_from_definition(inherited, key="preview", title=title)
        return render(request, "web/workbench/form_editor.html", {
            **page, "editing": False, "preview": form_render(spec, prefix="preview"), "inherited": inherited})
    return render(request, "web/workbench/form_editor.html", {
        **page, **_editor_context(definition, materials=materials, title=title)})


def _form_title(name: str) -> str:
    return _("%(n)s申请表") % {"n": name}


@login_required
@require_http_methods(["GET", "POST"])
def implementation_form(request: HttpRequest, implementation_id: int) -> HttpResponse:
    """申请表单 of an implementation: edit the draft's own form (or inherit the item's), view any version's."""
    staff = _staff(request)
    impl = _impl_or_404(request, implementation_id)
    item_version = impl.item.current_version
    name = item_version.name if item_version else impl.code
    versions = list(catalog.implementation_versions(implementation=impl))
    draft = next((v for v in versions if v.published_at is None), None)
    page = {"staff": staff, "impl": impl, "versions": versions, "draft": draft, "title": _form_title(name),
            "back": reverse("web:wb_implementation", args=[impl.pk]),
            "preview_url": reverse("web:wb_implementation_form_preview", args=[impl.pk]),
            "inherited_label": _("基本目录默认表单（事项版本 v%(n)s）") % {"n": item_version.number}
            if item_version and item_version.form else _("无默认表单")}
    shown = request.GET.get("version")
    if shown or draft is None:
        version = next((v for v in versions if str(v.number) == shown), None) if shown else impl.current_version
        if version is None:
            raise Http404(_("没有这个版本。"))
        spec = form_for_implementation_version(implementation_code=impl.code, number=version.number)
        previous = next((v for v in versions if v.number < version.number and v.published_at), None)
        return render(request, "web/workbench/form_editor.html", {
            **page, "editing": False, "viewing": version, "preview": form_render(spec, prefix="preview", readonly=True),
            "spec": spec, "changes": definition_diff(_effective(previous, item_version), _effective(version, item_version))
            if previous else None})

    def save(form: dict[str, Any] | None) -> None:
        services.implementation_form_update(actor=request.user, implementation=impl, form=form)

    return _form_editor(request, stored=draft.form, inherited=item_version.form if item_version else None,
                        materials=catalog.material_names(item_version=item_version), title=_form_title(name),
                        save=save, page=page, here=reverse("web:wb_implementation_form", args=[impl.pk]))


def _effective(version: Any, item_version: Any) -> dict[str, Any] | None:
    if version is None:
        return None
    if version.form:
        return version.form
    source = version.item_version or item_version
    return source.form if source else None


@login_required
@require_POST
def implementation_form_preview(request: HttpRequest, implementation_id: int) -> HttpResponse:
    """The live preview: the editor's post rendered by the same renderer the applicant sees (nothing saved)."""
    _staff(request)
    impl = _impl_or_404(request, implementation_id)
    item_version = impl.item.current_version
    definition = definition_from_post(request.POST)
    context = _editor_context(definition, materials=catalog.material_names(item_version=item_version),
                              title=_form_title(item_version.name if item_version else impl.code))
    return render(request, "web/workbench/_form_preview.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def item_form(request: HttpRequest, item_id: int) -> HttpResponse:
    """The default application form of a basic item (platform catalogue administrators, in the item's draft)."""
    staff = _staff(request)
    item = _item_or_404(staff, item_id)
    draft = catalog.item_draft(item=item)
    version = draft or item.current_version
    name = version.name if version else item.basic_code
    page = {"staff": staff, "item": item, "draft": draft, "title": _form_title(name), "is_item": True,
            "back": reverse("web:wb_item", args=[item.pk]),
            "preview_url": reverse("web:wb_item_form_preview", args=[item.pk])}
    if draft is None or not staff.is_platform_catalog_admin:
        spec = form_spec_from_definition(version.form if version else None, key="preview", title=_form_title(name))
        return render(request, "web/workbench/form_editor.html", {
            **page, "editing": False, "viewing": version, "preview": form_render(spec, prefix="preview", readonly=True)})

    def save(form: dict[str, Any] | None) -> None:
        services.item_form_update(actor=request.user, item=item, form=form)

    return _form_editor(request, stored=draft.form, inherited=None,
                        materials=catalog.material_names(item_version=draft), title=_form_title(name), save=save,
                        page=page, here=reverse("web:wb_item_form", args=[item.pk]))


@login_required
@require_POST
def item_form_preview(request: HttpRequest, item_id: int) -> HttpResponse:
    staff = _staff(request)
    item = _item_or_404(staff, item_id)
    version = catalog.item_draft(item=item) or item.current_version
    context = _editor_context(definition_from_post(request.POST),
                              materials=catalog.material_names(item_version=version),
                              title=_form_title(version.name if version else item.basic_code))
    return render(request, "web/workbench/_form_preview.html", context)
