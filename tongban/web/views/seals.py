"""Electronic seals in the staff workbench (电子印章): the list (a department administrator's own department, a
platform administrator's whole platform), making a seal, one seal with its image, certificate and usage log, and
启用 / 停用 / 注销 with a confirmation page and a reason. Also the public JSON list of the platform's signing keys
(``/licenses/keys/``) that 亮证 tokens and archive manifests are verified with.

Views validate input and call the seal services and selectors, which check permissions again: someone who does
not manage seals gets an audited 403, another department's seal an audited 404. Every page works without
JavaScript.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from tongban.core.errors import DomainError, NotFound, NotPermitted
from tongban.directory.selectors import StaffContext, department_list
from tongban.licenses.keys import published_keys
from tongban.licenses.models import SealKind, SealStatus, SealUsage
from tongban.licenses.pki import trust_roots_pem
from tongban.licenses.selectors.seals import (
    seal_get_for_staff,
    seal_image_for_staff,
    seal_list_for_staff,
    seal_manager_check,
    seal_usage_list_for_staff,
)
from tongban.licenses.services.seals import seal_create, seal_default_name, seal_transition
from tongban.licenses.workflow import SEAL_TRANSITIONS

PAGE_SIZE = 20
USAGE_PAGE_SIZE = 20
KEYS_MAX_AGE = 300
DESTRUCTIVE = frozenset({"suspend", "revoke"})


class SealForm(forms.Form):
    department = forms.TypedChoiceField(label=gettext_lazy("所属部门"), coerce=int, choices=())
    kind = forms.ChoiceField(label=gettext_lazy("印章类型"), choices=SealKind.choices, initial=SealKind.OFFICIAL)
    name = forms.CharField(label=gettext_lazy("印章名称"), max_length=100, required=False,
                           help_text=gettext_lazy("留空时按部门名称和印章类型生成，如“××局证照专用章”。"))

    def __init__(self, *args: Any, departments: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = departments  # type: ignore[attr-defined]
        if len(departments) == 1:
            self.fields["department"].initial = departments[0][0]
            self.fields["department"].widget = forms.HiddenInput()


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if required:
            self.fields["reason"].help_text = _("停用或注销印章必须写明理由，理由记入印章记录和审计日志。")


def _manager(request: HttpRequest, action: str = "licenses.seal.list") -> StaffContext:
    if not getattr(request.user, "kind", "") == "staff":
        raise Http404(_("您的账号不是工作人员账号。"))
    try:
        return seal_manager_check(user=request.user, action=action)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None


def _report(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)
    for issue in error.issues:
        if issue.message != error.message:
            messages.error(request, issue.message)


def _querystring(request: HttpRequest, drop: str = "page") -> str:
    query = request.GET.copy()
    query.pop(drop, None)
    return query.urlencode()


def _detail(request: HttpRequest, seal_id: int) -> Any:
    try:
        return seal_get_for_staff(user=request.user, seal_id=seal_id)
    except NotFound as error:
        raise Http404(error.message) from None
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None


@login_required
@require_GET
def seal_list(request: HttpRequest) -> HttpResponse:
    staff = _manager(request)
    status = request.GET.get("status") or ""
    query = (request.GET.get("q") or "").strip()[:50]
    rows = seal_list_for_staff(staff=staff, status=status or None, query=query)
    return render(request, "web/workbench/seals/list.html", {
        "staff": staff, "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "querystring": _querystring(request), "statuses": SealStatus.choices,
        "filters": {k: v for k, v in {"status": status, "q": query}.items() if v}})


@login_required
@require_http_methods(["GET", "POST"])
def seal_new(request: HttpRequest) -> HttpResponse:
    staff = _manager(request, action="licenses.seal.create")
    if staff.is_platform_admin:
        departments = [(d.pk, d.name) for d in department_list().order_by("name", "pk")]
    else:
        departments = [(staff.department_id, staff.department_name)]
    form = SealForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        names = dict(departments)
        name = data["name"].strip() or seal_default_name(department_name=names[data["department"]], kind=data["kind"])
        try:
            row = seal_create(user=request.user, department_id=data["department"], name=name, kind=data["kind"])
        except NotFound as error:
            raise Http404(error.message) from None
        except NotPermitted as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            for issue in error.issues:
                form.add_error(issue.field if issue.field in form.fields else None, issue.message)
            if not error.issues:
                form.add_error(None, error.message)
        else:
            messages.success(request, _("印章“%(name)s”已制作，状态为待启用；启用后才能用于签章。") % {"name": row.name})
            return redirect("web:wb_seal", seal_id=row.id)
    return render(request, "web/workbench/seals/new.html", {"staff": staff, "form": form})


@login_required
@require_GET
def seal_detail(request: HttpRequest, seal_id: int) -> HttpResponse:
    staff = _manager(request, action="licenses.seal.view")
    detail = _detail(request, seal_id)
    usages = seal_usage_list_for_staff(user=request.user, seal_id=seal_id)
    page = Paginator(usages, USAGE_PAGE_SIZE).get_page(request.GET.get("page"))
    purposes = dict(SealUsage.Purpose.choices)
    rows = [{**u, "purpose_label": purposes.get(u["purpose"], u["purpose"])} for u in page.object_list]
    return render(request, "web/workbench/seals/detail.html", {
        "staff": staff, "detail": detail, "seal": detail.seal, "cert": detail.certificate, "page": page,
        "usages": rows, "querystring": _querystring(request)})


@login_required
@require_GET
def seal_image(request: HttpRequest, seal_id: int) -> HttpResponse:
    _manager(request, action="licenses.seal.view")
    try:
        data = seal_image_for_staff(user=request.user, seal_id=seal_id)
    except NotFound as error:
        raise Http404(error.message) from None
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def seal_action(request: HttpRequest, seal_id: int, transition: str) -> HttpResponse:
    """The confirmation page of 启用 / 停用 / 注销, with the reason; POST with ``confirm`` does it."""
    rule = SEAL_TRANSITIONS.get(transition)
    if rule is None:
        raise Http404(_("没有这个操作。"))
    staff = _manager(request, action=f"licenses.seal.{transition}")
    detail = _detail(request, seal_id)
    if transition not in {t.name for t in detail.transitions}:
        messages.error(request, _("当前状态下不能“%(t)s”。") % {"t": rule.label})
        return redirect("web:wb_seal", seal_id=seal_id)
    form = ReasonForm(request.POST or None, required=transition in DESTRUCTIVE)
    if request.method == "POST" and form.is_valid():
        try:
            row = seal_transition(user=request.user, seal_id=seal_id, transition=transition,
                                  reason=form.cleaned_data["reason"])
        except NotFound as error:
            raise Http404(error.message) from None
        except NotPermitted as error:
            raise PermissionDenied(error.message) from None
        except DomainError as error:
            _report(request, error)
        else:
            messages.success(request, _("印章“%(name)s”已%(t)s。") % {"name": row.name, "t": rule.label})
            return redirect("web:wb_seal", seal_id=seal_id)
    return render(request, "web/workbench/seals/action.html", {
        "staff": staff, "seal": detail.seal, "transition": transition, "label": rule.label, "form": form,
        "destructive": transition in DESTRUCTIVE})


@require_GET
def signing_keys(request: HttpRequest) -> JsonResponse:
    """The platform's public signing keys as a JWK set (``{"keys": [...]}``): public, cacheable, no login."""
    response = JsonResponse({"keys": published_keys()}, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = f"public, max-age={KEYS_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def root_certificates(request: HttpRequest) -> HttpResponse:
    """The platform's root certificates (PEM, all that still verify something): what an independent validator
    (poppler's pdfsig, Adobe Reader, pyHanko) is told to trust to check a sealed licence or document."""
    roots = trust_roots_pem()
    if not roots:
        raise Http404(_("平台根证书尚未生成（运行 manage.py licenses_setup）。"))
    response = HttpResponse("".join(roots), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="tongban-root-ca.pem"'
    response["Cache-Control"] = f"public, max-age={KEYS_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    return response
